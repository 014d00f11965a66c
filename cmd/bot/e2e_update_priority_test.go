package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_UpdateLeavesAPriorityShownAsItsWordAlone: Syncro shows a
// ticket's priority as "Normal" while the account's list says "2 Normal"
// (docs/syncro-api.md §4.5). Typing the same priority changes nothing,
// and the update form opens on it, so saving a new status sends no
// priority: Syncro still holds "Normal", and Dana is told only the status.
func TestE2E_UpdateLeavesAPriorityShownAsItsWordAlone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	cust := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	add := func() syncrotest.Ticket {
		return b.srv.AddTicket(syncrotest.Ticket{Subject: "Scanner offline", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress", Priority: "Normal"})
	}
	typed, formed := add(), add()

	b.slash(ctx, t, "update "+itoa64(typed.Number)+" --priority normal")
	b.waitReply(ctx, t, 0, "Nothing to change")

	form := b.submitFormAs(ctx, t, "update "+itoa64(formed.Number), commands.CallbackUpdate, func(vals slackfake.Values) {
		vals[commands.BlockStatus] = map[string]slackfake.Input{commands.BlockStatus: slackfake.StaticSelectInput("Waiting for Parts", "Waiting for Parts")}
	})
	if in := modalInputs(t, form.JSON)[commands.BlockPriority]; in.Element.InitialOption == nil || in.Element.InitialOption.Value != "2 Normal" {
		t.Errorf("the update form does not open on the ticket's priority (2 Normal): %+v", in.Element)
	}
	reply := b.waitReply(ctx, t, 1, "Updated #"+itoa64(formed.Number))
	for _, tk := range []syncrotest.Ticket{typed, formed} {
		if got := ticketByNumber(t, b.srv, tk.Number).Priority; got != "Normal" {
			t.Errorf("Syncro holds #%d's priority as %q, want Normal untouched", tk.Number, got)
		}
	}
	if got := ticketByNumber(t, b.srv, formed.Number).Status; got != "Waiting for Parts" || strings.Contains(reply.Text, "Priority") {
		t.Errorf("saving the status: Syncro holds %q (want Waiting for Parts); reply %q should tell the status alone", got, reply.Text)
	}
}

// TestE2E_UpdateSendsAPriorityPickedBesideAnotherOfItsWord: the
// account lists "1 Normal" and "2 Normal" and Syncro shows a ticket's
// priority as "Normal": the word does not say which it holds, so Dana
// picking "1 Normal" in the form is a change. It was taken for the
// priority held: "Nothing changed", and Syncro kept "Normal".
func TestE2E_UpdateSendsAPriorityPickedBesideAnotherOfItsWord(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := newFakes(t, syncrotest.WithPriorities("", "0 Urgent", "1 Normal", "2 Normal")).start(ctx, t)
	cust := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "Scanner offline", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress", Priority: "Normal"})

	b.submitFormAs(ctx, t, "update "+itoa64(tk.Number), commands.CallbackUpdate, func(vals slackfake.Values) {
		vals[commands.BlockPriority] = map[string]slackfake.Input{commands.BlockPriority: slackfake.StaticSelectInput("1 Normal", "1 Normal")}
	})
	reply := b.waitReply(ctx, t, 0, "#"+itoa64(tk.Number))
	if got := ticketByNumber(t, b.srv, tk.Number).Priority; got != "1 Normal" || !strings.Contains(reply.Text, "Updated #"+itoa64(tk.Number)) {
		t.Errorf("Dana picked 1 Normal: Syncro holds %q (want 1 Normal); reply %q", got, reply.Text)
	}
}
