package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_BillDoubleSubmitWithUnclearInvoicePOSTInvoicesOnce: the bill
// form is submitted twice at once (a double click), and Syncro commits the
// invoice but answers 500: one comment, one invoice, status Invoiced.
func TestE2E_BillDoubleSubmitWithUnclearInvoicePOSTInvoicesOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	const notes = "Replaced the fuser unit."

	view := b.openBillForm(ctx, t, tk.Number)
	b.srv.Fail("POST", "/invoices", 1, syncrotest.FaultCommitThenFail)
	sub := billSubmission(t, view, "30", notes)
	b.doubleSubmit(ctx, t, sub)
	b.waitReply(ctx, t, 0, "Invoiced #")
	b.waitReply(ctx, t, 1) // the other submission's answer
	wantInvoicedOnce(t, b.srv, tk, notes)
}

// TestE2E_BillFinishDoubleClickAfterChargeFailureFinishesOnce: Syncro
// refuses the charge (500, nothing written); the reply's Finish is clicked
// twice at once: one charge, one invoice.
func TestE2E_BillFinishDoubleClickAfterChargeFailureFinishesOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	const notes = "Cleaned the rollers."

	view := b.openBillForm(ctx, t, tk.Number)
	b.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultServerError)
	b.submitView(ctx, t, billSubmission(t, view, "45", notes))
	rep := b.waitReply(ctx, t, 0, "Finish")
	if strings.Contains(rep.Text, "invoice #") {
		t.Fatalf("invoiced despite the failed charge: %q", rep.Text)
	}
	finish := button(t, rep.Blocks, tickets.ActionFinish)
	b.doubleClick(ctx, t, rep, finish)
	b.waitReply(ctx, t, 1, "Invoiced #")
	b.waitReply(ctx, t, 2) // the second Finish's answer
	wantInvoicedOnce(t, b.srv, tk, notes)
	if got := b.srv.Count("POST", "/tickets/"+itoa64(tk.ID)+"/charge_timer_entry"); got > 3 {
		t.Errorf("%d charge POSTs", got)
	}
}

// TestE2E_FinishWorksAgainAfterAFinishThatFailed: billing stops at the
// charge (Syncro 500); Dana presses Finish while Syncro still fails, then
// again once Syncro is back, on the same message. The second press must
// do the missing steps (README: Finish "does only the missing steps"), not
// replay the first press's failure: Finish's click key is recorded as done
// with whatever the first press answered, failure included.
//
// Reproduce: go test -race -run TestE2E_FinishWorksAgainAfterAFinishThatFailed ./cmd/bot
func TestE2E_FinishWorksAgainAfterAFinishThatFailed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)

	view := b.openBillForm(ctx, t, tk.Number)
	b.srv.Fail("POST", "/tickets/*/charge_timer_entry", 2, syncrotest.FaultServerError)
	b.submitView(ctx, t, billSubmission(t, view, "30", "Checked the toner sensor."))
	rep := b.waitReply(ctx, t, 0, "Finish")

	b.clickFinish(ctx, t, rep) // Syncro still answers 500
	again := b.waitReply(ctx, t, 1)
	if invoicesOf(b.srv, tk.ID) != 0 {
		t.Fatalf("invoiced while the charge failed: %q", again.Text)
	}

	b.clickFinish(ctx, t, rep) // Syncro is fine now; same message, same button
	last := b.waitReply(ctx, t, 2)
	if got := invoicesOf(b.srv, tk.ID); got != 1 {
		t.Errorf("after Finish with Syncro back: %d invoices, want 1; replies:\n1st Finish: %q\n2nd Finish: %q", got, again.Text, last.Text)
	}
	if strings.Contains(last.Text, "not charged") {
		t.Errorf("the second Finish replayed the first one's failure: %q", last.Text)
	}
}

// wantInvoicedOnce checks that billing tk with notes wrote once: one
// comment with the notes, one invoice, status Invoiced.
func wantInvoicedOnce(t *testing.T, srv *syncrotest.Server, tk syncrotest.Ticket, notes string) {
	t.Helper()
	if got := commentsWithBody(srv, tk.ID, notes); got != 1 {
		t.Errorf("Syncro holds %d bill comments, want 1", got)
	}
	if got := invoicesOf(srv, tk.ID); got != 1 {
		t.Errorf("Syncro holds %d invoices of #%d, want 1", got, tk.Number)
	}
	if got := ticketByNumber(t, srv, tk.Number).Status; got != "Invoiced" {
		t.Errorf("status = %q, want Invoiced", got)
	}
}

// openBillForm runs /syncro bill number and returns the bill modal.
func (b *e2eBot) openBillForm(ctx context.Context, t *testing.T, number int64) slackfake.View {
	t.Helper()
	b.slash(ctx, t, "bill "+itoa64(number))
	return b.waitView(ctx, t, commands.CallbackBill)
}
