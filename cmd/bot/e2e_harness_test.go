package main

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The end-to-end harness: the real run against a Slack fake and a seeded
// Syncro, and the waits a person does (a reply, a form, a log line).
// Every test in this package that starts the bot starts it here.

const testTimeout = 30 * time.Second

const (
	e2eUser    = "U0DANA"
	e2eChannel = "C0OPS"
)

// testContext ends when the test does or testTimeout has passed: the
// budget of each wait in an end-to-end test.
func testContext(t testing.TB) context.Context {
	return workContext(t, 0)
}

// workContext is testContext for waits that span the bot's WORK_TIMEOUT
// work running out on the real clock (a handler's own run is, whatever
// run's clock says): it ends work after testContext would.
func workContext(t testing.TB, work time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), work+testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// envMap is a getenv backed by a map, so tests run in parallel without
// touching the process environment.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// e2eFakes are a Slack fake with Dana in #ops, a seeded Syncro, and the
// environment that points the bot at them. Dana's Slack user carries her
// Syncro email so she maps to a tech. A test edits env before it starts
// the bot.
type e2eFakes struct {
	f   *slackfake.Fake
	srv *syncrotest.Server
	// env has a DATA_DIR and a SESSION_LOG_DIR of the test's own.
	env map[string]string
	// accountHeld says Syncro holds the bot's first read of the account
	// settings, so start does not wait for it.
	accountHeld bool
	// clock, when set, is the clock run reads (withRunClock).
	clock runClock
}

// newFakes starts the fakes, Syncro's with opts; they stop at cleanup.
func newFakes(t testing.TB, opts ...syncrotest.Option) *e2eFakes {
	t.Helper()
	return newFakesWith(t, nil, opts...)
}

// newFakesWith is newFakes with Slack's fake also given slackOpts.
func newFakesWith(t testing.TB, slackOpts []slackfake.Option, opts ...syncrotest.Option) *e2eFakes {
	t.Helper()
	f := slackfake.NewServer(t, append([]slackfake.Option{
		slackfake.WithUsers(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: "dana@baylineit.com"}),
		slackfake.WithChannels(slackfake.Channel{ID: e2eChannel, Name: "ops"}),
		// Syncro's own domain, and the fake Syncro's host, whose links
		// stand for the account's in these tests.
		slackfake.WithUnfurlDomains("syncromsp.com", "127.0.0.1")}, slackOpts...)...)
	srv := syncrotest.NewServer(t, opts...)
	return &e2eFakes{f: f, srv: srv, env: map[string]string{
		"SLACK_APP_TOKEN": f.AppToken(),
		"SLACK_BOT_TOKEN": f.BotToken(),
		"SLACK_API_URL":   f.APIURL(),
		"SYNCRO_BASE_URL": srv.URL() + "/",
		"SYNCRO_API_KEY":  syncrotest.DefaultAPIKey,
		"DATA_DIR":        t.TempDir(),
		"SESSION_LOG_DIR": t.TempDir(),
		"LOG_FORMAT":      "json",
	}}
}

// e2eBot is one run of the bot on its fakes.
type e2eBot struct {
	*e2eFakes
	stdout, stderr *syncbuf.Buffer
	// stop cancels run's context, as SIGTERM does in main.
	stop context.CancelFunc
	// finished is closed when run returned; code is then its exit status.
	finished chan struct{}
	code     int
	shutDown bool
}

// startE2EBot starts the bot on new fakes; edit, if not nil, may change
// the environment first. The bot is stopped at cleanup.
func startE2EBot(ctx context.Context, t testing.TB, edit func(env map[string]string)) *e2eBot {
	t.Helper()
	fx := newFakes(t)
	if edit != nil {
		edit(fx.env)
	}
	return fx.start(ctx, t)
}

// start runs the bot (run, with flags after "bot") on the fakes with
// fx.env, and waits until it has connected to Slack. It is stopped, and
// must have exited 0, at cleanup. Started again after a shutdown, it is a
// restart: the same DATA_DIR, Slack and Syncro.
func (fx *e2eFakes) start(ctx context.Context, t testing.TB, flags ...string) *e2eBot {
	t.Helper()
	conns := fx.f.TotalConnections()
	runCtx, cancel := context.WithCancel(context.Background())
	if fx.clock.now != nil {
		runCtx = withRunClock(runCtx, fx.clock)
	}
	b := &e2eBot{e2eFakes: fx, stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}, stop: cancel, finished: make(chan struct{})}
	go func() {
		b.code = run(runCtx, append([]string{"bot"}, flags...), envMap(fx.env), b.stdout, b.stderr)
		close(b.finished)
	}()
	t.Cleanup(func() { b.shutdown(t) })
	// A bot that exits at start (a refused configuration) never connects:
	// the wait ends with it rather than at the test's timeout.
	waitCtx, cancelWait := context.WithCancel(ctx)
	defer cancelWait()
	go func() {
		select {
		case <-b.finished:
			cancelWait()
		case <-waitCtx.Done():
		}
	}()
	if err := fx.f.WaitConnections(waitCtx, conns+1); err != nil {
		t.Fatalf("bot never connected: %v; stderr:\n%s", err, b.stderr.String())
	}
	if !fx.accountHeld {
		// The bot's own first read of the account (read or not) is over,
		// so the Syncro requests a test looks at are the ones it set off.
		b.waitLog(ctx, t, `"msg":"account settings`)
	}
	return b
}

// shutdown stops the bot as SIGTERM does, letting go of the requests
// Syncro holds, and fails the test unless run returns 0 in time.
func (b *e2eBot) shutdown(t testing.TB) {
	t.Helper()
	if b.shutDown {
		return
	}
	b.shutDown = true
	b.srv.ReleaseHangs()
	b.stop()
	select {
	case <-b.finished:
		if b.code != exitOK {
			t.Errorf("run exited %d; stderr:\n%s", b.code, b.stderr.String())
		}
	case <-time.After(testTimeout):
		t.Errorf("run did not stop within %s", testTimeout)
	}
}

// restart shuts b down and starts the bot again on the same fakes and
// environment, as a deploy does.
func (b *e2eBot) restart(ctx context.Context, t *testing.T) *e2eBot {
	t.Helper()
	b.shutdown(t)
	return b.start(ctx, t)
}

// poll checks cond every 10 ms until it holds, and returns ctx's error if
// ctx ends first. It waits on state nothing announces (Syncro's held
// requests, the bot's store), where slackfake's WaitUntil, which looks
// again only when Slack's state changes, could sleep through the change;
// the bot's log announces itself (waitLog).
func poll(ctx context.Context, cond func() bool) error {
	return pollEvery(ctx, 10*time.Millisecond, cond)
}

// pollEvery is poll checking every d, for a cond too costly to check
// every 10 ms.
func pollEvery(ctx context.Context, d time.Duration, cond func() bool) error {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// waitHeld waits until Syncro holds the bot's request (FaultHang took it),
// so a test can check what the bot did meanwhile.
func (b *e2eBot) waitHeld(ctx context.Context, t *testing.T) {
	t.Helper()
	if err := poll(ctx, func() bool { return b.srv.Held() > 0 }); err != nil {
		t.Fatalf("Syncro never held the bot's request: %v; stderr:\n%s", err, b.stderr.String())
	}
}

// waitLog waits until the bot's log holds want; the write wakes it.
func (b *e2eBot) waitLog(ctx context.Context, t testing.TB, want string) {
	t.Helper()
	if err := b.stderr.WaitFor(ctx, want); err != nil {
		t.Fatalf("the bot never logged %q: %v; stderr:\n%s", want, err, b.stderr.String())
	}
}

// slash sends /syncro text as Dana in #ops.
func (b *e2eBot) slash(ctx context.Context, t *testing.T, text string) slackfake.Ack {
	t.Helper()
	return b.slashAs(ctx, t, e2eUser, text)
}

// slashAs sends /syncro text as user in #ops.
func (b *e2eBot) slashAs(ctx context.Context, t *testing.T, user, text string) slackfake.Ack {
	t.Helper()
	ack, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: user, ChannelID: e2eChannel, Text: text})
	if err != nil {
		t.Fatalf("/syncro %s as %s: %v", text, user, err)
	}
	return ack
}

// replyText is everything a reply shows: its text and its blocks.
func replyText(m slackfake.Message) string {
	return m.Text + "\n" + string(m.Blocks)
}

// waitReply waits for an ephemeral to Dana, after her first `after` ones,
// whose text and blocks contain every want, and returns it:
// b.waitReply(ctx, t, 0) is her first reply, whatever it says.
func (b *e2eBot) waitReply(ctx context.Context, t *testing.T, after int, want ...string) slackfake.Ephemeral {
	t.Helper()
	return b.waitReplyTo(ctx, t, e2eUser, after, want...)
}

// waitReplyTo is waitReply for the ephemerals to user.
func (b *e2eBot) waitReplyTo(ctx context.Context, t *testing.T, user string, after int, want ...string) slackfake.Ephemeral {
	t.Helper()
	var got slackfake.Ephemeral
	err := b.f.WaitUntil(ctx, func() bool {
		es := b.f.Ephemerals(user)
		for i := after; i < len(es); i++ {
			s := replyText(es[i].Message)
			if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(s, w) }) {
				got = es[i]
				return true
			}
		}
		return false
	})
	if err != nil {
		var texts []string
		for _, e := range b.f.Ephemerals(user) {
			texts = append(texts, e.Text)
		}
		t.Fatalf("no reply #%d or later to %s containing %q: %v; replies %q; stderr:\n%s", after+1, user, want, err, texts, b.stderr.String())
	}
	return got
}

// waitView waits until Dana has an open modal with callbackID and returns it.
func (b *e2eBot) waitView(ctx context.Context, t *testing.T, callbackID string) slackfake.View {
	t.Helper()
	var view slackfake.View
	err := b.f.WaitUntil(ctx, func() bool {
		for _, v := range b.f.Views() {
			if v.UserID == e2eUser && v.CallbackID == callbackID && !v.Closed {
				view = v
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no %s modal opened: %v; views %+v; ephemerals %+v; stderr:\n%s", callbackID, err, b.f.Views(), b.f.Ephemerals(e2eUser), b.stderr.String())
	}
	return view
}

// sessionLogFiles lists the session logs under root (paths with root),
// sorted.
func sessionLogFiles(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "clients", "*", "session-logs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// logName is how a reply names the session log file under root.
func logName(root, file string) string {
	rel, _ := filepath.Rel(root, file)
	return filepath.ToSlash(rel)
}

// anyPort is a listen address on loopback whose port the system picks
// (METRICS_ADDR, WEBHOOK_ADDR): unlike a port a test chose free and
// closed, no other process can take it before the bot listens. The bot
// logs the address it got (listenedOn).
const anyPort = "127.0.0.1:0"

// listenedOn waits for the bot's log line msg ("metrics listening",
// "serving Syncro webhooks") and returns the address it names.
func (b *e2eBot) listenedOn(ctx context.Context, t testing.TB, msg string) string {
	t.Helper()
	b.waitLog(ctx, t, `"msg":"`+msg+`"`)
	return loggedAddr(t, b.stderr.String(), msg)
}

// loggedAddr is the "addr" of the first JSON log line in logs whose
// message is msg.
func loggedAddr(t testing.TB, logs, msg string) string {
	t.Helper()
	for line := range strings.Lines(logs) {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == msg && rec.Addr != "" {
			return rec.Addr
		}
	}
	t.Fatalf("no %q log line with an addr in:\n%s", msg, logs)
	return ""
}

// refusingAddr returns a loopback address that refuses every connection
// while the test runs: its listener is held, so no other process can take
// the port (as one can a port a test found free and closed), and each
// connection it accepts is reset at once, as a refused one is.
func refusingAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed at cleanup
			}
			// No linger: Close sends a reset, not an orderly end.
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// ticketByNumber is the seeded ticket number n as Syncro holds it now.
func ticketByNumber(t *testing.T, srv *syncrotest.Server, n int64) syncrotest.Ticket {
	t.Helper()
	tk, ok := srv.TicketByNumber(n)
	if !ok {
		t.Fatalf("seed has no ticket #%d", n)
	}
	return tk
}

// loggedMinutes sums ticketID's minutes in timers and in comments.
func loggedMinutes(srv *syncrotest.Server, ticketID int64) (timers, comments int) {
	for _, tm := range srv.Timers(ticketID) {
		timers += tm.Minutes()
	}
	for _, c := range srv.Comments(ticketID) {
		comments += c.MinutesSpent
	}
	return timers, comments
}

// commentsWithBody counts ticketID's comments whose body holds body.
func commentsWithBody(srv *syncrotest.Server, ticketID int64, body string) int {
	n := 0
	for _, c := range srv.Comments(ticketID) {
		if strings.Contains(c.Body, body) {
			n++
		}
	}
	return n
}

// statusPUTs counts the PUTs to ticketID that set a status.
func statusPUTs(srv *syncrotest.Server, ticketID int64) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "PUT" && r.Path == "/tickets/"+itoa64(ticketID) && strings.Contains(r.Body, `"status"`) && r.Status/100 == 2 {
			n++
		}
	}
	return n
}

// invoicesOf counts Syncro's invoices of ticketID.
func invoicesOf(srv *syncrotest.Server, ticketID int64) int {
	n := 0
	for _, inv := range srv.Invoices() {
		if inv.TicketID == ticketID {
			n++
		}
	}
	return n
}
