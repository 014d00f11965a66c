package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Locks serializes work on one record (a ticket's flows) across every
// process sharing the store: within one process for bbolt, which one
// process holds, and across replicas for PostgreSQL.
type Locks interface {
	// Lock blocks until the caller holds name, or ctx ends, and returns
	// the unlock.
	Lock(ctx context.Context, name string) (unlock func(), err error)
}

var (
	_ Locks = (*Store)(nil)
	_ Locks = (*Postgres)(nil)
)

// LockLease is how long a PostgreSQL lock whose replica is alive may be
// held before another takes it over: above WORK_TIMEOUT's 10 min ceiling,
// so only a holder that lost its unlock (a failed delete) reaches it.
const LockLease = 15 * time.Minute

// localLocks are named locks within one process.
type localLocks struct {
	mu   sync.Mutex
	held map[string]chan struct{} // closed when the lock is let go
}

// lock is Locks.Lock within this process.
func (l *localLocks) lock(ctx context.Context, name string) (func(), error) {
	for {
		l.mu.Lock()
		if l.held == nil {
			l.held = map[string]chan struct{}{}
		}
		freed, busy := l.held[name]
		if !busy {
			ch := make(chan struct{})
			l.held[name] = ch
			l.mu.Unlock()
			return func() {
				l.mu.Lock()
				delete(l.held, name)
				l.mu.Unlock()
				close(ch)
			}, nil
		}
		l.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %s: %w", name, ctx.Err())
		}
	}
}

// Lock implements Locks: the bbolt file is one process's, so a lock in
// memory serializes everyone who shares it.
func (s *Store) Lock(ctx context.Context, name string) (func(), error) {
	return s.locks.lock(ctx, name)
}
