package home

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro"
)

// Bounds of the search for a tech's resolved tickets not invoiced yet.
// GET /tickets carries no line_items (docs/syncro-api.md: only GET
// /tickets/{id} has them), and a ticket invoiced in the web app may keep
// its status Resolved, so the invoices Syncro holds are the truth:
//
//  1. the tech's Resolved tickets, at most resolvedPages pages of GET
//     /tickets;
//  2. the invoices updated since the oldest of them was created, at most
//     invoicePages pages of GET /invoices?since_updated_at=: an invoice
//     made from a ticket is made after the ticket, so when those pages
//     end, a ticket no invoice names (ticket_id) is not invoiced, however
//     many tickets there are, for one read in the usual case;
//  3. only when they do not end: GET /invoices?ticket_id= for at most
//     invoiceChecks of the tickets still unmatched, newest first.
//
// One per ticket instead (GET /invoices?ticket_id= for each) would cost
// as many reads as tickets invoiced in the web app and left Resolved,
// before reaching an older one that is not. What the bounds leave out is
// said as not looked at, never taken for invoiced or not; so the list
// costs Syncro at most resolvedPages+invoicePages+invoiceChecks reads.
const (
	resolvedPages = 2
	invoicePages  = 4
	invoiceChecks = 5
)

// unbilled is what the search found: the tech's resolved tickets not
// invoiced, and what it could not tell of the rest.
type unbilled struct {
	tickets []syncro.Ticket
	// unchecked are the tickets whose invoices Syncro did not give;
	// checkErr is the first such failure.
	unchecked []int64
	checkErr  error
	// unlooked counts the tickets past invoiceChecks; older says Syncro
	// holds more resolved tickets than resolvedPages pages.
	unlooked int
	older    bool
}

// resolved is tech's resolved tickets not invoiced yet, newest first as
// Syncro lists them, with the sentence saying what could not be told
// (empty when the list is all of them). err is set when the tickets
// themselves could not be listed.
func (f *Feature) resolved(ctx context.Context, tech int64) ([]syncro.Ticket, string, error) {
	u, err := f.unbilled(ctx, tech)
	if err != nil {
		return nil, "", err
	}
	var notes []string
	if len(u.unchecked) > 0 {
		notes = append(notes, f.failure(ctx, fmt.Errorf("list invoices of tickets %v: %w", u.unchecked, u.checkErr),
			"check "+commands.CountNoun(len(u.unchecked), "resolved ticket", "resolved tickets")+" for an invoice"))
	}
	if u.unlooked > 0 || u.older {
		notes = append(notes, notLookedText(u.unlooked, u.older, f.cfg.WebURL))
	}
	return u.tickets, strings.Join(notes, "\n"), nil
}

// unbilled runs the search the bounds above describe.
func (f *Feature) unbilled(ctx context.Context, tech int64) (unbilled, error) {
	var u unbilled
	var cands []syncro.Ticket
	done, err := walkPages(resolvedPages, func(page int) ([]syncro.Ticket, *syncro.Response, error) {
		ts, resp, err := f.cfg.Syncro.Tickets.List(ctx, &syncro.TicketListOptions{Status: "Resolved", UserID: tech, ListOptions: syncro.ListOptions{Page: page}})
		if err != nil {
			return nil, nil, fmt.Errorf("list resolved tickets of user %d (page %d): %w", tech, page, err)
		}
		return ts, resp, nil
	}, ticketID, func(t syncro.Ticket) {
		// The filters are checked again here: a status named otherwise,
		// or another tech's ticket, is not this list's.
		if t.UserID != nil && *t.UserID == tech && strings.EqualFold(strings.TrimSpace(t.Status), "Resolved") {
			cands = append(cands, t)
		}
	})
	if err != nil {
		return u, err
	}
	// Syncro holds, or without meta may hold, a page past the last one
	// read.
	u.older = !done
	if len(cands) == 0 {
		return u, nil
	}
	since := cands[0].CreatedAt.Time
	for _, t := range cands {
		if t.CreatedAt.Before(since) {
			since = t.CreatedAt.Time
		}
	}
	invoiced, complete, err := f.invoicedSince(ctx, since)
	if err != nil {
		u.unchecked, u.checkErr = ticketIDs(cands), err
		return u, nil
	}
	checks := 0
	for _, t := range cands {
		switch {
		case invoiced[t.ID]:
		case complete:
			u.tickets = append(u.tickets, t)
		case checks >= invoiceChecks:
			u.unlooked++
		default:
			checks++
			invs, err := f.cfg.Syncro.Invoices.ForTicket(ctx, t.ID)
			switch {
			case err != nil:
				u.unchecked = append(u.unchecked, t.ID)
				if u.checkErr == nil {
					u.checkErr = err
				}
			case len(invs) == 0:
				u.tickets = append(u.tickets, t)
			}
		}
	}
	return u, nil
}

// invoicedSince is the tickets named by the invoices updated since, read
// to at most invoicePages pages; complete says those were all of them.
func (f *Feature) invoicedSince(ctx context.Context, since time.Time) (map[int64]bool, bool, error) {
	out := map[int64]bool{}
	complete, err := walkPages(invoicePages, func(page int) ([]syncro.Invoice, *syncro.Response, error) {
		invs, resp, err := f.cfg.Syncro.Invoices.List(ctx, &syncro.InvoiceListOptions{SinceUpdatedAt: since, ListOptions: syncro.ListOptions{Page: page}})
		if err != nil {
			return nil, nil, fmt.Errorf("list invoices updated since %s (page %d): %w", since.Format(time.RFC3339), page, err)
		}
		return invs, resp, nil
	}, func(inv syncro.Invoice) int64 { return inv.ID }, func(inv syncro.Invoice) {
		if inv.TicketID != nil {
			out[*inv.TicketID] = true
		}
	})
	if err != nil {
		return nil, false, err
	}
	return out, complete, nil
}

// walkPages reads pages 1 to most of a list through read, handing take
// each item (told apart by id) not on an earlier page; done says the
// last page read was the list's last (lastPage).
func walkPages[T any](most int, read func(page int) ([]T, *syncro.Response, error), id func(T) int64, take func(T)) (done bool, err error) {
	seen, first := map[int64]bool{}, 0
	for page := 1; page <= most; page++ {
		items, resp, err := read(page)
		if err != nil {
			return false, err
		}
		if page == 1 {
			first = len(items)
		}
		fresh := 0
		for _, it := range items {
			if k := id(it); !seen[k] {
				seen[k] = true
				fresh++
				take(it)
			}
		}
		if lastPage(resp, page, len(items), first, fresh) {
			return true, nil
		}
	}
	return false, nil
}

// lastPage says whether page, holding got items (fresh of them not on
// an earlier page; first on page 1), is its list's last. Without meta,
// or a meta without total_pages (docs/syncro-api.md, Pagination: several
// of Syncro's lists show none, and every meta field is optional), an
// answer does not say whether a page follows, and taking the first
// for the whole list would call a ticket whose invoice is on the second
// not invoiced, or say every resolved ticket is invoiced while older
// ones are not; so the list ends there at an empty page, one shorter
// than the first, or one holding nothing new (a list that ignores
// ?page=), and the bounds above still cap the reads.
func lastPage(resp *syncro.Response, page, got, first, fresh int) bool {
	switch {
	case got == 0 || fresh == 0:
		return true
	case resp != nil && resp.Meta != nil && resp.Meta.TotalPages > 0:
		return resp.Meta.TotalPages <= page
	default:
		return page > 1 && got < first
	}
}

// ticketID is a ticket's id, telling pages' tickets apart (walkPages).
func ticketID(t syncro.Ticket) int64 { return t.ID }

// ticketIDs is the tickets' ids, in order.
func ticketIDs(ts []syncro.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// notLookedText is the line saying the resolved-not-invoiced list is not
// all of them: n tickets past the checks, older ones past the pages read.
func notLookedText(n int, older bool, webURL string) string {
	what := "older resolved tickets"
	switch {
	case n > 0 && older:
		what = commands.CountNoun(n, "more resolved ticket", "more resolved tickets") + ", and older ones,"
	case n > 0:
		what = commands.CountNoun(n, "more resolved ticket", "more resolved tickets")
	}
	return "…and " + what + " not looked at: see " + syncroTickets(webURL) + " for them."
}

// syncroTickets is "Syncro", linked to its ticket list when webURL is
// known.
func syncroTickets(webURL string) string {
	if webURL == "" {
		return "Syncro"
	}
	return "<" + webURL + "/tickets|Syncro>"
}
