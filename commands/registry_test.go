package commands_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/mirror"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// registered builds Commands with every feature cmd/bot registers.
func registered(t *testing.T) *commands.Commands {
	t.Helper()
	return commandstest.NewFixture(t, []commands.Feature{tickets.Register, customers.Register, home.Register}).C
}

// TestRegistry_EveryRenderedIDIsRouted reads every button and every
// modal in the golden replies and checks the registry answers it: a button
// that renders but falls through to "I don't know that button" is the bug
// the registry exists to prevent.
func TestRegistry_EveryRenderedIDIsRouted(t *testing.T) {
	t.Parallel()
	c := registered(t)
	actions, callbacks := c.ActionIDs(), c.CallbackIDs()
	files, _ := filepath.Glob("*/testdata/*.golden")
	if len(files) < 20 {
		t.Fatalf("found %d golden files; the test reads the features' testdata", len(files))
	}
	buttons := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if json.Unmarshal(b, &doc) != nil {
			continue // a plain-text golden
		}
		walk(doc, func(o map[string]any) {
			if o["type"] == "button" {
				buttons++
				id, _ := o["action_id"].(string)
				if !slices.Contains(actions, id) {
					t.Errorf("%s: button %q is rendered but not registered", f, id)
				}
			}
			if o["type"] == "modal" {
				if id, _ := o["callback_id"].(string); !slices.Contains(callbacks, id) {
					t.Errorf("%s: modal %q is rendered but not registered", f, id)
				}
			}
		})
	}
	if buttons == 0 {
		t.Fatal("no button in any golden file")
	}
}

// walk calls fn on every JSON object in v.
func walk(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		for _, e := range v {
			walk(e, fn)
		}
	case []any:
		for _, e := range v {
			walk(e, fn)
		}
	}
}

func TestRegistry_LinkButtonsAreAckedSilently(t *testing.T) {
	t.Parallel()
	f := commandstest.NewFixture(t, []commands.Feature{tickets.Register, customers.Register})
	for _, id := range []string{ticketview.ActionOpenInSyncro, customers.ActionCustomerOpenInSyncro} {
		if !f.C.IsLink(id) {
			t.Errorf("%s is not registered as a link button", id)
		}
		f.Srv.ResetLog()
		r := f.C.Action(context.Background(), commands.Action{Actor: commandstest.Dana, ActionID: id, Value: "1:2"})
		if r.Text != "" || len(r.Blocks) > 0 || r.Modal != nil {
			t.Errorf("click on %s answered %+v, want nothing", id, r)
		}
		if n := len(f.Srv.Requests()); n != 0 {
			t.Errorf("click on %s made %d Syncro requests", id, n)
		}
	}
	if r := f.C.Action(context.Background(), commands.Action{ActionID: "nobody_registered_this"}); r.Text != "I don't know that button; nothing was changed." {
		t.Errorf("unknown button answered %q", r.Text)
	}
}

func TestRegistry_DuplicateIDsPanicAtStart(t *testing.T) {
	t.Parallel()
	noop := func(context.Context, commands.Action) commands.Reply { return commands.Reply{} }
	for name, feature := range map[string]commands.Feature{
		"button twice": func(r *commands.Registry, _ commands.Deps) {
			r.Button(commands.Button{ActionID: "x", Handle: noop})
			r.Button(commands.Button{ActionID: "x", Link: true})
		},
		"command twice": func(r *commands.Registry, _ commands.Deps) {
			r.Slash(commands.Slash{Name: cmdline.NameHelp, Handle: func(context.Context, commands.Request, cmdline.Invocation) commands.Reply { return commands.Reply{} }})
		},
		"command not in the table": func(r *commands.Registry, _ commands.Deps) {
			r.Slash(commands.Slash{Name: "frobnicate", Handle: func(context.Context, commands.Request, cmdline.Invocation) commands.Reply { return commands.Reply{} }})
		},
		"empty action id": func(r *commands.Registry, _ commands.Deps) { r.Button(commands.Button{Handle: noop}) },
		"link with a handler": func(r *commands.Registry, _ commands.Deps) {
			r.Button(commands.Button{ActionID: "y", Link: true, Handle: noop})
		},
		"same feature twice": tickets.Register,
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			features := []commands.Feature{feature}
			if name == "same feature twice" {
				features = append(features, tickets.Register)
			}
			commandstest.NewFixture(t, features)
		})
	}
}

// TestRegistry_StartHooksRunInOrderOnce: Startup runs every feature's
// start hook, in the order they registered, and returns their posts.
func TestRegistry_StartHooksRunInOrderOnce(t *testing.T) {
	t.Parallel()
	var ran []string
	hook := func(name string) commands.Feature {
		return func(r *commands.Registry, _ commands.Deps) {
			r.OnStart(func(context.Context) []commands.Post {
				ran = append(ran, name)
				return []commands.Post{{UserID: "U0" + name, Reply: commands.Reply{Text: name}}}
			})
		}
	}
	c := commandstest.NewFixture(t, []commands.Feature{hook("A"), hook("B")}).C
	if len(ran) != 0 {
		t.Fatalf("hooks ran before Startup: %q", ran)
	}
	posts := c.Startup(context.Background())
	if !slices.Equal(ran, []string{"A", "B"}) || len(posts) != 2 || posts[0].UserID != "U0A" || posts[1].Reply.Text != "B" {
		t.Errorf("ran %q, posts %+v", ran, posts)
	}
}

func TestNew_RefusesToStartWithoutWhatTheFeaturesNeed(t *testing.T) {
	t.Parallel()
	client, err := syncro.NewClient(syncro.Config{BaseURL: "http://127.0.0.1:1/api/v1/", APIKey: "unused"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	m, err := mirror.New(mirror.Config{Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	full := commands.Deps{Syncro: client, Reads: mirror.NewReads(m, client, 0), Account: account.New(client, labor.Default(), nil), Store: st, Labor: labor.Default(), SessionLogs: &sessionlog.Writer{Root: t.TempDir()}}
	if _, err := commands.New(full, tickets.Register, customers.Register); err != nil {
		t.Fatalf("New with every collaborator: %v", err)
	}
	for _, tc := range []struct {
		what, setting string
		drop          func(*commands.Deps)
	}{
		{"no Syncro client", "SYNCRO_API_KEY", func(d *commands.Deps) { d.Syncro = nil }},
		{"no open-ticket mirror", "SYNCRO_POLL_INTERVAL", func(d *commands.Deps) { d.Reads = nil }},
		{"no account settings", "account.New", func(d *commands.Deps) { d.Account = nil }},
		{"no store", "DATA_DIR", func(d *commands.Deps) { d.Store = nil }},
		{"a nil *store.Store", "DATA_DIR", func(d *commands.Deps) { d.Store = (*store.Store)(nil) }},
		{"no labor products", "LABOR_PRODUCTS", func(d *commands.Deps) { d.Labor = nil }},
		{"no session-log writer", "SESSION_LOG_DIR", func(d *commands.Deps) { d.SessionLogs = nil }},
		{"a session-log writer without a folder", "SESSION_LOG_DIR", func(d *commands.Deps) { d.SessionLogs = &sessionlog.Writer{} }},
	} {
		d := full
		tc.drop(&d)
		c, err := commands.New(d, tickets.Register, customers.Register)
		if err == nil || c != nil {
			t.Errorf("New with %s started", tc.what)
			continue
		}
		if !strings.Contains(err.Error(), tc.setting) {
			t.Errorf("New with %s: %q does not name %s", tc.what, err, tc.setting)
		}
	}
}

// Slack adds "(optional)" to an optional input's label itself; a label
// that says it too reads "(optional) (optional)".
func TestForms_OptionalLabelsDoNotSayOptionalTwice(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("*/testdata/modal_*.golden")
	more, _ := filepath.Glob("*/testdata/*_modal_*.golden")
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found %d modal golden files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walk(doc, func(o map[string]any) {
			label, _ := o["label"].(map[string]any)
			text, _ := label["text"].(string)
			if o["type"] == "input" && o["optional"] == true && strings.Contains(strings.ToLower(text), "optional") {
				t.Errorf("%s: optional input labelled %q; Slack adds \"(optional)\" itself", f, text)
			}
		})
	}
}
