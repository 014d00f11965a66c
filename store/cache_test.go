package store

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestFlag_RoundTripsAndSurvivesReopen(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t)
	if _, ok, err := ts.Flag("time-logging-path"); err != nil || ok {
		t.Fatalf("Flag before SetFlag = %v, %v", ok, err)
	}
	mustOK(t, ts.SetFlag("time-logging-path", "timer_entry"))
	ts.clk.Advance(365 * 24 * time.Hour)
	ts.reopen()
	if v, ok, err := ts.Flag("time-logging-path"); err != nil || !ok || v != "timer_entry" {
		t.Fatalf("Flag after a year and a reopen = %q, %v, %v", v, ok, err)
	}
	if err := ts.SetFlag("", "x"); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetFlag with empty name = %v, want ErrInvalid", err)
	}
}

func TestCache_ExpiresAfterTTL(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t)
	type syncroUser struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	mustOK(t, ts.PutCache("slack-user:U1", syncroUser{ID: 77, Name: "Ann"}, time.Hour))
	mustOK(t, ts.PutCache("slack-user:U2", syncroUser{ID: 78}, 3*time.Hour))

	var u syncroUser
	if ok, err := ts.GetCache("slack-user:U1", &u); err != nil || !ok || u.ID != 77 || u.Name != "Ann" {
		t.Fatalf("GetCache = %+v, %v, %v", u, ok, err)
	}
	ts.clk.Advance(time.Hour)
	if ok, err := ts.GetCache("slack-user:U1", &u); err != nil || ok {
		t.Fatalf("GetCache after TTL = %v, %v; want absent", ok, err)
	}
	n, err := ts.Sweep(ts.clk.Now())
	if err != nil || n.Cache != 1 {
		t.Fatalf("Sweep = %+v, %v; want 1 cache entry", n, err)
	}
	if ok, err := ts.GetCache("slack-user:U2", &u); err != nil || !ok || u.ID != 78 {
		t.Fatalf("GetCache(U2) = %+v, %v, %v; want the unexpired entry", u, ok, err)
	}
	mustOK(t, ts.DeleteCache("slack-user:U2"))
	if ok, _ := ts.GetCache("slack-user:U2", &u); ok {
		t.Error("GetCache after DeleteCache found the entry")
	}
	if err := ts.PutCache("k", 1, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("PutCache with ttl 0 = %v, want ErrInvalid", err)
	}
}

// TestSweepEvery_SweepsOnEachTickUntilCancelled runs the background sweeper
// in a synctest bubble, so an hour passes without waiting for it.
func TestSweepEvery_SweepsOnEachTickUntilCancelled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s, err := Open(t.TempDir()) // time.Now is the bubble's fake clock
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		mustOK(t, s.PutCache("k", 1, time.Minute))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.SweepEvery(ctx, time.Hour) }()

		time.Sleep(time.Hour + time.Second)
		synctest.Wait()
		var left int
		mustOK(t, s.db.View(func(tx *bolt.Tx) error { left = tx.Bucket(bucketCache).Stats().KeyN; return nil }))
		if left != 0 {
			t.Errorf("%d cache entries left after a tick, want 0", left)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("SweepEvery returned %v, want context.Canceled", err)
		}
		if err := s.SweepEvery(t.Context(), 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("SweepEvery(0) = %v, want ErrInvalid", err)
		}
	})
}
