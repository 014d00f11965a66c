package bot

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
)

// The admission chain decides, for every interaction kind alike (slash
// commands, clicks, submissions, suggestions), whether the bot takes the
// work and on whose behalf. Its checks, in order:
//
// On the event loop, before the ack (no network):
//  1. workspace: the payload names the home workspace (a payload naming
//     none is refused);
//  2. allow list: the user is in AllowedUsers, as far as the cache knows;
//  3. draining: the bot is not shutting down;
//  4. capacity: a work slot is free (MaxInFlight), and the user is under
//     their own cap (MaxInFlightPerUser); past it, work that can wait
//     queues behind the user's own (lanes.go). A slash command's quick
//     answer (help, a usage error) goes out before this check, as it
//     needs no slot.
//
// In the work goroutine (Web API calls allowed):
//  5. membership: the AllowedUsers groups the cache could not settle;
//  6. actor: users.info (name, email, home team, guest, deactivated, bot)
//     must describe a member the bot serves (vet; a failed users.info
//     refuses), then the billing and admin lists give the commands.Actor;
//     kinds that must answer fast get the actor as far as the cache knows;
//  7. shared channel: whether replies must stay ephemeral (Slack Connect).
//
// A door says which of the optional checks a kind needs and how the kind
// answers a refusal, since Slack lets each kind answer in its own place:
// a slash command in its ack, a click only by message, a submission in its
// modal, a suggestion with an empty list.

// What users read when the bot cannot take their request now.
const (
	msgRestarting = "The Syncro bot is restarting; try again in a moment."
	msgBusy       = "The Syncro bot is busy right now; try again in a moment."
)

// notAllowed is the refusal for someone missing from AllowedUsers.
const notAllowed = "You are not on the list of people allowed to use " + cmdline.SlashCommand + ". Ask whoever runs the Syncro bot to add you."

// caller is who is behind an interaction, as its payload says.
type caller struct {
	userID, teamID, name string
	// channelID is where the interaction happened; "" in a modal.
	channelID string
}

// interactionCaller is the caller of an interaction. Slack Connect users
// carry their own team in user.team_id.
func interactionCaller(cb slack.InteractionCallback) caller {
	c := caller{userID: cb.User.ID, teamID: cb.Team.ID, name: cb.User.Name, channelID: cb.Channel.ID}
	if cb.User.TeamID != "" {
		c.teamID = cb.User.TeamID
	}
	if c.channelID == "" {
		c.channelID = cb.Container.ChannelID
	}
	return c
}

// door is one interaction's way through the admission chain.
type door struct {
	// kind ("slash command", "action", "submission", "suggestion") and id
	// (the command, action_id or callback_id) name the interaction in logs.
	kind, id string
	who      caller

	// On the event loop. Each answer must leave the envelope acked.
	//
	// refuse answers a user the bot does not serve (another workspace, not
	// on the allow list) with text.
	refuse func(text string)
	// notNow answers while the bot is draining or busy; text says which.
	notNow func(text string)
	// quick, when set, may answer within the ack before a work slot is
	// taken (help, usage errors); it reports whether it did.
	quick func() bool

	// In the work goroutine.
	//
	// refuseLater answers a refusal found after the ack (membership, or
	// users.info placing the user in another workspace); it also tells a
	// queued interaction's person that it waits, or why it never ran.
	refuseLater func(ctx context.Context, text string)
	// queue says the interaction may wait behind its user's own work:
	// it is acked already and opens no modal with its trigger.
	queue bool
	// prepare, when set, runs once membership is settled and before
	// users.info: the Loading modal opens there, while the trigger is
	// fresh. false stops the interaction (prepare told the user why).
	prepare func(ctx context.Context) bool
	// actor asks for the full actor (users.info, group lookups); without
	// it the actor is what the cache knows. shared asks whether the
	// caller's channel is shared with another workspace.
	actor, shared bool
}

// admission is what the chain learned about an admitted interaction.
type admission struct {
	actor commands.Actor
	// shared is true when replies must be ephemeral (Slack Connect); only
	// looked up when the door asks for it. sharing says what the shared
	// conversation is.
	shared  bool
	sharing commands.Sharing
}

// enter runs the chain's checks that need no network (workspace, allow
// list, draining, capacity) on the event loop, answering a refusal through
// d. A turn means the interaction is admitted: spawn its work with the
// turn, which waits there for its slot when its user's cap is reached,
// and finish admission there with admitted. The turn's pending says the
// allow list depends on user groups the cache does not hold.
func (b *Bot) enter(d *door) *turn {
	refusal, pending := b.admit(d.who.userID, d.who.teamID)
	if refusal != "" {
		b.log.Info("refused "+d.kind, "id", d.id, "user", d.who.userID, "team", d.who.teamID)
		d.refuse(refusal)
		return nil
	}
	if b.draining.Load() {
		b.log.Info("draining; refusing "+d.kind, "id", d.id, "user", d.who.userID)
		d.notNow(msgRestarting)
		return nil
	}
	// A quick answer is only safe once the user is known to be allowed.
	if !pending && d.quick != nil && d.quick() {
		return nil
	}
	t, a, running, waiting := b.lanes.take(d.who.userID, d.queue)
	switch a {
	case allBusy:
		b.log.Warn("at MaxInFlight; refusing "+d.kind, "id", d.id, "max_in_flight", b.cfg.MaxInFlight)
		d.notNow(msgBusy)
		return nil
	case userFull:
		b.log.Info("user at their cap; refusing "+d.kind, "id", d.id, "user", d.who.userID,
			"running", running, "waiting", waiting, "max_in_flight_per_user", b.cfg.MaxInFlightPerUser)
		d.notNow(userBusy(running, waiting))
		return nil
	case queued:
		b.log.Debug("queued behind the user's own work", "kind", d.kind, "id", d.id, "user", d.who.userID, "running", running, "waiting", waiting)
	}
	t.door, t.pending = d, pending
	return t
}

// admitted finishes the chain in the work goroutine: membership when
// enter left it pending, d.prepare, the actor and the shared-channel flag.
// false means the interaction stops here; the user has been told. Work
// that shutdown stopped meanwhile stops here too, told "restarting".
func (b *Bot) admitted(ctx context.Context, d *door, pending bool) (admission, bool) {
	if pending && !b.permits(ctx, b.allowed, d.who.userID) {
		// A lookup cut off by a shutdown says nothing about membership.
		refusal, why := notAllowed, "not in an allowed user group"
		if stoppedByShutdown(ctx) {
			refusal, why = msgRestarting, "stopped by shutdown"
		}
		b.log.Info("refused "+d.kind, "id", d.id, "user", d.who.userID, "team", d.who.teamID, "why", why)
		d.refuseLater(ctx, refusal)
		return admission{}, false
	}
	if d.prepare != nil && !d.prepare(ctx) {
		return admission{}, false
	}
	var (
		adm          admission
		refusal, why string
	)
	if d.actor {
		adm.actor, refusal, why = b.actor(ctx, d.who)
	} else {
		// Fast kinds take the actor from the cache, but who they serve
		// is settled like everyone's (users.info is cached an hour).
		refusal, why = b.vet(d.who, b.userInfo(ctx, d.who.userID))
		adm.actor = b.cachedActor(d.who)
	}
	if refusal != "" {
		// users.info cut off by a shutdown is not a refusal.
		if stoppedByShutdown(ctx) {
			refusal, why = msgRestarting, "stopped by shutdown"
		}
		b.log.Info("refused "+d.kind, "id", d.id, "user", d.who.userID, "team", d.who.teamID, "why", why)
		d.refuseLater(ctx, refusal)
		return admission{}, false
	}
	if d.shared {
		c := b.conversation(ctx, d.who.channelID)
		adm.shared, adm.sharing = !c.internal(), c.sharing
	}
	if stoppedByShutdown(ctx) {
		d.refuseLater(ctx, msgRestarting)
		return admission{}, false
	}
	return adm, true
}

// admit decides, from the payload and cached group members alone (no
// network), whether userID of teamID may use the bot; refusal is the
// sentence to show when not. pending means AllowedUsers names user groups
// whose members are not cached: admitted settles it after the ack.
func (b *Bot) admit(userID, teamID string) (refusal string, pending bool) {
	// A payload without a workspace is not trusted to be from this one.
	if teamID != b.homeTeam {
		return b.otherWorkspace(), false
	}
	switch b.cachedVerdict(b.allowed, userID) {
	case notListed:
		return notAllowed, false
	case unknown:
		return "", true
	}
	return "", false
}

// otherWorkspace is the refusal for a user of another workspace.
func (b *Bot) otherWorkspace() string {
	return "This bot only serves members of " + b.teamName + "."
}
