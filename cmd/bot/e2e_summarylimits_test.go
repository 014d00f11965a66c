package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_LateSummaryWithTwoFailedPartsAndFullListsIsOneMessageSlackTakes:
// Dana resolved 12 tickets on Monday with no time on them (each both
// "missing time?" and not invoiced yet), and the bot was down at her
// hour; on Tuesday morning Syncro fails two parts of the summary (the
// day's timers, the comments of the ticket she commented on). Her
// summary still comes, as one message within Slack's limits (slackfake
// refuses more than 50 blocks, as Slack does), saying both failures and
// counting the tickets it has no room for.
func TestE2E_LateSummaryWithTwoFailedPartsAndFullListsIsOneMessageSlackTakes(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 9, 0)
	srv := fx.srv
	commented := danasOpen(srv)[0]
	if _, err := srv.AddComment(syncrotest.Comment{TicketID: commented.ID, Subject: "Update", Body: "Called the client back.", UserID: syncrotest.UserDana}); err != nil {
		t.Fatal(err)
	}
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
	b.waitLog(ctx, t, "summary ")
	if strings.Contains(b.stderr.String(), "summary not delivered") {
		t.Fatalf("Slack refused the summary; stderr:\n%s", b.stderr.String())
	}
	b.waitDM(ctx, t, "Yesterday's summary: Mon 7 Dec", "Missing time?", "Resolved, not invoiced yet",
		"couldn't read the day's time", "couldn't check the day's tickets for missing time", "more tickets in")
}
