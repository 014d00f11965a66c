package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_BillInvoicesOnlyWhatItsFormShowed: Dana opens the bill form;
// Marcus logs 30 min in Syncro's web app before she presses Bill (README:
// "the bill form tells you before you press Bill what the invoice will
// carry"). Nothing is billed; her reply shows the invoice as it stands
// now, with a button that bills it — once, though she clicks it twice.
func TestE2E_BillInvoicesOnlyWhatItsFormShowed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	srv := b.srv
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketNAS)
	charged := func() (m int) {
		for _, tm := range srv.Timers(tk.ID) {
			if tm.Recorded {
				m += tm.Minutes()
			}
		}
		return m
	}
	was := charged()
	view := b.openBillForm(ctx, t, tk.Number)

	marcus, err := syncro.NewClient(syncro.Config{BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := marcus.Tickets.PostComment(ctx, tk.ID, &syncro.CommentRequest{
		Subject: "Update", Body: "Checked the backups.", Hidden: true,
		ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), MinutesSpent: syncro.Ptr(30), BillTimeNow: syncro.Ptr(false),
	}); err != nil {
		t.Fatal(err)
	}
	shown := uncharged(srv, tk.ID) // Marcus's 30 min, not on Dana's form

	b.submitView(ctx, t, billSubmission(t, view, "15", "Replaced the failed disk."))
	rep := b.waitReply(ctx, t, 0, tickets.ActionBillNewTotal)
	if !strings.Contains(rep.Text, "Nothing was billed") || charged() != was || invoicesOf(srv, tk.ID) != 0 {
		t.Fatalf("stale form: reply %q, %d min charged, %d invoices; want nothing billed", rep.Text, charged()-was, invoicesOf(srv, tk.ID))
	}
	a := button(t, rep.Blocks, tickets.ActionBillNewTotal)
	b.click(ctx, t, rep, a)
	b.click(ctx, t, rep, a)
	b.waitReply(ctx, t, 1, "Invoiced #"+itoa64(tk.Number))
	if err := poll(ctx, func() bool { return charged()-was == shown+15 }); err != nil {
		t.Fatalf("charged %d min, want %d: %v", charged()-was, shown+15, err)
	}
	if n := invoicesOf(srv, tk.ID); n != 1 {
		t.Errorf("%d invoices, want 1", n)
	}
}

// uncharged is the minutes of ticketID's billable timers not yet charged.
func uncharged(srv *syncrotest.Server, ticketID int64) (m int) {
	for _, tm := range srv.Timers(ticketID) {
		if !tm.Recorded && tm.Billable {
			m += tm.Minutes()
		}
	}
	return m
}
