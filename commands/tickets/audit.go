package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Audit actions: what the bot wrote to Syncro, as stored and shown by
// /syncro audit.
const (
	auditComment = "comment"
	auditTime    = "time"
	auditCharge  = "charge"
	auditInvoice = "invoice"
	auditStatus  = store.ActionStatus
	auditCreate  = "ticket create"
	auditUpdate  = store.ActionTicketUpdate
)

// auditLimit is how many writes /syncro audit shows: enough for a ticket's
// story, well under Block Kit's text limit.
const auditLimit = 20

// audit records one Syncro write the bot made for actor on ticket number.
// Every write is recorded, failed and unknown ones too: "did the bot bill
// this?" must have an answer. A store error is logged, never shown: the
// write itself already happened.
func (c *feature) audit(ctx context.Context, actor commands.Actor, number int64, action, detail string, err error) {
	_, tech := c.cachedTech(actor)
	c.auditAs(ctx, actor, tech, number, action, detail, err)
}

// auditAs is audit naming tech as the Syncro tech the write is for: a
// flow's tech, whose time it is, whoever pressed its Finish.
func (c *feature) auditAs(ctx context.Context, actor commands.Actor, tech string, number int64, action, detail string, err error) {
	e := store.AuditEntry{
		At: c.cfg.Now(), SlackUser: actor.SlackUserID, SyncroTech: tech,
		Ticket: number, Action: action, Detail: detail, Outcome: store.OutcomeOK,
	}
	if err != nil {
		e.Outcome, e.Error = store.OutcomeFailed, err.Error()
		if isUnknown(err) {
			e.Outcome = store.OutcomeUnknown
		}
	}
	// The log line is the audit trail for whoever reads the bot's logs; the
	// store's copy serves /syncro audit N.
	// The detail quotes what the technician wrote: at INFO only its
	// length and hash, the words at debug.
	c.cfg.Logger.InfoContext(ctx, "syncro write", "ticket", number, "action", action, commands.LogText("detail", detail),
		"outcome", e.Outcome, "slack_user", actor.SlackUserID, "syncro_tech", tech, "err", e.Error)
	c.cfg.Logger.DebugContext(ctx, "syncro write detail", "ticket", number, "action", action, "detail", detail)
	if aerr := c.cfg.Store.Audit(e); aerr != nil {
		c.cfg.Logger.ErrorContext(ctx, "audit not recorded", "ticket", number, "action", action, "err", aerr)
	}
}

// auditCmd answers /syncro audit N: the writes the bot made on the ticket,
// newest first, only to the asker.
func (c *feature) auditCmd(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	entries, err := c.cfg.Store.AuditForTicket(inv.Ticket, auditLimit)
	if err != nil {
		return c.cfg.Failure(ctx, err, fmt.Sprintf("read the audit of #%d", inv.Ticket))
	}
	if len(entries) == 0 {
		return commands.Reply{Text: fmt.Sprintf("I haven't changed #%d in Syncro (or not within the audit's retention).", inv.Ticket)}
	}
	loc := c.cfg.Now().Location()
	if l, err := time.LoadLocation(r.Actor.TimeZone); r.Actor.TimeZone != "" && err == nil {
		loc = l // the tech reads the times in their own zone
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Changes I made to #%d in Syncro, newest first (times in %s):", inv.Ticket, loc)
	for _, e := range entries {
		b.WriteString("\n• " + auditLine(e, loc))
	}
	return commands.Reply{Text: b.String()}
}

// auditLine is one entry: when, who (Slack user and Syncro tech, as plain
// escaped text: an audit never pings anyone), what, and how it went.
func auditLine(e store.AuditEntry, loc *time.Location) string {
	who := slackfmt.PlainText(e.SlackUser, 40)
	if e.SyncroTech != "" {
		who = slackfmt.PlainText(e.SyncroTech, 80) + " (" + who + ")"
	}
	line := fmt.Sprintf("%s %s: %s", e.At.In(loc).Format("2006-01-02 15:04"), slackfmt.MrkdwnLiteral(who), slackfmt.MrkdwnLiteral(e.Action))
	if e.Detail != "" {
		line += " — " + slackfmt.MrkdwnLiteral(slackfmt.PlainText(e.Detail, 200))
	}
	switch e.Outcome {
	case store.OutcomeOK:
		line += " ✓"
	case store.OutcomeUnknown:
		line += " (outcome unknown: " + slackfmt.MrkdwnLiteral(slackfmt.PlainText(e.Error, 120)) + ")"
	default:
		line += " (failed: " + slackfmt.MrkdwnLiteral(slackfmt.PlainText(e.Error, 120)) + ")"
	}
	return line
}

// auditChanges records a ticket update (a status change when the status is
// all that changed).
func (c *feature) auditChanges(ctx context.Context, actor commands.Actor, number int64, changes []fieldChange, err error) {
	action := auditUpdate
	if len(changes) == 1 && changes[0].field == "Status" {
		action = auditStatus
	}
	var parts []string
	for _, ch := range changes {
		parts = append(parts, fmt.Sprintf("%s: %s → %s", ch.field, ch.from, ch.to))
	}
	c.audit(ctx, actor, number, action, strings.Join(parts, "; "), err)
}

// auditCreate records a ticket creation; a failed one is filed under
// ticket 0, as it has no number.
func (c *feature) auditCreate(ctx context.Context, actor commands.Actor, t *syncro.Ticket, req *syncro.TicketRequest, err error) {
	var number int64
	if t != nil {
		number, _ = strconv.ParseInt(t.Number.String(), 10, 64)
	}
	detail := ""
	if req.Subject != nil {
		detail = *req.Subject
	}
	c.audit(ctx, actor, number, auditCreate, detail, err)
}
