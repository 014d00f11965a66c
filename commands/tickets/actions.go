package tickets

import (
	"context"
	"fmt"
	"sync"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/flow"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// The ticket detail's buttons (ActionLogTime, ActionClose, ActionBill in
// read_actions.go) carry TicketButtonValue ("<ticketID>:<number>"), so a
// click needs no lookup by number.

// logTimeSubject is the subject of the comment holding a time entry's notes.
const logTimeSubject = "Time entry"

// feature answers the ticket commands, buttons and forms, and runs
// their recorded flows. It holds what the ticket side remembers between
// requests.
type feature struct {
	cfg commands.Deps
	// techs caches Slack email → Syncro user id, for /syncro mine and for
	// matching a tech before their first time entry (read_techs.go,
	// techs.go).
	techs techCache
	// w is what the write side remembers between requests (timelog.go).
	w writeState
	// fl serializes the flows of one ticket within this process (flow.go).
	fl flow.Locks
	// clock is Syncro's clock as its answers last showed it (readback.go).
	clock syncroClock
	// picks serializes the one-time question's answers within this
	// process, so a menu changed twice before the first answer (techs.go
	// pickTech) checks the Slack user's match and saves it in one step.
	picks sync.Mutex
}

// Register adds the ticket commands, the ticket detail's buttons,
// the write-side modals, the flow's Finish button, and the start hook that
// tells people about flows a restart cut off.
func Register(r *commands.Registry, d commands.Deps) { newFeature(d).register(r) }

// newFeature returns the ticket side on d, with the time-logging
// path it learned before a restart.
func newFeature(d commands.Deps) *feature {
	c := &feature{cfg: d}
	c.fl.Shared = d.Store
	c.loadTimerPath()
	d.Account.OnUsers(c.dropGoneTechs)
	return c
}

// register adds c's interactions to r.
func (c *feature) register(r *commands.Registry) {
	always := func(cmdline.Invocation) bool { return true }
	for _, e := range []commands.Slash{
		{Name: cmdline.NameOpenTickets, Handle: c.openTickets},
		{Name: cmdline.NameTicket, Handle: c.ticket},
		{Name: cmdline.NameSearch, Handle: c.search},
		{Name: cmdline.NameMine, Handle: c.mine},
		{Name: cmdline.NameCreate, Handle: c.create, OpensModal: always},
		// update N with flags writes at once; without, it opens the form.
		{Name: cmdline.NameUpdate, Handle: c.update, OpensModal: func(inv cmdline.Invocation) bool { return len(inv.Flags) == 0 }},
		{Name: cmdline.NameClose, Handle: c.close, OpensModal: always},
		{Name: cmdline.NameComment, Handle: c.comment},
		{Name: cmdline.NameBill, Handle: c.bill, OpensModal: always},
		{Name: cmdline.NameLog, Handle: c.log},
		{Name: cmdline.NameAudit, Handle: c.auditCmd},
		{Name: cmdline.NameWhois, Handle: c.whois},
	} {
		r.Slash(e)
	}

	// The forms that log or bill time offer the Finish of the ticket's
	// unfinished work first (resume.go).
	r.Button(commands.Button{ActionID: ticketview.ActionLogTime, OpensModal: true, Handle: ticketButton("Log time", func(ctx context.Context, a commands.Action, id, number int64) commands.Reply {
		return c.formOrFinish(ctx, formLogTime, id, number, a.ChannelID, func() commands.Reply { return c.logTimeModal(id, number, a.ChannelID) })
	})})
	r.Button(commands.Button{ActionID: ticketview.ActionClose, OpensModal: true, Handle: ticketButton("Close ticket", func(ctx context.Context, a commands.Action, id, number int64) commands.Reply {
		return c.formOrFinish(ctx, formClose, id, number, a.ChannelID, func() commands.Reply {
			t, _, err := c.cfg.Syncro.Tickets.Get(ctx, id)
			if err != nil {
				return commands.AsModal(c.cfg.Failure(ctx, err, fmt.Sprintf("read ticket #%d", number)), "Close ticket")
			}
			return c.closeModal(ctx, t, number, a.ChannelID)
		})
	})})
	r.Button(commands.Button{ActionID: ticketview.ActionBill, OpensModal: true, Handle: ticketButton("Bill ticket", func(ctx context.Context, a commands.Action, id, number int64) commands.Reply {
		if !a.Actor.CanBill {
			return commands.AsModal(notBillerReply, "Bill ticket")
		}
		return c.formOrFinish(ctx, formBill, id, number, a.ChannelID, func() commands.Reply { return c.billModal(ctx, id, number, a.ChannelID) })
	})})
	r.Button(commands.Button{ActionID: ticketview.ActionOpenInSyncro, Link: true})
	r.Button(commands.Button{ActionID: ActionFinish, Handle: c.finishClick})
	// Clicked in a form's offer, whose view it replaces with the form.
	r.Button(commands.Button{ActionID: ActionNewForm, Handle: c.newFormAnyway})
	// The question before a retyped write is sent again (retype.go).
	r.Button(commands.Button{ActionID: ActionLogAgain, Handle: c.logAgain})
	r.Button(commands.Button{ActionID: ActionDontLogAgain, Handle: c.dontLogAgain})
	// A bill stopped because its form's time changed (billshown.go).
	r.Button(commands.Button{ActionID: ActionBillNewTotal, Handle: c.billNewTotal})
	// The one-time question of whose time it is (techs.go).
	r.Button(commands.Button{ActionID: ActionTechPick, Handle: c.pickTech})
	r.OnStart(c.tellUnfinished)
	// The Home tab and the summaries show the tech's own (commands/home).
	r.TechFinder(c.matchedTechID)
	c.registerConversations(r)
	c.registerAddToTicket(r)
	c.registerUnfurls(r)

	r.Modal(commands.Modal{CallbackID: commands.CallbackCreate, Validate: c.validateCreate, Submit: c.submitCreate})
	r.Modal(commands.Modal{CallbackID: commands.CallbackUpdate, Validate: validateDue, Submit: c.submitUpdate})
	r.Modal(commands.Modal{CallbackID: commands.CallbackClose, Submit: c.withCard(c.submitClose), Validate: func(s commands.Submission, errs commands.FieldErrors) {
		commands.ValidateText(s, commands.BlockResolution, true, cmdline.MaxCommentLen, "resolution", errs)
		c.validateTime(s, false, errs)
	}})
	r.Modal(commands.Modal{CallbackID: commands.CallbackBill, Submit: c.withCard(c.submitBill), Validate: func(s commands.Submission, errs commands.FieldErrors) {
		meta, _ := commands.DecodeMeta(s.PrivateMetadata)
		c.validateTime(s, meta.Uncharged == 0, errs)
		commands.ValidateText(s, commands.BlockNotes, false, cmdline.MaxCommentLen, "work notes", errs)
	}})
	r.Modal(commands.Modal{CallbackID: commands.CallbackLogTime, Submit: c.withCard(c.submitLogTime), Validate: func(s commands.Submission, errs commands.FieldErrors) {
		c.validateTime(s, true, errs)
		commands.ValidateText(s, commands.BlockNotes, false, cmdline.MaxCommentLen, "notes", errs)
	}})
}

// ticketButton reads the ticket a detail button is for from its value and
// answers with open's form. These clicks write nothing (the form's
// submission does, under its own dedup key), so a double-click at most
// opens the form twice.
func ticketButton(title string, open func(ctx context.Context, a commands.Action, id, number int64) commands.Reply) func(context.Context, commands.Action) commands.Reply {
	return func(ctx context.Context, a commands.Action) commands.Reply {
		id, number, err := ticketview.ParseTicketButtonValue(a.Value)
		if err != nil {
			return commands.AsModal(commands.Reply{Text: "That button doesn't say which ticket it is for; open the ticket again with `" + cmdline.SlashCommand + " ticket N`."}, "Syncro")
		}
		return open(ctx, a, id, number)
	}
}

// logTimeModal is the "Log time" form; it needs no Syncro call because
// the button carries the ticket id.
func (c *feature) logTimeModal(ticketID, number int64, channel string) commands.Reply {
	meta := commands.ModalMeta{TicketID: ticketID, Number: number, Channel: channel}
	v := commands.NewModal(commands.CallbackLogTime, fmt.Sprintf("Log time on #%d", number), "Log time", meta,
		commands.InputBlock(commands.BlockMinutes, "Time spent", "Like 45, 1h30m or 1.5h.", commands.TextInput(commands.BlockMinutes, "45m", "", false, 20), false),
		commands.InputBlock(commands.BlockLabor, "Labor type", "", c.laborSelect(labor.DefaultKind), false),
		commands.InputBlock(commands.BlockNotes, "Notes", "Internal; saved on the ticket with the time.", commands.TextInput(commands.BlockNotes, "What was done", "", true, slackfmt.MaxSectionText), true),
	)
	return commands.Reply{Modal: v}
}

// submitLogTime logs the time as an internal comment with time, as a
// recorded flow (comment → time) so a failure after the comment gets a
// Finish button instead of a retry that would post the notes twice.
//
// Syncro calls: 4 (the comments before, comment, the ticket's timers
// before, timer_entry in the tech's name), plus the tech's match before
// their first time entry (techs.go).
func (c *feature) submitLogTime(ctx context.Context, s commands.Submission, meta commands.ModalMeta) commands.Reply {
	notes := commands.InputText(s, commands.BlockNotes)
	te, err := c.timeFromSubmission(s, notes)
	if err != nil || te == nil {
		return commands.Reply{Text: "Enter the time spent, like 45 or 1h30m. Nothing was saved."}
	}
	body := notes
	if body == "" {
		body = fmt.Sprintf("Logged %d min.", te.Minutes)
	}
	p := flowParams{
		TicketID: meta.TicketID, Number: meta.Number,
		Subject: logTimeSubject, Body: body, Hidden: true, DoNotEmail: true,
		Minutes: te.Minutes, ProductID: te.ProductID, TimerNotes: te.Notes, Channel: meta.Channel,
		Retype: retypeKey(s.Actor, meta.TicketID, notes, te.Minutes, te.ProductID),
	}
	if q := c.whoseTime(ctx, s.Actor, &p); q != nil {
		return *q
	}
	return c.startFlow(ctx, commands.SubmissionKey(s), flowLogTime, []string{stepComment, stepTime}, p, s.Actor)
}
