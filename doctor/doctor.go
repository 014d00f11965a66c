// Package doctor checks a syncrobot deployment before (or while) it runs:
// configuration, Slack tokens, the Syncro key and its permissions, the
// labor products, the notification channel and the writable directories.
// Each check says what it found and, when it fails, how to fix it.
//
// The checks only read: Slack methods that change nothing (auth.test,
// conversations.info, apps.connections.open whose URL is never dialed),
// Syncro GETs, and a temporary file created and removed in each directory.
// No test message is posted to NOTIFY_CHANNEL: a doctor run from a deploy
// script must not spam the channel, and conversations.info (is_member) plus
// the token's scopes give the same evidence chat.postMessage's errors would.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/syncrobot/syncrobot/config"
)

// DefaultTimeout bounds each network check.
const DefaultTimeout = 15 * time.Second

// Check is one line of the report.
type Check struct {
	// Name says what was checked, e.g. "Slack bot token".
	Name string
	// OK is true when the check passed (or could not be checked, see
	// Unchecked); the report passes only when every check is OK.
	OK bool
	// Unchecked marks a check that cannot be decided from what the APIs
	// expose (e.g. a Syncro permission /me does not list). It counts as
	// OK and is printed with "–" so nobody mistakes it for a pass.
	Unchecked bool
	// Warning marks a check that passed with a risk the operator should
	// know of (everyone may merge customers, say). It counts as OK and
	// is printed with "!" and its Fix.
	Warning bool
	// Detail is what was found.
	Detail string
	// Fix says what to do when the check failed.
	Fix string
}

// Report is the outcome of every check, in the order they ran.
type Report struct {
	Checks []Check
}

// OK reports whether every check passed.
func (r Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Write prints the checklist, one line per check, and a summary line.
func (r Report) Write(w io.Writer) error {
	var b strings.Builder
	failed, unchecked := 0, 0
	for _, c := range r.Checks {
		mark := "✓"
		switch {
		case !c.OK:
			mark = "✗"
			failed++
		case c.Unchecked:
			mark = "–"
			unchecked++
		case c.Warning:
			mark = "!"
		}
		fmt.Fprintf(&b, "%s %s: %s", mark, c.Name, c.Detail)
		if (!c.OK || c.Warning) && c.Fix != "" {
			fmt.Fprintf(&b, " Fix: %s", c.Fix)
		}
		b.WriteByte('\n')
	}
	switch {
	case failed == 0 && unchecked > 0:
		fmt.Fprintf(&b, "All %d checks passed (%d of them not checkable).\n", len(r.Checks), unchecked)
	case failed == 0:
		fmt.Fprintf(&b, "All %d checks passed.\n", len(r.Checks))
	default:
		fmt.Fprintf(&b, "%d of %d checks failed.\n", failed, len(r.Checks))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Options configures Run. The zero value uses real HTTP clients.
type Options struct {
	// HTTPClient sends the Slack and Syncro requests; default a client
	// with a 30 s timeout. Tests point the config's URLs at fakes.
	HTTPClient *http.Client
	// Timeout bounds each network check; default DefaultTimeout.
	Timeout time.Duration
}

// Run runs every check against cfg and returns the report. It never
// returns early: one broken token should not hide the next problem.
func Run(ctx context.Context, cfg *config.Config, opts Options) Report {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	var r Report
	add := func(cs ...Check) { r.Checks = append(r.Checks, cs...) }

	add(configCheck(cfg), accessCheck(cfg))
	sl := &slackChecker{http: opts.HTTPClient, base: cfg.SlackAPIURL, timeout: opts.Timeout}
	bot, scopes := sl.botToken(ctx, cfg.SlackBotToken, botScopesFor(cfg))
	add(bot)
	add(sl.appToken(ctx, cfg.SlackAppToken))

	sy := newSyncroChecker(cfg, opts)
	add(sy.checks(ctx, cfg.LaborProducts)...)

	add(sl.notifyChannel(ctx, cfg.SlackBotToken, cfg.NotifyChannel, scopes, bot.OK))
	if cfg.DatabaseURL.IsZero() {
		add(dirCheck("DATA_DIR", cfg.DataDir))
	}
	add(databaseChecks(ctx, cfg, opts.Timeout)...)
	add(dirCheck("SESSION_LOG_DIR", cfg.SessionLogDir))
	return r
}

// configCheck reports that the configuration loaded, naming SOPS when the
// Syncro key came from an encrypted file.
func configCheck(cfg *config.Config) Check {
	if cfg.SyncroAPIKeySOPSFile != "" {
		return Check{Name: "SOPS decryption", OK: true,
			Detail: fmt.Sprintf("Syncro API key decrypted from %s (path %s).", cfg.SyncroAPIKeySOPSFile, cfg.SyncroAPIKeySOPSPath)}
	}
	return Check{Name: "Configuration", OK: true, Detail: "every variable is valid (SYNCRO_API_KEY set directly, no SOPS file)."}
}

// accessCheck says who may use the bot, and warns when nobody limits
// who merges and deletes customers (README, Security).
func accessCheck(cfg *config.Config) Check {
	c := Check{Name: "Access", OK: true}
	guests := "guests, deactivated accounts and bots are refused."
	if cfg.AllowGuests {
		guests = "guests are served (ALLOW_GUESTS) but bill or administer only when BILLING_USERS/ADMIN_USERS name them; deactivated accounts and bots are refused."
	}
	switch {
	case len(cfg.AllowedUsers) == 0 && len(cfg.AdminUsers) == 0:
		c.Warning = true
		c.Detail = "ALLOWED_USERS and ADMIN_USERS are both empty: every member of the workspace can use the bot, and every member can merge and delete customers; " + guests
		c.Fix = "set ADMIN_USERS (or BILLING_USERS) to the people who may merge and delete customers, and ALLOWED_USERS to your technicians."
	case len(cfg.AdminUsers) == 0:
		c.Detail = fmt.Sprintf("%d users or groups in ALLOWED_USERS, each of whom can merge and delete customers (ADMIN_USERS and BILLING_USERS are empty); %s", len(cfg.AllowedUsers), guests)
	default:
		c.Detail = fmt.Sprintf("%d users or groups may merge and delete customers; %s", len(cfg.AdminUsers), guests)
	}
	return c
}

// ConfigErrors turns config.Load's error into a report with one failed
// check per variable, so `bot -check` with a broken environment still
// prints a checklist rather than a bare error.
func ConfigErrors(err error) Report {
	var r Report
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var ve *config.VarError
		if !errors.As(e, &ve) {
			r.Checks = append(r.Checks, Check{Name: "Configuration", Detail: e.Error() + ".", Fix: "run `bot -h` for every variable."})
			continue
		}
		r.Checks = append(r.Checks, Check{Name: ve.Var, Detail: ve.Err.Error() + ".", Fix: configFix(ve.Var)})
	}
	return r
}

// configFix is the advice for a variable that did not load.
func configFix(v string) string {
	switch {
	case v == "SYNCRO_API_KEY_SOPS_FILE" || v == "SYNCRO_API_KEY_SOPS_PATH" || strings.HasPrefix(v, "SOPS_"):
		return "check that `sops -d` decrypts the file on this host (age identity in SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or KMS credentials) and that SYNCRO_API_KEY_SOPS_PATH names the key inside it."
	case v == "SLACK_BOT_TOKEN":
		return "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN."
	case v == "SLACK_APP_TOKEN":
		return "create an app-level token with connections:write under Basic Information › App-Level Tokens and set SLACK_APP_TOKEN (xapp-…)."
	case v == "SYNCRO_API_KEY":
		return "create a token under Admin › API › API Tokens in Syncro and set SYNCRO_API_KEY (or SYNCRO_API_KEY_SOPS_FILE)."
	}
	return "set " + v + " as `bot -h` describes."
}

// dirCheck proves dir is writable the way the bot writes: it creates the
// directory if missing (as the bot would at start), then creates and
// removes a temporary file in it.
func dirCheck(name, dir string) Check {
	c := Check{Name: name + " writable"}
	fix := fmt.Sprintf("create %s and make it writable by the bot's user (chown/chmod; in Docker mount a volume there), or point %s at a writable directory.", dir, name)
	created := false
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			c.Detail, c.Fix = fmt.Sprintf("%s does not exist and cannot be created: %v.", dir, unwrapPath(err)), fix
			return c
		}
		created = true
	}
	f, err := os.CreateTemp(dir, ".syncrobot-check-*")
	if err != nil {
		c.Detail, c.Fix = fmt.Sprintf("cannot create a file in %s: %v.", dir, unwrapPath(err)), fix
		return c
	}
	name2 := f.Name()
	f.Close()
	if err := os.Remove(name2); err != nil {
		c.Detail, c.Fix = fmt.Sprintf("created but cannot remove %s: %v.", name2, unwrapPath(err)), fix
		return c
	}
	c.OK = true
	c.Detail = dir + " accepts new files."
	if created {
		c.Detail = dir + " was missing; created it, and it accepts new files."
	}
	return c
}

// unwrapPath drops *PathError's repetition of the path we already name.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
