package main

import (
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_Replicas_DoubleClickAsTheClaimExpiresWritesOnce: Dana submits
// the Log time form twice (a double click). The first envelope reaches
// replica A, whose comment Syncro holds; run's clock, the replicas' one,
// then reaches the first claim's expiry (store.PendingTimeout), and the
// second envelope reaches replica B just then. B must not take A's claim,
// which A still holds, for a write left in doubt and write it again:
// Syncro holds the comment and its minutes once, and both are answered.
func TestE2E_Replicas_DoubleClickAsTheClaimExpiresWritesOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	clk := fakeclock.New(time.Now())
	fx := replicaFakes(t)
	fx.clock = runClock{now: clk.Now}
	a := fx.start(ctx, t, "-debug")
	b := fx.start(ctx, t, "-debug")
	tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketPrinter)
	timersBefore, _ := loggedMinutes(fx.srv, tk.ID)
	const notes = "Replaced the duplexer."
	sub := a.logTimeFromCard(ctx, t, tk.Number, "45m", notes)
	seen := len(fx.f.Ephemerals(e2eUser))

	fx.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	first := a.submitView(ctx, t, sub)
	a.waitHeld(ctx, t)
	clk.Advance(store.PendingTimeout)
	second := a.submitView(ctx, t, sub)
	if first.ConnID == second.ConnID {
		t.Fatalf("both clicks reached socket %d, want one on each replica", first.ConnID)
	}
	// The second click's replica waits for the first's claim, or, taking
	// it for left, reads Syncro back and writes again.
	waiter := a
	if strings.Contains(b.stderr.String(), `"envelope_id":"`+second.EnvelopeID) {
		waiter = b
	}
	err := poll(ctx, func() bool {
		return strings.Contains(waiter.stderr.String(), claimWait) || len(fx.f.Ephemerals(e2eUser)) > seen || fx.srv.Held() > 1
	})
	if err != nil {
		t.Fatalf("the second click's replica neither waited nor answered: %v", err)
	}
	fx.srv.ReleaseHangs()
	a.waitReply(ctx, t, seen, "45 min logged")
	a.waitReply(ctx, t, seen+1)
	timers, _ := loggedMinutes(fx.srv, tk.ID)
	if got := commentsWithBody(fx.srv, tk.ID, notes); got != 1 || timers-timersBefore != 45 {
		t.Errorf("Syncro holds %d comments and %d new min, want 1 and 45; Dana was told %q", got, timers-timersBefore, ephemeralTexts(fx.f, e2eUser)[seen:])
	}
}
