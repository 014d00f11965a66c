package metrics_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/metrics"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestSyncroAttempt_CountsByTemplateNeverRawIDs(t *testing.T) {
	t.Parallel()
	srv := syncrotest.NewServer(t, syncrotest.WithAPIKey("k"))
	m := metrics.New()
	c, err := syncro.NewClient(syncro.Config{BaseURL: srv.URL(), APIKey: "k", Observe: m.SyncroAttempt})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := c.Products.Get(ctx, syncrotest.ProductLaborRemote); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Products.Get(ctx, 999999999); err == nil {
		t.Fatal("want not found")
	}
	srv.Fail("GET", "/me", 1, syncrotest.FaultRateLimit)
	c2, _ := syncro.NewClient(syncro.Config{BaseURL: srv.URL(), APIKey: "k", Observe: m.SyncroAttempt,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if _, _, err := c2.Users.Me(ctx); err != nil {
		t.Fatal(err)
	}
	_, text := get(t, m.Handler(nil), "/metrics")
	for _, want := range []string{
		`syncrobot_syncro_requests_total{endpoint="/products/:id",method="GET",status="200"} 1`,
		`syncrobot_syncro_requests_total{endpoint="/products/:id",method="GET",status="404"} 1`,
		`syncrobot_syncro_requests_total{endpoint="/me",method="GET",status="429"} 1`,
		`syncrobot_syncro_requests_total{endpoint="/me",method="GET",status="200"} 1`,
		`syncrobot_syncro_rate_limited_total 1`,
		`syncrobot_syncro_throttle_wait_seconds_total`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// In a label, that is: a sample's value (a latency sum) may hold any digits.
	if m := regexp.MustCompile(`\{[^}]*(1190473|999999999)`).FindString(text); m != "" {
		t.Errorf("/metrics labels hold a raw product id: %s", m)
	}
}

func TestEndpointTemplate(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/api/v1/tickets/123/comment":          "/tickets/:id/comment",
		"/api/v1/tickets/settings":             "/tickets/settings",
		"/api/v1/invoices/INV-20":              "/invoices/:id",
		"/api/v1/customers/autocomplete":       "/customers/autocomplete",
		"/api/v1/me":                           "/me",
		"/api/v1/":                             "/",
		"/api/v1/tickets/9/charge_timer_entry": "/tickets/:id/charge_timer_entry",
	} {
		if got := syncro.EndpointTemplate("/api/v1/", path); got != want {
			t.Errorf("EndpointTemplate(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestReadyz_NeedsSocketAndRecentSyncro(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.WithClock(clk.now))
	h := m.Handler(nil)
	expect := func(code int, sub string) {
		t.Helper()
		got, body := get(t, h, "/readyz")
		if got != code || !strings.Contains(body, sub) {
			t.Fatalf("/readyz = %d %q, want %d containing %q", got, body, code, sub)
		}
	}
	if code, _ := get(t, h, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d", code)
	}
	expect(503, "Slack socket not connected yet; no successful Syncro request yet")
	m.SocketState(true)
	expect(503, "no successful Syncro request yet")
	m.SyncroAttempt(syncro.Attempt{Endpoint: "/me", Method: "GET", Status: 200})
	expect(200, "ready")
	m.SocketState(false)
	expect(503, "Slack socket disconnected")
	m.SocketState(true)
	clk.add(metrics.ReadyWindow + time.Second)
	expect(503, "no successful Syncro request in the last 1m0s")
	m.SyncroAttempt(syncro.Attempt{Endpoint: "/tickets", Method: "GET", Status: 500})
	expect(503, "no successful Syncro request")
}

func TestReadyz_ProbesSyncroWhenIdle(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.WithClock(clk.now))
	m.SocketState(true)
	probes := 0
	h := m.Handler(func(context.Context) error {
		probes++
		m.SyncroAttempt(syncro.Attempt{Endpoint: "/me", Method: "GET", Status: 200})
		return nil
	})
	if code, body := get(t, h, "/readyz"); code != 200 {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	if code, _ := get(t, h, "/readyz"); code != 200 || probes != 1 {
		t.Fatalf("second /readyz = %d after %d probes, want 200 after 1 (fresh success needs no probe)", code, probes)
	}
}

func TestNilMetricsIsNoop(t *testing.T) {
	t.Parallel()
	var m *metrics.Metrics
	m.Envelope("slash_commands", time.Millisecond, true)
	m.SocketState(true)
	m.SyncroAttempt(syncro.Attempt{})
	m.Billing("invoiced")
	m.Close("closed")
	m.NoticeSent()
	m.WatcherPolled(time.Now())
	if ok, _ := m.Ready(); ok {
		t.Fatal("nil metrics ready")
	}
}

func TestCountersAndWatcherLag(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)
	m := metrics.New(metrics.WithClock(func() time.Time { return now }))
	m.Envelope("slash_commands", 2*time.Millisecond, true)
	m.Envelope("slash_commands", 0, false)
	m.Billing("invoiced")
	m.Close("not_closed")
	m.NoticeSent()
	m.WatcherPolled(now.Add(-90 * time.Second))
	_, text := get(t, m.Handler(nil), "/metrics")
	for _, want := range []string{
		`syncrobot_envelopes_total{type="slash_commands"} 2`,
		`syncrobot_ack_latency_seconds_count 1`,
		`syncrobot_billing_total{outcome="invoiced"} 1`,
		`syncrobot_close_total{outcome="not_closed"} 1`,
		`syncrobot_notices_sent_total 1`,
		`syncrobot_watcher_lag_seconds 90`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestServe_StopsWithContext(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- metrics.Serve(ctx, "127.0.0.1:0", m.Handler(nil), nil, func(a net.Addr) { addrc <- a.String() })
	}()
	addr := <-addrc
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestReadyz_ProbesSyncroAtMostOncePerInterval: while Syncro fails, a
// burst of /readyz hits probes it once, and the next probe waits for
// ProbeInterval, however many checks come meanwhile.
func TestReadyz_ProbesSyncroAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.WithClock(clk.now))
	m.SocketState(true)
	probes := 0
	h := m.Handler(func(context.Context) error {
		probes++
		m.SyncroAttempt(syncro.Attempt{Endpoint: "/me", Method: "GET", Status: 503})
		return errors.New("syncro: 503")
	})
	hit := func(n int) {
		t.Helper()
		for range n {
			if code, _ := get(t, h, "/readyz"); code != http.StatusServiceUnavailable {
				t.Fatalf("/readyz = %d while Syncro fails, want 503", code)
			}
		}
	}
	hit(100)
	if probes != 1 {
		t.Errorf("100 checks probed Syncro %d times, want 1", probes)
	}
	clk.add(metrics.ProbeInterval - time.Second)
	hit(100)
	if probes != 1 {
		t.Errorf("checks within ProbeInterval probed again: %d probes", probes)
	}
	clk.add(time.Second)
	hit(100)
	if probes != 2 {
		t.Errorf("after ProbeInterval: %d probes, want 2", probes)
	}
}
