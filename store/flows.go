package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Flow kinds the bot records. Kind is free text on disk so a new kind needs
// no change here; these name the ones in use.
const (
	FlowBill  = "bill"  // log time, invoice, close
	FlowClose = "close" // close a ticket (with its closing comment)
)

// StepState is where one step of a Flow stands.
type StepState string

// Step states. A step's write to Syncro should itself go through Claim with
// Key(flow.ID, step.Name), so a step interrupted mid-write comes back as
// ClaimUnknown and is read back rather than redone.
const (
	StepPending StepState = "pending" // not yet done; safe to run
	StepDone    StepState = "done"    // written to Syncro; never run again
	StepFailed  StepState = "failed"  // definitely not written; may be retried
	StepUnknown StepState = "unknown" // in doubt: may or may not be written; read back first
)

func (s StepState) valid() bool {
	switch s {
	case StepPending, StepDone, StepFailed, StepUnknown:
		return true
	}
	return false
}

// ErrStepDone means UpdateStep tried to move a done step back: that step's
// write reached Syncro, and running it again would bill twice.
var ErrStepDone = errors.New("store: step is already done")

// Step is one write in a Flow, such as "add_line_item" or "create_invoice".
type Step struct {
	Name   string          `json:"name"`
	State  StepState       `json:"state"`
	Result json.RawMessage `json:"result,omitempty"`
	Err    string          `json:"err,omitempty"`
	At     time.Time       `json:"at"`
	// Before is what the step saw in Syncro just before its write (for
	// example the ids of the records already there), recorded by
	// PrepareStep so that reading Syncro back, also after a restart, takes
	// only what the write added. UpdateStep keeps it.
	Before json.RawMessage `json:"before,omitempty"`
}

// Flow is a recorded sequence of steps (bill, close, comment) that survives a
// restart, so a technician can press Finish instead of redoing work by hand.
type Flow struct {
	// ID is chosen by the caller, typically Key(...) of the interaction, so
	// that a redelivered request finds the flow it already started.
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Ticket is the Syncro ticket number the flow acts on (as in
	// AuditEntry); Subject is its subject, for the Finish message.
	Ticket  int64           `json:"ticket"`
	Subject string          `json:"subject,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Steps   []Step          `json:"steps"`
	// SlackUser, Channel and MessageTS locate the message whose buttons
	// drive the flow, so it can be updated after a restart.
	SlackUser string    `json:"slack_user,omitempty"`
	Channel   string    `json:"channel,omitempty"`
	MessageTS string    `json:"message_ts,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// AbandonedAt and AbandonReason are set by AbandonFlow when a person
	// gave up on the flow; it then counts as finished.
	AbandonedAt   time.Time `json:"abandoned_at,omitzero"`
	AbandonReason string    `json:"abandon_reason,omitempty"`
	// Told is the UpdatedAt the flow had when Slack accepted the message
	// that told its owner what is left (MarkFlowTold); zero until then.
	// A flow changed since (UpdatedAt after Told) is not told yet.
	Told time.Time `json:"told,omitzero"`
}

// Untold reports whether the flow changed since its owner was last told
// of it, or was never told.
func (f Flow) Untold() bool { return f.UpdatedAt.After(f.Told) }

// Finished reports whether nothing is left to do: every step is done, or
// the flow was abandoned.
func (f Flow) Finished() bool {
	if !f.AbandonedAt.IsZero() {
		return true
	}
	for _, st := range f.Steps {
		if st.State != StepDone {
			return false
		}
	}
	return true
}

// CreateFlow stores f and returns it with timestamps and step states filled
// in. If a flow with f.ID exists, it is returned unchanged with created
// false, so a redelivered interaction resumes rather than duplicates.
func (s *Store) CreateFlow(f Flow) (stored Flow, created bool, err error) {
	if err := checkFlow(f); err != nil {
		return Flow{}, false, fmt.Errorf("create flow: %w", err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFlows)
		ok, err := getJSON(b, []byte(f.ID), &stored)
		if err != nil || ok {
			return err
		}
		stored, created = newFlow(f, s.now()), true
		return s.putFlow(tx, stored)
	})
	if err != nil {
		return Flow{}, false, fmt.Errorf("create flow %s: %w", f.ID, err)
	}
	return stored, created, nil
}

// GetFlow returns the flow with id, or ErrNotFound.
func (s *Store) GetFlow(id string) (Flow, error) {
	var f Flow
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bucketFlows), []byte(id), &f)
		if err == nil && !ok {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return Flow{}, fmt.Errorf("get flow %s: %w", id, err)
	}
	return f, nil
}

// UpdateStep moves one step to state with its result or error, in a single
// transaction, and returns the updated flow. A done step cannot be moved to
// another state (ErrStepDone).
func (s *Store) UpdateStep(id, step string, state StepState, result json.RawMessage, errMsg string) (Flow, error) {
	if !state.valid() {
		return Flow{}, fmt.Errorf("update flow %s step %s: %w: state %q", id, step, ErrInvalid, state)
	}
	if len(result) > 0 && !json.Valid(result) {
		return Flow{}, fmt.Errorf("update flow %s step %s: %w: result is not JSON", id, step, ErrInvalid)
	}
	f, err := s.changeStep(id, step, moveStep(state, result, errMsg))
	if err != nil {
		return Flow{}, fmt.Errorf("update flow %s step %s: %w", id, step, err)
	}
	return f, nil
}

// PrepareStep marks a step in doubt (StepUnknown) just before its write
// and records what it saw in Syncro (Step.Before), replacing what an
// earlier attempt recorded; it returns the updated flow. Call it before
// every write of the step: until UpdateStep records the outcome, the write
// may have reached Syncro, so a flow resumed after a crash reads Syncro
// back first — however long after, whatever became of the step's claim. A
// done step cannot be prepared (ErrStepDone).
func (s *Store) PrepareStep(id, step string, before json.RawMessage) (Flow, error) {
	if !json.Valid(before) {
		return Flow{}, fmt.Errorf("prepare flow %s step %s: %w: before is not JSON", id, step, ErrInvalid)
	}
	f, err := s.changeStep(id, step, prepareStep(before))
	if err != nil {
		return Flow{}, fmt.Errorf("prepare flow %s step %s: %w", id, step, err)
	}
	return f, nil
}

// changeStep applies change to one step of a flow and stamps it, in a
// single transaction; an error from change leaves the flow as it was.
func (s *Store) changeStep(id, step string, change func(*Step) error) (Flow, error) {
	return s.changeFlow(id, changeStepOf(step, change, s.now))
}

// changeFlow applies change to flow id and stores the result, in a single
// transaction, and returns the flow as it then stands: unchanged when
// change says so, or returns an error (ErrNotFound without the flow).
func (s *Store) changeFlow(id string, change func(*Flow) (changed bool, err error)) (Flow, error) {
	var f Flow
	err := s.update(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bucketFlows), []byte(id), &f)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		changed, err := change(&f)
		if err != nil || !changed {
			return err
		}
		return s.putFlow(tx, f)
	})
	return f, err
}

// AbandonFlow marks a flow as given up (for example the technician finished
// it by hand, or a step found nothing left to do), so it counts as finished
// and is swept after the flow retention.
func (s *Store) AbandonFlow(id, reason string) (Flow, error) {
	f, err := s.changeFlow(id, abandon(reason, s.now))
	if err != nil {
		return Flow{}, fmt.Errorf("abandon flow %s: %w", id, err)
	}
	return f, nil
}

// MarkFlowTold records that the owner of flow id was told of it as it
// stood at updatedAt (its UpdatedAt then), once Slack accepted the
// message. It leaves UpdatedAt alone: telling is no change to the flow,
// and a change after updatedAt leaves the flow untold.
func (s *Store) MarkFlowTold(id string, updatedAt time.Time) (Flow, error) {
	f, err := s.changeFlow(id, told(updatedAt))
	if err != nil {
		return Flow{}, fmt.Errorf("mark flow %s told: %w", id, err)
	}
	return f, nil
}

// indexedFlow reads the flow an index entry names; a missing flow means the
// index is corrupt and is an error naming which index.
func indexedFlow(b *bolt.Bucket, id []byte, index string) (Flow, error) {
	var f Flow
	ok, err := getJSON(b, id, &f)
	if err == nil && !ok {
		err = fmt.Errorf("%s index names missing flow %q", index, id)
	}
	return f, err
}

// FlowsForTicket returns the flows recorded for a ticket number, newest
// first.
func (s *Store) FlowsForTicket(ticket int64) ([]Flow, error) {
	var flows []Flow
	prefix := u64(uint64(ticket))
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFlows)
		c := tx.Bucket(bucketFlowsByTicket).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id := k[len(prefix):]
			f, err := indexedFlow(b, id, "ticket")
			if err != nil {
				return err
			}
			flows = append(flows, f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list flows for ticket #%d: %w", ticket, err)
	}
	slices.SortStableFunc(flows, func(a, b Flow) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return flows, nil
}

// UnfinishedFlows returns the flows not yet finished, oldest first, so a
// restarted bot can tell each one's owner what is left (the Finish
// message). It reads every flow: it runs once at start, and finished
// flows are swept after FlowRetention, so there is no index to keep.
func (s *Store) UnfinishedFlows() ([]Flow, error) {
	var flows []Flow
	err := s.view(func(tx *bolt.Tx) (err error) {
		flows, err = unfinishedFlows(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list unfinished flows: %w", err)
	}
	slices.SortStableFunc(flows, func(a, b Flow) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return flows, nil
}

// OrphanedFlows returns UnfinishedFlows: the bbolt Store is one bot, so
// no other replica runs any of them.
func (s *Store) OrphanedFlows() ([]Flow, error) { return s.UnfinishedFlows() }

// AdoptFlow implements Flows: the bbolt Store is one bot, whose unfinished
// flows are all its own to tell of.
func (s *Store) AdoptFlow(id string) (Flow, bool, error) {
	f, err := s.GetFlow(id)
	if err != nil {
		return Flow{}, false, err
	}
	return f, !f.Finished(), nil
}

// putFlow writes f and keeps its ticket index in step with it, inside tx.
func (s *Store) putFlow(tx *bolt.Tx, f Flow) error {
	if err := putJSON(tx.Bucket(bucketFlows), []byte(f.ID), f); err != nil {
		return err
	}
	return tx.Bucket(bucketFlowsByTicket).Put(flowTicketKey(f), nil)
}

func (s *Store) deleteFlow(tx *bolt.Tx, f Flow) error {
	if err := tx.Bucket(bucketFlows).Delete([]byte(f.ID)); err != nil {
		return err
	}
	return tx.Bucket(bucketFlowsByTicket).Delete(flowTicketKey(f))
}

func flowTicketKey(f Flow) []byte { return concat(u64(uint64(f.Ticket)), []byte(f.ID)) }

func checkFlow(f Flow) error {
	if err := checkKey(f.ID); err != nil {
		return fmt.Errorf("flow id: %w", err)
	}
	if f.Kind == "" {
		return fmt.Errorf("%w: flow %s has no kind", ErrInvalid, f.ID)
	}
	if len(f.Steps) == 0 {
		return fmt.Errorf("%w: flow %s has no steps", ErrInvalid, f.ID)
	}
	seen := make(map[string]bool, len(f.Steps))
	for _, st := range f.Steps {
		if st.Name == "" || seen[st.Name] {
			return fmt.Errorf("%w: flow %s: step names must be unique and non-empty (%q)", ErrInvalid, f.ID, st.Name)
		}
		seen[st.Name] = true
		if st.State != "" && !st.State.valid() {
			return fmt.Errorf("%w: flow %s step %s: state %q", ErrInvalid, f.ID, st.Name, st.State)
		}
	}
	if len(f.Params) > 0 && !json.Valid(f.Params) {
		return fmt.Errorf("%w: flow %s params are not JSON", ErrInvalid, f.ID)
	}
	return nil
}

// unfinishedFlows reads every flow not yet finished, inside tx, in the
// order of their ids.
func unfinishedFlows(tx *bolt.Tx) ([]Flow, error) {
	var flows []Flow
	err := tx.Bucket(bucketFlows).ForEach(func(k, v []byte) error {
		var f Flow
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("decode flow %q: %w", k, err)
		}
		if !f.Finished() {
			flows = append(flows, f)
		}
		return nil
	})
	return flows, err
}

// unfinishedStepKeys is the claim key (Key(flow id, step name)) of every
// step of every unfinished flow.
func unfinishedStepKeys(tx *bolt.Tx) (map[string]bool, error) {
	flows, err := unfinishedFlows(tx)
	return stepKeys(flows), err
}

// sweepFlows deletes finished flows untouched since cutoff; unfinished ones
// stay however old, since they may still need a Finish.
func (s *Store) sweepFlows(tx *bolt.Tx, cutoff time.Time) (int, error) {
	var stale []Flow
	err := tx.Bucket(bucketFlows).ForEach(func(k, v []byte) error {
		var f Flow
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("decode flow %q: %w", k, err)
		}
		if f.Finished() && f.UpdatedAt.Before(cutoff) {
			stale = append(stale, f)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep flows: %w", err)
	}
	for _, f := range stale {
		if err := s.deleteFlow(tx, f); err != nil {
			return 0, fmt.Errorf("sweep flows: %w", err)
		}
	}
	return len(stale), nil
}

// The rules of a flow's life, shared by every backend: each backend reads
// and writes the records, these decide what changes.

// newFlow is f as CreateFlow stores it at now: stamped, each step's state
// and time filled in.
func newFlow(f Flow, now time.Time) Flow {
	if f.CreatedAt.IsZero() {
		f.CreatedAt = now
	}
	f.UpdatedAt = now
	f.Steps = slices.Clone(f.Steps)
	for i := range f.Steps {
		if f.Steps[i].State == "" {
			f.Steps[i].State = StepPending
		}
		if f.Steps[i].At.IsZero() {
			f.Steps[i].At = now
		}
	}
	return f
}

// moveStep is UpdateStep's change: a done step never moves back.
func moveStep(state StepState, result json.RawMessage, errMsg string) func(*Step) error {
	return func(st *Step) error {
		if st.State == StepDone && state != StepDone {
			return ErrStepDone
		}
		st.State, st.Result, st.Err = state, result, errMsg
		return nil
	}
}

// prepareStep is PrepareStep's change: the step is in doubt from now on.
func prepareStep(before json.RawMessage) func(*Step) error {
	return func(st *Step) error {
		if st.State == StepDone {
			return ErrStepDone
		}
		st.State, st.Before = StepUnknown, before
		return nil
	}
}

// changeStepOf applies change to the named step of a flow and stamps both
// with now().
func changeStepOf(step string, change func(*Step) error, now func() time.Time) func(*Flow) (bool, error) {
	return func(f *Flow) (bool, error) {
		i := slices.IndexFunc(f.Steps, func(st Step) bool { return st.Name == step })
		if i < 0 {
			return false, fmt.Errorf("%w: no step %q", ErrInvalid, step)
		}
		if err := change(&f.Steps[i]); err != nil {
			return false, err
		}
		t := now()
		f.Steps[i].At, f.UpdatedAt = t, t
		return true, nil
	}
}

// abandon is AbandonFlow's change; abandoning twice keeps the first.
func abandon(reason string, now func() time.Time) func(*Flow) (bool, error) {
	return func(f *Flow) (bool, error) {
		if !f.AbandonedAt.IsZero() {
			return false, nil
		}
		f.AbandonedAt, f.AbandonReason = now(), reason
		f.UpdatedAt = f.AbandonedAt
		return true, nil
	}
}

// told is MarkFlowTold's change; an older telling changes nothing.
func told(updatedAt time.Time) func(*Flow) (bool, error) {
	return func(f *Flow) (bool, error) {
		if !updatedAt.After(f.Told) {
			return false, nil
		}
		f.Told = updatedAt
		return true, nil
	}
}

// stepKeys is the claim key (Key(flow id, step name)) of every step of
// flows.
func stepKeys(flows []Flow) map[string]bool {
	keys := map[string]bool{}
	for _, f := range flows {
		for _, st := range f.Steps {
			keys[Key(f.ID, st.Name)] = true
		}
	}
	return keys
}
