package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

const (
	e2eUser    = "U0DANA"
	e2eChannel = "C0OPS"
)

// e2eBot is a running bot wired to a Slack fake and a seeded Syncro.
type e2eBot struct {
	f      *slackfake.Fake
	srv    *syncrotest.Server
	stderr *syncbuf.Buffer
	// stop cancels run's context, as SIGTERM does in main.
	stop context.CancelFunc
	// finished is closed when run returned; code is then its exit status.
	finished chan struct{}
	code     int
}

// startE2EBot starts the real bot (run) against the fakes. Dana's Slack
// user carries her Syncro email so she maps to a tech. edit may change
// the environment before the bot starts. The bot is stopped at cleanup.
func startE2EBot(ctx context.Context, t *testing.T, edit func(env map[string]string)) *e2eBot {
	t.Helper()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	if edit != nil {
		edit(env)
	}
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)
	return b
}

// poll checks cond every 10 ms until it holds, and returns ctx's error if
// ctx ends first. It waits on state nothing announces (Syncro's held
// requests, the bot's store), where slackfake's WaitUntil, which looks
// again only when Slack's state changes, could sleep through the change;
// the bot's log announces itself (syncbuf.Buffer.WaitFor).
func poll(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(10 * time.Millisecond)
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

// slash sends /syncro text as Dana in #ops.
func (b *e2eBot) slash(ctx context.Context, t *testing.T, text string) slackfake.Ack {
	t.Helper()
	ack, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: e2eChannel, Text: text})
	if err != nil {
		t.Fatalf("/syncro %s: %v", text, err)
	}
	return ack
}

// replyText is everything a reply shows: its text and its blocks.
func replyText(m slackfake.Message) string {
	return m.Text + "\n" + string(m.Blocks)
}

// waitReply waits for the n-th (1-based) ephemeral to Dana and returns it.
func (b *e2eBot) waitReply(ctx context.Context, t *testing.T, n int) slackfake.Ephemeral {
	t.Helper()
	err := b.f.WaitUntil(ctx, func() bool { return len(b.f.Ephemerals(e2eUser)) >= n })
	if err != nil {
		t.Fatalf("no reply #%d to Dana: %v; messages %+v; stderr:\n%s", n, err, b.f.Messages(e2eChannel), b.stderr.String())
	}
	return b.f.Ephemerals(e2eUser)[n-1]
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

func ticketByNumber(t *testing.T, srv *syncrotest.Server, n int64) syncrotest.Ticket {
	t.Helper()
	tk, ok := srv.TicketByNumber(n)
	if !ok {
		t.Fatalf("seed has no ticket #%d", n)
	}
	return tk
}

func loggedMinutes(srv *syncrotest.Server, ticketID int64) (timers, comments int) {
	for _, tm := range srv.Timers(ticketID) {
		timers += tm.Minutes()
	}
	for _, c := range srv.Comments(ticketID) {
		comments += c.MinutesSpent
	}
	return timers, comments
}

func TestE2E_CommentWithTime(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, 32150)
	commentsBefore := len(b.srv.Comments(tk.ID))
	timersBefore, commentMinBefore := loggedMinutes(b.srv, tk.ID)

	b.slash(ctx, t, "comment 32150 --time 45m Replaced the cable")
	var rep slackfake.Ephemeral
	err := b.f.WaitUntil(ctx, func() bool {
		for _, e := range b.f.Ephemerals(e2eUser) {
			if strings.Contains(replyText(e.Message), "45") {
				rep = e
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no reply mentioning 45 min: %v; ephemerals %+v; stderr:\n%s", err, b.f.Ephemerals(e2eUser), b.stderr.String())
	}
	if !strings.Contains(strings.ToLower(replyText(rep.Message)), "min") {
		t.Errorf("reply does not say minutes were logged: %q", rep.Text)
	}

	err = b.f.WaitUntil(ctx, func() bool {
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
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	if tk := ticketByNumber(t, b.srv, 32151); tk.Status != "New" {
		t.Fatalf("seed ticket #32151 is %q, want New", tk.Status)
	}

	b.slash(ctx, t, `update 32151 --status "In Progress"`)
	var rep slackfake.Ephemeral
	err := b.f.WaitUntil(ctx, func() bool {
		for _, e := range b.f.Ephemerals(e2eUser) {
			if s := replyText(e.Message); strings.Contains(s, "New") && strings.Contains(s, "In Progress") {
				rep = e
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no reply showing New → In Progress: %v; ephemerals %+v; stderr:\n%s", err, b.f.Ephemerals(e2eUser), b.stderr.String())
	}
	s := replyText(rep.Message)
	if strings.Index(s, "New") > strings.Index(s, "In Progress") {
		t.Errorf("reply shows the change backwards: %q", s)
	}
	if tk := ticketByNumber(t, b.srv, 32151); tk.Status != "In Progress" {
		t.Errorf("Syncro status = %q, want In Progress", tk.Status)
	}
}

func TestE2E_SlowSyncroDoesNotDelayTheAck(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	b.srv.Fail("GET", "/tickets", 1, syncrotest.FaultHang)

	ack := b.slash(ctx, t, "ticket 32150")
	if ack.Latency >= time.Second {
		t.Errorf("ack took %v while Syncro hung; acks must not wait on Syncro", ack.Latency)
	}
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
		t.Fatalf("%d replies while Syncro held the lookup", n)
	}
	b.srv.ReleaseHangs()
	rep := b.waitReply(ctx, t, 1)
	if rep.Time.Before(ack.ReceivedAt) {
		t.Errorf("reply at %v came before the ack at %v", rep.Time, ack.ReceivedAt)
	}
}

func TestE2E_SyncroDownApologizesAndKeepsServing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/"
	ln.Close()
	b := startE2EBot(ctx, t, func(env map[string]string) { env["SYNCRO_BASE_URL"] = dead })

	for i, text := range []string{"ticket 32150", "ticket 32151"} {
		ack := b.slash(ctx, t, text)
		if ack.Late {
			t.Errorf("/syncro %s: ack was late", text)
		}
		rep := b.waitReply(ctx, t, i+1)
		s := replyText(rep.Message)
		if strings.TrimSpace(rep.Text) == "" {
			t.Errorf("/syncro %s: reply has no text: %q", text, s)
		}
		for _, bad := range []string{"goroutine", "panic", ".go:", "dial tcp", "connection refused"} {
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
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
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
	va, err := b.f.ViewSubmission(ctx, slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackCreate, PrivateMetadata: view.PrivateMetadata,
		Values: slackfake.Values{
			commands.BlockCustomer: {commands.ActionCustomerSearch: slackfake.ExternalSelectInput(acme.Text, acme.Value)},
			commands.BlockSubject:  {commands.BlockSubject: slackfake.TextInput(subject)},
		},
	})
	if err != nil {
		t.Fatalf("view_submission: %v", err)
	}
	if va.ResponseAction == "errors" {
		t.Fatalf("form refused: %+v", va.Errors)
	}
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
