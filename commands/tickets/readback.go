package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Reading a write back. Syncro has no idempotency keys (docs/syncro-api.md,
// "No idempotency"), so a POST whose answer never came is settled by
// looking for its record. The record looked for must be this write's, not
// an earlier one with the same text or minutes: before each write a step
// records in its flow what the ticket already held (stepBefore), and the
// read-back takes only a record that is new since, and that no other flow
// on the ticket owns.

// stepBefore is what a step saw in Syncro just before its write, kept in
// the flow (store.Step.Before) so a read-back after a restart has it too.
type stepBefore struct {
	// Started is when the write began, on the bot's clock.
	Started time.Time `json:"started"`
	// Floor bounds the read-back: a record created before it was there
	// before the write. It is Started less recentWindow, or the newest
	// comment's created_at when that is earlier: Syncro stamps records
	// with its own clock, and a clock behind the bot's still stamps a new
	// comment after every comment already there.
	Floor time.Time `json:"floor,omitzero"`
	// Until bounds the read-back from above, on Syncro's clock: Syncro's
	// Date when it answered the read just before the write, plus the
	// longest the write could take (writeWindow) and Syncro's lag in
	// applying it (syncroLag). A record created after it came later than
	// this write could have: the same words typed in the web app while
	// the bot was down are not taken for its write.
	// An answer without a usable Date is placed by syncroClock. Zero only
	// in flows recorded before that: then only Floor bounds it.
	Until time.Time `json:"until,omitzero"`
	// Comments are the ids of the comments with the step's subject and
	// body that the ticket held since Floor: an identical comment that is
	// not this write's.
	Comments []int64 `json:"comments,omitempty"`
	// Timers are the ids of the ticket's timers before a timer entry was
	// posted.
	Timers []int64 `json:"timers,omitempty"`
	// TimerStart is the start_at the timer entry is posted with. Syncro
	// keeps it as the timer's start_time: a timer logged elsewhere (the
	// web UI) with the same minutes does not share it.
	TimerStart time.Time `json:"timer_start,omitzero"`
	// Path is where the session log step files the log, relative to
	// SESSION_LOG_DIR: after a crash a file there is the step's.
	Path string `json:"path,omitempty"`
}

// maxWriteWindow is the longest a write may take once its step is
// prepared: the whole of a work's time (WORK_TIMEOUT is at most 10 min,
// config/config.go), its retries and their waits included.
const maxWriteWindow = 10 * time.Minute

// writeWindow is how long the write a step prepares may still take: the
// work's time left, at most maxWriteWindow (all of it for work with no
// deadline).
func writeWindow(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return max(0, min(time.Until(dl), maxWriteWindow))
	}
	return maxWriteWindow
}

// syncroLag is how long after the bot stopped waiting Syncro may still
// stamp a write it had received: a request queued on Syncro's side is
// applied, and created_at set, after the answer the bot gave up on.
const syncroLag = time.Minute

// writeUntil is stepBefore.Until for a write prepared from a read Syncro
// answered at answered (syncroClock.answered, to the second), with
// syncroLag to spare.
func writeUntil(ctx context.Context, answered time.Time) time.Time {
	return answered.Add(time.Second + writeWindow(ctx) + syncroLag)
}

// syncroClock is how far Syncro's clock reads ahead of the bot's (behind,
// when negative), as its answers' Dates showed it.
type syncroClock struct {
	mu sync.Mutex
	// ahead is the offset of the Date furthest ahead seen within
	// clockMemory of seen; seen is zero until a Date (or stamp) was seen.
	ahead time.Duration
	seen  time.Time
}

// clockMemory is how long an offset further ahead than the Dates since
// is kept. Syncro behind a load balancer may answer from servers whose
// clocks differ, and any of them may stamp the write that follows a read:
// a read answered by a slow one must not bound the write by its clock
// (the write, stamped by a faster one, would not be found and be made
// twice). After an hour of slower Dates the slower clock is taken.
const clockMemory = time.Hour

// answered is when Syncro answered resp, on Syncro's clock: its Date, or,
// when a proxy stripped the header or it does not parse, the bot's clock
// now moved by the offset the Dates showed (none seen: the bot's clock);
// never earlier than the furthest ahead a Date within clockMemory showed
// it. Never unknown: a read-back bounded from below only took the same
// words typed in the web app an hour later for a write that never
// happened, and a landed write for that later copy.
func (k *syncroClock) answered(resp *syncro.Response, now time.Time) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	d := resp.Date()
	if d.IsZero() {
		return k.nowLocked(now)
	}
	if off := d.Sub(now); k.seen.IsZero() || off >= k.ahead || now.Sub(k.seen) > clockMemory {
		k.ahead, k.seen = off, now
	}
	return later(d, k.nowLocked(now))
}

// stamped tells the clock Syncro stamped a record at t, seen now: its
// clock read at least t then. Stamps only move the clock ahead: with no
// Date (a proxy strips them) and Syncro's clock ahead of the bot's, the
// records Syncro stamps are all that show it, and a write bounded by the
// bot's clock would not be found by a Finish and be made twice.
func (k *syncroClock) stamped(t, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if off := t.Sub(now); !t.IsZero() && off > k.ahead {
		k.ahead, k.seen = off, now
	}
}

// now is the bot's clock reading now moved by the offset the Dates
// showed: Syncro's clock, as near as the bot can tell without asking.
func (k *syncroClock) now(now time.Time) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.nowLocked(now)
}

func (k *syncroClock) nowLocked(now time.Time) time.Time {
	return now.Add(k.ahead).Truncate(time.Second)
}

// readingBackAtOnce lifts the step's upper bound (Until) for a read-back
// right after its write's unclear answer, in the same pass: whatever the
// ticket holds then was made before that read, and one made since the
// write began cannot be told from it anyway (Until allows the whole
// write). Bounded by a clock guessed wrong — a Date from a slower server
// of Syncro's, or none ever and Syncro's clock ahead of the bot's — the
// read-back missed the write just made, and the reply said it was not
// made while Syncro held it. The recorded bound stays for a Finish in a
// later pass, when time has passed and the web app may have a copy.
func (fr *flowRun) readingBackAtOnce(step string) {
	if b, ok := fr.before[step]; ok {
		b.Until = time.Time{}
		fr.before[step] = b
	}
}

// timerStartSlack is how far a timer's start_time may be from the start_at
// it was posted with and still be that timer (Syncro may round it).
const timerStartSlack = time.Minute

// prepare marks a step in doubt in its flow before its write, with what
// the ticket holds that the write must be told apart from; from then on a
// resumed flow reads the step back before writing again. Steps that write
// nothing to Syncro are not marked.
func (fr *flowRun) prepare(ctx context.Context, step string) error {
	var (
		b   stepBefore
		err error
	)
	switch step {
	case stepComment:
		b, err = fr.c.commentsBefore(ctx, fr.p.TicketID, fr.p.Subject, fr.p.Body, fr.c.cfg.Now())
	case stepTime:
		b, err = fr.timersBefore(ctx)
	case stepInvoice:
		// Bounded like a comment: an invoice made after the POST could
		// have landed is not the bill's (readBackInvoice).
		b.Started = fr.c.cfg.Now()
		b.Until = writeUntil(ctx, fr.c.clock.now(b.Started))
	case stepSessionLog:
		b.Started = fr.c.cfg.Now()
		var rec sessionlog.Record
		if rec, err = fr.sessionRecord(ctx); err == nil {
			// With no name found, the write itself says what is wrong.
			b.Path, _ = fr.c.cfg.SessionLogs.Next(rec)
		}
	default:
		if auditAction(step) == "" {
			return nil
		}
		b.Started = fr.c.cfg.Now()
	}
	if err != nil {
		return err
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("record what ticket %d held before the %s: %w", fr.p.TicketID, step, err)
	}
	if _, err := fr.st.PrepareStep(fr.f.ID, step, raw); err != nil {
		return &errStore{err}
	}
	fr.before[step] = b
	return nil
}

// sessionRecord is the session log of the flow's ticket as it stands.
func (fr *flowRun) sessionRecord(ctx context.Context) (sessionlog.Record, error) {
	t, err := fr.getTicket(ctx)
	if err != nil {
		return sessionlog.Record{}, err
	}
	return fr.c.sessionRecord(ctx, t, fr.p.Number, fr.c.location(fr.p.TimeZone), fr.p.Body, fr.actor), nil
}

// commentsBefore reads a ticket's recent comments before a comment with
// subject and body is posted.
func (c *feature) commentsBefore(ctx context.Context, ticketID int64, subject, body string, started time.Time) (stepBefore, error) {
	b := stepBefore{Started: started, Floor: started.Add(-recentWindow)}
	newest := true
	var latest time.Time
	answered, err := c.eachComment(ctx, ticketID, func(x syncro.Comment) bool {
		if newest && !x.CreatedAt.IsZero() && x.CreatedAt.Before(b.Floor) {
			b.Floor = x.CreatedAt.Time
		}
		if newest {
			latest = x.CreatedAt.Time
		}
		newest = false
		if !x.CreatedAt.IsZero() && x.CreatedAt.Before(b.Floor) {
			return false
		}
		if x.Subject == subject && x.Body == body {
			b.Comments = append(b.Comments, x.ID)
		}
		return true
	})
	if err != nil {
		return stepBefore{}, fmt.Errorf("read the comments of ticket %d before writing: %w", ticketID, err)
	}
	b.Until = writeUntil(ctx, later(answered, latest))
	if newest {
		// No comment yet: none to tell the write apart from, and no
		// Syncro stamp to measure the floor by; the bot's clock less the
		// window would miss a write Syncro stamps further behind.
		b.Floor = time.Time{}
	}
	return b, nil
}

// timersBefore reads the ticket afresh before the time step: the timer its
// comment may have carried is looked for in it, and the timers on it are
// the ones a timer entry posted next is not.
func (fr *flowRun) timersBefore(ctx context.Context) (stepBefore, error) {
	t, answered, err := fr.readTicket(ctx)
	if err != nil {
		if fr.results[stepComment].CarriedTime {
			// The comment carried the time; it may well be there.
			return stepBefore{}, &unknownOutcomeError{what: "the time entry", err: err}
		}
		return stepBefore{}, fmt.Errorf("read ticket %d before logging time: %w", fr.p.TicketID, err)
	}
	now := fr.c.cfg.Now()
	latest := newestRecord(t)
	b := stepBefore{Started: now, Floor: now.Add(-recentWindow), Until: writeUntil(ctx, later(answered, latest)),
		TimerStart: now.Add(-time.Duration(fr.p.Minutes) * time.Minute).Truncate(time.Second)}
	for _, tm := range t.TicketTimers {
		b.Timers = append(b.Timers, tm.ID)
	}
	switch newest := newestTimer(t.TicketTimers); {
	case len(t.TicketTimers) == 0:
		b.Floor = time.Time{} // no timer to measure by: see commentsBefore
	case !newest.IsZero() && newest.Before(b.Floor):
		b.Floor = newest // Syncro's clock behind the bot's: see Floor
	}
	return b, nil
}

// later is the later of a and b. A record Syncro stamped is no later
// than Syncro's clock: the newest on a ticket places its clock at least
// there when its answer had no Date (syncroClock guessed).
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// newestRecord is the latest created_at among a ticket's timers and
// comments; zero for none.
func newestRecord(t *syncro.Ticket) time.Time {
	latest := newestTimer(t.TicketTimers)
	for _, x := range t.Comments {
		latest = later(latest, x.CreatedAt.Time)
	}
	return latest
}

// newestTimer is the latest created_at among timers; zero for none.
func newestTimer(timers []syncro.Timer) time.Time {
	var newest time.Time
	for _, tm := range timers {
		if tm.CreatedAt.After(newest) {
			newest = tm.CreatedAt.Time
		}
	}
	return newest
}

// commentsPerPage is the page size comments are read in: Syncro's
// largest, so a busy ticket costs few requests.
const commentsPerPage = 100

// eachComment calls visit with a ticket's comments newest first, page after
// page, until visit returns false or the comments run out, and says when
// Syncro answered the first page, on its clock (syncroClock). Reading
// one page is not enough: on a busy ticket a comment made before a crash
// can be pages down by the time Finish reads it back.
func (c *feature) eachComment(ctx context.Context, ticketID int64, visit func(syncro.Comment) bool) (answered time.Time, err error) {
	opts := &syncro.CommentListOptions{ListOptions: syncro.ListOptions{PerPage: commentsPerPage}}
	for opts.Page = 1; ; opts.Page++ {
		list, resp, err := c.cfg.Syncro.Tickets.ListComments(ctx, ticketID, opts)
		if err != nil {
			return answered, fmt.Errorf("page %d: %w", opts.Page, err)
		}
		if opts.Page == 1 {
			if len(list) > 0 {
				c.clock.stamped(list[0].CreatedAt.Time, c.cfg.Now())
			}
			answered = c.clock.answered(resp, c.cfg.Now())
		}
		for _, x := range list {
			if !visit(x) {
				return answered, nil
			}
		}
		if len(list) == 0 || resp.Meta == nil || opts.Page >= resp.Meta.TotalPages {
			return answered, nil
		}
	}
}

// readBackComment looks for this flow's comment: one with its subject and
// body, created between the step's floor and its Until, that was not on
// the ticket before the write and that no other flow owns; of several,
// the oldest. nil means it is not there.
func (fr *flowRun) readBackComment(ctx context.Context) (*syncro.Comment, error) {
	p := fr.p
	b, prepared := fr.before[stepComment]
	if !prepared {
		if p.Snapshots {
			// Every write of this flow is prepared first: with nothing
			// recorded, the write never started.
			return nil, nil
		}
		// A flow recorded before steps kept what they saw: the best
		// available is what came since the flow began.
		b = stepBefore{Floor: fr.f.CreatedAt.Add(-recentWindow)}
	}
	skip := fr.ownedByOthers().comments
	for _, id := range b.Comments {
		skip[id] = true
	}
	var found *syncro.Comment
	_, err := fr.c.eachComment(ctx, p.TicketID, func(x syncro.Comment) bool {
		if !x.CreatedAt.IsZero() && x.CreatedAt.Before(b.Floor) {
			return false
		}
		if !b.Until.IsZero() && x.CreatedAt.After(b.Until) {
			return true // newer than this write could be
		}
		if x.Subject == p.Subject && x.Body == p.Body && !skip[x.ID] {
			// The oldest one new since the write began is its: a copy
			// typed in the web app came after it.
			found = &x
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read back the comments of ticket %d: %w", p.TicketID, err)
	}
	return found, nil
}

// owned is what other flows on a ticket wrote: records a read-back must
// not take for this flow's.
type owned struct {
	comments, timers map[int64]bool
}

// ownedByOthers collects the comments and timers the ticket's other flows
// recorded as theirs.
func (fr *flowRun) ownedByOthers() owned {
	o := owned{comments: map[int64]bool{}, timers: map[int64]bool{}}
	flows, _ := fr.st.FlowsForTicket(fr.p.TicketID)
	for _, f := range flows {
		if f.ID == fr.f.ID {
			continue
		}
		for _, s := range f.Steps {
			if s.State != store.StepDone {
				continue
			}
			var res stepResult
			if json.Unmarshal(s.Result, &res) != nil {
				continue
			}
			if s.Name == stepComment && res.CommentID != 0 {
				o.comments[res.CommentID] = true
			}
			if s.Name == stepTime && res.TimerID != 0 {
				o.timers[res.TimerID] = true
			}
		}
	}
	return o
}

// findTimer finds this flow's timer on t: the one Syncro made from its
// comment, holding its minutes and product; else, when the flow posted a
// timer entry, one that was not on the ticket before the POST, that no
// other flow owns, created between the floor and Until, with the flow's minutes,
// product and notes, the start_at it was posted with, and the user it
// was posted for (user: timerUser). A timer another tech logged in the
// web UI meanwhile is none of these, even with the same notes and start.
func (fr *flowRun) findTimer(t *syncro.Ticket, user int64) *syncro.Timer {
	te := *fr.p.te()
	if cid := fr.results[stepComment].CommentID; cid != 0 {
		if tm := tiedTimer(t, cid, te); tm != nil {
			return tm
		}
	}
	b, prepared := fr.before[stepTime]
	legacy := !prepared && !fr.p.Snapshots
	if !legacy && b.TimerStart.IsZero() {
		return nil // no timer entry was posted
	}
	skip := fr.ownedByOthers().timers
	for _, id := range b.Timers {
		skip[id] = true
	}
	since := b.Floor
	if legacy {
		// A flow recorded before steps kept what they saw: the best
		// available is a timer with its time logged since it began.
		since = fr.f.CreatedAt.Add(-recentWindow)
	}
	for i := range t.TicketTimers {
		tm := &t.TicketTimers[i]
		if skip[tm.ID] || tm.CommentID != nil || tm.ProductID == nil || *tm.ProductID != te.ProductID || timerMinutes(*tm) != te.Minutes || tm.UserID != user {
			continue
		}
		if legacy {
			if !tm.CreatedAt.Time.Before(since) || !tm.EndTime.Time.Before(since) {
				return tm
			}
			continue
		}
		if tm.CreatedAt.Before(since) || (!b.Until.IsZero() && tm.CreatedAt.After(b.Until)) || strings.TrimSpace(tm.Notes) != strings.TrimSpace(te.Notes) {
			continue
		}
		if d := tm.StartTime.Sub(b.TimerStart); d > -timerStartSlack && d < timerStartSlack {
			return tm
		}
	}
	return nil
}

// postTimer logs te with POST timer_entry, started at the recorded
// TimerStart. An unknown outcome is read back: the ticket's timers now,
// against what it held before.
func (fr *flowRun) postTimer(ctx context.Context, te timeEntry) (*syncro.Timer, error) {
	start := fr.before[stepTime].TimerStart
	req := &syncro.TimerEntryRequest{
		StartAt:         &start,
		DurationMinutes: syncro.Ptr(te.Minutes),
		ProductID:       syncro.Ptr(te.ProductID),
		Notes:           te.Notes,
	}
	if te.UserID != 0 {
		req.UserID = syncro.Ptr(te.UserID)
	}
	tm, _, err := fr.c.cfg.Syncro.Timers.Add(ctx, fr.p.TicketID, req)
	if !errors.Is(err, syncro.ErrOutcomeUnknown) {
		if err == nil {
			fr.c.clock.stamped(tm.CreatedAt.Time, fr.c.cfg.Now())
		}
		return tm, err
	}
	fr.readingBackAtOnce(stepTime)
	t, _, rerr := fr.readTicket(ctx)
	if rerr != nil {
		return nil, &unknownOutcomeError{what: "the time entry", err: err}
	}
	user, rerr := fr.timerUser(ctx)
	if rerr != nil {
		return nil, &unknownOutcomeError{what: "the time entry", err: err}
	}
	if found := fr.findTimer(t, user); found != nil {
		return found, nil
	}
	return nil, err // read back and not there: nothing was written
}

// timerUser is the Syncro user the flow's timer entry is posted for: the
// tech's, or, when the flow has none, the API key's own (Syncro's default,
// docs/syncro-api.md §4.3), asked of GET /me once per process and only
// when a timer entry is read back.
func (fr *flowRun) timerUser(ctx context.Context) (int64, error) {
	if id := fr.p.TechUserID; id != 0 {
		return id, nil
	}
	return fr.c.keyUser(ctx)
}

// tiedTimer is the timer Syncro made from comment commentID, if it holds
// te's minutes and product; a timer with other time is not this write's.
func tiedTimer(t *syncro.Ticket, commentID int64, te timeEntry) *syncro.Timer {
	i := slices.IndexFunc(t.TicketTimers, tiedTo(commentID))
	if i < 0 {
		return nil
	}
	tm := &t.TicketTimers[i]
	if tm.ProductID == nil || *tm.ProductID != te.ProductID || timerMinutes(*tm) != te.Minutes {
		return nil
	}
	return tm
}

// tiedTo matches a timer Syncro made from comment commentID.
func tiedTo(commentID int64) func(syncro.Timer) bool {
	return func(tm syncro.Timer) bool { return tm.CommentID != nil && *tm.CommentID == commentID }
}
