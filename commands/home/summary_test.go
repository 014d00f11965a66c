package home_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// summaryRig is a Home feature on the seeded Syncro (made with opts),
// whose clock reads syncrotest.SeedNow, and a client to set up Syncro as
// the web app would.
func summaryRig(t *testing.T, opts ...syncrotest.Option) (*home.Feature, *commandstest.Fixture, *syncro.Client) {
	t.Helper()
	hf := home.New()
	f := commandstest.NewFixture(t, []commands.Feature{tickets.Register, hf.Register}, opts...)
	c, err := syncro.NewClient(syncro.Config{BaseURL: f.Srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return hf, f, c
}

// TestSummary_MissingTimeFromTodaysCommentsAndClosesWithoutATimer: a
// ticket of Dana's she commented on or resolved today with none of her
// time on it is "missing time?"; one with her timer, or with only the
// customer's comment, is not.
func TestSummary_MissingTimeFromTodaysCommentsAndClosesWithoutATimer(t *testing.T) {
	t.Parallel()
	hf, f, c := summaryRig(t)
	cust := f.Ticket(t, syncrotest.SeedTicketOwnCloud).CustomerID
	add := func(subject, status string) syncrotest.Ticket {
		tk := syncrotest.Ticket{Subject: subject, CustomerID: cust, UserID: syncrotest.UserDana, Status: status}
		if status == "Resolved" {
			tk.ResolvedAt = syncrotest.SeedNow
		}
		return f.Srv.AddTicket(tk)
	}
	comment := func(tk syncrotest.Ticket, user int64) {
		if _, err := f.Srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Worked on it.", UserID: user}); err != nil {
			t.Fatal(err)
		}
	}
	commented := add("Commented, no time", "In Progress")
	comment(commented, syncrotest.UserDana)
	closed := add("Resolved, no time", "Resolved")
	timed := add("Commented with time", "In Progress")
	comment(timed, syncrotest.UserDana)
	start, dana := syncrotest.SeedNow.Add(-time.Hour), syncrotest.UserDana
	if _, _, err := c.Timers.Add(t.Context(), timed.ID, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: new(40), UserID: &dana}); err != nil {
		t.Fatal(err)
	}
	customer := add("Only the customer wrote", "In Progress")
	comment(customer, 0)

	a := commandstest.Dana
	a.TimeZone = "America/Los_Angeles"
	loc, _ := time.LoadLocation(a.TimeZone)
	now := syncrotest.SeedNow.In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	s, err := hf.Summary(t.Context(), a, day, false)
	if err != nil {
		t.Fatal(err)
	}
	var missing []int64
	for _, tk := range s.Missing {
		missing = append(missing, tk.ID)
	}
	for _, tc := range []struct {
		tk   syncrotest.Ticket
		want bool
	}{{commented, true}, {closed, true}, {timed, false}, {customer, false}} {
		if got := slices.Contains(missing, tc.tk.ID); got != tc.want {
			t.Errorf("%q missing time: %v, want %v (errors %q)", tc.tk.Subject, got, tc.want, s.Errs)
		}
	}
	if len(s.ByTicket) == 0 || s.ByTicket[0].Ticket.ID != timed.ID || s.ByTicket[0].Minutes != 40 {
		t.Errorf("by ticket = %+v; want 40 min on %q first", s.ByTicket, timed.Subject)
	}
	if !slices.ContainsFunc(s.Resolved, func(tk syncro.Ticket) bool { return tk.ID == closed.ID }) {
		t.Errorf("the resolved ticket is not among resolved-not-invoiced: %+v", s.Resolved)
	}
	msg := home.RenderSummary(s)
	if len(msg.Blocks) > 50 {
		t.Errorf("the summary has %d blocks; a message takes 50", len(msg.Blocks))
	}
	commandstest.Golden(t, "summary_dana.golden", messageJSON(t, msg))
}

// TestSummary_NothingToSayIsEmpty: a tech with no time, nothing missing
// and nothing to invoice gets no message.
func TestSummary_NothingToSayIsEmpty(t *testing.T) {
	t.Parallel()
	hf, _, _ := summaryRig(t)
	a := commandstest.Dana
	a.TimeZone = "America/Los_Angeles"
	// A day long before the seed's activity.
	day := time.Date(2020, 1, 6, 0, 0, 0, 0, time.UTC)
	s, err := hf.Summary(t.Context(), a, day, false)
	if err != nil {
		t.Fatal(err)
	}
	s.Resolved = nil // the resolved list is today's, whatever the day
	if !s.Empty() {
		t.Errorf("a day with no work is not empty: %+v", s)
	}
}

func TestRenderSummary_LateIsMarkedYesterdays(t *testing.T) {
	t.Parallel()
	msg := home.RenderSummary(home.Summary{Day: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC), Late: true, Time: []home.LaborMinutes{{Label: "remote", Minutes: 90}}})
	shown := string(messageJSON(t, msg))
	if !strings.Contains(shown, "Yesterday's summary: Tue 8 Dec") || !strings.Contains(msg.Text, "1h30m logged") {
		t.Errorf("a late summary is not marked as yesterday's:\n%s", shown)
	}
}

// TestSummary_ResolvedNotInvoicedPastAPageOfInvoicedOnes: a tech whose 30
// newest resolved tickets were invoiced in the web app (their status left
// at Resolved) sees none of them as "not invoiced yet", and still sees the
// older one that is not: one page of Syncro's list is not all of them.
// Syncro pages both lists by 25 here, so the resolved tickets and the
// invoices each take two pages. What is listed is what Syncro holds: each
// of Dana's Resolved tickets that no invoice names (the seed's two too).
func TestSummary_ResolvedNotInvoicedPastAPageOfInvoicedOnes(t *testing.T) {
	t.Parallel()
	hf, f, c := summaryRig(t, syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 25), syncrotest.WithMaxPerPage(syncrotest.EndpointInvoices, 25))
	ctx := t.Context()
	cust := f.Ticket(t, syncrotest.SeedTicketOwnCloud).CustomerID
	resolve := func(subject string) syncrotest.Ticket {
		return f.Srv.AddTicket(syncrotest.Ticket{Subject: subject, CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: syncrotest.SeedNow})
	}
	waiting := resolve("Resolved long ago, never invoiced")
	for i := range 30 {
		invoiceInWebApp(t, c, resolve("Invoiced in the web app "+strconv.Itoa(i)))
	}
	a := commandstest.Dana
	s, err := hf.Summary(ctx, a, syncrotest.SeedNow.Truncate(24*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, tk := range s.Resolved {
		got = append(got, tk.ID)
	}
	want := f.Srv.ResolvedNotInvoiced(syncrotest.UserDana)
	slices.Sort(got)
	if !slices.Equal(got, want) || !slices.Contains(got, waiting.ID) || s.ResolvedNote != "" {
		t.Errorf("resolved-not-invoiced = %v (note %q), want %v: Dana's Resolved tickets no invoice names, %d (%q) among them (errors %q)",
			got, s.ResolvedNote, want, waiting.ID, waiting.Subject, s.Errs)
	}
	t.Logf("Syncro: %d GET /invoices", f.Srv.Count("GET", "/invoices"))
}

// invoiceInWebApp charges 15 minutes of Dana's on tk and makes its
// invoice, as the web app's Make Invoice does, leaving its status as it
// was (the fake sets no status unless WithInvoiceSetsStatus).
func invoiceInWebApp(t *testing.T, c *syncro.Client, tk syncrotest.Ticket) {
	t.Helper()
	ctx := t.Context()
	start, dana := syncrotest.SeedNow.Add(-time.Hour), syncrotest.UserDana
	tm, _, err := c.Timers.Add(ctx, tk.ID, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: new(15), UserID: &dana})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Timers.Charge(ctx, tk.ID, tm.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Invoices.CreateFromTicket(ctx, tk.ID, tk.CustomerID, ""); err != nil {
		t.Fatal(err)
	}
}
