package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/mirror"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// Read-side handlers: lists, ticket detail, search, customers. They only
// read Syncro, and their replies are ephemeral (Reply.InChannel false):
// ticket and customer data is for the tech who asked, and bot keeps shared
// channels ephemeral anyway.
//
// Call budgets (asserted in tickets_read_test.go with a cold mirror, and
// through run in cmd/bot with the mirror the bot fills at start):
//   - open tickets: none from the open-ticket mirror (Deps.Reads); while
//     it is cold, one GET /tickets per 100 open tickets. Statuses are
//     ordered alphabetically rather than in the account's order from
//     /tickets/settings, which would cost a call on every list.
//   - ticket N: Get (which embeds comments, timers and line items), plus
//     FindByNumber unless the ticket is open (the mirror knows its id) or
//     its number was looked up before, plus GET /invoices only when a
//     line item was invoiced. Each is shared with concurrent identical
//     reads and kept a few seconds (Deps.Reads).
//   - search: one GET /tickets (the first 100 matches), shared and kept
//     like ticket N; the open matches come from the mirror (cold: one
//     more call, for the open matches' page, when more than 100 match).
//   - customers: one GET /customers; the open-ticket counts come from the
//     mirror (cold: one listing per 100 open tickets, only when some
//     matched).
//   - mine: none from the mirror once the tech is known; the first time,
//     GET /users and GET /users/{id} until the email matches (cached in
//     Commands.techs).

// openTickets lists every open ticket (status "Not Closed", all pages).
func (c *feature) openTickets(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	tickets, note, err := c.cfg.OpenTickets(ctx, nil, &syncro.TicketListOptions{})
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("list open tickets: %w", err), "list the open tickets")
	}
	if len(tickets) == 0 {
		return commands.Reply{Text: withNote("No open tickets in Syncro.", note)}
	}
	return ticketview.RenderTicketList(commands.CountNoun(len(tickets), "open ticket", "open tickets"), note, tickets)
}

// withNote is text with the mirror's stale note after it, if any.
func withNote(text, note string) string {
	if note == "" {
		return text
	}
	return text + " " + note
}

// ticket shows one ticket with its latest comments, time and billing.
func (c *feature) ticket(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	doing := fmt.Sprintf("show ticket #%d", inv.Ticket)
	id, err := c.cfg.Reads.TicketID(ctx, fmt.Sprint(inv.Ticket))
	if errors.Is(err, syncro.ErrNotFound) {
		return c.cfg.Failure(ctx, &commands.TicketNotFoundError{Number: inv.Ticket}, doing)
	}
	if err != nil {
		return c.cfg.Failure(ctx, err, doing)
	}
	t, err := c.cfg.Reads.Ticket(ctx, id)
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("get ticket #%d: %w", inv.Ticket, err), doing)
	}
	var invoices []syncro.Invoice
	// Line items say whether they were invoiced but not by which invoice;
	// the extra call is made only when there is an invoice to name.
	if slices.ContainsFunc(t.LineItems, func(li syncro.TicketLineItem) bool { return li.Converted }) {
		invoices, err = c.cfg.Reads.InvoicesFor(ctx, t.ID)
		if err != nil {
			return c.cfg.Failure(ctx, fmt.Errorf("invoices of ticket #%d: %w", inv.Ticket, err), doing)
		}
	}
	return c.renderCard(t, invoices, r.Actor)
}

// renderCard is the ticket card (the detail with its buttons) of t as
// actor sees it.
func (c *feature) renderCard(t *syncro.Ticket, invoices []syncro.Invoice, actor commands.Actor) commands.Reply {
	return ticketview.RenderTicket(ticketview.TicketView{
		Ticket:   t,
		Invoices: invoices,
		Now:      c.cfg.Now(),
		Labor:    c.cfg.Labor,
		WebURL:   c.cfg.WebURL,
		CanBill:  actor.CanBill,
		Currency: c.cfg.Account.Currency(),
	})
}

// withCard makes submit's reply carry the ticket card as it reads after
// the write, when the form was opened from the card (Log time, Close,
// Make invoice), so bot replaces the card in place: it never shows stale
// totals, or "Make invoice" on an invoiced ticket.
//
// Syncro calls: 1 more (the ticket), 2 when it has invoiced line items;
// both read Syncro itself, never the coalesced reads (Deps.Reads), which
// may still hold the ticket as it was before the write.
func (c *feature) withCard(submit func(context.Context, commands.Submission, commands.ModalMeta) commands.Reply) func(context.Context, commands.Submission, commands.ModalMeta) commands.Reply {
	return func(ctx context.Context, s commands.Submission, meta commands.ModalMeta) commands.Reply {
		r := submit(ctx, s, meta)
		if !s.FromMessage || meta.TicketID == 0 {
			return r
		}
		t, _, err := c.cfg.Syncro.Tickets.Get(ctx, meta.TicketID)
		if err != nil {
			c.cfg.Logger.WarnContext(ctx, "card not refreshed: ticket not read", "ticket", meta.Number, "err", err)
			return r
		}
		var invoices []syncro.Invoice
		if slices.ContainsFunc(t.LineItems, func(li syncro.TicketLineItem) bool { return li.Converted }) {
			if invoices, err = c.cfg.Syncro.Invoices.ForTicket(ctx, t.ID); err != nil {
				c.cfg.Logger.WarnContext(ctx, "card not refreshed: invoices not read", "ticket", meta.Number, "err", err)
				return r
			}
		}
		card := c.renderCard(t, invoices, s.Actor)
		r.Card = &commands.Message{Text: card.Text, Blocks: card.Blocks}
		return r
	}
}

// search lists tickets matching the words, open or closed: the first page
// of Syncro's query search (newest 100), which is one call, and every open
// match the open-ticket mirror holds, which costs none.
func (c *feature) search(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	words := strings.Join(strings.Fields(inv.Text), " ")
	found, err := c.cfg.Reads.Search(ctx, words)
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("search tickets: %w", err), "search the tickets")
	}
	tickets := slices.Clone(found.Tickets)
	cut := found.Total > len(tickets)
	// The newest page can be all done tickets while older open ones match
	// too; "open ones first" (README) needs those: from the mirror, or
	// while it is cold and the page was cut off, the open matches' page.
	if s, ok := c.cfg.Reads.Open(func(t *syncro.Ticket) bool { return mirror.Matches(t, words) }); ok {
		tickets = withOpenMatches(tickets, s.Tickets)
	} else if cut {
		open, _, err := c.cfg.Syncro.Tickets.List(ctx, &syncro.TicketListOptions{Query: words, Status: syncro.StatusNotClosed})
		if err != nil {
			return c.cfg.Failure(ctx, fmt.Errorf("search open tickets: %w", err), "search the tickets")
		}
		tickets = withOpenMatches(tickets, open)
	}
	if len(tickets) == 0 {
		return commands.Reply{Text: "No tickets match “" + slackfmt.EscapeMrkdwn(words) + "”."}
	}
	total := max(found.Total, len(tickets))
	note := ""
	if cut {
		note = fmt.Sprintf("Showing the newest %d and the open ones; add words to narrow it down.", len(found.Tickets))
	}
	title := fmt.Sprintf("%s matching “%s”", commands.CountNoun(total, "ticket", "tickets"), words)
	return ticketview.RenderTicketList(title, note, tickets)
}

// withOpenMatches adds to newest the open tickets of open it lacks;
// "Not Closed" can return done tickets too, so they are judged by name.
func withOpenMatches(newest, open []syncro.Ticket) []syncro.Ticket {
	for _, t := range open {
		if syncro.IsClosedStatus(t.Status) || slices.ContainsFunc(newest, func(n syncro.Ticket) bool { return n.ID == t.ID }) {
			continue
		}
		newest = append(newest, t)
	}
	return newest
}

// mine lists the open tickets assigned to the tech asking, found by the
// email Slack gave for them.
func (c *feature) mine(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	email := strings.TrimSpace(r.Actor.Email)
	// The tech's match (techs.go): their email, their pick or an admin's.
	m, ok, err := c.matchTech(ctx, r.Actor)
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("find tech %s: %w", email, err), "find your Syncro account")
	}
	id := m.SyncroUser
	switch {
	case !ok && email == "":
		return commands.Reply{Text: "I couldn't match you to a Syncro tech: Slack didn't share your email with me (the app needs the users:read.email scope)."}
	case !ok:
		return commands.Reply{Text: "I couldn't match your Slack email (" + slackfmt.EscapeMrkdwn(email) + ") to a Syncro tech."}
	}
	// The check on user_id also guards against a server that ignores the
	// filter on the live listing: only the tech's own.
	assigned := func(t *syncro.Ticket) bool { return t.UserID != nil && *t.UserID == id }
	tickets, note, err := c.cfg.OpenTickets(ctx, assigned, &syncro.TicketListOptions{UserID: id})
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("list tickets of user %d: %w", id, err), "list your open tickets")
	}
	if len(tickets) == 0 {
		return commands.Reply{Text: withNote("You have no open tickets assigned in Syncro.", note)}
	}
	return ticketview.RenderTicketList(commands.CountNoun(len(tickets), "open ticket", "open tickets")+" assigned to you", note, tickets)
}

// findTicket resolves the number a tech typed to the ticket (and so its
// Syncro id). Numbers are never used as ids.
func (c *feature) findTicket(ctx context.Context, number int64) (*syncro.Ticket, error) {
	t, _, err := c.cfg.Syncro.Tickets.FindByNumber(ctx, fmt.Sprint(number))
	if errors.Is(err, syncro.ErrNotFound) {
		return nil, &commands.TicketNotFoundError{Number: number}
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}
