package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/syncrobot/syncrobot/commands"
)

// The App Home tab: Slack sends app_home_opened each time a person opens
// the bot's Home; bot publishes what commands builds for them
// (views.publish), and publishes it again after each form they submit,
// so the Home never shows time or tickets as they were before their
// write.

// homeMinGap is how soon an opened Home is built again: Slack sends
// app_home_opened at every visit, and each build reads Syncro, so a Home
// published less than this ago (and not changed by the person's own
// write since) is shown as it is.
const homeMinGap = 30 * time.Second

// homeKeep is how long bot remembers that a person has a Home, to
// refresh it after their writes.
const homeKeep = 24 * time.Hour

// homeEvent is the part of app_home_opened bot reads.
type homeEvent struct {
	user, tab string
}

// homeOpened reads an app_home_opened event's inner data, which slack-go
// decodes to a value or a pointer depending on the path it took.
func homeOpened(data any) (homeEvent, bool) {
	switch e := data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		return homeEvent{user: e.User, tab: e.Tab}, e != nil
	case slackevents.AppHomeOpenedEvent:
		return homeEvent{user: e.User, tab: e.Tab}, true
	}
	return homeEvent{}, false
}

// onHomeOpened publishes the person's Home when they open its tab. A
// person the bot does not serve sees why on the Home instead; while the
// bot is busy or restarting the Home stays as last published.
func (b *Bot) onHomeOpened(env envelope, ev slackevents.EventsAPIEvent) {
	b.ack(env, nil)
	he, ok := homeOpened(ev.InnerEvent.Data)
	if !ok || he.user == "" || (he.tab != "" && he.tab != "home") {
		return // the Messages tab, or nothing to publish for
	}
	if last, ok := b.homes.get(he.user); ok && time.Since(last) < homeMinGap && !b.homeWroteSince(he.user, last) {
		return
	}
	who := caller{userID: he.user, teamID: ev.TeamID}
	say := func(ctx context.Context, text string) { b.publishHome(ctx, he.user, homeText(text)) }
	d := &door{
		kind: "home", id: string(slackevents.AppHomeOpened), who: who,
		refuse: func(text string) {
			// spawn is not called while draining (handlers.go).
			if !b.draining.Load() {
				b.spawn(env, nil, nil, func(ctx context.Context) { say(ctx, text) })
			}
		},
		notNow:      func(string) {},
		refuseLater: say,
		queue:       true,
		actor:       true,
	}
	tn := b.enter(d)
	if tn == nil {
		return
	}
	b.spawn(env, tn, func(ctx context.Context, errID string) { say(ctx, apology(errID)) }, func(ctx context.Context) {
		adm, ok := b.admitted(ctx, d, tn.pending)
		if !ok {
			return
		}
		b.buildHome(ctx, adm.actor)
	})
}

// buildHome builds a's Home and publishes it.
func (b *Bot) buildHome(ctx context.Context, a commands.Actor) {
	if v, ok := b.cmds.Home(ctx, a); ok {
		b.publishHome(ctx, a.SlackUserID, v)
	}
}

// refreshHome publishes a's Home again after their own write, when they
// have one: it then shows the write. Another replica may have published
// it, or this one before a restart (Config.HomeKnown).
func (b *Bot) refreshHome(ctx context.Context, a commands.Actor) {
	_, ok := b.homes.get(a.SlackUserID)
	if ok || b.cfg.HomeKnown != nil && b.cfg.HomeKnown(a.SlackUserID) {
		b.buildHome(ctx, a)
	}
}

// homeStale makes user's next visit build their Home again, when they
// have one, instead of showing it as it is for homeMinGap: a slash
// command may have written without a form (`/syncro comment N --time`),
// and Syncro now holds what the Home does not show. The build waits for
// the visit, so a command that only read costs nothing until then; the
// other replicas hear it through Config.HomeWrote.
func (b *Bot) homeStale(user string) {
	if _, ok := b.homes.get(user); ok {
		b.homes.put(user, time.Time{}, homeKeep)
	}
	if b.cfg.HomeWrote != nil {
		b.cfg.HomeWrote(user)
	}
}

// homeWroteSince says whether user ran a slash command on another
// replica after t (Config.HomeWroteSince), so a Home this one built at t
// may not show it.
func (b *Bot) homeWroteSince(user string, t time.Time) bool {
	return b.cfg.HomeWroteSince != nil && b.cfg.HomeWroteSince(user, t)
}

// publishHome shows v as user's Home tab. A refusal is only logged: the
// Home stays as it was, and the next visit tries again.
func (b *Bot) publishHome(ctx context.Context, user string, v slack.HomeTabViewRequest) {
	ctx, cancel := replyContext(ctx)
	defer cancel()
	err := retry429(ctx, func() error {
		_, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: v})
		return err
	})
	if err != nil {
		b.log.Warn("home not published", "slack_user", user, "err", err)
		return
	}
	b.homes.put(user, time.Now(), homeKeep)
	b.log.Info("home published", "slack_user", user, "blocks", len(v.Blocks.BlockSet))
}

// homeText is a Home holding only text: why the bot cannot show the
// person's day.
func homeText(text string) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, text, false, false), nil, nil),
	}}}
}

// inModal reports a click inside a modal; a click on the Home tab is in a
// view too, but a form it opens is a new modal, not one pushed on top.
func inModal(cb slack.InteractionCallback) bool {
	return cb.View.ID != "" && cb.View.Type != slack.VTHomeTab
}

// modalID is the id of the modal clicked in, "" for a click elsewhere.
func modalID(cb slack.InteractionCallback) string {
	if !inModal(cb) {
		return ""
	}
	return cb.View.ID
}

// Tell posts m to userID as a direct message (the end-of-day summaries).
func (b *Bot) Tell(ctx context.Context, userID string, m commands.Message) error {
	if err := b.dm(ctx, userID, msgOptions(m.Text, m.Blocks)); err != nil {
		return fmt.Errorf("bot: tell %s: %w", userID, err)
	}
	return nil
}

// Who is userID as an interaction of theirs would find them now
// (users.info, cached for UserCacheTTL), once Run knows the home
// workspace; ok is false when the bot does not serve them or Slack could
// not describe them.
func (b *Bot) Who(ctx context.Context, userID string) (commands.Actor, bool) {
	select {
	case <-b.identified:
	case <-ctx.Done():
		return commands.Actor{}, false
	}
	a, refusal, _ := b.actor(ctx, caller{userID: userID, teamID: b.homeTeam})
	return a, refusal == ""
}
