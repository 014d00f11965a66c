// Package mirror answers the bot's reads of Syncro without spending
// Syncro's 180 requests a minute (per IP, shared with everything the MSP
// runs): an in-memory Mirror of every open ticket, kept current by the
// watcher's poll and by every ticket record the client decodes (the bot's
// own writes included), and Reads, which coalesces identical concurrent
// reads of the rest and keeps their answers for a few seconds.
//
// Money decisions never come here: billing, closing, logging time, the
// invoice guard and every read-back call the syncro client directly.
package mirror

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
)

// Tuning values, in one place with their reasons.
const (
	// DefaultResync is how often every open ticket is listed again. A
	// ticket deleted in Syncro never shows in the watcher's
	// since_updated_at listing, so only a full listing drops it; one call
	// per 100 open tickets an hour is about 1.7 % of one minute's budget.
	DefaultResync = time.Hour
	// closedMemory is how long a ticket seen closed is remembered, so a
	// listing answered before the close (a poll racing the bot's own close)
	// cannot bring it back. Longer than any request can take.
	closedMemory = 10 * time.Minute
)

// Config configures a Mirror. Interval is required.
type Config struct {
	// Interval is the watcher's poll interval (SYNCRO_POLL_INTERVAL): a
	// mirror not synced for longer than that, plus half of it for the poll
	// itself, is stale and says its age.
	Interval time.Duration
	// Resync is how often every open ticket is listed again; default
	// DefaultResync.
	Resync time.Duration
	// IsClosed says which statuses mean done; default
	// syncro.IsClosedStatus, the one meaning of "open" everywhere.
	IsClosed func(status string) bool
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives the mirror's logs; default discards.
	Logger *slog.Logger
}

// Mirror holds every open ticket of the account as Syncro last answered
// about it. Create it with New and feed it through syncro.Config.OnTickets
// (Observe); Warm fills it at start, the watcher's polls (Synced) keep it
// current. It is safe for concurrent use.
type Mirror struct {
	cfg Config
	log *slog.Logger

	// mu is read-locked by the readers: a standup's 200 /syncro each copy
	// the open tickets at once, and under a plain mutex each waited for
	// all the copies before it (BENCHMARKS.md, mutex profile).
	mu   sync.RWMutex
	open map[int64]entry
	// closed remembers tickets seen closed lately, by id: the updated_at
	// of that record and when it was seen.
	closed map[int64]closedMark
	warm   bool
	// asOf is when the last complete listing (warm-up or poll) was
	// answered: every change before it is in the mirror.
	asOf time.Time
	// resynced is when the last full listing of open tickets started.
	resynced time.Time
	// writes counts the bot's write attempts; Reads keeps nothing read
	// before the latest one.
	writes atomic.Uint64
}

// entry is one open ticket and when the mirror learned it.
type entry struct {
	t    syncro.Ticket
	seen time.Time
}

type closedMark struct {
	updatedAt time.Time
	seen      time.Time
}

// New returns an empty, cold Mirror: Open reports it is not ready until
// Warm succeeded.
func New(cfg Config) (*Mirror, error) {
	if cfg.Interval <= 0 {
		return nil, fmt.Errorf("mirror: new: Interval %s must be positive", cfg.Interval)
	}
	if cfg.Resync <= 0 {
		cfg.Resync = DefaultResync
	}
	if cfg.IsClosed == nil {
		cfg.IsClosed = syncro.IsClosedStatus
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Mirror{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "mirror"),
		open:   map[int64]entry{},
		closed: map[int64]closedMark{},
	}, nil
}

// Observe takes ticket records Syncro answered with (syncro.Config.OnTickets):
// an open ticket is added or updated, a closed one leaves. A record older
// than what the mirror holds is ignored, so a listing answered before the
// bot's own write cannot undo it.
func (m *Mirror) Observe(ts []syncro.Ticket) {
	now := m.cfg.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range ts {
		m.applyLocked(&ts[i], now)
	}
}

// applyLocked folds one record in, unless the mirror holds a newer one.
func (m *Mirror) applyLocked(t *syncro.Ticket, now time.Time) {
	if t.ID == 0 {
		return
	}
	at := t.UpdatedAt.Time
	closed := m.cfg.IsClosed(t.Status)
	if cur, ok := m.open[t.ID]; ok && at.Before(cur.t.UpdatedAt.Time) {
		return
	}
	if c, ok := m.closed[t.ID]; ok {
		// A record as old as the close is the close's, or older: an open
		// one of the same instant is the listing the close overtook.
		if at.Before(c.updatedAt) || at.Equal(c.updatedAt) && !closed {
			return
		}
	}
	if closed {
		delete(m.open, t.ID)
		m.closed[t.ID] = closedMark{updatedAt: at, seen: now}
		return
	}
	delete(m.closed, t.ID)
	m.open[t.ID] = entry{t: summary(t), seen: now}
}

// Attempted takes every request attempt the client made
// (syncro.Config.Observe): a write by the bot (anything but GET, answered
// or not, since an unanswered POST may have landed) makes every copy Reads
// keeps out of date.
func (m *Mirror) Attempted(a syncro.Attempt) {
	if a.Method != http.MethodGet {
		m.writes.Add(1)
	}
}

// Hook makes a client built from cfg feed m: every ticket record it
// decodes (OnTickets) and every write it attempts (Observe, after the
// function already there).
func (m *Mirror) Hook(cfg *syncro.Config) {
	cfg.OnTickets = m.Observe
	prev := cfg.Observe
	cfg.Observe = func(a syncro.Attempt) {
		if prev != nil {
			prev(a)
		}
		m.Attempted(a)
	}
}

// newest is the updated_at of the newest record of ticket id the mirror
// has seen (open, or closed lately); ok is false when it knows none.
func (m *Mirror) newest(id int64) (at time.Time, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if e, ok := m.open[id]; ok {
		return e.t.UpdatedAt.Time, true
	}
	if c, ok := m.closed[id]; ok {
		return c.updatedAt, true
	}
	return time.Time{}, false
}

// summary is the part of a ticket record the lists, counts and searches
// read; a detail read's comments, timers and line items are not kept, so
// the mirror stays small.
func summary(t *syncro.Ticket) syncro.Ticket {
	return syncro.Ticket{
		ID: t.ID, Number: t.Number, Subject: t.Subject, Status: t.Status,
		ProblemType: t.ProblemType, Priority: t.Priority,
		CustomerID: t.CustomerID, CustomerBusinessThenName: t.CustomerName(),
		ContactID: t.ContactID, ContactFullname: t.ContactFullname, UserID: t.UserID,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, DueDate: t.DueDate,
	}
}

// Warm lists every open ticket (one call per 100) and makes the mirror
// ready: what the listing did not return, and nothing reported since it
// started, is gone. The records themselves arrive through Observe, since
// the listing goes through the client that feeds it.
func (m *Mirror) Warm(ctx context.Context, c *syncro.Client) error {
	start := m.cfg.Now()
	listed := map[int64]bool{}
	for t, err := range c.Tickets.AllOpen(ctx, &syncro.TicketListOptions{}) {
		if err != nil {
			return fmt.Errorf("mirror: list open tickets: %w", err)
		}
		listed[t.ID] = true
	}
	m.mu.Lock()
	for id, e := range m.open {
		if !listed[id] && e.seen.Before(start) {
			delete(m.open, id)
		}
	}
	m.warm = true
	m.resynced = start
	if start.After(m.asOf) {
		m.asOf = start
	}
	n := len(m.open)
	m.mu.Unlock()
	m.log.Info("open-ticket mirror filled", "open_tickets", n, "took", m.cfg.Now().Sub(start))
	return nil
}

// Resync warms the mirror when it is cold or its last full listing is
// older than Config.Resync; otherwise it does nothing. The watcher calls
// it before each poll.
func (m *Mirror) Resync(ctx context.Context, c *syncro.Client) error {
	m.mu.Lock()
	due := !m.warm || m.cfg.Now().Sub(m.resynced) >= m.cfg.Resync
	m.mu.Unlock()
	if !due {
		return nil
	}
	return m.Warm(ctx, c)
}

// Synced records that a poll listed every ticket changed up to at (when
// Syncro answered it); the listed records came through Observe.
func (m *Mirror) Synced(at time.Time) {
	now := m.cfg.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.After(m.asOf) {
		m.asOf = at
	}
	for id, c := range m.closed {
		if now.Sub(c.seen) > closedMemory {
			delete(m.closed, id)
		}
	}
}

// AsOf is how current the mirror is: every change before it is in it.
// It is zero before the first complete listing.
func (m *Mirror) AsOf() time.Time {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.asOf
}

// Snapshot is the open tickets at one moment, with how current they are.
type Snapshot struct {
	// Tickets are the open tickets, in no particular order; the slice is
	// the caller's.
	Tickets []syncro.Ticket
	// Age is how long ago AsOf was.
	Age time.Duration
	// Stale is true when Age is over one poll interval (plus half of one
	// for the poll itself): Syncro has not answered the watcher lately,
	// and a reply should say how old it is.
	Stale bool
}

// Open returns the open tickets keep accepts (all when keep is nil); ok
// is false while the mirror is cold (Syncro could not be listed yet), when
// the caller must ask Syncro itself.
func (m *Mirror) Open(keep func(*syncro.Ticket) bool) (s Snapshot, ok bool) {
	now := m.cfg.Now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.warm {
		return Snapshot{}, false
	}
	s.Tickets = make([]syncro.Ticket, 0, len(m.open))
	for _, e := range m.open {
		if keep == nil || keep(&e.t) {
			s.Tickets = append(s.Tickets, e.t)
		}
	}
	s.Age = max(now.Sub(m.asOf), 0)
	s.Stale = s.Age > m.cfg.Interval+m.cfg.Interval/2
	return s, true
}

// ByNumber is the open ticket numbered number, if the warm mirror holds one.
func (m *Mirror) ByNumber(number string) (syncro.Ticket, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.warm {
		return syncro.Ticket{}, false
	}
	for _, e := range m.open {
		if string(e.t.Number) == number {
			return e.t, true
		}
	}
	return syncro.Ticket{}, false
}
