package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_SummaryAsksMissingTimeOnAStatusChangedThroughTheBot: on
// Monday Dana changes the status of two tickets through the bot, one
// assigned to her and one to Marcus, and logs no time: her 17:00 summary
// asks Missing time? about both, and not about a third whose change
// Syncro refused. On Tuesday she changes them again and
// logs 15 minutes on each: Tuesday's summary asks about neither.
func TestE2E_SummaryAsksMissingTimeOnAStatusChangedThroughTheBot(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 0)
	srv := fx.srv
	cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
	hers := srv.AddTicket(syncrotest.Ticket{Subject: "Printer offline", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"})
	marcus := srv.AddTicket(syncrotest.Ticket{Subject: "VPN drops", CustomerID: cust, UserID: syncrotest.UserMarcus, Status: "In Progress"})
	refused := srv.AddTicket(syncrotest.Ticket{Subject: "Backup failed", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"})
	tickets := []syncrotest.Ticket{hers, marcus}

	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")
	// Monday's first change is one Syncro refuses: nothing of Dana's is
	// on that ticket, so it is not hers to log time on.
	srv.Fail("PUT", "/tickets/"+itoa64(refused.ID), 20, syncrotest.FaultServerError)
	b.slash(ctx, t, fmt.Sprintf("update %d --status %q", refused.Number, "Waiting on Customer"))
	b.waitReply(ctx, t, 0)
	replies := 1
	if got := ticketByNumber(t, srv, refused.Number).Status; got != "In Progress" {
		t.Fatalf("Syncro holds #%d as %q after a refused change, want In Progress", refused.Number, got)
	}
	day := func(status, logged string, asked bool, date time.Time, title string) {
		t.Helper()
		clk.Set(date.Add(16 * time.Hour))
		for _, tk := range tickets {
			b.slash(ctx, t, fmt.Sprintf("update %d --status %q", tk.Number, status))
			b.waitReply(ctx, t, replies, status)
			replies++
			if got := ticketByNumber(t, srv, tk.Number).Status; got != status {
				t.Fatalf("Syncro holds #%d as %q, want %q", tk.Number, got, status)
			}
			if logged != "" {
				b.slash(ctx, t, fmt.Sprintf("comment %d --time %s Checked with the client.", tk.Number, logged))
				b.waitReply(ctx, t, replies, "15 min logged")
				replies++
			}
		}
		clk.Set(date.Add(17*time.Hour + 30*time.Second))
		dm := b.waitDM(ctx, t, title)
		if strings.Contains(string(dm.Blocks), fmt.Sprintf("summary_missing_%d\"", refused.ID)) {
			t.Errorf("%s: Dana's summary asks Missing time? about #%d, whose change Syncro refused:\n%s", title, refused.Number, replyText(dm))
		}
		for _, tk := range tickets {
			held := 0
			for _, tm := range srv.Timers(tk.ID) {
				if tm.UserID == syncrotest.UserDana && !tm.CreatedAt.Before(date) {
					held += tm.Minutes()
				}
			}
			// What the summary says must be what Syncro holds.
			if (held == 0) != asked {
				t.Fatalf("Syncro holds %d min of Dana's of %s on #%d; the test wants it asked: %v", held, date.Format(time.DateOnly), tk.Number, asked)
			}
			if got := strings.Contains(string(dm.Blocks), fmt.Sprintf("summary_missing_%d\"", tk.ID)); got != asked {
				t.Errorf("%s: Dana's summary asks Missing time? about #%d (%s): %v, want %v; summary:\n%s", title, tk.Number, tk.Subject, got, asked, replyText(dm))
			}
		}
	}
	day("Waiting on Customer", "", true, time.Date(2026, 12, 7, 0, 0, 0, 0, chicago), "Your day in Syncro: Mon 7 Dec")
	day("In Progress", "15m", false, time.Date(2026, 12, 8, 0, 0, 0, 0, chicago), "Your day in Syncro: Tue 8 Dec")
}
