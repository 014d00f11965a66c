// Package subscriptions posts notices of new, changed and closed tickets
// into the channels that asked for them (/syncro subscribe), from what the
// closed-ticket watcher's poll lists anyway: a subscription costs Syncro
// nothing.
package subscriptions

import (
	"errors"
	"slices"
	"strings"

	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// The events a subscription can tell.
const (
	EventNew    = "new"    // a ticket created
	EventStatus = "status" // a ticket's status changed (not to a closed one)
	EventClosed = "closed" // a ticket closed (Resolved, Invoiced, …)
)

// AllEvents are the events, in the order they are written.
var AllEvents = []string{EventNew, EventStatus, EventClosed}

// ErrBadEvents says --events named something that is not an event.
var ErrBadEvents = errors.New("events are new, status and closed, separated by commas")

// ParseEvents reads --events: event names separated by commas, in any
// case and order, repeated or not; empty means all of them. The result is
// in AllEvents' order, each once, so it round-trips through
// strings.Join(events, ",").
func ParseEvents(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(AllEvents), nil
	}
	want := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		e := strings.ToLower(strings.TrimSpace(part))
		if !slices.Contains(AllEvents, e) {
			return nil, ErrBadEvents
		}
		want[e] = true
	}
	var out []string
	for _, e := range AllEvents {
		if want[e] {
			out = append(out, e)
		}
	}
	return out, nil
}

// matches reports whether t passes every filter sub sets. Names and
// priorities match on part of the text, in any case ("high" matches
// "1 High"); a status matches whole.
func matches(sub store.Subscription, t *syncro.Ticket) bool {
	customer := t.CustomerName()
	tech := ""
	if t.User != nil {
		tech = t.User.FullName
	}
	return contains(customer, sub.Customer) && contains(t.Priority, sub.Priority) && contains(tech, sub.Tech) &&
		(sub.Status == "" || strings.EqualFold(strings.TrimSpace(t.Status), strings.TrimSpace(sub.Status)))
}

// contains is a case-insensitive substring test; an empty filter passes.
func contains(s, filter string) bool {
	filter = strings.TrimSpace(filter)
	return filter == "" || strings.Contains(strings.ToLower(s), strings.ToLower(filter))
}

// describe says what sub tells, for replies: "new and closed tickets of
// customer “Acme”, priority “High”".
func describe(sub store.Subscription) string {
	var ev []string
	for _, e := range sub.Events {
		switch e {
		case EventNew:
			ev = append(ev, "new tickets")
		case EventStatus:
			ev = append(ev, "status changes")
		case EventClosed:
			ev = append(ev, "closed tickets")
		}
	}
	text := strings.Join(ev, ", ")
	for _, f := range []struct{ label, v string }{
		{"customer", sub.Customer}, {"priority", sub.Priority}, {"status", sub.Status}, {"tech", sub.Tech},
	} {
		if f.v != "" {
			text += ", " + f.label + " “" + f.v + "”"
		}
	}
	return text
}
