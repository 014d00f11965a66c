package syncro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

// The throttle's tests run in a synctest bubble: time is fake and moves
// only when every goroutine waits, so the order of grants is exact.

// grants records, in order, which waiter the throttle let through and when.
type grants struct {
	mu    sync.Mutex
	names []string
	times []time.Time
}

func (g *grants) add(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.names = append(g.names, name)
	g.times = append(g.times, time.Now())
}

func (g *grants) order() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.names)
}

// queueing starts waiters on s one by one, each queued before the next
// starts (synctest.Wait), and records their grants.
type queueing struct {
	s  *scheduler
	g  grants
	wg sync.WaitGroup
}

// add starts a waiter named name for requester ("" for background work)
// and returns once it waits; its error, if any, goes to errs.
func (q *queueing) add(ctx context.Context, requester, name string, errs chan<- error) {
	q.wg.Go(func() {
		if err := q.s.wait(ctx, requester); err != nil {
			errs <- fmt.Errorf("%s: %w", name, err)
			return
		}
		q.g.add(name)
	})
	synctest.Wait()
}

// busyScheduler is a scheduler at one request a second whose burst is
// spent, so every new request waits.
func busyScheduler(t *testing.T) *scheduler {
	s := newScheduler(rate.NewLimiter(1, 1))
	if !s.lim.Allow() {
		t.Fatal("a new limiter has no burst")
	}
	return s
}

// requesterOf is the requester of the waiter named name: "A" for "A2",
// background work ("") for "bg1".
func requesterOf(name string) string {
	if r := strings.TrimRight(name, "0123456789"); r != "bg" {
		return r
	}
	return ""
}

// queueAll queues, in order, waiters named like "A1" (requester "A"), and
// "bg1" for background work.
func queueAll(t *testing.T, q *queueing, names ...string) {
	t.Helper()
	errs := make(chan error, len(names))
	for _, n := range names {
		q.add(t.Context(), requesterOf(n), n, errs)
	}
	q.wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestThrottle_RequestersAreServedInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := &queueing{s: busyScheduler(t)}
		queueAll(t, q, "A1", "A2", "A3", "B1", "B2", "C1")
		if got, want := q.g.order(), []string{"A1", "B1", "C1", "A2", "B2", "A3"}; !slices.Equal(got, want) {
			t.Errorf("grants = %v, want %v (round robin, FIFO per requester)", got, want)
		}
	})
}

func TestThrottle_PeopleGoBeforeBackgroundWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := &queueing{s: busyScheduler(t)}
		queueAll(t, q, "bg1", "bg2", "A1", "A2", "B1")
		if got, want := q.g.order(), []string{"A1", "B1", "A2", "bg1", "bg2"}; !slices.Equal(got, want) {
			t.Errorf("grants = %v, want %v (people first, background FIFO after)", got, want)
		}
	})
}

func TestThrottle_BackgroundWorkGetsItsShareUnderLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := &queueing{s: busyScheduler(t)}
		names := []string{"bg1", "bg2", "bg3"}
		for i := range 40 {
			names = append(names, fmt.Sprintf("A%d", i+1), fmt.Sprintf("B%d", i+1))
		}
		start := time.Now()
		queueAll(t, q, names...)
		var at []int
		for i, n := range q.g.order() {
			if strings.HasPrefix(n, "bg") {
				at = append(at, i)
			}
		}
		// One grant in backgroundShare is background work's while it waits.
		want := []int{backgroundShare - 1, 2*backgroundShare - 1, 3*backgroundShare - 1}
		if !slices.Equal(at, want) {
			t.Errorf("background work granted at %v of %d, want %v", at, len(names), want)
		}
		// At one a second, the first background request waited 20 s, not 83.
		if waited := q.g.times[at[0]].Sub(start); waited > backgroundShare*time.Second {
			t.Errorf("background work waited %v behind people, want at most %v", waited, backgroundShare*time.Second)
		}
	})
}

func TestThrottle_CancelledWaiterFreesItsTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := &queueing{s: busyScheduler(t)}
		start := time.Now()
		errs := make(chan error, 4)
		ctx, cancel := context.WithCancel(t.Context())
		q.add(ctx, "A", "A1", errs)
		q.add(t.Context(), "A", "A2", errs)
		q.add(t.Context(), "B", "B1", errs)
		cancel()
		synctest.Wait()
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled waiter returned %v, want context.Canceled", err)
		}
		q.wg.Wait()
		if got, want := q.g.order(), []string{"A2", "B1"}; !slices.Equal(got, want) {
			t.Errorf("grants = %v, want %v", got, want)
		}
		// The first token after the spent burst, due 1 s later, went to A2.
		if len(q.g.times) == 2 && q.g.times[0].Sub(start) != time.Second {
			t.Errorf("A2 granted %v after the burst, want the first token's 1 s", q.g.times[0].Sub(start))
		}
	})
}

func TestThrottle_DispatcherStopsWhenEveryWaiterLeaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := busyScheduler(t)
		q := &queueing{s: s}
		errs := make(chan error, 3)
		ctx, cancel := context.WithCancel(t.Context())
		for _, n := range []string{"A1", "B1", "bg1"} {
			q.add(ctx, requesterOf(n), n, errs)
		}
		cancel()
		// No time passes: leaving wakes the dispatcher, which gives its
		// token back and ends.
		synctest.Wait()
		s.mu.Lock()
		running, waiting, lanes := s.running, s.waiting, len(s.people)+len(s.order)+len(s.background)
		s.mu.Unlock()
		if running || waiting != 0 || lanes != 0 {
			t.Errorf("after every waiter left: dispatcher running %v, %d waiting, %d queues left", running, waiting, lanes)
		}
		q.wg.Wait()
		if n := len(errs); n != 3 {
			t.Errorf("%d of 3 cancelled waiters returned an error", n)
		}
		// The token it gave back is the next request's, on time.
		start := time.Now()
		if err := s.wait(t.Context(), "C"); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited > time.Second {
			t.Errorf("the next request waited %v, want at most the 1 s a token takes", waited)
		}
	})
}

func TestThrottle_UncontendedRequestGoesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScheduler(newLimiter(DefaultRatePerMinute))
		start := time.Now()
		for range s.lim.Burst() {
			if err := s.wait(t.Context(), "A"); err != nil {
				t.Fatal(err)
			}
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the burst waited %v", waited)
		}
		if s.running {
			t.Error("a dispatcher started though nobody waited")
		}
	})
}

// TestThrottle_FairScheduleNoWindowExceedsLimit is TestThrottle_Schedule…
// through the fair queues: 600 requests at once from 10 people and
// background work at Syncro's 180/min never put more than the limit in a
// 60 s window, and the batch still goes through at the limiter's rate.
func TestThrottle_FairScheduleNoWindowExceedsLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScheduler(newLimiter(DefaultRatePerMinute))
		var g grants
		var wg sync.WaitGroup
		for i := range scheduleTotal {
			requester := fmt.Sprintf("U%d", i%11)
			if i%11 == 10 {
				requester = ""
			}
			wg.Go(func() {
				if err := s.wait(t.Context(), requester); err != nil {
					t.Error(err)
					return
				}
				g.add(requester)
			})
		}
		wg.Wait()
		checkSchedule(t, s.lim, g.times)
	})
}

// roundTripFunc is an in-memory transport, so a client's requests stay in
// the synctest bubble.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestClient_RequestersTakeTurnsForTheLimiter checks the throttle in Do:
// a call's requester comes from its context (WithRequester), and a call
// made for nobody waits behind people.
func TestClient_RequestersTakeTurnsForTheLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g grants
		c, err := NewClient(Config{BaseURL: "http://syncro.invalid/api/v1/", APIKey: testKey, RatePerMinute: 9,
			HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				g.add(r.URL.Query().Get("who"))
				return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
			})}})
		if err != nil {
			t.Fatal(err)
		}
		// Spend the burst of one (9/min).
		call := func(ctx context.Context, who string) {
			req, err := c.NewRequest(ctx, http.MethodGet, "me", map[string][]string{"who": {who}}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Do(req, nil); err != nil {
				t.Error(err)
			}
		}
		call(t.Context(), "warm-up")
		var wg sync.WaitGroup
		for _, who := range []string{"watcher", "A1", "A2", "A3", "B1"} {
			ctx := t.Context()
			if who != "watcher" {
				ctx = WithRequester(ctx, who[:1])
			}
			wg.Go(func() { call(ctx, who) })
			synctest.Wait()
		}
		wg.Wait()
		if got, want := g.order(), []string{"warm-up", "A1", "B1", "A2", "A3", "watcher"}; !slices.Equal(got, want) {
			t.Errorf("requests sent in order %v, want %v", got, want)
		}
	})
}

func TestRequester(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	if got := Requester(ctx); got != "" {
		t.Errorf("Requester of a plain context = %q, want background (\"\")", got)
	}
	if got := Requester(WithRequester(ctx, "U0ALICE")); got != "U0ALICE" {
		t.Errorf("Requester = %q, want U0ALICE", got)
	}
}

func TestThrottle_DeadlineBeforeTheNextTokenFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := busyScheduler(t)
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.wait(ctx, "A")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 0 {
			t.Errorf("wait with a deadline before the next token = %v after %v, want DeadlineExceeded at once", err, time.Since(start))
		}
		if s.waiting != 0 || s.running {
			t.Errorf("a request refused up front was queued (%d waiting, dispatcher running %v)", s.waiting, s.running)
		}
	})
}

// TestThrottle_AStandupsReadsGoAtOnceAndNoMinuteExceedsTheLimit runs the
// throttle at Syncro's 180/min on synctest's clock: a standup's 20
// distinct reads at once all go without waiting (the burst), and under
// saturation, with bursts arriving while the bucket is full, half full
// and empty, no 60 s window holds more than the limit.
func TestThrottle_AStandupsReadsGoAtOnceAndNoMinuteExceedsTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScheduler(newLimiter(DefaultRatePerMinute))
		start := time.Now()
		for i := range 20 {
			if err := s.wait(t.Context(), fmt.Sprintf("U%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("20 reads at once waited %v for the throttle, want none", waited)
		}

		// Saturation: waves of people and background work, some while
		// the bucket refills, some while requests already queue.
		var g grants
		var wg sync.WaitGroup
		rng := rand.New(rand.NewPCG(16, 180))
		for wave := range 60 {
			for i := range rng.IntN(40) {
				requester := fmt.Sprintf("U%d", (wave+i)%12)
				if i%7 == 0 {
					requester = ""
				}
				wg.Go(func() {
					if err := s.wait(t.Context(), requester); err != nil {
						t.Error(err)
						return
					}
					g.add(requester)
				})
			}
			time.Sleep(time.Duration(rng.IntN(30)) * time.Second)
		}
		wg.Wait()
		times := append(make([]time.Time, 20), g.times...)
		for i := range 20 {
			times[i] = start
		}
		if worst := busiestWindow(times, time.Minute); worst > DefaultRatePerMinute {
			t.Errorf("a 60 s window holds %d requests, Syncro allows %d", worst, DefaultRatePerMinute)
		} else {
			t.Logf("%d requests over %v; busiest 60 s window %d (limit %d)", len(times), times[len(times)-1].Sub(start), worst, DefaultRatePerMinute)
		}
	})
}
