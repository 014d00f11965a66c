// Package demo runs syncrobot with no Slack workspace and no Syncro account:
// an in-memory Syncro (syncrotest, seeded with an MSP's week), a fake Slack
// (slackfake) and a web page that stands in for the Slack client.
//
// The bot itself is unchanged: it connects to the fake over the same Socket
// Mode protocol and Web API it uses with Slack, and calls the in-memory
// Syncro over HTTP. The page's server turns what a person does in the
// browser (type /syncro …, click a button, fill a modal) into the
// envelopes Slack would send, and shows the messages, ephemerals and
// modals the bot produced, rendered from their Block Kit.
//
//	env, err := demo.Start(ctx, demo.Options{Addr: "127.0.0.1:8080"})
//	// run the bot with env.Overlay(os.Getenv) as its environment
//	defer env.Close()
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The demo workspace: one person, the channel they type in and the channel
// that receives closed-ticket notices.
const (
	// DefaultAddr is where the page is served unless Options.Addr says otherwise.
	DefaultAddr = "127.0.0.1:8080"

	// UserID is the demo person's Slack id: Dana Whitfield, whose email is a
	// Syncro technician's in the seed, so the bot maps her to that tech.
	UserID    = "U0DEMO"
	UserName  = "dana"
	UserReal  = "Dana Whitfield"
	UserEmail = "dana@baylineit.com"

	// SupportChannel is where the person types.
	SupportChannel     = "C0SUPPORT"
	SupportChannelName = "support"
	// NotifyChannel is the bot's NOTIFY_CHANNEL.
	NotifyChannel     = "C0NOTIFY"
	NotifyChannelName = "ticket-closed"
	// ClientChannel is shared with a client's own workspace (Slack
	// Connect); ClientUser writes in it from there, and the demo starts
	// with ClientMessage of theirs, ready for the "…" menu.
	ClientChannel     = "C0ACME"
	ClientChannelName = "acme-shared"
	ClientUser        = "U0RHONDA"
	ClientUserReal    = "Rhonda Birch"
	ClientMessage     = "Printer on 3F is down again\nIt shows error 50.4 and won't print anything."

	// rateLimit is the Syncro budget in the demo: above the real 180/min
	// so a person clicking quickly never meets a throttle they cannot see.
	rateLimit = 600
	// pollInterval makes the closed-ticket watcher notice changes within
	// seconds rather than the production minute.
	pollInterval = "5s"
	// logResetEvery bounds syncrotest's in-memory request log in a long
	// demo session; nothing in the demo reads it.
	logResetEvery = 2000
)

// Options configures Start.
type Options struct {
	// Addr is the host:port of the page; default DefaultAddr. Use
	// "127.0.0.1:0" for a free port (tests).
	Addr string
	// DataDir keeps the demo's state between runs: the Syncro changes
	// (JournalFile) and the bot's DATA_DIR and SESSION_LOG_DIR. Empty means
	// a temporary directory removed by Close: every run starts from the seed.
	DataDir string
	// Logger receives the demo's own logs; nil discards them.
	Logger *slog.Logger
	// AckDeadline overrides how long the fake Slack waits for the bot's ack
	// (default slackfake.DefaultAckDeadline, Slack's 3 s).
	AckDeadline time.Duration
}

// Env is a running demo: the in-memory Syncro, the fake Slack and the page.
type Env struct {
	log       *slog.Logger
	syncro    *syncrotest.Server
	slack     *slackfake.Fake
	web       *webUI
	servers   []*http.Server
	journal   *journal
	tempDir   string
	url       string
	syncroURL string
	env       map[string]string
	closed    atomic.Bool

	// replayed and replayFailed count the journal entries replayed at
	// start; the page and stdout say so, or say "fresh start".
	replayed, replayFailed int
	kept                   bool // DataDir was given: state outlives the run
	// tornDropped: the journal's last line was cut off mid-write (the
	// demo was killed) and was dropped.
	tornDropped bool
	// unsaved counts the changes the journal could not take this run.
	unsaved     atomic.Int64
	journalPath string
}

// Start starts the in-memory Syncro (replaying DataDir's journal, if any),
// the fake Slack and the page on Addr. The bot is not started: run it with
// Overlay or Getenv as its environment. Close stops everything.
func Start(ctx context.Context, opts Options) (*Env, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Env{log: log}
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()

	// The page's port first: if it is taken, nothing else is worth starting.
	webLn, err := (&net.ListenConfig{}).Listen(ctx, "tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("demo: listen on %s: %w (pick another with -demo-addr, e.g. 127.0.0.1:8081)", opts.Addr, err)
	}

	dataDir := opts.DataDir
	if dataDir == "" {
		if e.tempDir, err = os.MkdirTemp("", "syncrobot-demo-"); err != nil {
			webLn.Close()
			return nil, fmt.Errorf("demo: temp dir: %w", err)
		}
		dataDir = e.tempDir
	} else if err := os.MkdirAll(dataDir, 0o700); err != nil {
		webLn.Close()
		return nil, fmt.Errorf("demo: data dir: %w", err)
	}

	if err := e.startSyncro(ctx, dataDir, opts.DataDir != ""); err != nil {
		webLn.Close()
		return nil, err
	}

	sopts := []slackfake.Option{
		slackfake.WithUsers(
			slackfake.User{ID: UserID, Name: UserName, RealName: UserReal, Email: UserEmail, IsAdmin: true, TZ: "America/Los_Angeles"},
			// A contact of Acme Corp. in the seed, from Acme's workspace.
			slackfake.User{ID: ClientUser, TeamID: clientTeam, Name: "rhonda", RealName: ClientUserReal, Email: "rhonda@acmecorp.example"},
		),
		slackfake.WithChannels(
			slackfake.Channel{ID: SupportChannel, Name: SupportChannelName},
			slackfake.Channel{ID: NotifyChannel, Name: NotifyChannelName},
			slackfake.Channel{ID: ClientChannel, Name: ClientChannelName, IsExtShared: true},
		),
		// Links to the in-memory Syncro's host stand for the account's
		// ticket links, so a pasted one is previewed.
		slackfake.WithUnfurlDomains("127.0.0.1"),
	}
	if opts.AckDeadline > 0 {
		sopts = append(sopts, slackfake.WithAckDeadline(opts.AckDeadline))
	}
	e.slack = slackfake.New(sopts...)
	if err := e.slack.Start(); err != nil {
		webLn.Close()
		return nil, fmt.Errorf("demo: start fake Slack: %w", err)
	}
	// Holds no link, so Slack sends no event and nothing waits for the bot.
	if _, _, err := e.slack.Post(ctx, slackfake.PersonMessage{Channel: ClientChannel, User: ClientUser, Text: ClientMessage}); err != nil {
		webLn.Close()
		return nil, fmt.Errorf("demo: seed the client's message: %w", err)
	}

	sessions := filepath.Join(dataDir, "session-logs")
	botData := filepath.Join(dataDir, "bot")
	for _, d := range []string{sessions, botData} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			webLn.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
	}

	e.web = newWebUI(e.slack, log, func() []infoJSON {
		return []infoJSON{
			{Label: "Data (DATA_DIR)", Value: botData},
			{Label: "Session logs", Value: sessions},
			{Label: "Syncro changes", Value: e.StartNote()},
			{Label: "Link previews", Value: "Paste a ticket's link, such as " + e.ticketLink() + ", into #" + SupportChannelName + "."},
		}
	})
	e.serve(webLn, e.web)
	e.url = "http://" + displayAddr(webLn.Addr()) + "/"

	e.env = map[string]string{
		"SLACK_APP_TOKEN":      e.slack.AppToken(),
		"SLACK_BOT_TOKEN":      e.slack.BotToken(),
		"SLACK_API_URL":        e.slack.APIURL(),
		"SYNCRO_BASE_URL":      e.syncroURL,
		"SYNCRO_API_KEY":       syncrotest.DefaultAPIKey,
		"SYNCRO_RATE_LIMIT":    strconv.Itoa(rateLimit),
		"SYNCRO_POLL_INTERVAL": pollInterval,
		"NOTIFY_CHANNEL":       NotifyChannel,
		"SESSION_LOG_DIR":      sessions,
		"SESSION_LOG_GIT":      "false",
		"DATA_DIR":             botData,
		// Settings that would point the demo bot at real services or lock
		// the demo person out are blanked, whatever the shell has.
		"SYNCRO_SUBDOMAIN":         "",
		"SYNCRO_API_KEY_SOPS_FILE": "",
		"SYNCRO_API_KEY_SOPS_PATH": "",
		"ALLOWED_USERS":            "",
		"BILLING_USERS":            "",
		"ADMIN_USERS":              "",
		"WEBHOOK_ADDR":             "",
		"WEBHOOK_TOKEN":            "",
		"METRICS_ADDR":             "",
		"LABOR_PRODUCTS":           "",
	}
	ok = true
	log.Info("demo started", "url", e.url, "syncro", e.syncroURL, "slack", e.slack.BaseURL(), "data_dir", dataDir)
	return e, nil
}

// startSyncro starts the seeded in-memory Syncro on a loopback port,
// replaying and then recording the journal when persist is set.
func (e *Env) startSyncro(ctx context.Context, dataDir string, persist bool) error {
	clock := &replayClock{}
	e.syncro = syncrotest.New(syncrotest.WithClock(clock.Now), syncrotest.WithRateLimit(0))
	var h http.Handler = e.syncro
	if persist {
		entries, torn, err := readJournal(dataDir)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		e.kept, e.journalPath = true, filepath.Join(dataDir, JournalFile)
		if e.tornDropped = torn >= 0; e.tornDropped {
			if err := os.Truncate(e.journalPath, torn); err != nil {
				return fmt.Errorf("demo: cut the torn last line off %s: %w", e.journalPath, err)
			}
		}
		e.replayed = len(entries)
		e.replayFailed = replay(e.syncro, clock, syncrotest.DefaultAPIKey, entries)
		if failed := e.replayFailed; failed > 0 {
			e.log.Warn("demo: some saved Syncro changes could not be replayed", "failed", failed, "of", len(entries))
		} else if len(entries) > 0 {
			e.log.Info("demo: replayed saved Syncro changes", "requests", len(entries))
		}
		if e.journal, err = openJournal(dataDir); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		h = recordMutations(h, e.journal, clock, func(err error) {
			e.unsaved.Add(1)
			e.log.Error("demo: save Syncro change", "err", err)
		})
	}
	e.syncro.ResetLog()
	e.syncro.SetRateLimit(rateLimit)
	var n atomic.Int64
	inner := h
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, syncrotest.APIPrefix+"/") {
			webStandIn(w, r)
			return
		}
		inner.ServeHTTP(w, r)
		if n.Add(1)%logResetEvery == 0 {
			e.syncro.ResetLog()
		}
	})
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: listen for Syncro: %w", err)
	}
	e.serve(ln, h)
	e.syncroURL = "http://" + ln.Addr().String() + syncrotest.APIPrefix + "/"
	return nil
}

// clientTeam is the client's own workspace in the demo.
const clientTeam = "T0ACMECO"

// ticketLink is the web link of an open seeded ticket in the in-memory
// Syncro, whose host stands for the account's in the demo.
func (e *Env) ticketLink() string {
	web := strings.TrimSuffix(strings.TrimSuffix(e.syncroURL, "/"), syncrotest.APIPrefix)
	for _, t := range e.syncro.Tickets() {
		if t.Number == syncrotest.SeedTicketPrinter {
			return syncro.TicketURL(web, t.ID)
		}
	}
	return web + "/tickets/ID"
}

// webStandIn answers the Syncro web app's pages ("Open in Syncro" links
// point at the in-memory Syncro's address in the demo), which the
// in-memory Syncro does not have, with a sentence instead of an API error.
func webStandIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "syncrobot demo\n\nWith a real Syncro account, this link opens %s in Syncro's web app.\nThe demo's Syncro lives in memory and has no web pages: close this tab to go back to the demo.\n", r.URL.Path)
}

func (e *Env) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	e.servers = append(e.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("demo: serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// displayAddr turns a listen address into one a browser can open: an
// unspecified host (":8080", "0.0.0.0") becomes 127.0.0.1.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() || tcp.IP == nil {
		port := "0"
		if ok {
			port = strconv.Itoa(tcp.Port)
		}
		return "127.0.0.1:" + port
	}
	return net.JoinHostPort(tcp.IP.String(), strconv.Itoa(tcp.Port))
}

// StartNote says whether this run replayed saved Syncro changes (and how
// many journal entries) or started fresh from the seed, and where changes
// are kept, or that saving them failed; the page shows it under the
// channels.
func (e *Env) StartNote() string {
	after := ""
	if e.tornDropped {
		after = " The journal's last entry, cut off when the demo was stopped mid-write, was dropped."
	}
	if n := e.unsaved.Load(); n > 0 {
		after = fmt.Sprintf(" %d %s this run could not be saved to %s (see the log) and will not be replayed at the next start.", n, plural(int(n), "change", "changes"), e.journalPath) + after
	}
	switch {
	case !e.kept:
		return "Fresh start from the seeded week. Nothing is kept when the demo stops (-demo-data DIR keeps it)."
	case e.replayed == 0 && e.unsaved.Load() > 0:
		return "Fresh start from the seeded week." + after
	case e.replayed == 0:
		return "Fresh start from the seeded week. Changes are saved to " + e.journalPath + " and replayed at the next start." + after
	}
	note := fmt.Sprintf("Replayed %d saved %s from %s", e.replayed, plural(e.replayed, "journal entry", "journal entries"), e.journalPath)
	if e.replayFailed > 0 {
		note += fmt.Sprintf("; %d could not be replayed", e.replayFailed)
	}
	return note + "." + after
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// URL is the page's address, e.g. "http://127.0.0.1:8080/".
func (e *Env) URL() string { return e.url }

// Getenv returns the value the bot needs for the environment variable
// name in the demo ("" for names the demo does not set).
func (e *Env) Getenv(name string) string { return e.env[name] }

// Overlay returns a getenv that answers the demo's variables from the demo
// (including the ones it deliberately blanks) and everything else, such as
// LOG_FORMAT, from fallback.
func (e *Env) Overlay(fallback func(string) string) func(string) string {
	return func(name string) string {
		if v, ok := e.env[name]; ok {
			return v
		}
		if fallback == nil {
			return ""
		}
		return fallback(name)
	}
}

// Slack is the fake Slack the bot connects to, for tests that drive or
// inspect it directly.
func (e *Env) Slack() *slackfake.Fake { return e.slack }

// Syncro is the in-memory Syncro, for tests that inspect its state.
func (e *Env) Syncro() *syncrotest.Server { return e.syncro }

// Close stops the page, the fake Slack and the in-memory Syncro, closes the
// journal and removes the temporary data directory. It is safe to call
// more than once.
func (e *Env) Close() {
	if e == nil || e.closed.Swap(true) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range e.servers {
		if err := s.Shutdown(ctx); err != nil {
			_ = s.Close()
		}
	}
	if e.slack != nil {
		e.slack.Close()
	}
	if e.syncro != nil {
		e.syncro.Close()
	}
	if e.journal != nil {
		if err := e.journal.close(); err != nil {
			e.log.Error("demo: close journal", "err", err)
		}
	}
	if e.tempDir != "" {
		_ = os.RemoveAll(e.tempDir)
	}
}
