package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/syncro"
)

// fixSyncroKey is the advice for a key Syncro refuses.
const fixSyncroKey = "create a new token under Admin › API › API Tokens and set SYNCRO_API_KEY."

// fixSyncroPermissions is the advice for a key lacking permissions.
const fixSyncroPermissions = "in Syncro, Admin › API › API Tokens: edit the token's permissions to allow them (or create a new token with them and set SYNCRO_API_KEY)."

// me is GET /me with the permissions syncro.Me leaves out; only the
// doctor needs them.
type me struct {
	UserID      int64                      `json:"user_id"`
	UserName    string                     `json:"user_name"`
	UserEmail   string                     `json:"user_email"`
	Permissions map[string]map[string]bool `json:"permissions"`
}

// feature is a part of the bot and the /me permissions it needs. A
// feature with no permissions listed has none in /me to check.
type feature struct {
	name  string
	needs []permission
	why   string // for unchecked features: what /me lacks
}

type permission struct{ resource, action string }

func (p permission) String() string { return p.resource + "." + p.action }

// features maps what the bot does to /me's permissions object
// (syncro-api.md §4.10: asset/customer/ticket/invoice/payment:{read,write,delete}).
var features = []feature{
	{name: "tickets (read, create, edit, close)", needs: []permission{{"ticket", "read"}, {"ticket", "write"}}},
	{name: "comments", why: "/me lists no comment permission"},
	{name: "timers and time entries", why: "/me lists no timer or time-entry permission"},
	{name: "invoices (bill)", needs: []permission{{"invoice", "read"}, {"invoice", "write"}}},
	{name: "customers (look up, create)", needs: []permission{{"customer", "read"}, {"customer", "write"}}},
}

// syncroChecker runs the Syncro checks with one client.
type syncroChecker struct {
	client *syncro.Client
	err    error // NewClient's error, reported by the key check
}

func newSyncroChecker(cfg *config.Config, opts Options) *syncroChecker {
	c, err := syncro.NewClient(syncro.Config{
		BaseURL:       cfg.SyncroBaseURL,
		APIKey:        syncro.APIKey(cfg.SyncroAPIKey.Reveal()),
		RatePerMinute: cfg.SyncroRateLimit,
		HTTPClient:    opts.HTTPClient,
	})
	return &syncroChecker{client: c, err: err}
}

// checks runs the key check, then (when the key works) the permission and
// labor product checks.
func (s *syncroChecker) checks(ctx context.Context, products labor.Products) []Check {
	key := Check{Name: "Syncro API key"}
	if s.err != nil {
		key.Detail, key.Fix = s.err.Error()+".", "check SYNCRO_SUBDOMAIN or SYNCRO_BASE_URL."
		return []Check{key}
	}
	var m me
	req, err := s.client.NewRequest(ctx, http.MethodGet, "me", nil, nil)
	if err == nil {
		_, err = s.client.Do(req, &m)
	}
	switch {
	case err == nil && m.UserID != 0:
		key.OK = true
		key.Detail = fmt.Sprintf("the key belongs to %s <%s> on %s.", m.UserName, m.UserEmail, s.client.BaseURL())
	case err == nil:
		key.Detail = "GET /me answered without a user; SYNCRO_BASE_URL may point at something that is not Syncro."
		key.Fix = "set SYNCRO_SUBDOMAIN to the account's subdomain, or SYNCRO_BASE_URL to https://<subdomain>.syncromsp.com/api/v1/."
	case errors.Is(err, syncro.ErrUnauthorized):
		key.Detail = fmt.Sprintf("Syncro rejected the key (%d).", statusOf(err))
		key.Fix = fixSyncroKey
	case errors.Is(err, syncro.ErrNotFound):
		key.Detail = "GET /me answered 404: the base URL is not a Syncro API."
		key.Fix = "set SYNCRO_SUBDOMAIN to the account's subdomain, or SYNCRO_BASE_URL to https://<subdomain>.syncromsp.com/api/v1/."
	case errors.Is(err, syncro.ErrRateLimited):
		key.Detail = "Syncro is rate limiting this IP (429), so the key could not be checked."
		key.Fix = "wait a minute and run the check again; lower SYNCRO_RATE_LIMIT if other tools share the IP."
	default:
		key.Detail = fmt.Sprintf("GET /me failed: %v.", err)
		key.Fix = "check SYNCRO_SUBDOMAIN / SYNCRO_BASE_URL and that this host can reach Syncro."
	}
	out := []Check{key}
	if !key.OK {
		out = append(out, Check{Name: "Syncro permissions and labor products", Detail: "not checked: the Syncro key check failed.", Fix: "fix SYNCRO_API_KEY first."})
		return out
	}
	out = append(out, permissionChecks(m.Permissions)...)
	for _, kind := range products.Kinds() {
		out = append(out, s.productCheck(ctx, kind, products[kind]))
	}
	return out
}

// permissionChecks reports, per feature, which /me permissions the key lacks.
func permissionChecks(perms map[string]map[string]bool) []Check {
	var out []Check
	for _, f := range features {
		c := Check{Name: "Syncro permissions for " + f.name}
		if len(f.needs) == 0 {
			c.OK, c.Unchecked = true, true
			c.Detail = "not checkable via /me (" + f.why + "); try it once from Slack."
			out = append(out, c)
			continue
		}
		if perms == nil {
			c.OK, c.Unchecked = true, true
			c.Detail = "not checkable via /me: the answer had no permissions."
			out = append(out, c)
			continue
		}
		var missing []string
		for _, p := range f.needs {
			if !perms[p.resource][p.action] {
				missing = append(missing, p.String())
			}
		}
		if len(missing) > 0 {
			c.Detail = "the key lacks " + strings.Join(missing, ", ") + "."
			c.Fix = fixSyncroPermissions
		} else {
			c.OK = true
			c.Detail = "granted (" + joinPerms(f.needs) + ")."
		}
		out = append(out, c)
	}
	return out
}

func joinPerms(ps []permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// productCheck proves that productID, billed for kind, names an enabled
// product.
func (s *syncroChecker) productCheck(ctx context.Context, kind string, productID int64) Check {
	c := Check{Name: fmt.Sprintf("Labor product %s (%d)", kind, productID)}
	fix := fmt.Sprintf("in LABOR_PRODUCTS set %s=<id>, where <id> is the product's number in its Syncro URL (Products › the product).", kind)
	p, _, err := s.client.Products.Get(ctx, productID)
	switch {
	case errors.Is(err, syncro.ErrNotFound):
		c.Detail, c.Fix = fmt.Sprintf("Syncro has no product %d.", productID), fix
	case err != nil:
		c.Detail, c.Fix = fmt.Sprintf("GET /products/%d failed: %v.", productID, err), "run the check again; "+fix
	case p.ID != productID:
		c.Detail, c.Fix = fmt.Sprintf("Syncro answered with product %d instead.", p.ID), fix
	case p.Disabled:
		c.Detail, c.Fix = fmt.Sprintf("%q is disabled in Syncro, so it cannot be billed.", p.Name), "enable it in Syncro, or "+fix
	default:
		c.OK = true
		c.Detail = fmt.Sprintf("%q.", p.Name)
	}
	return c
}

// statusOf is the HTTP status inside a *syncro.Error, 0 if none.
func statusOf(err error) int {
	var se *syncro.Error
	if errors.As(err, &se) {
		return se.StatusCode
	}
	return 0
}
