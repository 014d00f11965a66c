package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// What a technician does from Slack, end to end: slash commands and
// forms against the real bot, checked in Syncro and in what Dana reads.

func TestE2E_CommentWithTime(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, 32150)
	commentsBefore := len(b.srv.Comments(tk.ID))
	timersBefore, commentMinBefore := loggedMinutes(b.srv, tk.ID)

	b.slash(ctx, t, "comment 32150 --time 45m Replaced the cable")
	rep := b.waitReply(ctx, t, 0, "45")
	if !strings.Contains(strings.ToLower(replyText(rep.Message)), "min") {
		t.Errorf("reply does not say minutes were logged: %q", rep.Text)
	}

	err := b.f.WaitUntil(ctx, func() bool {
		timers, _ := loggedMinutes(b.srv, tk.ID)
		return len(b.srv.Comments(tk.ID)) >= commentsBefore+1 && timers >= timersBefore+45
	})
	comments := b.srv.Comments(tk.ID)
	timers, commentMin := loggedMinutes(b.srv, tk.ID)
	if err != nil {
		t.Fatalf("Syncro has %d comments (was %d), %d timer minutes (was %d), %d comment minutes (was %d)",
			len(comments), commentsBefore, timers, timersBefore, commentMin, commentMinBefore)
	}
	if len(comments) != commentsBefore+1 {
		t.Errorf("Syncro has %d comments, want %d", len(comments), commentsBefore+1)
	}
	if got := timers - timersBefore; got != 45 {
		t.Errorf("timer minutes grew by %d, want 45", got)
	}
	found := false
	for _, c := range comments {
		if strings.Contains(c.Body, "Replaced the cable") {
			found = true
		}
	}
	if !found {
		t.Errorf("no comment says %q: %+v", "Replaced the cable", comments)
	}
}

func TestE2E_UpdateStatusWithFlags(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	if tk := ticketByNumber(t, b.srv, 32151); tk.Status != "New" {
		t.Fatalf("seed ticket #32151 is %q, want New", tk.Status)
	}

	b.slash(ctx, t, `update 32151 --status "In Progress"`)
	s := replyText(b.waitReply(ctx, t, 0, "New", "In Progress").Message)
	if strings.Index(s, "New") > strings.Index(s, "In Progress") {
		t.Errorf("reply shows the change backwards: %q", s)
	}
	if tk := ticketByNumber(t, b.srv, 32151); tk.Status != "In Progress" {
		t.Errorf("Syncro status = %q, want In Progress", tk.Status)
	}
}

func TestE2E_SlowSyncroDoesNotDelayTheAck(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	// The ticket is open, so its id comes from the mirror: the read of
	// the ticket itself is Syncro's first chance to hang.
	b.srv.Fail("GET", "/tickets/*", 1, syncrotest.FaultHang)

	// Syncro holds the read until the test ends: an ack that waited on
	// Syncro would not come at all, however fast the machine.
	ack := b.slash(ctx, t, "ticket 32150")
	if ack.Late {
		t.Error("ack was late")
	}
	for _, e := range b.f.Ephemerals(e2eUser) {
		if e.Time.Before(ack.ReceivedAt) {
			t.Errorf("a reply (%q) came before the ack", e.Text)
		}
	}
	b.waitHeld(ctx, t)
	if n := len(b.f.Ephemerals(e2eUser)); n != 0 {
		t.Fatalf("%d replies while Syncro held the read", n)
	}
	b.srv.ReleaseHangs()
	rep := b.waitReply(ctx, t, 0)
	if rep.Time.Before(ack.ReceivedAt) {
		t.Errorf("reply at %v came before the ack at %v", rep.Time, ack.ReceivedAt)
	}
}

func TestE2E_SyncroDownApologizesAndKeepsServing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dead := "http://" + refusingAddr(t) + "/"
	b := startE2EBot(ctx, t, func(env map[string]string) { env["SYNCRO_BASE_URL"] = dead })

	for i, text := range []string{"ticket 32150", "ticket 32151"} {
		ack := b.slash(ctx, t, text)
		if ack.Late {
			t.Errorf("/syncro %s: ack was late", text)
		}
		rep := b.waitReply(ctx, t, i)
		s := replyText(rep.Message)
		if strings.TrimSpace(rep.Text) == "" {
			t.Errorf("/syncro %s: reply has no text: %q", text, s)
		}
		for _, bad := range []string{"goroutine", "panic", ".go:", "dial tcp", "connection refused", "connection reset", "EOF"} {
			if strings.Contains(s, bad) {
				t.Errorf("/syncro %s: reply shows internals (%q): %q", text, bad, s)
			}
		}
		if !strings.HasPrefix(rep.Text, "Sorry") {
			t.Errorf("/syncro %s: reply is not an apology: %q", text, rep.Text)
		}
	}
}

func TestE2E_CreateViaModalWithCustomerSearch(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	ticketsBefore := len(b.srv.Tickets())

	b.slash(ctx, t, "create Printer jam")
	view := b.waitView(ctx, t, commands.CallbackCreate)
	if !strings.Contains(string(view.JSON), "Printer jam") {
		t.Errorf("the form is not pre-filled with the subject typed")
	}

	sug, err := b.f.BlockSuggestion(ctx, slackfake.BlockSuggestion{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackCreate,
		ActionID: commands.ActionCustomerSearch, BlockID: commands.BlockCustomer, Value: "acme",
	})
	if err != nil {
		t.Fatalf("block_suggestion: %v", err)
	}
	var acme slackfake.SelectOption
	opts := sug.Options
	for _, g := range sug.OptionGroups {
		opts = append(opts, g.Options...)
	}
	for _, o := range opts {
		if strings.Contains(o.Text, "Acme Corp") {
			acme = o
		}
	}
	if acme.Value == "" {
		t.Fatalf("customer search for acme offers no Acme Corp.: %+v", opts)
	}

	subject := "Printer jam on the second floor"
	b.submitView(ctx, t, slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackCreate, PrivateMetadata: view.PrivateMetadata,
		Values: slackfake.Values{
			commands.BlockCustomer: {commands.ActionCustomerSearch: slackfake.ExternalSelectInput(acme.Text, acme.Value)},
			commands.BlockSubject:  {commands.BlockSubject: slackfake.TextInput(subject)},
		},
	})
	err = b.f.WaitUntil(ctx, func() bool {
		for _, tk := range b.srv.Tickets() {
			if tk.Subject == subject {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("Syncro has no ticket %q (%d tickets, was %d): %v; stderr:\n%s", subject, len(b.srv.Tickets()), ticketsBefore, err, b.stderr.String())
	}
	for _, tk := range b.srv.Tickets() {
		if tk.Subject == subject {
			if c, ok := b.srv.Customer(tk.CustomerID); !ok || !strings.Contains(c.BusinessThenName(), "Acme") {
				t.Errorf("new ticket's customer = %+v, want Acme Corp.", c)
			}
		}
	}
}

func TestE2E_UpdateViaModal(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	before := ticketByNumber(t, b.srv, 32151)

	b.slash(ctx, t, "update 32151")
	view := b.waitView(ctx, t, commands.CallbackUpdate)
	opens := b.f.CallsTo("views.open")
	if len(opens) != 1 {
		t.Fatalf("views.open called %d times, want 1 (the Loading view)", len(opens))
	}
	if s := opens[0].Param("view"); !strings.Contains(s, "Loading") || strings.Contains(s, commands.CallbackUpdate) {
		t.Errorf("the first view opened is not the Loading view: %s", s)
	}
	if view.Updates < 1 {
		t.Errorf("the update form was not shown by updating the Loading view (updates %d)", view.Updates)
	}
	if view.PrivateMetadata == "" {
		t.Fatal("update modal has no private_metadata")
	}

	inputs := modalInputs(t, view.JSON)
	status, ok := inputs[commands.BlockStatus]
	if !ok {
		t.Fatalf("update modal has no %q input: %s", commands.BlockStatus, view.JSON)
	}
	if status.Element.InitialOption == nil || status.Element.InitialOption.Value != before.Status {
		t.Errorf("status select does not preselect %q: %+v", before.Status, status.Element.InitialOption)
	}
	var pick modalOption
	for _, o := range status.Element.Options {
		if o.Value == "Waiting on Customer" {
			pick = o
		}
	}
	if pick.Value == "" {
		t.Fatalf("status select offers no Waiting on Customer: %+v", status.Element.Options)
	}

	vals := formState(inputs)
	vals[commands.BlockStatus] = map[string]slackfake.Input{status.Element.ActionID: slackfake.StaticSelectInput(pick.Text.Text, pick.Value)}
	va := b.submitView(ctx, t, slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackUpdate,
		PrivateMetadata: view.PrivateMetadata, Values: vals,
	})
	if va.Late {
		t.Error("view_submission ack was late")
	}

	rep := b.waitReply(ctx, t, 0, pick.Value)
	if s := replyText(rep.Message); !strings.Contains(s, "32151") {
		t.Errorf("confirmation does not name the ticket: %q", s)
	}
	if got := ticketByNumber(t, b.srv, 32151); got.Status != pick.Value {
		t.Errorf("Syncro status = %q, want %q", got.Status, pick.Value)
	}
	if n := b.srv.Count("PUT", "/tickets"); n != 1 {
		t.Errorf("%d PUTs to Syncro, want 1", n)
	}
}

func TestE2E_OtherWorkspaceRefused(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	const other = "U0BOB"
	b.f.AddUser(slackfake.User{ID: other, TeamID: "T0OTHER", Name: "bob", RealName: "Bob Other", Email: "bob@other.example"})
	b.srv.ResetLog()

	ack, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{TeamID: "T0OTHER", UserID: other, ChannelID: e2eChannel, Text: "ticket 32150"})
	if err != nil {
		t.Fatalf("/syncro ticket 32150: %v", err)
	}
	if ack.Late {
		t.Error("ack was late")
	}
	if err := b.f.WaitUntil(ctx, func() bool { return len(b.f.Ephemerals(other)) >= 1 }); err != nil {
		t.Fatalf("no refusal shown to Bob: %v; stderr:\n%s", err, b.stderr.String())
	}
	want := "This bot only serves members of " + slackfake.DefaultTeamName + "."
	if got := b.f.Ephemerals(other)[0].Text; got != want {
		t.Errorf("refusal = %q, want %q", got, want)
	}
	// Anything the bot would do for Bob starts before it reads Dana's
	// command, sent after his: once she has her answer, Bob's would show.
	b.slash(ctx, t, "ticket 32151")
	if s := replyText(b.waitReply(ctx, t, 0).Message); !strings.Contains(s, "32151") {
		t.Errorf("Dana's reply does not show #32151: %q", s)
	}
	bobs := fmt.Sprintf("/tickets/%d", ticketByNumber(t, b.srv, 32150).ID)
	for _, r := range b.srv.Requests() {
		if q, _ := url.ParseQuery(r.Query); q.Get("number") == "32150" || strings.HasPrefix(r.Path, bobs) {
			t.Errorf("Syncro saw a request for a user of another workspace: %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
	if n := len(b.f.Ephemerals(other)); n != 1 {
		t.Errorf("Bob got %d messages, want only the refusal", n)
	}
}

// TestE2E_BadInputAnsweredInTheAck: text that doesn't parse gets the usage
// sentence straight in the ack, and Syncro is never asked.
func TestE2E_BadInputAnsweredInTheAck(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	b.srv.ResetLog()
	for _, tt := range []struct{ text, want string }{
		{"ticket abc", "isn't a ticket number"},
		{"tcket 32150", "Did you mean `ticket`?"},
		{"comment 32150 --time 25h fixed it", "24 hours"},
	} {
		ack := b.slash(ctx, t, tt.text)
		var payload struct {
			Text string `json:"text"`
		}
		if err := ack.Decode(&payload); err != nil || !strings.Contains(payload.Text, tt.want) {
			t.Errorf("/syncro %s: ack text %q (%v), want it to contain %q", tt.text, payload.Text, err, tt.want)
		}
	}
	if reqs := b.srv.Requests(); len(reqs) != 0 {
		t.Errorf("Syncro saw %d requests for bad input", len(reqs))
	}
}

// A ticket whose subject holds Slack markup, closed from Slack with "Post
// to the notify channel": the notice the bot posts must ping nobody but who
// closed it, in its blocks or in its fallback text (which Slack shows in
// notifications).
func TestE2E_CloseNoticeOfAMentionSubjectPingsNobody(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notifyChannel = "C0NOTICES"
	b := startE2EBot(ctx, t, func(env map[string]string) { env["NOTIFY_CHANNEL"] = notifyChannel })
	b.f.AddChannel(slackfake.Channel{ID: notifyChannel, Name: "tickets"})
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud)
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "<!channel> server room flooded <@U0BOSS>", CustomerID: acme.CustomerID, Status: "In Progress"})

	b.closeFromSlack(ctx, t, tk.Number, "Pumped the water out.", commands.CloseOptionNotify)

	var notice slackfake.Message
	err := b.f.WaitUntil(ctx, func() bool {
		for _, m := range b.f.Messages(notifyChannel) {
			if strings.Contains(m.Text, fmt.Sprintf("#%d closed", tk.Number)) {
				notice = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no closed-ticket notice in the notify channel: %v; messages %+v; stderr:\n%s", err, b.f.Messages(notifyChannel), b.stderr.String())
	}
	// Blocks as Slack reads them (the fake keeps them as sent, < as
	// \u003c); the one mention is of Dana, who closed it.
	for what, s := range map[string]string{"text": notice.Text, "blocks": noticeText(t, notice)} {
		if strings.Contains(s, "<!") || strings.Contains(strings.ReplaceAll(s, "<@"+e2eUser+">", ""), "<@") {
			t.Errorf("notice %s would ping: %s", what, s)
		}
	}
	if !strings.Contains(notice.Text, "&lt;!channel&gt; server room flooded &lt;@U0BOSS&gt;") {
		t.Errorf("notice text lost the subject: %q", notice.Text)
	}
}

// Syncro's API documentation writes the base as .../api/v1, without the
// trailing slash; the bot runs on either form, for Slack's base too.
func TestE2E_BaseURLsWithoutTheTrailingSlash(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) {
		env["SYNCRO_BASE_URL"] = strings.TrimSuffix(env["SYNCRO_BASE_URL"], "/")
		env["SLACK_API_URL"] = strings.TrimSuffix(env["SLACK_API_URL"], "/")
	})
	b.slash(ctx, t, fmt.Sprintf("ticket %d", syncrotest.SeedTicketOwnCloud))
	if reply := replyText(b.waitReply(ctx, t, 0).Message); !strings.Contains(reply, "Own cloud thing again") {
		t.Errorf("reply %q does not show the ticket", reply)
	}
}
