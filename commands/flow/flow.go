// Package flow runs recorded flows (store.Flow): multi-step writes to
// Syncro whose steps and results live in the bot's store, so that
//
//   - a step that finished is never run again (its result is in the store);
//   - a step cut off mid-write (the process died, or Syncro's answer never
//     came) comes back in doubt and is settled by reading Syncro back,
//     never by writing again blindly;
//   - a pass that stops leaves the missing steps for a later pass (the
//     feature's Finish button), also after a restart.
//
// A feature says what each of its steps does (Steps); Run and RunStep do
// the bookkeeping. Each step's write is claimed under store.Key(flow id,
// step name), the key the store keeps while the flow is unfinished.
package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
)

// StepReserve is the least of the work's time a step starts with. A step
// is one to a few Syncro requests, each well under a second when Syncro
// is healthy; this leaves a slow one (the throttle's wait, a retried read)
// room to finish and record its outcome. A step begun with less would
// likely be cut off mid-write, its outcome in doubt, and the reply with
// Finish might not get out.
const StepReserve = 20 * time.Second

// ErrOutOfTime stops a pass before a step it has too little time for;
// nothing of that step was sent, and the next pass does it.
var ErrOutOfTime = errors.New("too little time left to start the step")

// ErrAbandoned stops a pass of a flow a person gave up on
// (store.AbandonFlow): nothing of it runs again, whichever message's
// button asks.
var ErrAbandoned = errors.New("the flow was abandoned")

// DB is what the runner keeps in the store: the flows and the claims of
// their steps.
type DB interface {
	store.Claims
	store.Flows
}

// Steps is what one kind of flow does at each of its steps. Step names are
// stored in flows: a name that shipped is never renamed.
type Steps interface {
	// Prepare reads, just before the step's write, what a read-back must
	// know to tell the write apart (earlier is what a previous attempt
	// recorded, nil for none). The runner records it in the flow
	// (store.PrepareStep), so from then on the step is in doubt until its
	// outcome is recorded. A nil result means the step writes nothing to
	// Syncro and is not marked.
	Prepare(ctx context.Context, step string, earlier json.RawMessage) (before json.RawMessage, err error)
	// Do performs the step's write, with what Prepare recorded, and
	// returns the step's result.
	Do(ctx context.Context, step string, before json.RawMessage) (result json.RawMessage, err error)
	// ReadBack settles a step in doubt by looking in Syncro: landed, with
	// its result, or not landed (the step then runs). An error means
	// Syncro could not be asked; the step stays in doubt.
	ReadBack(ctx context.Context, step string, before json.RawMessage) (result json.RawMessage, landed bool, err error)
	// Done tells the flow a step is done, with its result: first the steps
	// found done when a pass starts, then each step as it finishes.
	Done(step string, result json.RawMessage)
}

// StoreError is a failure of the bot's own database inside a step: its
// progress could not be recorded, so the step stopped.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return "bot database: " + e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// UnknownError means a step's write may or may not have landed, even
// after trying to read Syncro back; the next pass reads back first.
type UnknownError struct {
	Step string
	Err  error
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("outcome of step %q unknown: %v", e.Step, e.Err)
}

func (e *UnknownError) Unwrap() error { return e.Err }

// IsUnknown reports whether err leaves a step's outcome in doubt.
func IsUnknown(err error) bool {
	var ue *UnknownError
	return errors.As(err, &ue)
}

// Run runs the missing steps of flow id in order and returns the flow as
// it was read at the start of the pass. It stops at the first step that
// fails, returning its name and error, or before a step it has less than
// reserve of ctx's time for (ErrOutOfTime). failed is "" when every step
// is done. A flow that cannot be read is a *StoreError (wrapping
// store.ErrNotFound when there is no such flow); an abandoned one runs no
// step and returns ErrAbandoned.
func Run(ctx context.Context, db DB, id string, reserve time.Duration, steps Steps) (f store.Flow, failed string, err error) {
	f, err = db.GetFlow(id)
	if err != nil {
		return store.Flow{}, "", &StoreError{err}
	}
	Replay(f, steps)
	if !f.AbandonedAt.IsZero() {
		return f, "", ErrAbandoned
	}
	for _, s := range f.Steps {
		if s.State == store.StepDone {
			continue
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < reserve {
			return f, s.Name, ErrOutOfTime
		}
		res, err := RunStep(ctx, db, f.ID, s, steps)
		if err != nil {
			return f, s.Name, err
		}
		steps.Done(s.Name, res)
	}
	return f, "", nil
}

// Replay hands steps the results of f's done steps (Steps.Done), as a
// pass does before it runs the rest, and returns f's first step not done
// (the zero Step when all are).
func Replay(f store.Flow, steps Steps) (next store.Step) {
	for _, s := range f.Steps {
		if s.State == store.StepDone {
			steps.Done(s.Name, s.Result)
		} else if next.Name == "" {
			next = s
		}
	}
	return next
}

// RunStep runs step s of flow id under its claim and records its outcome
// in the flow. A claim left pending by a dead process, or a step recorded
// in doubt, is settled by reading Syncro back first: landed → done without
// writing; not landed → written.
func RunStep(ctx context.Context, db DB, id string, s store.Step, steps Steps) (json.RawMessage, error) {
	key := store.Key(id, s.Name)
	readFirst := s.State == store.StepUnknown
	for {
		cl, err := db.Claim(ctx, key, "")
		if err != nil {
			return nil, &StoreError{err}
		}
		switch cl.State {
		case store.ClaimDone:
			markDone(db, id, s.Name, cl.Outcome)
			return cl.Outcome, nil
		case store.ClaimInProgress:
			if _, err := db.Wait(ctx, key); err != nil {
				return nil, err
			}
			continue
		case store.ClaimFailed: // never written by the runner as final; be safe
			return nil, errors.New(cl.Failure)
		case store.ClaimUnknown:
			res, landed, err := steps.ReadBack(ctx, s.Name, s.Before)
			switch {
			case err != nil:
				_, _ = db.UpdateStep(id, s.Name, store.StepUnknown, nil, err.Error())
				return nil, &UnknownError{Step: s.Name, Err: err}
			case landed:
				return complete(db, id, key, s.Name, res), nil
			}
			// Not there: it was never written; take the claim afresh.
			if err := db.Fail(key, "not in Syncro after the bot restarted", true); err != nil {
				return nil, &StoreError{err}
			}
			readFirst = false
			continue
		}
		// ClaimAcquired.
		if readFirst {
			res, landed, err := steps.ReadBack(ctx, s.Name, s.Before)
			if err != nil {
				_ = db.Fail(key, err.Error(), true)
				_, _ = db.UpdateStep(id, s.Name, store.StepUnknown, nil, err.Error())
				return nil, &UnknownError{Step: s.Name, Err: err}
			}
			if landed {
				return complete(db, id, key, s.Name, res), nil
			}
		}
		res, err := prepareAndDo(ctx, db, id, s, steps)
		if err == nil {
			return complete(db, id, key, s.Name, res), nil
		}
		_ = db.Fail(key, err.Error(), true)
		state := store.StepFailed
		if IsUnknown(err) {
			state = store.StepUnknown
		}
		_, _ = db.UpdateStep(id, s.Name, state, nil, err.Error())
		return nil, err
	}
}

// prepareAndDo records what the step sees before its write, then writes.
func prepareAndDo(ctx context.Context, db DB, id string, s store.Step, steps Steps) (json.RawMessage, error) {
	before, err := steps.Prepare(ctx, s.Name, s.Before)
	if err != nil {
		return nil, err
	}
	if before != nil {
		if _, err := db.PrepareStep(id, s.Name, before); err != nil {
			return nil, &StoreError{err}
		}
	}
	return steps.Do(ctx, s.Name, before)
}

// complete records a step as done, in its claim and in its flow, and
// returns its result.
func complete(db DB, id, key, step string, res json.RawMessage) json.RawMessage {
	if len(res) == 0 {
		res = json.RawMessage("{}")
	}
	_ = db.Complete(key, res)
	markDone(db, id, step, res)
	return res
}

func markDone(db DB, id, step string, res json.RawMessage) {
	if len(res) == 0 {
		res = json.RawMessage("{}")
	}
	_, _ = db.UpdateStep(id, step, store.StepDone, res, "")
}

// Locks serializes the flows that touch one record, so two passes never
// read back each other's writes as their own: within this process, and,
// with Shared set, across every process sharing the store (replicas on
// one database; bbolt's file lock already allows one bot per DATA_DIR).
// Its zero value is ready.
type Locks struct {
	// Shared, when set, also holds each lock in the store (LockContext).
	Shared store.Locks

	mu sync.Mutex
	m  map[string]*sync.Mutex
}

// Lock locks the flows of key and returns the unlock.
func (l *Locks) Lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*sync.Mutex{}
	}
	m, ok := l.m[key]
	if !ok {
		m = &sync.Mutex{}
		l.m[key] = m
	}
	l.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// LockContext is Lock, also holding key's lock in Shared when it is set;
// it gives up, holding nothing, when ctx ends or the store fails first.
func (l *Locks) LockContext(ctx context.Context, key string) (unlock func(), err error) {
	local := l.Lock(key)
	if l.Shared == nil {
		return local, nil
	}
	shared, err := l.Shared.Lock(ctx, "flows/"+key)
	if err != nil {
		local()
		return nil, err
	}
	return func() { shared(); local() }, nil
}

// Untold returns the unfinished flows whose kind owns accepts and whose
// owner no start has told of them as they stand (store.Flow.Untold),
// oldest first: a flow told and left alone is not told again at every
// restart, and one whose message Slack refused is. A flow another live
// replica runs is left to it (store.Flows.OrphanedFlows), and each flow
// returned was adopted (store.Flows.AdoptFlow), so replicas looking at
// once (one starting, the leader's look for work a dead one left) tell
// each flow's owner once between them.
func Untold(st store.Flows, owns func(kind string) bool) ([]store.Flow, error) {
	all, err := st.OrphanedFlows()
	if err != nil {
		return nil, err
	}
	var flows []store.Flow
	for _, f := range all {
		if !owns(f.Kind) || !f.Untold() {
			continue
		}
		adopted, ok, err := st.AdoptFlow(f.ID)
		if err != nil {
			return nil, err
		}
		if ok && adopted.Untold() {
			flows = append(flows, adopted)
		}
	}
	return flows, nil
}

// Tell is a start's post of r to f's owner, in the channel f was started
// from. f counts as told (store.MarkFlowTold) only once Slack accepted
// the post; one Slack refused, or never got because the bot stopped, is
// told again at the next start. A refusal is logged with f's id.
func Tell(ctx context.Context, st store.Flows, log *slog.Logger, f store.Flow, r commands.Reply) commands.Post {
	r.ChannelID = f.Channel
	return commands.Post{UserID: f.SlackUser, Reply: r, Sent: func(err error) {
		if err != nil {
			log.WarnContext(ctx, "unfinished flow not told: Slack refused the message; the next start tells it again", "flow", f.ID, "kind", f.Kind, "err", err)
			return
		}
		if _, err := st.MarkFlowTold(f.ID, f.UpdatedAt); err != nil {
			log.WarnContext(ctx, "could not record that an unfinished flow was told; the next start tells it again", "flow", f.ID, "kind", f.Kind, "err", err)
		}
	}}
}
