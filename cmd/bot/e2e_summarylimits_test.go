package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// danaWorkedOn adds Dana's comment to tk, at the fakes' clock: work of
// hers that day with no time logged.
func danaWorkedOn(t *testing.T, srv *syncrotest.Server, tk syncrotest.Ticket) {
	t.Helper()
	if _, err := srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Called the client back.", UserID: syncrotest.UserDana}); err != nil {
		t.Fatal(err)
	}
}

// danaWorkedThenHome has Dana work on her first open ticket (see
// danaWorkedOn), starts the bot on fx and opens her Home; it returns the
// bot and the ticket.
func danaWorkedThenHome(ctx context.Context, t *testing.T, fx *e2eFakes) (*e2eBot, syncrotest.Ticket) {
	t.Helper()
	tk := danasOpen(fx.srv)[0]
	danaWorkedOn(t, fx.srv, tk)
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	return b, tk
}

// TestE2E_LateSummaryWithTwoFailedPartsAndFullListsIsOneMessageSlackTakes:
// Dana resolved 12 tickets on Monday with no time on them (each both
// "missing time?" and not invoiced yet), and the bot was down at her
// hour; on Tuesday morning Syncro fails two parts of the summary (the
// day's timers, the comments of the ticket she commented on). Her
// summary still comes, as one message within Slack's limits (slackfake
// refuses more than 50 blocks, as Slack does), saying both failures (the
// time as unknown, not as none) and counting the tickets it has no room
// for.
func TestE2E_LateSummaryWithTwoFailedPartsAndFullListsIsOneMessageSlackTakes(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 9, 0)
	srv := fx.srv
	commented := danasOpen(srv)[0]
	danaWorkedOn(t, srv, commented)
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")

	// Resolved after the comment, so they are the newest changed and
	// each is taken as missing time before the comment check fails.
	clk.Set(time.Date(2026, 12, 7, 10, 0, 0, 0, chicago))
	for i := range 12 {
		tk := srv.AddTicket(syncrotest.Ticket{Subject: fmt.Sprintf("Printer & <queue> %d", i), CustomerID: commented.CustomerID, UserID: syncrotest.UserDana, Status: "In Progress"})
		if err := srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(time.Date(2026, 12, 7, 16, 0, 0, 0, chicago))
	b.shutdown(t)

	clk.Set(time.Date(2026, 12, 8, 8, 30, 0, 0, chicago))
	srv.Fail("GET", "/ticket_timers", 100, syncrotest.FaultServerError)
	srv.Fail("GET", "/tickets/*/comments", 100, syncrotest.FaultServerError)
	b = b.start(ctx, t)
	dm := b.waitDM(ctx, t, "Yesterday's summary: Mon 7 Dec", "Missing time?", "Resolved, not invoiced yet", "Make invoice",
		"couldn't read the day's time", "couldn't check the day's tickets for missing time", "more tickets in")
	if strings.Contains(replyText(dm), "None.") {
		t.Errorf("the summary says no time was logged, though Syncro's timers could not be read: %s", dm.Blocks)
	}
	if log := b.stderr.String(); strings.Contains(log, "summary refused by Slack") || strings.Contains(log, "summary not delivered") {
		t.Errorf("Slack refused the summary before taking it; stderr:\n%s", log)
	}
}

// TestE2E_SummarySlackRefusedIsSentAtTheNextCheckOnceAcrossARestart:
// Slack refuses Dana's 17:00 summary (an error answer: nothing posted);
// the day is not spent on it, so the next check sends it, and a restart
// does not send it again (not even as "yesterday's" the next day).
func TestE2E_SummarySlackRefusedIsSentAtTheNextCheckOnceAcrossARestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 58)
	b, tk := danaWorkedThenHome(ctx, t, fx)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")

	b.f.InjectFault("chat.postMessage", slackfake.Fault{Error: slackfake.ErrCodeMsgBlocksTooLong})
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	b.waitLog(ctx, t, "summary refused by Slack")
	b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Missing time?", "#"+itoa64(tk.Number))
	var tries []string
	for _, c := range b.f.CallsTo("chat.postMessage") {
		if c.Param("channel") == danaDM {
			tries = append(tries, "error="+c.Error)
		}
	}
	if want := []string{"error=" + slackfake.ErrCodeMsgBlocksTooLong, "error="}; !slices.Equal(tries, want) {
		t.Errorf("posts of the summary to Dana: %q; want the refused one, then one taken", tries)
	}

	// Tuesday at 17:00 Monday's summary is due too (as yesterday's, had
	// it not been sent), so the pass that sends Tuesday's looked at it.
	b = b.restart(ctx, t)
	clk.Set(time.Date(2026, 12, 8, 15, 0, 0, 0, chicago))
	danaWorkedOn(t, fx.srv, tk)
	clk.Set(time.Date(2026, 12, 8, 17, 0, 30, 0, chicago))
	b.waitDM(ctx, t, "Your day in Syncro: Tue 8 Dec")
	if n := b.dmsWith("Mon 7 Dec"); n != 1 {
		t.Errorf("Dana got Monday's summary %d times; want once across the restart", n)
	}
}
