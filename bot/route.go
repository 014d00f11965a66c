package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/commands/cmdline"
)

// LoadingCallbackID is the callback_id of the "Loading…" and error modals
// bot shows itself; their submissions and closes are acked and dropped.
const LoadingCallbackID = "syncrobot_loading"

// envelope is one Socket Mode request on its way through the bot.
type envelope struct {
	req      *socketmode.Request
	kind     string // envelope type, or interaction type, for logs
	received time.Time
	// acked is set by the first ack; later ones are dropped, so racing
	// answers (a late timer, a panic's apology) never ack twice.
	acked *atomic.Bool
}

// click is one block action with the interaction carrying it.
type click struct {
	cb  slack.InteractionCallback
	act *slack.BlockAction
}

// routes maps the ids of one kind (slash commands, interaction types,
// action_ids, view callback_ids) to handlers that take the decoded
// payload T. Routes are registered once, at wire-up, before the first
// envelope; the table is then read-only. A handler must ack its envelope
// and must not block.
type routes[T any] struct {
	kind string // what the ids name, for the duplicate panic
	m    map[string]func(envelope, T)
}

func newRoutes[T any](kind string) *routes[T] {
	return &routes[T]{kind: kind, m: map[string]func(envelope, T){}}
}

// handle registers f for id and panics on a duplicate, as slack-go's
// SocketmodeHandler does: two handlers for one id is a bug.
func (r *routes[T]) handle(id string, f func(envelope, T)) {
	if _, dup := r.m[id]; dup {
		panic(fmt.Sprintf("bot: duplicate route %s %q", r.kind, id))
	}
	r.m[id] = f
}

// lookup finds the route for id.
func (r *routes[T]) lookup(id string) (func(envelope, T), bool) {
	f, ok := r.m[id]
	return f, ok
}

// router holds every route the bot serves, one typed table per kind.
type router struct {
	slash        *routes[slack.SlashCommand]         // by command, "/syncro"
	interactions *routes[slack.InteractionCallback]  // by interaction type
	actions      *routes[click]                      // by action_id
	views        *routes[slack.InteractionCallback]  // by view callback_id
	shortcuts    *routes[slack.InteractionCallback]  // by message shortcut callback_id
	events       *routes[slackevents.EventsAPIEvent] // by inner event type: "app_home_opened", "link_shared", "channel_shared"
}

// wireRoutes registers every route the bot serves.
func (b *Bot) wireRoutes() *router {
	r := &router{
		slash:        newRoutes[slack.SlashCommand]("slash"),
		interactions: newRoutes[slack.InteractionCallback]("interaction"),
		actions:      newRoutes[click]("action"),
		views:        newRoutes[slack.InteractionCallback]("view"),
		shortcuts:    newRoutes[slack.InteractionCallback]("shortcut"),
		events:       newRoutes[slackevents.EventsAPIEvent]("event"),
	}
	r.slash.handle(cmdline.SlashCommand, b.onSlash)
	r.interactions.handle(string(slack.InteractionTypeBlockActions), b.onBlockActions)
	r.interactions.handle(string(slack.InteractionTypeViewSubmission), b.onViewSubmission)
	r.interactions.handle(string(slack.InteractionTypeBlockSuggestion), b.onSuggestion)
	r.interactions.handle(string(slack.InteractionTypeViewClosed), b.ackOnly)
	r.interactions.handle(string(slack.InteractionTypeMessageAction), b.onMessageAction)

	// Buttons and modals are routed by the ids the commands registered
	// (docs/registry.md), one route each; anything else is logged and
	// acked, so no click or form reaches a handler that doesn't know it.
	r.views.handle(LoadingCallbackID, b.ackOnly)
	for _, id := range b.cmds.CallbackIDs() {
		r.views.handle(id, b.onSubmission)
	}
	for _, id := range b.cmds.ActionIDs() {
		r.actions.handle(id, b.onClick)
	}
	for _, id := range b.cmds.ShortcutIDs() {
		r.shortcuts.handle(id, b.onShortcut)
	}
	if b.cmds.HasHome() {
		r.events.handle(string(slackevents.AppHomeOpened), b.onHomeOpened)
	}
	r.events.handle(string(slackevents.LinkShared), b.onLinkShared)
	r.events.handle(string(slackevents.ChannelShared), b.onSharingChanged)
	r.events.handle(string(slackevents.ChannelUnshared), b.onSharingChanged)
	return r
}

// Routed is what the bot answers, each list sorted: the manifest must
// name every one (slash_commands, shortcuts, bot_events), or Slack never
// sends it.
type Routed struct {
	SlashCommands, Shortcuts, Events []string
}

// Routed lists the slash commands, message shortcuts and events b routes.
func (b *Bot) Routed() Routed {
	return Routed{
		SlashCommands: slices.Sorted(maps.Keys(b.routes.slash.m)),
		Shortcuts:     slices.Sorted(maps.Keys(b.routes.shortcuts.m)),
		Events:        slices.Sorted(maps.Keys(b.routes.events.m)),
	}
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
	case socketmode.EventTypeErrorBadMessage:
		b.badMessage(evt.Data, now)
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError,
		socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("socket trouble", "type", evt.Type, "err", socketErr(evt.Data))
		return
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("slack refused the app token")
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		b.log.Debug("socket event without envelope", "type", evt.Type)
		return
	}
	env := envelope{req: evt.Request, kind: string(evt.Type), received: now, acked: new(atomic.Bool)}
	defer b.survive(&env)

	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			b.unknown(env, "undecodable slash command")
			return
		}
		if f, ok := b.routes.slash.lookup(cmd.Command); ok {
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
		if f, ok := b.routes.interactions.lookup(string(cb.Type)); ok {
			f(env, cb)
			return
		}
		b.unknown(env, "unhandled interaction type "+string(cb.Type))
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			b.unknown(env, "undecodable event")
			return
		}
		env.kind = ev.InnerEvent.Type
		if f, ok := b.routes.events.lookup(ev.InnerEvent.Type); ok {
			f(env, ev)
			return
		}
		b.unknown(env, "unhandled event "+ev.InnerEvent.Type)
	default:
		// Anything newer: acked so Slack does not redeliver.
		b.unknown(env, "unhandled envelope type "+string(evt.Type))
	}
}

// badMessage handles a frame slack-go could not parse into a request. The
// frame holds whatever the person typed and the interaction's
// response_url, so only its envelope id, type and the parse error are
// logged; when the id can be read the envelope is acked, so Slack does not
// redeliver it into the same error and the person is not left waiting.
func (b *Bot) badMessage(data any, now time.Time) {
	bad, ok := data.(*socketmode.ErrorBadMessage)
	if !ok {
		b.log.Warn("unreadable envelope", "err", fmt.Sprintf("unexpected event data %T", data))
		return
	}
	var head struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	// A frame that is not even a JSON object leaves both empty.
	_ = json.Unmarshal(bad.Message, &head)
	b.log.Warn("unreadable envelope; acked and dropped", "envelope_id", head.EnvelopeID, "type", head.Type,
		"bytes", len(bad.Message), "err", bad.Cause)
	if head.EnvelopeID == "" {
		return
	}
	b.ack(envelope{req: &socketmode.Request{EnvelopeID: head.EnvelopeID, Type: head.Type},
		kind: head.Type, received: now, acked: new(atomic.Bool)}, nil)
}

// socketErr is the error inside a socket event's data, without the rest
// of it (a failed write carries the ack's payload, which may quote what a
// person typed).
func socketErr(data any) error {
	switch d := data.(type) {
	case *socketmode.ErrorWriteFailed:
		return d.Cause
	case *slack.IncomingEventError:
		return d.ErrorObj
	case *slack.ConnectionErrorEvent:
		return d.ErrorObj
	case error:
		return d
	}
	return fmt.Errorf("socket event data %T", data)
}

// survive keeps the event loop serving when handling env panicked (a
// payload no handler expected): it logs the panic with an error id and
// acks env unless that already happened, so Slack neither shows a timeout
// nor redelivers the envelope into the same panic. Deferred by dispatch.
// Handlers take a work slot right before spawning, and spawn recovers its
// own panics, so a panic caught here holds no slot.
func (b *Bot) survive(env *envelope) {
	r := recover()
	if r == nil {
		return
	}
	b.logPanic("envelope handling panicked; acking it and serving on", *env, r)
	b.ack(*env, nil)
}

// unknown logs an envelope nobody handles and acks it.
func (b *Bot) unknown(env envelope, why string) {
	b.log.Info("ignoring envelope", "type", env.kind, "why", why)
	b.ack(env, nil)
}

// ackOnly is a route that acks and does nothing else.
func (b *Bot) ackOnly(env envelope, _ slack.InteractionCallback) { b.ack(env, nil) }

// ack sends the envelope's ack with payload (nil for none) and logs the
// envelope at debug with its latency. Only the first ack of an envelope
// is sent; ack reports whether this was it.
func (b *Bot) ack(env envelope, payload any) (first bool) {
	if !env.acked.CompareAndSwap(false, true) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
	defer cancel()
	err := b.sock.AckCtx(ctx, env.req.EnvelopeID, payload)
	latency := time.Since(env.received)
	b.cfg.Observer.EnvelopeAcked(env.kind, latency, err)
	if err != nil {
		b.log.Warn("ack failed", "type", env.kind, "envelope_id", env.req.EnvelopeID, "err", err)
		return true
	}
	b.log.Debug("envelope", "type", env.kind, "envelope_id", env.req.EnvelopeID,
		"retry_attempt", env.req.RetryAttempt, "ack_latency", latency)
	return true
}
