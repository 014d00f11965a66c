package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_SummarySaysWhatItDidNotCheckPastTheCommentBound: on Monday Dana
// comments in Syncro on 17 tickets assigned to her and logs no time. Her
// summary reads the comments of 15 (its bound, so it stays a few Syncro
// calls): it lists 10 of them, counts the other 5 it asked about, and
// says it did not check 2, rather than reading as if it had checked all.
func TestE2E_SummarySaysWhatItDidNotCheckPastTheCommentBound(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 0)
	srv := fx.srv
	cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
	var tickets []syncrotest.Ticket
	for i := range 17 {
		tk := srv.AddTicket(syncrotest.Ticket{Subject: fmt.Sprintf("Printer %d jams", i+1), CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"})
		if _, err := srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Cleared the jam.", UserID: syncrotest.UserDana}); err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, tk)
	}
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	asked := askedWithoutTime(t, srv, dm, tickets)
	text := replyText(dm)
	if asked != 10 || !strings.Contains(text, "5 more") || !strings.Contains(text, "I did not check 2 more of that day's tickets for your time") {
		t.Errorf("Syncro holds 17 tickets Dana commented on with none of her time; her summary lists %d (want 10), and should count 5 more and say 2 were not checked:\n%s", asked, text)
	}
}
