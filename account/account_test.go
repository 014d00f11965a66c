package account

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// newInfo is an Info on a fresh seeded syncrotest, logging to the returned
// buffer as JSON lines.
func newInfo(t *testing.T, products labor.Products, opts ...syncrotest.Option) (*Info, *syncrotest.Server, *syncbuf.Buffer) {
	t.Helper()
	srv := syncrotest.NewServer(t, opts...)
	client, err := syncro.NewClient(syncro.Config{
		BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	log := &syncbuf.Buffer{}
	return New(client, products, slog.New(slog.NewJSONHandler(log, nil))), srv, log
}

func TestInfo_KnowsNothingBeforeTheFirstRead(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default())
	if c := a.Currency(); c != "" {
		t.Errorf("currency = %q before any read", c)
	}
	if n, ok := a.LaborName(syncrotest.ProductLaborRemote); ok {
		t.Errorf("labor name %q before any read", n)
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("New made %d Syncro requests; it must make none", len(reqs))
	}
}

func TestInfo_RefreshReadsTheCurrencyAndEveryLaborName(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default(), syncrotest.WithCurrency("€"))
	if err := a.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c := a.Currency(); c != "€" {
		t.Errorf("currency = %q, want €", c)
	}
	for _, p := range srv.Products() {
		if p.Category != "Labor" {
			continue
		}
		if n, ok := a.LaborName(p.ID); !ok || n != p.Name {
			t.Errorf("labor product %d: name %q (%v), want %q", p.ID, n, ok, p.Name)
		}
	}
	if n, want := srv.Count("GET", "/products/"), len(labor.Default()); n != want || srv.Count("", "") != want+1 {
		t.Errorf("%d requests, %d of them GET /products/{id}; want GET /settings and one GET /products/{id} per kind (%d)", srv.Count("", ""), n, want)
	}
}

func TestInfo_AFailedRefreshKeepsTheLastValues(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default())
	if err := a.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.SetCurrency("£")
	srv.Fail("GET", "/settings", 100, syncrotest.FaultServerError)
	srv.Fail("GET", "/products/**", 100, syncrotest.FaultServerError)
	if err := a.Refresh(t.Context()); err == nil {
		t.Fatal("Refresh reported no error while Syncro answered 500")
	}
	if c := a.Currency(); c != "$" {
		t.Errorf("currency = %q after a failed read, want the last one, $", c)
	}
	if n, _ := a.LaborName(syncrotest.ProductLaborRemote); n != "Labor - Remote Business" {
		t.Errorf("labor name = %q after a failed read, want the last one", n)
	}
}

func TestInfo_RunRefreshesOnEveryTick(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default())
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx, ticks) }()
	srv.SetCurrency("R")
	ticks <- time.Time{}
	ticks <- time.Time{} // taken only once the first refresh is over
	if c := a.Currency(); c != "R" {
		t.Errorf("currency = %q after a tick, want R", c)
	}
	cancel()
	<-done
}

func TestInfo_AMissingOrDisabledLaborProductIsLoggedOnce(t *testing.T) {
	t.Parallel()
	products, err := labor.Parse("remote=1190473,onsite=424242")
	if err != nil {
		t.Fatal(err)
	}
	a, _, log := newInfo(t, products)
	for range 2 {
		if err := a.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Count(log.String(), `"product_id":424242`)
	if lines != 1 || !strings.Contains(log.String(), `"kind":"onsite"`) || !strings.Contains(log.String(), "Syncro has no such product") {
		t.Errorf("want one warning about onsite (424242), got %d:\n%s", lines, log.String())
	}
	if strings.Contains(log.String(), "1190473") {
		t.Errorf("the product Syncro has was logged:\n%s", log.String())
	}
}

func TestCurrency_Mrkdwn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cur  Currency
		m    syncro.Money
		want string
	}{
		{"$", syncro.MoneyFromCents(33750), "$337.50"},
		{"$", syncro.MoneyFromCents(-500), "-$5.00"},
		{"€", syncro.MoneyFromUnits(12345), "€1.23"},
		{"$", syncro.MoneyFromUnits(12355), "$1.24"},
		{"$", syncro.Money{}, "$0.00"},
		{"", syncro.MoneyFromCents(905), "9.05"},
		{"<b>*", syncro.MoneyFromCents(100), "&lt;b&gt;∗1.00"},
	}
	for _, tt := range tests {
		if got := tt.cur.Mrkdwn(tt.m); got != tt.want {
			t.Errorf("Currency(%q).Mrkdwn(%s) = %q, want %q", tt.cur, tt.m, got, tt.want)
		}
	}
}
