package customers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/syncrobot/syncrobot/syncro"
)

// unconfirmedError is an update Syncro answered 2xx with a body of no use
// (syncro.ErrOutcomeUnknown) and whose read-back does not show it, or
// could not be made: it may or may not be saved.
type unconfirmedError struct {
	readBack bool // Syncro was read, and does not hold every field sent
	err      error
}

func (e *unconfirmedError) Error() string {
	if e.readBack {
		return fmt.Sprintf("read back without the whole change: %v", e.err)
	}
	return fmt.Sprintf("not read back: %v", e.err)
}

func (e *unconfirmedError) Unwrap() error { return e.err }

// sentence tells the tech the update of what ("customer 12") could not be
// confirmed, claiming nothing either way; a record the read-back found
// deleted is said to be gone.
func (e *unconfirmedError) sentence(what string) string {
	if !e.readBack && errors.Is(e.err, syncro.ErrNotFound) {
		return fmt.Sprintf("Syncro's answer to the update of %s couldn't be read, and %s is no longer in Syncro: it was deleted.", what, what)
	}
	found := "reading it back failed"
	if e.readBack {
		found = what + " in Syncro doesn't show all of it"
	}
	return fmt.Sprintf("Syncro's answer to the update of %s couldn't be read, and %s, so I can't confirm it was saved. Look at %s in Syncro before editing it again.", what, found, what)
}

// settleUpdate is the outcome of an update of record id that answered
// rec and putErr: as answered, unless it failed but may have been
// applied (syncro.MayHaveApplied). Then record id is read back (get): the
// record when it holds every field req sent; putErr itself when it does
// not and Syncro said the update failed; an *unconfirmedError otherwise.
// The update is never sent again: only a read says what Syncro holds,
// which is all a reply may claim.
func settleUpdate[T any](ctx context.Context, get func(context.Context, int64) (*T, *syncro.Response, error), id int64, req any, rec *T, putErr error) (*T, error) {
	if !syncro.MayHaveApplied(putErr) {
		return rec, putErr
	}
	rec, _, err := get(ctx, id)
	if err != nil {
		return nil, &unconfirmedError{err: fmt.Errorf("%w (read back: %w)", putErr, err)}
	}
	ok, err := holds(req, rec)
	switch {
	case err == nil && ok:
		return rec, nil
	case err == nil && !errors.Is(putErr, syncro.ErrOutcomeUnknown):
		return nil, putErr // Syncro said it failed, and does not show it
	}
	return nil, &unconfirmedError{readBack: err == nil, err: putErr}
}

// holds reports whether rec, a record as Syncro answers it, holds every
// field req sets, compared under Syncro's JSON names. A property (and a
// contact's title, which Syncro keeps as properties.title,
// docs/syncro-api.md §4.7) is looked for in rec's properties.
func holds(req, rec any) (bool, error) {
	sent, err := asMap(req)
	if err != nil {
		return false, err
	}
	held, err := asMap(rec)
	if err != nil {
		return false, err
	}
	props, _ := held["properties"].(map[string]any)
	for k, v := range sent {
		switch k {
		case "properties":
			for pk, pv := range v.(map[string]any) {
				if !sameValue("", props[pk], pv) {
					return false, nil
				}
			}
		case "title":
			if !sameValue(k, props["title"], v) {
				return false, nil
			}
		default:
			if !sameValue(k, held[k], v) {
				return false, nil
			}
		}
	}
	return true, nil
}

// sameValue reports whether held, field k as Syncro answers it, is sent,
// also in a form Syncro may give it back in: a field cleared ("") as null
// or absent, a property's value as a JSON number or boolean (sent, they
// are strings, docs/syncro-api.md §6), a phone number with other
// punctuation (Syncro keeps numbers stripped of formatting in phones and
// processed_phone, §4.6 and §4.7), an email in another case. An edit
// Syncro holds told "can't confirm" would have the tech check by hand
// for nothing.
func sameValue(k string, held, sent any) bool {
	if reflect.DeepEqual(held, sent) {
		return true
	}
	s, ok := sent.(string)
	if !ok {
		return false
	}
	switch h := held.(type) {
	case nil:
		return s == ""
	case float64, bool:
		return fmt.Sprint(h) == s
	case string:
		switch k {
		case "phone", "mobile":
			return digits(h) != "" && digits(h) == digits(s)
		case "email", "notification_email":
			return strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(s))
		}
	}
	return false
}

// digits is s's decimal digits, in order.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// asMap is v as its JSON object.
func asMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode %T: %w", v, err)
	}
	return m, nil
}
