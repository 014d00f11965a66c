package commands

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
)

// OpenTickets is the open tickets keep accepts (all when keep is nil):
// from the open-ticket mirror without a Syncro call, or, while the mirror
// is cold (Syncro could not be listed since the start), from Syncro with
// live (its Status is ignored; every page is read). note is the line a
// reply shows under its title when the mirror is stale, else empty.
func (d Deps) OpenTickets(ctx context.Context, keep func(*syncro.Ticket) bool, live *syncro.TicketListOptions) (tickets []syncro.Ticket, note string, err error) {
	if s, ok := d.Reads.Open(keep); ok {
		if s.Stale {
			note = StaleNote(s.Age)
		}
		return s.Tickets, note, nil
	}
	tickets, err = syncro.Collect(d.Syncro.Tickets.AllOpen(ctx, live))
	if err != nil {
		return nil, "", err
	}
	if keep != nil {
		tickets = slices.DeleteFunc(tickets, func(t syncro.Ticket) bool { return !keep(&t) })
	}
	return tickets, "", nil
}

// StaleNote says how old a list from the open-ticket mirror is, when the
// watcher has not heard from Syncro for over a poll interval.
func StaleNote(age time.Duration) string {
	return "As of " + AgeText(age) + " ago: Syncro hasn't answered since, so later changes aren't shown."
}

// AgeText is a duration as a person reads it: "40 s", "3 min", "2 h 5 min".
func AgeText(age time.Duration) string {
	switch s := int(age.Round(time.Second) / time.Second); {
	case s < 120:
		return strconv.Itoa(s) + " s"
	case s < 2*3600:
		return strconv.Itoa(s/60) + " min"
	default:
		return strconv.Itoa(s/3600) + " h " + strconv.Itoa(s%3600/60) + " min"
	}
}
