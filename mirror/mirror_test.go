package mirror_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/mirror"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// fixture is a seeded Syncro, a client hooked to a mirror as run wires
// them, and Reads over both, on one manual clock.
type fixture struct {
	clk    *fakeclock.Manual
	srv    *syncrotest.Server
	m      *mirror.Mirror
	client *syncro.Client
	reads  *mirror.Reads
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := fakeclock.New(syncrotest.SeedNow)
	srv := syncrotest.NewServer(t, syncrotest.WithClock(clk.Now))
	m, err := mirror.New(mirror.Config{Interval: time.Minute, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := syncro.Config{
		BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000,
		Sleep: func(context.Context, time.Duration) error { return nil },
	}
	m.Hook(&cfg)
	client, err := syncro.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{clk: clk, srv: srv, m: m, client: client, reads: mirror.NewReads(m, client, mirror.DefaultTTL)}
}

// newWarmFixture is newFixture with the mirror filled.
func newWarmFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	f.warm(t)
	return f
}

func (f *fixture) warm(t *testing.T) {
	t.Helper()
	if err := f.m.Warm(t.Context(), f.client); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) ticket(t *testing.T, n int64) syncrotest.Ticket {
	t.Helper()
	tk, ok := f.srv.TicketByNumber(n)
	if !ok {
		t.Fatalf("no seed ticket #%d", n)
	}
	return tk
}

// record is ticket tk as Syncro would answer with it, with status and
// updated_at set.
func record(tk syncrotest.Ticket, status string, at time.Time) syncro.Ticket {
	return syncro.Ticket{ID: tk.ID, Number: syncro.Number(itoa(tk.Number)), Subject: tk.Subject, Status: status, UpdatedAt: syncro.Timestamp{Time: at}}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func holds(m *mirror.Mirror, id int64) (syncro.Ticket, bool) {
	s, _ := m.Open(func(t *syncro.Ticket) bool { return t.ID == id })
	if len(s.Tickets) == 0 {
		return syncro.Ticket{}, false
	}
	return s.Tickets[0], true
}

func TestMirror_ColdUntilWarmThenOneCallPer100Open(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, ok := f.m.Open(nil); ok {
		t.Fatal("a mirror never filled answered")
	}
	f.srv.ResetLog()
	f.warm(t)
	if n := f.srv.Count("GET", "/tickets"); n != 1 {
		t.Errorf("warm-up made %d listings for the seed's open tickets, want 1", n)
	}
	s, ok := f.m.Open(nil)
	open := 0
	for _, tk := range f.srv.Tickets() {
		if !syncro.IsClosedStatus(tk.Status) {
			open++
		}
	}
	if !ok || len(s.Tickets) != open || s.Stale {
		t.Errorf("after warm-up: ok %v, %d tickets, stale %v; want %d, fresh", ok, len(s.Tickets), s.Stale, open)
	}
}

func TestMirror_AnOlderRecordNeverUndoesANewerOne(t *testing.T) {
	t.Parallel()
	f := newWarmFixture(t)
	tk := f.ticket(t, syncrotest.SeedTicketPrinter)
	t0 := syncrotest.SeedNow.Add(time.Hour)

	// The bot closes the ticket; a listing answered just before the close
	// arrives after it, with the same updated_at (Syncro's second).
	f.m.Observe([]syncro.Ticket{record(tk, "Resolved", t0)})
	f.m.Observe([]syncro.Ticket{record(tk, "New", t0)})
	f.m.Observe([]syncro.Ticket{record(tk, "New", t0.Add(-time.Minute))})
	if got, ok := holds(f.m, tk.ID); ok {
		t.Fatalf("a listing older than the close brought #%d back as %q", tk.Number, got.Status)
	}
	// Reopened later: it is back.
	f.m.Observe([]syncro.Ticket{record(tk, "In Progress", t0.Add(time.Minute))})
	if got, ok := holds(f.m, tk.ID); !ok || got.Status != "In Progress" {
		t.Fatalf("reopened #%d: held %v as %q, want In Progress", tk.Number, ok, got.Status)
	}
	// An older open record does not overwrite a newer one either.
	f.m.Observe([]syncro.Ticket{record(tk, "New", t0)})
	if got, _ := holds(f.m, tk.ID); got.Status != "In Progress" {
		t.Errorf("an older record set #%d to %q", tk.Number, got.Status)
	}
}

func TestMirror_WarmDropsWhatSyncroNoLongerLists(t *testing.T) {
	t.Parallel()
	f := newWarmFixture(t)
	tk := f.ticket(t, syncrotest.SeedTicketPrinter)
	// Gone from Syncro without the mirror hearing (deleted in the web app).
	if _, err := f.client.Tickets.Delete(t.Context(), tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := holds(f.m, tk.ID); !ok {
		t.Fatal("setup: the deleted ticket should still be held before a resync")
	}
	f.clk.Advance(mirror.DefaultResync)
	if err := f.m.Resync(t.Context(), f.client); err != nil {
		t.Fatal(err)
	}
	if _, ok := holds(f.m, tk.ID); ok {
		t.Error("the hourly resync kept a ticket Syncro no longer lists")
	}
}

func TestMirror_StaleAfterOneIntervalAndHalfWithoutASync(t *testing.T) {
	t.Parallel()
	f := newWarmFixture(t)
	f.clk.Advance(90 * time.Second)
	if s, _ := f.m.Open(nil); s.Stale {
		t.Errorf("stale at %s with a 1 min interval", s.Age)
	}
	f.clk.Advance(time.Second)
	if s, _ := f.m.Open(nil); !s.Stale || s.Age != 91*time.Second {
		t.Errorf("stale %v at %s, want stale at 1m31s", s.Stale, s.Age)
	}
	f.m.Synced(f.clk.Now())
	if s, _ := f.m.Open(nil); s.Stale || s.Age != 0 {
		t.Errorf("after a poll: stale %v, age %s", s.Stale, s.Age)
	}
}

func TestReads_IdenticalConcurrentReadsShareOneCall(t *testing.T) {
	t.Parallel()
	f := newWarmFixture(t)
	tk := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	f.srv.ResetLog()
	// Hold the first read in Syncro until every reader has asked.
	f.srv.Fail("GET", "/tickets/*", 1, syncrotest.FaultHang)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			id, err := f.reads.TicketID(t.Context(), itoa(tk.Number))
			if err == nil {
				_, err = f.reads.Ticket(t.Context(), id)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	for f.srv.Held() == 0 {
		time.Sleep(time.Millisecond) // waiting on the fake's state, not a timing assertion
	}
	f.srv.ReleaseHangs()
	wg.Wait()
	if n := len(f.srv.Requests()); n != 1 {
		t.Errorf("20 concurrent reads of open #%d made %d requests, want 1 (the id from the mirror, one GET)", tk.Number, n)
	}
}

// TestReads_OnlyWhoWaitsOnAnothersReadIsParked: the reader that starts a
// read is not parked (its slot stands for the Syncro work); each one that
// waits on it is, and resumed once the answer is there.
func TestReads_OnlyWhoWaitsOnAnothersReadIsParked(t *testing.T) {
	t.Parallel()
	f := newWarmFixture(t)
	tk := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	f.srv.Fail("GET", "/tickets/*", 1, syncrotest.FaultHang)
	var mu sync.Mutex
	parked, resumed := 0, 0
	ctx := mirror.WithSharedWait(t.Context(), func() func() {
		mu.Lock()
		defer mu.Unlock()
		parked++
		return func() {
			mu.Lock()
			defer mu.Unlock()
			resumed++
		}
	})
	counts := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return parked, resumed
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := f.reads.Ticket(ctx, tk.ID); err != nil {
			t.Error(err)
		}
	})
	for f.srv.Held() == 0 {
		time.Sleep(time.Millisecond) // waiting on the fake's state, not a timing assertion
	}
	if p, _ := counts(); p != 0 {
		t.Errorf("the reader that started the read was parked %d times", p)
	}
	for range 5 {
		wg.Go(func() {
			if _, err := f.reads.Ticket(ctx, tk.ID); err != nil {
				t.Error(err)
			}
		})
	}
	for p, _ := counts(); p < 5; p, _ = counts() {
		time.Sleep(time.Millisecond) // waiting on the readers to join, not a timing assertion
	}
	f.srv.ReleaseHangs()
	wg.Wait()
	if p, r := counts(); p != 5 || r != 5 {
		t.Errorf("5 readers waiting on another's read: parked %d, resumed %d; want 5 and 5", p, r)
	}
}

func TestReads_KeptUntilTTLOrAWriteOrANewerRecord(t *testing.T) {
	t.Parallel()
	f := newWarmFixture(t)
	tk := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	read := func() {
		t.Helper()
		if _, err := f.reads.Ticket(t.Context(), tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	gets := func() int { return f.srv.Count("GET", "/tickets/"+itoa(tk.ID)) }

	read()
	read()
	if n := gets(); n != 1 {
		t.Fatalf("two reads within the TTL made %d GETs, want 1", n)
	}
	f.clk.Advance(mirror.DefaultTTL)
	read()
	if n := gets(); n != 2 {
		t.Errorf("a read after the TTL made %d GETs in all, want 2", n)
	}
	// The bot writes (any ticket): nothing read before is kept.
	if _, _, err := f.client.Tickets.PostComment(t.Context(), tk.ID, &syncro.CommentRequest{Subject: "Note", Body: "Called the vendor.", Hidden: true, DoNotEmail: true}); err != nil {
		t.Fatal(err)
	}
	read()
	if n := gets(); n != 3 {
		t.Errorf("a read after the bot's write made %d GETs in all, want 3", n)
	}
	// The watcher sees a newer record of it (changed in the web app).
	f.clk.Advance(time.Second)
	if !f.srv.TouchTicket(tk.ID) {
		t.Fatal("touch")
	}
	if _, _, err := f.client.Tickets.List(t.Context(), &syncro.TicketListOptions{SinceUpdatedAt: f.clk.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	read()
	if n := gets(); n != 4 {
		t.Errorf("a read after a newer record was listed made %d GETs in all, want 4", n)
	}
}

func TestMatches_PhraseInSubjectCustomerContactOrNumber(t *testing.T) {
	t.Parallel()
	tk := &syncro.Ticket{Number: "32150", Subject: "Own cloud thing again", CustomerBusinessThenName: "Acme Corp.", ContactFullname: "Jerry Burger"}
	for _, tc := range []struct {
		words string
		want  bool
	}{
		{"cloud  THING", true}, {"acme", true}, {"burger", true}, {"3215", true},
		{"thing cloud", false}, {"", false}, {"printer", false},
	} {
		if got := mirror.Matches(tk, tc.words); got != tc.want {
			t.Errorf("Matches(%q) = %v, want %v", tc.words, got, tc.want)
		}
	}
}
