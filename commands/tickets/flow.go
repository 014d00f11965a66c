package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/flow"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Multi-step writes (bill, close, comment with time) run as recorded
// flows: the steps and their results live in the store (store.Flow), and
// each step's Syncro write is claimed under Key(flow id, step). So:
//
//   - a step that finished is never run again (its result is in the store);
//   - a step cut off mid-write (the process died, or Syncro's answer never
//     came) comes back as unknown and is settled by reading Syncro back,
//     never by writing again blindly;
//   - when a step fails the tech sees what was done and what was not, and a
//     Finish button (ActionFinish, value = flow id) runs only the missing
//     steps, also after a restart.

// ActionFinish is the Finish button of a flow that stopped half-way; its
// value is the flow id.
const ActionFinish = "flow_finish"

// Flow kinds besides the store's bill and close: /syncro comment (with or
// without time) and the Log time form.
const (
	flowComment = "comment"
	flowLogTime = "log time"
)

// Step names, stored in flows: never rename one that shipped.
const (
	stepGuard = "invoice guard"
	// stepInvoicedCheck is a close's look at the ticket's invoices.
	stepInvoicedCheck = "invoiced check"
	stepComment       = "comment"
	stepTime          = "time"
	// stepChargeCheck is a bill's second look at its form's time, right
	// before charging (billshown.go).
	stepChargeCheck = "charge check"
	stepCharge      = "charge"
	stepInvoice     = "invoice"
	stepStatus      = "status"
	stepNotice      = "notice"
	stepSessionLog  = "session log"
)

// stepReserve is the least of the work's time (bot's WorkTimeout) a step
// starts with; flow.StepReserve says why, for every recorded flow.
const stepReserve = flow.StepReserve

// errOutOfTime stops a flow before a step it has too little time for;
// nothing of that step was sent, and Finish does it.
var errOutOfTime = errors.New("too little time left to start the step")

// flowDB is what the flow runner keeps in the store: the flows and the
// claims of their steps.
type flowDB interface {
	store.Claims
	store.Flows
}

// flowParams is everything a flow needs to run its steps, fixed when it
// starts (so Finish after a restart does exactly what was asked).
type flowParams struct {
	TicketID   int64  `json:"ticket_id"`
	Number     int64  `json:"number"`
	CustomerID int64  `json:"customer_id,omitempty"`
	Tech       string `json:"tech,omitempty"`
	// TechUserID is the Syncro user the flow's time is credited to, matched
	// before the flow was made (techs.go); 0 only in flows without time and
	// in flows recorded before time was matched first.
	TechUserID int64 `json:"tech_user_id,omitempty"`
	// TimeAsTimer is set on flows whose time is a timer entry in
	// TechUserID's name, never carried by the comment. Flows recorded
	// before lack it, and finish as they started.
	TimeAsTimer  bool   `json:"time_as_timer,omitempty"`
	Subject      string `json:"subject"`
	Body         string `json:"body"`
	Hidden       bool   `json:"hidden,omitempty"`
	DoNotEmail   bool   `json:"do_not_email,omitempty"`
	Minutes      int    `json:"minutes,omitempty"`
	ProductID    int64  `json:"product_id,omitempty"`
	TimerNotes   string `json:"timer_notes,omitempty"`
	TargetStatus string `json:"target_status,omitempty"`
	Notify       bool   `json:"notify,omitempty"`
	Email        bool   `json:"email,omitempty"`
	SessionLog   bool   `json:"session_log,omitempty"`
	TimeZone     string `json:"time_zone,omitempty"`
	Channel      string `json:"channel,omitempty"`
	// Shown fingerprints the uncharged time the bill's form showed
	// (shownTime), ShownMin its minutes: the bill stops, before writing,
	// if Syncro holds other uncharged time (billshown.go). "" = unchecked.
	Shown    string `json:"shown,omitempty"`
	ShownMin int    `json:"shown_min,omitempty"`
	// By is the name of who started the flow (store.Flow.SlackUser is
	// their id): its notice credits them, whoever presses Finish.
	By string `json:"by,omitempty"`
	// Snapshots is set on flows whose steps record what Syncro held before
	// each write (stepBefore); flows recorded before that lack it.
	Snapshots bool `json:"snapshots,omitempty"`
	// Retype is the key the flow's write is remembered under once it
	// completes (retypeKey): who typed what on which ticket. "" for flows
	// that do not repeat a typed entry (close).
	Retype string `json:"retype,omitempty"`
	// Asked is set on a flow recorded while the same write was recent: no
	// step runs until its owner presses Log it again (retype.go).
	Asked bool `json:"asked,omitempty"`
}

// te is the time the flow logs; nil for none.
func (p flowParams) te() *timeEntry {
	if p.Minutes <= 0 {
		return nil
	}
	return &timeEntry{Minutes: p.Minutes, ProductID: p.ProductID, Notes: p.TimerNotes, UserID: p.TechUserID}
}

// stepResult is what a finished step recorded.
type stepResult struct {
	// Said is the step's part of the reply ("90 min logged on #32164 as …").
	Said      string `json:"said,omitempty"`
	CommentID int64  `json:"comment_id,omitempty"`
	// CarriedTime is true when the comment carried the minutes itself.
	CarriedTime bool  `json:"carried_time,omitempty"`
	TimerID     int64 `json:"timer_id,omitempty"`
	TimerMin    int   `json:"timer_min,omitempty"`
	// Stop ends the flow here: there is nothing (more) to do, and why.
	Stop string `json:"stop,omitempty"`
	// Invoice names the invoice the flow made or found, as raw text, for
	// the bill's notice.
	Invoice string `json:"invoice,omitempty"`
	// Charge lists the timers a bill's charge check found to charge: the
	// time its form showed and its own (billshown.go).
	Charge []int64 `json:"charge,omitempty"`
}

// flowRun is one pass over a flow's missing steps.
type flowRun struct {
	c       *feature
	st      flowDB
	f       store.Flow
	p       flowParams
	actor   commands.Actor
	results map[string]stepResult
	// before is what each prepared step saw before its write.
	before map[string]stepBefore
	// ticket is the ticket as last read or written in this pass, so a
	// step after a read needs no second GET.
	ticket  *syncro.Ticket
	notices []commands.Message
	// thread is the notice's copy for the thread of the message the
	// ticket was made from (threads.go); nil when there is none.
	thread *commands.ThreadPost
	// lead opens a Finish message shown outside the run (resume.go).
	lead string
	// stale is the ticket as read when its uncharged time was found
	// changed since the bill's form (billshown.go); nil otherwise.
	stale *syncro.Ticket
	// checked is set once the bill's charge check ran in this pass; a
	// charge resumed in a later pass looks again (billshown.go).
	checked bool
	// marked is set when this pass marked the ticket as being closed by
	// it (announce.go); the pass releases the mark when it ends.
	marked bool
}

// startFlow records a flow (or finds the one already recorded under id)
// and runs its missing steps. A flow that repeats a write its owner
// completed minutes ago is recorded but not run: its owner is asked first
// (retype.go).
func (c *feature) startFlow(ctx context.Context, key, kind string, steps []string, p flowParams, actor commands.Actor) commands.Reply {
	st := c.cfg.Store
	p.Snapshots = true
	p.By = actor.Name
	// From the look for a recent write to the end of the run, one ticket's
	// flows at a time: a retype that comes while the write it repeats is
	// still running waits for it, and then finds it.
	unlock, err := c.fl.LockContext(ctx, strconv.FormatInt(p.TicketID, 10))
	if err != nil {
		return c.lockFailed(ctx, err)
	}
	defer unlock()
	recent, asked := c.recentWrite(ctx, p.TicketID, p.Retype)
	p.Asked = asked
	raw, _ := json.Marshal(p)
	// CreatedAt on the store's clock, as every replica compares it
	// (recentWrite, tellUnfinished).
	f := store.Flow{
		ID: store.Key("flow", key), Kind: kind, Ticket: p.TicketID, Subject: slackfmt.PlainText(p.Body, 80),
		Params: raw, SlackUser: actor.SlackUserID, Channel: p.Channel, CreatedAt: c.cfg.StoreNow(),
	}
	for _, s := range steps {
		f.Steps = append(f.Steps, store.Step{Name: s})
	}
	stored, created, err := st.CreateFlow(f)
	if err != nil {
		return c.cfg.Failure(ctx, err, "record the work to do (nothing was sent to Syncro)")
	}
	if sp, ok := awaitingAnswer(stored); ok {
		if !created { // this request again, after a restart: ask again
			recent, asked = c.recentWrite(ctx, sp.TicketID, sp.Retype)
		}
		return c.retypeQuestion(stored, sp, recent, asked)
	}
	return c.runLocked(ctx, stored.ID, actor)
}

// runFlow runs the missing steps of a recorded flow, one ticket's flows at
// a time, and says what was done and what was not.
func (c *feature) runFlow(ctx context.Context, id string, actor commands.Actor) commands.Reply {
	return c.withFlowLock(ctx, id, flowGoneReply, func() commands.Reply { return c.runLocked(ctx, id, actor) })
}

// withFlowLock runs do holding the lock of flow id's ticket; gone answers
// when the store does not hold the flow. do reads the flow afresh: until
// the lock was held, another pass may have changed it.
func (c *feature) withFlowLock(ctx context.Context, id string, gone commands.Reply, do func() commands.Reply) commands.Reply {
	f, err := c.cfg.Store.GetFlow(id)
	if errors.Is(err, store.ErrNotFound) {
		return gone
	}
	if err != nil {
		return c.cfg.Failure(ctx, err, "read the recorded work")
	}
	unlock, err := c.fl.LockContext(ctx, strconv.FormatInt(f.Ticket, 10))
	if err != nil {
		return c.lockFailed(ctx, err)
	}
	defer unlock()
	return do()
}

// lockFailed answers work that could not take its ticket's lock. A wait
// that ran out is other work on the ticket still running, here or on
// another replica that may still be writing under the lock (store.Locks),
// not Syncro being slow: the generic "Syncro didn't answer in time" was
// not so (TestE2E_Replicas_ARetypeThatRunsOutWaitingForTheOtherReplicaSaysSo).
func (c *feature) lockFailed(ctx context.Context, err error) commands.Reply {
	if errors.Is(err, context.DeadlineExceeded) {
		return commands.Reply{Text: stillRunningReply}
	}
	return c.cfg.Failure(ctx, err, "wait for the ticket's other work (nothing was sent to Syncro)")
}

// stillRunningReply answers work that ran out of time waiting for the
// ticket's other work.
const stillRunningReply = "Other work on this ticket was still running (it may still be sending something to Syncro) when I had to stop waiting for it, so I sent nothing to Syncro this time. Try again in a minute."

// flowGoneReply answers a button of a flow the store no longer holds.
var flowGoneReply = commands.Reply{Text: "I don't have that work on record any more (it finished long ago, or the bot's database was reset); nothing was changed."}

// runLocked is runFlow once the flow's ticket lock is held.
func (c *feature) runLocked(ctx context.Context, id string, actor commands.Actor) commands.Reply {
	st := c.cfg.Store
	f, err := st.GetFlow(id) // fresh, now that no one else runs it
	if errors.Is(err, store.ErrNotFound) {
		return flowGoneReply
	}
	if err != nil {
		return c.cfg.Failure(ctx, err, "read the recorded work")
	}
	fr := &flowRun{c: c, st: st, f: f, actor: actor, results: map[string]stepResult{}, before: map[string]stepBefore{}}
	if err := json.Unmarshal(f.Params, &fr.p); err != nil {
		return c.cfg.Failure(ctx, err, "read the recorded work")
	}
	if f.Kind == store.FlowBill && !actor.CanBill {
		return notBillerReply
	}
	r := fr.run(ctx)
	if r.ChannelID == "" {
		r.ChannelID = fr.p.Channel
	}
	return r
}

// run is the pass itself; a pass that returns releases its closing mark.
// Not deferred: a pass cut off by a crash (or a panic) leaves the mark on,
// for the Finish that completes it (announce.go).
func (fr *flowRun) run(ctx context.Context) commands.Reply {
	r := fr.runSteps(ctx)
	fr.releaseClosing(ctx)
	return r
}

// runSteps runs the flow's missing steps and says what was done.
func (fr *flowRun) runSteps(ctx context.Context) commands.Reply {
	for _, s := range fr.f.Steps {
		if s.State == store.StepDone {
			var res stepResult
			_ = json.Unmarshal(s.Result, &res)
			fr.results[s.Name] = res
		}
		var b stepBefore
		if len(s.Before) > 0 && json.Unmarshal(s.Before, &b) == nil {
			fr.before[s.Name] = b
		}
	}
	if !fr.f.AbandonedAt.IsZero() {
		return fr.stoppedReply(fr.f.AbandonReason)
	}
	ran := false
	for _, s := range fr.f.Steps {
		if s.State == store.StepDone {
			continue
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < stepReserve {
			r := fr.failedReply(ctx, s.Name, errOutOfTime)
			r.Outcome = commands.OutcomeFailed
			return r
		}
		res, err := fr.runStep(ctx, s)
		if err != nil {
			fr.c.cfg.Logger.WarnContext(ctx, "flow step failed", "flow", fr.f.ID, "kind", fr.f.Kind, "step", s.Name, "ticket", fr.p.Number, "err", err)
			r := fr.failedReply(ctx, s.Name, err)
			r.Outcome = commands.OutcomeFailed
			return r
		}
		fr.results[s.Name] = res
		ran = true
		if res.Stop != "" {
			_, _ = fr.st.AbandonFlow(fr.f.ID, res.Stop)
			if fr.results[stepTime].TimerID != 0 {
				// Its minutes are in Syncro: typed again, it is asked about.
				fr.c.rememberWrite(ctx, fr.f, fr.p)
			}
			if fr.stale != nil {
				return fr.staleBillReply(ctx, res.Stop)
			}
			return fr.stoppedReply(res.Stop)
		}
	}
	if ran { // completed now, not found completed by a repeat
		fr.c.rememberWrite(ctx, fr.f, fr.p)
	}
	r := fr.doneReply()
	r.Outcome = commands.OutcomeDone
	return r
}

// errStillRunning is a step whose claim another run of the flow (here,
// or on another replica, perhaps one since killed) still held when this
// one had to stop waiting: that run may yet write it, or never.
var errStillRunning = errors.New("another run of this work still holds the step")

// errStore wraps a failure of the bot's own database inside a step.
type errStore struct{ err error }

func (e *errStore) Error() string { return "bot database: " + e.err.Error() }
func (e *errStore) Unwrap() error { return e.err }

// runStep runs one step under its claim. A claim left pending by a dead
// process, or a step whose last outcome was unknown, is settled by reading
// Syncro back first: landed → done without writing; not landed → written.
func (fr *flowRun) runStep(ctx context.Context, s store.Step) (stepResult, error) {
	key := store.Key(fr.f.ID, s.Name)
	readFirst := s.State == store.StepUnknown
	for {
		cl, err := fr.st.Claim(ctx, key, "")
		if err != nil {
			return stepResult{}, &errStore{err}
		}
		switch cl.State {
		case store.ClaimDone:
			var res stepResult
			_ = json.Unmarshal(cl.Outcome, &res)
			fr.markDone(s.Name, cl.Outcome)
			return res, nil
		case store.ClaimInProgress:
			if _, err := fr.st.Wait(ctx, key); err != nil {
				// The run holding the claim (here, or on another
				// replica) may still be writing: what it does is
				// unknown, never "not done".
				return stepResult{}, &unknownOutcomeError{what: stepWhat(s.Name), err: fmt.Errorf("%w: %w", errStillRunning, err)}
			}
			continue
		case store.ClaimFailed: // never written by us as final; be safe
			return stepResult{}, errors.New(cl.Failure)
		case store.ClaimUnknown:
			res, landed, err := fr.readBack(ctx, s.Name)
			switch {
			case err != nil:
				_, _ = fr.st.UpdateStep(fr.f.ID, s.Name, store.StepUnknown, nil, err.Error())
				return stepResult{}, &unknownOutcomeError{what: stepWhat(s.Name), err: err}
			case landed:
				fr.landed(ctx, key, s.Name, res)
				return res, nil
			}
			// Not there: it was never written; take the claim afresh.
			if err := fr.st.Fail(key, "not in Syncro after the bot restarted", true); err != nil {
				return stepResult{}, &errStore{err}
			}
			readFirst = false
			continue
		}
		// ClaimAcquired.
		if readFirst {
			res, landed, err := fr.readBack(ctx, s.Name)
			if err != nil {
				_ = fr.st.Fail(key, err.Error(), true)
				_, _ = fr.st.UpdateStep(fr.f.ID, s.Name, store.StepUnknown, nil, err.Error())
				return stepResult{}, &unknownOutcomeError{what: stepWhat(s.Name), err: err}
			}
			if landed {
				fr.landed(ctx, key, s.Name, res)
				return res, nil
			}
		}
		err = fr.prepare(ctx, s.Name)
		var res stepResult
		if err == nil {
			res, err = fr.do(ctx, s.Name)
		}
		if err == nil {
			fr.finish(key, s.Name, res)
			return res, nil
		}
		_ = fr.st.Fail(key, err.Error(), true)
		state := store.StepFailed
		if isUnknown(err) {
			state = store.StepUnknown
		}
		_, _ = fr.st.UpdateStep(fr.f.ID, s.Name, state, nil, err.Error())
		return stepResult{}, err
	}
}

// landed records a step whose earlier write was found by reading Syncro
// back, and audits it: the attempt that wrote it never got to.
func (fr *flowRun) landed(ctx context.Context, key, step string, res stepResult) {
	if a := auditAction(step); a != "" {
		fr.c.auditAs(ctx, fr.actor, fr.p.Tech, fr.p.Number, a, auditDetail(step, fr.p, res, fr.c.cfg.Labor)+" (found in Syncro on read-back, not written again)", nil)
	}
	fr.finish(key, step, res)
}

// finish records a step as done.
func (fr *flowRun) finish(key, step string, res stepResult) {
	raw, _ := json.Marshal(res)
	_ = fr.st.Complete(key, raw)
	fr.markDone(step, raw)
}

func (fr *flowRun) markDone(step string, raw []byte) {
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	_, _ = fr.st.UpdateStep(fr.f.ID, step, store.StepDone, raw, "")
}

// stepWhat names what a step writes, for "Syncro didn't confirm whether …".
func stepWhat(step string) string {
	switch step {
	case stepGuard, stepInvoicedCheck:
		return "the invoice check"
	case stepChargeCheck:
		return "the check of the time to charge"
	case stepComment:
		return "the comment"
	case stepTime:
		return "the time entry"
	case stepCharge:
		return "the charge"
	case stepInvoice:
		return "the invoice"
	case stepStatus:
		return "the status change"
	}
	return "the " + step
}

// auditAction maps a step to its audit action; "" for steps that don't
// write to Syncro.
func auditAction(step string) string {
	switch step {
	case stepComment:
		return auditComment
	case stepTime:
		return auditTime
	case stepCharge:
		return auditCharge
	case stepInvoice:
		return auditInvoice
	case stepStatus:
		return auditStatus
	}
	return ""
}

// getTicket reads the ticket, reusing this pass's copy.
func (fr *flowRun) getTicket(ctx context.Context) (*syncro.Ticket, error) {
	if fr.ticket != nil {
		return fr.ticket, nil
	}
	t, _, err := fr.readTicket(ctx)
	return t, err
}

// readTicket reads the ticket afresh, as this pass's copy, and says when
// Syncro answered, on its clock (syncroClock.answered).
func (fr *flowRun) readTicket(ctx context.Context) (*syncro.Ticket, time.Time, error) {
	fr.ticket = nil
	t, resp, err := fr.c.cfg.Syncro.Tickets.Get(ctx, fr.p.TicketID)
	if err != nil {
		return nil, time.Time{}, err
	}
	fr.c.learnNames(t)
	fr.ticket = t
	now := fr.c.cfg.Now()
	fr.c.clock.stamped(newestRecord(t), now)
	return t, fr.c.clock.answered(resp, now), nil
}

// readBack looks in Syncro for a step's write whose outcome is unknown.
// Steps that only read, or whose write is idempotent by construction
// (charging skips charged timers, PUT status, the notice), report "not
// landed" so they simply run.
func (fr *flowRun) readBack(ctx context.Context, step string) (stepResult, bool, error) {
	c := fr.c
	switch step {
	case stepComment:
		found, err := fr.readBackComment(ctx)
		if err != nil || found == nil {
			return stepResult{}, false, err
		}
		return fr.commentResult(found.ID, fr.carriesTime()), true, nil
	case stepTime:
		t, _, err := fr.readTicket(ctx)
		if err != nil {
			return stepResult{}, false, err
		}
		user, err := fr.timerUser(ctx)
		if err != nil {
			return stepResult{}, false, err
		}
		if tm := fr.findTimer(t, user); tm != nil {
			return fr.timerResult(ctx, tm), true, nil
		}
		return stepResult{}, false, nil
	case stepInvoice:
		return fr.readBackInvoice(ctx)
	case stepSessionLog:
		// The file the step chose before writing; not there (or not
		// readable) means write it: WriteAt never overwrites.
		if at := fr.before[stepSessionLog].Path; at != "" {
			if ok, _ := c.cfg.SessionLogs.Exists(at); ok {
				return stepResult{Said: sessionLogSaid(at)}, true, nil
			}
		}
	}
	return stepResult{}, false, nil
}

func (fr *flowRun) commentResult(id int64, carried bool) stepResult {
	res := stepResult{CommentID: id, CarriedTime: carried}
	switch fr.f.Kind {
	case flowComment:
		var b strings.Builder
		fmt.Fprintf(&b, "Comment added to #%d", fr.p.Number)
		switch {
		case fr.p.Hidden:
			b.WriteString(" (hidden from the customer)")
		case fr.p.DoNotEmail:
			b.WriteString(" (not emailed)")
		default:
			b.WriteString(" (Syncro emails it to the customer)")
		}
		b.WriteString(".")
		res.Said = b.String()
	}
	return res
}

func (fr *flowRun) timerResult(ctx context.Context, tm *syncro.Timer) stepResult {
	product := fr.p.ProductID
	if tm.ProductID != nil {
		product = *tm.ProductID
	}
	m := timerMinutes(*tm)
	said := fmt.Sprintf("%d min logged as %s.", m, slackfmt.MrkdwnLiteral(fr.c.productName(ctx, product)))
	if fr.f.Kind == store.FlowBill {
		said = fmt.Sprintf("%d min logged on #%d as %s", m, fr.p.Number, slackfmt.MrkdwnLiteral(fr.c.productName(ctx, product)))
	}
	return stepResult{Said: said, TimerID: tm.ID, TimerMin: m}
}

// carriesTime reports whether the comment carries the flow's time. A
// comment cannot name a user, so the timer Syncro makes from it is the API
// key's user's: a flow's time is a timer entry in its tech's name (README,
// "Whose time it is"). Only a flow recorded before that rule, with no tech
// matched, finishes the old way.
func (fr *flowRun) carriesTime() bool {
	p := fr.p
	return p.Minutes > 0 && !p.TimeAsTimer && p.TechUserID == 0 && !fr.c.w.usesTimerPath()
}

// do runs a step's work. Each write follows the write side's rules: an
// unknown POST outcome is read back before the step reports anything.
func (fr *flowRun) do(ctx context.Context, step string) (res stepResult, err error) {
	c, p := fr.c, fr.p
	if a := auditAction(step); a != "" {
		defer func() {
			if err == nil && res.Said == "" && res.CommentID == 0 && res.TimerID == 0 {
				return // nothing was written (nothing to charge, status already set)
			}
			c.auditAs(ctx, fr.actor, p.Tech, p.Number, a, auditDetail(step, p, res, c.cfg.Labor), err)
		}()
	}
	switch step {
	case stepGuard:
		invs, err := c.cfg.Syncro.Invoices.ForTicket(ctx, p.TicketID)
		if err != nil {
			return res, err
		}
		if len(invs) > 0 {
			res.Stop = fmt.Sprintf("#%d is already on invoice %s. I didn't log time or create another invoice", p.Number, fr.c.describeInvoice(invs[0]))
			return res, nil
		}
		res.Stop, err = fr.checkShown(ctx)
		return res, err

	case stepComment:
		req := syncro.CommentRequest{Subject: p.Subject, Body: p.Body, Hidden: p.Hidden, DoNotEmail: p.DoNotEmail, Tech: p.Tech}
		carried := fr.carriesTime()
		if carried {
			req.ProductID = syncro.Ptr(p.ProductID)
			req.MinutesSpent = syncro.Ptr(p.Minutes)
			req.BillTimeNow = syncro.Ptr(false)
		}
		cm, _, err := c.cfg.Syncro.Tickets.PostComment(ctx, p.TicketID, &req)
		if errors.Is(err, syncro.ErrOutcomeUnknown) {
			fr.readingBackAtOnce(stepComment)
			// Never retried blindly: look for it.
			found, rerr := fr.readBackComment(ctx)
			switch {
			case rerr != nil:
				return res, &unknownOutcomeError{what: "the comment", err: err}
			case found == nil:
				return res, err // read back and not there: nothing was written
			}
			cm, err = found, nil
		}
		if err != nil {
			return res, err
		}
		c.clock.stamped(cm.CreatedAt.Time, c.cfg.Now())
		fr.ticket = nil
		return fr.commentResult(cm.ID, carried), nil

	case stepTime:
		te := p.te()
		t := fr.ticket // read afresh by prepare
		if cid := fr.results[stepComment].CommentID; fr.results[stepComment].CarriedTime {
			if tm := tiedTimer(t, cid, *te); tm != nil {
				return fr.timerResult(ctx, tm), nil
			}
			if !slices.ContainsFunc(t.TicketTimers, tiedTo(cid)) {
				// The comment logged no time at all: this account ignores
				// time on comments. (A tied timer with other minutes is
				// someone else's time, and says nothing about the account.)
				c.setTimerPath(ctx)
			}
		}
		if te.UserID != 0 {
			// A Finish can come after the hourly read dropped the match
			// of a user deleted since the flow was recorded (techs.go
			// dropGoneTechs): time is never logged in a gone user's name.
			gone, err := c.syncroUserGone(ctx, te.UserID)
			if err != nil {
				return res, err
			}
			if gone {
				res.Stop = fmt.Sprintf("The Syncro user this time was for (%s, Syncro user %d) is no longer in Syncro, so I didn't log the %d min: log them again and you'll be asked who you are in Syncro",
					slackfmt.MrkdwnLiteral(p.Tech), te.UserID, te.Minutes)
				return res, nil
			}
		}
		tm, err := fr.postTimer(ctx, *te)
		if err != nil {
			return res, err
		}
		if fr.ticket != nil && !slices.ContainsFunc(fr.ticket.TicketTimers, func(x syncro.Timer) bool { return x.ID == tm.ID }) {
			// The charge step reads this copy: the new timer must be in
			// it, once (a read-back has it already).
			fr.ticket.TicketTimers = append(fr.ticket.TicketTimers, *tm)
		}
		return fr.timerResult(ctx, tm), nil

	case stepChargeCheck:
		return fr.chargeCheck(ctx)

	case stepCharge:
		return fr.charge(ctx)

	case stepInvoice:
		// Looked at again right before the POST, also when the guard
		// looked in this pass: an invoice made in the web app since then
		// would otherwise get a second one.
		invs, err := c.cfg.Syncro.Invoices.ForTicket(ctx, p.TicketID)
		if err != nil {
			return res, err
		}
		if len(invs) > 0 {
			// Never a second invoice, whoever made the first.
			res.Said = "the ticket is on invoice " + fr.c.describeInvoice(invs[0]) + " (no second invoice made)"
			res.Invoice = fr.c.invoiceName(invs[0])
			return res, nil
		}
		// Syncro may set the ticket Invoiced itself when it makes the
		// invoice (docs/syncro-api.md, unconfirmed): marked from here, so
		// the watcher leaves that close to the bill's notice too.
		if err := fr.markClosing(p.TargetStatus); err != nil {
			return res, &errStore{err}
		}
		inv, _, err := c.cfg.Syncro.Invoices.CreateFromTicket(ctx, p.TicketID, p.CustomerID, invoiceCategory)
		if errors.Is(err, syncro.ErrOutcomeUnknown) {
			// Never retried blindly: look for it.
			fr.readingBackAtOnce(stepInvoice)
			found, landed, rerr := fr.readBackInvoice(ctx)
			switch {
			case rerr != nil:
				return res, &unknownOutcomeError{what: "the invoice", err: err}
			case !landed:
				return res, err // read back and not there: nothing was made
			}
			return found, nil
		}
		if err != nil {
			return res, err
		}
		// Looked at once more after the POST: one the web app made
		// between the look above and the POST cannot be prevented
		// (Syncro has no idempotency key), only told.
		all, err := c.cfg.Syncro.Invoices.ForTicket(ctx, p.TicketID)
		if err != nil {
			c.cfg.Logger.WarnContext(ctx, "invoices not looked at after the invoice POST", "flow", fr.f.ID, "ticket", p.Number, "err", err)
			res = c.invoiceMade(*inv, nil, p.Number, true)
			res.Said += fmt.Sprintf(" (I couldn't look afterwards whether #%d is on another invoice too; check in Syncro that it is on one only)", p.Number)
			return res, nil
		}
		return c.invoiceMade(*inv, all, p.Number, true), nil

	case stepInvoicedCheck:
		return fr.invoicedCheck(ctx)

	case stepStatus:
		target := p.TargetStatus
		if target == "" {
			return res, nil
		}
		kept, err := fr.keptStatus(ctx)
		if err != nil {
			return res, err
		}
		if kept != "" {
			res.Said = fmt.Sprintf("Closed #%d: it stays %s, as it is on invoice %s.", p.Number, commands.InlineMrkdwn(kept, 100), commands.InlineMrkdwn(fr.results[stepInvoicedCheck].Invoice, 100))
			return res, nil
		}
		if fr.f.Kind == store.FlowBill && fr.ticket != nil && strings.EqualFold(fr.ticket.Status, target) {
			return res, nil
		}
		if err := fr.markClosing(target); err != nil {
			return res, &errStore{err}
		}
		t, _, err := c.cfg.Syncro.Tickets.Update(ctx, p.TicketID, &syncro.TicketRequest{Status: &target})
		if err != nil {
			if t, err = fr.statusLanded(ctx, target, err); err != nil {
				return res, err
			}
		}
		if err := fr.closedQuietly(); err != nil {
			// The pass releases the mark: the watcher announces it.
			c.cfg.Logger.ErrorContext(ctx, "quiet close not recorded as announced", "flow", fr.f.ID, "ticket", p.Number, "err", err)
		}
		if fr.ticket != nil && t != nil {
			// A PUT answer may leave out what the read-back had.
			if len(t.TicketTimers) == 0 {
				t.TicketTimers = fr.ticket.TicketTimers
			}
			if len(t.Comments) == 0 {
				t.Comments = fr.ticket.Comments
			}
		}
		if t != nil {
			c.learnNames(t)
			fr.ticket = t
		}
		if fr.f.Kind == store.FlowClose {
			st := target
			if t != nil && t.Status != "" {
				st = t.Status
			}
			res.Said = fmt.Sprintf("Closed #%d (%s).", p.Number, slackfmt.MrkdwnText(st, 100))
		} else {
			res.Said = "status set to " + slackfmt.MrkdwnLiteral(target)
		}
		return res, nil

	case stepNotice:
		return fr.announce(ctx)

	case stepSessionLog:
		rec, err := fr.sessionRecord(ctx)
		if err != nil {
			return res, err
		}
		res.Said, err = c.writeSessionLog(ctx, rec, p.Number, fr.before[stepSessionLog].Path)
		if errors.Is(err, fs.ErrExist) {
			// Another writer took the name since prepare chose it.
			if err = fr.prepare(ctx, stepSessionLog); err == nil {
				res.Said, err = c.writeSessionLog(ctx, rec, p.Number, fr.before[stepSessionLog].Path)
			}
		}
		// A log the folder refused is left to Finish, not taken as done.
		if err != nil {
			return stepResult{}, err
		}
		return res, nil
	}
	return res, fmt.Errorf("unknown step %q", step)
}

// statusLanded reads the ticket back after its status PUT failed with
// putErr: Syncro may have applied a PUT it answered with 5xx or a body cut
// off, and a reply saying the status was not changed would be false (and
// the close left to the watcher, as made in Syncro). The ticket in target
// is the write done. A PUT that cannot have been applied
// (syncro.MayHaveApplied: a refusal, 4xx, or a request that never left)
// is not read back, and a read that fails leaves the outcome unknown
// rather than "not changed".
func (fr *flowRun) statusLanded(ctx context.Context, target string, putErr error) (*syncro.Ticket, error) {
	if !syncro.MayHaveApplied(putErr) {
		return nil, putErr
	}
	t, _, err := fr.readTicket(ctx)
	if err != nil {
		return nil, &unknownOutcomeError{what: stepWhat(stepStatus), err: putErr}
	}
	if !strings.EqualFold(t.Status, target) {
		return nil, putErr
	}
	return t, nil
}

// auditDetail says what a step wrote, for the audit; time is named by its
// labor kind (products) rather than a product id.
func auditDetail(step string, p flowParams, res stepResult, products labor.Products) string {
	switch step {
	case stepComment:
		d := fmt.Sprintf("%s: %s", p.Subject, slackfmt.PlainText(p.Body, 120))
		if res.CarriedTime {
			d += fmt.Sprintf(" (with %d min)", p.Minutes)
		}
		return d
	case stepTime:
		d := fmt.Sprintf("%d min, product %d", p.Minutes, p.ProductID)
		if kind, ok := products.Kind(p.ProductID); ok {
			d = fmt.Sprintf("%d min, %s", p.Minutes, kind)
		}
		if p.TechUserID != 0 {
			// Whose time it is, also when someone else pressed Finish.
			d += fmt.Sprintf(", for %s (Syncro user %d)", p.Tech, p.TechUserID)
		}
		return d
	case stepStatus:
		return "→ " + p.TargetStatus
	}
	return res.Said
}

// doneReply is the reply of a flow with every step done.
func (fr *flowRun) doneReply() commands.Reply {
	said := func(s string) string { return fr.results[s].Said }
	r := commands.Reply{Notices: fr.notices, Thread: fr.thread}
	switch fr.f.Kind {
	case store.FlowBill:
		parts := []string{said(stepTime), said(stepCharge), said(stepInvoice), said(stepStatus)}
		r.Text = fmt.Sprintf("Invoiced #%d: %s.", fr.p.Number, joinDone(parts))
	case store.FlowClose:
		parts := []string{said(stepStatus), said(stepTime)}
		if fr.p.Email {
			parts = append(parts, "The resolution was emailed to the customer.")
		}
		parts = append(parts, said(stepSessionLog))
		r.Text = joinSentences(parts)
	case flowLogTime:
		r.Text = fmt.Sprintf("#%d: %s", fr.p.Number, said(stepTime))
	default:
		r.Text = joinSentences([]string{said(stepComment), said(stepTime)})
	}
	return r
}

// joinSentences joins non-empty sentences with spaces.
func joinSentences(parts []string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// doneSoFar lists what the flow did, as clauses.
func (fr *flowRun) doneSoFar() []string {
	var done []string
	for _, s := range fr.f.Steps {
		res, ok := fr.results[s.Name]
		if !ok || res.Said == "" {
			continue
		}
		switch s.Name {
		case stepComment:
			done = append(done, strings.TrimSuffix(res.Said, "."))
		case stepTime:
			d := strings.TrimSuffix(res.Said, ".")
			if fr.f.Kind != store.FlowBill {
				d = fmt.Sprintf("%d min logged on #%d", res.TimerMin, fr.p.Number)
			}
			done = append(done, d)
		case stepStatus:
			done = append(done, "status set to "+slackfmt.MrkdwnLiteral(fr.p.TargetStatus))
		default:
			done = append(done, strings.TrimSuffix(res.Said, "."))
		}
	}
	if res, ok := fr.results[stepComment]; ok && fr.f.Kind == store.FlowClose && res.Said == "" {
		done = append([]string{fmt.Sprintf("The resolution was added to #%d", fr.p.Number)}, done...)
	}
	return done
}

// stoppedReply ends a flow that had nothing (more) to do. A stop by the
// invoice guard means the work was done before: a duplicate.
func (fr *flowRun) stoppedReply(why string) commands.Reply {
	outcome := commands.OutcomeFailed
	if fr.results[stepGuard].Stop != "" {
		outcome = commands.OutcomeDuplicate
	}
	done := fr.doneSoFar()
	if len(done) == 0 {
		return commands.Reply{Text: strings.ToUpper(why[:1]) + why[1:] + ".", Notices: fr.notices, Thread: fr.thread, Outcome: outcome}
	}
	return commands.Reply{Text: halfDone(done, why).Text, Notices: fr.notices, Thread: fr.thread, Outcome: outcome}
}

// notDone says what a failed step did not do.
func (fr *flowRun) notDone(step string, err error) string {
	p := fr.p
	switch {
	case errors.Is(err, errOutOfTime) && step == stepTime && fr.results[stepComment].CarriedTime:
		// The minutes went with the comment: only the check that Syncro
		// logged them is left, and it holds them already if it did.
		return fmt.Sprintf("the %d min went with the comment, and I ran out of time before checking that Syncro logged them; Finish checks before logging anything", p.Minutes)
	case errors.Is(err, errOutOfTime):
		return fmt.Sprintf("I ran out of time before %s (nothing of it was sent)", stepWhat(step))
	case errors.Is(err, errRestarted) && auditAction(step) == "":
		return fmt.Sprintf("I was restarted before %s was done", stepWhat(step))
	case errors.Is(err, errRestarted):
		return fmt.Sprintf("I was restarted before Syncro confirmed %s; Finish checks Syncro before writing anything again", stepWhat(step))
	}
	if errors.Is(err, errUnderWay) {
		return fmt.Sprintf("%s is still under way: another run of this work began it and may still be sending it to Syncro; Finish waits for it, then checks Syncro before writing anything again", stepWhat(step))
	}
	if errors.Is(err, errStillRunning) {
		// Whether that run still lives is not known here: it may be a
		// replica killed mid-write, whose write never lands
		// (TestE2E_Replicas_AFinishThatRunsOutWaitingOnAKilledReplicasChargeClaimsNothing).
		return fmt.Sprintf("another run of this work had started %s and not finished it when I had to stop waiting for it, so it may or may not reach Syncro; Finish checks Syncro before writing anything again", stepWhat(step))
	}
	if isUnknown(err) {
		return fmt.Sprintf("Syncro didn't confirm whether %s was saved (%s); Finish checks Syncro before writing anything again", stepWhat(step), commands.SyncroAnswer(err))
	}
	var se *errStore
	if errors.As(err, &se) {
		return "I couldn't record progress in my own database, so I stopped before " + stepWhat(step)
	}
	ans := commands.SyncroAnswer(err)
	switch step {
	case stepGuard:
		return fmt.Sprintf("nothing was billed: I couldn't check the invoices of #%d (%s)", p.Number, ans)
	case stepComment:
		if fr.f.Kind == store.FlowClose {
			return fmt.Sprintf("the resolution was NOT added to #%d and the ticket was not closed (%s)", p.Number, ans)
		}
		return fmt.Sprintf("the comment was NOT added to #%d (%s)", p.Number, ans)
	case stepTime:
		return fmt.Sprintf("the %d min were NOT logged (%s)", p.Minutes, ans)
	case stepChargeCheck:
		return fmt.Sprintf("I couldn't read the time on #%d again before charging it (%s), so nothing was charged and the invoice was not created", p.Number, ans)
	case stepCharge:
		return fmt.Sprintf("the time was not charged (%s), so the invoice was not created", ans)
	case stepInvoice:
		return "the invoice was not created: " + ans
	case stepStatus:
		if !refused(err) {
			// A PUT is retried safely, but one answered 5xx, or whose
			// answer was lost or unreadable, may have been applied.
			return fmt.Sprintf("Syncro didn't confirm the status change to %s (%s)", slackfmt.MrkdwnLiteral(p.TargetStatus), ans)
		}
		return fmt.Sprintf("the status was NOT changed to %s: %s", slackfmt.MrkdwnLiteral(p.TargetStatus), ans)
	case stepNotice:
		return "the notice was not posted: " + ans
	case stepSessionLog:
		var le *sessionLogError
		if errors.As(err, &le) {
			return lowerFirst(strings.TrimSuffix(le.said, "."))
		}
		return "the session log was not written: " + ans
	}
	return stepWhat(step) + " failed: " + ans
}

// refused reports whether Syncro turned a request down (a 4xx, 429
// included) rather than failing at it: then it was not applied.
func refused(err error) bool {
	var se *syncro.Error
	return errors.As(err, &se) && se.StatusCode >= 400 && se.StatusCode < 500
}

// isUnknown reports whether err leaves a write's outcome unknown even after
// reading Syncro back (the helpers return the plain error when the read-back
// proved nothing was written).
func isUnknown(err error) bool {
	var ue *unknownOutcomeError
	return errors.As(err, &ue)
}

// failedReply says what was done and what was not, with a Finish button
// that runs only the missing steps. A first step that definitely wrote
// nothing gets the ordinary failure sentence and no button: trying again
// is the same as finishing.
func (fr *flowRun) failedReply(ctx context.Context, step string, err error) commands.Reply {
	c, p := fr.c, fr.p
	done := fr.doneSoFar()
	if len(done) == 0 && (isUnknown(err) || errors.Is(err, errOutOfTime)) {
		// The write may well have landed (or, out of time, the flow is
		// recorded and Finish is the way on): never say nothing was saved.
		return fr.finishReply(upperFirst(fr.notDone(step, err)) + ".")
	}
	if len(done) == 0 {
		switch {
		case step == stepGuard:
			return c.cfg.Failure(ctx, err, fmt.Sprintf("check the invoices of #%d (nothing was billed)", p.Number))
		case step == stepInvoicedCheck:
			return c.cfg.Failure(ctx, err, fmt.Sprintf("check the invoices of #%d before closing it (nothing was saved)", p.Number))
		case step == stepComment && fr.f.Kind == store.FlowBill:
			return c.cfg.Failure(ctx, err, fmt.Sprintf("bill #%d (nothing was billed)", p.Number))
		case step == stepComment && fr.f.Kind == store.FlowClose:
			return c.cfg.Failure(ctx, err, fmt.Sprintf("close ticket #%d", p.Number))
		case step == stepComment && fr.f.Kind == flowLogTime:
			return c.cfg.Failure(ctx, err, fmt.Sprintf("log time on #%d", p.Number))
		case step == stepComment:
			return c.cfg.Failure(ctx, err, fmt.Sprintf("add the comment to #%d", p.Number))
		}
	}
	var text string
	switch {
	case fr.f.Kind == store.FlowBill:
		text = halfDone(done, fr.notDone(step, err)).Text
	case fr.f.Kind == store.FlowClose && fr.results[stepStatus].Said != "":
		// Closed already: say so as the finished close does.
		text = fr.doneReply().Text + " But " + fr.notDone(step, err) + "."
	default:
		head := fr.results[stepComment].Said
		if fr.f.Kind == store.FlowClose || head == "" {
			head = fmt.Sprintf("The resolution was added to #%d", p.Number)
			switch fr.f.Kind {
			case flowComment:
				head = fmt.Sprintf("The comment was added to #%d", p.Number)
			case flowLogTime:
				head = fmt.Sprintf("The notes were added to #%d", p.Number)
			}
			if t := fr.results[stepTime].Said; t != "" {
				head += " and " + lowerFirst(t)
			} else {
				head += "."
			}
		} else if t := fr.results[stepTime].Said; t != "" {
			head += " " + t
		}
		text = head + " But " + fr.notDone(step, err) + "."
	}
	return fr.finishReply(text)
}

// finishReply is text with a Finish button that runs only the missing
// steps.
func (fr *flowRun) finishReply(text string) commands.Reply {
	text += " Press Finish to do only what is missing."
	if fr.lead != "" {
		text = fr.lead + " " + text
	}
	btn := slack.NewButtonBlockElement(ActionFinish, fr.f.ID, commands.Plain("Finish"))
	btn.Style = slack.StylePrimary
	return commands.Reply{
		Text:    text,
		Notices: fr.notices,
		Thread:  fr.thread,
		Blocks: []slack.Block{
			slack.NewSectionBlock(commands.Mrkdwn(text), nil, nil),
			slack.NewActionBlock("flow_actions", btn),
		},
	}
}

// finish answers the Finish button: the flow's missing steps, once per
// click (a double-click runs them once).
func (c *feature) finish(ctx context.Context, a commands.Action) commands.Reply {
	return c.cfg.OnceUntilDone(ctx, commands.ClickKey(a), func() commands.Reply { return c.runFlow(ctx, a.Value, a.Actor) },
		commands.SamePrior("I'm already finishing that; I didn't start it a second time."))
}
