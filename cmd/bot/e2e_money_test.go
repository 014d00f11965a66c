package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_InvoiceMadeInTheWebAppDuringTheBillsPOSTIsToldPlainly: Dana's
// bill has looked at the ticket's invoices and sent its invoice POST;
// while Syncro holds that POST, Marcus presses Make Invoice in the web
// app. Syncro has no idempotency key, so nothing can stop the second
// invoice (README, "Nothing lost, nothing twice"); the bill reply must
// say the ticket is on two invoices, name both and say to delete one,
// never a clean "invoice #N created".
func TestE2E_InvoiceMadeInTheWebAppDuringTheBillsPOSTIsToldPlainly(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	srv := b.srv
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	view := b.openBillForm(ctx, t, tk.Number)
	srv.Fail("POST", "/invoices", 1, syncrotest.FaultHang)
	b.submitView(ctx, t, billSubmission(t, view, "30", "Replaced the fuser unit."))
	b.waitHeld(ctx, t)
	web, _, err := webApp(t, srv).Invoices.CreateFromTicket(ctx, tk.ID, tk.CustomerID, "Standard")
	if err != nil {
		t.Fatal(err)
	}
	srv.ReleaseHangs()

	rep := b.waitReply(ctx, t, 0, "#"+itoa64(tk.Number))
	var numbers []string
	for _, inv := range srv.Invoices() {
		if inv.TicketID == tk.ID {
			numbers = append(numbers, inv.Number)
		}
	}
	if len(numbers) != 2 {
		t.Fatalf("Syncro holds invoices %v of #%d, want the web app's and the bill's", numbers, tk.Number)
	}
	for _, n := range numbers {
		if !strings.Contains(rep.Text, "#"+n) {
			t.Errorf("reply %q does not name invoice #%s (the web app made #%s)", rep.Text, n, web.Number)
		}
	}
	if !strings.Contains(rep.Text, "two invoices") || !strings.Contains(rep.Text, "delete one") {
		t.Errorf("reply %q: want it to say plainly the ticket is on two invoices and one should be deleted in Syncro", rep.Text)
	}
}
