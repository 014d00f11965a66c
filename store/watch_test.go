package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCursor_RoundTripsAndSurvivesReopen(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t)
	if _, ok, err := ts.Cursor("closed-tickets"); err != nil || ok {
		t.Fatalf("Cursor before SetCursor = %v, %v; want not found", ok, err)
	}
	at := time.Date(2026, 3, 1, 17, 4, 5, 123456789, time.FixedZone("EST", -5*3600))
	if err := ts.SetCursor("closed-tickets", at); err != nil {
		t.Fatal(err)
	}
	ts.reopen()
	got, ok, err := ts.Cursor("closed-tickets")
	if err != nil || !ok || !got.Equal(at) {
		t.Fatalf("Cursor after reopen = %v, %v, %v; want %v", got, ok, err, at)
	}
}

func TestMarkAnnounced_ConcurrentCallersExactlyOneFirst(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t)
	const callers = 50
	var (
		firsts atomic.Int32
		wg     sync.WaitGroup
		start  = make(chan struct{})
	)
	for i := range callers {
		wg.Go(func() {
			<-start
			// The bot-closed path and the watcher see different updated_at.
			first, err := ts.MarkAnnounced(4242, ts.clk.Now().Add(time.Duration(i)*time.Second))
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Fatalf("%d callers were told they were first, want 1", n)
	}
	if ok, err := ts.WasAnnounced(4242); err != nil || !ok {
		t.Errorf("WasAnnounced = %v, %v; want true", ok, err)
	}
	if ok, err := ts.WasAnnounced(4243); err != nil || ok {
		t.Errorf("WasAnnounced(other) = %v, %v; want false", ok, err)
	}
}

func TestMarkAnnounced_ExpiresAfterRetention(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t)
	if first, err := ts.MarkAnnounced(1, ts.clk.Now()); err != nil || !first {
		t.Fatalf("MarkAnnounced = %v, %v", first, err)
	}
	ts.clk.Advance(AnnouncedRetention - time.Hour)
	if _, err := ts.MarkAnnounced(2, ts.clk.Now()); err != nil {
		t.Fatal(err)
	}
	ts.clk.Advance(2 * time.Hour)
	ts.reopen() // Open sweeps
	for _, c := range []struct {
		ticket int64
		want   bool
	}{{1, false}, {2, true}} {
		if ok, err := ts.WasAnnounced(c.ticket); err != nil || ok != c.want {
			t.Errorf("WasAnnounced(%d) = %v, %v; want %v", c.ticket, ok, err, c.want)
		}
	}
	if first, err := ts.MarkAnnounced(2, ts.clk.Now()); err != nil || first {
		t.Errorf("MarkAnnounced(2) again after reopen = %v, %v; want not first", first, err)
	}
}

// seen is what MarkSeenClosed told the watcher.
type seen struct{ first, closing bool }

func (ts *testStore) seenClosed(ticket int64) seen {
	ts.t.Helper()
	first, closing, err := ts.MarkSeenClosed(ticket, ts.clk.Now())
	if err != nil {
		ts.t.Fatalf("MarkSeenClosed(%d): %v", ticket, err)
	}
	return seen{first, closing}
}

// A ticket the bot is closing is left to the bot by the watcher until the
// bot announces it; then nobody announces it again.
func TestMarkClosing_WatcherYieldsUntilTheFlowAnnounces(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t)
	if err := ts.MarkClosing(7, "flow-a"); err != nil {
		t.Fatal(err)
	}
	if got := ts.seenClosed(7); got != (seen{closing: true}) {
		t.Fatalf("watcher on a ticket being closed = %+v, want closing", got)
	}
	if ok, err := ts.WasAnnounced(7); err != nil || ok {
		t.Fatalf("WasAnnounced while closing = %v, %v; want false", ok, err)
	}
	if first, err := ts.MarkAnnounced(7, ts.clk.Now()); err != nil || !first {
		t.Fatalf("the flow's MarkAnnounced = %v, %v; want first", first, err)
	}
	if got := ts.seenClosed(7); got != (seen{}) {
		t.Errorf("watcher after the flow announced = %+v, want neither first nor closing", got)
	}
	if err := ts.MarkClosing(7, "flow-b"); err != nil {
		t.Fatal(err)
	}
	if got := ts.seenClosed(7); got.closing {
		t.Error("an announced ticket took a closing mark")
	}
}

// A flow that ends without its status write clears its mark; another
// flow's clear leaves it.
func TestClearClosing_OnlyTheMarkingFlowClears(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t)
	if err := ts.MarkClosing(8, "flow-a"); err != nil {
		t.Fatal(err)
	}
	if err := ts.ClearClosing(8, "flow-b"); err != nil {
		t.Fatal(err)
	}
	if got := ts.seenClosed(8); !got.closing {
		t.Fatalf("after another flow's clear = %+v, want still closing", got)
	}
	if err := ts.ClearClosing(8, "flow-a"); err != nil {
		t.Fatal(err)
	}
	if got := ts.seenClosed(8); got != (seen{first: true}) {
		t.Errorf("after the flow's clear = %+v, want the watcher first", got)
	}
	if err := ts.ClearClosing(9, "flow-a"); err != nil {
		t.Errorf("clearing an unmarked ticket: %v", err)
	}
}

// A crash between the mark and the status write leaves the mark on disk;
// the next Open drops it, so the watcher announces the ticket.
func TestMarkClosing_ACrashLeftoverIsDroppedAtOpen(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t)
	if err := ts.MarkClosing(9, "flow-a"); err != nil {
		t.Fatal(err)
	}
	ts.reopen()
	if got := ts.seenClosed(9); got != (seen{first: true}) {
		t.Errorf("after reopen = %+v, want the watcher first", got)
	}
	if err := ts.MarkClosing(10, ""); err == nil {
		t.Error("MarkClosing without a flow succeeded")
	}
}
