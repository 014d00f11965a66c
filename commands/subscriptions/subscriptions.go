package subscriptions

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
)

// msgSharedTail ends the refusal of a subscription where people outside the
// workspace read along, after what the place is (commands.Sharing).
const msgSharedTail = ", and ticket notices never go there. Subscribe in a channel only your team reads."

// Register adds /syncro subscribe, subscriptions and unsubscribe to r.
func Register(r *commands.Registry, d commands.Deps) {
	f := &feature{cfg: d}
	r.Slash(commands.Slash{Name: cmdline.NameSubscribe, Handle: f.subscribe})
	r.Slash(commands.Slash{Name: cmdline.NameSubscriptions, Handle: f.list})
	r.Slash(commands.Slash{Name: cmdline.NameUnsubscribe, Handle: f.unsubscribe})
}

// feature answers the subscription commands.
type feature struct {
	cfg commands.Deps
}

// subscribe stores the channel's new subscription.
func (f *feature) subscribe(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	if r.SharedChannel {
		return commands.Reply{Text: r.Sharing.Place() + msgSharedTail}
	}
	sub, err := FromInvocation(inv)
	if err != nil {
		return commands.Reply{Text: "Not subscribed: " + err.Error() + ", like " + cmdline.Code("--events new,closed") + "."}
	}
	sub.Channel, sub.CreatedBy = r.ChannelID, r.Actor.SlackUserID
	sub, err = f.cfg.Store.AddSubscription(sub)
	if err != nil {
		return f.cfg.Failure(ctx, err, "save the subscription")
	}
	return commands.Reply{Text: "Subscribed this channel (#" + strconv.FormatInt(sub.ID, 10) + "): " + slackfmt.EscapeMrkdwn(describe(sub)) +
		". Notices come from the bot's regular look at Syncro, within about two of its polls. " +
		cmdline.Code(cmdline.SlashCommand+" "+cmdline.NameUnsubscribe+" "+strconv.FormatInt(sub.ID, 10)) + " stops it."}
}

// FromInvocation is the subscription a parsed /syncro subscribe asks
// for, without its channel.
func FromInvocation(inv cmdline.Invocation) (store.Subscription, error) {
	var sub store.Subscription
	flag := func(name string) string { v, _ := inv.Flag(name); return strings.TrimSpace(v) }
	events, err := ParseEvents(flag(cmdline.FlagEvents))
	if err != nil {
		return sub, err
	}
	sub.Events = events
	sub.Customer, sub.Priority = flag(cmdline.FlagCustomer), flag(cmdline.FlagPriority)
	sub.Status, sub.Tech = flag(cmdline.FlagStatus), flag(cmdline.FlagTech)
	return sub, nil
}

// list shows the channel's subscriptions.
func (f *feature) list(ctx context.Context, r commands.Request, _ cmdline.Invocation) commands.Reply {
	subs, err := f.cfg.Store.ChannelSubscriptions(r.ChannelID)
	if err != nil {
		return f.cfg.Failure(ctx, err, "read this channel's subscriptions")
	}
	if len(subs) == 0 {
		return commands.Reply{Text: "This channel has no subscriptions. " + cmdline.Code(cmdline.SlashCommand+" "+cmdline.NameSubscribe) + " adds one."}
	}
	lines := []string{"This channel's subscriptions:"}
	for _, s := range subs {
		lines = append(lines, "• #"+strconv.FormatInt(s.ID, 10)+": "+slackfmt.EscapeMrkdwn(describe(s)))
	}
	return commands.Reply{Text: commands.CapMrkdwn(strings.Join(lines, "\n"), slackfmt.MaxMessageText)}
}

// unsubscribe removes one of the channel's subscriptions. Anyone in the
// channel may, as anyone may subscribe it; the channel is told who did
// and what stopped, so its notices never end unnoticed.
func (f *feature) unsubscribe(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	var id int64
	if len(inv.Args) > 0 {
		id, _ = strconv.ParseInt(inv.Args[0], 10, 64)
	}
	subs, err := f.cfg.Store.ChannelSubscriptions(r.ChannelID)
	if err != nil {
		return f.cfg.Failure(ctx, fmt.Errorf("unsubscribe %d: %w", id, err), "remove the subscription")
	}
	i := slices.IndexFunc(subs, func(s store.Subscription) bool { return s.ID == id })
	ok := i >= 0
	if ok {
		if ok, err = f.cfg.Store.RemoveSubscription(r.ChannelID, id); err != nil {
			return f.cfg.Failure(ctx, fmt.Errorf("unsubscribe %d: %w", id, err), "remove the subscription")
		}
	}
	if !ok {
		return commands.Reply{Text: "This channel has no subscription #" + strconv.FormatInt(id, 10) + ". " + cmdline.Code(cmdline.SlashCommand+" "+cmdline.NameSubscriptions) + " lists them."}
	}
	return commands.Reply{InChannel: true, Text: "<@" + r.Actor.SlackUserID + "> unsubscribed this channel from #" + strconv.FormatInt(id, 10) + " (" +
		slackfmt.EscapeMrkdwn(describe(subs[i])) + "): no more of its notices here. " + cmdline.Code(cmdline.SlashCommand+" "+cmdline.NameSubscribe) + " starts notices again."}
}
