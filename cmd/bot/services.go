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
	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/watcher"
)

// webhookShutdown bounds how long the webhook listener waits for requests
// in flight once the bot stops; they only ever queue a hint.
const webhookShutdown = 5 * time.Second

// startWatcher runs the watcher beside the bot: its polls keep the
// open-ticket mirror m current and, with NOTIFY_CHANNEL set, announce
// closed tickets through notify (bot.(*Bot).Notify), with the webhook
// listener when WEBHOOK_ADDR is set. Without NOTIFY_CHANNEL there is
// nowhere to announce, so the polls only feed the mirror and the webhook
// is not served. tune, when not nil, adjusts the watcher's Config (tests
// inject a clock and shorten the hint delay). The returned stop cancels
// both and waits for them.
func startWatcher(ctx context.Context, cfg *config.Config, client *syncro.Client, st watcher.Store, m watcher.Mirror,
	notify func(context.Context, commands.Message) error, log *slog.Logger, tune func(*watcher.Config)) (stop func(), err error) {
	wcfg := watcher.Config{
		Syncro:   client,
		Store:    st,
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
		if err := w.Run(ctx); err != nil {
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
// (replicas share it), else bbolt in DATA_DIR (one bot).
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Backend, error) {
	if u := cfg.DatabaseURL.Reveal(); u != "" {
		st, err := store.OpenPostgres(ctx, u, store.WithLogger(log))
		if err != nil {
			return nil, err
		}
		log.Info("state in PostgreSQL", "replica", st.Replica(), "replicas", cfg.Replicas, "syncro_rate_per_minute", cfg.SyncroRatePerReplica())
		return st, nil
	}
	st, err := store.Open(cfg.DataDir, store.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.DataDir, err)
	}
	return st, nil
}

// startSweeper removes records past their retention every interval while
// the bot runs: Open sweeps once, and a bot runs for months. The returned
// stop cancels it and waits; call it before closing the store.
func startSweeper(ctx context.Context, st store.Sweeper, interval time.Duration, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := st.SweepEvery(ctx, interval); err != nil && ctx.Err() == nil {
			log.Error("store sweeper stopped", "err", err)
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// startAccount reads the account's currency and labor product names in the
// background, at once and then every interval, so a slow or failing Syncro
// delays no start and no command (until the first read, amounts show
// without a symbol and labor kinds without names). A labor product Syncro
// does not have is logged by the first read. The returned stop cancels the
// reads and waits for them.
func startAccount(ctx context.Context, a *account.Info, interval time.Duration, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := a.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Warn("account settings not read; money shows without a currency symbol until the next read", "err", err, "retry_in", interval)
		}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		a.Run(ctx, tick.C)
	})
	return func() {
		cancel()
		wg.Wait()
	}
}
