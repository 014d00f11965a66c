package store

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestSweepEvery_SweepsOnEachTickUntilCancelled runs the background sweeper
// in a synctest bubble, so a month passes without waiting for it.
func TestSweepEvery_SweepsOnEachTickUntilCancelled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s, err := Open(t.TempDir()) // time.Now is the bubble's fake clock
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.MarkAnnounced(1, time.Now()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		const interval = 24 * time.Hour
		go func() { done <- s.SweepEvery(ctx, interval) }()

		time.Sleep(AnnouncedRetention) // the mark is now due, but no tick yet
		synctest.Wait()
		if ok, err := s.WasAnnounced(1); err != nil || !ok {
			t.Fatalf("WasAnnounced before the tick = %v, %v; want still marked", ok, err)
		}
		time.Sleep(interval)
		synctest.Wait()
		if ok, err := s.WasAnnounced(1); err != nil || ok {
			t.Errorf("WasAnnounced after the tick = %v, %v; want swept", ok, err)
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
