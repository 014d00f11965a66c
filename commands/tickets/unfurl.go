package tickets

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/syncro"
)

// Unfurls: a link to a ticket in the account's Syncro web app
// (https://SUBDOMAIN.syncromsp.com/tickets/ID) posted in an internal
// channel gets a compact preview with the card's buttons. bot has checked
// the channel already (never a shared channel, never a conversation with
// someone outside the workspace); here the links are picked:
//   - only links to this account's host (Deps.WebURL), to a ticket page;
//   - none at all when a message holds maxSyncroLinks or more links to
//     the account (a pasted list is not a place for cards);
//   - a ticket once per channel within store.UnfurlWindow, across
//     restarts (store.Unfurls), counted from a preview shown: a failed
//     read or chat.unfurl gives the mark back;
//   - a ticket Syncro does not have gets none.
//
// Syncro calls: one read per ticket previewed, through the coalesced
// reads (Deps.Reads); never a write.

// maxSyncroLinks is how many links to the account make a message a list
// rather than a mention: such a message gets no previews.
const maxSyncroLinks = 3

// registerUnfurls adds the ticket link previews.
func (c *feature) registerUnfurls(r *commands.Registry) { r.Unfurler(c.unfurl) }

// unfurl answers link_shared with the previews of the ticket links.
func (c *feature) unfurl(ctx context.Context, ls commands.LinkShared) commands.Previews {
	web, err := url.Parse(c.cfg.WebURL)
	if c.cfg.WebURL == "" || err != nil || web.Host == "" {
		return commands.Previews{}
	}
	var ours []string
	for _, link := range ls.URLs {
		if u, err := url.Parse(link); err == nil && (u.Scheme == "https" || u.Scheme == "http") && strings.EqualFold(u.Host, web.Host) {
			ours = append(ours, link)
		}
	}
	if len(ours) >= maxSyncroLinks {
		c.cfg.Logger.InfoContext(ctx, "no link previews: the message holds a list of Syncro links", "channel", ls.ChannelID, "links", len(ours))
		return commands.Previews{}
	}
	out := map[string]commands.Message{}
	var marked []int64
	for _, link := range ours {
		id, ok := ticketLinkID(link)
		if !ok {
			continue
		}
		// The same ticket twice in one message is marked by the first.
		if m, ok := c.unfurlTicket(ctx, ls.ChannelID, id); ok {
			out[link] = m
			marked = append(marked, id)
		}
	}
	return commands.Previews{ByURL: out, Unsent: func(ctx context.Context) {
		for _, id := range marked {
			c.releaseUnfurl(ctx, ls.ChannelID, id)
		}
	}}
}

// unfurlMark names ticket id's preview in store.Unfurls.
func unfurlMark(id int64) string { return "tickets/" + strconv.FormatInt(id, 10) }

// unfurlTicket is the preview of ticket id for channel, false when the
// channel had it within the window or the ticket cannot be shown. The
// mark comes first, so a link pasted again costs no Syncro read; a read
// that fails gives the mark back, since no one saw a preview.
func (c *feature) unfurlTicket(ctx context.Context, channel string, id int64) (commands.Message, bool) {
	first, err := c.cfg.Store.MarkUnfurled(channel, unfurlMark(id))
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "unfurl mark unreadable; no preview", "channel", channel, "ticket_id", id, "err", err)
		return commands.Message{}, false
	}
	if !first {
		c.cfg.Logger.DebugContext(ctx, "ticket previewed in this channel lately", "channel", channel, "ticket_id", id)
		return commands.Message{}, false
	}
	t, err := c.cfg.Reads.Ticket(ctx, id)
	if errors.Is(err, syncro.ErrNotFound) {
		c.cfg.Logger.InfoContext(ctx, "no preview: Syncro has no such ticket", "channel", channel, "ticket_id", id)
		return commands.Message{}, false
	}
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "no preview: ticket not read", "channel", channel, "ticket_id", id, "err", err)
		c.releaseUnfurl(ctx, channel, id)
		return commands.Message{}, false
	}
	return ticketview.RenderUnfurl(t, c.cfg.WebURL), true
}

// releaseUnfurl gives back ticket id's mark in channel after a preview
// no one saw; when the store cannot, the link waits out the window.
func (c *feature) releaseUnfurl(ctx context.Context, channel string, id int64) {
	if err := c.cfg.Store.ReleaseUnfurl(channel, unfurlMark(id)); err != nil {
		c.cfg.Logger.WarnContext(ctx, "unfurl mark not released; the link gets no preview here until the window ends",
			"channel", channel, "ticket_id", id, "err", err)
	}
}

// ticketLinkID is the ticket id of a link to a ticket's page
// (/tickets/ID, a trailing slash, query or fragment allowed).
func ticketLinkID(link string) (int64, bool) {
	u, err := url.Parse(link)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(u.Path, "/tickets/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(rest, "/"), 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
