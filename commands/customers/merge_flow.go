package customers

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/flow"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// The merge as a recorded flow (see merge.go for its order and why).

// ActionCustomerMergeFinish is the Finish button of a merge that stopped
// half-way; its value is the flow id.
const ActionCustomerMergeFinish = "syncro_customer_merge_finish"

// flowMerge is the store's flow kind of a customer merge.
const flowMerge = "merge"

// Merge step names, stored in flows: never rename one that shipped.
const (
	stepMoveTickets  = "move tickets"
	stepMoveContacts = "move contacts"
	stepNote         = "note on primary"
	stepDelete       = "delete duplicate"
)

// errRestarted stands for a step that was under way, or next, when the
// bot stopped: whether its write landed is unknown until Finish reads
// Syncro back.
var errRestarted = errors.New("the bot restarted before the step was confirmed")

// mergeParams is everything a merge needs, fixed when it starts, so
// Finish after a restart does exactly what was asked.
type mergeParams struct {
	Primary     int64  `json:"primary"`
	Dup         int64  `json:"duplicate"`
	PrimaryName string `json:"primary_name"`
	DupName     string `json:"duplicate_name"`
	Mode        string `json:"mode"`
	// By and Date go into the note on the primary.
	By      string `json:"by"`
	Date    string `json:"date"`
	Channel string `json:"channel,omitempty"`
}

// mergeItem is a ticket or contact on the duplicate.
type mergeItem struct {
	ID int64 `json:"id"`
	// Label names it in replies: "ticket #32150", "contact 7".
	Label string `json:"label"`
	// name is a contact's name as listed, which its PUT must repeat.
	name string
}

// moveBefore is what a move step found on the duplicate, over all its
// attempts: what it moves, and what it reports as moved once none is
// left there.
type moveBefore struct {
	Items []mergeItem `json:"items"`
}

// mergeResult is what a finished merge step recorded.
type mergeResult struct {
	// Moved labels what a move step moved.
	Moved []string `json:"moved,omitempty"`
	// Noted is set by the note step.
	Noted bool `json:"noted,omitempty"`
	// Deleted is set by the delete step when the duplicate is gone; Kept
	// says why it was kept instead.
	Deleted bool   `json:"deleted,omitempty"`
	Kept    string `json:"kept,omitempty"`
}

// moveError is a move step that stopped at one item, after moving others.
type moveError struct {
	moved []string // moved by this attempt, before the failure
	item  string   // the item that did not move
	err   error
}

func (e *moveError) Error() string { return fmt.Sprintf("move %s: %v", e.item, e.err) }
func (e *moveError) Unwrap() error { return e.err }

// startMerge records the merge of d into p (or finds the unfinished one
// already recorded for them) and runs its steps. An unfinished merge of
// another pair or mode that shares a customer in a way that conflicts is
// finished first: two merges moving from or onto a customer the other
// empties or deletes would strand what they move.
func (c *feature) startMerge(ctx context.Context, key string, p, d int64, mode string, by commands.Actor, channel string) commands.Reply {
	// Held across the two reads of Syncro below: merges are rare, and a
	// second confirmation, on this replica or another, must see the first
	// one's record.
	unlock, err := c.lockMerges(ctx, lockStartMerge)
	if err != nil {
		return c.cfg.Failure(ctx, err, "wait for the other merges (nothing was changed)")
	}
	if f, ok := c.unfinishedMerge(ctx, p, d); ok {
		unlock()
		var mp mergeParams
		_ = json.Unmarshal(f.Params, &mp)
		if mp.Primary == p && mp.Dup == d && mp.Mode == mode {
			return c.runMerge(ctx, f.ID, by)
		}
		return c.conflictReply(f, by)
	}
	primary, _, err := c.cfg.Syncro.Customers.Get(ctx, p)
	if err == nil {
		var dup *syncro.Customer
		if dup, _, err = c.cfg.Syncro.Customers.Get(ctx, d); err == nil {
			id, r := c.recordMerge(ctx, key, mergeParams{
				Primary: p, Dup: d, PrimaryName: customerName(primary), DupName: customerName(dup), Mode: mode,
				By: commands.DashIfBlank(by.Name), Date: c.cfg.Now().Format("2006-01-02"), Channel: channel,
			}, by)
			unlock()
			if id == "" {
				return r
			}
			return c.runMerge(ctx, id, by)
		}
	}
	unlock()
	if errors.Is(err, syncro.ErrNotFound) {
		return commands.Reply{Text: fmt.Sprintf("Customer %d or %d doesn't exist in Syncro; nothing was merged.", p, d)}
	}
	return c.cfg.Failure(ctx, err, "start the merge; nothing was changed")
}

// lockStartMerge is the flow.Locks key under which a merge is looked up
// and recorded, so two confirmations at once never record two merges.
const lockStartMerge = "start"

// lockMerges holds the merges' lock key (lockStartMerge, or a duplicate's
// id) within this process and in the store, so it holds across replicas
// as the ticket flows' locks do; its names never meet a ticket's.
func (c *feature) lockMerges(ctx context.Context, key string) (unlock func(), err error) {
	return c.merges.LockContext(ctx, "merge/"+key)
}

// unfinishedMerge finds a recorded merge that stopped half-way and
// conflicts with merging d into p: one of d (any primary or mode), or one
// into d, or one out of p.
func (c *feature) unfinishedMerge(ctx context.Context, p, d int64) (store.Flow, bool) {
	flows, err := c.cfg.Store.UnfinishedFlows()
	if err != nil {
		// A fresh flow moves what is left on the duplicate just as well.
		c.cfg.Logger.WarnContext(ctx, "unfinished merges not read; starting a new one", "err", err)
		return store.Flow{}, false
	}
	for _, f := range flows {
		var mp mergeParams
		if f.Kind == flowMerge && json.Unmarshal(f.Params, &mp) == nil && (mp.Dup == d || mp.Primary == d || mp.Dup == p) {
			return f, true
		}
	}
	return store.Flow{}, false
}

// conflictReply refuses a merge while the unfinished merge f shares its
// customers, with f's Finish.
func (c *feature) conflictReply(f store.Flow, by commands.Actor) commands.Reply {
	m, err := c.newMergeRun(f, by)
	if err != nil {
		return commands.Reply{Text: "An unfinished merge of one of these customers is on record; nothing was changed."}
	}
	text := fmt.Sprintf("The merge of %s is not finished, and it shares a customer with this one; nothing was changed. Press Finish to complete it first, or Abandon it if it can never finish.", m.names())
	return commands.Reply{Text: text, Blocks: []slack.Block{commands.TextSection(text), mergeActions(f.ID)}}
}

// recordMerge records a merge flow under key and returns its id, or ""
// and the reply saying it could not be recorded.
func (c *feature) recordMerge(ctx context.Context, key string, mp mergeParams, by commands.Actor) (string, commands.Reply) {
	raw, _ := json.Marshal(mp)
	f := store.Flow{
		ID: store.Key("flow", key), Kind: flowMerge,
		Subject: slackfmt.PlainText(fmt.Sprintf("merge %s (ID %d) into %s (ID %d)", mp.DupName, mp.Dup, mp.PrimaryName, mp.Primary), 80),
		Params:  raw, SlackUser: by.SlackUserID, Channel: mp.Channel, CreatedAt: c.cfg.StoreNow(),
	}
	for _, s := range mergeSteps(mp.Mode) {
		f.Steps = append(f.Steps, store.Step{Name: s})
	}
	if _, _, err := c.cfg.Store.CreateFlow(f); err != nil {
		return "", c.cfg.Failure(ctx, err, "record the merge (nothing was sent to Syncro)")
	}
	return f.ID, commands.Reply{}
}

// mergeSteps are a merge's steps in mode.
func mergeSteps(mode string) []string {
	steps := []string{stepMoveTickets, stepMoveContacts, stepNote}
	if mode == mergeDelete {
		steps = append(steps, stepDelete)
	}
	return steps
}

// runMerge runs the missing steps of merge flow id, one pass per
// duplicate at a time, and says what was done and what was not.
func (c *feature) runMerge(ctx context.Context, id string, by commands.Actor) commands.Reply {
	f, err := c.cfg.Store.GetFlow(id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return commands.Reply{Text: "I don't have that merge on record any more (it finished long ago, or the bot's database was reset); nothing was changed."}
	case err != nil:
		return c.cfg.Failure(ctx, err, "read the recorded merge")
	}
	m, err := c.newMergeRun(f, by)
	if err != nil {
		return c.cfg.Failure(ctx, err, "read the recorded merge")
	}
	unlock, err := c.lockMerges(ctx, strconv.FormatInt(m.p.Dup, 10))
	if err != nil {
		return c.cfg.Failure(ctx, err, "wait for the duplicate's other merge work (nothing was changed)")
	}
	defer unlock()
	// Read afresh: a pass that held the lock may have finished steps.
	f, failed, err := flow.Run(ctx, c.cfg.Store, id, flow.StepReserve, m)
	m.f = f
	if errors.Is(err, flow.ErrAbandoned) {
		r := m.abandonedReply()
		r.ChannelID = m.p.Channel
		return r
	}
	r := m.doneReply()
	r.Outcome = commands.OutcomeDone
	if failed != "" {
		c.cfg.Logger.WarnContext(ctx, "merge step failed", "flow", id, "step", failed, "primary", m.p.Primary, "duplicate", m.p.Dup, "err", err)
		r = m.failedReply(failed, err)
		r.Outcome = commands.OutcomeFailed
	}
	r.ChannelID = m.p.Channel
	return r
}

// mergeRun is one pass over a merge's steps; it implements flow.Steps.
type mergeRun struct {
	c       *feature
	f       store.Flow
	p       mergeParams
	by      commands.Actor
	results map[string]mergeResult
	// onDup is what a move step's Prepare found on the duplicate, for its
	// Do to move.
	onDup map[string][]mergeItem
	// lead opens a Finish message shown outside a pass (the start hook).
	lead string
}

// newMergeRun prepares a pass over merge flow f.
func (c *feature) newMergeRun(f store.Flow, by commands.Actor) (*mergeRun, error) {
	m := &mergeRun{c: c, f: f, by: by, results: map[string]mergeResult{}, onDup: map[string][]mergeItem{}}
	if err := json.Unmarshal(f.Params, &m.p); err != nil {
		return nil, fmt.Errorf("decode merge %s: %w", f.ID, err)
	}
	return m, nil
}

// Done implements flow.Steps.
func (m *mergeRun) Done(step string, raw json.RawMessage) {
	var res mergeResult
	_ = json.Unmarshal(raw, &res)
	m.results[step] = res
}

// onDuplicate lists what a move step moves that is still on the
// duplicate.
func (m *mergeRun) onDuplicate(ctx context.Context, step string) ([]mergeItem, error) {
	return m.onCustomer(ctx, step, m.p.Dup)
}

// onCustomer lists the tickets (stepMoveTickets) or contacts
// (stepMoveContacts) of customer d.
func (m *mergeRun) onCustomer(ctx context.Context, step string, d int64) ([]mergeItem, error) {
	var items []mergeItem
	syn := m.c.cfg.Syncro
	switch step {
	case stepMoveTickets:
		ts, err := syncro.Collect(syn.Tickets.All(ctx, &syncro.TicketListOptions{CustomerID: d}))
		if err != nil {
			return nil, fmt.Errorf("list tickets of %d: %w", d, err)
		}
		for _, t := range ts {
			items = append(items, mergeItem{ID: t.ID, Label: "ticket #" + t.Number.String()})
		}
	case stepMoveContacts:
		cs, err := syncro.Collect(syn.Contacts.All(ctx, &syncro.ContactListOptions{CustomerID: d}))
		if err != nil {
			return nil, fmt.Errorf("list contacts of %d: %w", d, err)
		}
		for _, ct := range cs {
			items = append(items, mergeItem{ID: ct.ID, Label: "contact " + strconv.FormatInt(ct.ID, 10), name: ct.Name})
		}
	}
	return items, nil
}

// move moves one item of a move step onto the primary. A PUT that
// failed is read back: one that landed all the same (its answer was
// lost, or came after the commit) counts as moved.
func (m *mergeRun) move(ctx context.Context, step string, it mergeItem) error {
	p := m.p.Primary
	var err error
	switch step {
	case stepMoveTickets:
		_, _, err = m.c.cfg.Syncro.Tickets.Update(ctx, it.ID, &syncro.TicketRequest{CustomerID: &p})
		m.c.logWrite(ctx, m.by, "merge: move ticket", it.ID, err)
	case stepMoveContacts:
		// Syncro requires the name on a contact PUT (docs/syncro-api.md, 4.7).
		name := it.name
		_, _, err = m.c.cfg.Syncro.Contacts.Update(ctx, it.ID, &syncro.ContactRequest{CustomerID: &p, Name: &name})
		m.c.logWrite(ctx, m.by, "merge: move contact", it.ID, err)
	}
	return settled(step, err, func() (bool, error) {
		left, err := m.onDuplicate(ctx, step)
		return !slices.ContainsFunc(left, func(x mergeItem) bool { return x.ID == it.ID }), err
	})
}

// settled is a write's error once Syncro was read back (landed): nil when
// the write landed anyway, the write's own error when it did not, and a
// *flow.UnknownError when Syncro could not be read.
func settled(step string, err error, landed func() (bool, error)) error {
	if err == nil {
		return nil
	}
	ok, rerr := landed()
	switch {
	case rerr != nil:
		return &flow.UnknownError{Step: step, Err: err}
	case ok:
		return nil
	}
	return err
}

// Prepare implements flow.Steps: a move step records what is on the
// duplicate (with what earlier attempts found, which may have moved
// already); the note and the delete are marked in doubt.
func (m *mergeRun) Prepare(ctx context.Context, step string, earlier json.RawMessage) (json.RawMessage, error) {
	switch step {
	case stepMoveTickets, stepMoveContacts:
		now, err := m.onDuplicate(ctx, step)
		if err != nil {
			return nil, err
		}
		m.onDup[step] = now
		var b moveBefore
		_ = json.Unmarshal(earlier, &b)
		for _, it := range now {
			if !slices.ContainsFunc(b.Items, func(x mergeItem) bool { return x.ID == it.ID }) {
				b.Items = append(b.Items, it)
			}
		}
		return json.Marshal(b)
	}
	return json.RawMessage(`{}`), nil
}

// Do implements flow.Steps.
func (m *mergeRun) Do(ctx context.Context, step string, before json.RawMessage) (json.RawMessage, error) {
	var res mergeResult
	switch step {
	case stepMoveTickets, stepMoveContacts:
		var moved []string
		for _, it := range m.onDup[step] {
			if err := m.move(ctx, step, it); err != nil {
				return nil, &moveError{moved: moved, item: it.Label, err: err}
			}
			moved = append(moved, it.Label)
		}
		left, err := m.onDuplicate(ctx, step)
		if err != nil {
			return nil, fmt.Errorf("read back: %w", err)
		}
		if len(left) > 0 {
			// Added while the step ran: Finish moves them too.
			return nil, &checkError{said: "reading the duplicate back found " + listed(labelsOf(left)) + " still on it (added while moving); Finish moves what is left"}
		}
		res.Moved = movedLabels(before)
	case stepNote:
		had, noted, err := m.noted(ctx)
		if err != nil {
			return nil, err
		}
		if !noted {
			notes := strings.TrimSpace(strings.TrimSpace(had) + "\n" + m.note())
			_, _, err = m.c.cfg.Syncro.Customers.Update(ctx, m.p.Primary, &syncro.CustomerRequest{Notes: &notes})
			m.c.logWrite(ctx, m.by, "merge: note on primary", m.p.Primary, err)
			err = settled(step, err, func() (bool, error) {
				_, ok, err := m.noted(ctx)
				return ok, err
			})
			if err != nil {
				return nil, err
			}
		}
		res.Noted = true
	case stepDelete:
		return m.deleteDuplicate(ctx)
	default:
		return nil, fmt.Errorf("unknown merge step %q", step)
	}
	return json.Marshal(res)
}

// labelsOf labels items.
func labelsOf(items []mergeItem) []string {
	labels := make([]string, 0, len(items))
	for _, it := range items {
		labels = append(labels, it.Label)
	}
	return labels
}

// movedLabels is what a move step moved: everything its attempts found on
// the duplicate.
func movedLabels(before json.RawMessage) []string {
	var b moveBefore
	_ = json.Unmarshal(before, &b)
	return labelsOf(b.Items)
}

// note is the line the merge appends to the primary's notes. It is made
// from what the flow recorded, so a read-back finds the very line.
func (m *mergeRun) note() string {
	return fmt.Sprintf("Merged customer %s (ID %d) into this one on %s by %s via Slack: %s, %s moved.",
		m.p.DupName, m.p.Dup, m.p.Date, m.p.By,
		commands.CountNoun(len(m.results[stepMoveTickets].Moved), "ticket", "tickets"),
		commands.CountNoun(len(m.results[stepMoveContacts].Moved), "contact", "contacts"))
}

// noted reads the primary's notes and whether they hold the merge note.
func (m *mergeRun) noted(ctx context.Context) (notes string, ok bool, err error) {
	cu, _, err := m.c.cfg.Syncro.Customers.Get(ctx, m.p.Primary)
	if err != nil {
		return "", false, fmt.Errorf("read primary customer %d: %w", m.p.Primary, err)
	}
	return cu.Notes, strings.Contains(cu.Notes, m.note()), nil
}

// deleteDuplicate deletes the emptied duplicate, unless it has invoices,
// and reads it back as gone.
func (m *mergeRun) deleteDuplicate(ctx context.Context) (json.RawMessage, error) {
	d := m.p.Dup
	dup, _, err := m.c.cfg.Syncro.Customers.Get(ctx, d)
	switch {
	case errors.Is(err, syncro.ErrNotFound):
		return json.Marshal(mergeResult{Deleted: true})
	case err != nil:
		return nil, fmt.Errorf("read duplicate customer %d: %w", d, err)
	case len(dup.InvoiceLinks) > 0:
		return json.Marshal(mergeResult{Kept: fmt.Sprintf("it has %s, which Syncro's API can't move", commands.CountNoun(len(dup.InvoiceLinks), "invoice", "invoices"))})
	}
	late, err := m.moveLate(ctx)
	if err != nil {
		return nil, err
	}
	_, err = m.c.cfg.Syncro.Customers.Delete(ctx, d)
	m.c.logWrite(ctx, m.by, "merge: delete duplicate", d, err)
	if err != nil {
		if err := settled(stepDelete, err, func() (bool, error) { return m.gone(ctx) }); err != nil {
			return nil, err
		}
		return json.Marshal(mergeResult{Deleted: true, Moved: late})
	}
	gone, err := m.gone(ctx)
	switch {
	case err != nil:
		return nil, &flow.UnknownError{Step: stepDelete, Err: err}
	case !gone:
		return nil, &checkError{said: fmt.Sprintf("Syncro accepted deleting the duplicate (ID %d) but it still reads back; check it in Syncro", d)}
	}
	return json.Marshal(mergeResult{Deleted: true, Moved: late})
}

// moveLate moves onto the primary what reached the duplicate after its
// move steps (a ticket emailed in while the merge stood stopped), and
// reads the duplicate back as empty: a hard delete would take it along.
func (m *mergeRun) moveLate(ctx context.Context) ([]string, error) {
	var late []string
	for _, step := range []string{stepMoveTickets, stepMoveContacts} {
		items, err := m.onDuplicate(ctx, step)
		if err != nil {
			return late, err
		}
		for _, it := range items {
			if err := m.move(ctx, step, it); err != nil {
				return late, &moveError{moved: late, item: it.Label, err: err}
			}
			late = append(late, it.Label)
		}
		if left, err := m.onDuplicate(ctx, step); err != nil || len(left) > 0 {
			return late, cmp.Or(err, error(&checkError{said: "reading the duplicate back found " + listed(labelsOf(left)) + " still on it; Finish moves what is left"}))
		}
	}
	return late, nil
}

// gone reports whether the duplicate reads back as deleted.
func (m *mergeRun) gone(ctx context.Context) (bool, error) {
	_, _, err := m.c.cfg.Syncro.Customers.Get(ctx, m.p.Dup)
	if errors.Is(err, syncro.ErrNotFound) {
		return true, nil
	}
	return false, err
}

// ReadBack implements flow.Steps: a move step landed when nothing is left
// on the duplicate, the note when the primary's notes hold it, the delete
// when the duplicate is gone.
func (m *mergeRun) ReadBack(ctx context.Context, step string, before json.RawMessage) (json.RawMessage, bool, error) {
	var res mergeResult
	switch step {
	case stepMoveTickets, stepMoveContacts:
		left, err := m.onDuplicate(ctx, step)
		if err != nil || len(left) > 0 {
			return nil, false, err
		}
		res.Moved = movedLabels(before)
	case stepNote:
		_, ok, err := m.noted(ctx)
		if err != nil || !ok {
			return nil, false, err
		}
		res.Noted = true
	case stepDelete:
		gone, err := m.gone(ctx)
		if err != nil || !gone {
			return nil, false, err
		}
		res.Deleted = true
	}
	raw, err := json.Marshal(res)
	return raw, err == nil, err
}
