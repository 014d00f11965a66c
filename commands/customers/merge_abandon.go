package customers

import (
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
	"github.com/syncrobot/syncrobot/store"
)

// Abandon: the way out of a merge that can never finish. A step Syncro
// refuses for good (the primary deleted in Syncro, so every ticket move
// is answered "Customer required field") would leave the merge unfinished
// for ever: told at every start that changed it, refusing every other
// merge of its customers. Abandon records it as given up
// (store.AbandonFlow), says what Syncro holds of it, and from then on no
// button runs it again (flow.Run returns flow.ErrAbandoned).

// ActionCustomerMergeAbandon gives up a merge that stopped (value: the
// flow id), next to its Finish.
const ActionCustomerMergeAbandon = "syncro_customer_merge_abandon"

// abandonClick answers a merge's Abandon, once per click; one that could
// not be recorded may be pressed again.
func (c *feature) abandonClick(ctx context.Context, a commands.Action) commands.Reply {
	if !a.Actor.CanAdmin {
		return notAdminReply
	}
	return c.cfg.OnceUntilDone(ctx, commands.ClickKey(a), func() commands.Reply { return c.abandonMerge(ctx, a.Value, a.Actor) },
		commands.SamePrior("I'm already abandoning that merge."))
}

// abandonMerge records merge flow id as abandoned, unless it finished or
// was abandoned already, and says what it did and did not do in Syncro.
func (c *feature) abandonMerge(ctx context.Context, id string, by commands.Actor) commands.Reply {
	f, err := c.cfg.Store.GetFlow(id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return commands.Reply{Text: "I don't have that merge on record any more (it finished long ago, or the bot's database was reset); nothing was changed."}
	case err != nil:
		return c.abandonFailed(ctx, err)
	}
	m, err := c.newMergeRun(f, by)
	if err != nil {
		return c.abandonFailed(ctx, err)
	}
	// Under the duplicate's lock, so no pass of this merge runs meanwhile;
	// read again, as one that held the lock may have finished it.
	unlock, err := c.lockMerges(ctx, strconv.FormatInt(m.p.Dup, 10))
	if err != nil {
		return c.abandonFailed(ctx, err)
	}
	defer unlock()
	if f, err = c.cfg.Store.GetFlow(id); err != nil {
		return c.abandonFailed(ctx, err)
	}
	m.f = f
	flow.Replay(f, m)
	switch {
	case !f.AbandonedAt.IsZero():
		return m.abandonedReply()
	case f.Finished():
		return commands.Reply{Text: "That merge finished meanwhile, so there is nothing to abandon. " + m.doneReply().Text}
	}
	held := m.holds(ctx)
	reason := "abandoned from Slack by " + commands.DashIfBlank(by.Name)
	if m.f, err = c.cfg.Store.AbandonFlow(id, reason); err != nil {
		return c.abandonFailed(ctx, err)
	}
	c.cfg.Logger.InfoContext(ctx, "merge abandoned", "flow", id, "primary", m.p.Primary, "duplicate", m.p.Dup, "by", by.SlackUserID)
	return commands.Reply{Text: fmt.Sprintf("Abandoned the merge of %s: I won't run any of it again, and its Finish does nothing now. %s", m.names(), m.account(held)), ChannelID: m.p.Channel}
}

// abandonFailed is the reply when the abandonment could not be read or
// recorded: the merge stands as it was, and Abandon may be pressed again.
func (c *feature) abandonFailed(ctx context.Context, err error) commands.Reply {
	r := c.cfg.Failure(ctx, err, "abandon the merge; it stands as it was, and its Finish and Abandon still work")
	r.Outcome = commands.OutcomeFailed
	return r
}

// abandonedReply answers Abandon on a merge abandoned before.
func (m *mergeRun) abandonedReply() commands.Reply {
	return commands.Reply{Text: fmt.Sprintf("The merge of %s was abandoned on %s (%s); nothing was changed. %s",
		m.names(), m.c.cfg.ShownTime(m.f.AbandonedAt).UTC().Format("2006-01-02 15:04 UTC"), m.f.AbandonReason, m.doneClause())}
}

// dupHoldings is what Syncro holds of the merge when it is abandoned;
// err says it could not be read.
type dupHoldings struct {
	gone  bool
	items []string
	// partly is, per move step that stopped part-way, what it had moved:
	// the items it found on the duplicate that the primary holds now.
	partly map[string][]string
	err    error
}

// holds reads from Syncro whether the duplicate still exists, what is on
// it, and which items of a move step that stopped part-way the primary
// holds.
func (m *mergeRun) holds(ctx context.Context) dupHoldings {
	h := dupHoldings{partly: map[string][]string{}}
	if h.gone, h.err = m.gone(ctx); h.err != nil || h.gone {
		return h
	}
	for _, step := range []string{stepMoveTickets, stepMoveContacts} {
		items, err := m.onDuplicate(ctx, step)
		if err != nil {
			h.err = err
			return h
		}
		h.items = append(h.items, labelsOf(items)...)
		if h.partly[step], h.err = m.movedPartly(ctx, step); h.err != nil {
			return h
		}
	}
	return h
}

// movedPartly is what move step moved before it stopped, when it is
// recorded as not done: the items its attempts found on the duplicate
// that the primary holds now. It reads the primary only when there are
// such items.
func (m *mergeRun) movedPartly(ctx context.Context, step string) ([]string, error) {
	var b moveBefore
	i := slices.IndexFunc(m.f.Steps, func(s store.Step) bool { return s.Name == step })
	if i < 0 || m.f.Steps[i].State == store.StepDone || json.Unmarshal(m.f.Steps[i].Before, &b) != nil || len(b.Items) == 0 {
		return nil, nil
	}
	onPrimary, err := m.onCustomer(ctx, step, m.p.Primary)
	if err != nil {
		return nil, err
	}
	var moved []string
	for _, it := range b.Items {
		if slices.ContainsFunc(onPrimary, func(x mergeItem) bool { return x.ID == it.ID }) {
			moved = append(moved, it.Label)
		}
	}
	return moved, nil
}

// doneClause says what the merge's finished steps did in Syncro.
func (m *mergeRun) doneClause() string {
	if done := m.doneSoFar("", nil); len(done) > 0 {
		return "Done in Syncro: " + strings.Join(done, "; ") + "."
	}
	return "None of its steps finished."
}

// account says what an abandoned merge did and did not do in Syncro, and
// what Syncro holds of the duplicate now.
func (m *mergeRun) account(h dupHoldings) string {
	parts := []string{m.doneClause()}
	var notDone, doubt []string
	for _, s := range m.f.Steps {
		switch s.State {
		case store.StepDone:
		case store.StepUnknown:
			doubt = append(doubt, stepWhat(s.Name))
		default:
			notDone = append(notDone, stepWhat(s.Name))
		}
	}
	if len(notDone) > 0 {
		parts = append(parts, "Not done: "+strings.Join(notDone, ", ")+".")
	}
	for _, step := range []string{stepMoveTickets, stepMoveContacts} {
		if moved := h.partly[step]; len(moved) > 0 {
			parts = append(parts, fmt.Sprintf("Before it stopped, %s had put %s on the primary.", stepWhat(step), listed(moved)))
		}
	}
	if len(doubt) > 0 {
		parts = append(parts, "Syncro never confirmed "+strings.Join(doubt, ", ")+": check it in Syncro.")
	}
	switch {
	case h.err != nil:
		parts = append(parts, "I couldn't read the duplicate back ("+commands.SyncroAnswer(h.err)+"), so check in Syncro what is still on it.")
	case h.gone:
		parts = append(parts, fmt.Sprintf("The duplicate (ID %d) no longer exists in Syncro.", m.p.Dup))
	case len(h.items) > 0:
		parts = append(parts, fmt.Sprintf("The duplicate (ID %d) was NOT deleted, and still holds %s.", m.p.Dup, listed(h.items)))
	default:
		parts = append(parts, fmt.Sprintf("The duplicate (ID %d) was NOT deleted; it holds no ticket or contact now.", m.p.Dup))
	}
	return strings.Join(parts, " ")
}

// mergeActions are the buttons of merge flow id that stopped: Finish,
// and Abandon (with a confirmation) for a merge that cannot finish.
func mergeActions(id string) slack.Block {
	finish := slack.NewButtonBlockElement(ActionCustomerMergeFinish, id, commands.Plain("Finish"))
	finish.Style = slack.StylePrimary
	abandon := slack.NewButtonBlockElement(ActionCustomerMergeAbandon, id, commands.Plain("Abandon"))
	abandon.Confirm = slack.NewConfirmationBlockObject(commands.Plain("Abandon this merge?"),
		commands.Plain("What moved stays moved; nothing more is done, and Finish won't run it again."),
		commands.Plain("Abandon"), commands.Plain("Cancel"))
	abandon.Confirm.Style = slack.StyleDanger
	return slack.NewActionBlock("merge_actions", finish, abandon)
}
