package mirror

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
)

// DefaultTTL is how long Reads keeps an answer: long enough that a
// standup's burst of `/syncro ticket N` costs one read per ticket, short
// enough that a change made in Syncro's web app shows within seconds
// (changes the bot makes, or the watcher sees, show at once).
const DefaultTTL = 5 * time.Second

// maxNumbers bounds the remembered ticket numbers; numbers never move to
// another ticket, so the only reason to forget is memory.
const maxNumbers = 10000

// Reads answers the read-only commands: the open tickets from the Mirror,
// everything else from Syncro through coalesced reads kept for TTL. Only
// replies that show something use it; money decisions read Syncro
// directly. It is safe for concurrent use.
type Reads struct {
	m   *Mirror
	c   *syncro.Client
	ttl time.Duration

	details  coalescer[int64, *syncro.Ticket]
	finds    coalescer[string, int64]
	invoices coalescer[int64, []syncro.Invoice]
	searches coalescer[string, Found]

	numMu   sync.Mutex
	numbers map[string]int64 // ticket number → id, learned from finds
}

// NewReads reads through c, whose syncro.Config was hooked to m
// (Mirror.Hook), keeping answers for ttl; ttl 0 keeps nothing and only
// shares the reads in flight.
func NewReads(m *Mirror, c *syncro.Client, ttl time.Duration) *Reads {
	return &Reads{m: m, c: c, ttl: ttl, numbers: map[string]int64{}}
}

// Mirror is the open-ticket mirror the reads answer lists from.
func (r *Reads) Mirror() *Mirror { return r.m }

// Open is Mirror.Open: the open tickets keep accepts, without a Syncro
// call; ok is false while the mirror is cold.
func (r *Reads) Open(keep func(*syncro.Ticket) bool) (Snapshot, bool) { return r.m.Open(keep) }

func (r *Reads) gen() uint64 { return r.m.writes.Load() }

func (r *Reads) now() time.Time { return r.m.cfg.Now() }

// TicketID is the id of the ticket numbered number: from the mirror for an
// open ticket, else from a number learned before, else one coalesced
// lookup. A number no ticket has is syncro.ErrNotFound.
func (r *Reads) TicketID(ctx context.Context, number string) (int64, error) {
	number = strings.TrimPrefix(strings.TrimSpace(number), "#")
	if t, ok := r.m.ByNumber(number); ok {
		return t.ID, nil
	}
	r.numMu.Lock()
	id, ok := r.numbers[number]
	r.numMu.Unlock()
	if ok {
		return id, nil
	}
	// Numbers are not a write's to change: the lookup is shared and kept
	// across generations (0), only not past ttl when not found.
	id, err := r.finds.get(ctx, number, 0, r.now(), 0, nil, func(ctx context.Context) (int64, error) {
		t, _, err := r.c.Tickets.FindByNumber(ctx, number)
		if err != nil {
			return 0, err
		}
		return t.ID, nil
	})
	if err != nil {
		return 0, err
	}
	r.numMu.Lock()
	if len(r.numbers) >= maxNumbers {
		clear(r.numbers)
	}
	r.numbers[number] = id
	r.numMu.Unlock()
	return id, nil
}

// Ticket is the detail of ticket id (comments, timers, line items),
// shared with concurrent readers and kept for the TTL unless the bot wrote
// meanwhile or the mirror has seen a newer record of it. The ticket
// returned is the caller's; its slices are shared and must not be changed.
func (r *Reads) Ticket(ctx context.Context, id int64) (*syncro.Ticket, error) {
	fresh := func(t *syncro.Ticket) bool {
		at, ok := r.m.newest(id)
		return !ok || !t.UpdatedAt.Before(at)
	}
	t, err := r.details.get(ctx, id, r.gen(), r.now(), r.ttl, fresh, func(ctx context.Context) (*syncro.Ticket, error) {
		t, _, err := r.c.Tickets.Get(ctx, id)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	cp := *t
	return &cp, nil
}

// InvoicesFor is the invoices made from ticket id, for showing them; the
// invoice guard never uses it.
func (r *Reads) InvoicesFor(ctx context.Context, ticketID int64) ([]syncro.Invoice, error) {
	return r.invoices.get(ctx, ticketID, r.gen(), r.now(), r.ttl, nil, func(ctx context.Context) ([]syncro.Invoice, error) {
		return r.c.Invoices.ForTicket(ctx, ticketID)
	})
}

// Found is one page of a ticket search.
type Found struct {
	// Tickets are the newest matches, at most one page; the slice is
	// shared and must not be changed.
	Tickets []syncro.Ticket
	// Total is how many tickets match, as Syncro counted them (at least
	// len(Tickets)).
	Total int
}

// Search is the first page of Syncro's search for words (the newest
// matches, open or closed), shared and kept like Ticket: not past a write
// of the bot's, nor past a newer record of a ticket on it.
func (r *Reads) Search(ctx context.Context, words string) (Found, error) {
	fresh := func(f Found) bool {
		for i := range f.Tickets {
			if at, ok := r.m.newest(f.Tickets[i].ID); ok && f.Tickets[i].UpdatedAt.Before(at) {
				return false
			}
		}
		return true
	}
	return r.searches.get(ctx, words, r.gen(), r.now(), r.ttl, fresh, func(ctx context.Context) (Found, error) {
		list, resp, err := r.c.Tickets.List(ctx, &syncro.TicketListOptions{Query: words})
		if err != nil {
			return Found{}, err
		}
		total := len(list)
		if resp != nil && resp.Meta != nil && resp.Meta.TotalEntries > total {
			total = resp.Meta.TotalEntries
		}
		return Found{Tickets: list, Total: total}, nil
	})
}

// Matches reports whether t matches a search for words the way Syncro's
// query search is known to: the words, as one phrase and in any case, in
// the subject, the customer's name, the contact's name or the number.
func Matches(t *syncro.Ticket, words string) bool {
	q := strings.ToLower(strings.Join(strings.Fields(words), " "))
	if q == "" {
		return false
	}
	for _, s := range []string{t.Subject, t.CustomerBusinessThenName, t.ContactFullname, string(t.Number)} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}
