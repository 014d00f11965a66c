package syncro

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"
)

const (
	testKey    = "sk_live_SECRET_abc123"
	testPrefix = "/api/v1/"
)

// fakeSleep records the waits the client asked for and returns at once.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeSleep) all() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// setup starts a real server with handlers mounted under /api/v1/, so a
// path that escapes the base URL is a 404 rather than a silent success.
func setup(t *testing.T, tweak ...func(*Config)) (*Client, *http.ServeMux, *fakeSleep) {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	outer.Handle(testPrefix, http.StripPrefix(testPrefix[:len(testPrefix)-1], mux))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside %s: %s %s", testPrefix, r.Method, r.URL)
		http.Error(w, "outside base", http.StatusNotFound)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	fs := &fakeSleep{}
	cfg := Config{
		BaseURL:       srv.URL + testPrefix,
		APIKey:        testKey,
		RatePerMinute: 600000, // effectively unthrottled unless a test says so
		Sleep:         fs.sleep,
		Jitter:        func(d time.Duration) time.Duration { return d },
	}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, mux, fs
}

// expect describes what a handler must see.
type expect struct {
	method string
	query  url.Values // exact match when non-nil
	body   string     // JSON compared semantically when non-empty
}

// check asserts method, headers, query and body; it reports with t.Errorf
// so the handler can still answer.
func check(t *testing.T, r *http.Request, e expect) {
	t.Helper()
	if r.Method != e.method {
		t.Errorf("method = %s, want %s", r.Method, e.method)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q, want Bearer key", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
	if r.URL.Query().Has("api_key") {
		t.Errorf("key sent in the URL: %s", r.URL)
	}
	if e.query != nil && !reflect.DeepEqual(r.URL.Query(), e.query) {
		t.Errorf("query = %v, want %v", r.URL.Query(), e.query)
	}
	body, _ := io.ReadAll(r.Body)
	if e.body == "" {
		if len(body) != 0 {
			t.Errorf("unexpected body %s", body)
		}
		return
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	var got, want any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Errorf("body not JSON: %s", body)
	}
	if err := json.Unmarshal([]byte(e.body), &want); err != nil {
		t.Fatalf("bad expected body: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body = %s\nwant   %s", body, e.body)
	}
}

// reply writes a JSON (or any) body with a status.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// counter counts requests safely across handler goroutines.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
