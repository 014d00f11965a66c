// Package commandstest holds what the features' tests share: a Commands on a
// seeded syncrotest, golden files, request-log helpers and form builders.
package commandstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/golden"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/mirror"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Fixture is Commands wired to a seeded in-memory Syncro whose clock, like
// the Commands' clock, reads syncrotest.SeedNow, with session logs going to
// a temp dir.
type Fixture struct {
	Srv  *syncrotest.Server
	C    *commands.Commands
	Logs string
	// Log is what the commands logged, as JSON lines.
	Log *syncbuf.Buffer
	// Store is the commands' store, for a test to set up what the bot
	// would have recorded (an audit entry of an outcome Syncro's fakes
	// cannot make).
	Store commands.Store
}

// NewFixture answers with features against a fresh seeded syncrotest. Like
// a running bot, it has read the account's currency and labor product
// names before the first command (and the request log starts after).
func NewFixture(t *testing.T, features []commands.Feature, opts ...syncrotest.Option) *Fixture {
	t.Helper()
	return NewFixtureOn(t, nil, features, opts...)
}

// NewFixtureOn is NewFixture whose commands use the store wrap makes of
// the fixture's own (one that fails a call on purpose); Fixture.Store is
// still the fixture's own. A nil wrap is NewFixture.
func NewFixtureOn(t *testing.T, wrap func(commands.Store) commands.Store, features []commands.Feature, opts ...syncrotest.Option) *Fixture {
	t.Helper()
	now := func() time.Time { return syncrotest.SeedNow }
	srv := syncrotest.NewServer(t, append([]syncrotest.Option{syncrotest.WithClock(now)}, opts...)...)
	client, err := syncro.NewClient(syncro.Config{
		BaseURL:       srv.URL(),
		APIKey:        syncrotest.DefaultAPIKey,
		RatePerMinute: 100000,
		Sleep:         func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	logs, log := t.TempDir(), &syncbuf.Buffer{}
	acct := account.New(client, labor.Default(), nil)
	if err := acct.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.ResetLog()
	st := openStore(t)
	var used commands.Store = st
	if wrap != nil {
		used = wrap(st)
	}
	c := MustNew(t, commands.Deps{
		Syncro: client, Account: acct, WebURL: "https://bayline.syncromsp.com", Now: now, Store: used,
		SessionLogs: &sessionlog.Writer{Root: logs, Now: now},
		Logger:      slog.New(slog.NewJSONHandler(log, nil)),
	}, features...)
	return &Fixture{Srv: srv, C: c, Logs: logs, Log: log, Store: st}
}

// MustNew is commands.New for tests: the required collaborators d lacks
// are filled in (a store and a session-log folder in t's temp dirs, a
// Syncro client that reaches nothing, account settings never read) and a
// refusal fails t.
func MustNew(t *testing.T, d commands.Deps, features ...commands.Feature) *commands.Commands {
	t.Helper()
	if d.Syncro == nil {
		client, err := syncro.NewClient(syncro.Config{BaseURL: "http://127.0.0.1:1/api/v1/", APIKey: "unused"})
		if err != nil {
			t.Fatal(err)
		}
		d.Syncro = client
	}
	if d.Reads == nil {
		// A cold mirror: lists come from Syncro, as before the bot's start
		// has filled it, and reads are shared but nothing is kept, so a
		// test may change the fake directly and read it back.
		m, err := mirror.New(mirror.Config{Interval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		d.Reads = mirror.NewReads(m, d.Syncro, 0)
	}
	if d.Store == nil {
		d.Store = openStore(t)
	}
	if d.Labor == nil {
		d.Labor = labor.Default()
	}
	if d.SessionLogs == nil {
		d.SessionLogs = &sessionlog.Writer{Root: t.TempDir(), Now: d.Now}
	}
	if d.Account == nil {
		d.Account = account.New(d.Syncro, d.Labor, nil) // never read: no currency, no labor names
	}
	c, err := commands.New(d, features...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// openStore is a bbolt store in t's temp dir, closed when t ends.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Golden compares got with testdata/name, or rewrites the file under
// -update (package golden). Rendering changes are reviewed as diffs of
// these files.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

// Dana is the seed's billing admin, asking in most write tests.
var Dana = commands.Actor{SlackUserID: "U0DANA", SlackTeamID: "T0BAYLINE", Name: "Dana Whitfield", Email: "dana@baylineit.com", CanBill: true}

// Slash runs "/syncro text" as dana and returns the reply and the Syncro
// requests it made.
func (f *Fixture) Slash(t *testing.T, text string) (commands.Reply, []syncrotest.Request) {
	t.Helper()
	f.Srv.ResetLog()
	r := f.C.Slash(t.Context(), commands.Request{Actor: Dana, ChannelID: "C0TECHS", Text: text, EnvelopeID: "env-1"})
	return r, f.Srv.Requests()
}

// Submit submits s and returns the reply and the Syncro requests it made.
func (f *Fixture) Submit(t *testing.T, s commands.Submission) (commands.Reply, []syncrotest.Request) {
	t.Helper()
	if errs := f.C.Validate(s); len(errs) > 0 {
		t.Fatalf("Validate: %v", errs)
	}
	f.Srv.ResetLog()
	r := f.C.Submit(t.Context(), s)
	return r, f.Srv.Requests()
}

// Ticket is the seed ticket with number n.
func (f *Fixture) Ticket(t *testing.T, n int64) syncrotest.Ticket {
	t.Helper()
	tk, ok := f.Srv.TicketByNumber(n)
	if !ok {
		t.Fatalf("no seed ticket #%d", n)
	}
	return tk
}

// OpenModal runs a modal-opening slash command and returns its modal.
func (f *Fixture) OpenModal(t *testing.T, text string) *slack.ModalViewRequest {
	t.Helper()
	r, reqs := f.Slash(t, text)
	if r.Modal == nil {
		t.Fatalf("%q: no modal; reply %q%s", text, r.Text, ReqLines(reqs))
	}
	return r.Modal
}

// Accepted is posts as a start posts them when Slack accepts each one:
// every Sent hears nil.
func Accepted(posts []commands.Post) []commands.Post {
	for _, p := range posts {
		if p.Sent != nil {
			p.Sent(nil)
		}
	}
	return posts
}

// ReqLines summarises a request log for failure messages.
func ReqLines(reqs []syncrotest.Request) string {
	var b strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&b, "\n  %s %s?%s → %d %s", r.Method, r.Path, r.Query, r.Status, slackfmt.Truncate(r.Body, 120))
	}
	return b.String()
}

// CountReqs counts requests with method and a path matching pred.
func CountReqs(reqs []syncrotest.Request, method, suffix string) int {
	n := 0
	for _, r := range reqs {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// PrettyJSON is v indented, with &, < and > kept readable.
func PrettyJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// CheckModal checks Slack's limits and our conventions on a modal.
func CheckModal(t *testing.T, v *slack.ModalViewRequest) {
	t.Helper()
	if n := cmdline.RuneLen(v.Title.Text); n > slackfmt.MaxModalTitle || n == 0 {
		t.Errorf("title %q has %d chars", v.Title.Text, n)
	}
	if v.Submit != nil && cmdline.RuneLen(v.Submit.Text) > slackfmt.MaxModalTitle {
		t.Errorf("submit %q too long", v.Submit.Text)
	}
	if n := cmdline.RuneLen(v.PrivateMetadata); n > slackfmt.MaxPrivateMetadata {
		t.Errorf("private_metadata has %d chars", n)
	}
	inputs := 0
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok {
			continue
		}
		inputs++
		raw, _ := json.Marshal(in.Element)
		var el struct {
			ActionID string `json:"action_id"`
			Options  []any  `json:"options"`
		}
		_ = json.Unmarshal(raw, &el)
		if el.ActionID != in.BlockID {
			t.Errorf("block %s: action id %q, want the block id", in.BlockID, el.ActionID)
		}
		if len(el.Options) > slackfmt.MaxSelectOptions {
			t.Errorf("block %s: %d options", in.BlockID, len(el.Options))
		}
	}
	if inputs > 0 && v.Submit == nil {
		t.Error("a modal with inputs must define submit")
	}
}
