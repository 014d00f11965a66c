package syncrotest

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// state is the account's data; the Server's mutex guards it.
type state struct {
	tickets      map[int64]*Ticket
	comments     map[int64]*Comment
	timers       map[int64]*Timer
	lineItems    map[int64]*LineItem
	invoices     map[int64]*Invoice
	invoiceLines map[int64]*InvoiceLineItem
	customers    map[int64]*Customer
	contacts     map[int64]*Contact
	products     map[int64]*Product
	users        map[int64]*User

	statuses     []string
	closed       map[string]bool
	problemTypes []string
	priorities   []string
	defaultLabor int64

	nextTicket, nextNumber, nextComment, nextTimer, nextLine int64
	nextInvoice, nextInvoiceNumber, nextInvLine              int64
	nextCustomer, nextContact                                int64
}

func newState() state {
	return state{
		tickets:      map[int64]*Ticket{},
		comments:     map[int64]*Comment{},
		timers:       map[int64]*Timer{},
		lineItems:    map[int64]*LineItem{},
		invoices:     map[int64]*Invoice{},
		invoiceLines: map[int64]*InvoiceLineItem{},
		customers:    map[int64]*Customer{},
		contacts:     map[int64]*Contact{},
		products:     map[int64]*Product{},
		users:        map[int64]*User{},
		statuses:     slices.Clone(Statuses),
		closed:       map[string]bool{"Resolved": true, "Invoiced": true, "Closed": true},
		problemTypes: slices.Clone(ProblemTypes),
		priorities:   []string{"", "0 Urgent", "1 High", "2 Normal", "3 Low"},
		defaultLabor: ProductLaborRemote,
		// Id sequences far apart and far from ticket numbers, like real data.
		nextTicket:        108430000,
		nextNumber:        32100,
		nextComment:       402100000,
		nextTimer:         7710000,
		nextLine:          26120000,
		nextInvoice:       1649793000,
		nextInvoiceNumber: 1680,
		nextInvLine:       55310000,
		nextCustomer:      31200000,
		nextContact:       2204000,
	}
}

// Statuses is the seed account's customised ticket status list, in the order
// GET /tickets/settings returns it. "Not Closed" means every status except
// Resolved, Invoiced and Closed.
var Statuses = []string{
	"New", "In Progress", "Waiting on Customer", "Waiting for Parts", "Scheduled",
	"Customer Reply", "Resolved", "Invoiced", "Closed",
}

// ProblemTypes is the account's problem type list (GET /settings).
var ProblemTypes = []string{
	"Helpdesk", "Onsite", "Incident", "Request", "Remote Support", "Break Fix",
	"Networking", "Maintenance", "Other", "Move Add Change", "SOS",
}

func sortedValues[T any](m map[int64]*T, keep func(*T) bool) []T {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]T, 0, len(keys))
	for _, k := range keys {
		if keep == nil || keep(m[k]) {
			out = append(out, *m[k])
		}
	}
	return out
}

func cloneTicket(t Ticket) Ticket {
	t.Properties = maps.Clone(t.Properties)
	t.TagList = slices.Clone(t.TagList)
	return t
}

// Tickets returns every ticket, in id order.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := sortedValues(s.st.tickets, nil)
	for i := range out {
		out[i] = cloneTicket(out[i])
	}
	return out
}

// Ticket returns the ticket with the given id.
func (s *Server) Ticket(id int64) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	return cloneTicket(*t), true
}

// TicketByNumber returns the ticket with the given human-facing number.
func (s *Server) TicketByNumber(number int64) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.st.tickets {
		if t.Number == number {
			return cloneTicket(*t), true
		}
	}
	return Ticket{}, false
}

// Comments returns the comments of a ticket, oldest first.
func (s *Server) Comments(ticketID int64) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commentsLocked(ticketID)
}

func (s *Server) commentsLocked(ticketID int64) []Comment {
	out := sortedValues(s.st.comments, func(c *Comment) bool { return c.TicketID == ticketID })
	slices.SortStableFunc(out, func(a, b Comment) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// Timers returns the timer entries of a ticket (all tickets if ticketID is 0),
// in id order.
func (s *Server) Timers(ticketID int64) []Timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedValues(s.st.timers, func(t *Timer) bool { return ticketID == 0 || t.TicketID == ticketID })
}

// LineItems returns the line items of a ticket (all tickets if ticketID is 0),
// in id order.
func (s *Server) LineItems(ticketID int64) []LineItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedValues(s.st.lineItems, func(l *LineItem) bool { return ticketID == 0 || l.TicketID == ticketID })
}

// Invoices returns every invoice, in id order.
func (s *Server) Invoices() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedValues(s.st.invoices, nil)
}

// ResolvedNotInvoiced returns the ids of user's tickets whose status is
// Resolved and that no invoice names, in id order: what Syncro holds as
// that tech's resolved tickets not invoiced yet, whatever their status
// would suggest.
func (s *Server) ResolvedNotInvoiced(user int64) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	named := map[int64]bool{}
	for _, inv := range s.st.invoices {
		named[inv.TicketID] = true
	}
	var out []int64
	for _, t := range sortedValues(s.st.tickets, nil) {
		if t.UserID == user && t.Status == "Resolved" && !named[t.ID] {
			out = append(out, t.ID)
		}
	}
	return out
}

// Invoice returns the invoice with the given id.
func (s *Server) Invoice(id int64) (Invoice, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.st.invoices[id]
	if !ok {
		return Invoice{}, false
	}
	return *inv, true
}

// InvoiceLineItems returns the lines of an invoice, in position order.
func (s *Server) InvoiceLineItems(invoiceID int64) []InvoiceLineItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invoiceLinesLocked(invoiceID)
}

func (s *Server) invoiceLinesLocked(invoiceID int64) []InvoiceLineItem {
	out := sortedValues(s.st.invoiceLines, func(l *InvoiceLineItem) bool { return l.InvoiceID == invoiceID })
	slices.SortStableFunc(out, func(a, b InvoiceLineItem) int { return cmp.Compare(a.Position, b.Position) })
	return out
}

// Customers returns every customer, in id order.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := sortedValues(s.st.customers, nil)
	for i := range out {
		out[i].Properties = maps.Clone(out[i].Properties)
	}
	return out
}

// Customer returns the customer with the given id.
func (s *Server) Customer(id int64) (Customer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.customers[id]
	if !ok {
		return Customer{}, false
	}
	cc := *c
	cc.Properties = maps.Clone(c.Properties)
	return cc, true
}

// Contacts returns the contacts of a customer (all if customerID is 0), in id order.
func (s *Server) Contacts(customerID int64) []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := sortedValues(s.st.contacts, func(c *Contact) bool { return customerID == 0 || c.CustomerID == customerID })
	for i := range out {
		out[i].Properties = maps.Clone(out[i].Properties)
	}
	return out
}

// Contact returns the contact with the given id.
func (s *Server) Contact(id int64) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.contacts[id]
	if !ok {
		return Contact{}, false
	}
	cc := *c
	cc.Properties = maps.Clone(c.Properties)
	return cc, true
}

// Products returns the product catalog, in id order.
func (s *Server) Products() []Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedValues(s.st.products, nil)
}

// Users returns the technicians, in id order.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedValues(s.st.users, nil)
}

// AddUser stores a technician (GET /users) as if added in the web app
// and returns it; an existing id is replaced.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.users[u.ID] = &u
	return u
}

// RemoveUser deletes a technician as if removed in the web app: GET /users
// no longer lists it and GET /users/{id} is 404. A timer_entry still
// naming its user_id is taken as any id is: the API documents no refusal
// (docs/syncro-api.md, timer entries), so the fake keeps the worst case,
// time silently credited to a user the account no longer has, which the
// bot must never send.
func (s *Server) RemoveUser(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.users, id)
}

// StatusList returns the account's ticket statuses.
func (s *Server) StatusList() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.statuses)
}

// AddStatus adds a ticket status to the account's list, as an admin does
// in Syncro's settings; closed says whether tickets in it count as closed.
func (s *Server) AddStatus(status string, closed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.st.statuses, status) {
		s.st.statuses = append(s.st.statuses, status)
	}
	s.st.closed[status] = closed
}

// SetTicketStatus changes a ticket's status as a change in the web app would:
// updated_at moves to now, and resolved_at is set on first reaching a closed
// status.
func (s *Server) SetTicketStatus(id int64, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.tickets[id]
	if !ok {
		return fmt.Errorf("syncrotest: set status of ticket %d: no such ticket", id)
	}
	if !slices.Contains(s.st.statuses, status) {
		return fmt.Errorf("syncrotest: set status of ticket %d: %q is not in the status list", id, status)
	}
	s.setStatusLocked(t, status, s.cfg.now())
	return nil
}

func (s *Server) setStatusLocked(t *Ticket, status string, now time.Time) {
	t.Status = status
	if s.st.closed[status] && t.ResolvedAt.IsZero() {
		t.ResolvedAt = now
	}
	t.UpdatedAt = now
}

// TouchTicket moves a ticket's updated_at to now, as any web-app edit would.
func (s *Server) TouchTicket(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.tickets[id]
	if ok {
		t.UpdatedAt = s.cfg.now()
	}
	return ok
}

// AddTicket stores a ticket as if made in the web app and returns it. A zero
// ID or Number is assigned, zero times become now, and Status defaults to "New".
func (s *Server) AddTicket(t Ticket) Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.now()
	if t.ID == 0 {
		t.ID = s.newTicketIDLocked()
	}
	if t.Number == 0 {
		t.Number = s.newTicketNumberLocked()
	}
	if t.Status == "" {
		t.Status = "New"
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	t = cloneTicket(t)
	s.st.tickets[t.ID] = &t
	return cloneTicket(t)
}

// AddComment stores a comment as if written in the web app or emailed in by
// the customer (UserID 0), bumping the ticket's updated_at. A zero ID is
// assigned and zero times become now. Time fields are not processed.
func (s *Server) AddComment(c Comment) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.tickets[c.TicketID]
	if !ok {
		return Comment{}, fmt.Errorf("syncrotest: add comment: no ticket %d", c.TicketID)
	}
	now := s.cfg.now()
	if c.ID == 0 {
		s.st.nextComment += 7
		c.ID = s.st.nextComment
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	s.st.comments[c.ID] = &c
	t.UpdatedAt = now
	return c, nil
}

// AddCustomer stores a customer as if made in the web app and returns it.
func (s *Server) AddCustomer(c Customer) Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.now()
	if c.ID == 0 {
		s.st.nextCustomer += 13
		c.ID = s.st.nextCustomer
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.Properties = maps.Clone(c.Properties)
	s.st.customers[c.ID] = &c
	return c
}

// MarkInvoicePaid marks an invoice as paid, as taking a payment would.
func (s *Server) MarkInvoicePaid(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.st.invoices[id]
	if ok {
		inv.IsPaid = true
		inv.UpdatedAt = s.cfg.now()
	}
	return ok
}

func (s *Server) newTicketIDLocked() int64 {
	s.st.nextTicket += 37
	return s.st.nextTicket
}

func (s *Server) newTicketNumberLocked() int64 {
	for {
		s.st.nextNumber++
		n := s.st.nextNumber
		taken := false
		for _, t := range s.st.tickets {
			if t.Number == n {
				taken = true
				break
			}
		}
		if !taken {
			return n
		}
	}
}

// Reset empties the account: no users, customers, tickets or products. The
// request log, faults and options are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = newState()
}

// Seed replaces the account's data with the deterministic seed (what New
// loads unless WithSeed(false) is given).
func (s *Server) Seed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = newState()
	s.seedLocked()
}
