package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// invoicesOf counts Syncro's invoices of ticketID.
func invoicesOf(srv *syncrotest.Server, ticketID int64) int {
	n := 0
	for _, inv := range srv.Invoices() {
		if inv.TicketID == ticketID {
			n++
		}
	}
	return n
}

// billSubmission is the bill form as it opened, with minutes and notes.
func billSubmission(t *testing.T, view slackfake.View, minutes, notes string) slackfake.ViewSubmission {
	t.Helper()
	vals := textValues(t, view.JSON)
	vals[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: {Type: "number_input", Value: minutes}}
	vals[commands.BlockNotes] = map[string]slackfake.Input{commands.BlockNotes: slackfake.TextInput(notes)}
	return slackfake.ViewSubmission{UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackBill, PrivateMetadata: view.PrivateMetadata, Values: vals}
}

// TestE2E_BillDoubleSubmitWithUnclearInvoicePOSTInvoicesOnce: the bill
// form is submitted twice at once (a double click), and Syncro commits the
// invoice but answers 500: one comment, one invoice, status Invoiced.
func TestE2E_BillDoubleSubmitWithUnclearInvoicePOSTInvoicesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	const notes = "Replaced the fuser unit."

	b.slash(ctx, t, "bill "+itoa64(tk.Number))
	view := b.waitView(ctx, t, commands.CallbackBill)
	srv.Fail("POST", "/invoices", 1, syncrotest.FaultCommitThenFail)
	sub := billSubmission(t, view, "30", notes)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if va, err := f.ViewSubmission(ctx, sub); err != nil || va.ResponseAction == "errors" {
				t.Errorf("submit bill: %+v %v", va, err)
			}
		})
	}
	wg.Wait()
	b.waitEphemeral(ctx, t, 0, "Invoiced #")
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(e2eUser)) >= 2 }); err != nil {
		t.Fatalf("one reply only: %v", err)
	}
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

// TestE2E_BillFinishDoubleClickAfterChargeFailureFinishesOnce: Syncro
// refuses the charge (500, nothing written); the reply's Finish is clicked
// twice at once: one charge, one invoice.
func TestE2E_BillFinishDoubleClickAfterChargeFailureFinishesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	const notes = "Cleaned the rollers."

	b.slash(ctx, t, "bill "+itoa64(tk.Number))
	view := b.waitView(ctx, t, commands.CallbackBill)
	srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultServerError)
	if va, err := f.ViewSubmission(ctx, billSubmission(t, view, "45", notes)); err != nil || va.ResponseAction == "errors" {
		t.Fatalf("submit bill: %+v %v", va, err)
	}
	rep := b.waitEphemeral(ctx, t, 0, "Finish")
	if strings.Contains(rep.Text, "invoice #") {
		t.Fatalf("invoiced despite the failed charge: %q", rep.Text)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			_, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel, MessageTS: rep.TS, IsEphemeral: true,
				Actions: []slackfake.Action{slackfake.Button("flow_finish", "flow_actions", finishValue(t, rep.Blocks))}})
			if err != nil {
				t.Errorf("click Finish: %v", err)
			}
		})
	}
	wg.Wait()
	b.waitEphemeral(ctx, t, 1, "Invoiced #")
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(e2eUser)) >= 3 }); err != nil {
		t.Fatalf("the second Finish got no answer: %v", err)
	}
	if got := commentsWithBody(srv, tk.ID, notes); got != 1 {
		t.Errorf("Syncro holds %d bill comments, want 1", got)
	}
	if got := invoicesOf(srv, tk.ID); got != 1 {
		t.Errorf("Syncro holds %d invoices, want 1", got)
	}
	if got := srv.Count("POST", "/tickets/"+itoa64(tk.ID)+"/charge_timer_entry"); got > 3 {
		t.Errorf("%d charge POSTs", got)
	}
	if got := ticketByNumber(t, srv, tk.Number).Status; got != "Invoiced" {
		t.Errorf("status = %q, want Invoiced", got)
	}
}
