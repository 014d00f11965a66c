package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Ticket commands (README, "Using it in Slack"), as a tech meets them and
// as Syncro then holds the ticket.

// TestE2E_StatusTypoIsAnsweredWithDidYouMean: --status with a typo of one
// of the account's statuses names the status meant and changes nothing.
func TestE2E_StatusTypoIsAnsweredWithDidYouMean(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)

	b.slash(ctx, t, "update "+itoa64(tk.Number)+" --status \"Waiting on Custmer\"")
	got := b.waitReply(ctx, t, 0).Text
	if !strings.Contains(got, "Did you mean") || !strings.Contains(got, "Waiting on Customer") {
		t.Errorf("the reply does not offer Waiting on Customer: %q", got)
	}
	if now := ticketByNumber(t, b.srv, tk.Number).Status; now != tk.Status || statusPUTs(b.srv, tk.ID) != 0 {
		t.Errorf("status %q (was %q), %d status PUTs: a typo changed the ticket", now, tk.Status, statusPUTs(b.srv, tk.ID))
	}
}

// TestE2E_InvoicedTicketStaysInvoicedWhenClosed: the close form of an
// Invoiced ticket asks for no time; closing it adds the resolution and
// leaves it Invoiced, never back to Resolved.
func TestE2E_InvoicedTicketStaysInvoicedWhenClosed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketMigration)
	const resolution = "Migration confirmed with the client; closing."

	view := b.openCloseForm(ctx, t, tk.Number)
	if _, ok := modalInputs(t, view.JSON)[commands.BlockMinutes]; ok {
		t.Errorf("the close form of an Invoiced ticket asks for time: %s", view.JSON)
	}
	b.submitView(ctx, t, closeSubmission(t, view, resolution))
	b.waitReply(ctx, t, 0, "#"+itoa64(tk.Number))
	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != "Invoiced" {
		t.Errorf("status = %q, want Invoiced", got)
	}
	if n := commentsWithBody(b.srv, tk.ID, resolution); n != 1 {
		t.Errorf("Syncro holds the resolution %d times, want 1", n)
	}
}
