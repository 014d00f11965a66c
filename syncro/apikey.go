package syncro

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// redacted replaces a secret wherever one would be printed.
const redacted = "[REDACTED]"

// APIKey is a Syncro API token. It prints as [REDACTED] under every fmt
// verb, in slog and in JSON, so a Config or Client can be logged safely.
type APIKey string

// String redacts the key.
func (APIKey) String() string { return redacted }

// GoString redacts the key for %#v.
func (APIKey) GoString() string { return `syncro.APIKey("` + redacted + `")` }

// Format redacts the key for every verb, including %q, %x and %d.
func (k APIKey) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, k.GoString())
		return
	}
	_, _ = io.WriteString(f, redacted)
}

// LogValue redacts the key in slog output.
func (APIKey) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON redacts the key if a Config is ever encoded.
func (APIKey) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// sensitiveQuery are query parameters that carry credentials in the wild
// (?api_key= is the legacy Syncro form).
var sensitiveQuery = []string{"api_key", "apikey", "key", "token", "access_token"}

// redactURL renders u with any password and credential query values hidden.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
		if _, has := u.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), "REDACTED")
		}
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			for _, s := range sensitiveQuery {
				if strings.EqualFold(k, s) {
					q.Set(k, "REDACTED")
					changed = true
				}
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

// sanitize rewrites transport errors so no text they produce can hold the
// key: the *url.Error's URL is redacted, and any stray copy of the key (a
// proxy echoing headers, say) is masked.
func (c *Client) sanitize(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		clean := &url.Error{Op: ue.Op, Err: ue.Err}
		if u, perr := url.Parse(ue.URL); perr == nil {
			clean.URL = redactURL(u)
		} else {
			clean.URL = "(unparseable URL)"
		}
		err = clean
	}
	if k := string(*c.key); strings.Contains(err.Error(), k) {
		return &maskedError{err: err, key: k}
	}
	return err
}

// maskedError keeps the chain for errors.Is/As but masks the key in text.
type maskedError struct {
	err error
	key string
}

func (m *maskedError) Error() string { return strings.ReplaceAll(m.err.Error(), m.key, redacted) }
func (m *maskedError) Unwrap() error { return m.err }

// maskKey removes the key from Syncro's own error text, in case a proxy or
// a server bug echoes request headers back.
func (c *Client) maskKey(e *Error) {
	k := string(*c.key)
	for i, m := range e.Messages {
		e.Messages[i] = strings.ReplaceAll(m, k, redacted)
	}
	e.Raw = strings.ReplaceAll(e.Raw, k, redacted)
}

// refuseRedirect stops the client at a redirect: Go would send the key on
// to another port or subdomain of the host, and replay a POST there. The
// 3xx comes back as an *Error naming where it pointed (redirectTarget).
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectTarget is the message for a 3xx answer: its Location by scheme
// and host only (the rest could carry a credential).
func redirectTarget(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil {
		return "redirected; set SYNCRO_BASE_URL to the address Syncro answers at"
	}
	return "redirected to " + loc.Scheme + "://" + loc.Host + "; set SYNCRO_BASE_URL to the address Syncro answers at"
}
