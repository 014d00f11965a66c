package syncro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinels for errors.Is. A *Error matches the one its status maps to.
var (
	// ErrNotFound: 404, or a lookup (such as FindByNumber) with no match.
	ErrNotFound = errors.New("syncro: not found")
	// ErrUnauthorized: 401 or 403, a bad key or a missing permission.
	ErrUnauthorized = errors.New("syncro: unauthorized")
	// ErrValidation: 422 or 400, Syncro rejected the input; the messages
	// are Syncro's own words, fit to show a user.
	ErrValidation = errors.New("syncro: validation failed")
	// ErrRateLimited: 429 still returned after the retries.
	ErrRateLimited = errors.New("syncro: rate limited")
	// ErrOutcomeUnknown: a write may or may not have been processed: a POST
	// after a timeout, connection reset or 5xx after sending, or any write
	// (POST, PUT, DELETE) answered 2xx with a body that does not decode or
	// lacks the record. Read back before telling it or retrying, as Syncro
	// has no idempotency and duplicates cannot always be deleted.
	ErrOutcomeUnknown = errors.New("syncro: outcome unknown, read back before retrying")
)

// MayHaveApplied reports whether a write that failed with err may have
// been applied all the same: its outcome is unknown (ErrOutcomeUnknown),
// Syncro answered with its own error (a 5xx, which it can give after the
// commit: a PUT's is retried, and the last one still says nothing of the
// first tries), or no answer came. Syncro refusing the write (a 4xx), or
// a request that never left (no connection), applied nothing. Such a
// write is read back before it is told.
func MayHaveApplied(err error) bool {
	var se *Error
	refused := errors.As(err, &se) && se.StatusCode < 500 && !se.OutcomeUnknown
	return err != nil && !refused && !notSent(err)
}

// Error is a non-2xx answer from Syncro.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method is the HTTP method.
	Method string
	// Path is the URL path, without query (so never a key).
	Path string
	// Messages are Syncro's messages decoded from any of its error shapes.
	Messages []string
	// Raw is the head (about 2 KB) of a body that was not JSON, such as an
	// HTML error page; it is for logs, not for users.
	Raw string
	// RetryAfter is the wait a 429 asked for (or the default used).
	RetryAfter time.Duration
	// OutcomeUnknown is set on a POST answered 5xx: it may have been applied.
	OutcomeUnknown bool
}

// Error reports status, call and Syncro's messages.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "syncro: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	}
	if e.OutcomeUnknown {
		b.WriteString(" (outcome unknown, read back before retrying)")
	}
	return b.String()
}

// Is maps the status to the package sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrValidation:
		return e.StatusCode == http.StatusUnprocessableEntity || e.StatusCode == http.StatusBadRequest
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrOutcomeUnknown:
		return e.OutcomeUnknown
	}
	return false
}

// UserMessage is a short sentence for a chat reply: Syncro's messages when
// it gave any, else the status text.
func (e *Error) UserMessage() string {
	if len(e.Messages) > 0 {
		return strings.Join(e.Messages, "; ")
	}
	return fmt.Sprintf("Syncro answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

func newError(method, path string, resp *http.Response, body []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode, Method: method, Path: path}
	if resp.StatusCode/100 == 3 {
		e.Messages = []string{redirectTarget(resp)}
		return e
	}
	e.Messages, e.Raw = errorMessages(body)
	return e
}

// errorMessages decodes every error body shape in syncro-api.md §5. JSON
// objects yield messages; anything else is kept raw (truncated), and an
// HTML page is never turned into a message.
func errorMessages(body []byte) ([]string, string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, ""
	}
	var obj map[string]json.RawMessage
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &obj) != nil {
		return nil, truncate(trimmed, maxErrorBody)
	}
	var msgs []string
	// Known keys first, in a fixed order, so messages read predictably.
	for _, k := range []string{"error", "errors", "message"} {
		if raw, ok := obj[k]; ok {
			msgs = appendMessages(msgs, "", raw)
		}
	}
	if len(msgs) > 0 {
		return msgs, ""
	}
	// A bare Rails errors hash: {"customer_id":["can't be blank"],...}.
	keys := make([]string, 0, len(obj))
	for k := range obj {
		switch k {
		case "success", "params", "record":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msgs = appendMessages(msgs, k, obj[k])
	}
	return msgs, ""
}

// appendMessages flattens a string, list or (nested) map of messages. Map
// keys are prefixed so "summary: can't be blank" keeps its subject.
func appendMessages(msgs []string, prefix string, raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return msgs
	}
	join := func(s string) string {
		if prefix == "" {
			return s
		}
		return prefix + " " + s
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) != "" {
			msgs = append(msgs, join(strings.TrimSpace(s)))
		}
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil {
			for _, item := range list {
				msgs = appendMessages(msgs, prefix, item)
			}
		}
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				msgs = appendMessages(msgs, p, m[k])
			}
		}
	default:
		// numbers, booleans, null: not messages.
	}
	return msgs
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}
