package account

import (
	"context"
	"log/slog"
	"slices"
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
	if n, want := srv.Count("GET", "/products/"), len(labor.Default()); n != want || srv.Count("", "") != want+3 {
		t.Errorf("%d requests, %d of them GET /products/{id}; want GET /settings, /tickets/settings, /users and one GET /products/{id} per kind (%d)", srv.Count("", ""), n, want)
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

// hasStatus accepts ticket settings that list status.
func hasStatus(status string) func(*syncro.TicketSettings) bool {
	return func(ts *syncro.TicketSettings) bool { return slices.Contains(ts.TicketStatusList, status) }
}

func TestInfo_SettingsStatusesAndUsersAreServedFromTheLastRead(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default())
	if err := a.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.ResetLog()
	for range 3 {
		if s, err := a.Settings(t.Context(), nil); err != nil || len(s.Ticket.Priorities) == 0 {
			t.Fatalf("Settings = %v, %v; want the account's priorities", s, err)
		}
		if ts, err := a.TicketSettings(t.Context(), hasStatus("Resolved")); err != nil || !slices.Equal(ts.TicketStatusList, srv.StatusList()) {
			t.Fatalf("TicketSettings = %v, %v; want the statuses %v", ts, err, srv.StatusList())
		}
		if us, err := a.Users(t.Context(), nil); err != nil || len(us) != len(srv.Users()) {
			t.Fatalf("Users = %v, %v; want the account's %d users", us, err, len(srv.Users()))
		}
	}
	if n := srv.Count("", ""); n != 0 {
		t.Errorf("after the refresh, 3 rounds of reads asked Syncro %d times, want none", n)
	}
}

func TestInfo_AStatusNotInTheLastReadReadsOnceMore(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default())
	if err := a.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.AddStatus("Waiting on Parts", false)
	srv.ResetLog()
	ts, err := a.TicketSettings(t.Context(), hasStatus("Waiting on Parts"))
	if err != nil || !slices.Contains(ts.TicketStatusList, "Waiting on Parts") {
		t.Fatalf("TicketSettings = %v, %v; want the status added in Syncro", ts, err)
	}
	if _, err := a.TicketSettings(t.Context(), hasStatus("Waiting on Parts")); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("GET", "/tickets/settings"); n != 1 || srv.Count("", "") != 1 {
		t.Errorf("a status missing from the last read cost %d requests (%d of /tickets/settings), want one read, then none", srv.Count("", ""), n)
	}
	// A name Syncro does not have either costs a read each time it is
	// asked, as before the copy was kept; never more.
	srv.ResetLog()
	if ts, err := a.TicketSettings(t.Context(), hasStatus("Wiating")); err != nil || slices.Contains(ts.TicketStatusList, "Wiating") {
		t.Fatalf("TicketSettings for a typo = %v, %v", ts, err)
	}
	if n := srv.Count("", ""); n != 1 {
		t.Errorf("a typo cost %d requests, want 1", n)
	}
}

func TestInfo_MissesAtOnceShareOneRead(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default())
	srv.Fail("GET", "/tickets/settings", 1, syncrotest.FaultHang)
	const callers = 20
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := a.TicketSettings(t.Context(), nil)
			errs <- err
		}()
	}
	// Every caller waits on the one read Syncro holds before it answers.
	for {
		a.tickets.mu.Lock()
		n := 0
		if f := a.tickets.flight; f != nil {
			n = f.callers
		}
		a.tickets.mu.Unlock()
		if n == callers && srv.Held() == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	srv.ReleaseHangs()
	for range callers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := srv.Count("GET", "/tickets/settings"); n != 1 {
		t.Errorf("%d callers at once read /tickets/settings %d times, want once", callers, n)
	}
}

func TestInfo_AFailedReadIsTheCallersErrorAndKeepsTheLastCopy(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default())
	if err := a.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.Fail("GET", "/tickets/settings", 100, syncrotest.FaultServerError)
	if _, err := a.TicketSettings(t.Context(), hasStatus("Nope")); err == nil {
		t.Error("a miss while Syncro answers 500 gave no error")
	}
	if ts, err := a.TicketSettings(t.Context(), nil); err != nil || len(ts.TicketStatusList) == 0 {
		t.Errorf("after a failed read TicketSettings = %v, %v; want the last copy", ts, err)
	}
}

// OnUsers: each Refresh tells the users it read, so a user removed in
// Syncro is told missing at the next hourly read; a failed read tells
// nothing (a list it did not read is no news of anyone gone).
func TestInfo_OnUsersIsToldEachRefreshsUsers(t *testing.T) {
	t.Parallel()
	a, srv, _ := newInfo(t, labor.Default())
	var told [][]int64
	a.OnUsers(func(_ context.Context, users []syncro.UserRef) {
		var ids []int64
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		told = append(told, ids)
	})
	if err := a.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.RemoveUser(syncrotest.UserTom)
	if err := a.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.Fail("GET", "/users", 20, syncrotest.FaultServerError) // past the client's retries
	_ = a.Refresh(t.Context())
	if len(told) != 2 || !slices.Contains(told[0], syncrotest.UserTom) || slices.Contains(told[1], syncrotest.UserTom) {
		t.Errorf("OnUsers told %v; want two lists, Tom (%d) in the first only", told, syncrotest.UserTom)
	}
}
