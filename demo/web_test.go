package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

const testTimeout = 20 * time.Second

func startEnv(t *testing.T, dataDir string) *Env {
	t.Helper()
	env, err := Start(t.Context(), Options{Addr: "127.0.0.1:0", DataDir: dataDir})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(env.Close)
	return env
}

// startBot connects slack-go's real socketmode client to the demo's fake
// Slack and hands every event to handle, like a bot's event loop.
func startBot(t *testing.T, env *Env, handle func(*socketmode.Client, socketmode.Event)) {
	t.Helper()
	env.Slack().StartClient(t, handle)
	// The page says "connected" from the socket count: start from a bot
	// the page shows as connected, as a person does.
	wctx, wcancel := context.WithTimeout(t.Context(), testTimeout)
	defer wcancel()
	if err := env.Slack().WaitConnections(wctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v", err)
	}
}

func postJSON(t *testing.T, env *Env, path string, body any, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(env.URL()+strings.TrimPrefix(path, "/"), "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("POST %s: decode: %v", path, err)
		}
	}
	return res.StatusCode
}

func getState(t *testing.T, env *Env, version string) (pageState, int) {
	t.Helper()
	res, err := http.Get(env.URL() + "api/state?v=" + version)
	if err != nil {
		t.Fatalf("GET state: %v", err)
	}
	defer res.Body.Close()
	var st pageState
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
			t.Fatalf("decode state: %v", err)
		}
	}
	return st, res.StatusCode
}

func items(st pageState, channel string) []itemJSON {
	for _, c := range st.Channels {
		if c.ID == channel {
			return c.Items
		}
	}
	return nil
}

const xssSubject = `&lt;img src=x onerror=alert(1)&gt; *Own cloud thing again*`

func TestCommand_SendsSlashEnvelopeAndStateShowsEscapedReply(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	startBot(t, env, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Request == nil {
			return
		}
		if evt.Type == socketmode.EventTypeSlashCommand {
			c.Ack(*evt.Request, map[string]any{"response_type": "in_channel", "blocks": []any{
				map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": xssSubject}},
			}})
			return
		}
		c.Ack(*evt.Request)
	})

	var out errorJSON
	postJSON(t, env, "/api/command", commandRequest{Channel: SupportChannel, Text: "/syncro ticket 32150"}, &out)
	if !out.OK {
		t.Fatalf("command: %+v", out)
	}
	var found bool
	for _, e := range env.Slack().Envelopes() {
		var p struct{ Command, Text, UserID, ChannelID string }
		var raw map[string]string
		if e.Type != slackfake.EnvelopeSlashCommands || json.Unmarshal(e.Payload, &raw) != nil {
			continue
		}
		p.Command, p.Text, p.UserID, p.ChannelID = raw["command"], raw["text"], raw["user_id"], raw["channel_id"]
		if p.Command == "/syncro" && p.Text == "ticket 32150" && p.UserID == UserID && p.ChannelID == SupportChannel {
			found = true
		}
	}
	if !found {
		t.Fatalf("no slash_commands envelope for /syncro ticket 32150 from %s in %s: %+v", UserID, SupportChannel, env.Slack().Envelopes())
	}

	st, code := getState(t, env, "")
	if code != http.StatusOK {
		t.Fatalf("state status %d", code)
	}
	its := items(st, SupportChannel)
	if len(its) != 2 || its[0].Kind != "you" || its[0].Text != "/syncro ticket 32150" || its[1].Kind != "message" {
		t.Fatalf("support items = %+v", its)
	}
	h := its[1].HTML
	if !strings.Contains(h, "&lt;img src=x onerror=alert(1)&gt; <b>Own cloud thing again</b>") || strings.Contains(h, "<img") {
		t.Errorf("reply HTML not escaped as expected: %s", h)
	}
	if !st.Connected {
		t.Error("state says the bot is not connected")
	}
	if _, code := getState(t, env, st.Version); code != http.StatusNoContent {
		t.Errorf("unchanged state with ?v=version: status %d, want 204", code)
	}
}

func TestCommand_EphemeralReplyIsMarked(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	startBot(t, env, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Request != nil {
			c.Ack(*evt.Request, map[string]any{"text": "Only you see *this*"})
		}
	})
	postJSON(t, env, "/api/command", commandRequest{Text: "/syncro help"}, nil)
	st, _ := getState(t, env, "")
	its := items(st, SupportChannel)
	if len(its) != 2 || its[1].Kind != "ephemeral" || !strings.Contains(its[1].HTML, "<b>this</b>") {
		t.Fatalf("items = %+v", its)
	}
}

// TestCommand_PlainTextIsThePersonsMessage: text that is no command is
// posted as the person's message (with a "…" menu and link previews),
// not answered with a hint.
func TestCommand_PlainTextIsThePersonsMessage(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	var out errorJSON
	postJSON(t, env, "/api/command", commandRequest{Text: "hello <b>"}, &out)
	st, _ := getState(t, env, "")
	its := items(st, SupportChannel)
	if !out.OK || len(its) != 1 || its[0].Kind != "person" || its[0].Author != UserReal || its[0].TS == "" || !strings.Contains(its[0].HTML, "hello &lt;b&gt;") {
		t.Fatalf("out %+v items %+v", out, its)
	}
	if len(st.Shortcuts) != 2 {
		t.Errorf("the page's menu offers %+v, want both message shortcuts", st.Shortcuts)
	}
}

// TestState_ClientChannelStartsWithTheClientsMessage: the channel shared
// with Acme holds Rhonda's message from the start, named as hers.
func TestState_ClientChannelStartsWithTheClientsMessage(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	st, _ := getState(t, env, "")
	its := items(st, ClientChannel)
	if len(its) != 1 || its[0].Kind != "person" || its[0].Author != ClientUserReal || !strings.Contains(its[0].HTML, "Printer on 3F is down again") {
		t.Fatalf("#%s items %+v", ClientChannelName, its)
	}
}

// TestShortcut_RefusesWhatTheMenuDoesNotOffer: only the menu's callback
// ids reach the fake Slack.
func TestShortcut_RefusesWhatTheMenuDoesNotOffer(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	var out errorJSON
	status := postJSON(t, env, "/api/shortcut", shortcutRequest{Channel: SupportChannel, TS: "1.000001", CallbackID: "something_else"}, &out)
	if status != http.StatusBadRequest || out.OK {
		t.Errorf("status %d %+v, want 400", status, out)
	}
}

func TestPost_RefusesNonJSON(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	res, err := http.Post(env.URL()+"api/command", "text/plain", strings.NewReader(`{"text":"/syncro"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("status %d, want 415", res.StatusCode)
	}
	if n := len(env.Slack().Envelopes()); n != 0 {
		t.Errorf("%d envelopes sent for a refused request", n)
	}
}

func TestPage_ServesEmbeddedAssets(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	for path, want := range map[string]string{"": `id="command"`, "app.js": "/api/state", "style.css": ".bk-section"} {
		res, err := http.Get(env.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET /%s: %d, body lacks %q", path, res.StatusCode, want)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET /%s: CSP %q", path, csp)
		}
	}
}

var testModal = map[string]any{
	"type": "modal", "callback_id": "log_time",
	"title":  map[string]any{"type": "plain_text", "text": "Log time"},
	"submit": map[string]any{"type": "plain_text", "text": "Log"},
	"blocks": []any{
		map[string]any{"type": "input", "block_id": "minutes_b", "label": map[string]any{"type": "plain_text", "text": "Minutes"},
			"element": map[string]any{"type": "plain_text_input", "action_id": "minutes"}},
		map[string]any{"type": "input", "block_id": "customer_b", "label": map[string]any{"type": "plain_text", "text": "Customer"},
			"element": map[string]any{"type": "external_select", "action_id": "customer"}},
	},
}

func TestModal_SubmitErrorsSuggestAndClose(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	startBot(t, env, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Request == nil {
			return
		}
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd, _ := evt.Data.(slack.SlashCommand)
			c.Ack(*evt.Request)
			var view slack.ModalViewRequest
			b, _ := json.Marshal(testModal)
			_ = json.Unmarshal(b, &view)
			if _, err := c.OpenView(cmd.TriggerID, view); err != nil {
				t.Errorf("views.open: %v", err)
			}
		case socketmode.EventTypeInteractive:
			cb, _ := evt.Data.(slack.InteractionCallback)
			switch cb.Type {
			case slack.InteractionTypeViewSubmission:
				v := cb.View.State.Values["minutes_b"]["minutes"].Value
				if v == "abc" {
					c.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"minutes_b": "Minutes must be a whole number, e.g. 45"}))
					return
				}
				if got := cb.View.State.Values["customer_b"]["customer"].SelectedOption.Value; got != "42" {
					t.Errorf("submitted customer = %q, want 42", got)
				}
				c.Ack(*evt.Request)
			case slack.InteractionTypeBlockSuggestion:
				c.Ack(*evt.Request, map[string]any{"options": []any{
					map[string]any{"text": map[string]any{"type": "plain_text", "text": "Acme Corp. (" + cb.Value + ")"}, "value": "42"},
				}})
			default:
				c.Ack(*evt.Request)
			}
		default:
			c.Ack(*evt.Request)
		}
	})

	postJSON(t, env, "/api/command", commandRequest{Text: "/syncro log"}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	if err := env.Slack().WaitUntil(ctx, func() bool { return len(env.Slack().OpenViews(UserID)) == 1 }); err != nil {
		t.Fatalf("modal not opened: %v", err)
	}
	st, _ := getState(t, env, "")
	if st.Modal == nil || st.Modal.Title != "Log time" || st.Modal.Submit != "Log" || !strings.Contains(st.Modal.HTML, `data-kind="external_select"`) {
		t.Fatalf("modal = %+v", st.Modal)
	}
	id := st.Modal.ID

	var sug suggestResponse
	postJSON(t, env, "/api/suggest", suggestRequest{ViewID: id, ActionID: "customer", BlockID: "customer_b", Value: "acm"}, &sug)
	if !sug.OK || len(sug.Options) != 1 || sug.Options[0].Value != "42" || sug.Options[0].Text != "Acme Corp. (acm)" {
		t.Fatalf("suggest = %+v", sug)
	}

	state := func(minutes string) map[string]map[string]inputJSON {
		return map[string]map[string]inputJSON{
			"minutes_b":  {"minutes": {Type: "plain_text_input", Value: minutes}},
			"customer_b": {"customer": {Type: "external_select", SelectedOption: &optionJSON{Text: "Acme Corp.", Value: "42"}}},
		}
	}
	var sub submitResponse
	postJSON(t, env, "/api/submit", submitRequest{ViewID: id, State: state("abc")}, &sub)
	if !sub.OK || sub.ResponseAction != "errors" || sub.Errors["minutes_b"] == "" {
		t.Fatalf("submit abc = %+v", sub)
	}
	if st, _ := getState(t, env, ""); st.Modal == nil {
		t.Fatal("modal closed after a field error")
	}
	sub = submitResponse{}
	postJSON(t, env, "/api/submit", submitRequest{ViewID: id, State: state("45")}, &sub)
	if !sub.OK || sub.ResponseAction != "" {
		t.Fatalf("submit 45 = %+v", sub)
	}
	if st, _ := getState(t, env, ""); st.Modal != nil {
		t.Fatalf("modal still open after a clean submit: %+v", st.Modal)
	}

	// A second modal, closed with Esc/Cancel.
	postJSON(t, env, "/api/command", commandRequest{Text: "/syncro log"}, nil)
	if err := env.Slack().WaitUntil(ctx, func() bool { return len(env.Slack().OpenViews(UserID)) == 1 }); err != nil {
		t.Fatalf("second modal not opened: %v", err)
	}
	st, _ = getState(t, env, "")
	var ok errorJSON
	postJSON(t, env, "/api/close", map[string]string{"view_id": st.Modal.ID}, &ok)
	if st, _ := getState(t, env, ""); !ok.OK || st.Modal != nil {
		t.Fatalf("close: %+v, modal %+v", ok, st.Modal)
	}
}

func TestAction_ButtonClickBecomesBlockAction(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	got := make(chan slack.InteractionCallback, 1)
	startBot(t, env, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Request == nil {
			return
		}
		c.Ack(*evt.Request)
		if cb, ok := evt.Data.(slack.InteractionCallback); ok && cb.Type == slack.InteractionTypeBlockActions {
			got <- cb
		}
	})
	req := actionRequest{Channel: SupportChannel, TS: "1.000001"}
	req.Action.Type, req.Action.ActionID, req.Action.BlockID, req.Action.Value = "button", "make_invoice", "tkt_32150", "32150"
	var out errorJSON
	postJSON(t, env, "/api/action", req, &out)
	if !out.OK {
		t.Fatalf("action: %+v", out)
	}
	select {
	case cb := <-got:
		a := cb.ActionCallback.BlockActions
		if len(a) != 1 || a[0].ActionID != "make_invoice" || a[0].Value != "32150" || cb.User.ID != UserID || cb.Channel.ID != SupportChannel {
			t.Errorf("block_actions = %+v user %s channel %s", a, cb.User.ID, cb.Channel.ID)
		}
	case <-time.After(testTimeout):
		t.Fatal("no block_actions")
	}
}

func TestDataDir_SyncroChangesSurviveARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := startEnv(t, dir)
	tk, ok := env.Syncro().TicketByNumber(syncrotest.SeedTicketOwnCloud)
	if !ok {
		t.Fatal("seed ticket missing")
	}
	before := len(env.Syncro().Comments(tk.ID))
	postComment(t, env, tk.ID, "kept between runs")
	env.Close()

	again := startEnv(t, dir)
	cs := again.Syncro().Comments(tk.ID)
	if len(cs) != before+1 || cs[len(cs)-1].Body != "kept between runs" {
		t.Fatalf("after restart: %d comments (want %d), last %+v", len(cs), before+1, cs[len(cs)-1])
	}
	journal, _, _ := readJournal(dir)
	for _, e := range journal {
		if strings.Contains(e.Query, "api_key") || strings.Contains(e.Body, syncrotest.DefaultAPIKey) {
			t.Errorf("journal holds the API key: %+v", e)
		}
	}

	fresh := startEnv(t, "")
	if n := len(fresh.Syncro().Comments(tk.ID)); n != before {
		t.Errorf("without DataDir: %d comments, want the seed's %d", n, before)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// postComment comments on the ticket through the demo's Syncro API, as
// the bot does, so the journal records it.
func postComment(t *testing.T, env *Env, ticketID int64, text string) {
	t.Helper()
	body := `{"subject":"Update","body":` + strconv.Quote(text) + `,"hidden":true}`
	req, _ := http.NewRequest(http.MethodPost, env.Getenv("SYNCRO_BASE_URL")+"tickets/"+jsonInt(ticketID)+"/comment?api_key="+env.Getenv("SYNCRO_API_KEY"), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("comment: status %d", res.StatusCode)
	}
}

// info returns the page's line labelled label.
func info(st pageState, label string) string {
	for _, i := range st.Info {
		if i.Label == label {
			return i.Value
		}
	}
	return ""
}

func TestPage_SaysWhereDataAndLogsAreAndWhetherChangesWereReplayed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name     string
		dataDir  string
		comments int // comments posted in the run before
		want     string
	}{
		{"temporary", "", 0, "Fresh start from the seeded week. Nothing is kept"},
		{"kept, nothing saved yet", dir, 0, "Fresh start from the seeded week. Changes are saved to " + filepath.Join(dir, JournalFile)},
		{"kept, one change", dir, 1, "Replayed 1 saved journal entry from " + filepath.Join(dir, JournalFile)},
		{"kept, three changes", dir, 2, "Replayed 3 saved journal entries from " + filepath.Join(dir, JournalFile)},
	}
	var prev *Env
	for _, tt := range tests { // in order: each run replays what the runs before it saved
		if prev != nil {
			tk, ok := prev.Syncro().TicketByNumber(syncrotest.SeedTicketOwnCloud)
			if !ok {
				t.Fatal("seed ticket missing")
			}
			for i := range tt.comments {
				postComment(t, prev, tk.ID, "change "+strconv.Itoa(i))
			}
			prev.Close()
		}
		env := startEnv(t, tt.dataDir)
		prev = env
		st, _ := getState(t, env, "")
		if got := info(st, "Syncro changes"); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: Syncro changes = %q, want it to start %q", tt.name, got, tt.want)
		}
		if got := env.StartNote(); got != info(st, "Syncro changes") {
			t.Errorf("%s: stdout's note %q differs from the page's", tt.name, got)
		}
		if got, want := info(st, "Data (DATA_DIR)"), env.Getenv("DATA_DIR"); got != want || want == "" {
			t.Errorf("%s: page says data is in %q, the bot's DATA_DIR is %q", tt.name, got, want)
		}
		if got, want := info(st, "Session logs"), env.Getenv("SESSION_LOG_DIR"); got != want || want == "" {
			t.Errorf("%s: page says session logs are in %q, the bot's SESSION_LOG_DIR is %q", tt.name, got, want)
		}
	}
}

func TestOpenInSyncro_LinkExplainsTheDemoHasNoWebApp(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	// The bot links to the Syncro web app at the API's host, as run's
	// webURL builds it: the in-memory Syncro's address without /api/v1.
	api := env.Getenv("SYNCRO_BASE_URL")
	web := strings.TrimSuffix(api, syncrotest.APIPrefix+"/")
	for _, page := range []string{"/tickets/108431887", "/customers/31200013"} {
		res, err := http.Get(web + page)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(string(b), "opens "+page+" in Syncro's web app") {
			t.Errorf("GET %s: %s %q:\n%s", page, res.Status, ct, b)
		}
	}
	res, err := http.Get(api + "tickets")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the API without a key answered %s, want 401: the stand-in must not cover the API", res.Status)
	}
}

func TestEnv_OverlayAnswersDemoVariablesAndFallsBack(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	real := map[string]string{"LOG_FORMAT": "json", "SYNCRO_API_KEY_SOPS_FILE": "/etc/key.yaml", "NOTIFY_CHANNEL": "C0REAL"}
	get := env.Overlay(func(k string) string { return real[k] })
	if get("LOG_FORMAT") != "json" || get("SYNCRO_API_KEY_SOPS_FILE") != "" || get("NOTIFY_CHANNEL") != NotifyChannel {
		t.Errorf("overlay: LOG_FORMAT=%q SOPS=%q NOTIFY=%q", get("LOG_FORMAT"), get("SYNCRO_API_KEY_SOPS_FILE"), get("NOTIFY_CHANNEL"))
	}
	if u := get("SYNCRO_BASE_URL"); !strings.HasSuffix(u, "/api/v1/") {
		t.Errorf("SYNCRO_BASE_URL = %q", u)
	}
	if u := get("SLACK_API_URL"); !strings.HasSuffix(u, "/api/") {
		t.Errorf("SLACK_API_URL = %q", u)
	}
}

func TestStart_BusyAddressSaysHowToPickAnother(t *testing.T) {
	t.Parallel()
	env := startEnv(t, "")
	addr := strings.TrimSuffix(strings.TrimPrefix(env.URL(), "http://"), "/")
	_, err := Start(t.Context(), Options{Addr: addr})
	if err == nil || !strings.Contains(err.Error(), "-demo-addr") {
		t.Fatalf("err = %v", err)
	}
}
