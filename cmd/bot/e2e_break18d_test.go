package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// asksAbout reports whether dm's Missing time? list holds the ticket
// with Syncro id id (its Log time button's block).
func asksAbout(dm slackfake.Message, id int64) bool {
	return strings.Contains(string(dm.Blocks), fmt.Sprintf("summary_missing_%d\"", id))
}

// askedWithoutTime is how many of tickets dm asks Missing time? about;
// it fails t when Syncro holds time on any, as the callers log none.
func askedWithoutTime(t *testing.T, srv *syncrotest.Server, dm slackfake.Message, tickets []syncrotest.Ticket) int {
	t.Helper()
	asked := 0
	for _, tk := range tickets {
		if len(srv.Timers(tk.ID)) != 0 {
			t.Fatalf("Syncro holds time on #%d; the test logs none", tk.Number)
		}
		if asksAbout(dm, tk.ID) {
			asked++
		}
	}
	return asked
}

// marcusTickets adds n In Progress tickets assigned to Marcus.
func marcusTickets(t *testing.T, srv *syncrotest.Server, n int) []syncrotest.Ticket {
	t.Helper()
	cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
	var out []syncrotest.Ticket
	for i := range n {
		out = append(out, srv.AddTicket(syncrotest.Ticket{Subject: fmt.Sprintf("Switch %d flapping", i+1), CustomerID: cust, UserID: syncrotest.UserMarcus, Status: "In Progress"}))
	}
	return out
}

// changedOnMonday starts the bot, has Dana open her Home (so her summary
// starts) and change each ticket's status to Waiting on Customer through
// /syncro update, each confirmed.
func changedOnMonday(ctx context.Context, t *testing.T, fx *e2eFakes, tickets []syncrotest.Ticket) *e2eBot {
	t.Helper()
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")
	for i, tk := range tickets {
		b.slash(ctx, t, fmt.Sprintf("update %d --status %q", tk.Number, "Waiting on Customer"))
		b.waitReply(ctx, t, i, "Waiting on Customer")
	}
	return b
}

// TestE2E_Break18d_ChangeWhoseAnswerWasLostButSyncroHoldsIsAsked: Dana's
// status change on Marcus's ticket lands in Syncro but its answer is cut
// off; she logs no time. Syncro holds her change, so her 17:00 summary
// must ask Missing time? about it.
//
// Failed before the fix: /syncro update audited a PUT whose 2xx answer
// did not decode as "failed" and told Dana "I couldn't update ticket
// #N", while Syncro held the change, as the syncro client made such an
// answer ErrOutcomeUnknown for a POST only (unusableAnswer). Now the
// update reads the ticket back and audits what Syncro holds.
func TestE2E_Break18d_ChangeWhoseAnswerWasLostButSyncroHoldsIsAsked(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 0)
	srv := fx.srv
	tk := marcusTickets(t, srv, 1)[0]
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")
	srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultCommitThenGarbage)
	b.slash(ctx, t, fmt.Sprintf("update %d --status %q", tk.Number, "Waiting on Customer"))
	b.waitReply(ctx, t, 0)
	if got := ticketByNumber(t, srv, tk.Number).Status; got != "Waiting on Customer" {
		t.Fatalf("Syncro holds #%d as %q; the fault should have applied the change", tk.Number, got)
	}
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	if !asksAbout(dm, tk.ID) {
		t.Errorf("Syncro holds Dana's status change on #%d and none of her time, but her summary does not ask about it:\n%s", tk.Number, replyText(dm))
	}
}

// TestE2E_Break18d_TwelveChangedTicketsTheSummarySaysOfTheRest: Dana
// changes the status of 12 of Marcus's tickets through the bot and logs
// no time on any. Her summary shows 10 and must say there are more: it
// may not read as if the 10 were all.
func TestE2E_Break18d_TwelveChangedTicketsTheSummarySaysOfTheRest(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 0)
	srv := fx.srv
	tickets := marcusTickets(t, srv, 12)
	b := changedOnMonday(ctx, t, fx, tickets)
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	asked := askedWithoutTime(t, srv, dm, tickets)
	if asked != 10 || !strings.Contains(replyText(dm), "2 more") {
		t.Errorf("Syncro holds 12 tickets Dana changed with none of her time; her summary lists %d and should list 10 and say 2 more:\n%s", asked, replyText(dm))
	}
}

// TestE2E_Break18d_ChangedTicketDeletedInSyncroIsNeitherAskedNorAFailure:
// Dana changes the status of Marcus's ticket through the bot; before
// 17:00 it is deleted in Syncro's web app. Syncro answers that it is
// gone: the summary asks nothing about it and says no part failed (it
// has nothing else to say, so nothing is sent at all).
func TestE2E_Break18d_ChangedTicketDeletedInSyncroIsNeitherAskedNorAFailure(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 0)
	srv := fx.srv
	tickets := marcusTickets(t, srv, 2)
	b := changedOnMonday(ctx, t, fx, tickets)
	deleteTicketInSyncro(t, srv, tickets[0].ID)
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	if asksAbout(dm, tickets[0].ID) || !asksAbout(dm, tickets[1].ID) {
		t.Errorf("summary should ask about #%d only (#%d is deleted in Syncro):\n%s", tickets[1].Number, tickets[0].Number, replyText(dm))
	}
	if s := replyText(dm); strings.Contains(s, "couldn't") || strings.Contains(s, "could not") {
		t.Errorf("Syncro answered that #%d is deleted, yet the summary says a part failed:\n%s", tickets[0].Number, s)
	}
}

// TestE2E_Break18d_DayEdgesFarFromUTC: Dana in Kiritimati (UTC+14)
// changes one of Marcus's tickets at 23:59 on Sunday and another at 00:01
// on Monday, her time; Marcus logs 30 min on the second, and Dana logged
// 15 min on it on Sunday. Her Monday summary asks about the second (none
// of her Monday time is on it) and not the first (Sunday's work).
func TestE2E_Break18d_DayEdgesFarFromUTC(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, kiri := danaIn(t, "Pacific/Kiritimati", func(loc *time.Location) time.Time {
		return time.Date(2026, 12, 6, 23, 50, 0, 0, loc) // a Sunday
	})
	srv := fx.srv
	tickets := marcusTickets(t, srv, 2)
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00", "Pacific/Kiritimati")
	clk.Set(time.Date(2026, 12, 6, 23, 59, 0, 0, kiri))
	b.slash(ctx, t, fmt.Sprintf("update %d --status %q", tickets[0].Number, "Waiting on Customer"))
	b.waitReply(ctx, t, 0, "Waiting on Customer")
	b.slash(ctx, t, fmt.Sprintf("comment %d --time 15m Sunday work.", tickets[1].Number))
	b.waitReply(ctx, t, 1, "15 min logged")
	clk.Set(time.Date(2026, 12, 7, 0, 1, 0, 0, kiri))
	b.slash(ctx, t, fmt.Sprintf("update %d --status %q", tickets[1].Number, "Waiting on Customer"))
	b.waitReply(ctx, t, 2, "Waiting on Customer")
	start := clk.Now().Add(-30 * time.Minute)
	if _, _, err := webApp(t, srv).Timers.Add(ctx, tickets[1].ID, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: syncro.Ptr(30), UserID: syncro.Ptr(syncrotest.UserMarcus), Notes: "Swapped the switch."}); err != nil {
		t.Fatalf("Marcus logs time in Syncro: %v", err)
	}
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, kiri))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	monday := time.Date(2026, 12, 7, 0, 0, 0, 0, kiri)
	for i, tk := range tickets {
		hers := 0
		for _, tm := range srv.Timers(tk.ID) {
			if tm.UserID == syncrotest.UserDana && !tm.CreatedAt.Before(monday) {
				hers += tm.Minutes()
			}
		}
		want := i == 1 && hers == 0
		if got := asksAbout(dm, tk.ID); got != want {
			t.Errorf("summary asks about #%d: %v, want %v (Dana's Monday minutes on it in Syncro: %d):\n%s", tk.Number, got, want, hers, replyText(dm))
		}
	}
}

// TestE2E_Break18d_Replicas_ChangeOnOneSummaryFromTheOther: two replicas
// on one PostgreSQL; Dana changes Marcus's ticket through the bot while
// both run, then one stops before 17:00 and the other sends her summary:
// the change the audit holds on the shared store is asked about, as
// Syncro holds none of her time on it.
func TestE2E_Break18d_Replicas_ChangeOnOneSummaryFromTheOther(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaOn(t, replicaFakes, "America/Chicago", mondayAt(16, 0))
	tk := marcusTickets(t, fx.srv, 1)[0]
	a := fx.start(ctx, t)
	b := fx.start(ctx, t)
	a.openHome(ctx, t)
	a.waitHome(ctx, t, 0, "End-of-day summary", "17:00")
	a.slash(ctx, t, fmt.Sprintf("update %d --status %q", tk.Number, "Waiting on Customer"))
	a.waitReply(ctx, t, 0, "Waiting on Customer")
	a.shutdown(t)
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	if len(fx.srv.Timers(tk.ID)) != 0 {
		t.Fatalf("Syncro holds time on #%d; the test logs none", tk.Number)
	}
	if !asksAbout(dm, tk.ID) {
		t.Errorf("Dana changed #%d through the bot (the other replica), Syncro holds none of her time on it, and the summary does not ask:\n%s", tk.Number, replyText(dm))
	}
}

// TestE2E_Break18d_DoubleSentChangeIsListedOnce: Dana sends the same
// status change twice at once (a double Enter) on her ticket and on
// Marcus's, then changes each once more: each is asked about once in her
// summary.
func TestE2E_Break18d_DoubleSentChangeIsListedOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 0)
	tickets := marcusTickets(t, fx.srv, 1)
	cust := ticketByNumber(t, fx.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	tickets = append(tickets, fx.srv.AddTicket(syncrotest.Ticket{Subject: "Printer offline", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"}))
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")
	for _, tk := range tickets {
		b.slash(ctx, t, fmt.Sprintf("update %d --status %q", tk.Number, "Waiting on Customer"))
		b.slash(ctx, t, fmt.Sprintf("update %d --status %q", tk.Number, "Waiting on Customer"))
	}
	b.waitReply(ctx, t, 3)
	for i, tk := range tickets {
		b.slash(ctx, t, fmt.Sprintf("update %d --status %q", tk.Number, "Customer Reply"))
		b.waitReply(ctx, t, 4+i, "Customer Reply")
	}
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	for _, tk := range tickets {
		if len(fx.srv.Timers(tk.ID)) != 0 || ticketByNumber(t, fx.srv, tk.Number).Status != "Customer Reply" {
			t.Fatalf("Syncro holds #%d otherwise than the test set up", tk.Number)
		}
		if n := strings.Count(string(dm.Blocks), fmt.Sprintf("summary_missing_%d\"", tk.ID)); n != 1 {
			t.Errorf("#%d is asked about %d times; want once:\n%s", tk.Number, n, replyText(dm))
		}
	}
}
