package main

import (
	"strings"
	"testing"
)

// The watcher's side of "open is one rule everywhere" (README, "Using it
// in Slack"): a ticket that reaches any done status in Syncro is
// announced; one that changes between open statuses is not.

// TestE2E_WatcherAnnouncesInvoicedAsClosed: one ticket is invoiced in
// Syncro's web app, another moves from In Progress to Waiting on
// Customer. The first is announced as closed in Syncro, once; the second
// is not.
func TestE2E_WatcherAnnouncesInvoicedAsClosed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	invoiced := b.marcusTicket(t, "Conference room display flickers")
	waiting := b.marcusTicket(t, "Scanner to email fails")

	for id, status := range map[int64]string{invoiced.ID: "Invoiced", waiting.ID: "Waiting on Customer"} {
		if err := b.srv.SetTicketStatus(id, status); err != nil {
			t.Fatal(err)
		}
	}
	b.waitNotice(ctx, t, invoiced.Number)
	// The poll that announced it saw the other change too; one more poll
	// is the chance of a late notice.
	b.waitPolls(ctx, t, 1)
	if got := b.noticesAbout(t, invoiced.Number); len(got) != 1 || !strings.Contains(got[0], "Closed in Syncro") {
		t.Errorf("#%d: notices %q, want one, closed in Syncro", invoiced.Number, got)
	}
	if got := b.noticesAbout(t, waiting.Number); len(got) != 0 {
		t.Errorf("#%d, still open (Waiting on Customer), was announced: %q", waiting.Number, got)
	}
}
