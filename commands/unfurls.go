package commands

import "context"

// Link unfurls: Slack tells the bot of links to its unfurl domains posted
// in a channel (link_shared), and the bot may attach a preview to each
// (chat.unfurl). Which links get one, and what it shows, is a feature's
// Unfurler; bot decides first whether the channel may see any at all.

// LinkShared is one link_shared event: links to the app's unfurl domains
// in a message posted in a channel the bot found internal.
type LinkShared struct {
	// ChannelID and MessageTS are the message; UserID who posted it.
	ChannelID, MessageTS, UserID string
	// URLs are the message's links to the unfurl domains, in order.
	URLs []string
}

// Previews is the answer to one link_shared: what to attach, and how to
// take it back when Slack would not attach it.
type Previews struct {
	// ByURL holds each preview (text and blocks) by the URL it previews,
	// as posted. Links it leaves out get none.
	ByURL map[string]Message
	// Unsent, when set, is called once chat.unfurl has failed: the
	// feature forgets it previewed ByURL, so that a link whose preview
	// no one saw is not held back as if it had been.
	Unsent func(ctx context.Context)
}

// Unfurler answers link_shared with the previews to attach.
type Unfurler func(ctx context.Context, ls LinkShared) Previews

// Unfurler registers the answer to link_shared; there is one.
func (r *Registry) Unfurler(u Unfurler) {
	if u == nil {
		panic("commands: nil unfurler")
	}
	if r.unfurler != nil {
		panic("commands: duplicate unfurler")
	}
	r.unfurler = u
}

// Unfurl answers link_shared: the previews to attach, by URL; none when no
// feature unfurls links.
func (c *Commands) Unfurl(ctx context.Context, ls LinkShared) Previews {
	if c.reg.unfurler == nil {
		return Previews{}
	}
	return c.reg.unfurler(ctx, ls)
}
