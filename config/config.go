// Package config reads the bot's configuration from the environment and,
// optionally, the Syncro API key from a SOPS-encrypted file.
//
// The struct tags on Config are the single source of truth: envconfig
// renders them for `bot -h` (Usage), and Load walks the same tags itself.
// Load does not call envconfig.Process because Process reads the process
// environment through os.LookupEnv with no way to inject a lookup; Load must
// honour the getenv it is given (run takes the OS as parameters, and tests
// run in parallel without t.Setenv), and it must report every problem at
// once where Process stops at the first. Field types with their own syntax
// (Secret, labor.Products, SlackIDs) implement envconfig.Decoder, so the two
// readers agree on how a value is decoded. A default owned by another
// package (ownedDefaults) is not copied into a tag; Load and Usage read it
// from there.
package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/syncro"
)

// Config is the bot's configuration. Each field's envconfig tag names its
// variable, default gives the value used when the variable is unset or
// empty, and desc is the meaning shown by Usage.
type Config struct {
	SlackAppToken Secret `envconfig:"SLACK_APP_TOKEN" desc:"Slack app-level token (xapp-…) for Socket Mode; required"`
	SlackBotToken Secret `envconfig:"SLACK_BOT_TOKEN" desc:"Slack bot token (xoxb-…); required"`
	SlackAPIURL   string `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL (https://slack.com/api/; the trailing / may be left out)"`

	SyncroSubdomain string `envconfig:"SYNCRO_SUBDOMAIN" desc:"Syncro account subdomain (acme for acme.syncromsp.com); this or SYNCRO_BASE_URL is required"`
	// SyncroBaseURL is the effective API base ending in /: SYNCRO_BASE_URL
	// when set, else syncro.APIBaseURL(SYNCRO_SUBDOMAIN).
	SyncroBaseURL string `envconfig:"SYNCRO_BASE_URL" desc:"full Syncro API base URL (e.g. https://acme.syncromsp.com/api/v1, with or without the trailing /); overrides SYNCRO_SUBDOMAIN"`
	// SyncroAPIKey is SYNCRO_API_KEY, or the key decrypted from
	// SYNCRO_API_KEY_SOPS_FILE.
	SyncroAPIKey         Secret        `envconfig:"SYNCRO_API_KEY" desc:"Syncro API key; this or SYNCRO_API_KEY_SOPS_FILE is required"`
	SyncroAPIKeySOPSFile string        `envconfig:"SYNCRO_API_KEY_SOPS_FILE" desc:"SOPS-encrypted YAML or JSON file holding the Syncro API key, decrypted in-process (age identity from SOPS_AGE_KEY_FILE or SOPS_AGE_KEY; PGP and cloud KMS as sops does)"`
	SyncroAPIKeySOPSPath string        `envconfig:"SYNCRO_API_KEY_SOPS_PATH" default:"credentials.credential" desc:"dotted path to the key inside SYNCRO_API_KEY_SOPS_FILE"`
	SyncroRateLimit      int           `envconfig:"SYNCRO_RATE_LIMIT" default:"180" desc:"requests per minute to Syncro (1..10000)"`
	SyncroPollInterval   time.Duration `envconfig:"SYNCRO_POLL_INTERVAL" default:"60s" desc:"how often the watcher polls Syncro (Go duration, at least 1s)"`
	// WorkTimeout bounds one person's command, click or form, Syncro's
	// waits included; a recorded flow starts no step with less than 20 s
	// of it left (commands/flow.StepReserve).
	WorkTimeout time.Duration `envconfig:"WORK_TIMEOUT" default:"2m" desc:"how long one command, click or form may run, Syncro's waits included (30s..10m); long work starts no step with less than 20s of it left and answers with Finish instead"`

	NotifyChannel string `envconfig:"NOTIFY_CHANNEL" desc:"Slack channel id (C…/G…) for closed-ticket notifications; empty = off"`
	SessionLogDir string `envconfig:"SESSION_LOG_DIR" default:"." desc:"root of clients/<client>/session-logs/"`
	SessionLogGit bool   `envconfig:"SESSION_LOG_GIT" default:"false" desc:"commit session logs when SESSION_LOG_DIR is a git work tree"`
	DataDir       string `envconfig:"DATA_DIR" default:"./data" desc:"directory for the bot's own state"`
	// DatabaseURL, when set, keeps the bot's state in PostgreSQL instead
	// of bbolt in DataDir, so replicas share it (store.OpenPostgres).
	DatabaseURL Secret `envconfig:"DATABASE_URL" desc:"postgres://user:password@host:5432/db?sslmode=…: keep the bot's state in PostgreSQL, shared by every replica; empty = one bot, bbolt in DATA_DIR"`
	// Replicas is how many bots share DatabaseURL; each keeps to its
	// share of SyncroRateLimit (SyncroRatePerReplica).
	Replicas int `envconfig:"REPLICAS" default:"1" desc:"how many bots run on DATABASE_URL; each sends at most SYNCRO_RATE_LIMIT/REPLICAS requests per minute, so together they stay under SYNCRO_RATE_LIMIT"`
	// LaborProducts defaults to labor.DefaultSpec (ownedDefaults).
	LaborProducts labor.Products `envconfig:"LABOR_PRODUCTS" desc:"labor kind=Syncro product id pairs; a value replaces the whole map"`

	AllowedUsers SlackIDs `envconfig:"ALLOWED_USERS" desc:"comma list of Slack user (U…/W…) or user-group (S…) ids allowed to use the bot; empty = everyone in the home workspace"`
	BillingUsers SlackIDs `envconfig:"BILLING_USERS" desc:"same, allowed to bill and invoice; empty = everyone allowed"`
	// AdminUsers is ADMIN_USERS, or BillingUsers when that is empty.
	AdminUsers SlackIDs `envconfig:"ADMIN_USERS" desc:"same, allowed to merge/delete customers; empty = BILLING_USERS"`
	// AllowGuests lets Slack guests use the bot; deactivated and bot users
	// are refused regardless.
	AllowGuests bool `envconfig:"ALLOW_GUESTS" default:"false" desc:"let multi- and single-channel guests use the bot (they never bill or administer unless BILLING_USERS/ADMIN_USERS name them)"`

	WebhookAddr  string `envconfig:"WEBHOOK_ADDR" desc:"listen address (host:port) for Syncro webhooks; empty = off"`
	WebhookToken Secret `envconfig:"WEBHOOK_TOKEN" desc:"secret path token for the webhook, at least 16 URL-safe characters; required when WEBHOOK_ADDR is set"`
	MetricsAddr  string `envconfig:"METRICS_ADDR" desc:"listen address (host:port) for /healthz /readyz /metrics; empty = off"`
	// LogFormat is "json", "text" or "auto" (the caller decides, e.g. text
	// on a terminal).
	LogFormat string `envconfig:"LOG_FORMAT" default:"auto" desc:"log format: json, text or auto"`
}

// Limits and shapes checked by Load.
const (
	minRateLimit       = 1
	maxRateLimit       = 10000
	minPollInterval    = time.Second
	minWebhookTokenLen = 16

	// A step starts only with 20 s of the work's time left
	// (commands/flow.StepReserve): 30 s leaves the reads before the first
	// step 10 s. Beyond 10 minutes a person has long stopped waiting, and
	// the work holds one of the bot's slots all along.
	minWorkTimeout = 30 * time.Second
	maxWorkTimeout = 10 * time.Minute
)

var urlSafeToken = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// VarError is one configuration problem, tied to the variable it concerns.
// Load joins one VarError per problem with errors.Join.
type VarError struct {
	Var string // the environment variable, e.g. SLACK_BOT_TOKEN
	Err error  // what is wrong with it; never contains a secret value
}

// Error formats the problem as "VAR: what is wrong".
func (e *VarError) Error() string { return e.Var + ": " + e.Err.Error() }

// Unwrap returns the underlying problem.
func (e *VarError) Unwrap() error { return e.Err }

// problems collects VarErrors in the order they are found.
type problems []error

func (p *problems) add(variable, format string, args ...any) {
	*p = append(*p, &VarError{Var: variable, Err: fmt.Errorf(format, args...)})
}

// has reports whether variable already has a problem, so a value that did
// not decode is not also reported as out of range.
func (p problems) has(variable string) bool {
	for _, err := range p {
		if ve, ok := err.(*VarError); ok && ve.Var == variable {
			return true
		}
	}
	return false
}

// sort orders the problems by their variable's place in Config (others,
// such as SOPS_AGE_KEY, last), keeping the order found within a variable.
func (p problems) sort() {
	rank := func(err error) int {
		if ve, ok := err.(*VarError); ok {
			for i, f := range fields {
				if f.env == ve.Var {
					return i
				}
			}
		}
		return len(fields)
	}
	slices.SortStableFunc(p, func(a, b error) int { return rank(a) - rank(b) })
}

// ownedDefaults are the defaults another package owns, by variable: the
// value is written once, there, instead of being copied into a struct tag.
var ownedDefaults = map[string]string{
	"LABOR_PRODUCTS": labor.DefaultSpec,
}

// field is one Config field as its struct tags (and ownedDefaults) describe it.
type field struct {
	index int
	env   string
	def   string
}

// fields lists Config's variables in declaration order.
var fields = func() []field {
	t := reflect.TypeFor[Config]()
	out := make([]field, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		env, def := f.Tag.Get("envconfig"), f.Tag.Get("default")
		if owned, ok := ownedDefaults[env]; ok {
			def = owned
		}
		out = append(out, field{index: i, env: env, def: def})
	}
	return out
}()

// Load reads the configuration through getenv (os.Getenv in production),
// applies defaults, validates every variable and, when
// SYNCRO_API_KEY_SOPS_FILE is set, decrypts the Syncro API key from it.
// The error, when non-nil, joins one *VarError per problem, so its text has
// one line per problem, each starting with the variable's name. ctx bounds
// the SOPS decryption (a KMS call may be slow).
func Load(ctx context.Context, getenv func(string) string) (*Config, error) {
	var c Config
	var p problems
	v := reflect.ValueOf(&c).Elem()
	for _, f := range fields {
		raw := strings.TrimSpace(getenv(f.env))
		if raw == "" {
			raw = f.def
		}
		if raw == "" {
			continue
		}
		if err := decode(v.Field(f.index), raw); err != nil {
			p.add(f.env, "%w", err)
		}
	}
	c.validate(&p)
	if c.SyncroAPIKeySOPSFile != "" && !p.has("SYNCRO_API_KEY_SOPS_PATH") && !p.has("SYNCRO_API_KEY") {
		key, errs := readSOPSKey(ctx, getenv, c.SyncroAPIKeySOPSFile, c.SyncroAPIKeySOPSPath)
		p = append(p, errs...)
		c.SyncroAPIKey = NewSecret(key)
	}
	if len(p) > 0 {
		p.sort()
		return nil, errors.Join(p...)
	}
	return &c, nil
}

// decode sets field from raw. Secrets never appear in the error.
func decode(field reflect.Value, raw string) error {
	if d, ok := field.Addr().Interface().(envconfig.Decoder); ok {
		return d.Decode(raw)
	}
	switch field.Interface().(type) {
	case string:
		field.SetString(raw)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		field.SetBool(b)
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		field.SetInt(int64(n))
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a Go duration (e.g. 60s, 5m)", raw)
		}
		field.SetInt(int64(d))
	default:
		panic(fmt.Sprintf("config: no decoder for %s", field.Type()))
	}
	return nil
}

// validate checks every decoded value and the rules that tie variables
// together, resolving SyncroBaseURL and AdminUsers on the way.
func (c *Config) validate(p *problems) {
	checkSlackToken(p, "SLACK_APP_TOKEN", c.SlackAppToken, "xapp-", "an app-level token")
	checkSlackToken(p, "SLACK_BOT_TOKEN", c.SlackBotToken, "xoxb-", "a bot token")
	c.SlackAPIURL = withSlash(c.SlackAPIURL)
	if err := checkBaseURL(c.SlackAPIURL); err != nil {
		p.add("SLACK_API_URL", "%w", err)
	}

	sub := strings.ToLower(c.SyncroSubdomain)
	switch {
	case sub == "" && c.SyncroBaseURL == "":
		p.add("SYNCRO_SUBDOMAIN", "required unless SYNCRO_BASE_URL is set (the account subdomain, e.g. acme for acme.syncromsp.com)")
	case sub != "" && !syncro.IsSubdomain(sub):
		hint := ""
		if strings.Contains(sub, ".") {
			hint = " (just the subdomain, e.g. acme for acme.syncromsp.com)"
		}
		p.add("SYNCRO_SUBDOMAIN", "%q is not a subdomain%s", c.SyncroSubdomain, hint)
	default:
		c.SyncroSubdomain = sub
	}
	if c.SyncroBaseURL != "" {
		c.SyncroBaseURL = withSlash(c.SyncroBaseURL)
		if err := checkBaseURL(c.SyncroBaseURL); err != nil {
			p.add("SYNCRO_BASE_URL", "%w", err)
		}
	} else if sub != "" && !p.has("SYNCRO_SUBDOMAIN") {
		c.SyncroBaseURL = syncro.APIBaseURL(sub)
	}

	switch {
	case c.SyncroAPIKey.IsZero() && c.SyncroAPIKeySOPSFile == "":
		p.add("SYNCRO_API_KEY", "required unless SYNCRO_API_KEY_SOPS_FILE is set (the Syncro API key)")
	case !c.SyncroAPIKey.IsZero() && c.SyncroAPIKeySOPSFile != "":
		p.add("SYNCRO_API_KEY", "set either SYNCRO_API_KEY or SYNCRO_API_KEY_SOPS_FILE, not both")
	}
	if c.SyncroAPIKeySOPSFile != "" && slices.Contains(strings.Split(c.SyncroAPIKeySOPSPath, "."), "") {
		p.add("SYNCRO_API_KEY_SOPS_PATH", "%q has an empty segment (want a dotted path like credentials.credential)", c.SyncroAPIKeySOPSPath)
	}
	if !p.has("SYNCRO_RATE_LIMIT") && (c.SyncroRateLimit < minRateLimit || c.SyncroRateLimit > maxRateLimit) {
		p.add("SYNCRO_RATE_LIMIT", "%d is out of range (%d..%d requests per minute)", c.SyncroRateLimit, minRateLimit, maxRateLimit)
	}
	c.validateDatabase(p)
	if !p.has("SYNCRO_POLL_INTERVAL") && c.SyncroPollInterval < minPollInterval {
		p.add("SYNCRO_POLL_INTERVAL", "%s is too short (at least %s)", c.SyncroPollInterval, minPollInterval)
	}
	if !p.has("WORK_TIMEOUT") && (c.WorkTimeout < minWorkTimeout || c.WorkTimeout > maxWorkTimeout) {
		p.add("WORK_TIMEOUT", "%s is out of range (%s..%s)", c.WorkTimeout, minWorkTimeout, maxWorkTimeout)
	}

	if c.NotifyChannel != "" && !slackChannelID.MatchString(c.NotifyChannel) {
		hint := ""
		if strings.HasPrefix(c.NotifyChannel, "#") {
			hint = "; use the channel id, not its name"
		}
		p.add("NOTIFY_CHANNEL", "%q is not a Slack channel id (C…/G…)%s", c.NotifyChannel, hint)
	}

	if len(c.AdminUsers) == 0 && !p.has("ADMIN_USERS") {
		c.AdminUsers = c.BillingUsers
	}

	if c.WebhookAddr != "" {
		if err := checkListenAddr(c.WebhookAddr); err != nil {
			p.add("WEBHOOK_ADDR", "%w", err)
		}
		if c.WebhookToken.IsZero() {
			p.add("WEBHOOK_TOKEN", "required when WEBHOOK_ADDR is set (a random secret of at least %d URL-safe characters)", minWebhookTokenLen)
		}
	}
	if t := c.WebhookToken.Reveal(); t != "" && (len(t) < minWebhookTokenLen || !urlSafeToken.MatchString(t)) {
		p.add("WEBHOOK_TOKEN", "must be at least %d URL-safe characters (A-Z a-z 0-9 - . _ ~)", minWebhookTokenLen)
	}
	if c.MetricsAddr != "" {
		if err := checkListenAddr(c.MetricsAddr); err != nil {
			p.add("METRICS_ADDR", "%w", err)
		}
	}

	switch lf := strings.ToLower(c.LogFormat); lf {
	case "json", "text", "auto":
		c.LogFormat = lf
	default:
		p.add("LOG_FORMAT", "%q is not json, text or auto", c.LogFormat)
	}
}

// validateDatabase checks DATABASE_URL and REPLICAS: replicas share
// state only through PostgreSQL, and each needs at least one request a
// minute of the Syncro budget.
func (c *Config) validateDatabase(p *problems) {
	if u := c.DatabaseURL.Reveal(); u != "" {
		// The URL holds the password: say what is wrong, never echo it.
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "postgres" && pu.Scheme != "postgresql") || pu.Host == "" {
			p.add("DATABASE_URL", "is not a postgres://user:password@host:5432/db URL")
		}
	}
	switch {
	case p.has("REPLICAS"):
	case c.Replicas < 1:
		p.add("REPLICAS", "%d is out of range (at least 1)", c.Replicas)
	case c.Replicas > 1 && c.DatabaseURL.IsZero():
		p.add("REPLICAS", "%d replicas need DATABASE_URL: bbolt in DATA_DIR serves one bot", c.Replicas)
	case !p.has("SYNCRO_RATE_LIMIT") && c.Replicas > c.SyncroRateLimit:
		p.add("REPLICAS", "%d replicas leave less than one request a minute each of SYNCRO_RATE_LIMIT %d", c.Replicas, c.SyncroRateLimit)
	}
}

// SyncroRatePerReplica is this bot's share of SYNCRO_RATE_LIMIT: an even
// split, rounded down, so REPLICAS bots together never exceed the limit.
func (c *Config) SyncroRatePerReplica() int { return max(c.SyncroRateLimit/max(c.Replicas, 1), 1) }

// slackTokenKinds names Slack's token prefixes, so a token pasted into the
// wrong variable gets a useful hint without printing any of it.
var slackTokenKinds = map[string]string{
	"xapp-": "an app-level token",
	"xoxb-": "a bot token",
	"xoxp-": "a user token",
	"xoxe-": "a refresh token",
	"xoxc-": "a browser session token",
}

func checkSlackToken(p *problems, variable string, s Secret, prefix, what string) {
	tok := s.Reveal()
	switch {
	case tok == "":
		p.add(variable, "required (%s starting with %s)", what, prefix)
	case !strings.HasPrefix(tok, prefix):
		for kindPrefix, kind := range slackTokenKinds {
			if strings.HasPrefix(tok, kindPrefix) {
				p.add(variable, "must be %s starting with %s, got %s (%s…)", what, prefix, kind, kindPrefix)
				return
			}
		}
		p.add(variable, "must be %s starting with %s", what, prefix)
	}
}

// withSlash ends a base URL's path in /, so relative paths resolve under
// it: Syncro's own documentation writes the API base without the slash
// (https://acme.syncromsp.com/api/v1). A URL with a query or fragment is
// left for checkBaseURL to refuse.
func withSlash(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.HasSuffix(u.Path, "/") {
		return raw
	}
	u.Path += "/"
	return u.String()
}

// checkBaseURL accepts an absolute http(s) URL without credentials (nor an
// @ anywhere in it), query or fragment whose path ends in /, so relative
// paths resolve under it.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", showURL(raw))
	}
	switch {
	// An @ in the path is a user:password whose password holds a /
	// (https://bob:123/x@host/ parses as host bob:123): the key would go
	// to the wrong host, and the URL could not be shown without it.
	case u.User != nil || strings.Contains(u.Path, "@"):
		return errors.New("must not contain credentials")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return fmt.Errorf("%q must not have a query or fragment", showURL(raw))
	case !strings.HasSuffix(u.Path, "/"):
		return fmt.Errorf("%q's path must end in /", showURL(raw))
	}
	return nil
}

// showURL is raw as an error message may show it: scheme and host only,
// since the user:password before the host, the path and the query could
// each hold a credential. It reads the URL by hand, as raw may be what
// url.Parse refused (whose own errors quote the input): the host is what
// follows the last @. Text with no scheme is shown only when it cannot
// hold a credential.
func showURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		if strings.ContainsAny(raw, "@?#:") {
			return "(not shown: it may hold a credential)"
		}
		return raw
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return scheme + "://" + rest
}

// checkListenAddr accepts host:port or :port with a port in 0..65535.
// Port 0 asks the system for a free port, which the listener logs (README,
// Configuration): tests bind that way, so no other process can take the
// port between choosing it and listening on it.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. :8080)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port (0..65535)", addr)
	}
	return nil
}
