package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func testLock_OneHolderAtATimeAndContextEndsTheWait(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	unlock, err := ts.Lock(t.Context(), "ticket/7")
	if err != nil {
		t.Fatal(err)
	}
	// Another name is free.
	other, err := ts.Lock(t.Context(), "ticket/8")
	if err != nil {
		t.Fatal(err)
	}
	other()
	// The same name waits; a caller that gives up gets its context's
	// error.
	ctx, cancel := context.WithCancel(t.Context())
	waited := make(chan error, 1)
	go func() {
		_, err := ts.Lock(ctx, "ticket/7")
		waited <- err
	}()
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock of a held name after its context ended = %v, want context.Canceled", err)
	}
	got := make(chan func(), 1)
	go func() {
		u, err := ts.Lock(t.Context(), "ticket/7")
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	unlock()
	(<-got)()
}

func TestPostgres_ALockOfAReplicaThatDiesIsTakenOver(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	if _, err := a.Lock(t.Context(), "ticket/7"); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		unlock, err := b.Lock(t.Context(), "ticket/7")
		if err == nil {
			unlock()
		}
		got <- err
	}()
	mustOK(t, a.Close()) // A dies holding the lock
	if err := <-got; err != nil {
		t.Fatalf("B's Lock after A died: %v", err)
	}
}

// TestPostgres_LockHandOversBetweenReplicasNeverFail: replicas lock and
// let go of one name over and over; each Lock either waits or takes it,
// and only one holds it at a time, also when it is let go while another
// looks at it.
func TestPostgres_LockHandOversBetweenReplicasNeverFail(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	var (
		holders atomic.Int32
		wg      sync.WaitGroup
	)
	for i := range 6 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() {
			for range 20 {
				unlock, err := st.Lock(t.Context(), "ticket/7")
				if err != nil {
					t.Error(err)
					return
				}
				if n := holders.Add(1); n != 1 {
					t.Errorf("%d holders at once", n)
				}
				holders.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
}
