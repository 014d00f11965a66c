package customers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/flow"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
)

// What a merge says when it finished, when it stopped, and after a
// restart; and its Finish button.

// maxLabelsShown bounds the tickets or contacts one sentence lists by
// name; the rest are counted.
const maxLabelsShown = 10

// names is "X (ID 2) into Y (ID 1)", the merge's customers for a reply.
func (m *mergeRun) names() string {
	return fmt.Sprintf("%s (ID %d) into %s (ID %d)",
		slackfmt.MrkdwnText(m.p.DupName, 150), m.p.Dup, slackfmt.MrkdwnText(m.p.PrimaryName, 150), m.p.Primary)
}

// doneReply is the reply of a merge with every step done.
func (m *mergeRun) doneReply() commands.Reply {
	text := fmt.Sprintf("Merged %s: %s and %s moved, checked by reading them back; noted on the primary.", m.names(),
		commands.CountNoun(len(m.results[stepMoveTickets].Moved), "ticket", "tickets"),
		commands.CountNoun(len(m.results[stepMoveContacts].Moved), "contact", "contacts"))
	switch del := m.results[stepDelete]; {
	case m.p.Mode == mergeKeep:
		text += " The duplicate was kept, as asked."
	case del.Kept != "":
		text += " The duplicate was kept: " + del.Kept + "."
	default:
		text += " The duplicate was deleted."
	}
	if len(m.results[stepDelete].Moved) > 0 {
		text += " Before deleting it I also moved " + listed(m.results[stepDelete].Moved) + ", which reached it while the merge ran."
	}
	return commands.Reply{Text: text}
}

// listed is labels as a clause, the first maxLabelsShown by name.
func listed(labels []string) string {
	if len(labels) <= maxLabelsShown {
		return strings.Join(labels, ", ")
	}
	return strings.Join(labels[:maxLabelsShown], ", ") + fmt.Sprintf(" and %d more", len(labels)-maxLabelsShown)
}

// doneSoFar lists what the merge did, as clauses, including what the
// failed step moved before it stopped.
func (m *mergeRun) doneSoFar(failed string, err error) []string {
	var done []string
	moved := func(step string, labels []string) {
		if len(labels) == 0 {
			return
		}
		verb := "moved"
		if step == stepMoveContacts {
			verb = "repointed"
		}
		done = append(done, verb+" "+listed(labels))
	}
	for _, s := range m.f.Steps {
		res, ok := m.results[s.Name]
		switch {
		case ok && (s.Name == stepMoveTickets || s.Name == stepMoveContacts):
			moved(s.Name, res.Moved)
		case ok && s.Name == stepNote:
			done = append(done, "noted the merge on the primary")
		case s.Name == failed:
			var me *moveError
			if errors.As(err, &me) {
				moved(s.Name, me.moved)
			}
		}
	}
	return done
}

// stepWhat names what a merge step does, for "… was not done".
func stepWhat(step string) string {
	switch step {
	case stepMoveTickets:
		return "moving the tickets"
	case stepMoveContacts:
		return "repointing the contacts"
	case stepNote:
		return "the note on the primary"
	case stepDelete:
		return "deleting the duplicate"
	}
	return step
}

// notDone says what a failed step did not do.
func (m *mergeRun) notDone(step string, err error) string {
	var (
		me *moveError
		se *flow.StoreError
	)
	switch {
	case errors.Is(err, flow.ErrOutOfTime):
		return fmt.Sprintf("I ran out of time before %s (nothing of it was sent)", stepWhat(step))
	case errors.Is(err, errRestarted) && flow.IsUnknown(err):
		return fmt.Sprintf("I was restarted before Syncro confirmed %s; Finish checks Syncro before writing anything again", stepWhat(step))
	case errors.Is(err, errRestarted):
		return fmt.Sprintf("I was restarted before %s", stepWhat(step))
	case flow.IsUnknown(err):
		return fmt.Sprintf("Syncro didn't confirm %s (%s); Finish checks Syncro before writing anything again", stepWhat(step), commands.SyncroAnswer(err))
	case errors.As(err, &se):
		return "I couldn't record progress in my own database, so I stopped before " + stepWhat(step)
	case errors.As(err, &me):
		return fmt.Sprintf("%s was NOT moved (%s)", me.item, commands.SyncroAnswer(err))
	}
	var ce *checkError
	if errors.As(err, &ce) {
		return ce.said
	}
	return fmt.Sprintf("%s failed (%s)", stepWhat(step), commands.SyncroAnswer(err))
}

// checkError is a read-back that found Syncro not as the step left it;
// said tells the tech what was found.
type checkError struct{ said string }

func (e *checkError) Error() string { return e.said }

// failedReply says what the merge did and what it did not, with a Finish
// button that runs only the missing steps.
func (m *mergeRun) failedReply(step string, err error) commands.Reply {
	var b strings.Builder
	if m.lead != "" {
		b.WriteString(m.lead + " ")
	}
	fmt.Fprintf(&b, "The merge of %s stopped. ", m.names())
	if done := m.doneSoFar(step, err); len(done) > 0 {
		b.WriteString("Done: " + strings.Join(done, "; ") + ". ")
	} else {
		b.WriteString("Nothing had moved yet. ")
	}
	b.WriteString(upperFirst(m.notDone(step, err)) + ".")
	var left []string
	after := false
	for _, s := range m.f.Steps {
		if after {
			left = append(left, stepWhat(s.Name))
		}
		after = after || s.Name == step
	}
	if len(left) > 0 {
		b.WriteString(" Still to do: " + strings.Join(left, ", ") + ".")
	}
	if m.p.Mode == mergeDelete && (step != stepDelete || !flow.IsUnknown(err)) {
		fmt.Fprintf(&b, " The duplicate (ID %d) was NOT deleted.", m.p.Dup)
	}
	b.WriteString(" Press Finish to do only what is missing. Abandon gives up a merge that can never finish.")
	text := b.String()
	return commands.Reply{Text: text, Blocks: []slack.Block{commands.TextSection(text), mergeActions(m.f.ID)}}
}

// upperFirst capitalizes s's first letter.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// finishClick answers a merge's Finish: its missing steps, once per click
// (a double click runs them once; a click after a failed Finish tries
// again).
func (c *feature) finishClick(ctx context.Context, a commands.Action) commands.Reply {
	if !a.Actor.CanAdmin {
		return notAdminReply
	}
	return c.cfg.OnceUntilDone(ctx, commands.ClickKey(a), func() commands.Reply { return c.runMerge(ctx, a.Value, a.Actor) },
		commands.SamePrior("I'm already finishing that merge; I didn't start it a second time."))
}

// stepErr is the error that describes a step recorded as not done, as its
// run would have seen it: one in doubt with no error recorded was marked
// just before its write and never heard of again (the bot stopped
// mid-write); a pending one was next when the bot stopped.
func stepErr(s store.Step) error {
	switch {
	case s.State == store.StepFailed:
		return errors.New(s.Err)
	case s.State == store.StepUnknown && s.Err != "":
		return &flow.UnknownError{Step: s.Name, Err: errors.New(s.Err)}
	case s.State == store.StepUnknown:
		return &flow.UnknownError{Step: s.Name, Err: errRestarted}
	}
	return errRestarted
}

// tellUnfinishedMerges is the start hook: the owner of each unfinished
// merge not yet told of it as it stands (flow.Untold) is told, in the
// channel the merge was started from, what it did and what is left, with
// Finish. A merge counts as told once Slack accepted the message
// (flow.Tell).
func (c *feature) tellUnfinishedMerges(ctx context.Context) []commands.Post {
	flows, err := flow.Untold(c.cfg.Store, func(kind string) bool { return kind == flowMerge })
	if err != nil {
		c.cfg.Logger.ErrorContext(ctx, "unfinished merges not told at start", "err", err)
		return nil
	}
	var posts []commands.Post
	for _, f := range flows {
		m, err := c.newMergeRun(f, commands.Actor{})
		if err != nil || f.SlackUser == "" {
			continue
		}
		at := flow.Replay(f, m)
		m.lead = "I was restarted, and your merge is not finished."
		posts = append(posts, flow.Tell(ctx, c.cfg.Store, c.cfg.Logger, f, m.failedReply(at.Name, stepErr(at))))
	}
	return posts
}
