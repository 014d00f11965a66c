package main

import (
	"context"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 19, fresh eyes again (break19c): what a lost answer from
// PostgreSQL does to two replicas (README, Running two replicas).

// claimInsert is the statement of a claim taken afresh (store.Postgres
// Claim), which the proxy counts.
const claimInsert = "INSERT INTO claims"

// TestE2E_Replicas_AStepWhoseClaimAnswerWasLostIsFinishedOnTheOther:
// replica A bills Dana's 60 minutes; the claim of the charge check is
// committed by PostgreSQL but its answer is lost with A's connection (a
// network cut at the worst moment). A tells Dana it could not record the
// step, with Finish; nothing of the charge was sent. B, beside A, gets
// her Finish: it must finish the bill (the minutes once, one invoice),
// not wait for a claim nobody is working on, which reads to B as A's
// write in progress for as long as A lives.
func TestE2E_Replicas_AStepWhoseClaimAnswerWasLostIsFinishedOnTheOther(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Reseated the tray sensor."
	fx := replicaFakes(t)
	a, proxy := fx.startBehindCutProxy(ctx, t)
	tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketPrinter)
	minutesBefore, _ := loggedMinutes(fx.srv, tk.ID)
	a.slash(ctx, t, "bill "+itoa64(tk.Number))
	form := a.waitView(ctx, t, commands.CallbackBill)
	seen := len(fx.f.Ephemerals(e2eUser))

	// The submission's claim, the invoice guard's, the comment's, the
	// time's, then the charge check's.
	lost := proxy.loseCommitAnswer(claimInsert, 5)
	first := a.submitView(ctx, t, billSubmission(t, form, "60", notes))
	<-lost
	told := a.waitReply(ctx, t, seen, tickets.ActionFinish)
	t.Logf("A told Dana: %q", told.Text)
	if invoicesOf(fx.srv, tk.ID) != 0 {
		t.Fatalf("A invoiced the ticket though the charge check's claim was lost")
	}

	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	toB := b.nextEnvelopeGoesAwayFrom(ctx, t, first.ConnID)
	seen = len(fx.f.Ephemerals(e2eUser))
	ack := b.click(ctx, t, told, button(t, told.Blocks, tickets.ActionFinish))
	if ack.ConnID == first.ConnID || !toB {
		t.Fatalf("Finish reached socket %d, A's; want B's", ack.ConnID)
	}
	b.waitReply(ctx, t, seen, "Invoiced #")
	wantBilledOnce(t, fx.srv, tk, minutesBefore, notes)
}

// nextEnvelopeGoesAwayFrom sends Dana's /syncro help until one reaches
// socket conn, so that the next envelope, Slack spreading them in turn
// over two sockets, reaches the other; it reports whether it did.
func (b *e2eBot) nextEnvelopeGoesAwayFrom(ctx context.Context, t *testing.T, conn int) bool {
	t.Helper()
	for range 3 {
		seen := len(b.f.Ephemerals(e2eUser))
		ack := b.slash(ctx, t, "help")
		b.waitReply(ctx, t, seen)
		if ack.ConnID == conn {
			return true
		}
	}
	return false
}
