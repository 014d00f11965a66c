package syncro

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The throttle hands out the rate limiter's requests fairly. Syncro's
// budget is one per IP for everything the MSP runs (docs/syncro-api.md §2),
// so one person's burst must not make everyone else wait behind it, and
// background work (the watcher's poll, the mirror's warm-up and resync,
// flows resumed at start) must not delay people, nor be starved by them.
//
// Requests that find the limiter free and nobody waiting go at once. The
// others wait in a queue per requester (WithRequester); each time the
// limiter allows a request, it goes to the next requester in turn (round
// robin, FIFO within a requester), and to background work only when no
// person waits or when backgroundShare requests have gone to people since
// background work started waiting. Every request still takes a token of
// the one limiter (newLimiter), so its headroom is kept: no 60 s window
// holds more than the limit.

// backgroundShare bounds how long background work waits while people's
// commands keep the limiter busy: at least one request in backgroundShare
// is background work's, as long as some waits. At 176 requests a minute
// that is one every 7 s, well inside a watcher poll interval, and costs
// people 5 % of the budget only while background work is queued.
const backgroundShare = 20

// requesterKey carries who a Syncro call is made for.
type requesterKey struct{}

// WithRequester returns a context whose Syncro calls are made for
// requester (a Slack user id, say): while the rate limit makes calls wait,
// requesters are served in turn, and before calls made for nobody
// (background work). An empty requester is background work.
func WithRequester(ctx context.Context, requester string) context.Context {
	return context.WithValue(ctx, requesterKey{}, requester)
}

// Requester is who ctx's Syncro calls are made for; "" for background work.
func Requester(ctx context.Context) string {
	r, _ := ctx.Value(requesterKey{}).(string)
	return r
}

// scheduler is the throttle: one rate limiter and the requests waiting
// for it. Its dispatcher goroutine runs only while requests wait.
type scheduler struct {
	lim *rate.Limiter
	// share is backgroundShare; tests set their own.
	share int

	mu      sync.Mutex
	waiting int
	// people are the requesters with requests waiting, by requester; order
	// is the same lanes in the order they are served.
	people map[string]*lane
	order  []*lane
	// background is the requests made for nobody, FIFO.
	background []*waiter
	// passed counts requests granted to people since background work
	// was last served, while some waited.
	passed int
	// running is true while the dispatcher goroutine runs.
	running bool
	// wake tells the dispatcher that every waiter has left, so it stops
	// waiting for a token nobody wants.
	wake chan struct{}
}

// lane is one requester's waiting requests, FIFO.
type lane struct {
	requester string
	waiters   []*waiter
}

// waiter is one request waiting for the limiter.
type waiter struct {
	ready   chan struct{} // closed when granted
	granted bool
	lane    *lane // nil for background work
}

func newScheduler(lim *rate.Limiter) *scheduler {
	return &scheduler{lim: lim, share: backgroundShare, people: map[string]*lane{}, wake: make(chan struct{}, 1)}
}

// wait returns once the request of requester ("" for background work) may
// be sent, or with ctx's error when ctx ends first; a request that gave up
// takes no turn from the others.
func (s *scheduler) wait(ctx context.Context, requester string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.waiting == 0 && s.lim.Allow() {
		s.mu.Unlock()
		return nil
	}
	// Refused up front, as rate.Limiter.Wait does, when even the next
	// token comes after the deadline: the caller learns at once.
	if dl, ok := ctx.Deadline(); ok && time.Now().Add(s.nextToken()).After(dl) {
		s.mu.Unlock()
		return fmt.Errorf("%w: the rate limit allows the next request only after the deadline", context.DeadlineExceeded)
	}
	w := s.enqueueLocked(requester)
	if !s.running {
		s.running = true
		go s.dispatch()
	}
	s.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !w.granted {
		s.removeLocked(w)
	}
	// Granted just as ctx ended: the token is spent, but the request is
	// not sent on a context that has ended.
	return ctx.Err()
}

// nextToken is how long until the limiter has a token for anyone.
func (s *scheduler) nextToken() time.Duration {
	tokens := s.lim.Tokens()
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(s.lim.Limit()) * float64(time.Second))
}

// enqueueLocked puts a new waiter at the back of requester's queue, and a
// requester with nothing waiting at the back of the round.
func (s *scheduler) enqueueLocked(requester string) *waiter {
	w := &waiter{ready: make(chan struct{})}
	s.waiting++
	if requester == "" {
		s.background = append(s.background, w)
		return w
	}
	l, ok := s.people[requester]
	if !ok {
		l = &lane{requester: requester}
		s.people[requester] = l
		s.order = append(s.order, l)
	}
	w.lane = l
	l.waiters = append(l.waiters, w)
	return w
}

// removeLocked takes w, which gave up before its turn, out of its queue.
func (s *scheduler) removeLocked(w *waiter) {
	s.waiting--
	if w.lane == nil {
		s.background = deleteWaiter(s.background, w)
		if len(s.background) == 0 {
			s.passed = 0
		}
	} else if l := w.lane; len(l.waiters) > 0 {
		l.waiters = deleteWaiter(l.waiters, w)
		if len(l.waiters) == 0 {
			s.dropLaneLocked(l)
		}
	}
	if s.waiting == 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// dropLaneLocked forgets l, which has nothing waiting.
func (s *scheduler) dropLaneLocked(l *lane) {
	delete(s.people, l.requester)
	for i, o := range s.order {
		if o == l {
			s.order = append(s.order[:i:i], s.order[i+1:]...)
			return
		}
	}
}

// deleteWaiter removes w from ws, keeping the order.
func deleteWaiter(ws []*waiter, w *waiter) []*waiter {
	for i, o := range ws {
		if o == w {
			return append(ws[:i:i], ws[i+1:]...)
		}
	}
	return ws
}

// nextLocked picks the waiter the next token goes to and takes it out of
// its queue: background work when no person waits or its share is due,
// else the head of the next requester's queue, whose lane then goes to
// the back of the round. nil when nobody waits.
func (s *scheduler) nextLocked() *waiter {
	if len(s.background) > 0 && (len(s.order) == 0 || s.passed >= s.share-1) {
		w := s.background[0]
		s.background[0] = nil
		s.background = s.background[1:]
		s.passed = 0
		s.waiting--
		return w
	}
	if len(s.order) == 0 {
		return nil
	}
	l := s.order[0]
	s.order[0] = nil
	s.order = s.order[1:]
	w := l.waiters[0]
	l.waiters[0] = nil
	l.waiters = l.waiters[1:]
	if len(l.waiters) > 0 {
		s.order = append(s.order, l)
	} else {
		delete(s.people, l.requester)
	}
	if len(s.background) > 0 {
		s.passed++
	}
	s.waiting--
	return w
}

// dispatch hands the limiter's tokens to waiters, one at a time, until
// nobody waits. A token is reserved before it is known who gets it, so a
// person who starts waiting meanwhile is served before background work
// that waited longer; a token nobody is left to take is given back.
func (s *scheduler) dispatch() {
	for {
		r := s.lim.Reserve()
		if d := r.Delay(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-s.wake:
				t.Stop()
				r.Cancel()
				if s.stopIfIdle() {
					return
				}
				continue
			}
		}
		s.mu.Lock()
		w := s.nextLocked()
		if w == nil {
			r.Cancel()
			s.running = false
			s.mu.Unlock()
			return
		}
		w.granted = true
		close(w.ready)
		// A timer fires late on a busy machine: the tokens that came
		// meanwhile go out now, in the same order, not one per wake-up.
		for s.waiting > 0 && s.lim.Allow() {
			w := s.nextLocked()
			w.granted = true
			close(w.ready)
		}
		s.mu.Unlock()
		if s.stopIfIdle() {
			return
		}
	}
}

// stopIfIdle ends the dispatcher's run when nobody waits.
func (s *scheduler) stopIfIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiting > 0 {
		return false
	}
	s.running = false
	return true
}
