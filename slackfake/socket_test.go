package slackfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/slackfake"
)

const testTimeout = 20 * time.Second

var (
	alice = slackfake.User{ID: "U0ALICE", Name: "alice", RealName: "Alice Tech", Email: "alice@home.example"}
	bob   = slackfake.User{ID: "U0BOB", TeamID: "T0OTHER", Name: "bob", Email: "bob@other.example"}
	ops   = slackfake.Channel{ID: "C0OPS", Name: "ops"}
	ext   = slackfake.Channel{ID: "C0SHARED", Name: "shared-acme", IsExtShared: true}
)

func newFake(t *testing.T, opts ...slackfake.Option) *slackfake.Fake {
	t.Helper()
	opts = append([]slackfake.Option{
		slackfake.WithUsers(alice, bob), slackfake.WithChannels(ops, ext),
	}, opts...)
	return slackfake.NewServer(t, opts...)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestSocketMode_HelloAndSlashCommandAckWithPayload(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	hello := make(chan socketmode.Request, 1)
	cmds := make(chan slack.SlashCommand, 1)
	f.StartClient(t, func(c *socketmode.Client, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeHello:
			hello <- *evt.Request
		case socketmode.EventTypeSlashCommand:
			cmds <- evt.Data.(slack.SlashCommand)
			_ = c.Ack(*evt.Request, map[string]any{"response_type": "ephemeral", "text": "Opening the form…"})
		}
	})

	select {
	case h := <-hello:
		if h.NumConnections != 1 || h.DebugInfo.Host == "" || h.ConnectionInfo.AppID != slackfake.DefaultAppID {
			t.Errorf("hello = %+v, want num_connections 1, debug_info.host and app id", h)
		}
	case <-ctx.Done():
		t.Fatal("no hello")
	}

	ack, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: alice.ID, ChannelID: ops.ID, Text: "ticket 1234"})
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	cmd := <-cmds
	if cmd.Command != "/syncro" || cmd.Text != "ticket 1234" || cmd.UserID != alice.ID || cmd.ChannelID != ops.ID ||
		cmd.ChannelName != "ops" || cmd.TeamID != slackfake.DefaultTeamID || cmd.UserName != "alice" {
		t.Errorf("bot saw %+v", cmd)
	}
	if cmd.TriggerID != ack.TriggerID || cmd.TriggerID == "" {
		t.Errorf("trigger: bot %q, ack %q", cmd.TriggerID, ack.TriggerID)
	}
	if cmd.ResponseURL != ack.ResponseURL || !strings.HasPrefix(cmd.ResponseURL, f.BaseURL()+"response/") {
		t.Errorf("response_url: bot %q, ack %q", cmd.ResponseURL, ack.ResponseURL)
	}
	var body struct{ ResponseType, Text string }
	if err := json.Unmarshal(ack.Payload, &body); err != nil || body.Text != "Opening the form…" {
		t.Errorf("ack payload %s (%v)", ack.Payload, err)
	}
	if ack.Latency <= 0 || ack.Late || ack.SentAt.IsZero() {
		t.Errorf("ack latency %v late %v sent %v", ack.Latency, ack.Late, ack.SentAt)
	}
	if got := f.Acks(); len(got) != 1 || got[0].EnvelopeID != ack.EnvelopeID {
		t.Errorf("Acks() = %+v", got)
	}
	env := f.Envelopes()
	if len(env) != 1 || env[0].Type != slackfake.EnvelopeSlashCommands || !env[0].AcceptsResponsePayload {
		t.Errorf("Envelopes() = %+v", env)
	}
	eph := f.Ephemerals(alice.ID)
	if len(eph) != 1 || eph[0].Text != "Opening the form…" || eph[0].Source != "ack" || eph[0].Channel != ops.ID {
		t.Errorf("ephemerals = %+v", eph)
	}

	// The response_url takes 5 posts and refuses the 6th.
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	for i := range slackfake.ResponseURLMaxPosts {
		if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(ack.ResponseURL, slack.ResponseTypeInChannel),
			slack.MsgOptionText("update "+string(rune('1'+i)), false)); err != nil {
			t.Fatalf("response_url post %d: %v", i+1, err)
		}
	}
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(ack.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("one too many", false)); err == nil {
		t.Error("6th response_url post succeeded")
	}
	posts := f.ResponsePosts()
	if len(posts) != 6 || posts[0].ResponseType != "in_channel" || posts[0].Text != "update 1" || posts[5].Error != "used_url" {
		t.Errorf("posts = %+v", posts)
	}
	if msgs := f.Messages(ops.ID); len(msgs) != 5 || msgs[4].Source != "response_url" {
		t.Errorf("channel messages = %+v", msgs)
	}
}

func TestSocketMode_BlockActionOpensModalAndSubmissionGetsErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	modal := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      "syncro_new_ticket",
		PrivateMetadata: `{"channel":"C0OPS"}`,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "New ticket", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Create", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("subject_b", slack.NewTextBlockObject(slack.PlainTextType, "Subject", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "subject")),
		}},
	}
	opened := make(chan error, 1)
	submissions := make(chan slack.InteractionCallback, 2)
	f.StartClient(t, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeInteractive {
			return
		}
		cb := evt.Data.(slack.InteractionCallback)
		switch cb.Type {
		case slack.InteractionTypeBlockActions:
			_ = c.Ack(*evt.Request)
			_, err := c.OpenViewContext(ctx, cb.TriggerID, modal)
			opened <- err
		case slack.InteractionTypeViewSubmission:
			submissions <- cb
			subject := cb.View.State.Values["subject_b"]["subject"].Value
			if subject == "" {
				_ = c.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"subject_b": "Subject is required"}))
				return
			}
			_ = c.Ack(*evt.Request)
		}
	})

	_, post, err := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL())).PostMessageContext(ctx, ops.ID, slack.MsgOptionText("Ticket #1234", false))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	ack, err := f.BlockAction(ctx, slackfake.BlockAction{
		UserID: alice.ID, ChannelID: ops.ID, MessageTS: post,
		Actions: []slackfake.Action{slackfake.Button("syncro_new", "tkt_1234", "1234")},
	})
	if err != nil || ack.Payload != nil {
		t.Fatalf("BlockAction ack %+v, %v", ack, err)
	}
	if err := <-opened; err != nil {
		t.Fatalf("OpenView with fresh trigger: %v", err)
	}
	views := f.OpenViews(alice.ID)
	if len(views) != 1 || views[0].CallbackID != "syncro_new_ticket" || views[0].PrivateMetadata != `{"channel":"C0OPS"}` {
		t.Fatalf("open views = %+v", views)
	}
	viewID := views[0].ID

	va, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{
		UserID: alice.ID, ViewID: viewID,
		Values: slackfake.Values{"subject_b": {"subject": slackfake.TextInput("")}},
	})
	if err != nil {
		t.Fatalf("ViewSubmission: %v", err)
	}
	if va.ResponseAction != "errors" || va.Errors["subject_b"] != "Subject is required" {
		t.Errorf("view ack = %+v (%s)", va, va.Payload)
	}
	cb := <-submissions
	if cb.View.ID != viewID || cb.View.CallbackID != "syncro_new_ticket" || cb.View.PrivateMetadata != `{"channel":"C0OPS"}` ||
		cb.User.ID != alice.ID || cb.Team.ID != slackfake.DefaultTeamID {
		t.Errorf("bot saw submission %+v", cb)
	}
	if v, _ := f.View(viewID); v.Closed {
		t.Error("view closed after errors response")
	}

	va, err = f.ViewSubmission(ctx, slackfake.ViewSubmission{
		UserID: alice.ID, ViewID: viewID,
		Values: slackfake.Values{"subject_b": {"subject": slackfake.TextInput("Printer down")}},
	})
	if err != nil || va.ResponseAction != "" {
		t.Fatalf("second submission: %+v, %v", va, err)
	}
	if got := (<-submissions).View.State.Values["subject_b"]["subject"].Value; got != "Printer down" {
		t.Errorf("bot saw subject %q", got)
	}
	if open := f.OpenViews(alice.ID); len(open) != 0 {
		t.Errorf("empty ack left views open: %+v", open)
	}
}

func TestSocketMode_BlockSuggestionReturnsOptions(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	f.StartClient(t, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeInteractive {
			return
		}
		cb := evt.Data.(slack.InteractionCallback)
		if cb.Type != slack.InteractionTypeBlockSuggestion {
			return
		}
		_ = c.Ack(*evt.Request, slack.OptionsResponse{Options: []*slack.OptionBlockObject{
			slack.NewOptionBlockObject("42", slack.NewTextBlockObject(slack.PlainTextType, "Acme Ltd ("+cb.Value+")", false, false), nil),
		}})
	})
	sa, err := f.BlockSuggestion(ctx, slackfake.BlockSuggestion{
		UserID: alice.ID, ViewID: "V0MODAL", CallbackID: "syncro_new_ticket", ActionID: "customer", BlockID: "customer_b", Value: "acm",
	})
	if err != nil {
		t.Fatalf("BlockSuggestion: %v", err)
	}
	if len(sa.Options) != 1 || sa.Options[0] != (slackfake.SelectOption{Text: "Acme Ltd (acm)", Value: "42"}) {
		t.Errorf("options = %+v", sa.Options)
	}
}

func TestSocketMode_DisconnectFrameReconnectsAndDeliveryContinues(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	f.StartClient(t, slackfake.AckAll)
	if err := f.WaitConnections(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := f.Disconnect("refresh_requested"); n != 1 {
		t.Fatalf("Disconnect told %d sockets", n)
	}
	if err := f.WaitConnections(ctx, 2); err != nil {
		t.Fatal(err)
	}
	ack, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: alice.ID, ChannelID: ops.ID, Text: "help"})
	if err != nil {
		t.Fatalf("SlashCommand after disconnect: %v", err)
	}
	if ack.ConnID != 2 {
		t.Errorf("delivered on connection %d, want 2", ack.ConnID)
	}
	if calls := f.CallsTo("apps.connections.open"); len(calls) < 2 {
		t.Errorf("apps.connections.open called %d times", len(calls))
	}
}

func TestSocketMode_DroppedSocketReconnects(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	f.StartClient(t, slackfake.AckAll)
	if err := f.WaitConnections(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := f.DropConnections(); n != 1 {
		t.Fatalf("dropped %d", n)
	}
	if err := f.WaitConnections(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: alice.ID, ChannelID: ops.ID}); err != nil {
		t.Fatalf("SlashCommand after drop: %v", err)
	}
}

// dialSocket opens a Socket Mode connection the way a client does, reads
// its hello, and closes it when the test ends.
func dialSocket(ctx context.Context, t *testing.T, f *slackfake.Fake) *websocket.Conn {
	t.Helper()
	api := slack.New(f.BotToken(), slack.OptionAppLevelToken(f.AppToken()), slack.OptionAPIURL(f.APIURL()))
	_, url, err := api.StartSocketModeContext(ctx)
	if err != nil {
		t.Fatalf("apps.connections.open: %v", err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { ws.Close() })
	var hello struct{ Type string }
	if err := ws.ReadJSON(&hello); err != nil || hello.Type != "hello" {
		t.Fatalf("first frame %+v (%v), want hello", hello, err)
	}
	return ws
}

func TestWaitConnections_WaitsUntilTheToldSocketIsClosed(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	old := dialSocket(ctx, t, f)
	if err := f.WaitConnections(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := f.Disconnect("refresh_requested"); n != 1 {
		t.Fatalf("Disconnect told %d sockets", n)
	}
	dialSocket(ctx, t, f)

	// The told socket is open (well inside DisconnectGrace): not settled yet.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := f.WaitConnections(short, 2); err == nil {
		t.Fatalf("WaitConnections returned with the told socket still open (%d open)", f.Connections())
	}

	old.Close()
	if err := f.WaitConnections(ctx, 2); err != nil {
		t.Fatalf("WaitConnections after the told socket closed: %v", err)
	}
	if n := f.DropConnections(); n != 1 {
		t.Errorf("DropConnections closed %d sockets, want only the new one", n)
	}
}

func TestSocketMode_RedeliverIncrementsRetryAttempt(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	attempts := make(chan int, 2)
	f.StartClient(t, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeEventsAPI {
			return
		}
		if e := evt.Data.(slackevents.EventsAPIEvent); e.InnerEvent.Type != "app_home_opened" {
			t.Errorf("inner event %q", e.InnerEvent.Type)
		}
		attempts <- evt.Request.RetryAttempt
		_ = c.Ack(*evt.Request)
	})
	ack, err := f.Event(ctx, map[string]any{"type": "app_home_opened", "user": alice.ID, "channel": "D0HOME", "tab": "home"})
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	re, err := f.Redeliver(ctx, ack.EnvelopeID)
	if err != nil {
		t.Fatalf("Redeliver: %v", err)
	}
	if a, b := <-attempts, <-attempts; a != 0 || b != 1 || re.RetryAttempt != 1 || re.EnvelopeID != ack.EnvelopeID {
		t.Errorf("attempts %d, %d; redelivery ack %+v", a, b, re)
	}
	env := f.Envelopes()
	if len(env) != 2 || env[1].RetryReason != "timeout" {
		t.Errorf("envelopes %+v", env)
	}
}

func TestSocketMode_UnackedEnvelopeTimesOut(t *testing.T) {
	t.Parallel()
	f := newFake(t, slackfake.WithAckDeadline(200*time.Millisecond))
	ctx := testCtx(t)
	f.StartClient(t, func(*socketmode.Client, socketmode.Event) {}) // never acks
	ack, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: alice.ID, ChannelID: ops.ID})
	if !errors.Is(err, slackfake.ErrAckTimeout) {
		t.Fatalf("err = %v, want ErrAckTimeout", err)
	}
	if ack.EnvelopeID == "" || ack.TriggerID == "" {
		t.Errorf("timed-out ack should still name the envelope and trigger: %+v", ack)
	}
}

func TestSocketMode_WrongAppTokenIsFatal(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	api := slack.New(f.BotToken(), slack.OptionAppLevelToken("xapp-wrong"), slack.OptionAPIURL(f.APIURL()))
	client := socketmode.New(api)
	ctx := testCtx(t)
	go func() {
		for {
			select {
			case <-client.Events:
			case <-ctx.Done():
				return
			}
		}
	}()
	if err := client.RunContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("Run = %v, want invalid_auth", err)
	}
}

func TestHandler_MountedWithoutStartServesSocketMode(t *testing.T) {
	t.Parallel()
	f := slackfake.New(slackfake.WithUsers(alice), slackfake.WithChannels(ops))
	srv := httptest.NewServer(f.Handler())
	t.Cleanup(func() { f.Close(); srv.Close() })
	ctx := testCtx(t)
	f.StartClient(t, slackfake.AckAll, slack.OptionAPIURL(srv.URL+"/api/"))
	ack, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: alice.ID, ChannelID: ops.ID})
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	if !strings.HasPrefix(ack.ResponseURL, srv.URL+"/response/") {
		t.Errorf("response_url %q not under %s", ack.ResponseURL, srv.URL)
	}
}
