package syncro

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// BenchmarkTicketsGet measures the client's overhead per call (request
// building, headers, throttle bookkeeping, JSON decode) against a local
// server with the limiter effectively off.
func BenchmarkTicketsGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"ticket":`+ticketJSON+`}`)
	}))
	defer srv.Close()
	c, err := NewClient(Config{BaseURL: srv.URL + "/api/v1/", APIKey: testKey, RatePerMinute: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Tickets.Get(ctx, 108443837); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkThroughputSaturated runs 20 goroutines flat out for 3 s against
// a 6000/min limit and reports the achieved rate as a fraction of it.
func BenchmarkThroughputSaturated(b *testing.B) {
	const perMinute = 6000
	const dur = 3 * time.Second
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"user_id":1}`)
	}))
	defer srv.Close()
	for b.Loop() {
		c, err := NewClient(Config{BaseURL: srv.URL + "/api/v1/", APIKey: testKey, RatePerMinute: perMinute})
		if err != nil {
			b.Fatal(err)
		}
		var n atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for time.Since(start) < dur {
					if _, _, err := c.Users.Me(b.Context()); err == nil {
						n.Add(1)
					}
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		b.ReportMetric(float64(n.Load())/elapsed.Minutes()/perMinute, "frac_of_limit")
		b.ReportMetric(float64(n.Load())/elapsed.Seconds(), "req/s")
	}
}

// BenchmarkThrottle measures what the fair throttle (throttle.go) adds to a
// request over rate.Limiter.Wait alone: uncontended (the limiter has a
// token and nobody waits), and with 64 goroutines of 8 requesters waiting
// for the limiter newLimiter makes of 60,000 a minute (979.7 a second,
// burst 20), where nearly every request queues and the dispatcher hands out
// each token.
func BenchmarkThrottle(b *testing.B) {
	waits := []struct {
		name string
		wait func(lim *rate.Limiter) func(ctx context.Context, requester string) error
	}{
		{"limiter", func(lim *rate.Limiter) func(context.Context, string) error {
			return func(ctx context.Context, _ string) error { return lim.Wait(ctx) }
		}},
		{"fair", func(lim *rate.Limiter) func(context.Context, string) error {
			return newScheduler(lim).wait
		}},
	}
	for _, w := range waits {
		b.Run("uncontended/"+w.name, func(b *testing.B) {
			wait := w.wait(rate.NewLimiter(rate.Inf, 1))
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if err := wait(ctx, "U1"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("64-waiting/"+w.name, func(b *testing.B) {
			lim := newLimiter(60_000)
			wait := w.wait(lim)
			ctx := b.Context()
			var next atomic.Int64
			b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				requester := "U" + strconv.FormatInt(next.Add(1)%8, 10)
				for pb.Next() {
					if err := wait(ctx, requester); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds()/float64(lim.Limit()), "frac_of_limit")
		})
	}
}
