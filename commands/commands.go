package commands

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Config is what the command handlers need from the outside world.
type Config struct {
	// Syncro is the throttled Syncro client; every call goes through it.
	Syncro *syncro.Client
	// Labor maps labor kinds (remote, onsite, …) to Syncro product ids.
	Labor labor.Products
	// WebURL is the Syncro web app's base (https://SUB.syncromsp.com), for
	// "Open in Syncro" links; empty hides them.
	WebURL string
	// Logger receives the full detail of unexpected errors (users see an
	// error id that appears here too).
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SessionLogs files session logs (close, /syncro log); nil when
	// SESSION_LOG_DIR is not set, and then none are offered.
	SessionLogs *sessionlog.Writer
	// Dedup makes a submitted form write once; nil means an in-process
	// guard (MemoryDedup).
	Dedup Dedup
	// Store is the bot's durable state: idempotency claims, recorded
	// billing and close flows (resumable with the Finish button after a
	// failure or a restart) and the audit of every Syncro write. nil keeps
	// flows in a private temporary store and audits only to the log.
	Store Store
	// LaborNames names labor products by id ("Labor - Remote Business")
	// so replies need no product lookup; missing ones are fetched once.
	LaborNames map[int64]string
	// ResolveTechs finds a tech's Syncro user (by Slack email) in the
	// background after their first write, so later comments and time carry
	// that user instead of the API key's. Flows themselves only read the
	// cache, so it never adds calls to a flow. Off by default.
	ResolveTechs bool
}

// Store is the part of the bot's durable state the commands use: claims
// and flows for exactly-once writes, the audit trail, and learned flags.
type Store interface {
	store.Claims
	store.Flows
	store.Audit
	store.Flags
}

// Commands answers slash commands, button clicks, modal submissions and
// select suggestions. It is safe for concurrent use.
type Commands struct {
	cfg Config
	// slash maps a command name from the table to its handler; commands
	// in the table without a handler answer "not available yet".
	slash map[string]slashHandler
	techs techCache // Slack email → Syncro user id, for /syncro mine (read_techs.go)
	// resolver fills techs in the background (Config.ResolveTechs).
	resolver techResolver

	// w is what the write side remembers between requests (timelog.go).
	w writeState
	// fl is the flow runner's state (flow.go).
	fl flowState
}

// slashHandler answers one parsed /syncro command.
type slashHandler func(ctx context.Context, r Request, inv Invocation) Reply

// New returns the command handlers for cfg.
func New(cfg Config) *Commands {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Labor == nil {
		cfg.Labor = labor.Default()
	}
	if cfg.Dedup == nil && cfg.Store != nil {
		cfg.Dedup = NewStoreDedup(cfg.Store)
	}
	c := &Commands{cfg: cfg}
	c.loadTimerPath()
	c.slash = map[string]slashHandler{
		NameOpenTickets: c.openTickets,
		NameHelp:        c.help,
		NameTicket:      c.ticket,
		NameSearch:      c.search,
		NameCustomers:   c.customers,
		NameMine:        c.mine,
		NameCreate:      c.create,
		NameUpdate:      c.update,
		NameClose:       c.close,
		NameComment:     c.comment,
		NameBill:        c.bill,
		NameLog:         c.log,
		NameAudit:       c.auditCmd,
	}
	c.addCustomerCommands()
	for name := range c.slash {
		if Lookup(name) == nil {
			panic("commands: handler for unknown command " + name)
		}
	}
	return c
}

// Slash answers a /syncro command.
func (c *Commands) Slash(ctx context.Context, r Request) Reply {
	inv, err := Parse(r.Text)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			return Reply{Text: ue.Error()}
		}
		return c.failure(ctx, err, "read that command")
	}
	if inv.Command.NeedsBilling && !r.Actor.CanBill {
		return Reply{Text: "Only techs allowed to bill can use `" + SlashCommand + " " + inv.Command.Name + "`. Ask whoever runs the bot to add you to BILLING_USERS."}
	}
	if r.Progress != nil {
		ctx = withRateLimitProgress(ctx, r.Progress)
	}
	h, ok := c.slash[inv.Command.Name]
	if !ok {
		return Reply{Text: "`" + SlashCommand + " " + inv.Command.Name + "` isn't available yet."}
	}
	return h(ctx, r, inv)
}

// Quick answers, without any Syncro call, the commands that need none —
// help and text that doesn't parse — so bot can reply inside the ack. ok
// is false for everything else; Slash gives the same reply for them.
func (c *Commands) Quick(text string) (r Reply, ok bool) {
	inv, err := Parse(text)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			return Reply{Text: ue.Error()}, true
		}
		return Reply{}, false
	}
	if inv.Command.Name == NameHelp {
		return c.help(context.Background(), Request{}, inv), true
	}
	return Reply{}, false
}

// OpensModal reports whether the command text will answer with a modal, so
// bot can open a "Loading…" view with the trigger before any Syncro call
// (triggers expire after 3 s).
func (c *Commands) OpensModal(text string) bool {
	inv, err := Parse(text)
	if err != nil {
		return false
	}
	switch inv.Command.Name {
	case NameCreate, NameClose, NameBill:
		return true
	case NameCustomerCreate, NameCustomerEdit, NameContactAdd, NameContactEdit:
		return true
	case NameUpdate:
		return len(inv.Flags) == 0
	}
	return false
}

// Action answers a button click.
func (c *Commands) Action(ctx context.Context, a Action) Reply {
	if a.ActionID == ActionFinish {
		return c.finish(ctx, a)
	}
	return c.action(ctx, a)
}

// ActionOpensModal reports whether the action answers with a modal.
func (c *Commands) ActionOpensModal(actionID string) bool {
	return actionOpensModal(actionID)
}

// Validate checks a modal submission without calling Syncro; a non-empty
// result is shown at the fields inside the ack.
func (c *Commands) Validate(s Submission) FieldErrors {
	return c.validate(s)
}

// Submit does the Syncro work of a valid submission.
func (c *Commands) Submit(ctx context.Context, s Submission) Reply {
	return c.submit(ctx, s)
}

// Suggest answers an external select's search.
func (c *Commands) Suggest(ctx context.Context, s Suggestion) []*slack.OptionBlockObject {
	return c.suggest(ctx, s)
}
