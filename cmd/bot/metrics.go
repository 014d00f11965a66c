package main

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/metrics"
	"github.com/syncrobot/syncrobot/syncro"
)

// newMetrics returns the metrics when METRICS_ADDR is set, else nil: a nil
// *metrics.Metrics ignores every call, so the wiring below needs no
// branches.
func newMetrics(cfg *config.Config) *metrics.Metrics {
	if cfg.MetricsAddr == "" {
		return nil
	}
	return metrics.New()
}

// botObserver adapts the metrics to bot.Observer; nil when metrics are off.
func botObserver(m *metrics.Metrics) bot.Observer {
	if m == nil {
		return nil
	}
	return observer{m}
}

// startMetrics serves /healthz, /readyz and /metrics on METRICS_ADDR until
// ctx ends. The listener is bound before returning, so a taken port fails
// the start rather than going unnoticed. ready, if set, gets the address.
func startMetrics(ctx context.Context, cfg *config.Config, m *metrics.Metrics, client *syncro.Client, log *slog.Logger, ready func(net.Addr)) (stop func(), err error) {
	if m == nil {
		return func() {}, nil
	}
	probe := func(ctx context.Context) error {
		_, _, err := client.Users.Me(ctx)
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	bound := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := metrics.Serve(ctx, cfg.MetricsAddr, m.Handler(probe), log.With("component", "metrics"), func(a net.Addr) {
			bound <- nil
			if ready != nil {
				ready(a)
			}
		})
		if err != nil {
			select {
			case bound <- err:
			default:
				log.Error("metrics listener stopped", "err", err)
			}
		}
	}()
	if err := <-bound; err != nil {
		cancel()
		return nil, err
	}
	return func() { cancel(); <-done }, nil
}

// observer turns bot events into metrics; bill and close outcomes come
// from the reply's Outcome, set where commands knows how the flow ended.
type observer struct{ m *metrics.Metrics }

func (o observer) SocketState(up bool) { o.m.SocketState(up) }

func (o observer) EnvelopeAcked(kind string, latency time.Duration, err error) {
	o.m.Envelope(kind, latency, err == nil)
}

func (o observer) NoticePosted() { o.m.NoticeSent() }

func (o observer) Submitted(callbackID string, r commands.Reply) {
	switch callbackID {
	case commands.CallbackBill:
		o.m.Billing(outcome(r.Outcome, "invoiced", "not_invoiced"))
	case commands.CallbackClose:
		o.m.Close(outcome(r.Outcome, "closed", "not_closed"))
	}
}

// outcome names a reply's Outcome in the metric's labels: ok when done,
// "duplicate" when the work had been done before, else fail.
func outcome(o commands.Outcome, ok, fail string) string {
	switch o {
	case commands.OutcomeDone:
		return ok
	case commands.OutcomeDuplicate:
		return "duplicate"
	}
	return fail
}
