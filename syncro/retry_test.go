package syncro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestShouldRetry(t *testing.T) {
	t.Parallel()
	status := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	netErr := &url.Error{Op: "Get", URL: "http://x", Err: errors.New("connection reset by peer")}
	tests := []struct {
		method  string
		resp    *http.Response
		err     error
		attempt int
		want    bool
	}{
		{"GET", status(502), nil, 1, true},
		{"GET", status(500), nil, 2, true},
		{"GET", status(500), nil, 3, false}, // attempts exhausted
		{"PUT", status(503), nil, 1, true},
		{"DELETE", nil, netErr, 1, true},
		{"POST", status(500), nil, 1, false},
		{"POST", nil, netErr, 1, false},
		{"POST", status(429), nil, 1, true}, // refused, so never processed
		{"GET", status(429), nil, 1, true},
		{"GET", status(429), nil, 3, false},
		{"GET", status(404), nil, 1, false},
		{"GET", status(422), nil, 1, false},
		{"GET", nil, fmt.Errorf("x: %w", context.Canceled), 1, false},
		{"GET", nil, context.DeadlineExceeded, 1, false},
		{"PATCH", status(500), nil, 1, false},
	}
	for _, tt := range tests {
		got, reason := shouldRetry(tt.method, tt.resp, tt.err, tt.attempt)
		if got != tt.want || reason == "" {
			t.Errorf("shouldRetry(%s, %v, %v, %d) = %v %q, want %v", tt.method, tt.resp, tt.err, tt.attempt, got, reason, tt.want)
		}
	}
}

func TestBackoffIsCapped(t *testing.T) {
	t.Parallel()
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              60 * time.Second,
		"30":                            30 * time.Second,
		" 0 ":                           0,
		"-5":                            60 * time.Second,
		"soon":                          60 * time.Second,
		"Wed, 01 Apr 2026 12:00:42 GMT": 42 * time.Second,
		"Wed, 01 Apr 2026 11:59:00 GMT": 0,
		"99999999":                      time.Hour,
	}
	for h, want := range tests {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

// rateLimitedThenOK answers 429 (with header h if non-empty) n times, then 200.
func rateLimitedThenOK(n int, h string, hits *counter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if hits.inc() <= n {
			if h != "" {
				w.Header().Set("Retry-After", h)
			}
			reply(w, 429, `{"error":"Rate limit exceeded. Please wait before making more requests."}`)
			return
		}
		reply(w, 200, `{"ticket":{"id":5,"number":1}}`)
	}
}

func Test429ThenSuccess_HonoursRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"missing", "", 60 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var told []time.Duration
			c, mux, fs := setup(t, func(cfg *Config) {
				cfg.Now = func() time.Time { return now }
				cfg.OnRateLimited = func(d time.Duration) { mu.Lock(); told = append(told, d); mu.Unlock() }
			})
			var hits counter
			mux.HandleFunc("/tickets/5", rateLimitedThenOK(1, tt.header, &hits))
			tk, resp, err := c.Tickets.Get(t.Context(), 5)
			if err != nil || tk.ID != 5 {
				t.Fatalf("Get: %v", err)
			}
			if hits.get() != 2 || resp.Attempts != 2 {
				t.Errorf("hits %d attempts %d, want 2", hits.get(), resp.Attempts)
			}
			if w := fs.all(); !reflect.DeepEqual(w, []time.Duration{tt.want}) {
				t.Errorf("slept %v, want [%v]", w, tt.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if !reflect.DeepEqual(told, []time.Duration{tt.want}) {
				t.Errorf("OnRateLimited got %v", told)
			}
			if resp.RetryWait != tt.want {
				t.Errorf("RetryWait %v", resp.RetryWait)
			}
		})
	}
}

func Test429Exhausted_IsRateLimited(t *testing.T) {
	t.Parallel()
	c, mux, fs := setup(t)
	var hits counter
	mux.HandleFunc("/tickets/5", rateLimitedThenOK(100, "2", &hits))
	_, _, err := c.Tickets.Get(t.Context(), 5)
	var e *Error
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &e) || e.RetryAfter != 2*time.Second {
		t.Fatalf("err = %v", err)
	}
	if hits.get() != maxAttempts || len(fs.all()) != maxAttempts-1 {
		t.Errorf("hits %d sleeps %d", hits.get(), len(fs.all()))
	}
}

func TestPOST429IsRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var hits counter
	mux.HandleFunc("/tickets/5/comment", func(w http.ResponseWriter, r *http.Request) {
		if hits.inc() == 1 {
			w.Header().Set("Retry-After", "1")
			reply(w, 429, `{"error":"slow down"}`)
			return
		}
		check(t, r, expect{method: "POST", body: `{"subject":"s","body":"b","hidden":true,"do_not_email":true}`})
		reply(w, 200, `{"comment":{"id":1}}`)
	})
	if _, _, err := c.Tickets.PostComment(t.Context(), 5, &CommentRequest{Subject: "s", Body: "b", Hidden: true, DoNotEmail: true}); err != nil {
		t.Fatal(err)
	}
	if hits.get() != 2 {
		t.Errorf("hits = %d", hits.get())
	}
}

func Test429WaitHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	c, mux, _ := setup(t, func(cfg *Config) {
		cfg.Sleep = sleepCtx // the real sleeper: it must give up on cancel
		cfg.OnRateLimited = func(time.Duration) { cancel() }
	})
	var hits counter
	mux.HandleFunc("/tickets/5", rateLimitedThenOK(100, "3600", &hits))
	start := time.Now()
	_, _, err := c.Tickets.Get(ctx, 5)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 10*time.Second || hits.get() != 1 {
		t.Errorf("took %v, hits %d", time.Since(start), hits.get())
	}
}

func TestPOSTNotRetriedOn500_OutcomeUnknown(t *testing.T) {
	t.Parallel()
	c, mux, fs := setup(t)
	var hits counter
	mux.HandleFunc("/tickets/5/comment", func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		reply(w, 500, `{"error":"boom"}`)
	})
	_, _, err := c.Tickets.PostComment(t.Context(), 5, &CommentRequest{Subject: "s", Body: "b"})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 500 {
		t.Fatalf("err = %v", err)
	}
	if hits.get() != 1 || len(fs.all()) != 0 {
		t.Errorf("hits %d sleeps %v, want exactly one request", hits.get(), fs.all())
	}
}

func TestPOSTConnectionResetIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var hits counter
	mux.HandleFunc("/tickets", func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		_, _ = io.ReadAll(r.Body) // the server got it all, then the line drops
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	_, _, err := c.Tickets.Create(t.Context(), &TicketRequest{CustomerID: Ptr[int64](1)})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
	if hits.get() != 1 {
		t.Errorf("hits = %d", hits.get())
	}
}

func TestGETRetriedOn502ThenOK(t *testing.T) {
	t.Parallel()
	c, mux, fs := setup(t)
	var hits counter
	mux.HandleFunc("/tickets/5", func(w http.ResponseWriter, r *http.Request) {
		if hits.inc() == 1 {
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>Bad Gateway</html>"))
			return
		}
		reply(w, 200, `{"ticket":{"id":5}}`)
	})
	_, resp, err := c.Tickets.Get(t.Context(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if hits.get() != 2 || resp.Attempts != 2 || !reflect.DeepEqual(fs.all(), []time.Duration{backoffBase}) {
		t.Errorf("hits %d attempts %d sleeps %v", hits.get(), resp.Attempts, fs.all())
	}
}

func TestGETRetriedOnNetworkError(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var hits counter
	mux.HandleFunc("/tickets/5", func(w http.ResponseWriter, r *http.Request) {
		if hits.inc() == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		reply(w, 200, `{"ticket":{"id":5}}`)
	})
	if _, _, err := c.Tickets.Get(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
}

func TestDeadServer_ErrorIsKeyFreeAndNotOutcomeUnknown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	fs := &fakeSleep{}
	// A proxy-style base URL carrying credentials must not leak either.
	c, err := NewClient(Config{BaseURL: "http://user:" + testKey + "@" + addr + "/api/v1?api_key=" + testKey, APIKey: testKey, Sleep: fs.sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Tickets.Get(t.Context(), 5)
	if err == nil {
		t.Fatal("want error")
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err)} {
		if containsKey(s) {
			t.Errorf("key leaked: %s", s)
		}
	}
	var ue *url.Error
	if !errors.As(err, &ue) || containsKey(ue.URL) {
		t.Errorf("url.Error missing or leaky: %v", ue)
	}
	// POST to a dead server: the dial failed, nothing was sent.
	_, _, err = c.Tickets.Create(t.Context(), &TicketRequest{CustomerID: Ptr[int64](1)})
	if err == nil || errors.Is(err, ErrOutcomeUnknown) || containsKey(err.Error()) {
		t.Errorf("POST to dead server: %v", err)
	}
}

func TestContextCancelledWhileThrottled(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, func(cfg *Config) { cfg.RatePerMinute = 1 }) // burst 1, then ~2 minutes per token
	var hits counter
	mux.HandleFunc("/tickets/5", func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		reply(w, 200, `{"ticket":{"id":5}}`)
	})
	if _, _, err := c.Tickets.Get(t.Context(), 5); err != nil {
		t.Fatal(err)
	}

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		go cancel()
		start := time.Now()
		_, _, err := c.Tickets.Get(ctx, 5)
		if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
			t.Errorf("err = %v after %v", err, time.Since(start))
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, _, err := c.Tickets.Get(ctx, 5)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
	})
	if hits.get() != 1 {
		t.Errorf("hits = %d, want 1 (throttled calls must not be sent)", hits.get())
	}
}

// TestThrottleWaitIsReported runs on synctest's clock with an in-memory
// transport: on real time, a loaded machine made each round trip last as
// long as a token takes to come, so the calls found the limiter full and
// waited less than the test allowed for.
func TestThrottleWaitIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := NewClient(Config{BaseURL: "http://syncro.invalid/api/v1/", APIKey: testKey, RatePerMinute: 600,
			HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"user_id":1}`)), Request: r}, nil
			})}})
		if err != nil {
			t.Fatal(err)
		}
		// The burst goes at once; each of the two calls after it waits
		// one token's interval.
		interval := time.Duration(float64(time.Second) / float64(c.limiter.Limit()))
		var waits []time.Duration
		for range c.limiter.Burst() + 2 {
			_, resp, err := c.Users.Me(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			waits = append(waits, resp.ThrottleWait)
		}
		var total time.Duration
		for i, w := range waits {
			want := time.Duration(0)
			if i >= c.limiter.Burst() {
				want = interval
			}
			if d := w - want; d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("call %d: ThrottleWait %v, want %v", i+1, w, want)
			}
			total += w
		}
		if got := c.ThrottleWaited(); got != total {
			t.Errorf("client total %v, want the calls' sum %v", got, total)
		}
	})
}

// TestPOST2xxWithUnusableBody_IsOutcomeUnknown: Syncro may have written the
// record behind a 2xx whose body does not decode, or lacks the record, so a
// create answered that way is ErrOutcomeUnknown (the caller reads back
// before writing again) and is sent exactly once.
func TestPOST2xxWithUnusableBody_IsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	creates := []struct {
		name, path, wrapper string // wrapper "" for calls answered with a bare record
		call                func(ctx context.Context, c *Client) error
	}{
		{"comment", "/tickets/5/comment", "comment", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tickets.PostComment(ctx, 5, &CommentRequest{Subject: "s", Body: "b"})
			return err
		}},
		{"ticket", "/tickets", "ticket", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tickets.Create(ctx, &TicketRequest{CustomerID: Ptr[int64](1)})
			return err
		}},
		{"invoice", "/invoices", "invoice", func(ctx context.Context, c *Client) error {
			_, _, err := c.Invoices.CreateFromTicket(ctx, 5, 1, "Standard")
			return err
		}},
		{"customer", "/customers", "customer", func(ctx context.Context, c *Client) error {
			_, _, err := c.Customers.Create(ctx, &CustomerRequest{})
			return err
		}},
		{"contact", "/contacts", "", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.Create(ctx, &ContactRequest{CustomerID: Ptr[int64](1)})
			return err
		}},
		{"timer entry", "/tickets/5/timer_entry", "", func(ctx context.Context, c *Client) error {
			_, _, err := c.Timers.Add(ctx, 5, &TimerEntryRequest{StartAt: Ptr(time.Now()), DurationMinutes: Ptr(30)})
			return err
		}},
		{"charge", "/tickets/5/charge_timer_entry", "", func(ctx context.Context, c *Client) error {
			_, _, err := c.Timers.Charge(ctx, 5, 9)
			return err
		}},
		{"ticket line item", "/tickets/5/add_line_item", "", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tickets.AddLineItem(ctx, 5, &TicketLineItemRequest{Name: "n", Description: "d"})
			return err
		}},
	}
	for _, cr := range creates {
		bodies := map[string]string{
			"empty":     "",
			"html":      "<html><body>Sign in</body></html>",
			"cut off":   `{"id":42,"subj`,
			"empty obj": `{}`,
		}
		if cr.wrapper != "" {
			bodies["null record"] = `{"` + cr.wrapper + `":null}`
			bodies["record without id"] = `{"` + cr.wrapper + `":{"subject":"s"}}`
			bodies["top-level id"] = `{"id":42}`
		} else {
			bodies["record without id"] = `{"id":0,"notes":"n"}`
		}
		for name, body := range bodies {
			t.Run(cr.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				c, mux, fs := setup(t)
				var hits counter
				mux.HandleFunc(cr.path, func(w http.ResponseWriter, r *http.Request) {
					hits.inc()
					reply(w, 200, body)
				})
				err := cr.call(t.Context(), c)
				if !errors.Is(err, ErrOutcomeUnknown) {
					t.Errorf("err = %v, want ErrOutcomeUnknown", err)
				}
				if hits.get() != 1 || len(fs.all()) != 0 {
					t.Errorf("hits %d sleeps %v, want exactly one request", hits.get(), fs.all())
				}
			})
		}
	}
}

// Test2xxWithUnusableBody_UnknownForAWriteOrdinaryForARead: a read
// answered with a body that does not decode is an ordinary error (it
// changed nothing); an update answered so was most likely applied (Syncro
// said 2xx), so it is ErrOutcomeUnknown and the caller reads back before
// telling the tech anything. Neither is retried.
func Test2xxWithUnusableBody_UnknownForAWriteOrdinaryForARead(t *testing.T) {
	t.Parallel()
	calls := []struct {
		name        string
		call        func(ctx context.Context, c *Client) error
		wantUnknown bool
	}{
		{"get ticket", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tickets.Get(ctx, 5)
			return err
		}, false},
		{"update ticket", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tickets.Update(ctx, 5, &TicketRequest{Status: Ptr("Resolved")})
			return err
		}, true},
	}
	for _, tc := range calls {
		for _, body := range []string{"", "<html></html>", `{"ticket":{"id":5`, `{}`} {
			t.Run(tc.name+"/"+body, func(t *testing.T) {
				t.Parallel()
				c, mux, fs := setup(t)
				var hits counter
				mux.HandleFunc("/tickets/5", func(w http.ResponseWriter, r *http.Request) {
					hits.inc()
					reply(w, 200, body)
				})
				err := tc.call(t.Context(), c)
				if err == nil || errors.Is(err, ErrOutcomeUnknown) != tc.wantUnknown {
					t.Errorf("err = %v, want an error that is ErrOutcomeUnknown: %v", err, tc.wantUnknown)
				}
				if hits.get() != 1 || len(fs.all()) != 0 {
					t.Errorf("hits %d sleeps %v, want exactly one request", hits.get(), fs.all())
				}
			})
		}
	}
}

// TestUnusableAnswer_UnknownForEveryWrite: a 2xx of no use leaves a write's
// outcome unknown whatever its method, and a read's an ordinary error.
func TestUnusableAnswer_UnknownForEveryWrite(t *testing.T) {
	t.Parallel()
	cases := []struct {
		method      string
		wantUnknown bool
	}{
		{http.MethodGet, false},
		{http.MethodHead, false},
		{http.MethodOptions, false},
		{http.MethodPost, true},
		{http.MethodPut, true},
		{http.MethodPatch, true},
		{http.MethodDelete, true},
	}
	cause := errors.New("decode response: unexpected end of JSON input")
	for _, tc := range cases {
		t.Run(tc.method, func(t *testing.T) {
			t.Parallel()
			err := unusableAnswer(tc.method, "/tickets/5", cause)
			if got := errors.Is(err, ErrOutcomeUnknown); got != tc.wantUnknown {
				t.Errorf("%s: ErrOutcomeUnknown = %v, want %v (err %v)", tc.method, got, tc.wantUnknown, err)
			}
			if !errors.Is(err, cause) || !strings.Contains(err.Error(), tc.method+" /tickets/5") {
				t.Errorf("%s: err = %v, want it to name the call and wrap the cause", tc.method, err)
			}
		})
	}
}
