package syncro

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
