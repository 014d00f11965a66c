package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/syncrobot/syncrobot/demo"
	"github.com/syncrobot/syncrobot/syncbuf"
)

// browserTimeout bounds one step in the browser: the bot's reply includes
// Syncro calls and a 500 ms page poll, on a shared 2-core machine.
const browserTimeout = 20 * time.Second

var demoURLRE = regexp.MustCompile(`open (http://\S+)`)

// demoInfoRE reads what -demo prints about where session logs go and how
// the demo started.
var demoInfoRE = regexp.MustCompile(`session logs of tickets you close go to (\S+) [^\n]*\nSyncro changes: ([^\n]+)\n`)

// chromiumPath finds the browser, or skips (locally) or fails (in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found; CI must install it (Debian: apt-get install chromium)")
	}
	t.Skip("chromium not found: install it (Debian: apt-get install chromium) to run the browser tests")
	return ""
}

// startDemoBot runs the real program with -demo on a free port and returns
// the page's URL and what the program prints; the bot stops when the test
// ends.
func startDemoBot(t *testing.T) (string, *syncbuf.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"bot", "-demo", "-demo-addr", "127.0.0.1:0"}, envMap(map[string]string{"LOG_FORMAT": "text"}), &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("run -demo exited %d; stderr:\n%s", code, stderr.String())
			}
		case <-time.After(testTimeout):
			t.Errorf("run -demo did not stop within %s", testTimeout)
		}
	})
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(testTimeout)
	for {
		if m := demoURLRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], &stdout
		}
		select {
		case code := <-done:
			t.Fatalf("run -demo exited %d before printing its URL; stderr:\n%s", code, stderr.String())
		case <-deadline:
			t.Fatalf("no demo URL on stdout after %s; stderr:\n%s", testTimeout, stderr.String())
		case <-tick.C:
		}
	}
}

// newBrowser starts headless Chromium with a fresh profile and nothing
// that calls home, so the test needs no network.
func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); acancel() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs actions with the per-step timeout.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%s: %v\npage text:\n%s", what, err, page)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS polls a JavaScript condition in the page.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(browserTimeout))
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string { return fmt.Sprintf("%q", s) }

// xpathString quotes s for an XPath expression (XPath 1.0 has no escapes,
// so a string holding both quote marks is spelled with concat).
func xpathString(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `concat("` + strings.ReplaceAll(s, `"`, `", '"', "`) + `")`
}

func channelHas(list, text string) string {
	return `document.getElementById(` + jsString(list) + `).innerText.includes(` + jsString(text) + `)`
}

// The page re-renders a channel's whole list whenever a line changes, and a
// modal's whole body when its view is updated, so the tests never hold a
// node across a render: every action below names its element by a selector
// the browser resolves afresh, and waits for what a person would wait for
// (the reply with the named text, the form with its submit button and the
// named field) before acting.

// youLinesJS counts the lines the person typed into #support; the page
// never removes them, so the count before typing indexes the next one.
const youLinesJS = `document.querySelectorAll('#messages > li.you').length`

// replyTo is the XPath of the first line after the person's n-th (0-based)
// typed line in #support that holds text: the bot's answer to that command,
// not an older reply that happens to say the same.
func replyTo(n int, text string) string {
	return fmt.Sprintf(`(//ol[@id="messages"]/li[contains(concat(" ", normalize-space(@class), " "), " you ")])[%d]/following-sibling::li[contains(., %s)]`, n+1, xpathString(text))
}

// nodeJS is a JavaScript expression for the element the XPath sel names
// now, or null.
func nodeJS(sel string) string {
	return `document.evaluate(` + jsString(sel) + `, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue`
}

// byID is the XPath of the element with id, for ids that are not valid
// CSS identifiers.
func byID(id string) string { return `//*[@id=` + xpathString(id) + `]` }

// command types text into the composer, presses Enter and waits for the
// bot's reply holding want, below the line just typed. It returns the
// reply's XPath.
func command(t *testing.T, ctx context.Context, text, want string) string {
	t.Helper()
	step(t, ctx, "no modal over the composer", waitJS(`document.getElementById('backdrop').hidden`))
	n := eval[int](t, ctx, youLinesJS)
	reply := replyTo(n, want)
	step(t, ctx, "type "+text, chromedp.SendKeys(chromedp.ID("command"), text+kb.Enter))
	step(t, ctx, fmt.Sprintf("see the reply to %s holding %q", text, want), chromedp.WaitVisible(reply))
	return reply
}

// isStaleNode reports whether err says the node an action looked up was
// replaced (the page re-rendered it) before the action reached it.
func isStaleNode(err error) bool {
	var e *cdproto.Error
	return errors.As(err, &e) && strings.Contains(e.Message, "node with given id")
}

// click clicks the visible element sel names. When the page re-renders
// the element between the lookup and the click, it looks sel up again and
// clicks the new node; the click was not delivered, so it cannot happen twice.
func click(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for {
			_, err := chromedp.Click(sel)(ctx, tg)
			if !isStaleNode(err) || ctx.Err() != nil {
				return chromedp.Void{}, err
			}
		}
	}
}

// openForm clicks the button labelled label in reply (an XPath from
// command) and waits for the modal to open. The modal is closed when the
// test ends, so a failure inside it does not leave it over the next test's
// composer.
func openForm(t *testing.T, ctx context.Context, reply, label string) {
	t.Helper()
	t.Cleanup(func() { closeModal(t, ctx) })
	button := reply + `//button[normalize-space()=` + xpathString(label) + `]`
	step(t, ctx, "click "+label, click(button), waitJS(`!document.getElementById('backdrop').hidden`))
}

// formField waits for the modal's form to load (the bot opens a Loading
// view first and fills it with views.update a moment later): its submit
// button is shown, the Loading text is gone and a field of kind (a CSS
// selector: "input[type=text], textarea", "input[type=checkbox]") sits in
// the input block, or the choice, whose label matches labelRE (a
// JavaScript regular expression literal). It returns the field's XPath.
func formField(t *testing.T, ctx context.Context, labelRE, kind string) string {
	t.Helper()
	find := `(() => {
		const back = document.getElementById('backdrop'), body = document.getElementById('modal-body');
		if (back.hidden || document.getElementById('modal-submit').hidden || body.innerText.includes('Loading…')) return '';
		const re = ` + labelRE + `, kind = ` + jsString(kind) + `;
		for (const b of body.querySelectorAll('.bk-input')) {
			if (re.test(b.querySelector('.bk-label').innerText)) {
				const f = b.querySelector(kind);
				if (f && f.id) return f.id;
			}
			for (const c of b.querySelectorAll('label')) {
				const f = c.querySelector(kind);
				if (f && f.id && re.test(c.innerText)) return f.id;
			}
		}
		return '';
	})()`
	sctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	id, err := chromedp.Run(sctx, chromedp.Poll[string](find, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(browserTimeout)))
	if err != nil {
		modal, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('backdrop').hidden ? '(no modal open)' : document.getElementById('modal').innerText`))
		t.Fatalf("no loaded form with a %s field labelled %s: %v\nmodal:\n%s", kind, labelRE, err, modal)
	}
	return byID(id)
}

// fill types text into the field and waits until the field holds it.
func fill(t *testing.T, ctx context.Context, field, text string) {
	t.Helper()
	step(t, ctx, "type "+text,
		chromedp.SendKeys(field, text),
		waitJS(`(`+nodeJS(field)+` || {}).value === `+jsString(text)),
	)
}

// submitForm presses the modal's submit button and fails unless the modal
// closed, showing what it said instead.
func submitForm(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	step(t, ctx, "submit "+what,
		click(`//*[@id="modal-submit"]`),
		waitJS(`document.getElementById('backdrop').hidden || document.querySelector('#modal .bk-error:not(:empty), #modal-error:not([hidden])')`),
	)
	if errs := eval[string](t, ctx, `document.getElementById('backdrop').hidden ? "" : document.getElementById('modal').innerText`); errs != "" {
		t.Fatalf("%s did not submit as is:\n%s", what, errs)
	}
}

// closeModal dismisses whatever modal is open with its × button, until
// none is: the modal may close by itself meanwhile, so it is not clicked
// with a wait for it to be visible.
func closeModal(t *testing.T, ctx context.Context) {
	t.Helper()
	step(t, ctx, "close the modal", waitJS(`document.getElementById('backdrop').hidden || (document.getElementById('modal-x').click(), false)`))
}

// openChannel shows the channel id in the page, as a click in the
// sidebar does.
func openChannel(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	step(t, ctx, "open channel "+id,
		click(`//ul[@id="channels"]//button[@data-channel=`+xpathString(id)+`]`),
		waitJS(`document.querySelector('#channels button[aria-current="true"]').dataset.channel === `+jsString(id)),
	)
}

// listColumnsRE matches a line of the ticket list as the bot sends it:
// number, status, customer and subject separated by two spaces.
var listColumnsRE = regexp.MustCompile(`(?m)^#\d+  \S.*\S  \S.*\S  \S`)

// oversizedAboveMessagesJS lists, for every message in both channels,
// each element drawn above the message's body (its author, badge and time)
// that is taller than the body itself: one line each, for the failure.
const oversizedAboveMessagesJS = `(() => {
	const bad = [];
	for (const li of document.querySelectorAll('#messages > li.msg, #notify > li.msg')) {
		const body = li.querySelector(':scope > .msg-body');
		if (!body) continue;
		const b = body.getBoundingClientRect();
		for (const e of li.querySelectorAll('*')) {
			if (body.contains(e)) continue;
			const r = e.getBoundingClientRect();
			if (r.bottom <= b.top + 0.5 && r.height > b.height) {
				bad.push(li.parentElement.id + ': <' + e.tagName.toLowerCase() + ' class="' + e.className + '"> is ' + Math.round(r.height) + 'px tall above a ' +
					Math.round(b.height) + 'px message "' + body.innerText.slice(0, 40).replace(/\s+/g, ' ') + '"');
			}
		}
	}
	return bad;
})()`

// codeBlockGapJS is how far below its message's header line the newest
// reply that starts with a code block starts it.
const codeBlockGapJS = `(() => {
	const pre = Array.from(document.querySelectorAll('#messages > li.msg > .msg-body > .bk-section:first-child pre')).pop();
	const head = pre.closest('li.msg').querySelector(':scope > .msg-head');
	return pre.getBoundingClientRect().top - head.getBoundingClientRect().bottom;
})()`

// screenshot saves what the browser shows now in the test's artifact
// directory (kept with go test -artifacts) and returns its path.
func screenshot(t *testing.T, ctx context.Context) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return "none: " + err.Error()
	}
	path := filepath.Join(t.ArtifactDir(), "page.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "none: " + err.Error()
	}
	return path
}

// A narrow window, where the page drops its sidebar and puts the notices
// under the channel.
const narrowWidth, narrowHeight = 800, 760

// narrowWindow makes the browser's window narrow until the test ends,
// then gives it back its own size (chromedp's EmulateReset would set a
// default size instead).
func narrowWindow(t *testing.T, ctx context.Context) {
	t.Helper()
	t.Cleanup(func() {
		step(t, ctx, "back to the desktop window", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
			return err
		}))
	})
	step(t, ctx, "narrow the window", chromedp.EmulateViewport(narrowWidth, narrowHeight))
}

// narrowLayoutProblems says what is wrong with the page's layout in a
// narrow window, after the next frame (when the page has settled what it
// draws): the channel and the notices fill the window, the composer is in
// it, and #support shows its newest message. "" when nothing is.
func narrowLayoutProblems(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
		const ol = document.getElementById('messages'), list = ol.getBoundingClientRect(), last = ol.lastElementChild.getBoundingClientRect();
		const channel = document.querySelector('main.channel').getBoundingClientRect(), notify = document.querySelector('aside.notify').getBoundingClientRect();
		const composer = document.getElementById('composer').getBoundingClientRect(), h = window.innerHeight;
		const bad = [];
		if (last.bottom > list.bottom + 1) bad.push('the newest message ends ' + Math.round(last.bottom - list.bottom) + 'px below the visible list');
		if (list.bottom > h + 1 || composer.bottom > h + 1) bad.push('the list ends at ' + Math.round(list.bottom) + 'px and the composer at ' + Math.round(composer.bottom) + 'px, below the ' + h + 'px window');
		if (channel.height + notify.height < h - 1) bad.push('channel and notices fill ' + Math.round(channel.height + notify.height) + 'px of the ' + h + 'px window');
		done(bad.join('; '));
	})))`, chromedp.EvalAwaitPromise)
}

func TestBrowser_DemoFlows(t *testing.T) {
	path := chromiumPath(t)
	url, stdout := startDemoBot(t)
	ctx := newBrowser(t, path)

	step(t, ctx, "open the page",
		chromedp.Navigate(url),
		waitJS(`document.getElementById('status').classList.contains('ok')`),
		waitJS(`document.activeElement && document.activeElement.id === 'command'`),
	)

	t.Run("narrow window: an empty channel fills the height", func(t *testing.T) {
		narrowWindow(t, ctx)
		if bad := narrowLayoutProblems(t, ctx); bad != "" {
			t.Errorf("%s (screenshot: %s)", bad, screenshot(t, ctx))
		}
	})

	t.Run("list open tickets", func(t *testing.T) {
		reply := command(t, ctx, "/syncro", "open tickets")
		step(t, ctx, "see the open tickets",
			chromedp.WaitVisible(reply+`[contains(., "#32150")]`),
			chromedp.WaitVisible(reply+`[contains(., "Only visible to you")]`),
		)
	})

	t.Run("ticket detail escapes Syncro text", func(t *testing.T) {
		command(t, ctx, "/syncro ticket 32160", "Slack keeps pinging everyone") // its customer is "<!channel> Pingers", a comment holds <script>
		if injected := eval[int](t, ctx, `document.querySelectorAll('#messages script, #messages img, #messages iframe').length`); injected != 0 {
			t.Errorf("Syncro text became %d live elements in the page", injected)
		}
	})

	t.Run("screenshot for the README", func(t *testing.T) {
		reply := command(t, ctx, "/syncro ticket 32150", "#32150 Own cloud thing again")
		step(t, ctx, "see its buttons", chromedp.WaitVisible(reply+`//button[normalize-space()="Make invoice"]`))
		// Not under -update: go test ./... -update rewrites text goldens,
		// and a screenshot differs a little at every run.
		if os.Getenv("UPDATE_SCREENSHOT") != "1" {
			t.Skip("docs/demo.png is rewritten only with UPDATE_SCREENSHOT=1")
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		out := filepath.Join("..", "..", "docs", "demo.png")
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", out, len(png))
	})

	t.Run("make an invoice", func(t *testing.T) {
		reply := command(t, ctx, "/syncro ticket 32150", "#32150 Own cloud thing again")
		openForm(t, ctx, reply, "Make invoice")
		formField(t, ctx, `/minute|time|duration/i`, "input[type=text], textarea")
		submitForm(t, ctx, "the invoice form")
		step(t, ctx, "see the invoice number", waitJS(`/[Ii]nvoice #?\d+/.test(document.getElementById('messages').innerText)`))
	})

	t.Run("field error under minutes", func(t *testing.T) {
		reply := command(t, ctx, "/syncro ticket 32150", "#32150 Own cloud thing again")
		openForm(t, ctx, reply, "Log time")
		minutes := formField(t, ctx, `/minute|time|duration/i`, "input[type=text]")
		fill(t, ctx, minutes, "abc")
		step(t, ctx, "submit abc and see the error under minutes",
			click(`//*[@id="modal-submit"]`),
			chromedp.WaitVisible(minutes+`/ancestor::div[contains(concat(" ", normalize-space(@class), " "), " bk-input ")]//div[contains(concat(" ", normalize-space(@class), " "), " bk-error ")][normalize-space() != ""]`),
		)
		step(t, ctx, "Esc closes the modal", chromedp.KeyEvent(kb.Escape), waitJS(`document.getElementById('backdrop').hidden`))
	})

	t.Run("close a ticket and see the notice", func(t *testing.T) {
		reply := command(t, ctx, "/syncro ticket 32151", "#32151 Printer offline in accounting")
		openForm(t, ctx, reply, "Close")
		// Resolution is required; the notice goes out when "Post to the
		// notify channel" is ticked.
		resolution := formField(t, ctx, `/resolution/i`, "textarea, input[type=text]")
		notify := formField(t, ctx, `/notify/i`, "input[type=checkbox]")
		if !eval[bool](t, ctx, `!!(`+nodeJS(notify)+` || {}).checked`) {
			step(t, ctx, "tick Post to the notify channel", click(notify), waitJS(`(`+nodeJS(notify)+` || {}).checked`))
		}
		fill(t, ctx, resolution, "Replaced the toner; test page printed.")
		submitForm(t, ctx, "the close form")
		step(t, ctx, "see the notice in #ticket-closed", waitJS(channelHas("notify", "32151")))
	})

	t.Run("layout: nothing above a message is taller than the message", func(t *testing.T) {
		list := command(t, ctx, "/syncro", "open tickets")
		// A one-line reply: the shortest message, where anything oversized
		// above it shows most.
		command(t, ctx, "/syncro ticket 1", "doesn't exist in Syncro")
		if bad := eval[[]string](t, ctx, oversizedAboveMessagesJS); len(bad) > 0 {
			t.Errorf("elements above messages are taller than the message (screenshot: %s):\n%s", screenshot(t, ctx), strings.Join(bad, "\n"))
		}
		// A reply that is one code block starts right under its header
		// line, as in Slack, not a blank line below it.
		command(t, ctx, "/syncro help comment", "--no-email")
		if gap := eval[float64](t, ctx, codeBlockGapJS); gap > 8 {
			t.Errorf("a code block starts %.0fpx below its message's header line, want at most 8 (screenshot: %s)", gap, screenshot(t, ctx))
		}
		// Slack keeps the spaces that separate the list's columns; the
		// rendered text (innerText) is what the browser draws.
		if got := eval[string](t, ctx, `(`+nodeJS(list)+` || {}).innerText || ""`); !listColumnsRE.MatchString(got) {
			t.Errorf("the ticket list's double spaces collapsed (screenshot: %s); the list reads:\n%s", screenshot(t, ctx), got)
		}
	})

	t.Run("the page says where the data and session logs are, and how it started", func(t *testing.T) {
		info := eval[string](t, ctx, `(() => {
			const e = document.getElementById('demo-info');
			if (!e) return '';
			const r = e.getBoundingClientRect();
			const shown = e.checkVisibility() && r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
			return shown ? e.innerText : '';
		})()`)
		// The page says what run printed for the operator.
		wctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := stdout.WaitFor(wctx, "Syncro changes: "); err != nil {
			t.Fatalf("%v; stdout:\n%s", err, stdout.String())
		}
		printed := demoInfoRE.FindStringSubmatch(stdout.String())
		if printed == nil {
			t.Fatalf("stdout does not say where session logs go and how the demo started:\n%s", stdout.String())
		}
		sessions, note := printed[1], printed[2]
		if !strings.HasPrefix(note, "Fresh start from the seeded week.") {
			t.Errorf("a run without -demo-data printed %q, want a fresh start", note)
		}
		for _, want := range []string{"Data (DATA_DIR)", filepath.Join(filepath.Dir(sessions), "bot"), "Session logs", sessions, "Syncro changes", note} {
			if !strings.Contains(info, want) {
				t.Errorf("the page does not show %q in view (screenshot: %s); its info reads:\n%s", want, screenshot(t, ctx), info)
			}
		}
	})

	t.Run("the … menu makes a client's message in the shared channel a ticket", func(t *testing.T) {
		t.Cleanup(func() { openChannel(t, ctx, demo.SupportChannel) })
		openChannel(t, ctx, demo.ClientChannel)
		msg := `//ol[@id="messages"]/li[contains(., "Printer on 3F is down again")]`
		step(t, ctx, "open the message's … menu and pick Create Syncro ticket",
			click(msg+`//button[contains(@class, "msg-menu")]`),
			click(msg+`//ul[contains(@class, "shortcut-menu")]//button[normalize-space()="Create Syncro ticket"]`),
			waitJS(`!document.getElementById('backdrop').hidden`),
		)
		t.Cleanup(func() { closeModal(t, ctx) })
		subject := formField(t, ctx, `/subject/i`, "input[type=text]")
		if got := eval[string](t, ctx, `(`+nodeJS(subject)+` || {}).value`); got != "Printer on 3F is down again" {
			t.Errorf("subject = %q, want the message's first line", got)
		}
		submitForm(t, ctx, "the create form")
		step(t, ctx, "see the new ticket's summary, for Dana only", waitJS(channelHas("messages", "Created #")))
	})

	t.Run("a ticket link pasted in #support gets its preview with the card's buttons", func(t *testing.T) {
		link := eval[string](t, ctx, `(document.getElementById('demo-info').innerText.match(/https?:\/\/\S+\/tickets\/\d+/) || [''])[0]`)
		if link == "" {
			t.Fatal("the page names no ticket link to paste")
		}
		step(t, ctx, "paste "+link, chromedp.SendKeys(chromedp.ID("command"), "Who has this? "+link+kb.Enter))
		preview := `//ol[@id="messages"]/li[contains(., "Who has this?")]//div[contains(@class, "unfurl")]`
		step(t, ctx, "see the preview with Log time and Close",
			chromedp.WaitVisible(preview+`//button[normalize-space()="Log time"]`),
			chromedp.WaitVisible(preview+`//button[normalize-space()="Close"]`),
		)
		openForm(t, ctx, preview, "Close")
		formField(t, ctx, `/resolution/i`, "textarea, input[type=text]")
	})

	t.Run("narrow window: the newest message stays in view after a reload", func(t *testing.T) {
		narrowWindow(t, ctx)
		// Reloaded narrow, the page draws #support and then the notices
		// under it, which squeezes #support after it scrolled.
		const linesJS = `document.querySelectorAll('#messages > li').length`
		lines := eval[int](t, ctx, linesJS)
		step(t, ctx, "reload and see every line again",
			chromedp.Reload(),
			waitJS(`document.getElementById('status').classList.contains('ok') && document.querySelector('#notify > li.msg:not(.system)') !== null && `+linesJS+` === `+strconv.Itoa(lines)),
		)
		if bad := narrowLayoutProblems(t, ctx); bad != "" {
			t.Errorf("%s (screenshot: %s)", bad, screenshot(t, ctx))
		}
	})

	if strings.Contains(url, "0.0.0.0") {
		t.Errorf("demo URL %s is not one a browser can open", url)
	}
}
