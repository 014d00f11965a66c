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
