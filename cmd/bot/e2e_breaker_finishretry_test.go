package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

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
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)

	b.slash(ctx, t, "bill "+itoa64(tk.Number))
	view := b.waitView(ctx, t, commands.CallbackBill)
	srv.Fail("POST", "/tickets/*/charge_timer_entry", 2, syncrotest.FaultServerError)
	if va, err := f.ViewSubmission(ctx, billSubmission(t, view, "30", "Checked the toner sensor.")); err != nil || va.ResponseAction == "errors" {
		t.Fatalf("submit bill: %+v %v", va, err)
	}
	rep := b.waitEphemeral(ctx, t, 0, "Finish")

	b.clickFinish(ctx, t, rep) // Syncro still answers 500
	again := b.waitEphemeral(ctx, t, 1, "")
	if invoicesOf(srv, tk.ID) != 0 {
		t.Fatalf("invoiced while the charge failed: %q", again.Text)
	}

	b.clickFinish(ctx, t, rep) // Syncro is fine now; same message, same button
	last := b.waitEphemeral(ctx, t, 2, "")
	if got := invoicesOf(srv, tk.ID); got != 1 {
		t.Errorf("after Finish with Syncro back: %d invoices, want 1; replies:\n1st Finish: %q\n2nd Finish: %q", got, again.Text, last.Text)
	}
	if strings.Contains(last.Text, "not charged") {
		t.Errorf("the second Finish replayed the first one's failure: %q", last.Text)
	}
}
