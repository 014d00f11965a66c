package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// Read-side handlers: lists, ticket detail, search, customers. They only
// read Syncro, and their replies are ephemeral (Reply.InChannel false):
// ticket and customer data is for the tech who asked, and bot keeps shared
// channels ephemeral anyway.
//
// Call budgets (asserted in tickets_read_test.go):
//   - open tickets: one GET /tickets per 100 open tickets. Statuses are
//     ordered alphabetically rather than in the account's order from
//     /tickets/settings, which would cost a call on every list and could
//     not be matched by mine and search within their budgets.
//   - ticket N: FindByNumber + Get (which embeds comments, timers and line
//     items), plus GET /invoices only when a line item was invoiced.
//   - search: one GET /tickets (the first 100 matches).
//   - customers: one GET /customers, plus the open-ticket listing (one call
//     per 100 open tickets) grouped by customer, only when some matched.
//   - mine: one GET /tickets per 100 of the tech's open tickets once the
//     tech is known; the first time, GET /users and GET /users/{id} until
//     the email matches (cached in Commands.techs).

// openTickets lists every open ticket (status "Not Closed", all pages).
func (c *Commands) openTickets(ctx context.Context, r Request, inv Invocation) Reply {
	tickets, err := syncro.Collect(c.cfg.Syncro.Tickets.All(ctx, &syncro.TicketListOptions{Status: syncro.StatusNotClosed}))
	if err != nil {
		return c.failure(ctx, fmt.Errorf("list open tickets: %w", err), "list the open tickets")
	}
	if len(tickets) == 0 {
		return Reply{Text: "No open tickets in Syncro."}
	}
	return renderTicketList(countNoun(len(tickets), "open ticket", "open tickets"), "", tickets)
}

// help shows the whole listing, or one subcommand's usage and flags.
func (c *Commands) help(ctx context.Context, r Request, inv Invocation) Reply {
	name := strings.TrimSpace(inv.Text)
	if name == "" {
		return Reply{Text: slackfmt.EscapeMrkdwn(HelpText()), Blocks: HelpBlocks()}
	}
	cmd := Lookup(name)
	if cmd == nil {
		msg := "There's no subcommand " + code(name) + "."
		var names []string
		for _, k := range reg.list {
			if k.Name != "" {
				names = append(names, k.Name)
			}
		}
		if s, ok := Suggest(strings.ToLower(name), names); ok {
			msg += " Did you mean " + code(s) + "?"
		}
		return Reply{Text: msg + " Try " + code(SlashCommand+" help") + " for the list."}
	}
	text := cmd.HelpText()
	return Reply{
		Text:   slackfmt.EscapeMrkdwn(text),
		Blocks: []slack.Block{textSection("```" + slackfmt.EscapeMrkdwn(text) + "```")},
	}
}

// ticket shows one ticket with its latest comments, time and billing.
func (c *Commands) ticket(ctx context.Context, r Request, inv Invocation) Reply {
	doing := fmt.Sprintf("show ticket #%d", inv.Ticket)
	found, err := c.findTicket(ctx, inv.Ticket)
	if err != nil {
		return c.failure(ctx, err, doing)
	}
	t, _, err := c.cfg.Syncro.Tickets.Get(ctx, found.ID)
	if err != nil {
		return c.failure(ctx, fmt.Errorf("get ticket #%d: %w", inv.Ticket, err), doing)
	}
	var invoices []syncro.Invoice
	// Line items say whether they were invoiced but not by which invoice;
	// the extra call is made only when there is an invoice to name.
	if slices.ContainsFunc(t.LineItems, func(li syncro.TicketLineItem) bool { return li.Converted }) {
		invoices, err = c.cfg.Syncro.Invoices.ForTicket(ctx, t.ID)
		if err != nil {
			return c.failure(ctx, fmt.Errorf("invoices of ticket #%d: %w", inv.Ticket, err), doing)
		}
	}
	return renderTicket(ticketView{
		Ticket:   t,
		Invoices: invoices,
		Now:      c.cfg.Now(),
		Labor:    c.cfg.Labor,
		WebURL:   c.cfg.WebURL,
		CanBill:  r.Actor.CanBill,
	})
}

// search lists tickets matching the words, open or closed: the first page
// of Syncro's query search (newest 100), which is one call.
func (c *Commands) search(ctx context.Context, r Request, inv Invocation) Reply {
	words := strings.Join(strings.Fields(inv.Text), " ")
	tickets, resp, err := c.cfg.Syncro.Tickets.List(ctx, &syncro.TicketListOptions{Query: words})
	if err != nil {
		return c.failure(ctx, fmt.Errorf("search tickets: %w", err), "search the tickets")
	}
	if len(tickets) == 0 {
		return Reply{Text: "No tickets match “" + slackfmt.EscapeMrkdwn(words) + "”."}
	}
	total := len(tickets)
	if resp != nil && resp.Meta != nil && resp.Meta.TotalEntries > total {
		total = resp.Meta.TotalEntries
	}
	note := ""
	if total > len(tickets) {
		note = fmt.Sprintf("Showing the newest %d; add words to narrow it down.", len(tickets))
	}
	title := fmt.Sprintf("%s matching “%s”", countNoun(total, "ticket", "tickets"), words)
	return renderTicketList(title, note, tickets)
}

// customers lists customers matching the words with their open tickets.
func (c *Commands) customers(ctx context.Context, r Request, inv Invocation) Reply {
	words := strings.Join(strings.Fields(inv.Text), " ")
	found, resp, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Query: words})
	if err != nil {
		return c.failure(ctx, fmt.Errorf("search customers: %w", err), "search the customers")
	}
	if len(found) == 0 {
		return Reply{Text: "No customers match “" + slackfmt.EscapeMrkdwn(words) + "”."}
	}
	total := len(found)
	if resp != nil && resp.Meta != nil && resp.Meta.TotalEntries > total {
		total = resp.Meta.TotalEntries
	}
	// One listing of open tickets, counted per customer, instead of one
	// call per customer.
	open := map[int64]int{}
	for t, err := range c.cfg.Syncro.Tickets.All(ctx, &syncro.TicketListOptions{Status: syncro.StatusNotClosed}) {
		if err != nil {
			return c.failure(ctx, fmt.Errorf("count open tickets: %w", err), "search the customers")
		}
		open[t.CustomerID]++
	}
	return renderCustomers(words, found, total, open)
}

// mine lists the open tickets assigned to the tech asking, found by the
// email Slack gave for them.
func (c *Commands) mine(ctx context.Context, r Request, inv Invocation) Reply {
	email := strings.TrimSpace(r.Actor.Email)
	if email == "" {
		return Reply{Text: "I couldn't match you to a Syncro tech: Slack didn't share your email with me (the app needs the users:read.email scope)."}
	}
	id, err := c.techByEmail(ctx, email)
	if err != nil {
		return c.failure(ctx, fmt.Errorf("find tech %s: %w", email, err), "find your Syncro account")
	}
	if id == 0 {
		return Reply{Text: "I couldn't match your Slack email (" + slackfmt.EscapeMrkdwn(email) + ") to a Syncro tech."}
	}
	tickets, err := syncro.Collect(c.cfg.Syncro.Tickets.All(ctx, &syncro.TicketListOptions{Status: syncro.StatusNotClosed, UserID: id}))
	if err != nil {
		return c.failure(ctx, fmt.Errorf("list tickets of user %d: %w", id, err), "list your open tickets")
	}
	// Guard against a server that ignores user_id: only the tech's own.
	tickets = slices.DeleteFunc(tickets, func(t syncro.Ticket) bool { return t.UserID == nil || *t.UserID != id })
	if len(tickets) == 0 {
		return Reply{Text: "You have no open tickets assigned in Syncro."}
	}
	return renderTicketList(countNoun(len(tickets), "open ticket", "open tickets")+" assigned to you", "", tickets)
}
