package customers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Channels linked to customers: /syncro link, unlink, links and here. A
// link is the bot's own record (store.ChannelLinks); Syncro holds nothing
// of it. In a linked channel the forms and lists start from its customer
// (LinkedCustomer).

// registerLinks adds the channel-link commands.
func (c *feature) registerLinks(r *commands.Registry) {
	for _, e := range []commands.Slash{
		{Name: cmdline.NameLink, Handle: c.link},
		{Name: cmdline.NameUnlink, Handle: c.unlink},
		{Name: cmdline.NameLinks, Handle: c.links},
		{Name: cmdline.NameHere, Handle: c.here},
	} {
		r.Slash(e)
	}
}

// channelRef is a channel as Slack shows it in a message: its name,
// linked.
func channelRef(id string) string { return "<#" + id + ">" }

// notAChannel says why a command about "this channel" cannot run where it
// was typed, or "" when it can: a direct message belongs to no customer.
func notAChannel(channelID string) string {
	if channelID == "" || strings.HasPrefix(channelID, "D") {
		return "Run this in the channel itself; a direct message can't be linked to a customer."
	}
	return ""
}

// notAdmin is the refusal of a link change by someone not in ADMIN_USERS.
const notAdmin = "Only admins can link or unlink channels. Ask whoever runs the bot to add you to ADMIN_USERS."

// link ties the channel to the customer named by id or name.
//
// Syncro calls: 1 (the customer by id), or 1 search by name.
func (c *feature) link(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	if why := notAChannel(r.ChannelID); why != "" {
		return commands.Reply{Text: why}
	}
	if !r.Actor.CanAdmin {
		return commands.Reply{Text: notAdmin}
	}
	cu, reply := c.resolveCustomer(ctx, inv.Text)
	if reply != nil {
		return *reply
	}
	ack := inv.Bool(cmdline.FlagAcknowledge)
	name := customerName(cu)
	prev, had, err := c.cfg.Store.LinkChannel(store.ChannelLink{
		Channel: r.ChannelID, CustomerID: cu.ID, CustomerName: name, Acknowledge: ack, LinkedBy: r.Actor.SlackUserID,
	})
	if err != nil {
		return c.cfg.Failure(ctx, err, "link this channel")
	}
	c.cfg.Logger.InfoContext(ctx, "channel linked", "channel", r.ChannelID, "customer_id", cu.ID, "acknowledge", ack, "slack_user", r.Actor.SlackUserID)
	text := fmt.Sprintf("Linked %s to *%s* (ID %d). Tickets made from messages here, the create form and %s now start from this customer.",
		channelRef(r.ChannelID), commands.InlineMrkdwn(name, commands.MaxCustomerLen), cu.ID, cmdline.Code(cmdline.SlashCommand+" "+cmdline.NameCustomers))
	if ack {
		text += " In a channel shared with the customer, a ticket opened from a message gets one line in its thread: “Ticket #N opened — we're on it”, nothing more."
	} else {
		text += " Nothing about tickets is ever posted in a channel shared with the customer (add --acknowledge for a one-line “ticket opened” in the message's thread)."
	}
	if had && prev.CustomerID != cu.ID {
		text += fmt.Sprintf(" It was linked to %s before.", commands.InlineMrkdwn(prev.CustomerName, commands.MaxCustomerLen))
	}
	return commands.Reply{Text: text}
}

// unlink removes the channel's link.
func (c *feature) unlink(ctx context.Context, r commands.Request, _ cmdline.Invocation) commands.Reply {
	if why := notAChannel(r.ChannelID); why != "" {
		return commands.Reply{Text: why}
	}
	if !r.Actor.CanAdmin {
		return commands.Reply{Text: notAdmin}
	}
	l, err := c.cfg.Store.UnlinkChannel(r.ChannelID)
	if errors.Is(err, store.ErrNotFound) {
		return commands.Reply{Text: "This channel isn't linked to a customer."}
	}
	if err != nil {
		return c.cfg.Failure(ctx, err, "unlink this channel")
	}
	c.cfg.Logger.InfoContext(ctx, "channel unlinked", "channel", r.ChannelID, "customer_id", l.CustomerID, "slack_user", r.Actor.SlackUserID)
	return commands.Reply{Text: fmt.Sprintf("%s is no longer linked to *%s*.", channelRef(r.ChannelID), commands.InlineMrkdwn(l.CustomerName, commands.MaxCustomerLen))}
}

// links lists every linked channel with its customer.
func (c *feature) links(ctx context.Context, _ commands.Request, _ cmdline.Invocation) commands.Reply {
	all, err := c.cfg.Store.ChannelLinks()
	if err != nil {
		return c.cfg.Failure(ctx, err, "list the linked channels")
	}
	if len(all) == 0 {
		return commands.Reply{Text: "No channel is linked to a customer. An admin links one with " + cmdline.Code(cmdline.SlashCommand+" link CUSTOMER") + " in the channel."}
	}
	lines := make([]string, len(all))
	for i, l := range all {
		line := fmt.Sprintf("%s → *%s* (ID %d)", channelRef(l.Channel), commands.InlineMrkdwn(l.CustomerName, commands.MaxCustomerLen), l.CustomerID)
		if l.Acknowledge {
			line += " · acknowledges new tickets"
		}
		if l.LinkedBy != "" {
			line += fmt.Sprintf(" · linked by <@%s> on %s", l.LinkedBy, l.LinkedAt.Format("2006-01-02"))
		}
		lines[i] = line
	}
	return commands.SplitReply(commands.CountNoun(len(all), "linked channel", "linked channels"), "", commands.PackLines(lines, "\n"))
}

// here lists the open tickets of the channel's customer.
//
// Syncro calls: one GET /tickets per 100 of the customer's open tickets;
// with none, one more to tell a customer without tickets from one gone.
func (c *feature) here(ctx context.Context, r commands.Request, _ cmdline.Invocation) commands.Reply {
	l, ok, err := c.cfg.Store.ChannelLink(r.ChannelID)
	if err != nil {
		return c.cfg.Failure(ctx, err, "read this channel's customer")
	}
	if !ok {
		return commands.Reply{Text: "This channel isn't linked to a customer; an admin can link it with " + cmdline.Code(cmdline.SlashCommand+" link CUSTOMER") + "."}
	}
	tickets, err := syncro.Collect(c.cfg.Syncro.Tickets.AllOpen(ctx, &syncro.TicketListOptions{CustomerID: l.CustomerID}))
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("list open tickets of customer %d: %w", l.CustomerID, err), "list this customer's open tickets")
	}
	// Only the customer's own, whatever the server did with customer_id.
	var own []syncro.Ticket
	for _, t := range tickets {
		if t.CustomerID == l.CustomerID {
			own = append(own, t)
		}
	}
	if len(own) == 0 {
		// The link outlives its customer when a merge or Syncro's web app
		// deletes it: "no open tickets" would describe a customer Syncro
		// does not hold (its tickets may be another's now).
		if _, _, err := c.cfg.Syncro.Customers.Get(ctx, l.CustomerID); errors.Is(err, syncro.ErrNotFound) {
			return commands.Reply{Text: "This channel is linked to " + slackfmt.MrkdwnLine(l.CustomerName, commands.MaxCustomerLen) +
				", which Syncro no longer has (merged into another customer, or deleted). An admin can link the channel again with " +
				cmdline.Code(cmdline.SlashCommand+" link CUSTOMER") + "."}
		}
		return commands.Reply{Text: slackfmt.MrkdwnLine(l.CustomerName, commands.MaxCustomerLen) + " has no open tickets in Syncro."}
	}
	return ticketview.RenderTicketList(commands.CountNoun(len(own), "open ticket", "open tickets")+" of "+l.CustomerName, "", own)
}
