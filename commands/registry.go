package commands

import (
	"context"
	"fmt"
	"slices"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// Registry is every interaction the bot answers, one entry each: slash
// subcommands, buttons (by action_id), modals (by callback_id) and select
// suggestions. It is filled once, at start, by the features' Register
// functions, and read-only afterwards. What bot routes, which requests open
// a modal first, and help's handler list are all derived from it, so adding
// a button or a modal is one entry plus its handler (docs/registry.md).
//
// Like slack-go's socketmode handler, a duplicate or empty id panics at
// start: two handlers for one id is a bug that must not reach a user.
type Registry struct {
	slash   map[string]Slash
	buttons map[string]Button
	modals  map[string]Modal
	suggest map[string]ExternalSelect
	// shortcuts are the message shortcuts, by callback_id (shortcuts.go).
	shortcuts map[string]Shortcut
	// unfurler answers link_shared (unfurls.go).
	unfurler Unfurler
	// onStart are the features' start hooks, in registration order.
	onStart []func(ctx context.Context) []Post
	// home builds a person's App Home tab; findTech matches a person to
	// their Syncro user (home.go).
	home     func(ctx context.Context, a Actor) slack.HomeTabViewRequest
	findTech func(ctx context.Context, a Actor) (int64, error)
}

// Slash answers one subcommand of the command table.
type Slash struct {
	// Name is the table's name for the subcommand (a Name… constant).
	Name string
	// OpensModal reports whether this invocation answers with a modal, so
	// bot can open a "Loading…" view with the trigger before any Syncro
	// call (triggers expire after 3 s); nil means never.
	OpensModal func(inv cmdline.Invocation) bool
	// Handle answers the invocation.
	Handle func(ctx context.Context, r Request, inv cmdline.Invocation) Reply
}

// Button answers clicks on one action_id.
type Button struct {
	// ActionID is the block element's action_id.
	ActionID string
	// OpensModal is true when the click answers with a modal.
	OpensModal bool
	// Link marks a URL button ("Open in Syncro"): Slack still sends a
	// block_actions for it, which is acknowledged and nothing else.
	Link bool
	// Handle answers the click; nil exactly when Link is set.
	Handle func(ctx context.Context, a Action) Reply
}

// Modal answers submissions of one callback_id.
type Modal struct {
	// CallbackID is the view's callback_id.
	CallbackID string
	// Validate adds field errors without calling Syncro (shown inside the
	// ack); nil accepts every submission.
	Validate func(s Submission, errs FieldErrors)
	// Submit does the Syncro work of a valid submission. Commands runs it
	// once per submission (a redelivery or double click writes nothing
	// twice) and sends its reply to the channel the modal names.
	Submit func(ctx context.Context, s Submission, meta ModalMeta) Reply
}

// ExternalSelect answers the block_suggestion of one external select.
type ExternalSelect struct {
	// ActionID is the external select's action_id.
	ActionID string
	// Options answers the typed query.
	Options func(ctx context.Context, s Suggestion) []*slack.OptionBlockObject
}

// Post is a reply for one person that no interaction of theirs asked for:
// after a restart, the work a crash cut off, with its Finish button.
type Post struct {
	// UserID is the Slack user (U…) it is for.
	UserID string
	// Reply is the message. bot shows it to UserID only, in
	// Reply.ChannelID, or as a direct message when that is empty or
	// Slack refuses it there.
	Reply Reply
	// Sent, if not nil, hears how the post went, once bot tried it: nil
	// when Slack accepted every message of Reply, else why not. A post
	// never tried (the bot stopped first) never hears: a hook records
	// what it told only here, so what Slack refused is told again at the
	// next start.
	Sent func(err error)
}

// Feature registers one area's interactions (tickets, customers) with the
// collaborators it needs. cmd/bot passes each feature to New.
type Feature func(r *Registry, d Deps)

// newRegistry returns an empty registry.
func newRegistry() *Registry {
	return &Registry{
		slash:   map[string]Slash{},
		buttons: map[string]Button{},
		modals:  map[string]Modal{},
		suggest: map[string]ExternalSelect{},

		shortcuts: map[string]Shortcut{},
	}
}

// Slash registers a subcommand handler; the name must be in the table.
func (r *Registry) Slash(e Slash) {
	if cmdline.Lookup(e.Name) == nil {
		panic(fmt.Sprintf("commands: handler for unknown command %q", e.Name))
	}
	if e.Handle == nil {
		panic(fmt.Sprintf("commands: command %q has no handler", e.Name))
	}
	register(r.slash, "command", e.Name, e)
}

// Button registers a button.
func (r *Registry) Button(b Button) {
	if b.ActionID == "" || (b.Handle == nil) != b.Link {
		panic(fmt.Sprintf("commands: button %q needs an action id and exactly one of Handle or Link", b.ActionID))
	}
	register(r.buttons, "button", b.ActionID, b)
}

// Modal registers a modal's submission handler.
func (r *Registry) Modal(m Modal) {
	if m.CallbackID == "" || m.Submit == nil {
		panic(fmt.Sprintf("commands: modal %q needs a callback id and Submit", m.CallbackID))
	}
	register(r.modals, "modal", m.CallbackID, m)
}

// ExternalSelect registers an external select's suggestions.
func (r *Registry) ExternalSelect(s ExternalSelect) {
	if s.ActionID == "" || s.Options == nil {
		panic(fmt.Sprintf("commands: suggestion %q needs an action id and Options", s.ActionID))
	}
	register(r.suggest, "suggestion", s.ActionID, s)
}

// OnStart registers work to do once the bot is connected, before anyone
// asks: f returns what to tell whom (Commands.Startup).
func (r *Registry) OnStart(f func(ctx context.Context) []Post) {
	if f == nil {
		panic("commands: nil start hook")
	}
	r.onStart = append(r.onStart, f)
}

// register adds v under id, panicking on a duplicate or an id longer than
// Slack accepts.
func register[V any](m map[string]V, what, id string, v V) {
	if _, dup := m[id]; dup {
		panic(fmt.Sprintf("commands: duplicate %s %q", what, id))
	}
	if len(id) > slackfmt.MaxActionID {
		panic(fmt.Sprintf("commands: %s id %q is longer than Slack allows", what, id))
	}
	m[id] = v
}

// Startup runs the features' start hooks, in the order they registered,
// and returns what bot is to post: bot calls it once, after connecting.
func (c *Commands) Startup(ctx context.Context) []Post {
	var posts []Post
	for _, f := range c.reg.onStart {
		posts = append(posts, f(ctx)...)
	}
	return posts
}

// ActionIDs lists every registered button's action_id, sorted: what bot
// routes to Action.
func (c *Commands) ActionIDs() []string { return sortedKeys(c.reg.buttons) }

// CallbackIDs lists every registered modal's callback_id, sorted: what bot
// routes to Validate and Submit.
func (c *Commands) CallbackIDs() []string { return sortedKeys(c.reg.modals) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
