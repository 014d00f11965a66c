package store

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
)

// A host's clock stepped while its replica runs (NTP setting it right at
// once, or an operator), before the replica measured its skew again
// (postgres_clock.go): what it records or compares meanwhile must keep
// the database's time all the same.

// clockStep is the step: past the lock's lease and the recent-write
// window, as in hostSkews.
const clockStep = 16 * time.Minute

// steppingReplicas opens A and B on one fresh schema, their hosts'
// clocks agreeing; step(d) steps B's host's clock by d (its store's clock
// and the one measured against the database's both), as NTP stepping it
// does, and advance makes time pass for both alike.
func steppingReplicas(t *testing.T) (a, b *testStore, step, advance func(time.Duration)) {
	t.Helper()
	open := postgresBackend(t)
	ca, cb := fakeclock.New(testStart), fakeclock.New(testStart)
	a = &testStore{t: t, clk: ca, open: open, opts: []Option{WithClock(ca.Now)}}
	a.reopen()
	var off atomic.Int64
	host := func() time.Time { return time.Now().Add(time.Duration(off.Load())) }
	b = &testStore{t: t, clk: cb, open: open, opts: []Option{WithClock(cb.Now), WithHostClock(host)}}
	b.reopen()
	step = func(d time.Duration) { off.Add(int64(d)); cb.Advance(d) }
	return a, b, step, func(d time.Duration) { ca.Advance(d); cb.Advance(d) }
}

// TestPostgres_AWriteRecordedJustAfterTheHostsClockSteppedBackCountsForItsWindow:
// B's host's clock is stepped back 16 min, and B remembers a write
// before its next look at the database's clock. A, a minute later, must
// find it a minute old. Before, B wrote it with its stepped clock: A read
// it as 17 min old, past RecentWriteWindow, and a retype on A wrote it
// again; the record keeps that time after B measures again.
func TestPostgres_AWriteRecordedJustAfterTheHostsClockSteppedBackCountsForItsWindow(t *testing.T) {
	t.Parallel()
	a, b, step, advance := steppingReplicas(t)
	step(-clockStep)
	mustOK(t, b.RememberWrite("k", RecentWrite{Ticket: 7, Flow: "f1"}))
	advance(time.Minute)
	w, ok, err := a.RecentWrite("k")
	mustOK(t, err)
	if !ok || (w.Ago-time.Minute).Abs() > skewTolerance {
		t.Fatalf("A found B's write of a minute ago: %v, %s ago", ok, w.Ago)
	}
}

// TestPostgres_ALockHoldsForItsLeaseWhenTheOtherHostsClockStepsAhead:
// A holds a ticket's lock; B's host's clock is stepped 16 min ahead and
// B asks for the lock before its next look at the database's clock: it
// must wait. Before, B read A's lock as 16 min old, past LockLease, and
// took it: two writers on one ticket.
func TestPostgres_ALockHoldsForItsLeaseWhenTheOtherHostsClockStepsAhead(t *testing.T) {
	t.Parallel()
	a, b, step, _ := steppingReplicas(t)
	if _, err := a.Lock(t.Context(), "ticket/7"); err != nil {
		t.Fatal(err)
	}
	step(clockStep)
	if !waitsFor(t, b, "ticket/7") {
		t.Fatal("B, its host's clock just stepped 16 min ahead, took the lock A holds")
	}
}
