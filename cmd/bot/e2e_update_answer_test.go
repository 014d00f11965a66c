package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_UpdateWhoseAnswerIsCutOffButSyncroHoldsIsToldDone: Syncro
// applies Dana's `/syncro update` but its answer is cut off. Syncro holds
// the change, so she is told it is done (never "couldn't update", which
// would have her redo it), the PUT was sent once, and the audit shows it
// as done.
func TestE2E_UpdateWhoseAnswerIsCutOffButSyncroHoldsIsToldDone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	if tk.Status != "New" || tk.Priority == "3 Low" {
		t.Fatalf("seed ticket #%d is %q, %q; the test wants New and not 3 Low", tk.Number, tk.Status, tk.Priority)
	}
	b.srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultCommitThenGarbage)
	b.slash(ctx, t, "update "+itoa64(tk.Number)+` --status "In Progress" --priority low`)
	rep := replyText(b.waitReply(ctx, t, 0).Message)

	held := ticketByNumber(t, b.srv, tk.Number)
	if held.Status != "In Progress" || held.Priority != "3 Low" {
		t.Fatalf("Syncro holds #%d as %q, %q; the fault should have applied the change", tk.Number, held.Status, held.Priority)
	}
	if n := b.srv.Count("PUT", "/tickets/"+itoa64(tk.ID)); n != 1 {
		t.Errorf("%d PUTs of #%d, want 1", n, tk.Number)
	}
	if !strings.Contains(rep, "Updated #"+itoa64(tk.Number)) || !strings.Contains(rep, "In Progress") || !strings.Contains(rep, "3 Low") ||
		strings.Contains(rep, "couldn't") || strings.Contains(rep, "can't") {
		t.Errorf("Syncro holds the change; the reply should say it was made:\n%s", rep)
	}
	b.slash(ctx, t, "audit "+itoa64(tk.Number))
	audit := replyText(b.waitReply(ctx, t, 1, "Changes I made to #"+itoa64(tk.Number)).Message)
	if !strings.Contains(audit, "✓") || strings.Contains(audit, "failed") {
		t.Errorf("the audit should show the update as done:\n%s", audit)
	}
}

// TestE2E_UpdateAnsweredWithAPageAndNotAppliedClaimsNothing: Syncro
// answers Dana's `/syncro update` 200 with a sign-in page and does not
// apply it. The read-back shows the ticket unchanged, so she is told
// plainly that the update could not be confirmed and what Syncro shows;
// nothing is claimed done, the PUT is not sent again, and the audit says
// the outcome is unknown.
func TestE2E_UpdateAnsweredWithAPageAndNotAppliedClaimsNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	b.srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultHTML)
	b.slash(ctx, t, "update "+itoa64(tk.Number)+` --status "In Progress"`)
	rep := replyText(b.waitReply(ctx, t, 0).Message)

	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != tk.Status {
		t.Fatalf("Syncro holds #%d as %q; the fault should have left it %q", tk.Number, got, tk.Status)
	}
	if n := b.srv.Count("PUT", "/tickets/"+itoa64(tk.ID)); n != 1 {
		t.Errorf("%d PUTs of #%d, want 1", n, tk.Number)
	}
	if strings.Contains(rep, "Updated #") || !strings.Contains(rep, "can't confirm") || !strings.Contains(rep, "Status: "+tk.Status) {
		t.Errorf("Syncro doesn't hold the change; the reply should say it can't confirm it and show the status Syncro holds (%s):\n%s", tk.Status, rep)
	}
	b.slash(ctx, t, "audit "+itoa64(tk.Number))
	audit := replyText(b.waitReply(ctx, t, 1, "Changes I made to #"+itoa64(tk.Number)).Message)
	if !strings.Contains(audit, "outcome unknown") {
		t.Errorf("the audit should show the update's outcome as unknown:\n%s", audit)
	}
}
