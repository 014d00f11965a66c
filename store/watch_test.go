package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testCursor_RoundTripsAndSurvivesReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
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

func testMarkAnnounced_ConcurrentCallersExactlyOneFirst(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
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

func testMarkAnnounced_ExpiresAfterRetention(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
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
func testMarkClosing_WatcherYieldsUntilTheFlowAnnounces(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
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
func testClearClosing_OnlyTheMarkingFlowClears(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
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

// A crash leaves the mark of an unfinished flow on disk: the next Open
// keeps it for the flow's Finish, and drops the marks of finished or gone
// flows; past ClosingMarkTTL the watcher ignores any mark.
func testMarkClosing_OpenKeepsOnlyUnfinishedFlowsMarks(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	for _, f := range []Flow{
		{ID: "flow-open", Kind: FlowClose, Ticket: 1, Steps: []Step{{Name: "status"}}},
		{ID: "flow-done", Kind: FlowClose, Ticket: 2, Steps: []Step{{Name: "status", State: StepDone}}},
	} {
		if _, _, err := ts.CreateFlow(f); err != nil {
			t.Fatal(err)
		}
	}
	for ticket, flow := range map[int64]string{11: "flow-open", 12: "flow-done", 13: "flow-gone"} {
		if err := ts.MarkClosing(ticket, flow); err != nil {
			t.Fatal(err)
		}
	}
	ts.reopen()
	if got := ts.seenClosed(11); got != (seen{closing: true}) {
		t.Errorf("unfinished flow's ticket after reopen = %+v, want closing", got)
	}
	for _, ticket := range []int64{12, 13} {
		if got := ts.seenClosed(ticket); got != (seen{first: true}) {
			t.Errorf("ticket %d after reopen = %+v, want the watcher first", ticket, got)
		}
	}
	ts.clk.Advance(ClosingMarkTTL + time.Second)
	if got := ts.seenClosed(11); got != (seen{first: true}) {
		t.Errorf("after ClosingMarkTTL = %+v, want the watcher first", got)
	}
}

// A crash between the mark and the status write leaves the mark on disk;
// the next Open drops it when its flow is gone, so the watcher announces
// the ticket.
func testMarkClosing_ACrashLeftoverIsDroppedAtOpen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
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

// A bill is announced once, whether or not the ticket's close was
// announced before it, and it counts as the close: the watcher finds the
// ticket announced.
func testMarkBillAnnounced_OncePerBillAlsoAfterTheClose(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if first, err := ts.MarkAnnounced(1, ts.clk.Now()); err != nil || !first {
		t.Fatalf("close of 1 = %v, %v", first, err)
	}
	if err := ts.MarkClosing(2, "flow-bill"); err != nil {
		t.Fatal(err)
	}
	for _, ticket := range []int64{1, 2} {
		for i, want := range []bool{true, false} {
			if first, err := ts.MarkBillAnnounced(ticket, ts.clk.Now()); err != nil || first != want {
				t.Errorf("bill %d of ticket %d = %v, %v; want %v", i+1, ticket, first, err, want)
			}
		}
		if got := ts.seenClosed(ticket); got != (seen{}) {
			t.Errorf("watcher after the bill of %d = %+v, want it announced", ticket, got)
		}
	}
}
