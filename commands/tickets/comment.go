package tickets

import (
	"context"
	"fmt"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
)

// commentSubject is the subject of comments added with /syncro comment;
// Syncro requires one and the web UI uses "Update" for the same purpose.
const commentSubject = "Update"

// comment adds a comment to a ticket, logging time with it when --time is
// given. Everything the tech typed is checked before the first call, so a
// bad --labor sends nothing.
//
// Syncro calls: 3 without time (find, the comments before, comment); 5
// with time (plus the ticket's timers before, timer_entry in the tech's
// name), and before a tech's first time entry GET /users and one GET
// /users/{id} per user until their email is found (techs.go).
// Naming a labor product not yet learned from a ticket's line items costs
// one GET /products/{id}, once per product per process.
func (c *feature) comment(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	var te *timeEntry
	kind, laborGiven := inv.Flag(cmdline.FlagLabor)
	switch {
	case inv.Minutes > 0:
		pid, err := commands.LookupLabor(c.cfg.Labor, kind)
		if err != nil {
			return commands.Reply{Text: commands.UsageMessage(err) + " Nothing was sent to Syncro."}
		}
		te = &timeEntry{Minutes: inv.Minutes, ProductID: pid, Notes: notesHead(inv.Text)}
	case laborGiven:
		return commands.Reply{Text: "`--labor` only says what kind of time `--time` is; add `--time`, like `--time 45m`. Nothing was sent to Syncro."}
	}
	hidden, noEmail := inv.Bool(cmdline.FlagHidden), inv.Bool(cmdline.FlagNoEmail)
	t, err := c.findTicket(ctx, inv.Ticket)
	if err != nil {
		return c.cfg.Failure(ctx, err, fmt.Sprintf("find ticket #%d", inv.Ticket))
	}
	p := flowParams{
		TicketID: t.ID, Number: inv.Ticket,
		Subject: commentSubject, Body: inv.Text, Hidden: hidden,
		// A hidden note is never emailed: it is meant for techs only.
		DoNotEmail: noEmail || hidden,
		// A restart tells of it here, where it was typed (tellUnfinished).
		Channel: r.ChannelID,
	}
	steps := []string{stepComment}
	if te != nil {
		p.Minutes, p.ProductID, p.TimerNotes = te.Minutes, te.ProductID, te.Notes
		steps = append(steps, stepTime)
	}
	if q := c.whoseTime(ctx, r.Actor, &p); q != nil {
		return *q
	}
	p.Retype = retypeKey(r.Actor, t.ID, inv.Text, p.Minutes, p.ProductID)
	if r.EnvelopeID == "" {
		// No envelope (a direct call): nothing to deduplicate against, so
		// the flow key is fresh.
		return c.startFlow(ctx, "slash:"+commands.NewErrorID()+commands.NewErrorID(), flowComment, steps, p, r.Actor)
	}
	key := commands.SlashKey(r, cmdline.NameComment, inv.Ticket, inv.Minutes, inv.Text)
	return c.cfg.Once(ctx, key, func() commands.Reply { return c.startFlow(ctx, key, flowComment, steps, p, r.Actor) },
		commands.SamePrior("That command is already being saved; I didn't run it a second time."))
}
