package store

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/syncbuf"
)

// Replicas whose hosts' clocks disagree (postgres_clock.go). bbolt has
// one process, one clock: skew between replicas is PostgreSQL's alone.

// hostSkews are how far B's host's clock is off A's: 16 min, past the
// lock's lease and the recent-write window, each way.
var hostSkews = []struct {
	name string
	skew time.Duration
}{{"B ahead", 16 * time.Minute}, {"B behind", -16 * time.Minute}}

// eachSkew runs test, in parallel, for each of hostSkews.
func eachSkew(t *testing.T, test func(t *testing.T, skew time.Duration)) {
	for _, c := range hostSkews {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			test(t, c.skew)
		})
	}
}

// skewedReplicas opens A and B on one fresh schema, B's host's clock
// skew off A's (its store's clock and the host's both); advance makes
// time pass for both alike. opts are both replicas' besides their clocks
// (WithWorkTimeout is the writer's: store.inFlightFor).
func skewedReplicas(t *testing.T, skew time.Duration, opts ...Option) (a, b *testStore, advance func(time.Duration)) {
	t.Helper()
	open := postgresBackend(t)
	ca, cb := fakeclock.New(testStart), fakeclock.New(testStart.Add(skew))
	a = &testStore{t: t, clk: ca, open: open, opts: append([]Option{WithClock(ca.Now)}, opts...)}
	a.reopen()
	host := func() time.Time { return time.Now().Add(skew) }
	b = &testStore{t: t, clk: cb, open: open, opts: append([]Option{WithClock(cb.Now), WithHostClock(host)}, opts...)}
	b.reopen()
	return a, b, func(d time.Duration) { ca.Advance(d); cb.Advance(d) }
}

// waitsFor reports whether st's Lock of name waits (for 3 looks) rather
// than taking it.
func waitsFor(t *testing.T, st *testStore, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*pgWaitPoll)
	defer cancel()
	unlock, err := st.Lock(ctx, name)
	if err == nil {
		unlock()
		return false
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	return true
}

// takes reports whether st's Lock of name takes it within a few seconds
// of waiting (the waiter looks every pgWaitPoll).
func takes(t *testing.T, st *testStore, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	unlock, err := st.Lock(ctx, name)
	if err != nil {
		return false
	}
	unlock()
	return true
}

// TestPostgres_ALockHoldsForItsLeaseWhateverTheReplicasClocks: A holds a
// ticket's lock; B waits for it until the lease (LockLease) has run out
// for both, not as B's clock reads A's lock time. Before, B ahead took it
// at once, and B behind waited 16 min more.
func TestPostgres_ALockHoldsForItsLeaseWhateverTheReplicasClocks(t *testing.T) {
	t.Parallel()
	eachSkew(t, func(t *testing.T, skew time.Duration) {
		a, b, advance := skewedReplicas(t, skew)
		if _, err := a.Lock(t.Context(), "ticket/7"); err != nil {
			t.Fatal(err)
		}
		if !waitsFor(t, b, "ticket/7") {
			t.Fatal("B took the lock A holds, within its lease")
		}
		// skewTolerance either side: B's skew is measured to within it.
		advance(LockLease - skewTolerance)
		if !waitsFor(t, b, "ticket/7") {
			t.Fatalf("B took the lock A holds, %s into its lease", LockLease-skewTolerance)
		}
		advance(2 * skewTolerance)
		if !takes(t, b, "ticket/7") {
			t.Fatalf("B did not take A's lock once its lease (%s) was over", LockLease)
		}
	})
}

// TestPostgres_ARecentWriteCountsForItsWindowWhateverTheReplicasClocks:
// A remembers a write; B finds it for RecentWriteWindow, as long ago as
// it is, and not after; B's sweeps leave it meanwhile. Before, B ahead
// neither found it nor left it to its window (its sweep deleted it), and
// B behind found it 16 min past the window.
func TestPostgres_ARecentWriteCountsForItsWindowWhateverTheReplicasClocks(t *testing.T) {
	t.Parallel()
	eachSkew(t, func(t *testing.T, skew time.Duration) {
		var logs syncbuf.Buffer
		a, b, advance := skewedReplicas(t, skew, WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		mustOK(t, a.RememberWrite("k", RecentWrite{Ticket: 7, Flow: "f1"}))
		sweepOnce(t, b, &logs)
		advance(time.Minute)
		w, ok, err := b.RecentWrite("k")
		mustOK(t, err)
		if !ok || (w.Ago-time.Minute).Abs() > skewTolerance {
			t.Fatalf("B found A's write of a minute ago: %v, %s ago", ok, w.Ago)
		}
		advance(RecentWriteWindow - time.Minute - skewTolerance)
		if _, ok, err := b.RecentWrite("k"); err != nil || !ok {
			t.Fatalf("B forgot A's write within the window (err %v)", err)
		}
		advance(2 * skewTolerance)
		if _, ok, err := b.RecentWrite("k"); err != nil || ok {
			t.Fatalf("B still found A's write %s later (err %v)", RecentWriteWindow+skewTolerance, err)
		}
	})
}

// sweepOnce runs st's SweepEvery until logs, its logger's, say it swept.
func sweepOnce(t *testing.T, st *testStore, logs *syncbuf.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = st.testBackend.(*Postgres).SweepEvery(ctx, time.Millisecond)
	}()
	for !strings.Contains(logs.String(), `"msg":"store swept"`) {
		select {
		case <-t.Context().Done():
			t.Fatal("no sweep")
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
}

// TestPostgres_AGoneReplicasWorkIsTakenAfterTheGraceWhateverTheReplicasClocks:
// A's session ends without a Close (killed, or cut off) while it holds
// a lock and a flow; B leaves both to A for AdoptGrace from A's last
// look, as long for both, and adopts the flow after (the lock stays A's
// longer: TestPostgres_AWriteMayBeOnItsWayForAsLongWhateverTheReplicasClocks).
// Before, B ahead took both at once, and B behind did not adopt the
// flow for 16 min more.
func TestPostgres_AGoneReplicasWorkIsTakenAfterTheGraceWhateverTheReplicasClocks(t *testing.T) {
	t.Parallel()
	eachSkew(t, func(t *testing.T, skew time.Duration) {
		a, b, advance := skewedReplicas(t, skew)
		_, _, err := a.CreateFlow(billFlow("f1", 7))
		mustOK(t, err)
		if _, err := a.Lock(t.Context(), "ticket/7"); err != nil {
			t.Fatal(err)
		}
		endSession(t, a)
		orphaned, err := b.OrphanedFlows()
		mustOK(t, err)
		if _, ok, err := b.AdoptFlow("f1"); err != nil || ok || len(orphaned) != 0 {
			t.Fatalf("B adopted (%v, err %v) or listed %d orphaned flows of A only just gone, want none", ok, err, len(orphaned))
		}
		if !waitsFor(t, b, "ticket/7") {
			t.Fatal("B took the lock of A only just gone")
		}
		advance(AdoptGrace + skewTolerance)
		if _, ok, err := b.AdoptFlow("f1"); err != nil || !ok {
			t.Fatalf("B did not adopt the flow of A gone for %s (err %v)", AdoptGrace+skewTolerance, err)
		}
	})
}

// TestPostgres_AWriteMayBeOnItsWayForAsLongWhateverTheReplicasClocks: A
// records a claim and a step's write as begun under a ticket's lock, and
// its session ends without a Close (cut off, its writes on their way to
// Syncro). Past AdoptGrace, B reads the claim as in progress and leaves
// the flow and the lock while the writes may still land (WithWorkTimeout
// plus AdoptGrace from their start), as long for both; after that B
// takes them. Before, B ahead read all three as left, and B behind
// waited 16 min more.
func TestPostgres_AWriteMayBeOnItsWayForAsLongWhateverTheReplicasClocks(t *testing.T) {
	t.Parallel()
	const work = time.Minute
	eachSkew(t, func(t *testing.T, skew time.Duration) {
		a, b, advance := skewedReplicas(t, skew, WithWorkTimeout(work))
		_, _, err := a.CreateFlow(billFlow("f1", 7))
		mustOK(t, err)
		mustClaim(t, a, "k", "", ClaimAcquired)
		if _, err := a.Lock(t.Context(), "ticket/7"); err != nil {
			t.Fatal(err)
		}
		_, err = a.PrepareStep("f1", "add_line_item", json.RawMessage(`{}`))
		mustOK(t, err)
		endSession(t, a)
		advance(AdoptGrace + skewTolerance)
		mustClaim(t, b, "k", "", ClaimInProgress)
		if !waitsFor(t, b, "ticket/7") {
			t.Fatal("B took the lock of A, whose work under it may still be writing")
		}
		if _, ok, err := b.AdoptFlow("f1"); err != nil || ok {
			t.Fatalf("B adopted (%v, err %v) the flow whose write A, gone for %s, may still be sending", ok, err, AdoptGrace)
		}
		advance(work)
		mustClaim(t, b, "k", "", ClaimUnknown)
		if _, ok, err := b.AdoptFlow("f1"); err != nil || !ok {
			t.Fatalf("B did not adopt the flow of A gone for %s (err %v)", work+AdoptGrace+skewTolerance, err)
		}
		if !takes(t, b, "ticket/7") {
			t.Fatalf("B did not take the lock of A gone for %s", work+AdoptGrace+skewTolerance)
		}
	})
}
