package account

import (
	"context"
	"sync"
	"time"
)

// readTimeout bounds one shared read: it runs detached from the context
// of the caller who started it, so the others waiting on it do not fail
// when that one gives up.
const readTimeout = 2 * time.Minute

// kept is the last answer of one rarely changing read (the account's
// settings, its ticket statuses, its users), and the read in flight, if
// any, which every caller that needs a fresh answer meanwhile shares.
type kept[T any] struct {
	read func(context.Context) (T, error)

	mu     sync.Mutex
	v      T
	have   bool
	flight *flight[T]
}

// flight is one read in progress; done is closed once v and err are set.
type flight[T any] struct {
	done chan struct{}
	v    T
	err  error
	// callers counts who waits on it, for the tests.
	callers int
}

func newKept[T any](read func(context.Context) (T, error)) *kept[T] {
	return &kept[T]{read: read}
}

// get is the kept answer when there is one and accept (nil accepts
// anything) takes it, else that of a fresh read.
func (k *kept[T]) get(ctx context.Context, accept func(T) bool) (T, error) {
	k.mu.Lock()
	if k.have && (accept == nil || accept(k.v)) {
		v := k.v
		k.mu.Unlock()
		return v, nil
	}
	k.mu.Unlock()
	return k.fresh(ctx)
}

// last is the kept answer without reading; ok is false before the first
// successful read.
func (k *kept[T]) last() (v T, ok bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.v, k.have
}

// fresh reads again, sharing a read already in flight; a successful
// answer is kept, a failed one leaves the last answer in place.
func (k *kept[T]) fresh(ctx context.Context) (T, error) {
	k.mu.Lock()
	f := k.flight
	if f == nil {
		f = &flight[T]{done: make(chan struct{})}
		k.flight = f
		go k.run(context.WithoutCancel(ctx), f)
	}
	f.callers++
	k.mu.Unlock()
	select {
	case <-f.done:
		return f.v, f.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (k *kept[T]) run(ctx context.Context, f *flight[T]) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	f.v, f.err = k.read(ctx)
	k.mu.Lock()
	k.flight = nil
	if f.err == nil {
		k.v, k.have = f.v, true
	}
	k.mu.Unlock()
	close(f.done)
}
