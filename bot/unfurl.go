package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/syncrobot/syncrobot/commands"
)

// Link unfurls (link_shared → chat.unfurl). Slack sends link_shared for
// links to the manifest's unfurl domains wherever they are posted; the
// bot previews them only in a conversation it knows is internal, so no
// ticket detail reaches a channel shared with another workspace or a DM
// with someone outside the workspace. Which links get a preview, and what
// it shows, is Commands.Unfurl's.

// onLinkShared acks a link_shared event, then, in the background and
// only for a poster the bot serves, in a conversation it finds internal,
// attaches the previews Commands.Unfurl gives. Refusals are logged, never
// told: the poster asked the bot nothing.
func (b *Bot) onLinkShared(env envelope, outer slackevents.EventsAPIEvent) {
	ev, ok := outer.InnerEvent.Data.(*slackevents.LinkSharedEvent)
	if !ok {
		b.unknown(env, "undecodable link_shared")
		return
	}
	b.ack(env, nil)
	teamID := outer.TeamID
	envID := env.req.EnvelopeID
	quiet := func(string) {}
	d := &door{
		kind:        "link_shared",
		id:          ev.Channel,
		who:         caller{userID: ev.User, teamID: teamID, channelID: ev.Channel},
		refuse:      quiet,
		notNow:      quiet,
		refuseLater: func(context.Context, string) {},
		queue:       true,
	}
	tn := b.enter(d)
	if tn == nil {
		b.log.Info("link_shared answered", "envelope_id", envID, "channel", ev.Channel, "previews", 0, "why", "poster not served")
		return
	}
	b.spawn(env, tn, nil, func(ctx context.Context) {
		previews, why := b.linkPreviews(ctx, tn, ev)
		b.log.Info("link_shared answered", "envelope_id", envID, "channel", ev.Channel, "previews", previews, "why", why)
	})
}

// linkPreviews does onLinkShared's work: how many previews were attached,
// and why none when none.
func (b *Bot) linkPreviews(ctx context.Context, tn *turn, ev *slackevents.LinkSharedEvent) (int, string) {
	if _, ok := b.admitted(ctx, tn.door, tn.pending); !ok {
		return 0, "poster not served"
	}
	if c := b.conversation(ctx, ev.Channel); !c.internal() {
		return 0, c.why
	}
	ls := commands.LinkShared{ChannelID: ev.Channel, MessageTS: ev.MessageTimeStamp, UserID: ev.User}
	for _, l := range ev.Links {
		ls.URLs = append(ls.URLs, l.URL)
	}
	previews := b.cmds.Unfurl(ctx, ls)
	if len(previews.ByURL) == 0 {
		return 0, "no link to preview"
	}
	// unsent tells the feature no one saw these previews, so the links
	// keep their window rather than being held back for the whole of it.
	unsent := func() {
		if previews.Unsent != nil {
			previews.Unsent(context.WithoutCancel(ctx))
		}
	}
	// Reading the tickets took a while: Slack may have said meanwhile that
	// the channel was shared (channel_shared), and from then on it gets
	// nothing.
	if c := b.conversation(ctx, ev.Channel); !c.internal() {
		unsent()
		return 0, c.why
	}
	unfurls := make(map[string]slack.Attachment, len(previews.ByURL))
	for link, m := range previews.ByURL {
		unfurls[link] = slack.Attachment{Fallback: m.Text, Blocks: slack.Blocks{BlockSet: m.Blocks}}
	}
	ctx, cancel := replyContext(ctx)
	defer cancel()
	err := retry429(ctx, func() error {
		_, _, _, err := b.api.UnfurlMessageContext(ctx, ev.Channel, ev.MessageTimeStamp, unfurls)
		return err
	})
	if err != nil {
		b.log.Error("chat.unfurl failed", "channel", ev.Channel, "ts", ev.MessageTimeStamp, "err", err)
		unsent()
		return 0, "chat.unfurl failed"
	}
	return len(unfurls), ""
}
