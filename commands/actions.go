package commands

import (
	"context"
	"fmt"
)

// The ticket detail's buttons (ActionLogTime, ActionClose, ActionBill in
// read_actions.go) carry TicketButtonValue ("<ticketID>:<number>"), so a
// click needs no lookup by number.

// logTimeSubject is the subject of the comment holding a time entry's notes.
const logTimeSubject = "Time entry"

// ticketsFeature answers the ticket commands, buttons and forms, and runs
// their recorded flows. It holds what the ticket side remembers between
// requests.
type ticketsFeature struct {
	cfg   Deps
	techs techCache // Slack email → Syncro user id, for /syncro mine (read_techs.go)
	// resolver fills techs in the background (Deps.ResolveTechs).
	resolver techResolver
	// w is what the write side remembers between requests (timelog.go).
	w writeState
	// fl is the flow runner's state (flow.go).
	fl flowState
}

// registerTickets adds the ticket commands, the ticket detail's buttons,
// the write-side modals and the flow's Finish button.
func registerTickets(r *Registry, d Deps) { newTicketsFeature(d).register(r) }

// newTicketsFeature returns the ticket side on d, with the time-logging
// path it learned before a restart.
func newTicketsFeature(d Deps) *ticketsFeature {
	c := &ticketsFeature{cfg: d}
	c.loadTimerPath()
	return c
}

// register adds c's interactions to r.
func (c *ticketsFeature) register(r *Registry) {
	always := func(Invocation) bool { return true }
	for _, e := range []Slash{
		{Name: NameOpenTickets, Handle: c.openTickets},
		{Name: NameTicket, Handle: c.ticket},
		{Name: NameSearch, Handle: c.search},
		{Name: NameMine, Handle: c.mine},
		{Name: NameCreate, Handle: c.create, OpensModal: always},
		// update N with flags writes at once; without, it opens the form.
		{Name: NameUpdate, Handle: c.update, OpensModal: func(inv Invocation) bool { return len(inv.Flags) == 0 }},
		{Name: NameClose, Handle: c.close, OpensModal: always},
		{Name: NameComment, Handle: c.comment},
		{Name: NameBill, Handle: c.bill, OpensModal: always},
		{Name: NameLog, Handle: c.log},
		{Name: NameAudit, Handle: c.auditCmd},
	} {
		r.Slash(e)
	}

	r.Button(Button{ActionID: ActionLogTime, OpensModal: true, Handle: ticketButton("Log time", func(_ context.Context, a Action, id, number int64) Reply {
		return c.logTimeModal(id, number, a.ChannelID)
	})})
	r.Button(Button{ActionID: ActionClose, OpensModal: true, Handle: ticketButton("Close ticket", func(ctx context.Context, a Action, id, number int64) Reply {
		t, _, err := c.cfg.Syncro.Tickets.Get(ctx, id)
		if err != nil {
			return asModal(c.cfg.failure(ctx, err, fmt.Sprintf("read ticket #%d", number)), "Close ticket")
		}
		return c.closeModal(ctx, t, number, a.ChannelID)
	})})
	r.Button(Button{ActionID: ActionBill, OpensModal: true, Handle: ticketButton("Bill ticket", func(ctx context.Context, a Action, id, number int64) Reply {
		if !a.Actor.CanBill {
			return asModal(notBillerReply, "Bill ticket")
		}
		return c.billModal(ctx, id, number, a.ChannelID)
	})})
	r.Button(Button{ActionID: ActionOpenInSyncro, Link: true})
	r.Button(Button{ActionID: ActionFinish, Handle: c.finish})

	r.Modal(Modal{CallbackID: CallbackCreate, Validate: c.validateCreate, Submit: c.submitCreate})
	r.Modal(Modal{CallbackID: CallbackUpdate, Validate: validateDue, Submit: c.submitUpdate})
	r.Modal(Modal{CallbackID: CallbackClose, Submit: c.submitClose, Validate: func(s Submission, errs FieldErrors) {
		validateText(s, BlockResolution, true, MaxCommentLen, "resolution", errs)
		c.validateTime(s, false, errs)
	}})
	r.Modal(Modal{CallbackID: CallbackBill, Submit: c.submitBill, Validate: func(s Submission, errs FieldErrors) {
		meta, _ := decodeMeta(s.PrivateMetadata)
		c.validateTime(s, meta.Uncharged == 0, errs)
		validateText(s, BlockNotes, false, MaxCommentLen, "work notes", errs)
	}})
	r.Modal(Modal{CallbackID: CallbackLogTime, Submit: c.submitLogTime, Validate: func(s Submission, errs FieldErrors) {
		c.validateTime(s, true, errs)
		validateText(s, BlockNotes, false, MaxCommentLen, "notes", errs)
	}})
}

// ticketButton reads the ticket a detail button is for from its value and
// answers with open's form. These clicks write nothing (the form's
// submission does, under its own dedup key), so a double-click at most
// opens the form twice.
func ticketButton(title string, open func(ctx context.Context, a Action, id, number int64) Reply) func(context.Context, Action) Reply {
	return func(ctx context.Context, a Action) Reply {
		id, number, err := ParseTicketButtonValue(a.Value)
		if err != nil {
			return asModal(Reply{Text: "That button doesn't say which ticket it is for; open the ticket again with `" + SlashCommand + " ticket N`."}, "Syncro")
		}
		return open(ctx, a, id, number)
	}
}

// logTimeModal is the "Log time" form; it needs no Syncro call because
// the button carries the ticket id.
func (c *ticketsFeature) logTimeModal(ticketID, number int64, channel string) Reply {
	meta := ModalMeta{TicketID: ticketID, Number: number, Channel: channel}
	v := newModal(CallbackLogTime, fmt.Sprintf("Log time on #%d", number), "Log time", meta,
		inputBlock(BlockMinutes, "Time spent", "Like 45, 1h30m or 1.5h.", textInput(BlockMinutes, "45m", "", false, 20), false),
		inputBlock(BlockLabor, "Labor type", "", c.laborSelect(DefaultLaborKind), false),
		inputBlock(BlockNotes, "Notes", "Internal; saved on the ticket with the time.", textInput(BlockNotes, "What was done", "", true, MaxSectionText), true),
	)
	return Reply{Modal: v}
}

// submitLogTime logs the time as an internal comment with time, as a
// recorded flow (comment → time) so a failure after the comment gets a
// Finish button instead of a retry that would post the notes twice.
//
// Syncro calls: 2 when comments carry time (comment, read-back), 3 on the
// first fallback, 2 on the known timer path (comment, timer_entry).
func (c *ticketsFeature) submitLogTime(ctx context.Context, s Submission, meta ModalMeta) Reply {
	notes := inputText(s, BlockNotes)
	te, err := c.timeFromSubmission(s, notes)
	if err != nil || te == nil {
		return Reply{Text: "Enter the time spent, like 45 or 1h30m. Nothing was saved."}
	}
	body := notes
	if body == "" {
		body = fmt.Sprintf("Logged %d min.", te.Minutes)
	}
	p := flowParams{
		TicketID: meta.TicketID, Number: meta.Number,
		Subject: logTimeSubject, Body: body, Hidden: true, DoNotEmail: true,
		Minutes: te.Minutes, ProductID: te.ProductID, TimerNotes: te.Notes, Channel: meta.Channel,
	}
	p.TechUserID, p.Tech = c.cachedTech(s.Actor)
	return c.startFlow(ctx, submissionKey(s), flowLogTime, []string{stepComment, stepTime}, p, s.Actor)
}
