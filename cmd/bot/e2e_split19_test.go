package main

import (
	"context"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 19, the split clock (split19): what the bot sends to Syncro and
// shows follows the host's clock, and only what it compares with the
// store's recorded times follows the database's (README, Running two
// replicas, Clocks).

// TestE2E_Replicas_ARetypeOfAnUnfinishedCommentIsAskedWhenOnlyTheDatabasesClockIsOff:
// the database server's clock runs 16 min behind, the host's and
// Syncro's are right. Dana's comment with 20 minutes reaches Syncro, its
// minutes do not (Syncro answers 500 to the ticket's read before the
// time entry): the work is left unfinished, with Finish. Typed again a
// moment later, it must be asked about. The flow's start is compared
// with now on the store's clock: recorded on the host's instead, it
// reads as 16 min in the future, not recent, and the comment is written
// a second time.
func TestE2E_Replicas_ARetypeOfAnUnfinishedCommentIsAskedWhenOnlyTheDatabasesClockIsOff(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	a, _ := startBesideADatabaseOff(ctx, t)
	fx := a.e2eFakes
	c := printerComment(t, a, "Replaced the separation pad.")
	fx.srv.Fail("GET", "/tickets/*", 20, syncrotest.FaultServerError)
	a.slash(ctx, t, c.cmd)
	a.waitReply(ctx, t, c.seen, "Comment added", "NOT logged")
	fx.srv.ClearFaults()
	a.slash(ctx, t, c.cmd)
	a.waitReply(ctx, t, c.seen+1, "less than a minute ago", "log it again anyway?")
	timers, _ := loggedMinutes(fx.srv, c.tk.ID)
	if got := commentsWithBody(fx.srv, c.tk.ID, c.notes); got != 1 || timers != c.timers0 {
		t.Errorf("Syncro holds %d comments and %d new min, want the comment once and the bot asking; Dana was told %q", got, timers-c.timers0, ephemeralTexts(fx.f, e2eUser))
	}
}

// startBesideADatabaseOff starts a replica whose host's clock and
// Syncro's agree (NTP on both) and run hostStep ahead of the database
// server's, once it has measured that; it returns the replica and the
// clock the host and Syncro share.
func startBesideADatabaseOff(ctx context.Context, t *testing.T) (*e2eBot, func() time.Time) {
	t.Helper()
	truth := func() time.Time { return time.Now().Add(hostStep) }
	fx := replicaFakes(t, syncrotest.WithClock(truth))
	fx.clock = runClock{now: truth, host: truth}
	a := fx.start(ctx, t, "-debug")
	a.waitLog(ctx, t, "this host's clock is off the database's")
	return a, truth
}
