package tickets

import (
	"context"
	"fmt"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// Ticket threads: a ticket made from a message (store.TicketThreads)
// keeps its thread told. The notices the bot makes about it — a status
// changed through the bot, its close, its invoice — also go, once each,
// to that message's thread, but only in an internal channel: a thread in
// a channel shared with another workspace hears nothing (bot checks the
// channel again before posting).

// ticketThreadPost is text for the thread of the message ticketID was
// made from; nil when it was made from none, or in a shared channel.
func (c *feature) ticketThreadPost(ctx context.Context, ticketID int64, text string) *commands.ThreadPost {
	th, ok, err := c.cfg.Store.TicketThread(ticketID)
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "thread of ticket unreadable; its news goes only where it always does", "ticket_id", ticketID, "err", err)
		return nil
	}
	if !ok || th.Shared {
		return nil
	}
	return &commands.ThreadPost{ChannelID: th.Channel, ThreadTS: th.TS, Text: text}
}

// statusThreadPost is the thread's news of a status change made through
// the bot: nil when changes hold none.
func (c *feature) statusThreadPost(ctx context.Context, ticketID, number int64, by commands.Actor, changes []fieldChange) *commands.ThreadPost {
	for _, ch := range changes {
		if ch.field != "Status" {
			continue
		}
		return c.ticketThreadPost(ctx, ticketID, fmt.Sprintf("Ticket #%d status changed by <@%s>: %s → *%s*", number, by.SlackUserID,
			slackfmt.MrkdwnLine(ch.from, commands.MaxStatusLen), slackfmt.MrkdwnLine(ch.to, commands.MaxStatusLen)))
	}
	return nil
}
