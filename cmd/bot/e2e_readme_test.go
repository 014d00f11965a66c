package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// README promises that no other end-to-end test proved (docs/promises.md
// maps each promise to its test): what a tech reads, checked against what
// Syncro holds.

// repliesAfter is everything Dana was shown after her first `after`
// replies, text and blocks, in order.
func (b *e2eBot) repliesAfter(after int) string {
	var s strings.Builder
	for _, e := range b.f.Ephemerals(e2eUser)[after:] {
		s.WriteString(replyText(e.Message) + "\n")
	}
	return s.String()
}

// TestE2E_OpenMeansNotDoneInTheListMineAndCustomerCounts: the account's
// "Not Closed" filter also returns Invoiced, Resolved and Closed tickets,
// and the account has a "Completed" status of its own. /syncro, mine and
// the customers' open-ticket counts show only the ticket that is open.
func TestE2E_OpenMeansNotDoneInTheListMineAndCustomerCounts(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t, syncrotest.WithNotClosedReturning("Invoiced", "Resolved", "Closed"))
	cu := fx.srv.AddCustomer(syncrotest.Customer{BusinessName: "Quillfeather Dental", Email: "office@quillfeather.example"})
	open := fx.srv.AddTicket(syncrotest.Ticket{Subject: "Sterilizer log PC slow", Status: "In Progress", CustomerID: cu.ID, UserID: syncrotest.UserDana})
	var done []syncrotest.Ticket
	for _, status := range []string{"Invoiced", "Resolved", "Closed", "Completed"} {
		done = append(done, fx.srv.AddTicket(syncrotest.Ticket{Subject: status + " chair camera", Status: status, CustomerID: cu.ID, UserID: syncrotest.UserDana}))
	}
	b := fx.start(ctx, t)

	for i, text := range []string{"", "mine"} {
		seen := len(b.f.Ephemerals(e2eUser))
		b.slash(ctx, t, text)
		b.waitReply(ctx, t, seen, "open ticket")
		// A long list is split over several messages: wait for the one
		// that holds the open ticket, then read them all.
		b.waitReply(ctx, t, seen, "#"+itoa64(open.Number))
		got := b.repliesAfter(seen)
		for _, tk := range done {
			if strings.Contains(got, "#"+itoa64(tk.Number)) {
				t.Errorf("/syncro %s (reply %d) lists #%d, which is %s", text, i, tk.Number, tk.Status)
			}
		}
	}

	seen := len(b.f.Ephemerals(e2eUser))
	b.slash(ctx, t, "customers Quillfeather")
	got := replyText(b.waitReply(ctx, t, seen, "Quillfeather").Message)
	if !strings.Contains(got, "1 open ticket") {
		t.Errorf("customers Quillfeather does not count 1 open ticket: %q", got)
	}
}

// TestE2E_SearchPutsOpenTicketsFirst: the newest matches are closed; the
// open one, older, still comes first, also when more than a page (100) of
// closed tickets match.
func TestE2E_SearchPutsOpenTicketsFirst(t *testing.T) {
	t.Parallel()
	for _, closedMatches := range []int{3, 110} {
		t.Run(fmt.Sprint(closedMatches, " closed"), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t)
			cu := fx.srv.Customers()[0]
			old := time.Now().Add(-300 * 24 * time.Hour)
			open := fx.srv.AddTicket(syncrotest.Ticket{Subject: "Zebrafish tank sensor offline", Status: "Waiting for Parts", CustomerID: cu.ID, CreatedAt: old})
			var closed []string
			for i := range closedMatches {
				status := []string{"Resolved", "Closed", "Invoiced"}[i%3]
				tk := fx.srv.AddTicket(syncrotest.Ticket{Subject: fmt.Sprintf("Zebrafish tank pump %d", i), Status: status, CustomerID: cu.ID, CreatedAt: old.Add(time.Duration(i+1) * time.Hour)})
				closed = append(closed, "#"+itoa64(tk.Number))
			}
			b := fx.start(ctx, t)

			b.slash(ctx, t, "search zebrafish")
			b.waitReply(ctx, t, 0, "matching")
			got := b.repliesAfter(0)
			at := strings.Index(got, "#"+itoa64(open.Number))
			if at < 0 {
				t.Fatalf("search zebrafish does not show the open #%d among %d matches:\n%s", open.Number, closedMatches+1, got)
			}
			for _, n := range closed {
				if i := strings.Index(got, n); i >= 0 && i < at {
					t.Errorf("closed %s comes before the open #%d:\n%s", n, open.Number, got)
				}
			}
		})
	}
}

// TestE2E_AuditIsInTheTechsTimeZoneAndNamesTheLabor: Dana's Slack zone is
// Kathmandu (+05:45, nobody's default); /syncro audit shows her comment's
// time on her clock and the labor kind by name, never its product id.
func TestE2E_AuditIsInTheTechsTimeZoneAndNamesTheLabor(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.f.AddUser(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: "dana@baylineit.com", TZ: "Asia/Kathmandu"})
	b := fx.start(ctx, t)
	zone, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	n := itoa64(syncrotest.SeedTicketPrinter)

	before := time.Now().In(zone)
	b.slash(ctx, t, "comment "+n+" --time 40m --labor onsite Swapped the fuser on site")
	b.waitReply(ctx, t, 0, "40")
	after := time.Now().In(zone)
	b.slash(ctx, t, "audit "+n)
	got := replyText(b.waitReply(ctx, t, 1, "#"+n).Message)

	if !strings.Contains(got, before.Format("2006-01-02 15:04")) && !strings.Contains(got, after.Format("2006-01-02 15:04")) {
		t.Errorf("audit does not show the write at %s (Dana's clock): %q", before.Format("2006-01-02 15:04"), got)
	}
	if !strings.Contains(got, "onsite") {
		t.Errorf("audit does not name the labor kind onsite: %q", got)
	}
	if strings.Contains(got, "26118") {
		t.Errorf("audit shows the labor's product id: %q", got)
	}
}

// TestE2E_DueDateIsADay: a due date set with --due shows as that day, in
// the reply and on the ticket card, never with "12:00 AM" and never as
// the day before.
func TestE2E_DueDateIsADay(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	n := itoa64(syncrotest.SeedTicketPrinter)
	due := time.Now().AddDate(0, 1, 0)
	day := due.Format("Jan 2")

	b.slash(ctx, t, "update "+n+" --due "+due.Format("2006-01-02"))
	b.waitReply(ctx, t, 0, due.Format("2006-01-02"))
	if got := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter).DueDate; got.Format("2006-01-02") != due.Format("2006-01-02") {
		t.Errorf("Syncro holds due %s, want %s", got, due.Format("2006-01-02"))
	}
	b.slash(ctx, t, "ticket "+n)
	card := replyText(b.waitReply(ctx, t, 1, "Due").Message)
	if !strings.Contains(card, day) || strings.Contains(card, day+", 12:00 AM") || strings.Contains(card, "12:00 AM") {
		t.Errorf("the card does not show the due date as the day %s: %s", day, card)
	}
}

// TestE2E_CommandDuringShutdownIsToldRestartingInItsAck: once SIGTERM has
// come (a read still at Syncro keeps the bot in its grace), a new command
// is answered "restarting" in its ack and never reaches Syncro.
func TestE2E_CommandDuringShutdownIsToldRestartingInItsAck(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	// The open ticket's id comes from the mirror; its read is held.
	b.srv.Fail("GET", "/tickets/*", 1, syncrotest.FaultHang)
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketOwnCloud))
	b.waitHeld(ctx, t)
	b.stop() // SIGTERM
	b.waitLog(ctx, t, "waiting for in-flight work")
	b.srv.ResetLog()

	ack := b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	var payload struct {
		Text string `json:"text"`
	}
	if err := ack.Decode(&payload); err != nil || payload.Text != restartingSentence {
		t.Errorf("ack of a command after SIGTERM = %s (%v), want %q", ack.Payload, err, restartingSentence)
	}
	b.srv.ReleaseHangs()
	<-b.finished
	for _, r := range b.srv.Requests() {
		if strings.Contains(r.Query, "number="+itoa64(syncrotest.SeedTicketPrinter)) {
			t.Errorf("the command sent after SIGTERM reached Syncro: %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
}

// TestE2E_SecondBotOnTheSameDataDirRefusesToStart: one bot per DATA_DIR;
// the second says why and exits non-zero, and the first serves on. The
// database is the owner's alone (mode 0600).
func TestE2E_SecondBotOnTheSameDataDirRefusesToStart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)

	var stdout, stderr syncbuf.Buffer
	if code := run(ctx, []string{"bot"}, envMap(b.env), &stdout, &stderr); code == exitOK {
		t.Errorf("a second bot on the same DATA_DIR exited 0; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "database is locked by another syncrobot process") {
		t.Errorf("the second bot does not say the database is locked:\n%s", stderr.String())
	}
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	b.waitReply(ctx, t, 0, "Printer")

	fi, err := os.Stat(filepath.Join(b.env["DATA_DIR"], store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s has mode %v, want 0600", store.FileName, mode)
	}
}

// TestE2E_CheckAcceptsBaseURLsWithoutTheTrailingSlash: bot -check takes
// SYNCRO_BASE_URL and SLACK_API_URL in the form Syncro's and Slack's
// documentation write them, as the bot itself does.
func TestE2E_CheckAcceptsBaseURLsWithoutTheTrailingSlash(t *testing.T) {
	t.Parallel()
	env := newFakes(t).env
	env["SYNCRO_BASE_URL"] = strings.TrimSuffix(env["SYNCRO_BASE_URL"], "/")
	env["SLACK_API_URL"] = strings.TrimSuffix(env["SLACK_API_URL"], "/")
	var stdout, stderr syncbuf.Buffer
	if code := run(testContext(t), []string{"bot", "-check"}, envMap(env), &stdout, &stderr); code != exitOK {
		t.Errorf("-check exit = %d, want 0; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
}

// TestE2E_TimeIsCreditedToTheTechNotTheKeysOwner: the API key belongs to
// Tom. Dana's time, from her very first write on (she is matched before
// it), is Dana's: the timer's user and the comment's tech.
func TestE2E_TimeIsCreditedToTheTechNotTheKeysOwner(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t, syncrotest.WithMe(syncrotest.UserTom))
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	n := itoa64(tk.Number)
	timersBefore := len(b.srv.Timers(tk.ID))

	b.slash(ctx, t, "comment "+n+" --time 10m Checked the queue")
	b.waitReply(ctx, t, 0, "10")
	b.slash(ctx, t, "comment "+n+" --time 25m Replaced the fuser")
	b.waitReply(ctx, t, 1, "25")

	for _, c := range b.srv.Comments(tk.ID) {
		if (strings.Contains(c.Body, "Replaced the fuser") || strings.Contains(c.Body, "Checked the queue")) && c.Tech != "Dana Whitfield" {
			t.Errorf("Dana's comment carries tech %q, want Dana Whitfield", c.Tech)
		}
	}
	timers := b.srv.Timers(tk.ID)
	if len(timers) != timersBefore+2 {
		t.Fatalf("%d new timers, want 2", len(timers)-timersBefore)
	}
	for _, got := range timers[timersBefore:] {
		if got.UserID != syncrotest.UserDana {
			t.Errorf("Dana's %d min are credited to user %d, want Dana (%d)", got.Minutes(), got.UserID, syncrotest.UserDana)
		}
	}
}

// TestE2E_InvoicedTicketIsNeverInvoicedAgain: /syncro bill on a ticket
// that already has an invoice names that invoice and creates none.
func TestE2E_InvoicedTicketIsNeverInvoicedAgain(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketMigration)
	var existing syncrotest.Invoice
	for _, inv := range b.srv.Invoices() {
		if inv.TicketID == tk.ID {
			existing = inv
		}
	}
	if existing.ID == 0 {
		t.Fatalf("seed ticket #%d has no invoice", tk.Number)
	}
	invoices := len(b.srv.Invoices())

	b.slash(ctx, t, "bill "+itoa64(tk.Number))
	var said string
	if err := b.f.WaitUntil(ctx, func() bool {
		for _, v := range b.f.Views() {
			if v.UserID == e2eUser && strings.Contains(string(v.JSON), "already on invoice") {
				said = string(v.JSON)
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("bill on an invoiced ticket did not say it is invoiced: %v; views %+v", err, b.f.Views())
	}
	if !strings.Contains(said, existing.Number) {
		t.Errorf("the answer does not name invoice %s: %s", existing.Number, said)
	}
	if got := len(b.srv.Invoices()); got != invoices {
		t.Errorf("Syncro holds %d invoices, was %d", got, invoices)
	}
}

// TestE2E_LogLinesSayDurationsAsTextAndNoEmptyErr: everything the bot
// logs while it serves (-debug, a read Syncro fails once, a write, the
// watcher, a shutdown) writes durations as text ("1.5s") and no empty err or error.
func TestE2E_LogLinesSayDurationsAsTextAndNoEmptyErr(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.env["NOTIFY_CHANNEL"] = "C0NOTICES"
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	fx.f.AddChannel(slackfake.Channel{ID: "C0NOTICES", Name: "tickets"})
	b := fx.start(ctx, t, "-debug")
	b.srv.Fail("GET", "/tickets", 1, syncrotest.FaultServerError)
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	b.waitReply(ctx, t, 0, "Printer")
	b.slash(ctx, t, "comment "+itoa64(syncrotest.SeedTicketOwnCloud)+" --time 5m Checked the sync client")
	b.waitReply(ctx, t, 1, "5 min")
	b.waitLog(ctx, t, `"msg":"closed ticket statuses"`) // the watcher polled
	b.shutdown(t)

	lines := 0
	for line := range strings.Lines(b.stderr.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON log line: %q", line)
			continue
		}
		lines++
		for k, v := range rec {
			switch v := v.(type) {
			case float64:
				if v >= 1e6 && durationKey(k) {
					t.Errorf("%q logs %s = %v, a duration as a number: %s", rec["msg"], k, v, line)
				}
			case string:
				if v == "" && (k == "err" || k == "error") {
					t.Errorf("%q logs an empty %s: %s", rec["msg"], k, line)
				}
			}
		}
	}
	t.Logf("%d log lines checked", lines)
}

// durationKey reports a log key that names a span of time.
func durationKey(k string) bool {
	for _, w := range []string{"latency", "wait", "took", "duration", "elapsed", "after", "interval", "timeout", "grace", "delay", "lag", "age", "every", "backoff", "retry_in"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// TestE2E_ResidentialCustomerIsCreatedWithoutABusinessName: the customer
// create form with a first and last name, type Residential, no business
// name: Syncro holds the person, typed in the "Customer Type" property.
// When the email already belongs to a customer, the question before
// creating names the person being created.
func TestE2E_ResidentialCustomerIsCreatedWithoutABusinessName(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	existing := b.srv.AddCustomer(syncrotest.Customer{FirstName: "Olive", LastName: "Brandt", Email: "olive.brandt@example.com"})

	fill := func(first, last, email string) slackfake.ViewSubmission {
		t.Helper()
		return b.customerCreateSubmission(ctx, t, "Residential", map[string]string{customers.BlockCustFirst: first, customers.BlockCustLast: last, customers.BlockCustEmail: email})
	}

	b.submitView(ctx, t, fill("Hank", "Morrow", ""))
	rep := b.waitReply(ctx, t, 0, "Hank Morrow")
	var hank syncrotest.Customer
	for _, cu := range b.srv.Customers() {
		if cu.FirstName == "Hank" && cu.LastName == "Morrow" {
			hank = cu
		}
	}
	if hank.ID == 0 {
		t.Fatalf("Syncro holds no Hank Morrow; reply %q", rep.Text)
	}
	if hank.BusinessName != "" || hank.Properties["Customer Type"] != "Residential" {
		t.Errorf("Syncro holds %+v, want no business name and Customer Type Residential", hank)
	}

	b.submitView(ctx, t, fill("Olive", "Brandt", existing.Email))
	ask := b.waitReply(ctx, t, 1, "Nothing created yet")
	if !strings.Contains(ask.Text, "1 customer already looks like Olive Brandt") {
		t.Errorf("the question does not name the person being created: %q", ask.Text)
	}
}

// TestE2E_HelpListsEveryCommandOfTheTable: /syncro help, through run,
// shows (in the blocks Slack displays) the usage of every command in the
// table it is generated from.
func TestE2E_HelpListsEveryCommandOfTheTable(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	ack := b.slash(ctx, t, "help")
	var answer struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if ack.Payload == nil || ack.Decode(&answer) != nil || len(answer.Blocks) == 0 {
		answer.Blocks = b.waitReply(ctx, t, 0).Blocks
	}
	for _, c := range cmdline.Table() {
		// As the blocks' JSON writes the usage line.
		usage, _ := json.Marshal(cmdline.UsageLine(c))
		if !strings.Contains(string(answer.Blocks), strings.Trim(string(usage), `"`)) {
			t.Errorf("help does not show %s", usage)
		}
	}
}
