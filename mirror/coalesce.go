package mirror

import (
	"context"
	"sync"
	"time"
)

// flightTimeout bounds one shared read: it runs detached from the
// context of whoever started it (the others waiting on it must not fail
// because the first one gave up), and a command's work gets 2 minutes.
const flightTimeout = 2 * time.Minute

// sweepAbove is how many kept answers a coalescer holds before it drops
// the expired ones: enough for a burst of commands, small at idle.
const sweepAbove = 64

// sharedWaitKey carries the hook WithSharedWait sets.
type sharedWaitKey struct{}

// WithSharedWait returns a context whose reads, when they wait for a read
// another caller started, call park first and the func it returns once
// the answer is there. The bot gives a command's work slot back meanwhile:
// such a wait costs Syncro nothing, so a standup's 200 readers of 20
// tickets hold 20 slots, not 200.
func WithSharedWait(ctx context.Context, park func() (resume func())) context.Context {
	return context.WithValue(ctx, sharedWaitKey{}, park)
}

// coalescer runs one read per key at a time and shares its answer with
// every caller that asked meanwhile (singleflight), then keeps it for a
// few seconds. An answer is only shared and kept within one generation of
// the bot's writes: a read that started before a write never answers a
// caller who asked after it. The zero value is ready to use.
type coalescer[K comparable, V any] struct {
	mu      sync.Mutex
	kept    map[K]kept[V]
	flights map[K]*flight[V]
}

type kept[V any] struct {
	v   V
	at  time.Time // when the read that got v started
	gen uint64
}

type flight[V any] struct {
	done chan struct{}
	gen  uint64
	v    V
	err  error
}

// get returns key's answer: a kept one read in generation gen less than
// ttl before now that fresh accepts, else that of a read of key in flight
// in generation gen, else that of a new read, fetch. A caller whose ctx
// ends stops waiting; the read goes on for the others.
func (c *coalescer[K, V]) get(ctx context.Context, key K, gen uint64, now time.Time, ttl time.Duration,
	fresh func(V) bool, fetch func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	if k, ok := c.kept[key]; ok && k.gen == gen && now.Sub(k.at) < ttl && (fresh == nil || fresh(k.v)) {
		c.mu.Unlock()
		return k.v, nil
	}
	f, ok := c.flights[key]
	joined := ok && f.gen == gen
	if !joined {
		f = &flight[V]{done: make(chan struct{}), gen: gen}
		if c.flights == nil {
			c.flights = map[K]*flight[V]{}
		}
		c.flights[key] = f
		go c.run(context.WithoutCancel(ctx), key, f, now, ttl, fetch)
	}
	c.mu.Unlock()
	if park, ok := ctx.Value(sharedWaitKey{}).(func() func()); ok && joined {
		defer park()()
	}
	select {
	case <-f.done:
		return f.v, f.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// run does one shared read and keeps a successful answer (when ttl > 0).
func (c *coalescer[K, V]) run(ctx context.Context, key K, f *flight[V], started time.Time, ttl time.Duration, fetch func(context.Context) (V, error)) {
	ctx, cancel := context.WithTimeout(ctx, flightTimeout)
	defer cancel()
	f.v, f.err = fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	if f.err == nil && ttl > 0 {
		if c.kept == nil {
			c.kept = map[K]kept[V]{}
		}
		if len(c.kept) >= sweepAbove {
			for k, v := range c.kept {
				if started.Sub(v.at) >= ttl {
					delete(c.kept, k)
				}
			}
		}
		// A read of an older generation that ends late keeps nothing over
		// a newer one's answer.
		if cur, ok := c.kept[key]; !ok || cur.gen <= f.gen {
			c.kept[key] = kept[V]{v: f.v, at: started, gen: f.gen}
		}
	}
	close(f.done)
}
