package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/watcher"
)

// webhookShutdown bounds how long the webhook listener waits for requests
// in flight once the bot stops; they only ever queue a hint.
const webhookShutdown = 5 * time.Second

// startWatcher runs the watcher beside the bot, taking the account's
// ticket settings from acct rather than reading them itself: its polls
// keep the open-ticket mirror m current and, with NOTIFY_CHANNEL set, announce
// closed tickets through notify (bot.(*Bot).Notify), with the webhook
// listener when WEBHOOK_ADDR is set. Without NOTIFY_CHANNEL there is
// nowhere to announce, so the polls only feed the mirror and the webhook
// is not served. tune, when not nil, adjusts the watcher's Config (tests
// inject a clock and shorten the hint delay). The returned stop cancels
// both and waits for them.
func startWatcher(ctx context.Context, cfg *config.Config, client *syncro.Client, acct watcher.Account, st watcher.Store, m watcher.Mirror,
	notify func(context.Context, commands.Message) error, log *slog.Logger, tune func(*watcher.Config)) (stop func(), err error) {
	wcfg := watcher.Config{
		Syncro:   client,
		Store:    st,
		Account:  acct,
		Mirror:   m,
		Notify:   notify,
		Interval: cfg.SyncroPollInterval,
		WebURL:   webURL(cfg),
		Logger:   log,
	}
	if cfg.NotifyChannel == "" {
		wcfg.Notify = nil
		if cfg.WebhookAddr != "" {
			log.Warn("WEBHOOK_ADDR is set but NOTIFY_CHANNEL is not; closed-ticket notices are off, so the webhook is not served")
		}
	}
	if tune != nil {
		tune(&wcfg)
	}
	w, err := watcher.New(wcfg)
	if err != nil {
		return nil, err
	}
	run := w.Run
	if l, ok := st.(leader); ok && wcfg.Notify != nil {
		if run, err = ledWatcher(l, w, wcfg, log); err != nil {
			return nil, err
		}
	}
	var ln net.Listener
	if cfg.WebhookAddr != "" && wcfg.Notify != nil {
		// Listen before starting anything, so a taken port fails the start
		// instead of silently dropping webhooks.
		if ln, err = net.Listen("tcp", cfg.WebhookAddr); err != nil {
			return nil, fmt.Errorf("webhook listener: %w", err)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := run(ctx); err != nil {
			log.Error("closed-ticket watcher stopped", "err", err)
		}
	})
	if ln != nil {
		srv := &http.Server{
			Handler:           watcher.WebhookHandler(w, cfg.WebhookToken.Reveal()),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
		// The token is the path's secret: log the address only.
		log.Info("serving Syncro webhooks", "addr", ln.Addr().String(), "path", watcher.WebhookPath+"<WEBHOOK_TOKEN>")
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("webhook listener stopped", "err", err)
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			sctx, done := context.WithTimeout(context.WithoutCancel(ctx), webhookShutdown)
			defer done()
			if err := srv.Shutdown(sctx); err != nil {
				log.Warn("webhook listener shutdown", "err", err)
			}
		})
	}
	return func() {
		cancel()
		wg.Wait()
		w.WaitHints()
	}, nil
}

// openStore opens the bot's state: PostgreSQL when DATABASE_URL is set
// (replicas share it), else bbolt in DATA_DIR (one bot). Its timestamps
// and expiries read run's clock, so a test moves a claim to its expiry.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Backend, error) {
	clk := clockOf(ctx)
	opts := []store.Option{store.WithLogger(log), store.WithClock(clk.now), store.WithHostClock(clk.host), store.WithWorkTimeout(cfg.WorkTimeout)}
	if u := cfg.DatabaseURL.Reveal(); u != "" {
		st, err := store.OpenPostgres(ctx, u, opts...)
		if err != nil {
			return nil, err
		}
		log.Info("state in PostgreSQL", "replica", st.Replica(), "replicas", cfg.Replicas, "syncro_rate_per_minute", cfg.SyncroRatePerReplica())
		checkBudget(ctx, st, cfg, log)
		return st, nil
	}
	st, err := store.Open(cfg.DataDir, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.DataDir, err)
	}
	return st, nil
}

// checkBudget records this replica's share of SYNCRO_RATE_LIMIT in the
// database and logs an error when the live replicas' shares together
// exceed the smallest limit any was given: one started with another
// REPLICAS or SYNCRO_RATE_LIMIT, or more replicas than REPLICAS says. The
// replica still serves (a rolling change of REPLICAS passes through such
// a state), but the operator is told which budget is wrong.
func checkBudget(ctx context.Context, st *store.Postgres, cfg *config.Config, log *slog.Logger) {
	all, err := st.ShareBudget(ctx, cfg.SyncroRatePerReplica(), cfg.SyncroRateLimit)
	if err != nil {
		log.Warn("could not compare this replica's Syncro budget with the others'", "err", err)
		return
	}
	together, limit := 0, cfg.SyncroRateLimit
	for _, b := range all {
		together += b.PerMinute
		limit = min(limit, b.Limit)
	}
	if together > limit {
		log.Error("the replicas together may send more than Syncro's rate limit: give every replica the same SYNCRO_RATE_LIMIT, and REPLICAS at least the number of replicas",
			"replicas_alive", len(all), "requests_per_minute_together", together, "syncro_rate_limit", limit,
			"replicas", cfg.Replicas, "syncro_rate_per_minute", cfg.SyncroRatePerReplica())
	}
}

// leader is a store shared by replicas that elects one of them for a job
// (store.(*Postgres).Lead).
type leader interface {
	Lead(ctx context.Context, job string, retry time.Duration) (led context.Context, release func(), err error)
}

// watcherJob names the closed-ticket watcher's leadership.
const watcherJob = "closed-ticket-watcher"

// ledWatcher is the watcher's Run for replicas: the replica that leads
// watcherJob runs w, announcing closes; the others keep only their
// open-ticket mirror current, each with a cursor of its own in memory, so
// a follower's polls never move the leader's cursor past a close it has
// not announced. A follower tries to take the lead every poll interval,
// so one takes over within an interval of the leader's death.
func ledWatcher(l leader, w *watcher.Watcher, wcfg watcher.Config, log *slog.Logger) (func(context.Context) error, error) {
	fcfg := wcfg
	fcfg.Notify, fcfg.OnPoll = nil, nil
	fcfg.Store = &ownCursor{Store: wcfg.Store}
	fcfg.Logger = log.With("role", "follower")
	follower, err := watcher.New(fcfg)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		for {
			fctx, stopFollowing := context.WithCancel(ctx)
			followed := make(chan error, 1)
			go func() { followed <- follower.Run(fctx) }()
			led, release, err := l.Lead(ctx, watcherJob, wcfg.Interval)
			stopFollowing()
			if ferr := <-followed; ferr != nil {
				log.Error("open-ticket polls stopped", "err", ferr)
			}
			if err != nil {
				return nil // ctx ended: the bot is stopping
			}
			log.Info("this replica runs the closed-ticket watcher")
			err = w.Run(led)
			release()
			if err != nil || ctx.Err() != nil {
				return err
			}
			log.Warn("lost the closed-ticket watcher's lead; following until it is free")
		}
	}, nil
}

// unfinishedJob names the leadership of telling of the work replicas
// left when they died.
const unfinishedJob = "unfinished-work"

// startUnfinishedTeller runs, among replicas (st a leader), the look for
// work a replica left when it died: the replica leading unfinishedJob
// tells each such flow's owner with Finish (tell: bot.(*Bot).TellUnfinished)
// when it takes the lead, once store.AdoptGrace after, and every interval
// after, so that work is told within about an interval though no replica
// starts. A lone bot tells at
// its start only. The returned stop cancels it and waits.
func startUnfinishedTeller(ctx context.Context, st any, tell func(context.Context), interval time.Duration, log *slog.Logger) (stop func()) {
	l, ok := st.(leader)
	if !ok {
		return func() {}
	}
	return background(ctx, func(ctx context.Context) {
		for {
			led, release, err := l.Lead(ctx, unfinishedJob, interval)
			if err != nil {
				return // ctx ended: the bot is stopping
			}
			log.Info("this replica tells of the work stopped replicas left")
			tick := time.NewTicker(interval)
			// Work of a replica gone for less than store.AdoptGrace is not
			// adopted yet (it may be taking its session back): one look
			// once the grace is over tells it, however long the interval.
			graceOver := time.NewTimer(store.AdoptGrace)
			for led.Err() == nil {
				tell(led)
				select {
				case <-led.Done():
				case <-tick.C:
				case <-graceOver.C:
				}
			}
			graceOver.Stop()
			tick.Stop()
			release()
			if ctx.Err() != nil {
				return
			}
			log.Warn("lost the lead of telling of stopped replicas' work; following until it is free")
		}
	})
}

// sessionLogLock is the session logs' commit lock in st: replicas sharing
// SESSION_LOG_DIR commit one at a time (README, Running two replicas).
func sessionLogLock(st store.Locks) func(context.Context) (func(), error) {
	return func(ctx context.Context) (func(), error) { return st.Lock(ctx, "session-log-commit") }
}

// ownCursor is a follower watcher's store: the shared announced set, and
// a cursor of its own in memory.
type ownCursor struct {
	watcher.Store
	mu  sync.Mutex
	at  time.Time
	set bool
}

// Cursor implements store.Cursors.
func (c *ownCursor) Cursor(string) (time.Time, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at, c.set, nil
}

// SetCursor implements store.Cursors.
func (c *ownCursor) SetCursor(_ string, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.set = t, true
	return nil
}

// startSweeper removes records past their retention every interval while
// the bot runs: Open sweeps once, and a bot runs for months. The returned
// stop cancels it and waits; call it before closing the store.
func startSweeper(ctx context.Context, st store.Sweeper, interval time.Duration, log *slog.Logger) (stop func()) {
	return background(ctx, func(ctx context.Context) {
		if err := st.SweepEvery(ctx, interval); err != nil && ctx.Err() == nil {
			log.Error("store sweeper stopped", "err", err)
		}
	})
}

// background runs fn in a goroutine until the returned stop cancels its
// context and waits for it to return.
func background(ctx context.Context, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { fn(ctx) })
	return func() {
		cancel()
		wg.Wait()
	}
}

// startAccount reads the account's currency and labor product names in the
// background, at once and then every interval, so a slow or failing Syncro
// delays no start and no command (until the first read, amounts show
// without a symbol and labor kinds without names). A labor product Syncro
// does not have is logged by the first read. ticks, when not nil, replace
// the interval's (a test's). The returned stop cancels the reads and
// waits for them.
func startAccount(ctx context.Context, a *account.Info, interval time.Duration, ticks <-chan time.Time, log *slog.Logger) (stop func()) {
	return background(ctx, func(ctx context.Context) {
		if err := a.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Warn("account settings not read; money shows without a currency symbol until the next read", "err", err, "retry_in", interval)
		}
		if ticks == nil {
			tick := time.NewTicker(interval)
			defer tick.Stop()
			ticks = tick.C
		}
		a.Run(ctx, ticks)
	})
}

// startSummaries sends the techs' end-of-day summaries (commands/home)
// while the bot runs, looking every interval. The returned stop cancels
// it and waits; call it before closing the store.
func startSummaries(ctx context.Context, h *home.Feature, send home.Sender, interval time.Duration) (stop func()) {
	return background(ctx, func(ctx context.Context) {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		h.RunSummaries(ctx, tick.C, send)
	})
}
