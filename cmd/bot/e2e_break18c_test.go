package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// danaOnHome starts the bot on new fakes and has Dana open her Home; it
// returns her first open ticket and the Home once it shows want.
func danaOnHome(t *testing.T, want ...string) (context.Context, *e2eBot, syncrotest.Ticket, slackfake.View) {
	t.Helper()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := danasOpen(b.srv)[0]
	b.openHome(ctx, t)
	return ctx, b, tk, b.waitHome(ctx, t, 0, append([]string{"Your time today"}, want...)...)
}

// TestE2E_HomeReopenedAfterASlashWriteShowsIt: Dana opens her Home (no
// time today), logs 15 minutes with `/syncro comment N --time 15m`, and
// opens her Home again within the 30 s the bot shows a Home as it is:
// the Home shows the 15 minutes Syncro now holds, as it does after a
// form she saves (README, the Home tab: "again after each form you
// save, so it shows what you just logged"; issue 18: refreshed after the
// tech's own writes).
func TestE2E_HomeReopenedAfterASlashWriteShowsIt(t *testing.T) {
	t.Parallel()
	ctx, b, tk, home := danaOnHome(t, "Your time today", "No time logged today.")
	b.waitLog(ctx, t, `"msg":"home published","component":"bot","slack_user":"`+e2eUser+`"`)

	before, _ := loggedMinutes(b.srv, tk.ID)
	b.slash(ctx, t, "comment "+itoa64(tk.Number)+" --time 15m Called the client back")
	b.waitReply(ctx, t, 0, "15 min logged")
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers-before != 15 {
		t.Fatalf("Syncro holds %d new minutes on #%d, want the 15 Dana logged", timers-before, tk.Number)
	}

	b.openHome(ctx, t)
	b.waitHome(ctx, t, home.Updates+1, "Total: *15m*")
}

// TestE2E_ResolvedListThroughSyncrosBadAnswers: a bad answer from Syncro
// on either list the resolved-not-invoiced search reads never turns into
// a list Syncro does not hold. Dana has one ticket invoiced in the web
// app (status left at Resolved) and the seed's resolved ones; after the
// bot started, the next read of her resolved tickets or of the invoices
// gets:
//   - GET /tickets answering 200 with an HTML sign-in page: the Home says
//     it could not list them, neither a list nor "every ticket … is
//     invoiced";
//   - GET /invoices answering 200 with a body cut in half: the tickets
//     are said as not checked, none listed;
//   - GET /invoices answering 429 (Retry-After 1 s): the bot waits and
//     the list is exactly what Syncro holds, with no note.
func TestE2E_ResolvedListThroughSyncrosBadAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, path string
		fault      syncrotest.Fault
		// want is on the Home; listed says the list is Syncro's own.
		want   string
		listed bool
	}{
		{"tickets: an HTML page", "/tickets", syncrotest.FaultHTML, "couldn't list your resolved tickets", false},
		{"invoices: a body cut off", "/invoices", syncrotest.FaultCommitThenGarbage, "resolved tickets for an invoice", false},
		{"invoices: rate limited", "/invoices", syncrotest.FaultRateLimit, "Resolved, not invoiced yet* (", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t, syncrotest.WithFaultRetryAfter(time.Second))
			srv, web := fx.srv, busyWebApp(t, fx.srv)
			cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
			tk := srv.AddTicket(syncrotest.Ticket{Subject: "Invoiced in the web app", CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: time.Now()})
			if _, _, err := web.Invoices.CreateFromTicket(ctx, tk.ID, cust, ""); err != nil {
				t.Fatal(err)
			}
			want := srv.ResolvedNotInvoiced(syncrotest.UserDana)

			b := fx.start(ctx, t)
			srv.Fail("GET", tc.path, 1, tc.fault)
			b.openHome(ctx, t)
			home := string(b.waitHome(ctx, t, 0, "Resolved, not invoiced yet").JSON)
			if !strings.Contains(home, tc.want) {
				t.Errorf("Dana's Home does not say %q:\n%s", tc.want, resolvedPart(home))
			}
			got := listedTickets(srv, home, "home_resolved_")
			if tc.listed && !slices.Equal(got, want) || !tc.listed && len(got) > 0 {
				t.Errorf("Dana's Home lists %v as resolved, not invoiced; Syncro holds %v (the list wanted: %v):\n%s", got, want, tc.listed, resolvedPart(home))
			}
			if strings.Contains(home, "every ticket you resolved is invoiced") {
				t.Errorf("Dana's Home says every ticket she resolved is invoiced; Syncro holds %v not invoiced:\n%s", want, resolvedPart(home))
			}
			if !slices.ContainsFunc(srv.Requests(), func(r syncrotest.Request) bool { return r.Path == tc.path && r.Status == faultStatus[tc.fault] }) {
				t.Errorf("Syncro never answered the bot's GET %s with %v; the test did not test it", tc.path, tc.fault)
			}
			if tc.listed && strings.Contains(home, "not looked at") || tc.listed && strings.Contains(home, "couldn't") {
				t.Errorf("Dana's Home says its list is not whole after Syncro's 429 was waited out:\n%s", resolvedPart(home))
			}
		})
	}
}

// faultStatus is the HTTP status each fault the tests above inject
// answers with.
var faultStatus = map[syncrotest.Fault]int{syncrotest.FaultHTML: 200, syncrotest.FaultCommitThenGarbage: 200, syncrotest.FaultRateLimit: 429}

// TestE2E_ResolvedListAtThePagesEdges: Syncro pages Dana's resolved
// tickets by 25 here, and she has exactly 25, 26, 50 or 51 of them, none
// invoiced. Her Home counts every one the two pages hold as not invoiced
// and says older ones were not looked at only past the second page.
func TestE2E_ResolvedListAtThePagesEdges(t *testing.T) {
	t.Parallel()
	for _, n := range []int{25, 26, 50, 51} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t, syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 25))
			srv := fx.srv
			cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
			for len(danasResolved(srv)) < n {
				srv.AddTicket(syncrotest.Ticket{Subject: "Resolved, never invoiced", CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: time.Now()})
			}
			if got := len(danasResolved(srv)); got != n {
				t.Fatalf("the seed gives Dana %d resolved tickets, more than the %d the test wants", got, n)
			}
			notInvoiced := len(srv.ResolvedNotInvoiced(syncrotest.UserDana))
			shown := min(notInvoiced, 50-(n-notInvoiced))

			b := fx.start(ctx, t)
			b.openHome(ctx, t)
			home := string(b.waitHome(ctx, t, 0, "Resolved, not invoiced yet").JSON)
			if want := fmt.Sprintf("Resolved, not invoiced yet* (%d)", shown); !strings.Contains(home, want) {
				t.Errorf("Dana's Home, %d resolved tickets of which Syncro holds %d not invoiced, does not say %q:\n%s", n, notInvoiced, want, resolvedPart(home))
			}
			if older := strings.Contains(home, "older resolved tickets not looked at"); older != (n > 50) {
				t.Errorf("Dana's Home, %d resolved tickets at 25 a page, says older ones were not looked at: %v, want %v:\n%s", n, older, n > 50, resolvedPart(home))
			}
		})
	}
}

// danasResolved are the tickets Syncro holds as Dana's, Resolved.
func danasResolved(srv *syncrotest.Server) []syncrotest.Ticket {
	var out []syncrotest.Ticket
	for _, tk := range srv.Tickets() {
		if tk.UserID == syncrotest.UserDana && tk.Status == "Resolved" {
			out = append(out, tk)
		}
	}
	return out
}

// TestE2E_SummaryAsksMissingTimeOnABusyDay: Dana resolves a ticket at
// 16:00 with no time logged; then, on a busy Monday, 130 more tickets of
// Tom's change in Syncro (paged by 25 here). At 17:00 her summary asks
// *Missing time?* about her ticket, which Syncro holds as hers,
// resolved that day, with no timer at all: the account's busy day is not
// hers (README, End-of-day summary: "the tickets assigned to you that you
// … resolved that day with none of your time on them").
func TestE2E_SummaryAsksMissingTimeOnABusyDay(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaIn(t, "America/Chicago", func(loc *time.Location) time.Time { return time.Date(2026, 12, 7, 16, 0, 0, 0, loc) },
		syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 25), syncrotest.WithRateLimit(1<<20))
	srv := fx.srv
	cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
	hers := srv.AddTicket(syncrotest.Ticket{Subject: "Resolved without a timer", CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: clk.Now()})
	clk.Set(clk.Now().Add(time.Minute))
	for i := range 130 {
		srv.AddTicket(syncrotest.Ticket{Subject: "Tom's busy day " + strconv.Itoa(i), CustomerID: cust, UserID: syncrotest.UserTom, Status: "Resolved", ResolvedAt: clk.Now()})
	}
	if tms := srv.Timers(hers.ID); len(tms) != 0 {
		t.Fatalf("Syncro holds %d timers on Dana's ticket; the test wants none", len(tms))
	}

	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "Resolved, not invoiced yet")
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	if want := fmt.Sprintf("summary_missing_%d\"", hers.ID); !strings.Contains(string(dm.Blocks), want) {
		t.Errorf("Dana's summary does not ask Missing time? about #%d, hers, resolved today with no timer in Syncro:\n%s", hers.Number, replyText(dm))
	}
}

// TestE2E_SummaryAsksMissingTimeOnACommentMadeThroughTheBot: the API key
// is an automation user's, as on most accounts, so the comment Dana
// writes with `/syncro comment N` (no --time) is, in Syncro, the key
// owner's, in her name (README, "Time is never silently lost"). At 17:00
// her summary asks *Missing time?* about that ticket: Syncro holds her
// comment of the day on it and no timer of hers.
func TestE2E_SummaryAsksMissingTimeOnACommentMadeThroughTheBot(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaIn(t, "America/Chicago", func(loc *time.Location) time.Time { return time.Date(2026, 12, 7, 16, 0, 0, 0, loc) },
		syncrotest.WithMe(e2eKeyUser))
	srv := fx.srv
	srv.AddUser(syncrotest.User{ID: e2eKeyUser, FullName: "Bayline Automation", Email: "api@baylineit.com", Admin: true})
	cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
	tk := srv.AddTicket(syncrotest.Ticket{Subject: "Printer offline", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"})

	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "Resolved, not invoiced yet")
	b.slash(ctx, t, "comment "+itoa64(tk.Number)+" Called the client back")
	b.waitReply(ctx, t, 0, "Comment added to #"+itoa64(tk.Number))
	if n := commentsWithBody(srv, tk.ID, "Called the client back"); n != 1 {
		t.Fatalf("Syncro holds %d of Dana's comments on #%d, want 1", n, tk.Number)
	}
	if tms := srv.Timers(tk.ID); len(tms) != 0 {
		t.Fatalf("Syncro holds %d timers on #%d; the test wants none", len(tms), tk.Number)
	}

	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	if want := fmt.Sprintf("summary_missing_%d\"", tk.ID); !strings.Contains(string(dm.Blocks), want) {
		t.Errorf("Dana's summary does not ask Missing time? about #%d, on which Syncro holds her comment of the day and no timer:\n%s", tk.Number, replyText(dm))
	}
}

// homeTabOpened is Dana opening the bot's tab (home or messages), and
// the ack saying which socket, so which replica, Slack handed it to.
func (b *e2eBot) homeTabOpened(ctx context.Context, t *testing.T, tab string) slackfake.Ack {
	t.Helper()
	ack, err := b.f.Event(ctx, map[string]any{"type": "app_home_opened", "user": e2eUser, "channel": "D0HOME", "tab": tab})
	if err != nil {
		t.Fatalf("app_home_opened (%s): %v", tab, err)
	}
	return ack
}

// TestE2E_Replicas_HomeRefreshedAfterAFormSavedOnTheOtherReplica: two
// replicas, Slack spreading envelopes across them. Dana's Home is
// published by one; she logs 45 minutes from its Log time button, and
// Slack hands her submission to the other replica. The Home she is
// looking at shows the 45 minutes Syncro now holds (README, the Home
// tab: "again after each form you save"), whichever replica saved it.
func TestE2E_Replicas_HomeRefreshedAfterAFormSavedOnTheOtherReplica(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startReplicas(ctx, t, 2, nil)[0]
	tk := danasOpen(b.srv)[0]
	ack := b.homeTabOpened(ctx, t, "home")
	home := b.waitHome(ctx, t, 0, "No time logged today.")
	click, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: home.ID,
		Actions: []slackfake.Action{homeButton(t, home, "home_open_"+itoa64(tk.ID), ticketview.ActionLogTime)}})
	if err != nil {
		t.Fatal(err)
	}
	view := b.waitView(ctx, t, commands.CallbackLogTime)
	if click.ConnID != ack.ConnID {
		// Slack takes turns: the next envelope would go to the Home's
		// replica. The Messages tab opened is one the bot leaves alone.
		b.homeTabOpened(ctx, t, "messages")
	}
	vals := textValues(t, view.JSON)
	vals[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: slackfake.TextInput("45")}
	va := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackLogTime, PrivateMetadata: view.PrivateMetadata, Values: vals})
	if va.ConnID == ack.ConnID {
		t.Fatalf("Dana's submission reached the replica that published her Home (socket %d); the test wants the other", va.ConnID)
	}
	b.waitHome(ctx, t, home.Updates+1, "Total: *45m*")
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers == 0 {
		t.Errorf("Syncro holds no timer on #%d; the Home shows 45 minutes", tk.Number)
	}
}

// TestE2E_HomeAfterACloseFromItShowsTheTicketResolved: Dana closes one of
// her open tickets from her Home's Close button. The Home published
// after her form lists it where Syncro now holds it: no longer among her
// open tickets, and among her resolved tickets not invoiced yet.
func TestE2E_HomeAfterACloseFromItShowsTheTicketResolved(t *testing.T) {
	t.Parallel()
	ctx, b, tk, home := danaOnHome(t)
	open := "home_open_" + itoa64(tk.ID) + `"`
	if !strings.Contains(string(home.JSON), open) {
		t.Fatalf("Dana's Home does not list #%d among her open tickets:\n%s", tk.Number, home.JSON)
	}
	if _, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: home.ID,
		Actions: []slackfake.Action{homeButton(t, home, "home_open_"+itoa64(tk.ID), ticketview.ActionClose)}}); err != nil {
		t.Fatal(err)
	}
	view := b.waitView(ctx, t, commands.CallbackClose)
	b.submitView(ctx, t, closeSubmission(t, view, "Replaced the toner."))
	resolved := "home_resolved_" + itoa64(tk.ID) + `"`
	after := string(b.waitHome(ctx, t, home.Updates+1, resolved).JSON)
	if now, _ := b.srv.Ticket(tk.ID); now.Status != "Resolved" || !slices.Contains(b.srv.ResolvedNotInvoiced(syncrotest.UserDana), tk.ID) {
		t.Errorf("Syncro holds #%d as %q (resolved, not invoiced: %v); the Home lists it as resolved, not invoiced", tk.Number, now.Status, b.srv.ResolvedNotInvoiced(syncrotest.UserDana))
	}
	if strings.Contains(after, open) {
		t.Errorf("Dana's Home still lists #%d among her open tickets after she closed it:\n%s", tk.Number, after)
	}
}

// TestE2E_Replicas_HomeReopenedAfterASlashWriteOnTheOtherReplicaShowsIt:
// two replicas. Dana's Home is published by one; her `/syncro comment N
// --time 15m` is handled by the other; she opens her Home again at once
// and Slack hands that to the first. Her Home shows the 15 minutes
// Syncro now holds: the first replica hears of her command through the
// store (bot.Config.HomeWrote).
func TestE2E_Replicas_HomeReopenedAfterASlashWriteOnTheOtherReplicaShowsIt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startReplicas(ctx, t, 2, nil)[0]
	tk := danasOpen(b.srv)[0]
	opened := func() slackfake.Ack { return b.homeTabOpened(ctx, t, "home") }
	first := opened()
	home := b.waitHome(ctx, t, 0, "No time logged today.")
	if cmd := b.slash(ctx, t, "comment "+itoa64(tk.Number)+" --time 15m Called the client back"); cmd.ConnID == first.ConnID {
		t.Fatalf("Dana's command reached the replica that published her Home (socket %d); the test wants the other", cmd.ConnID)
	}
	b.waitReply(ctx, t, 0, "15 min logged")
	if again := opened(); again.ConnID != first.ConnID {
		t.Fatalf("Dana's second visit reached socket %d; the test wants the Home's replica, %d", again.ConnID, first.ConnID)
	}
	b.waitHome(ctx, t, home.Updates+1, "Total: *15m*")
}
