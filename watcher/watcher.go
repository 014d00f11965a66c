package watcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/notice"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Tuning values, in one place with their reasons.
const (
	// CursorName is the store cursor holding the newest updated_at seen.
	CursorName = "closed-tickets"
	// DefaultInterval matches SYNCRO_POLL_INTERVAL's default.
	DefaultInterval = 60 * time.Second
	// Overlap is subtracted from the cursor in every listing: Syncro's
	// since_updated_at precision is unconfirmed and clocks drift, and the
	// announced set makes seeing a ticket twice harmless.
	Overlap = 2 * time.Minute
	// Backlog is how old a close may be and still get a notice of its own
	// when the bot comes back; older ones share one summary line, so a
	// weekend of downtime does not flood the channel.
	Backlog = 24 * time.Hour
	// DefaultBudget is the most Syncro requests per minute the watcher
	// sends: 3.3 % of Syncro's 180, leaving the rest to people. Normal
	// polling uses about one.
	DefaultBudget = 6
	// maxPendingHints bounds the webhook hints waiting out HintDelay or
	// their reread: the watcher rereads at most Budget tickets a minute,
	// so more than this many pending only queue up work it will drop,
	// and a flood (with the right token) must not start a goroutine per
	// ticket id. Hints past it are dropped; the next poll finds any close.
	maxPendingHints = 64
	// warnEvery is the least time between two warnings about dropped
	// hints, so a flood cannot flood the log too.
	warnEvery = time.Minute
	// pageSize is asked for on each listing; Syncro may ignore it, and
	// paging follows meta.total_pages either way.
	pageSize = 100
)

// Store is the part of the bot's durable state the watcher uses: its
// cursor and the announced set it shares with the close command.
type Store interface {
	store.Cursors
	store.Announcements
}

// Mirror is the open-ticket mirror the polls keep current
// (mirror.Mirror): the listed tickets reach it through the client
// (syncro.Config.OnTickets); the watcher says when a listing was complete.
type Mirror interface {
	// Resync lists every open ticket again when the mirror is cold or its
	// schedule says so; otherwise it does nothing.
	Resync(ctx context.Context, c *syncro.Client) error
	// Synced records that a poll listed every ticket changed up to at.
	Synced(at time.Time)
	// AsOf is how current the mirror is (every change before it is in it).
	AsOf() time.Time
}

// Account is the account data the bot keeps (account.Info), read at
// start and hourly by its owner: the watcher takes the ticket settings
// (statuses, technicians) from it and never reads them itself.
type Account interface {
	// LastTicketSettings is the ticket settings from the last read; ok is
	// false before the first.
	LastTicketSettings() (s *syncro.TicketSettings, ok bool)
}

// Config configures a Watcher. Syncro, Store and Account are required.
type Config struct {
	// Syncro is the client shared with the commands; its own limiter
	// keeps the process under Syncro's limit, Budget keeps the watcher's
	// share small.
	Syncro *syncro.Client
	// Store holds the cursor and the announced set.
	Store Store
	// Account gives the account's ticket settings: which statuses exist
	// (the log says which count as closed) and the technicians' names.
	Account Account
	// Notify posts one notice to NOTIFY_CHANNEL (bot.(*Bot).Notify). The
	// watcher has already marked the ticket announced when it calls Notify.
	// Nil announces nothing: the polls then only keep Mirror current, and
	// the first one waits an interval (the mirror was just filled).
	Notify func(ctx context.Context, m commands.Message) error
	// Mirror, if set, is kept current by every poll.
	Mirror Mirror
	// Interval is the time between polls; default DefaultInterval.
	Interval time.Duration
	// Budget is the most Syncro requests per minute the watcher sends;
	// default DefaultBudget, or, for an Interval under 10 s, the
	// interval's own polls plus one (pollBudget).
	Budget int
	// WebURL is Syncro's web app base (https://SUB.syncromsp.com) for
	// ticket links; empty leaves notices without links.
	WebURL string
	// HintDelay is how long a webhook hint waits (real time) before the
	// ticket is reread; default none. The bot marks a close of its own
	// before writing the status, so there is nothing to wait for.
	HintDelay time.Duration
	// IsClosed overrides which statuses count as closed; default
	// syncro.IsClosedStatus.
	IsClosed func(status string) bool
	// Now is the clock; default time.Now. Tests pass a manual clock.
	Now func() time.Time
	// Logger receives the watcher's logs; default discards.
	Logger *slog.Logger
	// OnPoll, if set, is called after each successful poll with the time
	// it ran (the metrics' watcher lag grows from there).
	OnPoll func(at time.Time)
	// OnListed, if set, gets every poll's listed tickets (changed since
	// since, each once) before closes are announced: the channels'
	// subscriptions (commands/subscriptions) are told from them without
	// a Syncro call of their own.
	OnListed func(ctx context.Context, listed []syncro.Ticket, since time.Time)
}

// Watcher announces closed tickets. Create it with New; Run polls until its
// context ends, Hint takes webhook hints meanwhile.
type Watcher struct {
	cfg Config
	log *slog.Logger
	lim *rate.Limiter
	// announcer claims each close in the store's announced set, shared
	// with the bot's own close notices.
	announcer *notice.Announcer

	pollMu sync.Mutex // one Poll at a time

	mu      sync.Mutex
	status  statusInfo
	runCtx  context.Context // hints run under it; Background until Run
	pending map[int64]bool  // tickets with a hint in flight
	hints   sync.WaitGroup

	// Warnings about dropped hints, each at most once per warnEvery.
	floodWarn, budgetWarn rateWarner
}

// rateWarner logs one warning per warnEvery at most, counting the
// occurrences it kept quiet about.
type rateWarner struct {
	mu     sync.Mutex
	next   time.Time
	missed int
}

// warn logs msg with args unless one was logged less than warnEvery ago.
func (r *rateWarner) warn(log *slog.Logger, now time.Time, msg string, args ...any) {
	r.mu.Lock()
	if now.Before(r.next) {
		r.missed++
		r.mu.Unlock()
		return
	}
	missed := r.missed
	r.next, r.missed = now.Add(warnEvery), 0
	r.mu.Unlock()
	log.Warn(msg, append(args, "not_logged_since_last", missed)...)
}

// New checks cfg and returns a Watcher; it makes no network call.
func New(cfg Config) (*Watcher, error) {
	var errs []error
	if cfg.Syncro == nil {
		errs = append(errs, errors.New("Syncro is required"))
	}
	if cfg.Store == nil {
		errs = append(errs, errors.New("Store is required"))
	}
	if cfg.Account == nil {
		errs = append(errs, errors.New("Account is required"))
	}
	if cfg.Interval < 0 || cfg.Budget < 0 {
		errs = append(errs, errors.New("Interval and Budget must not be negative"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("watcher: new: %w", errors.Join(errs...))
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Budget == 0 {
		cfg.Budget = pollBudget(cfg.Interval)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Watcher{
		cfg: cfg,
		log: cfg.Logger.With("component", "watcher"),
		// A full minute's budget may be spent at once (a poll plus a few
		// hints), then it refills evenly.
		lim:       rate.NewLimiter(rate.Limit(float64(cfg.Budget)/60), cfg.Budget),
		runCtx:    context.Background(),
		pending:   map[int64]bool{},
		announcer: notice.NewAnnouncer(cfg.Store),
	}, nil
}

// pollBudget is the default budget at interval: DefaultBudget, unless
// the interval's own polls need more. A budget below them would hold
// every poll past the first minute's burst back to one per 10 s, and a
// close would wait several intervals to be announced (README: within two
// poll intervals, whatever SYNCRO_POLL_INTERVAL is); one more leaves room
// for a further page or a hint's reread.
func pollBudget(interval time.Duration) int {
	polls := int((time.Minute + interval - 1) / interval)
	return max(DefaultBudget, polls+1)
}

func (w *Watcher) now() time.Time { return w.cfg.Now() }

// spend waits for one request of the watcher's budget. The limiter reads
// the injected clock, so tests that advance it refill the budget.
func (w *Watcher) spend(ctx context.Context) error {
	r := w.lim.ReserveN(w.now(), 1)
	if !r.OK() {
		return errors.New("watcher: budget exhausted")
	}
	d := r.DelayFrom(w.now())
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

// trySpend takes one request of the budget only if it is free now; hints
// use it so a webhook flood is dropped instead of queued.
func (w *Watcher) trySpend() bool { return w.lim.AllowN(w.now(), 1) }

// Run polls at once (announcing what closed while the bot was down) and
// then every Interval until ctx ends. A failed poll is logged and retried
// at the next tick; Run returns an error only when the store is closed.
func (w *Watcher) Run(ctx context.Context) error {
	w.mu.Lock()
	w.runCtx = ctx
	w.mu.Unlock()
	if w.cfg.Notify != nil {
		w.log.Info("watching for closed tickets", "interval", w.cfg.Interval, "budget_per_minute", w.cfg.Budget)
	} else {
		w.log.Info("polling Syncro for the open-ticket mirror; no NOTIFY_CHANNEL, so no closed-ticket notices", "interval", w.cfg.Interval)
	}
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	if w.cfg.Notify == nil {
		// Nothing to announce from the downtime, and the mirror was filled
		// at start: the first listing can wait its turn. A fresh install
		// still gets its cursor now, so the window starts at the fill.
		if _, ok, err := w.cfg.Store.Cursor(CursorName); err != nil || ok {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
	for {
		if err := w.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, store.ErrClosed) {
				return err
			}
			w.log.Warn("poll failed; retrying next interval", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// found is a ticket that reached a closed status inside the watched window.
type found struct {
	t        syncro.Ticket
	closedAt time.Time
}

// Poll runs one round: list the tickets updated since the cursor, announce
// the newly closed ones, and move the cursor to the newest updated_at seen.
// On the first round ever it only sets the cursor to now.
func (w *Watcher) Poll(ctx context.Context) error {
	w.pollMu.Lock()
	defer w.pollMu.Unlock()
	st := w.cfg.Store
	cursor, ok, err := st.Cursor(CursorName)
	if err != nil {
		return fmt.Errorf("watcher: poll: %w", err)
	}
	now := w.now()
	if !ok {
		// A fresh install starts from now: announcing the account's
		// history would flood the channel. The cursor is put Overlap
		// ahead so the next listing's window starts at now exactly, or at
		// the mirror's fill if that came first, so no change between the
		// two escapes it.
		start := now
		if m := w.cfg.Mirror; m != nil {
			if at := m.AsOf(); !at.IsZero() && at.Before(start) {
				start = at
			}
		}
		if err := st.SetCursor(CursorName, start.Add(Overlap)); err != nil {
			return fmt.Errorf("watcher: poll: %w", err)
		}
		w.log.Info("first start: announcing tickets closed from now on", "cursor", now)
		return nil
	}
	if w.cfg.Notify != nil {
		w.refreshStatuses()
	}
	if m := w.cfg.Mirror; m != nil {
		// Hourly at most, outside the watcher's budget: the poll's own
		// listing cannot see a ticket deleted in Syncro.
		if err := m.Resync(ctx, w.cfg.Syncro); err != nil {
			w.log.Warn("open tickets not relisted; trying again next poll", "err", err)
		}
	}

	since := cursor.Add(-Overlap)
	newest := cursor
	seen := map[int64]bool{}
	var listed []syncro.Ticket
	var last *syncro.Response
	// answered is when Syncro's first page came back: the mirror is as
	// current as that (the poll's start would count retries and throttle
	// waits as age).
	var answered time.Time
	for page := 1; ; page++ {
		if err := w.spend(ctx); err != nil {
			return fmt.Errorf("watcher: poll: %w", err)
		}
		list, resp, err := w.cfg.Syncro.Tickets.List(ctx, &syncro.TicketListOptions{
			SinceUpdatedAt: since,
			ListOptions:    syncro.ListOptions{Page: page, PerPage: pageSize},
		})
		if err != nil {
			// The cursor stays put, so the next poll sees the same window.
			return fmt.Errorf("watcher: poll page %d: %w", page, err)
		}
		last = resp
		if page == 1 {
			answered = w.now()
		}
		for _, t := range list {
			if seen[t.ID] || t.UpdatedAt.Before(since) {
				continue
			}
			seen[t.ID] = true
			if t.UpdatedAt.After(newest) {
				newest = t.UpdatedAt.Time
			}
			listed = append(listed, t)
		}
		if len(list) == 0 || resp == nil || resp.Meta == nil || page >= resp.Meta.TotalPages {
			break
		}
	}

	if m := w.cfg.Mirror; m != nil {
		m.Synced(answered)
	}
	if w.cfg.OnListed != nil {
		w.cfg.OnListed(ctx, listed, since)
	}
	syncroNow := w.syncroNow(last, listed...)
	var closed []found
	for _, t := range listed {
		if w.cfg.Notify == nil {
			break // nothing is announced
		}
		if f, ok := w.candidate(t, since); ok {
			closed = append(closed, f)
		}
	}
	deferred, err := w.announce(ctx, closed, syncroNow)
	if err != nil {
		return err
	}
	for _, f := range deferred {
		// A close the bot is making itself is left to the bot; should it
		// end without announcing it, the next poll must still list it:
		// the cursor stops short enough to keep it in the window.
		newest = minTime(newest, f.closedAt.Add(Overlap), f.t.UpdatedAt.Add(Overlap))
	}
	if newest.After(cursor) {
		if err := st.SetCursor(CursorName, newest); err != nil {
			return fmt.Errorf("watcher: poll: %w", err)
		}
	}
	if w.cfg.OnPoll != nil {
		w.cfg.OnPoll(now)
	}
	return nil
}

// minTime is the earliest of ts.
func minTime(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.Before(t) {
			t = u
		}
	}
	return t
}

// syncroNow is Syncro's clock when it answered resp: the answer's Date,
// else the bot's clock, and never earlier than an updated_at in listed
// (Syncro's clock has passed those). A close's age (for Backlog) is
// measured on it, the clock of resolved_at; the bot's clock may be off
// from Syncro's by minutes.
func (w *Watcher) syncroNow(resp *syncro.Response, listed ...syncro.Ticket) time.Time {
	now := w.now()
	if resp != nil && resp.Response != nil {
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			now = d
		}
	}
	for _, t := range listed {
		if t.UpdatedAt.After(now) {
			now = t.UpdatedAt.Time
		}
	}
	return now
}

// candidate reports whether t closed inside the window starting at since.
// resolved_at (else updated_at) must be inside the window: a comment on a
// ticket resolved last month bumps updated_at but is no news.
func (w *Watcher) candidate(t syncro.Ticket, since time.Time) (found, bool) {
	if !w.isClosed(t.Status) {
		return found{}, false
	}
	at := t.ResolvedAt.Time
	if at.IsZero() {
		at = t.UpdatedAt.Time
	}
	if at.Before(since) {
		return found{}, false
	}
	return found{t: t, closedAt: at}, true
}

// announce marks and posts each close, oldest first; closes older than
// Backlog share one summary line, posted before the recent ones. It
// returns the closes it left to the bot, which is closing those tickets
// itself (notice.SeenClosing).
func (w *Watcher) announce(ctx context.Context, closed []found, now time.Time) (deferred []found, err error) {
	slices.SortFunc(closed, func(a, b found) int {
		return cmp.Or(a.closedAt.Compare(b.closedAt), cmp.Compare(a.t.ID, b.t.ID))
	})
	var old []syncro.Ticket
	var recent []syncro.Ticket
	for _, f := range closed {
		seen, err := w.announcer.ClaimSeen(f.t.ID, f.t.UpdatedAt.Time)
		if err != nil {
			return nil, fmt.Errorf("watcher: announce ticket %d: %w", f.t.ID, err)
		}
		switch seen {
		case notice.SeenBefore:
			continue // announced before: by the bot, a hint or an earlier poll
		case notice.SeenClosing:
			w.log.Debug("ticket is being closed from Slack; its notice comes from there", "ticket_id", f.t.ID)
			deferred = append(deferred, f)
			continue
		}
		if now.Sub(f.closedAt) > Backlog {
			old = append(old, f.t)
		} else {
			recent = append(recent, f.t)
		}
	}
	if len(old) > 0 {
		w.post(ctx, summaryNotice(old))
	}
	for _, t := range recent {
		w.post(ctx, w.notice(&t))
	}
	return deferred, nil
}

// post hands a notice to Notify. The ticket is already marked, so a failure
// loses this notice (logged) rather than risking it twice.
func (w *Watcher) post(ctx context.Context, m commands.Message) {
	// A notice names the ticket's subject and customer: at INFO and
	// above only its length and hash, the words at debug (README,
	// Security).
	w.log.Debug("closed-ticket notice", "ticket_id", m.TicketID, "text", m.Text)
	if err := w.cfg.Notify(ctx, m); err != nil {
		w.log.Error("closed-ticket notice not posted", "ticket_id", m.TicketID, commands.LogText("text", m.Text), "err", err)
		return
	}
	w.log.Info("closed-ticket notice queued", "ticket_id", m.TicketID, commands.LogText("text", m.Text))
}

// Hint handles a webhook's claim that ticketID changed status: unless the
// ticket is already announced it is reread through the API, and announced
// if it is closed inside the watched window. A hint over the budget is
// dropped; the next poll finds the close anyway.
func (w *Watcher) Hint(ctx context.Context, ticketID int64) error {
	if ticketID <= 0 {
		return fmt.Errorf("watcher: hint: bad ticket id %d", ticketID)
	}
	done, err := w.cfg.Store.WasAnnounced(ticketID)
	if err != nil {
		return fmt.Errorf("watcher: hint for ticket %d: %w", ticketID, err)
	}
	if done {
		return nil
	}
	cursor, ok, err := w.cfg.Store.Cursor(CursorName)
	if err != nil {
		return fmt.Errorf("watcher: hint for ticket %d: %w", ticketID, err)
	}
	if !ok {
		// Before the first poll there is no window yet; the first poll
		// starts it at now, so only closes from now on count.
		cursor = w.now()
	}
	if !w.trySpend() {
		w.budgetWarn.warn(w.log, w.now(), "webhook hint over the watcher's budget; the next poll will catch it", "ticket_id", ticketID)
		return nil
	}
	t, resp, err := w.cfg.Syncro.Tickets.Get(ctx, ticketID)
	if err != nil {
		return fmt.Errorf("watcher: hint: read ticket %d: %w", ticketID, err)
	}
	if w.cfg.Notify == nil {
		return nil // the read itself brought the mirror up to date
	}
	f, ok := w.candidate(*t, cursor.Add(-Overlap))
	if !ok {
		w.log.Debug("webhook hint: ticket is not newly closed", "ticket_id", ticketID, "status", t.Status)
		return nil
	}
	// A close left to the bot is the poll's to look at again.
	_, err = w.announce(ctx, []found{f}, w.syncroNow(resp, *t))
	return err
}

// hintAsync runs Hint in the background under Run's context, at most one
// per ticket at a time and maxPendingHints in all; the webhook answers
// without waiting for Syncro.
func (w *Watcher) hintAsync(ticketID int64) {
	w.mu.Lock()
	if w.pending[ticketID] {
		w.mu.Unlock()
		return
	}
	if len(w.pending) >= maxPendingHints {
		w.mu.Unlock()
		w.floodWarn.warn(w.log, w.now(), "webhook hints arriving faster than the watcher can reread tickets; dropping them (the next poll will catch any close)",
			"ticket_id", ticketID, "pending", maxPendingHints)
		return
	}
	w.pending[ticketID] = true
	ctx := w.runCtx
	w.hints.Add(1)
	w.mu.Unlock()
	go func() {
		defer w.hints.Done()
		defer func() {
			w.mu.Lock()
			delete(w.pending, ticketID)
			w.mu.Unlock()
		}()
		if w.cfg.HintDelay > 0 {
			t := time.NewTimer(w.cfg.HintDelay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
		ctx, cancel := context.WithTimeout(ctx, hintTimeout)
		defer cancel()
		if err := w.Hint(ctx, ticketID); err != nil {
			w.log.Warn("webhook hint failed; the next poll will catch a close", "ticket_id", ticketID, "err", err)
		}
	}()
}

// hintTimeout bounds one background hint (a Syncro read plus the store).
const hintTimeout = time.Minute

// WaitHints blocks until the hints started by the webhook have finished:
// tests use it to assert on their outcome, and shutdown to let them end.
func (w *Watcher) WaitHints() { w.hints.Wait() }
