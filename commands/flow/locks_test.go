package flow

import (
	"context"
	"errors"
	"testing"

	"github.com/syncrobot/syncrobot/store"
)

// TestLocks_SharedHoldsAcrossProcesses: two processes' Locks (two
// replicas' ticket features) on one store hold a ticket's lock one at a
// time: the second waits for the first, and gives up when its work's
// context ends.
func TestLocks_SharedHoldsAcrossProcesses(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, b := &Locks{Shared: st}, &Locks{Shared: st}
	unlock, err := a.LockContext(t.Context(), "32150")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	waited := make(chan error, 1)
	go func() {
		u, err := b.LockContext(ctx, "32150")
		if err == nil {
			u()
		}
		waited <- err
	}()
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Fatalf("the other process's lock while the first holds it = %v, want to wait until its context ended", err)
	}
	got := make(chan error, 1)
	go func() {
		u, err := b.LockContext(t.Context(), "32150")
		if err == nil {
			u()
		}
		got <- err
	}()
	unlock()
	if err := <-got; err != nil {
		t.Fatalf("the other process's lock after the first let go: %v", err)
	}
}
