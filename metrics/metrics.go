// Package metrics holds syncrobot's Prometheus metrics and the optional
// HTTP listener serving /healthz, /readyz and /metrics.
//
// It uses its own registry, not prometheus.DefaultRegisterer, so two bots
// in one test process do not collide and /metrics shows only what the bot
// means to expose (plus the Go and process collectors). Other packages
// report through small methods (Envelope, SyncroAttempt, Billing, …) and
// never see a Prometheus type.
package metrics

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/syncrobot/syncrobot/syncro"
)

// ReadyWindow is how recent Syncro's last successful answer must be for
// /readyz: a bot whose Syncro calls all fail cannot do its job, but a quiet
// bot is fine as long as something (the watcher's polls) succeeded lately.
const ReadyWindow = time.Minute

// ackBuckets cover Slack's 3 s ack deadline closely: acks should take
// milliseconds, and anything past 1 s is a warning sign.
var ackBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5}

// Metrics is the bot's set of metrics and the state behind /readyz. The
// zero value is not usable; call New. A nil *Metrics is a valid no-op, so
// callers need no "metrics enabled?" checks.
type Metrics struct {
	reg *prometheus.Registry
	now func() time.Time

	envelopes      *prometheus.CounterVec
	ackLatency     prometheus.Histogram
	syncroRequests *prometheus.CounterVec
	throttleWait   prometheus.Counter
	rateLimited    prometheus.Counter
	billing        *prometheus.CounterVec
	closes         *prometheus.CounterVec
	notices        prometheus.Counter
	watcherLag     prometheus.GaugeFunc

	mu           sync.Mutex
	socketUp     bool
	socketSeen   bool      // a socket state was ever reported
	lastSyncroOK time.Time // zero until Syncro answers 2xx
	watcherAt    time.Time // when the watcher last finished a poll; zero until then
	lastProbe    time.Time // when /readyz last probed Syncro; zero until then
}

// Option configures New.
type Option func(*Metrics)

// WithClock replaces time.Now for /readyz's "last minute" window (tests).
func WithClock(now func() time.Time) Option { return func(m *Metrics) { m.now = now } }

// New creates the metrics on a fresh registry.
func New(opts ...Option) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), now: time.Now}
	for _, o := range opts {
		o(m)
	}
	m.envelopes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncrobot_envelopes_total",
		Help: "Socket Mode envelopes received and acked, by type (slash_commands, block_actions, view_submission, ...).",
	}, []string{"type"})
	m.ackLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "syncrobot_ack_latency_seconds",
		Help:    "Time from receiving an envelope to sending its ack; Slack gives up after 3 s.",
		Buckets: ackBuckets,
	})
	m.syncroRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncrobot_syncro_requests_total",
		Help: "Syncro API request attempts by endpoint template, method and HTTP status (error = no answer).",
	}, []string{"endpoint", "method", "status"})
	m.throttleWait = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "syncrobot_syncro_throttle_wait_seconds_total",
		Help: "Time spent waiting for the client-side Syncro rate limiter.",
	})
	m.rateLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "syncrobot_syncro_rate_limited_total",
		Help: "Syncro answers with 429 Too Many Requests.",
	})
	m.billing = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncrobot_billing_total",
		Help: "Bill form submissions by outcome (invoiced, duplicate, not_invoiced).",
	}, []string{"outcome"})
	m.closes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncrobot_close_total",
		Help: "Close form submissions by outcome (closed, duplicate, not_closed).",
	}, []string{"outcome"})
	m.notices = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "syncrobot_notices_sent_total",
		Help: "Notices (closed-ticket announcements) posted to NOTIFY_CHANNEL.",
	})
	// A function, not a value set after each poll: a watcher that stopped
	// polling must show a growing lag, which a value set on success never
	// would.
	m.watcherLag = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "syncrobot_watcher_lag_seconds",
		Help: "Seconds since the closed-ticket watcher last finished a poll (0 until its first poll).",
	}, m.watcherLagSeconds)
	m.reg.MustRegister(
		m.envelopes, m.ackLatency, m.syncroRequests, m.throttleWait, m.rateLimited,
		m.billing, m.closes, m.notices, m.watcherLag,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry is the registry /metrics serves, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Envelope counts one envelope of type kind acked after latency; a failed
// ack (ok false) is counted but its latency is not observed, as no ack
// reached Slack.
func (m *Metrics) Envelope(kind string, latency time.Duration, ok bool) {
	if m == nil {
		return
	}
	m.envelopes.WithLabelValues(kind).Inc()
	if ok {
		m.ackLatency.Observe(latency.Seconds())
	}
}

// SocketState records whether the Socket Mode connection is up.
func (m *Metrics) SocketState(connected bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.socketUp, m.socketSeen = connected, true
}

// SyncroAttempt counts one Syncro request attempt (pass it as
// syncro.Config.Observe). A 2xx answer also marks Syncro as reachable for
// /readyz.
func (m *Metrics) SyncroAttempt(a syncro.Attempt) {
	if m == nil {
		return
	}
	m.syncroRequests.WithLabelValues(a.Endpoint, a.Method, statusLabel(a.Status)).Inc()
	if a.ThrottleWait > 0 {
		m.throttleWait.Add(a.ThrottleWait.Seconds())
	}
	if a.RateLimited {
		m.rateLimited.Inc()
	}
	if a.Status >= 200 && a.Status < 300 {
		m.mu.Lock()
		m.lastSyncroOK = m.now()
		m.mu.Unlock()
	}
}

// Billing counts one bill submission by outcome.
func (m *Metrics) Billing(outcome string) {
	if m == nil {
		return
	}
	m.billing.WithLabelValues(outcome).Inc()
}

// Close counts one close submission by outcome.
func (m *Metrics) Close(outcome string) {
	if m == nil {
		return
	}
	m.closes.WithLabelValues(outcome).Inc()
}

// NoticeSent counts one notice posted to a channel.
func (m *Metrics) NoticeSent() {
	if m == nil {
		return
	}
	m.notices.Inc()
}

// WatcherPolled records that the closed-ticket watcher finished a poll at
// at; syncrobot_watcher_lag_seconds grows from there until the next one.
func (m *Metrics) WatcherPolled(at time.Time) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.watcherAt = at
	m.mu.Unlock()
}

func (m *Metrics) watcherLagSeconds() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.watcherAt.IsZero() {
		return 0
	}
	return m.now().Sub(m.watcherAt).Seconds()
}

// Ready reports whether the bot can do its job: the Socket Mode socket is
// connected and Syncro answered a request successfully within
// ReadyWindow. When not ready, reason says which part is missing.
func (m *Metrics) Ready() (ok bool, reason string) {
	if m == nil {
		return false, "metrics are off"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var why []string
	switch {
	case !m.socketSeen:
		why = append(why, "Slack socket not connected yet")
	case !m.socketUp:
		why = append(why, "Slack socket disconnected")
	}
	switch {
	case m.lastSyncroOK.IsZero():
		why = append(why, "no successful Syncro request yet")
	case m.now().Sub(m.lastSyncroOK) > ReadyWindow:
		why = append(why, "no successful Syncro request in the last "+ReadyWindow.String())
	}
	if len(why) == 0 {
		return true, ""
	}
	return false, strings.Join(why, "; ")
}

// statusLabel keeps the status label set small and free of surprises.
func statusLabel(status int) string {
	if status <= 0 {
		return "error"
	}
	return strconv.Itoa(status)
}
