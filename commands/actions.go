package commands

import (
	"context"
	"fmt"

	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// The ticket detail's buttons (ActionLogTime, ActionClose, ActionBill in
// read_actions.go) carry TicketButtonValue ("<ticketID>:<number>"), so a
// click needs no lookup by number.

// logTimeSubject is the subject of the comment holding a time entry's notes.
const logTimeSubject = "Time entry"

// actionOpensModal reports whether a click answers with a modal.
func actionOpensModal(actionID string) bool {
	switch actionID {
	case ActionLogTime, ActionClose, ActionBill:
		return true
	case ActionCustomerFixForm:
		return true
	}
	return false
}

// action answers a click on a ticket button with the matching form. These
// clicks write nothing (the form's submission does, under its own dedup
// key), so a double-click at most opens the form twice.
func (c *Commands) action(ctx context.Context, a Action) Reply {
	if r, ok := c.customerAction(ctx, a); ok {
		return r
	}
	if !actionOpensModal(a.ActionID) {
		return Reply{Text: "I don't know that button; nothing was changed."}
	}
	id, number, err := ParseTicketButtonValue(a.Value)
	if err != nil {
		return asModal(Reply{Text: "That button doesn't say which ticket it is for; open the ticket again with `" + SlashCommand + " ticket N`."}, "Syncro")
	}
	switch a.ActionID {
	case ActionLogTime:
		return c.logTimeModal(id, number, a.ChannelID)
	case ActionClose:
		t, _, err := c.cfg.Syncro.Tickets.Get(ctx, id)
		if err != nil {
			return asModal(c.failure(ctx, err, fmt.Sprintf("read ticket #%d", number)), "Close ticket")
		}
		return c.closeModal(ctx, t, number, a.ChannelID)
	default: // ActionBill
		if !a.Actor.CanBill {
			return asModal(notBillerReply, "Bill ticket")
		}
		return c.billModal(ctx, id, number, a.ChannelID)
	}
}

// logTimeModal is the "Log time" form; it needs no Syncro call because
// the button carries the ticket id.
func (c *Commands) logTimeModal(ticketID, number int64, channel string) Reply {
	meta := modalMeta{TicketID: ticketID, Number: number, Channel: channel}
	v := newModal(CallbackLogTime, fmt.Sprintf("Log time on #%d", number), "Log time", meta,
		inputBlock(BlockMinutes, "Time spent", "Like 45, 1h30m or 1.5h.", textInput(BlockMinutes, "45m", "", false, 20), false),
		inputBlock(BlockLabor, "Labor type", "", c.laborSelect(labor.DefaultKind), false),
		inputBlock(BlockNotes, "Notes", "Internal; saved on the ticket with the time.", textInput(BlockNotes, "What was done", "", true, slackfmt.MaxSectionText), true),
	)
	return Reply{Modal: v}
}

// submitLogTime logs the time as an internal comment with time, as a
// recorded flow (comment → time) so a failure after the comment gets a
// Finish button instead of a retry that would post the notes twice.
//
// Syncro calls: 2 when comments carry time (comment, read-back), 3 on the
// first fallback, 2 on the known timer path (comment, timer_entry).
func (c *Commands) submitLogTime(ctx context.Context, s Submission, meta modalMeta) Reply {
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
