package watcher_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/notice"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
	"github.com/syncrobot/syncrobot/watcher"
)

// start is after every seeded ticket's timestamps, so the seed is history.
var start = time.Date(2027, 2, 1, 17, 0, 0, 0, time.UTC)

const webURL = "https://bayline.syncromsp.com"

// notices records what the watcher hands to Notify.
type notices struct {
	mu   sync.Mutex
	msgs []commands.Message
	ch   chan commands.Message
}

func (n *notices) notify(_ context.Context, m commands.Message) error {
	n.mu.Lock()
	n.msgs = append(n.msgs, m)
	n.mu.Unlock()
	select {
	case n.ch <- m:
	default:
	}
	return nil
}

func (n *notices) all() []commands.Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]commands.Message(nil), n.msgs...)
}

// env is a Syncro fake, a store in a temp dir and a watcher, all on one
// manual clock.
type env struct {
	t      *testing.T
	clk    *syncrotest.ManualClock
	srv    *syncrotest.Server
	client *syncro.Client
	// acct is the account data run keeps beside the watcher, read once
	// at the start as run reads it.
	acct   *account.Info
	dir    string
	st     *store.Store
	w      *watcher.Watcher
	got    *notices
	budget int
	// interval is the watcher's Interval; zero is a minute.
	interval time.Duration
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvSyncroAhead(t, 0)
}

// newEnvSyncroAhead is newEnv with Syncro's clock reading ahead of the
// bot's (the manual clock) by ahead: the two machines' clocks disagree.
func newEnvSyncroAhead(t *testing.T, ahead time.Duration) *env {
	t.Helper()
	clk := syncrotest.NewManualClock(start)
	syncroNow := func() time.Time { return clk.Now().Add(ahead) }
	srv := syncrotest.NewServer(t, syncrotest.WithClock(syncroNow), syncrotest.WithRateLimit(0))
	for _, tk := range srv.Tickets() {
		if !tk.UpdatedAt.Before(start) {
			t.Fatalf("seed ticket %d updated at %v, after the test start %v", tk.ID, tk.UpdatedAt, start)
		}
	}
	client, err := syncro.NewClient(syncro.Config{
		BaseURL: srv.URL() + "/", APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000, Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clk: clk, srv: srv, client: client, acct: account.New(client, nil, nil), dir: t.TempDir()}
	if err := e.acct.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The tests count the watcher's own requests.
	srv.ResetLog()
	e.open()
	t.Cleanup(func() { e.st.Close() })
	return e
}

// open opens the store and builds a fresh watcher, as a (re)start does.
func (e *env) open() {
	e.t.Helper()
	st, err := store.Open(e.dir, store.WithClock(e.clk.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	e.got = &notices{ch: make(chan commands.Message, 100)}
	w, err := watcher.New(watcher.Config{
		Syncro: e.client, Store: st, Account: e.acct, Notify: e.got.notify, Interval: cmp.Or(e.interval, time.Minute),
		Budget: e.budget, HintDelay: time.Nanosecond, WebURL: webURL, Now: e.clk.Now, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.w = w
}

// restart closes the store and opens it again with a new watcher.
func (e *env) restart() {
	e.t.Helper()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func (e *env) poll() {
	e.t.Helper()
	if err := e.w.Poll(e.t.Context()); err != nil {
		e.t.Fatalf("Poll: %v", err)
	}
}

// openTicket adds an open ticket, as if created in Syncro's web app.
func (e *env) openTicket(subject string) syncrotest.Ticket {
	e.t.Helper()
	return e.srv.AddTicket(syncrotest.Ticket{
		Subject: subject, CustomerID: e.srv.Customers()[0].ID, UserID: syncrotest.UserMarcus, ProblemType: "Helpdesk",
	})
}

func (e *env) setStatus(id int64, status string) {
	e.t.Helper()
	if err := e.srv.SetTicketStatus(id, status); err != nil {
		e.t.Fatal(err)
	}
}

// requests counts logged requests with exactly this method and path.
func (e *env) requests(method, path string) int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// requestLines lists the Syncro request log, one request a line, for a
// failure message.
func (e *env) requestLines() string {
	var b strings.Builder
	for _, r := range e.srv.Requests() {
		b.WriteString("\n  " + r.Method + " " + r.Path + "?" + r.Query)
	}
	return b.String()
}

// closing marks ticket id as being closed by a flow of the bot, as the
// flow does before its status write, and returns the Announcer.
func (e *env) closing(id int64) *notice.Announcer {
	e.t.Helper()
	a := notice.NewAnnouncer(e.st)
	if err := a.Closing(id, "flow-1"); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// wantNoNotice checks nothing was announced; when says at which point.
func (e *env) wantNoNotice(when string) {
	e.t.Helper()
	if got := e.got.all(); len(got) != 0 {
		e.t.Errorf("announced %q %s, want nothing", texts(got), when)
	}
}

func texts(ms []commands.Message) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return strings.Join(out, "\n")
}

// blockJSON is m's blocks as Slack receives them (no \u003c escapes).
func blockJSON(t *testing.T, m commands.Message) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m.Blocks); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
