package syncro

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestThrottle_NoWindowExceedsLimit fires 500 requests from 50 goroutines at
// 6000/min and checks the server's arrival log: no sliding window of 4 s
// (the minute scaled down 15×) holds more than the limit allows (400). It
// runs against a bare arrival-recording server and against syncrotest, whose
// own request log is read.
func TestThrottle_NoWindowExceedsLimit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes about 5 s of real time per server")
	}
	servers := []struct {
		name  string
		start func(t *testing.T) (baseURL string, arrivals func() []time.Time)
	}{
		{"bare server", func(t *testing.T) (string, func() []time.Time) {
			var mu sync.Mutex
			var arrivals []time.Time
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				mu.Unlock()
				reply(w, 200, `{"user_id":1}`)
			}))
			t.Cleanup(srv.Close)
			return srv.URL + "/api/v1/", func() []time.Time {
				mu.Lock()
				defer mu.Unlock()
				return append([]time.Time(nil), arrivals...)
			}
		}},
		{"syncrotest", func(t *testing.T) (string, func() []time.Time) {
			// Its own 180/min limit is off: the client's throttle is on trial.
			srv := syncrotest.NewServer(t, syncrotest.WithRateLimit(0), syncrotest.WithAPIKey(testKey))
			return srv.URL() + "/", func() []time.Time {
				var ts []time.Time
				for _, r := range srv.Requests() {
					ts = append(ts, r.Time)
				}
				return ts
			}
		}},
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			base, arrivals := s.start(t)
			checkNoWindowExceedsLimit(t, base, arrivals)
		})
	}
}

func checkNoWindowExceedsLimit(t *testing.T, baseURL string, arrivalLog func() []time.Time) {
	const (
		perMinute = 6000
		total     = 500
		workers   = 50
		window    = 4 * time.Second
	)
	allowed := int(float64(perMinute) * window.Seconds() / 60)
	c, err := NewClient(Config{BaseURL: baseURL, APIKey: testKey, RatePerMinute: perMinute,
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}})
	if err != nil {
		t.Fatal(err)
	}
	jobs := make(chan struct{}, total)
	for range total {
		jobs <- struct{}{}
	}
	close(jobs)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range jobs {
				if _, _, err := c.Users.Me(t.Context()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()

	arrivals := arrivalLog()
	sort.Slice(arrivals, func(i, j int) bool { return arrivals[i].Before(arrivals[j]) })
	if len(arrivals) != total {
		t.Fatalf("arrivals = %d", len(arrivals))
	}
	worst, j := 0, 0
	for i := range arrivals {
		for arrivals[i].Sub(arrivals[j]) >= window {
			j++
		}
		worst = max(worst, i-j+1)
	}
	if worst > allowed {
		t.Errorf("a %v window held %d requests, limit %d", window, worst, allowed)
	}
	span := arrivals[len(arrivals)-1].Sub(arrivals[0])
	t.Logf("500 requests in %v; busiest %v window: %d of %d allowed; throttle wait total %v", span, window, worst, allowed, c.ThrottleWaited())
	// Throughput: not far below the limit either.
	if rate := float64(total-1) / span.Seconds() * 60; rate < 0.9*perMinute {
		t.Errorf("sustained %.0f/min, want near %d", rate, perMinute)
	}
}
