package syncro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func containsKey(s string) bool { return strings.Contains(s, testKey) || strings.Contains(s, "SECRET") }

func TestKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := Config{Subdomain: "acme", APIKey: testKey, Logger: logger}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	type holder struct{ C *Client } // a client nested in someone's struct
	for _, v := range []any{cfg, &cfg, c, holder{c}, &holder{c}, []*Client{c}, cfg.APIKey} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
	}
	js, _ := json.Marshal(cfg)
	out = append(out, string(js))
	logger.Info("config", "cfg", cfg, "key", cfg.APIKey, "client", c)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("json", "cfg", cfg, "key", cfg.APIKey, "client", c)
	out = append(out, logs.String())
	for _, s := range out {
		if containsKey(s) {
			t.Errorf("key leaked: %s", s)
		}
	}
	if !strings.Contains(fmt.Sprint(c), "https://acme.syncromsp.com/api/v1/") {
		t.Errorf("client String lost its base URL: %v", c)
	}
}

func TestRequestLogsAreKeyFree(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mux, _ := setup(t, func(cfg *Config) { cfg.Logger = logger })
	mux.HandleFunc("/tickets/5", func(w http.ResponseWriter, r *http.Request) {
		// Echo the Authorization header back, as a misbehaving proxy might.
		reply(w, 500, `{"error":"bad header `+r.Header.Get("Authorization")+`"}`)
	})
	_, _, err := c.Tickets.Get(t.Context(), 5)
	if err == nil || containsKey(err.Error()) {
		t.Fatalf("err = %v, want a key-free error", err)
	}
	if !strings.Contains(logs.String(), `"path":"/api/v1/tickets/5"`) {
		t.Errorf("no request log: %s", logs.String())
	}
	if containsKey(logs.String()) {
		t.Errorf("log leaked key: %s", logs.String())
	}
}

func TestNewClientValidation(t *testing.T) {
	t.Parallel()
	bad := []Config{
		{Subdomain: "acme"}, // no key
		{APIKey: "k"},       // no account
		{APIKey: "k", Subdomain: "acme.evil.com"},
		{APIKey: "k", Subdomain: "acme/../x"},
		{APIKey: "k", Subdomain: "user@evil"},
		{APIKey: "k", Subdomain: "-acme"},
		{APIKey: "k", Subdomain: "acme:443"},
		{APIKey: "k", BaseURL: "ftp://x/api/v1/"},
		{APIKey: "k", BaseURL: "/api/v1/"},
		{APIKey: "k", Subdomain: "acme", RatePerMinute: -1},
	}
	for _, cfg := range bad {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("NewClient(%+v) accepted", cfg)
		}
	}
	good := []struct {
		cfg  Config
		want string
	}{
		{Config{APIKey: "k", Subdomain: "Acme-IT"}, "https://acme-it.syncromsp.com/api/v1/"},
		{Config{APIKey: "k", BaseURL: "http://127.0.0.1:9/api/v1"}, "http://127.0.0.1:9/api/v1/"},
		{Config{APIKey: "k", Subdomain: "x", BaseURL: "http://h/p/v1/"}, "http://h/p/v1/"},
	}
	for _, g := range good {
		c, err := NewClient(g.cfg)
		if err != nil || c.BaseURL() != g.want {
			t.Errorf("NewClient(%+v) = %v, %v; want %s", g.cfg, c, err, g.want)
		}
	}
}

func TestNewRequestRejectsAbsolutePath(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t)
	if _, err := c.NewRequest(t.Context(), "GET", "/tickets", nil, nil); err == nil {
		t.Fatal("absolute path accepted")
	}
}

// TestDo_RedirectIsNotFollowed: a base URL that redirects (another port
// of the same host, where Go would forward the Authorization header)
// never gets the key to the redirect's target; the error names the
// target by scheme and host, so the operator can fix SYNCRO_BASE_URL.
func TestDo_RedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	var reached int
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ticket":{"id":1}}`)
	}))
	t.Cleanup(target.Close)
	c, mux, _ := setup(t)
	mux.HandleFunc("/tickets/1", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/api/v1/tickets/1?api_key=x", http.StatusTemporaryRedirect)
	})
	_, _, err := c.Tickets.Get(t.Context(), 1)
	if err == nil {
		t.Fatal("a redirected request succeeded")
	}
	if reached != 0 {
		t.Errorf("the redirect's target was asked %d times", reached)
	}
	if want := "redirected to " + target.URL; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if strings.Contains(err.Error(), "api_key") {
		t.Errorf("error shows the redirect's query: %v", err)
	}
}
