package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/commands/subscriptions"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/mirror"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/watcher"
)

// Build information, set by the linker:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=$(git rev-parse HEAD) -X main.buildDate=$(date -u +%FT%TZ)" ./cmd/bot
var (
	version   = "dev"
	commit    = "unknown"
	buildDate = "unknown"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the bot ran and failed (Slack refused the tokens, …)
	exitUsage = 2 // bad flags or configuration; nothing was started
)

// syncroRequestTimeout bounds one Syncro request, as the syncro client
// does when it makes its own HTTP client.
const syncroRequestTimeout = 30 * time.Second

// run is the whole program with the OS passed in, so tests can drive it:
// args as os.Args, getenv as os.Getenv, and ctx ending means SIGTERM.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	name := "bot"
	if len(args) > 0 {
		args = args[1:]
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print the version and exit")
	debug := fs.Bool("debug", false, "log at debug level (every envelope with its ack latency)")
	demoOpts := addDemoFlags(fs)
	opsOpts := addOpsFlags(fs)
	// -demo and -check will join here; each is a branch below, before or
	// instead of serving.
	// flag prints the error itself; the full usage goes to stdout on -h
	// only, so a typo does not bury the error under every variable.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "run `%s -h` for usage\n", name)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments: %s\n", name, strings.Join(fs.Args(), " "))
		return exitUsage
	}
	if *showVersion {
		fmt.Fprintf(stdout, "syncrobot %s (commit %s, built %s)\n", version, commit, buildDate)
		return exitOK
	}
	if code, done := opsOpts.early(ctx, getenv, stderr); done {
		return code
	}
	getenv, stopDemo, err := demoOpts.start(ctx, getenv, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	defer stopDemo()
	if code, done := opsOpts.late(ctx, getenv, stdout); done {
		return code
	}

	// Validation first: no network call happens before the whole
	// configuration is known to be good.
	cfg, err := config.Load(ctx, getenv)
	if err != nil {
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintln(stderr, line)
		}
		fmt.Fprintf(stderr, "run `%s -h` for every variable\n", name)
		return exitUsage
	}
	log := newLogger(cfg.LogFormat, *debug, stderr)
	log.Info("starting", "version", version, "commit", commit)

	st, err := openStore(ctx, cfg, log.With("component", "store"))
	if err != nil {
		// The error is the sentence to act on: a damaged file names
		// itself and says to restore it or move it aside.
		log.Error("cannot open the bot's database", "err", err)
		return exitError
	}
	defer st.Close()
	stopSweeper := startSweeper(ctx, st, store.SweepInterval, log)
	defer stopSweeper()

	mx := newMetrics(cfg)
	// The open-ticket mirror learns from every ticket record the client
	// decodes and from every write it sends, so it is built first.
	mir, err := mirror.New(mirror.Config{Interval: cfg.SyncroPollInterval, Logger: log})
	if err != nil {
		log.Error("open-ticket mirror", "err", err)
		return exitUsage
	}
	scfg := syncro.Config{
		BaseURL: cfg.SyncroBaseURL,
		APIKey:  syncro.APIKey(cfg.SyncroAPIKey.Reveal()),
		// Replicas split the budget evenly (README, Running replicas).
		RatePerMinute: cfg.SyncroRatePerReplica(),
		Logger:        log.With("component", "syncro"),
		Observe:       mx.SyncroAttempt,
		// Through bot's transport, so a shutdown knows which commands
		// have reached Syncro and which have written (README, Operating).
		HTTPClient: &http.Client{Timeout: syncroRequestTimeout, Transport: bot.SyncroTransport(nil)},
	}
	mir.Hook(&scfg)
	client, err := syncro.NewClient(scfg)
	if err != nil {
		log.Error("syncro client", "err", err)
		return exitUsage
	}
	warmMirror(ctx, mir, client, log)
	acct := account.New(client, cfg.LaborProducts, log.With("component", "account"))
	clk := clockOf(ctx)
	stopAccount := startAccount(ctx, acct, account.RefreshEvery, clk.accountTicks, log)
	defer stopAccount()
	homeTab := home.New()
	cmds, err := commands.New(commands.Deps{
		Syncro:  client,
		Reads:   mirror.NewReads(mir, client, mirror.DefaultTTL),
		Account: acct,
		Labor:   cfg.LaborProducts,
		WebURL:  webURL(cfg),
		Logger:  log.With("component", "commands"),
		// The store makes writes exactly-once across restarts (durable
		// dedup, recorded bill/close flows, Finish) and keeps the audit.
		Store:       st,
		SessionLogs: &sessionlog.Writer{Root: cfg.SessionLogDir, Git: cfg.SessionLogGit, Lock: sessionLogLock(st)},
		// What goes to Syncro and to people follows the host's clock;
		// only comparisons with the store's times follow the store's
		// (README, Running two replicas, Clocks).
		Now:      clk.now,
		StoreNow: storeTime(st, clk.now),
	}, features(homeTab)...)
	if err != nil {
		log.Error("commands", "err", err)
		return exitUsage
	}
	sharing := newSharingRelay(st, log)
	wrote, wroteSince := homeWrites(st, log)
	b, err := bot.New(bot.Config{
		BotToken:      cfg.SlackBotToken,
		AppToken:      cfg.SlackAppToken,
		APIURL:        cfg.SlackAPIURL,
		Commands:      cmds,
		NotifyChannel: cfg.NotifyChannel,
		AllowedUsers:  cfg.AllowedUsers,
		BillingUsers:  cfg.BillingUsers,
		AdminUsers:    cfg.AdminUsers,
		AllowGuests:   cfg.AllowGuests,
		WorkTimeout:   cfg.WorkTimeout,
		Clock:         clk,
		Logger:        log,
		Observer:      botObserver(mx),
		// Slack tells one replica a channel was shared; it tells the rest.
		SharingChanged: sharing.changed(),
		// Whoever opened the Home has summary settings (commands/home):
		// the replica saving their form refreshes it, whichever
		// published it.
		HomeKnown: func(user string) bool {
			_, ok, err := st.SummarySettings(user)
			return err == nil && ok
		},
		HomeWrote:      wrote,
		HomeWroteSince: wroteSince,
	})
	if err != nil {
		log.Error("bot", "err", err)
		return exitUsage
	}
	stopSharing := sharing.start(ctx, b.ForgetConversations, sharingPoll)
	defer stopSharing()
	subs := subscriptions.NewWatch(st, b.NotifyIn, log.With("component", "subscriptions"))
	if open, ok := mir.Open(nil); ok {
		subs.Seed(open.Tickets)
	}
	stopWatcher, err := startWatcher(ctx, cfg, client, acct, st, mir, b.Notify, log, func(w *watcher.Config) {
		w.OnPoll, w.OnListed = mx.WatcherPolled, subs.Listed
	})
	if err != nil {
		log.Error("closed-ticket watcher", "err", err)
		return exitError
	}
	defer stopWatcher()
	stopTeller := startUnfinishedTeller(ctx, st, b.TellUnfinished, cfg.SyncroPollInterval, log)
	defer stopTeller()
	homeTab.Who = b.Who
	stopSummaries := startSummaries(ctx, homeTab, b.Tell, clk.tick)
	defer stopSummaries()
	stopMetrics, err := startMetrics(ctx, cfg, mx, client, log, nil)
	if err != nil {
		log.Error("metrics listener", "err", err)
		return exitError
	}
	defer stopMetrics()
	if err := b.Run(ctx); err != nil {
		log.Error("bot stopped", "err", err)
		return exitError
	}
	return exitOK
}

// mirrorWarmTimeout bounds filling the open-ticket mirror before the bot
// connects: long enough for a few pages, short enough that a slow Syncro
// delays the start only a little; the watcher's next poll tries again.
const mirrorWarmTimeout = 15 * time.Second

// warmMirror fills the open-ticket mirror before Slack is connected, so the
// first /syncro is answered from it. Syncro being down does not stop the
// start: until a poll fills the mirror, lists are read from Syncro.
func warmMirror(ctx context.Context, m *mirror.Mirror, c *syncro.Client, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, mirrorWarmTimeout)
	defer cancel()
	if err := m.Warm(ctx, c); err != nil {
		log.Warn("open-ticket mirror not filled at start; lists are read from Syncro until a poll fills it", "err", err)
	}
}

// usage prints the flags and every configuration variable.
func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\nRuns the /syncro Slack bot (Socket Mode) until SIGINT or SIGTERM.\n\nFlags:\n", fs.Name())
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
	fmt.Fprintln(w)
	config.Usage(w)
}

// features are the areas the bot answers, each registering its commands,
// buttons, forms, shortcuts and unfurls (commands.Registry); h is the
// Home tab, whose end-of-day summaries run beside the bot.
func features(h *home.Feature) []commands.Feature {
	return []commands.Feature{tickets.Register, customers.Register, h.Register, subscriptions.Register}
}

// newLogger logs JSON for collectors, or text when asked or when a person
// is watching the terminal.
func newLogger(format string, debug bool, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: readableAttr}
	if debug {
		opts.Level = slog.LevelDebug
	}
	text := format == "text"
	if format == "auto" {
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			text = true
		}
	}
	if text {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// readableAttr writes durations as text ("1.5s", not 1500000000
// nanoseconds) and drops an empty "err", so a log line says what a person
// reading it needs.
func readableAttr(_ []string, a slog.Attr) slog.Attr {
	switch v := a.Value.Resolve(); {
	case v.Kind() == slog.KindDuration:
		return slog.String(a.Key, v.Duration().String())
	case a.Key == "err" && v.Kind() == slog.KindString && v.String() == "":
		return slog.Attr{}
	case a.Key == "err" && v.Kind() == slog.KindAny && v.Any() == nil:
		return slog.Attr{}
	}
	return a
}

// webURL is the Syncro web app's base for "Open in Syncro" links: the
// API base without its /api/v1/ path.
func webURL(cfg *config.Config) string {
	if cfg.SyncroSubdomain != "" {
		return syncro.WebURL(cfg.SyncroSubdomain)
	}
	u, err := url.Parse(cfg.SyncroBaseURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
