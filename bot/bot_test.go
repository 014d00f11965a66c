package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
)

func TestSlash_AckedBeforeSlowHandlerFinishes(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	release := make(chan struct{})
	got := make(chan commands.Request, 1)
	h := &stub{slash: func(ctx context.Context, r commands.Request) commands.Reply {
		got <- r
		<-release
		return commands.Reply{Text: "3 open tickets"}
	}}
	start(t, f, h, nil)

	// The handler is blocked until release: an ack that waited for it
	// would not come at all (slash fails), however fast the machine.
	ack := slash(ctx, t, f, alice.ID, ops.ID, "mine")
	if ack.Payload != nil {
		t.Errorf("ack payload = %s, want none (reply goes through response_url)", ack.Payload)
	}
	t.Logf("ack latency while handler blocked: %v", ack.Latency)
	r := <-got
	if len(f.ResponsePosts()) != 0 {
		t.Fatalf("reply posted before the handler returned")
	}
	close(release)
	posts := waitPosts(ctx, t, f, 1)
	if posts[0].Text != "3 open tickets" || posts[0].ResponseType != "ephemeral" {
		t.Errorf("reply = %+v, want ephemeral %q", posts[0], "3 open tickets")
	}
	if r.Actor.SlackUserID != alice.ID || r.Actor.Email != alice.Email || r.Actor.SlackTeamID != slackfake.DefaultTeamID {
		t.Errorf("actor = %+v, want alice with her email from users.info", r.Actor)
	}
	if !r.Actor.CanBill || !r.Actor.CanAdmin {
		t.Errorf("actor = %+v, want CanBill and CanAdmin with no lists set", r.Actor)
	}
	if r.Text != "mine" || r.ChannelID != ops.ID || r.SharedChannel || r.EnvelopeID != ack.EnvelopeID {
		t.Errorf("request = %+v", r)
	}
}

func TestSlash_SplitReplyBecomesSeveralMessagesInOrder(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := &stub{slash: func(context.Context, commands.Request) commands.Reply {
		more := make([]commands.Message, 6)
		for i := range more {
			more[i] = commands.Message{Text: "part " + string(rune('2'+i))}
		}
		return commands.Reply{Text: "part 1", More: more}
	}}
	start(t, f, h, nil)
	slash(ctx, t, f, alice.ID, ops.ID, "search printer")
	// 5 posts exhaust the response_url; the other 2 go through chat.postEphemeral.
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(alice.ID)) >= 7 }); err != nil {
		t.Fatal(err)
	}
	var texts, sources []string
	for _, e := range f.Ephemerals(alice.ID) {
		texts = append(texts, e.Text)
		sources = append(sources, e.Source)
	}
	if want := "part 1,part 2,part 3,part 4,part 5,part 6,part 7"; strings.Join(texts, ",") != want {
		t.Errorf("messages = %v, want %s", texts, want)
	}
	if want := "response_url,response_url,response_url,response_url,response_url,chat.postEphemeral,chat.postEphemeral"; strings.Join(sources, ",") != want {
		t.Errorf("sources = %v, want %s", sources, want)
	}
	for _, p := range f.ResponsePosts() {
		if p.Error != "" {
			t.Errorf("response_url refused a post: %s", p.Error)
		}
	}
}

func TestSlash_ModalOpensLoadingViewBeforeHandlerThenUpdates(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	loadingFirst := make(chan bool, 1)
	h := &stub{
		opensModal: func(text string) bool { return text == "create" },
		slash: func(ctx context.Context, r commands.Request) commands.Reply {
			loadingFirst <- len(f.CallsTo("views.open")) == 1
			return commands.Reply{Modal: &slack.ModalViewRequest{
				Type: slack.VTModal, CallbackID: "syncro_create", Title: &slack.TextBlockObject{Type: "plain_text", Text: "New ticket"},
				Submit: &slack.TextBlockObject{Type: "plain_text", Text: "Create"},
				Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("subject_b",
					&slack.TextBlockObject{Type: "plain_text", Text: "Subject"}, nil,
					slack.NewPlainTextInputBlockElement(nil, "subject"))}},
			}}
		},
	}
	start(t, f, h, nil)
	ack := slash(ctx, t, f, alice.ID, ops.ID, "create")
	if ack.Payload != nil {
		t.Errorf("ack payload = %s, want none", ack.Payload)
	}
	if !<-loadingFirst {
		t.Fatal("handler ran before the Loading view was opened")
	}
	open, _ := f.WaitCall(ctx, "views.open", nil)
	if open.Error != "" {
		t.Fatalf("views.open failed: %s", open.Error)
	}
	if open.Param("trigger_id") != ack.TriggerID || !strings.Contains(string(open.JSON("view")), "Loading") {
		t.Errorf("views.open = %s, want the Loading view with the command's trigger", open.Body)
	}
	upd, err := f.WaitCall(ctx, "views.update", nil)
	if err != nil {
		t.Fatal(err)
	}
	views := f.Views()
	if len(views) != 1 || upd.Param("view_id") != views[0].ID {
		t.Fatalf("views.update view_id %q, views %+v", upd.Param("view_id"), views)
	}
	if views[0].CallbackID != "syncro_create" || views[0].Updates != 1 {
		t.Errorf("view = %+v, want the handler's modal", views[0])
	}
	if len(f.ResponsePosts()) != 0 {
		t.Errorf("a modal flow posted messages too: %+v", f.ResponsePosts())
	}
}

func TestSlash_ModalHandlerErrorShowsInLoadingView(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := &stub{
		opensModal: func(string) bool { return true },
		slash: func(context.Context, commands.Request) commands.Reply {
			return commands.Reply{Text: "Ticket #99 not found."}
		},
	}
	start(t, f, h, nil)
	slash(ctx, t, f, alice.ID, ops.ID, "update 99")
	if _, err := f.WaitCall(ctx, "views.update", nil); err != nil {
		t.Fatal(err)
	}
	v := f.Views()[0]
	if !strings.Contains(string(v.JSON), "Ticket #99 not found.") || v.CallbackID != bot.LoadingCallbackID {
		t.Errorf("view = %s, want the error text", v.JSON)
	}
}

func TestViewSubmission_FieldErrorsInAckThenValidSubmitRepliesEphemerally(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	var submits atomic.Int32
	h := &stub{
		validate: func(s commands.Submission) commands.FieldErrors {
			if s.Values["subject_b"]["subject"].Value == "" {
				return commands.FieldErrors{"subject_b": "Subject is required"}
			}
			return nil
		},
		submit: func(_ context.Context, s commands.Submission) commands.Reply {
			submits.Add(1)
			return commands.Reply{Text: "Created ticket #1001: " + s.Values["subject_b"]["subject"].Value, ChannelID: ops.ID}
		},
	}
	start(t, f, h, nil)

	va, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: alice.ID, ViewID: "V0FORM", CallbackID: "syncro_create",
		Values: slackfake.Values{"subject_b": {"subject": slackfake.TextInput("")}}})
	if err != nil {
		t.Fatal(err)
	}
	if va.ResponseAction != "errors" || va.Errors["subject_b"] != "Subject is required" {
		t.Fatalf("ack = %+v, want errors at subject_b", va)
	}
	va, err = f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: alice.ID, ViewID: "V0FORM", CallbackID: "syncro_create",
		Values: slackfake.Values{"subject_b": {"subject": slackfake.TextInput("Printer down")}}})
	if err != nil {
		t.Fatal(err)
	}
	if va.ResponseAction != "" || va.Payload != nil {
		t.Fatalf("ack = %+v, want an empty ack (closes the modal)", va)
	}
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(alice.ID)) == 1 }); err != nil {
		t.Fatal(err)
	}
	e := f.Ephemerals(alice.ID)[0]
	if e.Channel != ops.ID || e.Text != "Created ticket #1001: Printer down" {
		t.Errorf("ephemeral = %+v", e)
	}
	if n := submits.Load(); n != 1 {
		t.Errorf("Submit ran %d times, want 1", n)
	}
}

func TestViewSubmission_ReplyWithoutChannelGoesToDM(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := &stub{submit: func(context.Context, commands.Submission) commands.Reply {
		return commands.Reply{Text: "Saved."}
	}}
	start(t, f, h, nil)
	if _, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: alice.ID, ViewID: "V0FORM", CallbackID: "syncro_note"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WaitCall(ctx, "conversations.open", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.WaitUntil(ctx, func() bool { return len(f.AllMessages()) == 1 }); err != nil {
		t.Fatal(err)
	}
	if m := f.AllMessages()[0]; !strings.HasPrefix(m.Channel, "D") || m.Text != "Saved." {
		t.Errorf("DM = %+v", m)
	}
}

func TestBlockSuggestion_OptionsInAck(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := &stub{suggest: func(_ context.Context, s commands.Suggestion) []*slack.OptionBlockObject {
		if s.Query != "acm" || s.ActionID != "customer" {
			return nil
		}
		return []*slack.OptionBlockObject{
			slack.NewOptionBlockObject("42", slack.NewTextBlockObject("plain_text", "Acme Ltd", false, false), nil),
			slack.NewOptionBlockObject("43", slack.NewTextBlockObject("plain_text", "Acme Labs", false, false), nil),
		}
	}}
	start(t, f, h, nil)
	sa, err := f.BlockSuggestion(ctx, slackfake.BlockSuggestion{UserID: alice.ID, ViewID: "V0FORM", ActionID: "customer", BlockID: "customer_b", Value: "acm"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sa.Options) != 2 || sa.Options[0].Value != "42" || sa.Options[1].Text != "Acme Labs" {
		t.Errorf("options = %+v", sa.Options)
	}
}

func TestBlockSuggestion_SlowHandlerAnswersEmptyInTime(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := &stub{suggest: func(ctx context.Context, _ commands.Suggestion) []*slack.OptionBlockObject {
		<-ctx.Done() // a handler stuck on Syncro until its deadline
		return nil
	}}
	start(t, f, h, nil)
	sa, err := f.BlockSuggestion(ctx, slackfake.BlockSuggestion{UserID: alice.ID, ViewID: "V0FORM", ActionID: "customer", Value: "acm"})
	if err != nil {
		t.Fatalf("suggestion not acked within Slack's deadline: %v", err)
	}
	if len(sa.Options) != 0 || sa.Late {
		t.Errorf("ack = %+v, want no options, in time", sa)
	}
}

func TestBlockAction_ClickRunsActionAndRepliesThroughResponseURL(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	got := make(chan commands.Action, 1)
	h := &stub{action: func(_ context.Context, a commands.Action) commands.Reply {
		got <- a
		return commands.Reply{Text: "Assigned #1234 to you."}
	}}
	start(t, f, h, nil)
	ack, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: alice.ID, ChannelID: ops.ID, MessageTS: "1700000000.000100",
		Actions: []slackfake.Action{slackfake.Button("syncro_assign", "tkt_1234", "1234")}})
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil {
		t.Errorf("ack payload %s, want none", ack.Payload)
	}
	a := <-got
	if a.ActionID != "syncro_assign" || a.Value != "1234" || a.BlockID != "tkt_1234" || a.ChannelID != ops.ID || a.MessageTS != "1700000000.000100" || a.Actor.Email != alice.Email {
		t.Errorf("action = %+v", a)
	}
	if p := waitPosts(ctx, t, f, 1)[0]; p.Text != "Assigned #1234 to you." {
		t.Errorf("reply = %+v", p)
	}
}

func TestBlockAction_UnregisteredActionIsAckedAndIgnored(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	var calls atomic.Int32
	h := &stub{actionIDs: []string{"syncro_assign"}, action: func(context.Context, commands.Action) commands.Reply {
		calls.Add(1)
		return commands.Reply{Text: "x"}
	}}
	hs := start(t, f, h, nil)
	if _, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: alice.ID, ChannelID: ops.ID, MessageTS: "1.2",
		Actions: []slackfake.Action{slackfake.Button("somebody_elses_button", "b", "v")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: alice.ID, ChannelID: ops.ID, MessageTS: "1.2",
		Actions: []slackfake.Action{slackfake.Button("syncro_assign", "b", "v")}}); err != nil {
		t.Fatal(err)
	}
	waitPosts(ctx, t, f, 1)
	if n := calls.Load(); n != 1 {
		t.Errorf("Action ran %d times, want 1 (registered id only)", n)
	}
	if !strings.Contains(hs.logs.String(), "somebody_elses_button") {
		t.Errorf("unknown action id not logged")
	}
}

func TestNew_DuplicateRoutePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("New with a duplicate action id did not panic")
		}
	}()
	_, _ = bot.New(bot.Config{BotToken: secret("xoxb-1"), AppToken: secret("xapp-1"),
		Commands: &stub{actionIDs: []string{"syncro_assign", "syncro_assign"}}})
}

func TestNew_ReportsEveryMissingField(t *testing.T) {
	t.Parallel()
	_, err := bot.New(bot.Config{APIURL: "http://x/api"})
	if err == nil {
		t.Fatal("New accepted an empty Config")
	}
	for _, want := range []string{"BotToken", "AppToken", "Commands", "must end in /"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestAccess_UserFromAnotherWorkspaceRefused(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	var calls atomic.Int32
	h := &stub{slash: func(context.Context, commands.Request) commands.Reply { calls.Add(1); return commands.Reply{} }}
	start(t, f, h, nil)
	ack := slash(ctx, t, f, bob.ID, ext.ID, "mine")
	if got, want := ackText(t, ack), "This bot only serves members of "+slackfake.DefaultTeamName+"."; got != want {
		t.Errorf("ack text = %q, want %q", got, want)
	}
	if es := f.Ephemerals(bob.ID); len(es) != 1 {
		t.Errorf("bob saw %d ephemerals, want the refusal", len(es))
	}
	if calls.Load() != 0 || len(f.CallsTo("users.info")) != 0 {
		t.Errorf("refused user reached the handler or users.info")
	}
}

func TestAccess_AllowedUsersAndBillingRoles(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	got := make(chan commands.Actor, 1)
	h := &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
		got <- r.Actor
		return commands.Reply{Text: "ok"}
	}}
	start(t, f, h, func(c *bot.Config) {
		c.AllowedUsers = []string{alice.ID}
		c.BillingUsers = []string{"U0SOMEONE"}
	})
	ack := slash(ctx, t, f, carol.ID, ops.ID, "mine")
	if !strings.Contains(ackText(t, ack), "not on the list") {
		t.Errorf("carol's ack = %q, want a refusal", ackText(t, ack))
	}
	slash(ctx, t, f, alice.ID, ops.ID, "mine")
	a := <-got
	if a.SlackUserID != alice.ID || a.CanBill || a.CanAdmin {
		t.Errorf("actor = %+v, want alice without billing or admin (ADMIN empty follows BILLING)", a)
	}
}

func TestSharedChannel_ForcesEphemeral(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t, slackfake.WithUsers(slackfake.User{ID: "U0DAVE", Name: "dave"}))
	shared := make(chan bool, 2)
	h := &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
		shared <- r.SharedChannel
		return commands.Reply{Text: "Ticket #1234 closed", InChannel: true}
	}}
	start(t, f, h, nil)
	slash(ctx, t, f, alice.ID, ext.ID, "close 1234")
	if !<-shared {
		t.Error("Request.SharedChannel = false in an ext-shared channel")
	}
	if p := waitPosts(ctx, t, f, 1)[0]; p.ResponseType != "ephemeral" {
		t.Errorf("reply in shared channel = %q, want ephemeral", p.ResponseType)
	}
	slash(ctx, t, f, alice.ID, ops.ID, "close 1234")
	if <-shared {
		t.Error("Request.SharedChannel = true in a home channel")
	}
	if p := waitPosts(ctx, t, f, 2)[1]; p.ResponseType != "in_channel" {
		t.Errorf("reply in home channel = %q, want in_channel", p.ResponseType)
	}
	if n := len(f.Messages(ops.ID)); n != 1 {
		t.Errorf("%d channel messages in #ops, want 1", n)
	}
	// conversations.info is cached: one call per channel.
	slash(ctx, t, f, alice.ID, ext.ID, "close 1234")
	<-shared
	waitPosts(ctx, t, f, 3)
	if n := len(f.CallsTo("conversations.info")); n != 2 {
		t.Errorf("conversations.info called %d times, want 2 (cached)", n)
	}
}

func TestNotices_PostedToNotifyChannelInOrderDespite429(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	f.InjectFault("chat.postMessage", slackfake.Fault{Status: 429, RetryAfter: time.Second})
	h := &stub{slash: func(context.Context, commands.Request) commands.Reply {
		return commands.Reply{Text: "Closed 3 tickets", Notices: []commands.Message{
			{Text: "#1 closed"}, {Text: "#2 closed"}, {Text: "#3 closed"},
		}}
	}}
	start(t, f, h, func(c *bot.Config) { c.NotifyChannel = noticeCh.ID })
	slash(ctx, t, f, alice.ID, ops.ID, "close 1 2 3")
	if err := f.WaitUntil(ctx, func() bool { return len(f.Messages(noticeCh.ID)) >= 3 }); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range f.Messages(noticeCh.ID) {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, ",") != "#1 closed,#2 closed,#3 closed" {
		t.Errorf("notices = %v, want #1..#3 in order", texts)
	}
	calls := f.CallsTo("chat.postMessage")
	if len(calls) != 4 || calls[0].Status != 429 {
		t.Errorf("chat.postMessage calls = %d (first status %d), want 4: one 429 then 3 posts", len(calls), calls[0].Status)
	}
	if p := waitPosts(ctx, t, f, 1)[0]; p.Text != "Closed 3 tickets" {
		t.Errorf("reply = %+v", p)
	}
}

func TestResilience_ServesAfterDisconnectAndDroppedSocket(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	start(t, f, &stub{}, nil)
	slash(ctx, t, f, alice.ID, ops.ID, "one")
	waitPosts(ctx, t, f, 1)

	if n := f.Disconnect("refresh_requested"); n != 1 {
		t.Fatalf("Disconnect told %d sockets, want the bot's one", n)
	}
	// Returns once the bot is on its new socket and the told one is closed.
	if err := f.WaitConnections(ctx, 2); err != nil {
		t.Fatal(err)
	}
	slash(ctx, t, f, alice.ID, ops.ID, "two")
	waitPosts(ctx, t, f, 2)

	if n := f.DropConnections(); n != 1 {
		t.Fatalf("dropped %d sockets, want the bot's one", n)
	}
	if err := f.WaitConnections(ctx, 3); err != nil {
		t.Fatal(err)
	}
	slash(ctx, t, f, alice.ID, ops.ID, "three")
	if p := waitPosts(ctx, t, f, 3)[2]; p.Text != "ok: three" {
		t.Errorf("reply after reconnect = %+v", p)
	}
}

func TestShutdown_InFlightWorkFinishesNewWorkRefusedRunReturnsNil(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	syncro := newStandIn(t)
	h := &stub{slash: func(ctx context.Context, r commands.Request) commands.Reply {
		// A write Syncro answers only after shutdown began.
		if err := syncro.call(ctx, http.MethodPost); err != nil {
			return commands.Reply{Text: "cut off: " + err.Error()}
		}
		return commands.Reply{Text: "finished " + r.Text, Notices: []commands.Message{{Text: "notice after shutdown began"}}}
	}}
	hs := start(t, f, h, func(c *bot.Config) { c.NotifyChannel = noticeCh.ID })
	slash(ctx, t, f, alice.ID, ops.ID, "slow")
	<-syncro.arrived
	hs.stop()
	// The event loop takes the cancel and an envelope in either order; the
	// ack is only promised once the bot has begun draining.
	if err := hs.logs.WaitFor(ctx, "shutting down; waiting for in-flight work"); err != nil {
		t.Fatalf("the bot never began draining: %v", err)
	}

	// Still acking during the grace, with a "restarting" note.
	ack := slash(ctx, t, f, alice.ID, ops.ID, "late")
	if !strings.Contains(ackText(t, ack), "restarting") {
		t.Errorf("ack during shutdown = %q, want a restarting note", ackText(t, ack))
	}
	if _, done := hs.runDone(); done {
		t.Fatal("Run returned with work in flight")
	}
	close(syncro.release)
	hs.stopped(ctx, t)
	wantOnlyPost(t, f, "finished slow")
	if ms := f.Messages(noticeCh.ID); len(ms) != 1 {
		t.Errorf("notices = %+v, want the queued notice posted before exit", ms)
	}
}

func TestResilience_HandlerPanicApologisesAndBotSurvives(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
		if r.Text == "boom" {
			panic("nil map somewhere")
		}
		return commands.Reply{Text: "fine"}
	}}
	hs := start(t, f, h, nil)
	slash(ctx, t, f, alice.ID, ops.ID, "boom")
	p := waitPosts(ctx, t, f, 1)[0]
	if !strings.Contains(p.Text, "Sorry") || !strings.Contains(p.Text, "error id") {
		t.Errorf("apology = %q", p.Text)
	}
	errID := p.Text[strings.Index(p.Text, "error id ")+len("error id ") : strings.Index(p.Text, ")")]
	var logged bool
	for _, line := range strings.Split(hs.logs.String(), "\n") {
		if strings.Contains(line, "handler panicked") && strings.Contains(line, errID) && strings.Contains(line, "nil map somewhere") {
			logged = true
		}
	}
	if !logged {
		t.Errorf("panic with error id %s not logged", errID)
	}
	slash(ctx, t, f, alice.ID, ops.ID, "after")
	if p := waitPosts(ctx, t, f, 2)[1]; p.Text != "fine" {
		t.Errorf("after panic: %+v", p)
	}
}

func TestLogs_EveryEnvelopeAtDebugWithLatency(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	hs := start(t, f, &stub{}, nil)
	ack := slash(ctx, t, f, alice.ID, ops.ID, "mine")
	waitPosts(ctx, t, f, 1)
	// The envelope's record is written once the ack is sent, which can be
	// after its work is done and logged ("work done" names the envelope
	// too): wait for the record itself, not the first line naming it.
	if err := hs.logs.WaitFor(ctx, `"msg":"envelope"`); err != nil {
		t.Fatal(err)
	}
	records := 0
	for _, line := range strings.Split(hs.logs.String(), "\n") {
		if !strings.Contains(line, ack.EnvelopeID) {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] != "envelope" {
			continue
		}
		records++
		if rec["level"] != "DEBUG" || rec["type"] != "slash_commands" || rec["ack_latency"] == nil {
			t.Errorf("envelope log = %s", line)
		}
	}
	if records != 1 {
		t.Errorf("envelope %s logged %d times, want once:\n%s", ack.EnvelopeID, records, hs.logs.String())
	}
}

func TestRun_BadTokenFails(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	b, err := bot.New(bot.Config{BotToken: secret("xoxb-wrong"), AppToken: secret(f.AppToken()), APIURL: f.APIURL(), Commands: &stub{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Run(testCtx(t)); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Run = %v, want invalid_auth", err)
	}
}

func TestBlockAction_OpensModalWithTriggerBeforeHandler(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	loadingFirst := make(chan bool, 1)
	h := &stub{
		actionOpensModal: func(id string) bool { return id == "syncro_bill" },
		action: func(context.Context, commands.Action) commands.Reply {
			loadingFirst <- len(f.CallsTo("views.open")) == 1
			return commands.Reply{Modal: messageLikeModal("Bill #1234")}
		},
	}
	start(t, f, h, nil)
	ack, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: alice.ID, ChannelID: ops.ID, MessageTS: "1.2",
		Actions: []slackfake.Action{slackfake.Button("syncro_bill", "tkt_1234", "1234")}})
	if err != nil {
		t.Fatal(err)
	}
	if !<-loadingFirst {
		t.Fatal("handler ran before the Loading view was opened")
	}
	open, _ := f.WaitCall(ctx, "views.open", nil)
	if open.Error != "" || open.Param("trigger_id") != ack.TriggerID {
		t.Errorf("views.open = %+v, want the click's trigger", open)
	}
	if _, err := f.WaitCall(ctx, "views.update", nil); err != nil {
		t.Fatal(err)
	}
	if v := f.Views()[0]; v.CallbackID != "syncro_bill_form" {
		t.Errorf("view = %s", v.JSON)
	}
}

func messageLikeModal(title string) *slack.ModalViewRequest {
	return &slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "syncro_bill_form",
		Title: &slack.TextBlockObject{Type: "plain_text", Text: title},
		Close: &slack.TextBlockObject{Type: "plain_text", Text: "Close"},
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(
			&slack.TextBlockObject{Type: "mrkdwn", Text: "form"}, nil, nil)}},
	}
}

func TestSlash_AtMaxInFlightAnswersBusyInAck(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	release := make(chan struct{})
	h := &stub{slash: func(context.Context, commands.Request) commands.Reply {
		<-release
		return commands.Reply{Text: "done"}
	}}
	start(t, f, h, func(c *bot.Config) { c.MaxInFlight = 1 })
	defer close(release)
	slash(ctx, t, f, alice.ID, ops.ID, "first")
	ack := slash(ctx, t, f, alice.ID, ops.ID, "second")
	if !strings.Contains(ackText(t, ack), "busy") {
		t.Errorf("ack = %q, want busy", ackText(t, ack))
	}
}

func TestEventsAPI_AckedAndIgnored(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	start(t, f, &stub{}, nil)
	if _, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: alice.ID, ChannelID: ops.ID, Command: "/other"}); err != nil {
		t.Errorf("unknown slash command not acked: %v", err)
	}
	if _, err := f.Event(ctx, map[string]any{"type": "app_home_opened", "user": alice.ID, "tab": "home"}); err != nil {
		t.Errorf("events_api envelope not acked: %v", err)
	}
}
