package syncro

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The real-time throttle test's numbers: the limit scaled up so a run
// takes seconds, with a window of 4 s to look at.
const (
	testPerMinute = 6000
	testTotal     = 500
	testWorkers   = 50
	testWindow    = 4 * time.Second
)

// scheduleTotal is how many requests the schedule tests send at once at
// Syncro's 180/min: past three minutes of the limiter's pace.
const scheduleTotal = 600

// busiestWindow returns how many of the sorted times fall in the fullest
// half-open window of length w.
func busiestWindow(ts []time.Time, w time.Duration) int {
	worst, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		worst = max(worst, i-j+1)
	}
	return worst
}

// checkSchedule checks the sorted times lim admitted requests at: no 60 s
// window holds more than Syncro's 180, and the whole went at lim's rate.
func checkSchedule(t *testing.T, lim *rate.Limiter, admitted []time.Time) {
	t.Helper()
	if worst := busiestWindow(admitted, time.Minute); worst > DefaultRatePerMinute {
		t.Errorf("a 60 s window admits %d requests, limit %d", worst, DefaultRatePerMinute)
	}
	span := admitted[len(admitted)-1].Sub(admitted[0])
	paced := float64(len(admitted)-lim.Burst()) / float64(lim.Limit())
	if got := span.Seconds(); got > paced*1.01 {
		t.Errorf("%d requests took %v, want about %.0f s (the limiter's rate)", len(admitted), span, paced)
	}
}

// TestThrottle_ScheduleNoWindowExceedsLimit replays the limiter on a
// synthetic clock: 600 callers asking at once at Syncro's 180/min are
// admitted so that no 60 s window holds more than 180, and the batch
// still goes through at the limiter's rate. Exact: real time and the
// machine's load play no part.
func TestThrottle_ScheduleNoWindowExceedsLimit(t *testing.T) {
	t.Parallel()
	lim := newLimiter(DefaultRatePerMinute)
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	admitted := make([]time.Time, scheduleTotal)
	for i := range admitted {
		admitted[i] = t0.Add(lim.ReserveN(t0, 1).DelayFrom(t0))
	}
	checkSchedule(t, lim, admitted)
}

// TestThrottle_EveryRequestWaitsForTheLimiter fires 500 requests from 50
// goroutines at 6000/min against a bare arrival-recording server and
// against syncrotest, and checks that the limiter set the pace: the batch
// cannot finish sooner than the limit allows. That bound holds on any
// machine (load only makes the run slower); the busiest window seen at the
// server is logged, not checked, because a busy machine delivers evenly
// spaced sends in bunches (TestThrottle_ScheduleNoWindowExceedsLimit checks
// the spacing exactly).
func TestThrottle_EveryRequestWaitsForTheLimiter(t *testing.T) {
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
			checkPacedByLimiter(t, base, arrivals)
		})
	}
}

func checkPacedByLimiter(t *testing.T, baseURL string, arrivalLog func() []time.Time) {
	c, err := NewClient(Config{BaseURL: baseURL, APIKey: testKey, RatePerMinute: testPerMinute,
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: testWorkers}}})
	if err != nil {
		t.Fatal(err)
	}
	jobs := make(chan struct{}, testTotal)
	for range testTotal {
		jobs <- struct{}{}
	}
	close(jobs)
	start := time.Now()
	var wg sync.WaitGroup
	for range testWorkers {
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
	elapsed := time.Since(start)

	arrivals := arrivalLog()
	sort.Slice(arrivals, func(i, j int) bool { return arrivals[i].Before(arrivals[j]) })
	if len(arrivals) != testTotal {
		t.Fatalf("arrivals = %d", len(arrivals))
	}
	// After its burst, the limiter admits one request per 1/rate. It reads
	// the clock before taking its lock, so concurrent callers can set its
	// clock back a little and a busy run ends a few ms early; 10% off
	// allows for that and still catches requests that skip the limiter.
	paced := time.Duration(float64(testTotal-c.limiter.Burst()) / float64(c.limiter.Limit()) * float64(time.Second))
	if least := paced * 9 / 10; elapsed < least {
		t.Errorf("%d requests took %v, less than the %v the limiter allows: some did not wait for it", testTotal, elapsed, least)
	}
	bound := c.limiter.Burst() + int(float64(c.limiter.Limit())*testWindow.Seconds())
	t.Logf("%d requests in %v (paced for %v); busiest %v window at the server: %d (the limiter's bound %d); throttle wait total %v",
		testTotal, elapsed, paced, testWindow, busiestWindow(arrivals, testWindow), bound, c.ThrottleWaited())
}
