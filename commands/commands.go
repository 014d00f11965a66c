package commands

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/mirror"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Deps is what the command handlers need from the outside world.
type Deps struct {
	// Syncro is the throttled Syncro client; every call goes through it.
	// Required.
	Syncro *syncro.Client
	// Reads answers what replies only show: the open tickets from the
	// open-ticket mirror (no Syncro call), ticket details and searches
	// through coalesced reads kept a few seconds. Money decisions (bill,
	// close, time, the invoice guard, read-backs) never use it. Required.
	Reads *mirror.Reads
	// Labor maps labor kinds (remote, onsite, …) to Syncro product ids.
	Labor labor.Products
	// Account is the account's currency symbol and labor product names,
	// read at start and refreshed in the background, so replies show
	// money and labor menus as the account does without a Syncro call.
	// Required.
	Account *account.Info
	// WebURL is the Syncro web app's base (https://SUB.syncromsp.com), for
	// "Open in Syncro" links; empty hides them.
	WebURL string
	// Logger receives the full detail of unexpected errors (users see an
	// error id that appears here too).
	Logger *slog.Logger
	// Now is the clock: what the commands send to Syncro and show people
	// follows it. nil means time.Now.
	Now func() time.Time
	// StoreNow is the clock the store's recorded times are on; Now when
	// nil. A time the commands record for the store to compare (a flow's
	// CreatedAt), and every comparison of a time the store holds with
	// now, reads it: on PostgreSQL the database's clock, which every
	// replica shares, while Now stays the host's, which Syncro and people
	// share (README, Running two replicas, Clocks).
	StoreNow func() time.Time
	// SessionLogs files session logs (close, /syncro log) under
	// SESSION_LOG_DIR. Required.
	SessionLogs *sessionlog.Writer
	// Dedup makes a submitted form write once; nil means the durable
	// guard on Store (StoreDedup).
	Dedup Dedup
	// Store is the bot's durable state: idempotency claims, recorded
	// billing and close flows (resumable with the Finish button after a
	// failure or a restart) and the audit of every Syncro write. Required.
	Store Store
}

// Store is the part of the bot's durable state the commands use: claims
// and flows for exactly-once writes, the audit trail, learned flags,
// cursors (how far a restart has told people about unfinished flows),
// the writes people completed lately (asked about before a retype writes
// them again), and the announced set the closed-ticket watcher shares
// (notice.Announcer).
type Store interface {
	store.Claims
	store.Flows
	store.Audit
	store.Flags
	store.Cursors
	store.RecentWrites
	store.Announcements
	// Channels linked to customers and the threads of tickets made from
	// messages (conversation to ticket).
	store.ChannelLinks
	store.TicketThreads
	// Locks holds a ticket's flows to one pass at a time across replicas.
	store.Locks
	// The links unfurled lately, per channel.
	store.Unfurls
	// Each tech's end-of-day summary settings and the days sent
	// (commands/home).
	store.Summaries
	// The channels' ticket subscriptions (commands/subscriptions).
	store.Subscriptions
	// Who each Slack user is in Syncro: the user their time is credited to.
	store.TechMatches
}

// Commands answers slash commands, button clicks, modal submissions and
// select suggestions by looking each up in its Registry. It is safe for
// concurrent use.
type Commands struct {
	cfg Deps
	reg *Registry
}

// New returns the command handlers for cfg: help, and every interaction the
// features register. A collaborator the features need that is missing is
// an error naming the setting that provides it, never a feature that
// silently switches itself off.
func New(cfg Deps, features ...Feature) (*Commands, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StoreNow == nil {
		cfg.StoreNow = cfg.Now
	}
	if cfg.Dedup == nil {
		cfg.Dedup = NewStoreDedup(cfg.Store)
	}
	c := &Commands{cfg: cfg, reg: newRegistry()}
	c.reg.Slash(Slash{Name: cmdline.NameHelp, Handle: c.help})
	for _, f := range features {
		f(c.reg, cfg)
	}
	return c, nil
}

// ShownTime is t, a time the store recorded (on StoreNow's clock), on
// Now's clock, for showing it to people: with the database's clock off
// the host's, the store's record of a moment reads that much off what
// the person saw (README, Running two replicas, Clocks).
func (d Deps) ShownTime(t time.Time) time.Time {
	// A zero time is no record (nothing to show): moved, it would read
	// as a moment centuries ago.
	if d.Now == nil || d.StoreNow == nil || t.IsZero() {
		return t
	}
	return d.Now().Add(t.Sub(d.StoreNow()))
}

// check names the first required collaborator that is missing, by the
// setting that provides it.
func (d Deps) check() error {
	switch {
	case isNil(d.Syncro):
		return errors.New("commands need a Syncro client: set SYNCRO_API_KEY and SYNCRO_SUBDOMAIN")
	case d.Reads == nil:
		return errors.New("commands need the open-ticket mirror: run builds it from SYNCRO_POLL_INTERVAL")
	case d.Account == nil:
		return errors.New("commands need the Syncro account's settings: run starts account.New with the Syncro client")
	case isNil(d.Store):
		return errors.New("commands need the bot's database: set DATA_DIR")
	case len(d.Labor) == 0:
		return errors.New("commands need the labor products: set LABOR_PRODUCTS")
	case d.SessionLogs == nil || strings.TrimSpace(d.SessionLogs.Root) == "":
		return errors.New("commands need a session-log folder: set SESSION_LOG_DIR")
	}
	return nil
}

// isNil reports a missing collaborator, also one passed as a typed nil
// pointer inside an interface (a nil *store.Store as Store).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// Slash answers a /syncro command.
func (c *Commands) Slash(ctx context.Context, r Request) Reply {
	inv, err := cmdline.Parse(r.Text)
	if err != nil {
		var ue *cmdline.UsageError
		if errors.As(err, &ue) {
			return Reply{Text: ue.Error()}
		}
		return c.cfg.Failure(ctx, err, "read that command")
	}
	if inv.Command.NeedsBilling && !r.Actor.CanBill {
		return Reply{Text: "Only techs allowed to bill can use `" + cmdline.SlashCommand + " " + inv.Command.Name + "`. Ask whoever runs the bot to add you to BILLING_USERS."}
	}
	if r.Progress != nil {
		ctx = withRateLimitProgress(ctx, r.Progress)
	}
	e, ok := c.reg.slash[inv.Command.Name]
	if !ok {
		return Reply{Text: "`" + cmdline.SlashCommand + " " + inv.Command.Name + "` isn't available yet."}
	}
	return e.Handle(ctx, r, inv)
}

// Quick answers, without any Syncro call, the commands that need none —
// help and text that doesn't parse — so bot can reply inside the ack. ok
// is false for everything else; Slash gives the same reply for them.
func (c *Commands) Quick(text string) (r Reply, ok bool) {
	inv, err := cmdline.Parse(text)
	if err != nil {
		var ue *cmdline.UsageError
		if errors.As(err, &ue) {
			return Reply{Text: ue.Error()}, true
		}
		return Reply{}, false
	}
	if inv.Command.Name == cmdline.NameHelp {
		return c.help(context.Background(), Request{}, inv), true
	}
	return Reply{}, false
}

// OpensModal reports whether the command text will answer with a modal, so
// bot can open a "Loading…" view with the trigger before any Syncro call
// (triggers expire after 3 s).
func (c *Commands) OpensModal(text string) bool {
	inv, err := cmdline.Parse(text)
	if err != nil {
		return false
	}
	e, ok := c.reg.slash[inv.Command.Name]
	return ok && e.OpensModal != nil && e.OpensModal(inv)
}

// Action answers a button click. A click on a link button, or on a button
// nobody registered, writes nothing.
func (c *Commands) Action(ctx context.Context, a Action) Reply {
	b, ok := c.reg.buttons[a.ActionID]
	switch {
	case !ok:
		return Reply{Text: "I don't know that button; nothing was changed."}
	case b.Link:
		return Reply{}
	}
	return b.Handle(ctx, a)
}

// ActionOpensModal reports whether the action answers with a modal.
func (c *Commands) ActionOpensModal(actionID string) bool {
	return c.reg.buttons[actionID].OpensModal
}

// IsLink reports whether actionID is a URL button, whose click needs only
// an empty ack.
func (c *Commands) IsLink(actionID string) bool {
	return c.reg.buttons[actionID].Link
}

// Validate checks a modal submission without calling Syncro; a non-empty
// result is shown at the fields inside the ack.
func (c *Commands) Validate(s Submission) FieldErrors {
	m, ok := c.reg.modals[s.CallbackID]
	if !ok || m.Validate == nil {
		return nil
	}
	errs := FieldErrors{}
	m.Validate(s, errs)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Submit does the Syncro work of a valid submission.
func (c *Commands) Submit(ctx context.Context, s Submission) Reply {
	return c.submit(ctx, s)
}

// Suggest answers an external select's search.
func (c *Commands) Suggest(ctx context.Context, s Suggestion) []*slack.OptionBlockObject {
	e, ok := c.reg.suggest[s.ActionID]
	if !ok {
		e, ok = c.reg.suggest[s.BlockID]
	}
	if !ok {
		return nil
	}
	return e.Options(ctx, s)
}

// help shows the whole listing, or one subcommand's usage and flags.
func (c *Commands) help(ctx context.Context, r Request, inv cmdline.Invocation) Reply {
	name := strings.TrimSpace(inv.Text)
	if name == "" {
		return Reply{Text: slackfmt.EscapeMrkdwn(cmdline.HelpText()), Blocks: cmdline.HelpBlocks()}
	}
	cmd := cmdline.Lookup(name)
	if cmd == nil {
		msg := "There's no subcommand " + cmdline.Code(name) + "."
		var names []string
		for _, k := range cmdline.Table() {
			if k.Name != "" {
				names = append(names, k.Name)
			}
		}
		if s, ok := cmdline.Suggest(strings.ToLower(name), names); ok {
			msg += " Did you mean " + cmdline.Code(s) + "?"
		}
		return Reply{Text: msg + " Try " + cmdline.Code(cmdline.SlashCommand+" help") + " for the list."}
	}
	text := cmd.HelpText()
	return Reply{
		Text:   slackfmt.EscapeMrkdwn(text),
		Blocks: []slack.Block{TextSection("```" + slackfmt.EscapeMrkdwn(text) + "```")},
	}
}
