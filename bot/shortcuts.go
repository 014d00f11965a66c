package bot

import (
	"context"
	"regexp"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// Message shortcuts (message_action) and the thread posts their work
// leads to. The shortcut's message is read from the payload; the author's
// name and email come from users.info (cached, like a caller's), the link
// to the message from chat.getPermalink.

// onMessageAction routes a message shortcut by its callback_id.
func (b *Bot) onMessageAction(env envelope, cb slack.InteractionCallback) {
	// The ts names the message in forms' metadata and thread records;
	// Slack's is digits.digits. Anything else is not from Slack (a forged
	// 4,000-digit ts overflowed the metadata and panicked the handler).
	if !isSlackTS(cb.Message.Timestamp) || (cb.Message.ThreadTimestamp != "" && !isSlackTS(cb.Message.ThreadTimestamp)) {
		b.unknown(env, "message shortcut without a Slack message timestamp")
		return
	}
	if f, ok := b.routes.shortcuts.lookup(cb.CallbackID); ok {
		f(env, cb)
		return
	}
	b.unknown(env, "unknown message shortcut "+cb.CallbackID)
}

// slackTS matches a Slack message timestamp ("1796539941.000009").
var slackTS = regexp.MustCompile(`^[0-9]{1,16}\.[0-9]{1,9}$`)

// isSlackTS reports whether ts is a Slack message timestamp.
func isSlackTS(ts string) bool { return slackTS.MatchString(ts) }

// onShortcut acks a message shortcut (its ack carries nothing), opens the
// Loading view while the trigger is fresh when the shortcut answers with a
// modal, and runs Commands.Shortcut in the background. Refusals and
// "busy" follow as messages, as for a click.
func (b *Bot) onShortcut(env envelope, cb slack.InteractionCallback) {
	b.ack(env, nil)
	who := interactionCaller(cb)
	t := &target{channelID: who.channelID, userID: who.userID, responseURL: cb.ResponseURL}
	var viewID string
	d := b.messageDoor(env, "shortcut", cb.CallbackID, who, t, &viewID, func(ctx context.Context) (string, bool) {
		if !b.cmds.ShortcutOpensModal(cb.CallbackID) {
			return "", true
		}
		return b.openLoadingOrSay(ctx, env, t, cb.TriggerID, false, "please pick the shortcut again")
	})
	d.queue = !b.cmds.ShortcutOpensModal(cb.CallbackID)
	tn := b.enter(d)
	if tn == nil {
		return
	}
	b.spawn(env, tn, func(ctx context.Context, errID string) { b.apologize(ctx, t, viewID, errID) }, func(ctx context.Context) {
		adm, ok := b.admitted(ctx, d, tn.pending)
		if !ok {
			return
		}
		t.shared = adm.shared
		reply := b.cmds.Shortcut(ctx, commands.MessageAction{
			Actor:         adm.actor,
			CallbackID:    cb.CallbackID,
			ChannelID:     who.channelID,
			SharedChannel: t.shared,
			Sharing:       adm.sharing,
			Message:       b.slackMessage(ctx, who.channelID, cb.Message),
		})
		b.finish(ctx, t, viewID, told(ctx, reply))
	})
}

// messageDoor is the way through admission of an interaction that can
// answer only by message (a click, a shortcut): refusals and "busy" are
// told by message, and open, when it opens a Loading view, sets *viewID,
// where later refusals then go.
func (b *Bot) messageDoor(env envelope, kind, id string, who caller, t *target, viewID *string, open func(ctx context.Context) (string, bool)) *door {
	byMessage := func(text string) { b.tell(env, t, text) }
	return &door{
		kind:        kind,
		id:          id,
		who:         who,
		refuse:      byMessage,
		notNow:      byMessage, // tell says nothing while draining
		refuseLater: func(ctx context.Context, text string) { b.finish(ctx, t, *viewID, commands.Reply{Text: text}) },
		prepare: func(ctx context.Context) bool {
			var ok bool
			*viewID, ok = open(ctx)
			return ok
		},
		actor:  true,
		shared: true,
	}
}

// slackMessage is the shortcut's message for commands: its text as typed,
// its author as users.info describes them, its files' names and its
// permalink.
func (b *Bot) slackMessage(ctx context.Context, channelID string, m slack.Message) commands.SlackMessage {
	sm := commands.SlackMessage{
		TS:       m.Timestamp,
		ThreadTS: m.ThreadTimestamp,
		Text:     slackfmt.MessagePlainText(m.Text),
		Author:   commands.MessageAuthor{UserID: m.User, TeamID: m.Team, BotID: m.BotID, BotName: m.Username},
	}
	for _, f := range m.Files {
		name := f.Name
		if name == "" {
			name = f.Title
		}
		if name != "" {
			sm.Files = append(sm.Files, name)
		}
	}
	// Another app's message has no person behind it to look up.
	if m.User != "" && m.BotID == "" {
		if u := b.userInfo(ctx, m.User); u.ok {
			sm.Author.Name, sm.Author.Email = u.name, u.email
			if u.teamID != "" {
				sm.Author.TeamID = u.teamID
			}
		}
	}
	sm.Author.External = sm.Author.TeamID != "" && sm.Author.TeamID != b.homeTeam
	link, err := b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channelID, Ts: m.Timestamp})
	if err != nil {
		b.log.Warn("chat.getPermalink failed; the message is named without a link", "channel", channelID, "err", err)
	}
	sm.Permalink = link
	return sm
}

// postThread posts p in its message's thread for the channel to see. A
// line that is not Neutral is never posted in a channel shared with
// another workspace, whatever the feature decided: ticket and customer
// details stay inside the MSP.
func (b *Bot) postThread(ctx context.Context, p *commands.ThreadPost) {
	if p == nil || p.ChannelID == "" || p.ThreadTS == "" || p.Text == "" {
		return
	}
	ctx, cancel := replyContext(ctx)
	defer cancel()
	if !p.Neutral && b.sharedChannel(ctx, p.ChannelID) {
		b.log.Warn("thread post with ticket details withheld from a shared channel", "channel", p.ChannelID)
		return
	}
	opts := msgOptions(p.Text, p.Blocks, slack.MsgOptionTS(p.ThreadTS))
	err := retry429(ctx, func() error {
		_, _, err := b.api.PostMessageContext(ctx, p.ChannelID, opts...)
		return err
	})
	if err != nil {
		b.log.Error("thread post failed", "channel", p.ChannelID, "thread_ts", p.ThreadTS, "err", err)
	}
}
