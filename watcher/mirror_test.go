package watcher_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/mirror"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
	"github.com/syncrobot/syncrobot/watcher"
)

// mirrorEnv is env with the open-ticket mirror fed by the client, as run
// wires it; notify false leaves the watcher without Notify (no
// NOTIFY_CHANNEL).
func mirrorEnv(t *testing.T, notify bool) (*env, *mirror.Mirror) {
	t.Helper()
	e := newEnv(t)
	m, err := mirror.New(mirror.Config{Interval: time.Minute, Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := syncro.Config{
		BaseURL: e.srv.URL() + "/", APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000, Now: e.clk.Now,
		Sleep: func(context.Context, time.Duration) error { return nil },
	}
	m.Hook(&cfg)
	if e.client, err = syncro.NewClient(cfg); err != nil {
		t.Fatal(err)
	}
	if err := m.Warm(t.Context(), e.client); err != nil {
		t.Fatal(err)
	}
	wcfg := watcher.Config{Syncro: e.client, Store: e.st, Account: e.acct, Mirror: m, Interval: time.Minute, Now: e.clk.Now, Logger: slog.New(slog.DiscardHandler)}
	if notify {
		wcfg.Notify = e.got.notify
	}
	if e.w, err = watcher.New(wcfg); err != nil {
		t.Fatal(err)
	}
	return e, m
}

// openNumbers is the numbers of the mirror's open tickets.
func openNumbers(t *testing.T, m *mirror.Mirror) []string {
	t.Helper()
	s, ok := m.Open(nil)
	if !ok {
		t.Fatal("the mirror is cold")
	}
	var out []string
	for _, tk := range s.Tickets {
		out = append(out, string(tk.Number))
	}
	slices.Sort(out)
	return out
}

func TestPoll_KeepsTheMirrorCurrentWithoutNotify(t *testing.T) {
	t.Parallel()
	e, m := mirrorEnv(t, false)
	e.poll() // first start: the window opens at the mirror's fill
	created := e.openTicket("Scanner offline")
	gone := e.openTicket("Mailbox full")
	e.poll()
	e.clk.Advance(time.Minute)
	e.setStatus(gone.ID, "Resolved")
	e.setStatus(created.ID, "Waiting on Customer")
	e.poll()

	s, _ := m.Open(func(tk *syncro.Ticket) bool { return tk.ID == created.ID || tk.ID == gone.ID })
	if len(s.Tickets) != 1 || s.Tickets[0].ID != created.ID || s.Tickets[0].Status != "Waiting on Customer" {
		t.Errorf("mirror holds %+v, want only the created ticket, Waiting on Customer", s.Tickets)
	}
	if s.Stale {
		t.Errorf("mirror stale right after a poll (age %s)", s.Age)
	}
	if e.got.all() != nil {
		t.Errorf("announced %q without Notify", texts(e.got.all()))
	}
	if done, err := e.st.WasAnnounced(gone.ID); err != nil || done {
		t.Errorf("close marked announced without Notify (%v, %v)", done, err)
	}
}

func TestPoll_AfterAnOutageTheMirrorSaysItsAgeThenCatchesUp(t *testing.T) {
	t.Parallel()
	e, m := mirrorEnv(t, true)
	e.poll()
	tk := e.openTicket("Printer jams")
	e.poll()

	e.srv.Fail("GET", "/tickets", 100, syncrotest.FaultServerError)
	e.clk.Advance(3 * time.Minute)
	e.setStatus(tk.ID, "In Progress")
	if err := e.w.Poll(e.t.Context()); err == nil {
		t.Fatal("poll succeeded during the outage")
	}
	s, _ := m.Open(nil)
	if !s.Stale || s.Age < 3*time.Minute {
		t.Errorf("during the outage: stale %v, age %s; want stale, at least 3 min", s.Stale, s.Age)
	}

	e.srv.ClearFaults()
	e.poll()
	s, _ = m.Open(func(x *syncro.Ticket) bool { return x.ID == tk.ID })
	if s.Stale || len(s.Tickets) != 1 || s.Tickets[0].Status != "In Progress" {
		t.Errorf("after the outage: stale %v, %+v; want fresh, In Progress", s.Stale, s.Tickets)
	}
}

func TestPoll_FirstStartWindowOpensAtTheMirrorsFill(t *testing.T) {
	t.Parallel()
	e, m := mirrorEnv(t, true)
	filled := m.AsOf()
	e.clk.Advance(30 * time.Second) // the first poll comes a little after the fill
	e.poll()
	cursor, ok, err := e.st.Cursor(watcher.CursorName)
	if err != nil || !ok {
		t.Fatalf("no cursor after the first poll (%v)", err)
	}
	if want := filled.Add(watcher.Overlap); !cursor.Equal(want) {
		t.Errorf("cursor %v, want the fill %v plus the overlap", cursor, filled)
	}
}
