package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/flow"
	"github.com/syncrobot/syncrobot/store"
)

// Resuming a flow that stopped half-way (README, "Nothing lost, nothing
// twice"). A failed step's reply carries a Finish button; two more ways
// lead to it, for work whose reply never came:
//
//   - at start, each unfinished flow's owner is told what it did and what
//     is left, with Finish (tellUnfinished): a crash cut it off, or its
//     reply was lost;
//   - the bill, close and log-time forms of a ticket with unfinished work
//     offer its Finish instead of a fresh form (formOrFinish), which would
//     log or bill the same minutes again.

// ActionNewForm opens a bill, close or log-time form although the ticket
// has unfinished work (the form's offer of Finish); its value is the form
// and the ticket: "<form>:" + TicketButtonValue.
const ActionNewForm = "flow_new_form"

// The forms formOrFinish stands in front of, as named in ActionNewForm's
// value.
const (
	formBill    = "bill"
	formClose   = "close"
	formLogTime = "log_time"
)

// maxOffered bounds the unfinished flows one form lists; more on one
// ticket means something else is wrong, and the newest come first.
const maxOffered = 3

// errRestarted stands for a step that was under way, or next, when the
// bot stopped: whether its write landed is unknown until Finish reads
// Syncro back.
var errRestarted = errors.New("the bot restarted before the step was confirmed")

// leftOff prepares a pass over f that is not to run, only to describe
// where f stopped, and returns it with the step it stopped at. ok is false
// when Finish has nothing to do that starting afresh would not: f is
// finished, or wrote nothing to Syncro and then a step failed outright
// (that failure's reply offered no Finish either), or f is not a ticket
// flow.
func (c *feature) leftOff(f store.Flow) (fr *flowRun, at store.Step, ok bool) {
	if _, asked := awaitingAnswer(f); asked || f.Finished() || !ticketFlow(f.Kind) {
		// A retype question not yet answered wrote nothing; its own
		// message offers Log it again.
		return nil, store.Step{}, false
	}
	fr = &flowRun{c: c, st: c.cfg.Store, f: f, results: map[string]stepResult{}}
	if json.Unmarshal(f.Params, &fr.p) != nil {
		return nil, store.Step{}, false
	}
	wrote := false
	for _, s := range f.Steps {
		if s.State == store.StepDone {
			var res stepResult
			_ = json.Unmarshal(s.Result, &res)
			fr.results[s.Name] = res
			wrote = wrote || auditAction(s.Name) != ""
			continue
		}
		if s.State == store.StepFailed && !wrote {
			return nil, store.Step{}, false
		}
		return fr, s, true
	}
	return nil, store.Step{}, false
}

// ticketFlow reports whether kind is a flow this feature runs. Other
// features record flows of their own (a customer merge), which they tell
// about and finish themselves.
func ticketFlow(kind string) bool {
	switch kind {
	case store.FlowBill, store.FlowClose, flowComment, flowLogTime:
		return true
	}
	return false
}

// stepErr is the error that describes a step recorded as not done, as
// its run would have seen it. A step in doubt with no error recorded was
// marked so just before its write (store.PrepareStep) and never heard of
// again: the bot stopped mid-write, as it did before a pending step.
func stepErr(s store.Step) error {
	switch {
	case s.State == store.StepFailed:
		return errors.New(s.Err)
	case s.State == store.StepUnknown && s.Err != "":
		return &unknownOutcomeError{what: stepWhat(s.Name), err: errors.New(s.Err)}
	}
	return &unknownOutcomeError{what: stepWhat(s.Name), err: errRestarted}
}

// kindName names a flow's kind for a person.
func kindName(kind string) string {
	if kind == flowLogTime {
		return "time entry"
	}
	return kind
}

// tellUnfinished is the start hook (run again by the replicas' leader for
// work a dead replica left): the owner of each unfinished flow not yet
// told of it as it stands (flow.Untold) is told, in the channel the flow
// was started from, what it did and what is left, with Finish.
// A flow counts as told once Slack accepted the message (flow.Tell).
func (c *feature) tellUnfinished(ctx context.Context) []commands.Post {
	st := c.cfg.Store
	flows, err := flow.Untold(st, ticketFlow)
	if err != nil {
		c.cfg.Logger.ErrorContext(ctx, "unfinished flows not told at start", "err", err)
		return nil
	}
	var posts []commands.Post
	for _, f := range flows {
		if _, asked := awaitingAnswer(f); asked && c.cfg.StoreNow().Sub(f.CreatedAt) > askedTTL {
			if _, err := st.AbandonFlow(f.ID, "the question was never answered, so nothing was sent to Syncro"); err != nil {
				c.cfg.Logger.WarnContext(ctx, "unanswered retype question not given up", "flow", f.ID, "err", err)
			}
			continue
		}
		fr, at, ok := c.leftOff(f)
		if !ok || f.SlackUser == "" {
			continue
		}
		fr.lead = fmt.Sprintf("I was restarted, and your %s on #%d is not finished.", kindName(f.Kind), fr.p.Number)
		posts = append(posts, flow.Tell(ctx, st, c.cfg.Logger, f, fr.failedReply(ctx, at.Name, stepErr(at))))
	}
	if len(flows) > 0 { // a start, or the replicas' leader every interval (bot.TellUnfinished)
		c.cfg.Logger.InfoContext(ctx, "unfinished flows to tell of", "untold", len(flows), "told", len(posts))
	}
	return posts
}

// formOrFinish answers a request for form on ticket id (number): while
// the ticket has work that stopped half-way, a modal offering that work's
// Finish (and a way to the form anyway); else open's form.
func (c *feature) formOrFinish(ctx context.Context, form string, id, number int64, channel string, open func() commands.Reply) commands.Reply {
	flows, err := c.cfg.Store.FlowsForTicket(id)
	if err != nil {
		// The form's submission records its own flow and says so if it
		// can't; a read error here must not hide the form.
		c.cfg.Logger.WarnContext(ctx, "unfinished flows of the ticket not read; opening the form", "ticket", number, "err", err)
		return open()
	}
	var offered []slack.Block
	n, running := 0, false
	for _, f := range flows { // newest first
		fr, at, ok := c.leftOff(f)
		if !ok {
			continue
		}
		if n++; n > maxOffered {
			break
		}
		fr.lead = fmt.Sprintf("*%s* started by <@%s>:", upperFirst(kindName(f.Kind)), f.SlackUser)
		err := stepErr(at)
		if c.underWay(f, at.Name) {
			err, running = &unknownOutcomeError{what: stepWhat(at.Name), err: errUnderWay}, true
		}
		for _, b := range fr.failedReply(ctx, at.Name, err).Blocks {
			if a, ok := b.(*slack.ActionBlock); ok {
				a.BlockID = fmt.Sprintf("%s_%d", a.BlockID, n) // unique within the view
			}
			offered = append(offered, b)
		}
	}
	if len(offered) == 0 {
		return open()
	}
	head := fmt.Sprintf("#%d has work that stopped half-way. Finish it first, so nothing is logged or billed twice.", number)
	if running {
		head = fmt.Sprintf("#%d has work that is not finished. Finish it first, so nothing is logged or billed twice.", number)
	}
	anyway := slack.NewButtonBlockElement(ActionNewForm, form+":"+ticketview.TicketButtonValue(id, number), commands.Plain("Open a new form anyway"))
	blocks := append([]slack.Block{slack.NewSectionBlock(commands.Mrkdwn(head), nil, nil), slack.NewDividerBlock()}, offered...)
	blocks = append(blocks, slack.NewDividerBlock(),
		slack.NewContextBlock("", commands.Mrkdwn("Only open a new form for new work, or when the work above was done in Syncro by hand.")),
		slack.NewActionBlock("new_form", anyway))
	meta := commands.ModalMeta{TicketID: id, Number: number, Channel: channel}
	return commands.Reply{Modal: commands.NewModal("", fmt.Sprintf("Unfinished on #%d", number), "", meta, blocks...)}
}

// errUnderWay is a step whose claim a run of its flow holds now (here,
// or on a replica that may still be writing it): offered in a form, it
// is under way, not stopped by a restart.
var errUnderWay = errors.New("another run of the work holds the step")

// underWay reports whether a run of flow f (here, or on another replica
// that may still be writing: store's in-flight fence) holds its step's
// claim now. A look, not a wait: Wait on a context already ended returns
// at once, with an error only while the claim is held. Before, the bill
// form on the other replica told a bill still charging as "I was
// restarted" (TestE2E_Replicas_TheBillFormOnTheOtherReplicaTellsABillStillRunningAsSo).
func (c *feature) underWay(f store.Flow, step string) bool {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.cfg.Store.Wait(ctx, store.Key(f.ID, step))
	return errors.Is(err, context.Canceled)
}

// newFormAnyway answers ActionNewForm: the form its value names, without
// the offer of Finish in front of it.
func (c *feature) newFormAnyway(ctx context.Context, a commands.Action) commands.Reply {
	form, value, _ := strings.Cut(a.Value, ":")
	id, number, err := ticketview.ParseTicketButtonValue(value)
	if err != nil {
		return commands.AsModal(commands.Reply{Text: "That button doesn't say which ticket it is for; open the ticket again with `/syncro ticket N`."}, "Syncro")
	}
	meta, _ := commands.DecodeMeta(a.PrivateMetadata) // the channel to reply in; none means a DM
	switch form {
	case formBill:
		if !a.Actor.CanBill {
			return commands.AsModal(notBillerReply, "Bill ticket")
		}
		return c.billModal(ctx, id, number, meta.Channel)
	case formClose:
		t, _, err := c.cfg.Syncro.Tickets.Get(ctx, id)
		if err != nil {
			return commands.AsModal(c.cfg.Failure(ctx, err, fmt.Sprintf("read ticket #%d", number)), "Close ticket")
		}
		return c.closeModal(ctx, t, number, meta.Channel)
	case formLogTime:
		return c.logTimeModal(id, number, meta.Channel)
	}
	return commands.AsModal(commands.Reply{Text: "I don't know that form; nothing was changed."}, "Syncro")
}

// finishClick answers Finish. Pressed in a form's offer (formOrFinish),
// the outcome replaces the offer, Finish button and all if it stopped
// again.
func (c *feature) finishClick(ctx context.Context, a commands.Action) commands.Reply {
	r := c.finish(ctx, a)
	if a.ViewID == "" || r.Modal != nil {
		return r
	}
	if len(r.Blocks) == 0 {
		return commands.AsModal(r, "Finish")
	}
	r.Modal = commands.NewModal("", "Finish", "", commands.ModalMeta{}, r.Blocks...)
	return r
}
