package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
)

// submitWithoutState sends, through the fake's socket, a view_submission
// whose view carries no state (slackfake.ViewSubmission always adds one),
// and returns the ack's response_action and view.
func submitWithoutState(ctx context.Context, t *testing.T, f *slackfake.Fake, user slackfake.User) (action, view string) {
	t.Helper()
	team := map[string]any{"id": slackfake.DefaultTeamID}
	payload, err := json.Marshal(map[string]any{
		"type": "view_submission", "team": team, "trigger_id": "1.2.stateless",
		"user": map[string]any{"id": user.ID, "name": user.Name, "team_id": slackfake.DefaultTeamID},
		"view": map[string]any{"id": "V0STATELESS", "type": "modal", "callback_id": "syncro_create", "blocks": []any{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := f.Send(ctx, slackfake.Envelope{Type: slackfake.EnvelopeInteractive, AcceptsResponsePayload: true, Payload: payload})
	if err != nil {
		t.Fatalf("view_submission without state not acked: %v", err)
	}
	var body struct {
		ResponseAction string          `json:"response_action"`
		View           json.RawMessage `json:"view"`
	}
	if ack.Payload != nil {
		if err := ack.Decode(&body); err != nil {
			t.Fatalf("decode ack: %v", err)
		}
	}
	return body.ResponseAction, string(body.View)
}

// servesNext shows the bot still serves: alice's next command is answered
// as the n-th response_url post. A "busy" ack (the slot of work that just
// finished is not free yet) makes her try again, as a person would.
func servesNext(ctx context.Context, t *testing.T, f *slackfake.Fake, n int) {
	t.Helper()
	for {
		ack := slash(ctx, t, f, alice.ID, ops.ID, "next")
		if !strings.Contains(ackText(t, ack), "busy") {
			break
		}
	}
	if p := waitPosts(ctx, t, f, n)[n-1]; !strings.HasSuffix(p.Text, "next") {
		t.Errorf("next command's reply = %+v, want it served", p)
	}
}

// countingSubmits is a stub counting Validate and Submit calls.
func countingSubmits(calls *atomic.Int32) *stub {
	return &stub{
		validate: func(commands.Submission) commands.FieldErrors { calls.Add(1); return nil },
		submit: func(context.Context, commands.Submission) commands.Reply {
			calls.Add(1)
			return commands.Reply{Text: "submitted"}
		},
	}
}

func TestViewSubmission_WithoutStateIsAnsweredAndBotServesOn(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	var calls atomic.Int32
	start(t, f, countingSubmits(&calls), nil)

	action, view := submitWithoutState(ctx, t, f, alice)
	if action != "update" || !strings.Contains(view, "without its fields") {
		t.Errorf("ack = %s %s, want the modal updated to say the form came without its fields", action, view)
	}
	servesNext(ctx, t, f, 1)
	if n := calls.Load(); n != 0 {
		t.Errorf("Validate or Submit ran %d times for a form without state", n)
	}
}

func TestViewSubmission_WithoutStateWhileBusyIsAnsweredAndBotServesOn(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	release := make(chan struct{})
	h := &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
		if r.Text == "slow" {
			<-release
		}
		return commands.Reply{Text: "done " + r.Text}
	}}
	start(t, f, h, func(c *bot.Config) { c.MaxInFlight = 1 })
	slash(ctx, t, f, alice.ID, ops.ID, "slow")
	if got := ackText(t, slash(ctx, t, f, alice.ID, ops.ID, "probe")); !strings.Contains(got, "busy") {
		t.Fatalf("second command's ack = %q, want busy (the only slot is taken)", got)
	}

	action, view := submitWithoutState(ctx, t, f, alice)
	if action != "update" || !strings.Contains(view, "without its fields") {
		t.Errorf("ack while busy = %s %s, want the modal updated to say the form came without its fields", action, view)
	}
	close(release)
	waitPosts(ctx, t, f, 1)
	servesNext(ctx, t, f, 2)
}

func TestDispatch_PanicOnTheEventLoopIsAckedLoggedAndBotServesOn(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	// Quick runs on the event loop, before the ack.
	h := &stub{quick: func(text string) (commands.Reply, bool) {
		if text == "boom" {
			panic("quick exploded")
		}
		return commands.Reply{}, false
	}}
	hs := start(t, f, h, nil)

	ack := slash(ctx, t, f, alice.ID, ops.ID, "boom")
	if ack.Late {
		t.Errorf("ack after a panic was late (%v)", ack.Latency)
	}
	var logged map[string]any
	for line := range strings.SplitSeq(hs.logs.String(), "\n") {
		if strings.Contains(line, "panicked") && strings.Contains(line, ack.EnvelopeID) {
			if err := json.Unmarshal([]byte(line), &logged); err != nil {
				t.Fatal(err)
			}
		}
	}
	if logged["err"] != "quick exploded" || logged["error_id"] == nil || logged["level"] != "ERROR" {
		t.Errorf("panic log = %v, want level ERROR with err and error_id", logged)
	}
	servesNext(ctx, t, f, 1)
}

func TestBlockAction_LinkButtonIsAckedSilently(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	var clicks atomic.Int32
	h := &stub{action: func(_ context.Context, a commands.Action) commands.Reply {
		clicks.Add(1)
		return commands.Reply{Text: "clicked " + a.ActionID}
	}}
	start(t, f, h, nil)

	ack, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: alice.ID, ChannelID: ops.ID, MessageTS: "1.2",
		Actions: []slackfake.Action{slackfake.LinkButton(ticketview.ActionOpenInSyncro, "tkt_1234", "https://acme.syncromsp.com/tickets/1234")}})
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil {
		t.Errorf("ack payload %s, want none", ack.Payload)
	}
	// A real button next: once its reply is out, anything the link click
	// set off would have shown too.
	if _, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: alice.ID, ChannelID: ops.ID, MessageTS: "1.2",
		Actions: []slackfake.Action{slackfake.Button("syncro_assign", "tkt_1234", "1234")}}); err != nil {
		t.Fatal(err)
	}
	posts := waitPosts(ctx, t, f, 1)
	if len(posts) != 1 || posts[0].Text != "clicked syncro_assign" {
		t.Errorf("replies = %+v, want only the real button's", posts)
	}
	if n := clicks.Load(); n != 1 {
		t.Errorf("Action ran %d times, want 1 (not for the link)", n)
	}
	if es := f.Ephemerals(alice.ID); len(es) != 1 {
		t.Errorf("alice saw %d messages, want only the real button's reply: %+v", len(es), es)
	}
}

// TestAdmission_OtherWorkspaceRefusedWhereEachKindAnswers: one chain, four
// doors; each kind says the refusal where Slack lets it.
func TestAdmission_OtherWorkspaceRefusedWhereEachKindAnswers(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	var calls atomic.Int32
	h := &stub{
		slash:  func(context.Context, commands.Request) commands.Reply { calls.Add(1); return commands.Reply{} },
		action: func(context.Context, commands.Action) commands.Reply { calls.Add(1); return commands.Reply{} },
		validate: func(commands.Submission) commands.FieldErrors {
			calls.Add(1)
			return nil
		},
		submit: func(context.Context, commands.Submission) commands.Reply { calls.Add(1); return commands.Reply{} },
		suggest: func(context.Context, commands.Suggestion) []*slack.OptionBlockObject {
			calls.Add(1)
			return []*slack.OptionBlockObject{slack.NewOptionBlockObject("1", slack.NewTextBlockObject("plain_text", "x", false, false), nil)}
		},
	}
	start(t, f, h, nil)
	refusal := "This bot only serves members of " + slackfake.DefaultTeamName + "."

	if got := ackText(t, slash(ctx, t, f, bob.ID, ext.ID, "mine")); got != refusal {
		t.Errorf("slash command: ack = %q, want %q", got, refusal)
	}

	ack, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: bob.ID, ChannelID: ext.ID, MessageTS: "1.2",
		Actions: []slackfake.Action{slackfake.Button("syncro_assign", "tkt_1", "1")}})
	if err != nil || ack.Payload != nil {
		t.Errorf("click: ack = %s (%v), want an empty ack", ack.Payload, err)
	}
	if p := waitPosts(ctx, t, f, 1)[0]; p.Text != refusal || p.ResponseType != "ephemeral" {
		t.Errorf("click: reply = %+v, want the refusal, ephemeral", p)
	}

	va, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: bob.ID, ViewID: "V0FORM", CallbackID: "syncro_create",
		Values: slackfake.Values{"subject_b": {"subject": slackfake.TextInput("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	if va.ResponseAction != "update" || !strings.Contains(string(va.View), refusal) {
		t.Errorf("submission: ack = %s %s, want the modal to show the refusal", va.ResponseAction, va.View)
	}

	sa, err := f.BlockSuggestion(ctx, slackfake.BlockSuggestion{UserID: bob.ID, ViewID: "V0FORM", ActionID: "customer", Value: "acm"})
	if err != nil || len(sa.Options) != 0 {
		t.Errorf("suggestion: options = %+v (%v), want none", sa.Options, err)
	}

	if n := calls.Load(); n != 0 {
		t.Errorf("commands ran %d times for a user of another workspace", n)
	}
	if n := len(f.CallsTo("users.info")); n != 0 {
		t.Errorf("users.info called %d times for a refused user", n)
	}
}

// TestDispatch_UnreadableEnvelopeIsAckedAndLoggedWithoutItsText: a frame
// slack-go cannot parse is acked by its envelope id (Slack would redeliver
// it otherwise), and the log names its id, type and error but holds
// neither what the person typed nor the response_url, as text or as a
// byte dump.
func TestDispatch_UnreadableEnvelopeIsAckedAndLoggedWithoutItsText(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	hs := start(t, f, &stub{}, nil)
	const typed = "password is hunter2"
	const respURL = "https://hooks.slack.com/actions/T0HOME/1/secret"
	// A string where an object belongs: slack-go cannot decode it.
	payload, err := json.Marshal(`{"type":"view_submission","text":"` + typed + `","response_url":"` + respURL + `"}`)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := f.Send(ctx, slackfake.Envelope{EnvelopeID: "env-unreadable", Type: slackfake.EnvelopeInteractive, Payload: payload})
	if err != nil {
		t.Fatalf("unreadable envelope not acked: %v", err)
	}
	if ack.Payload != nil {
		t.Errorf("ack payload %s, want none", ack.Payload)
	}
	servesNext(ctx, t, f, 1)

	var line map[string]any
	for l := range strings.SplitSeq(hs.logs.String(), "\n") {
		if strings.Contains(l, "env-unreadable") && strings.Contains(l, "unreadable envelope") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line["type"] != "interactive" || line["err"] == nil || line["level"] != "WARN" {
		t.Errorf("log line = %v, want a WARN with the envelope's id, type and error", line)
	}
	logs := hs.logs.String()
	for _, leak := range []string{"hunter2", "hooks.slack.com", strings.Trim(fmt.Sprint([]byte("hunter2")), "[]")} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs hold %q from the unreadable envelope", leak)
		}
	}
}
