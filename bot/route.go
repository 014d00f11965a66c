package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/commands"
)

// Route kinds: what a route key's id names.
const (
	kindSlash       = "slash"       // id: the command, "/syncro"
	kindInteraction = "interaction" // id: the interaction type, "block_actions"
	kindAction      = "action"      // id: a block action's action_id
	kindView        = "view"        // id: a view_submission's callback_id
)

// anyID is the route id matching every id of its kind that has no route
// of its own.
const anyID = "*"

// LoadingCallbackID is the callback_id of the "Loading…" and error modals
// bot shows itself; their submissions and closes are acked and dropped.
const LoadingCallbackID = "syncrobot_loading"

// envelope is one Socket Mode request on its way through the bot.
type envelope struct {
	req      *socketmode.Request
	kind     string // envelope type, or interaction type, for logs
	received time.Time
}

// routeFunc handles one envelope; it must ack it, and must not block.
type routeFunc func(env envelope, data any)

type routeKey struct{ kind, id string }

// router maps (kind, id) to a handler. Routes are registered once, at
// wire-up, before the first envelope; it is then read-only.
type router struct {
	routes map[routeKey]routeFunc
}

// handle registers f for (kind, id) and panics on a duplicate, as
// slack-go's SocketmodeHandler does: two handlers for one id is a bug.
func (r *router) handle(kind, id string, f routeFunc) {
	k := routeKey{kind, id}
	if _, dup := r.routes[k]; dup {
		panic(fmt.Sprintf("bot: duplicate route %s %q", kind, id))
	}
	r.routes[k] = f
}

// lookup finds the route for (kind, id), falling back to the kind's
// catch-all.
func (r *router) lookup(kind, id string) (routeFunc, bool) {
	if f, ok := r.routes[routeKey{kind, id}]; ok {
		return f, true
	}
	f, ok := r.routes[routeKey{kind, anyID}]
	return f, ok
}

// wireRoutes registers every route the bot serves.
func (b *Bot) wireRoutes() *router {
	r := &router{routes: map[routeKey]routeFunc{}}
	r.handle(kindSlash, commands.SlashCommand, b.onSlash)
	r.handle(kindInteraction, string(slack.InteractionTypeBlockActions), b.onBlockActions)
	r.handle(kindInteraction, string(slack.InteractionTypeViewSubmission), b.onViewSubmission)
	r.handle(kindInteraction, string(slack.InteractionTypeBlockSuggestion), b.onSuggestion)
	r.handle(kindInteraction, string(slack.InteractionTypeViewClosed), b.ackOnly)

	r.handle(kindView, LoadingCallbackID, b.ackOnly)
	if len(b.cfg.CallbackIDs) == 0 {
		r.handle(kindView, anyID, b.submitToCommands)
	}
	for _, id := range b.cfg.CallbackIDs {
		r.handle(kindView, id, b.submitToCommands)
	}
	if len(b.cfg.ActionIDs) == 0 {
		r.handle(kindAction, anyID, b.actionToCommands)
	}
	for _, id := range b.cfg.ActionIDs {
		r.handle(kindAction, id, b.actionToCommands)
	}
	return r
}

// dispatch handles one event from the socket. It runs on the event loop:
// it acks and hands work to goroutines, and never waits on Slack's Web API,
// Syncro or a handler.
func (b *Bot) dispatch(evt socketmode.Event) {
	now := time.Now()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.cfg.Observer.SocketState(false)
		b.log.Debug("socket connecting")
		return
	case socketmode.EventTypeConnected:
		n := 0
		if ce, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
			n = ce.ConnectionCount
		}
		b.cfg.Observer.SocketState(true)
		b.log.Info("socket connected", "connection", n)
		return
	case socketmode.EventTypeHello:
		b.log.Debug("socket hello")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError,
		socketmode.EventTypeErrorWriteFailed, socketmode.EventTypeErrorBadMessage:
		b.log.Warn("socket trouble", "type", evt.Type, "detail", fmt.Sprint(evt.Data))
		return
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("slack refused the app token")
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		b.log.Debug("socket event without envelope", "type", evt.Type)
		return
	}
	env := envelope{req: evt.Request, kind: string(evt.Type), received: now}

	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			b.unknown(env, "undecodable slash command")
			return
		}
		if f, ok := b.routes.lookup(kindSlash, cmd.Command); ok {
			f(env, cmd)
			return
		}
		b.unknown(env, "unknown slash command "+cmd.Command)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			b.unknown(env, "undecodable interaction")
			return
		}
		env.kind = string(cb.Type)
		if f, ok := b.routes.lookup(kindInteraction, string(cb.Type)); ok {
			f(env, cb)
			return
		}
		b.unknown(env, "unhandled interaction type "+string(cb.Type))
	default:
		// events_api and anything newer: acked so Slack does not redeliver.
		b.unknown(env, "unhandled envelope type "+string(evt.Type))
	}
}

// unknown logs an envelope nobody handles and acks it.
func (b *Bot) unknown(env envelope, why string) {
	b.log.Info("ignoring envelope", "type", env.kind, "why", why)
	b.ack(env, nil)
}

// ackOnly acks and does nothing else.
func (b *Bot) ackOnly(env envelope, _ any) { b.ack(env, nil) }

// ack sends the envelope's ack with payload (nil for none) and logs the
// envelope at debug with its latency.
func (b *Bot) ack(env envelope, payload any) {
	ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
	defer cancel()
	err := b.sock.AckCtx(ctx, env.req.EnvelopeID, payload)
	latency := time.Since(env.received)
	b.cfg.Observer.EnvelopeAcked(env.kind, latency, err)
	if err != nil {
		b.log.Warn("ack failed", "type", env.kind, "envelope_id", env.req.EnvelopeID, "err", err)
		return
	}
	b.log.Debug("envelope", "type", env.kind, "envelope_id", env.req.EnvelopeID,
		"retry_attempt", env.req.RetryAttempt, "ack_latency", latency)
}
