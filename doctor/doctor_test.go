package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/doctor"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

const notifyChannel = "C0NOTIFY"

// env is a deployment wired to the fakes: slackfake, and syncrotest
// behind a small wrapper that can take permissions out of GET /me (the
// fake always grants everything).
type env struct {
	slack  *slackfake.Fake
	syncro *syncrotest.Server
	vars   map[string]string
	// drop lists /me permissions ("invoice.write") the wrapper removes.
	drop []string
}

func newEnv(t *testing.T, channels ...slackfake.Channel) *env {
	t.Helper()
	if len(channels) == 0 {
		channels = []slackfake.Channel{{ID: notifyChannel, Name: "ops"}}
	}
	e := &env{
		slack:  slackfake.NewServer(t, slackfake.WithChannels(channels...)),
		syncro: syncrotest.NewServer(t),
	}
	front := httptest.NewServer(http.HandlerFunc(e.serveSyncro))
	t.Cleanup(front.Close)
	dir := t.TempDir()
	e.vars = map[string]string{
		"SLACK_BOT_TOKEN": slackfake.DefaultBotToken,
		"SLACK_APP_TOKEN": slackfake.DefaultAppToken,
		"SLACK_API_URL":   e.slack.APIURL(),
		"SYNCRO_BASE_URL": front.URL + syncrotest.APIPrefix + "/",
		"SYNCRO_API_KEY":  syncrotest.DefaultAPIKey,
		"NOTIFY_CHANNEL":  notifyChannel,
		"DATA_DIR":        filepath.Join(dir, "data"),
		"SESSION_LOG_DIR": filepath.Join(dir, "logs"),
	}
	return e
}

// serveSyncro forwards to syncrotest, editing /me's permissions on the way.
func (e *env) serveSyncro(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != syncrotest.APIPrefix+"/me" || len(e.drop) == 0 {
		e.syncro.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	e.syncro.ServeHTTP(rec, r)
	var me map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &me) != nil {
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	perms := me["permissions"].(map[string]any)
	for _, p := range e.drop {
		res, act, _ := strings.Cut(p, ".")
		perms[res].(map[string]any)[act] = false
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(me)
}

func (e *env) run(t *testing.T) (doctor.Report, string) {
	t.Helper()
	cfg, err := config.Load(context.Background(), func(k string) string { return e.vars[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	r := doctor.Run(context.Background(), cfg, doctor.Options{})
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	// The doctor must never change anything in Syncro.
	for _, req := range e.syncro.Requests() {
		if req.Method != http.MethodGet {
			t.Errorf("doctor sent %s %s to Syncro; it must only read", req.Method, req.Path)
		}
	}
	return r, b.String()
}

func TestRun_AllGoodPasses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, out := e.run(t)
	if !r.OK() {
		t.Fatalf("report failed:\n%s", out)
	}
	for _, want := range []string{
		"✓ Slack bot token: authenticated as @syncro in Home MSP (T0HOME).",
		"✓ Slack app token: Socket Mode connections can be opened",
		"✓ Syncro API key: the key belongs to",
		"✓ Syncro permissions for invoices (bill): granted (invoice.read, invoice.write).",
		"– Syncro permissions for timers and time entries: not checkable via /me",
		"✓ Labor product remote (1190473): \"Labor - Remote Business\".",
		"✓ NOTIFY_CHANNEL: #ops exists and the bot is a member",
		"✓ DATA_DIR writable:",
		"✓ SESSION_LOG_DIR writable:",
		"All ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := e.syncro.Count(http.MethodGet, "/products/"); n != 7 {
		t.Errorf("GET /products/{id} sent %d times, want one per labor product (7)", n)
	}
	if strings.Contains(out, syncrotest.DefaultAPIKey) || strings.Contains(out, slackfake.DefaultBotToken) {
		t.Error("output contains a secret")
	}
}

func TestRun_EachFailureIsReportedWithItsFix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		channels []slackfake.Channel
		setup    func(t *testing.T, e *env)
		line     string // the failing line's start
		fix      string // part of its fix
	}{
		{
			name:  "bad bot token",
			setup: func(t *testing.T, e *env) { e.vars["SLACK_BOT_TOKEN"] = "xoxb-wrong" },
			line:  "✗ Slack bot token: Slack refused it (invalid_auth).",
			fix:   "Fix: copy the Bot User OAuth Token (xoxb-…)",
		},
		{
			name:  "bad app token",
			setup: func(t *testing.T, e *env) { e.vars["SLACK_APP_TOKEN"] = "xapp-wrong" },
			line:  "✗ Slack app token: Slack refused it (invalid_auth).",
			fix:   "connections:write",
		},
		{
			name: "missing scope on conversations.info",
			setup: func(t *testing.T, e *env) {
				e.slack.InjectFault("conversations.info", slackfake.Fault{Error: "missing_scope"})
			},
			line: "✗ NOTIFY_CHANNEL: the bot token lacks the scope to read channel info",
			fix:  "add channels:read and groups:read",
		},
		{
			name:  "unknown channel",
			setup: func(t *testing.T, e *env) { e.vars["NOTIFY_CHANNEL"] = "C0NOWHERE" },
			line:  "✗ NOTIFY_CHANNEL: Slack knows no channel C0NOWHERE",
			fix:   "copy the id from the channel's details",
		},
		{
			name:     "private channel without the bot",
			channels: []slackfake.Channel{{ID: notifyChannel, Name: "ops", IsPrivate: true, BotNotInChannel: true}},
			line:     "✗ NOTIFY_CHANNEL: #ops is private and the bot is not a member.",
			fix:      "type /invite @syncro in #ops.",
		},
		{
			name:  "syncro 401",
			setup: func(t *testing.T, e *env) { e.vars["SYNCRO_API_KEY"] = "not-the-key" },
			line:  "✗ Syncro API key: Syncro rejected the key (401).",
			fix:   "Fix: create a new token under Admin › API › API Tokens and set SYNCRO_API_KEY.",
		},
		{
			name:  "/me lacks invoice write",
			setup: func(t *testing.T, e *env) { e.drop = []string{"invoice.write"} },
			line:  "✗ Syncro permissions for invoices (bill): the key lacks invoice.write.",
			fix:   "edit the token's permissions",
		},
		{
			name:  "/me lacks customer read and write",
			setup: func(t *testing.T, e *env) { e.drop = []string{"customer.read", "customer.write"} },
			line:  "✗ Syncro permissions for customers (look up, create): the key lacks customer.read, customer.write.",
			fix:   "edit the token's permissions",
		},
		{
			name:  "unknown product id",
			setup: func(t *testing.T, e *env) { e.vars["LABOR_PRODUCTS"] = "remote=1190473,onsite=424242" },
			line:  "✗ Labor product onsite (424242): Syncro has no product 424242.",
			fix:   "in LABOR_PRODUCTS set onsite=<id>",
		},
		{
			name: "unwritable data dir",
			setup: func(t *testing.T, e *env) {
				// Tests run as root, so permissions do not stop writes; a
				// path below a regular file cannot be a directory for anyone.
				file := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(file, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				e.vars["DATA_DIR"] = filepath.Join(file, "data")
			},
			line: "✗ DATA_DIR writable:",
			fix:  "make it writable by the bot's user",
		},
		{
			name: "unwritable session log dir",
			setup: func(t *testing.T, e *env) {
				file := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(file, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				e.vars["SESSION_LOG_DIR"] = file
			},
			line: "✗ SESSION_LOG_DIR writable: cannot create a file in",
			fix:  "point SESSION_LOG_DIR at a writable directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.channels...)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			r, out := e.run(t)
			if r.OK() {
				t.Fatalf("report passed, want a failure:\n%s", out)
			}
			var line string
			for l := range strings.SplitSeq(out, "\n") {
				if strings.HasPrefix(l, tt.line) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no line starting %q:\n%s", tt.line, out)
			}
			if !strings.Contains(line, tt.fix) {
				t.Errorf("line %q lacks fix %q", line, tt.fix)
			}
			if n := strings.Count(out, "✗"); n != 1 && !strings.HasPrefix(tt.line, "✗ Syncro API key") && !strings.HasPrefix(tt.line, "✗ Slack bot token") {
				t.Errorf("%d failures, want only the injected one:\n%s", n, out)
			}
		})
	}
}

func TestRun_PublicChannelWithoutMembershipReliesOnChatWritePublic(t *testing.T) {
	t.Parallel()
	e := newEnv(t, slackfake.Channel{ID: notifyChannel, Name: "ops", BotNotInChannel: true})
	r, out := e.run(t)
	if !r.OK() || !strings.Contains(out, "✓ NOTIFY_CHANNEL: #ops is public; the bot is not a member, so posting relies on chat:write.public") {
		t.Fatalf("want a pass that names chat:write.public:\n%s", out)
	}
}

func TestConfigErrors_OneFailedCheckPerVariable(t *testing.T) {
	t.Parallel()
	_, err := config.Load(context.Background(), func(k string) string {
		return map[string]string{"SLACK_BOT_TOKEN": "xoxp-user", "SYNCRO_SUBDOMAIN": "acme"}[k]
	})
	if err == nil {
		t.Fatal("want a config error")
	}
	r := doctor.ConfigErrors(err)
	var b bytes.Buffer
	_ = r.Write(&b)
	out := b.String()
	if r.OK() {
		t.Fatal("config errors reported OK")
	}
	for _, want := range []string{"✗ SLACK_APP_TOKEN:", "✗ SLACK_BOT_TOKEN:", "✗ SYNCRO_API_KEY:", "Fix: create a token under Admin › API › API Tokens"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestRun_WarnsWhenEveryoneMayMergeCustomers: with ALLOWED_USERS and
// ADMIN_USERS both empty, the report still passes but says, with a "!",
// that every member can merge and delete customers; a list silences it.
func TestRun_WarnsWhenEveryoneMayMergeCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, out := e.run(t)
	if !r.OK() {
		t.Fatalf("a warning failed the report:\n%s", out)
	}
	if !strings.Contains(out, "! Access: ALLOWED_USERS and ADMIN_USERS are both empty: every member of the workspace can use the bot, and every member can merge and delete customers") ||
		!strings.Contains(out, "Fix: set ADMIN_USERS") {
		t.Errorf("output lacks the access warning with its fix:\n%s", out)
	}

	e.vars["ADMIN_USERS"] = "U0123456789"
	if _, out := e.run(t); !strings.Contains(out, "✓ Access: 1 users or groups may merge and delete customers") {
		t.Errorf("with ADMIN_USERS set, output lacks the passing access line:\n%s", out)
	}
}

// TestRun_SharedNotifyChannelFails: a NOTIFY_CHANNEL read outside the
// workspace fails the check, since notices name tickets and customers:
// shared with another workspace, invited to be, shared across the org,
// or marked shared in any other way.
func TestRun_SharedNotifyChannelFails(t *testing.T) {
	t.Parallel()
	for _, ch := range []slackfake.Channel{
		{ID: notifyChannel, Name: "shared-acme", IsExtShared: true},
		{ID: notifyChannel, Name: "shared-acme", IsPendingExtShared: true},
		{ID: notifyChannel, Name: "shared-acme", IsOrgShared: true},
		{ID: notifyChannel, Name: "shared-acme", IsShared: true},
	} {
		e := newEnv(t, ch)
		r, out := e.run(t)
		if r.OK() {
			t.Errorf("a shared NOTIFY_CHANNEL (%+v) passed:\n%s", ch, out)
		}
		if !strings.Contains(out, "✗ NOTIFY_CHANNEL: #shared-acme is shared with another workspace") {
			t.Errorf("output lacks the shared-channel failure for %+v:\n%s", ch, out)
		}
	}
}
