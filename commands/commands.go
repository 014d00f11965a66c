package commands

import (
	"context"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/syncro"
)

// Config is what the command handlers need from the outside world.
type Config struct {
	// Syncro is the throttled Syncro client; every call goes through it.
	Syncro *syncro.Client
	// Labor maps labor kinds (remote, onsite, …) to Syncro product ids.
	Labor LaborMap
	// WebURL is the Syncro web app's base (https://SUB.syncromsp.com), for
	// "Open in Syncro" links; empty hides them.
	WebURL string
	// Logger receives the full detail of unexpected errors (users see an
	// error id that appears here too).
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Commands answers slash commands, button clicks, modal submissions and
// select suggestions. It is safe for concurrent use.
type Commands struct {
	cfg Config
}

// New returns the command handlers for cfg.
func New(cfg Config) *Commands {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Labor == nil {
		cfg.Labor = DefaultLaborMap()
	}
	return &Commands{cfg: cfg}
}

// Slash answers a /syncro command.
func (c *Commands) Slash(ctx context.Context, r Request) Reply {
	return Reply{Text: "Not implemented yet."}
}

// OpensModal reports whether the command text will answer with a modal, so
// bot can open a "Loading…" view with the trigger before any Syncro call
// (triggers expire after 3 s).
func (c *Commands) OpensModal(text string) bool {
	return false
}

// Action answers a button click.
func (c *Commands) Action(ctx context.Context, a Action) Reply {
	return Reply{Text: "Not implemented yet."}
}

// ActionOpensModal reports whether the action answers with a modal.
func (c *Commands) ActionOpensModal(actionID string) bool {
	return false
}

// Validate checks a modal submission without calling Syncro; a non-empty
// result is shown at the fields inside the ack.
func (c *Commands) Validate(s Submission) FieldErrors {
	return nil
}

// Submit does the Syncro work of a valid submission.
func (c *Commands) Submit(ctx context.Context, s Submission) Reply {
	return Reply{Text: "Not implemented yet."}
}

// Suggest answers an external select's search.
func (c *Commands) Suggest(ctx context.Context, s Suggestion) []*slack.OptionBlockObject {
	return nil
}
