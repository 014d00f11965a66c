package store

import (
	"testing"
	"time"
)

// TestRecentWrite_RememberedForTheWindowAcrossARestart: a completed write
// is found under its key with how long ago it was, after a restart too,
// until RecentWriteWindow has passed on the store's clock; then it is
// forgotten, and the sweep removes it.
func testRecentWrite_RememberedForTheWindowAcrossARestart(t *testing.T, open backend) {
	t.Parallel()
	s := newTestStore(t, open)
	key := Key("retype", "U0DANA", "32150", "Rebooted the router.")
	if _, ok, err := s.RecentWrite(key); err != nil || ok {
		t.Fatalf("RecentWrite before any = %v, %v; want none", ok, err)
	}
	if err := s.RememberWrite(key, RecentWrite{Ticket: 32150, Flow: "f1"}); err != nil {
		t.Fatal(err)
	}
	s.clk.Advance(2 * time.Minute)
	s.reopen()
	w, ok, err := s.RecentWrite(key)
	if err != nil || !ok || w.Ticket != 32150 || w.Flow != "f1" || w.Ago != 2*time.Minute || !w.At.Equal(testStart) {
		t.Fatalf("RecentWrite after 2 min = %+v, %v, %v", w, ok, err)
	}
	if _, ok, _ := s.RecentWrite(Key("retype", "U0MARCUS", "32150", "Rebooted the router.")); ok {
		t.Error("another key found the write")
	}
	s.clk.Advance(RecentWriteWindow - 2*time.Minute - time.Second)
	if _, ok, _ := s.RecentWrite(key); !ok {
		t.Error("forgotten a second before the window ended")
	}
	if n, err := s.Sweep(s.clk.Now()); err != nil || n.Recent != 0 {
		t.Errorf("sweep inside the window = %+v, %v; want nothing swept", n, err)
	}
	s.clk.Advance(time.Second)
	if w, ok, _ := s.RecentWrite(key); ok {
		t.Errorf("still remembered when the window ended: %+v", w)
	}
	if n, err := s.Sweep(s.clk.Now()); err != nil || n.Recent != 1 {
		t.Errorf("sweep after the window = %+v, %v; want 1 recent write swept", n, err)
	}
}

// TestRecentWrite_ALaterWriteRestartsTheWindow: the same write completed
// again is remembered from the second time.
func testRecentWrite_ALaterWriteRestartsTheWindow(t *testing.T, open backend) {
	t.Parallel()
	s := newTestStore(t, open)
	key := Key("retype", "x")
	for range 2 {
		if err := s.RememberWrite(key, RecentWrite{Ticket: 1}); err != nil {
			t.Fatal(err)
		}
		s.clk.Advance(RecentWriteWindow - time.Minute)
	}
	if w, ok, _ := s.RecentWrite(key); !ok || w.Ago != RecentWriteWindow-time.Minute {
		t.Errorf("RecentWrite = %+v, %v; want the second write's", w, ok)
	}
	if err := s.RememberWrite("", RecentWrite{}); err == nil {
		t.Error("RememberWrite with an empty key succeeded")
	}
}
