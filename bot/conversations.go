package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/syncrobot/syncrobot/commands"
)

// Who can read a conversation decides what the bot may post there. One
// rule, one cache (Bot.convs) and one answer (Bot.conversation) serve
// every place that asks: the replies and thread posts of a command,
// shortcut or form, link previews, channel subscriptions and
// NOTIFY_CHANNEL's notices. The rule, as the README states it: a
// conversation is internal when only people of the home workspace can
// read it; anything else is "shared", and gets nothing about a ticket or
// a customer. When Slack cannot say, the answer is "shared" too. Slack's
// channel_shared and channel_unshared events (sent for channels the bot
// is in) change the answer at once; otherwise it stands ChannelCacheTTL.

// audience is who can read a conversation, as far as the bot knows.
type audience int

const (
	// audienceUnknown: Slack could not say (conversations.info failed).
	// It is the zero value, so an answer never filled in fails closed.
	audienceUnknown audience = iota
	// audienceInternal: only people of the home workspace.
	audienceInternal
	// audienceShared: people outside the home workspace can, or may.
	audienceShared
)

// conversation is what the bot knows of who reads a conversation.
type conversation struct {
	audience audience
	// why says, for logs, why the conversation is not internal.
	why string
	// sharing says, for people, what a shared conversation is.
	sharing commands.Sharing
}

// internal reports whether only the home workspace reads c.
func (c conversation) internal() bool { return c.audience == audienceInternal }

// readableOutside is the rule for a channel's own flags: shared with
// another workspace (Slack Connect), or invited to be and not yet
// accepted, or shared across the workspaces of an Enterprise Grid org, or
// shared in any other way Slack marks (is_shared).
func readableOutside(ch *slack.Channel) bool {
	return ch.IsExtShared || ch.IsPendingExtShared || ch.IsOrgShared || ch.IsShared
}

// conversation says who can read channelID, from the cache or
// conversations.info. An empty id is no conversation the bot can vouch
// for. A failed answer is remembered for negativeTTL (unless the caller's
// own context cut it off), a real one for ChannelCacheTTL or until Slack
// says the channel was shared or unshared (forgetConversation).
func (b *Bot) conversation(ctx context.Context, channelID string) conversation {
	if channelID == "" {
		return conversation{why: "no channel"}
	}
	if v, hit := b.convs.get(channelID); hit {
		return v
	}
	era := b.convs.era()
	v, err := b.describe(ctx, channelID)
	if b.convs.era() != era {
		// Slack said a channel was shared or unshared while it answered:
		// the answer may describe the channel as it was. channel_shared's
		// word is in the cache; otherwise Slack is asked once more.
		if now, hit := b.convs.get(channelID); hit {
			return now
		}
		era = b.convs.era()
		v, err = b.describe(ctx, channelID)
	}
	switch {
	case err == nil:
		b.convs.putSince(channelID, v, b.cfg.ChannelCacheTTL, era)
	case ctx.Err() == nil:
		b.log.Info("conversations.info failed; treating the conversation as shared", "channel", channelID, "err", err)
		b.convs.putSince(channelID, v, negativeTTL, era)
	}
	return v
}

// describe asks Slack who can read channelID, bypassing the cache. A
// channel is internal unless readableOutside; a DM is when the other
// person is of the home workspace; a group DM never is, since its members
// are not listed without a scope the bot does not ask for.
func (b *Bot) describe(ctx context.Context, channelID string) (conversation, error) {
	ch, err := b.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channelID})
	if err != nil {
		return conversation{why: "Slack cannot say whether the channel is shared", sharing: commands.SharingUnknown}, err
	}
	switch {
	case readableOutside(ch):
		return conversation{audience: audienceShared, why: "the channel is shared with another workspace"}, nil
	case ch.IsMpIM:
		return conversation{audience: audienceShared, why: "a group DM, whose members the bot cannot check", sharing: commands.SharingGroupDM}, nil
	case ch.IsIM:
		switch u := b.userInfo(ctx, ch.User); {
		case !u.ok || u.teamID == "":
			return conversation{audience: audienceShared, why: "a DM with someone Slack cannot say is of the workspace", sharing: commands.SharingUnknown}, nil
		case u.teamID != b.homeTeam:
			return conversation{audience: audienceShared, why: "a DM with someone outside the workspace", sharing: commands.SharingDM}, nil
		}
	}
	return conversation{audience: audienceInternal}, nil
}

// sharedChannel reports whether channelID is not known to be internal:
// replies there go ephemeral and thread posts carry no ticket details.
func (b *Bot) sharedChannel(ctx context.Context, channelID string) bool {
	return !b.conversation(ctx, channelID).internal()
}

// onSharingChanged acks channel_shared and channel_unshared, Slack's word
// that a channel the bot is in was shared with another workspace, or that
// one left it. Shared, the bot takes Slack at its word before the ack, so
// that no notice, thread line or preview already waiting posts there on an
// answer given while the channel was internal. Unshared, other workspaces
// may still be in it: the bot forgets what it knew and asks Slack afresh
// before it next posts there.
func (b *Bot) onSharingChanged(env envelope, outer slackevents.EventsAPIEvent) {
	switch ev := outer.InnerEvent.Data.(type) {
	case *slackevents.ChannelSharedEvent:
		if ev.Channel != "" {
			b.convs.forget(ev.Channel)
			b.convs.put(ev.Channel, conversation{audience: audienceShared, why: "the channel is shared with another workspace"}, b.cfg.ChannelCacheTTL)
			b.log.Info("channel shared with another workspace; nothing about tickets is posted there", "channel", ev.Channel, "connected_team", ev.ConnectedTeamID)
			b.ack(env, nil)
			b.passOnSharing(env, ev.Channel)
			return
		}
	case *slackevents.ChannelUnsharedEvent:
		if ev.Channel != "" {
			b.convs.forget(ev.Channel)
			b.log.Info("a workspace left the channel; asking Slack afresh before posting there", "channel", ev.Channel,
				"previously_connected_team", ev.PreviouslyConnectedTeamID, "is_ext_shared", ev.IsExtShared)
			b.ack(env, nil)
			b.passOnSharing(env, ev.Channel)
			return
		}
	}
	b.unknown(env, "undecodable "+outer.InnerEvent.Type)
}

// passOnSharing tells Config.SharingChanged, in the background, that
// channel's sharing changed, when it is set.
func (b *Bot) passOnSharing(env envelope, channel string) {
	if b.cfg.SharingChanged == nil {
		return
	}
	// spawn is not for a draining bot; the others wait out their answer.
	if b.draining.Load() {
		b.log.Warn("shutting down; the other replicas are not told a channel's sharing changed", "channel", channel)
		return
	}
	b.spawn(env, nil, nil, func(ctx context.Context) { b.cfg.SharingChanged(ctx, channel) })
}

// ForgetConversations drops everything the bot knows of who reads each
// conversation, so that it asks Slack afresh before it next posts
// anywhere: another replica heard Slack say a channel was shared or
// unshared (Config.SharingChanged).
func (b *Bot) ForgetConversations() {
	b.convs.forgetAll()
	b.log.Info("a channel's sharing changed and Slack told another replica; asking Slack afresh before posting in any channel")
}
