package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Timeouts of the metrics listener. Scrapes and probes are small; a slow
// client must not hold a connection open for long.
const (
	readHeaderTimeout = 5 * time.Second
	writeTimeout      = 30 * time.Second
	shutdownTimeout   = 5 * time.Second
	// probeTimeout bounds the Syncro call /readyz makes when no request
	// succeeded within ReadyWindow; kubelet's default probe timeout is 1 s,
	// Docker's 30 s, so stay well under the larger and answer 503 on time.
	probeTimeout = 5 * time.Second
)

// ProbeInterval is the least time between two Syncro probes /readyz makes,
// however often it is asked: while Syncro is failing every hit would
// otherwise spend a request of the budget people's commands share.
// Kubernetes probes every 10 s by default, so this is one probe every
// second or third check, at most 2 of Syncro's 180 a minute.
const ProbeInterval = 30 * time.Second

// Prober makes one cheap Syncro request (GET /me); /readyz calls it when
// no request succeeded within ReadyWindow, so an idle bot is not reported
// unready just for being idle. Its success reaches Metrics through the
// syncro client's observer like any other request.
type Prober func(ctx context.Context) error

// Handler serves /healthz, /readyz and /metrics. probe may be nil.
func (m *Metrics) Handler(probe Prober) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		// The process answers: that is all liveness means. Restarting a
		// bot because Slack or Syncro is down would not fix them.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	var probing sync.Mutex
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ok, reason := m.Ready()
		if !ok && probe != nil && m.syncroStale() && probing.TryLock() {
			// One probe at a time and one per ProbeInterval: other
			// checks wait for nothing and report what is known.
			if m.probeDue() {
				ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
				_ = probe(ctx)
				cancel()
				ok, reason = m.Ready()
			}
			probing.Unlock()
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: "+reason)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	return mux
}

// probeDue reports whether ProbeInterval has passed since the last probe,
// and if so counts a probe as made now.
func (m *Metrics) probeDue() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if !m.lastProbe.IsZero() && now.Sub(m.lastProbe) < ProbeInterval {
		return false
	}
	m.lastProbe = now
	return true
}

// syncroStale reports whether no Syncro request succeeded within ReadyWindow.
func (m *Metrics) syncroStale() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastSyncroOK.IsZero() || m.now().Sub(m.lastSyncroOK) > ReadyWindow
}

// Serve listens on addr and serves h until ctx ends, then shuts down
// gracefully. ready, if non-nil, receives the bound address once listening
// (useful with port 0).
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen %s: %w", addr, err)
	}
	if ready != nil {
		ready(ln.Addr())
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("metrics listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("metrics: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("metrics: shutdown: %w", err)
	}
	return nil
}
