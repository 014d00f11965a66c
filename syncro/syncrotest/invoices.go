package syncrotest

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GET /invoices: meta carries total_pages and page only (as in S1).
func (s *Server) listInvoices(r *http.Request, p params) (int, any) {
	var keep []Invoice
	for _, inv := range sortedValues(s.st.invoices, nil) {
		if id, ok := p.id("ticket_id"); ok && inv.TicketID != id {
			continue
		}
		if p.flag("paid") && !inv.IsPaid || p.flag("unpaid") && inv.IsPaid {
			continue
		}
		if v, ok := p.time("since_updated_at", s.cfg.loc); ok && inv.UpdatedAt.Before(v) {
			continue
		}
		keep = append(keep, inv)
	}
	slices.SortStableFunc(keep, func(a, b Invoice) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	pg := s.paginate(p, EndpointInvoices, len(keep))
	items := []obj{}
	for _, inv := range pageOf(keep, pg) {
		items = append(items, s.invoiceJSON(&inv))
	}
	return http.StatusOK, obj{"invoices": items, "meta": pg.meta("total_pages", "page")}
}

// invoiceFromPath finds an invoice by id or, failing that, by number.
func (s *Server) invoiceFromPath(r *http.Request) (*Invoice, bool) {
	key := r.PathValue("id")
	if id, err := strconv.ParseInt(key, 10, 64); err == nil {
		if inv, ok := s.st.invoices[id]; ok {
			return inv, true
		}
	}
	for _, inv := range s.st.invoices {
		if inv.Number == key {
			return inv, true
		}
	}
	return nil, false
}

// GET /invoices/{id-or-number}
func (s *Server) getInvoice(r *http.Request, p params) (int, any) {
	inv, ok := s.invoiceFromPath(r)
	if !ok {
		return notFound()
	}
	return http.StatusOK, obj{"invoice": s.invoiceDetailJSON(inv)}
}

// POST /invoices: with ticket_id, the ticket's charges not yet invoiced
// become the invoice's lines. line_items in the body are ignored, as live.
// ASSUMPTION: the 422 body for a missing customer follows the customers'
// success/message shape; no source shows it.
func (s *Server) createInvoice(r *http.Request, p params) (int, any) {
	now := s.cfg.now()
	inv := &Invoice{CreatedAt: now, UpdatedAt: now, UserID: s.cfg.meUserID, Category: p.str("category")}
	var ticket *Ticket
	if id, ok := p.id("ticket_id"); ok {
		t, exists := s.st.tickets[id]
		if !exists {
			return http.StatusUnprocessableEntity, obj{"success": false, "message": []string{"Ticket must exist"}, "params": p.echo()}
		}
		ticket = t
		inv.TicketID = t.ID
		inv.CustomerID = t.CustomerID
		inv.ContactID = t.ContactID
	}
	if id, ok := p.id("customer_id"); ok {
		inv.CustomerID = id
	}
	if s.st.customers[inv.CustomerID] == nil {
		return http.StatusUnprocessableEntity, obj{"success": false, "message": []string{"Customer can't be blank"}, "params": p.echo()}
	}
	if n := strings.TrimSpace(p.str("number")); n != "" {
		for _, other := range s.st.invoices {
			if other.Number == n {
				return http.StatusUnprocessableEntity, obj{"success": false, "message": []string{"Number has already been taken"}, "params": p.echo()}
			}
		}
		inv.Number = n
	} else {
		inv.Number = s.newInvoiceNumberLocked()
	}
	inv.Date = startOfDay(now, s.cfg.loc)
	if d, ok := p.time("date", s.cfg.loc); ok {
		inv.Date = startOfDay(d, s.cfg.loc)
	}
	inv.DueDate = inv.Date.AddDate(0, 0, 30)
	if d, ok := p.time("due_date", s.cfg.loc); ok {
		inv.DueDate = startOfDay(d, s.cfg.loc)
	}
	inv.Note = p.str("note")
	inv.PONumber = p.str("po_number")
	s.st.nextInvoice += 97
	inv.ID = s.st.nextInvoice
	s.st.invoices[inv.ID] = inv
	if ticket != nil {
		s.invoiceTicketLocked(inv, ticket, now)
		if s.cfg.invoiceStatus != "" {
			s.setStatusLocked(ticket, s.cfg.invoiceStatus, now)
		}
	}
	s.recalcLocked(inv)
	return http.StatusOK, obj{"invoice": s.invoiceDetailJSON(inv)}
}

func (s *Server) newInvoiceNumberLocked() string {
	for {
		s.st.nextInvoiceNumber++
		n := strconv.FormatInt(s.st.nextInvoiceNumber, 10)
		taken := false
		for _, inv := range s.st.invoices {
			taken = taken || inv.Number == n
		}
		if !taken {
			return n
		}
	}
}

// invoiceTicketLocked copies the ticket's uninvoiced line items to inv.
func (s *Server) invoiceTicketLocked(inv *Invoice, t *Ticket, now time.Time) {
	for _, l := range sortedValues(s.st.lineItems, func(l *LineItem) bool { return l.TicketID == t.ID && l.InvoiceID == 0 }) {
		s.addInvoiceLineLocked(inv, InvoiceLineItem{
			ProductID: l.ProductID, Item: l.Name, Name: l.Description, Quantity: l.Quantity,
			CostCents: l.CostCents, PriceCents: l.RetailCents, Taxable: l.Taxable,
		}, now)
		s.st.lineItems[l.ID].InvoiceID = inv.ID
	}
}

func (s *Server) addInvoiceLineLocked(inv *Invoice, l InvoiceLineItem, now time.Time) *InvoiceLineItem {
	s.st.nextInvLine += 23
	l.ID = s.st.nextInvLine
	l.InvoiceID = inv.ID
	l.Position = len(s.invoiceLinesLocked(inv.ID)) + 1
	l.CreatedAt, l.UpdatedAt = now, now
	s.st.invoiceLines[l.ID] = &l
	return &l
}

// recalcLocked sets the invoice totals from its lines. The seed account
// charges no tax.
func (s *Server) recalcLocked(inv *Invoice) {
	var sub int64
	for _, l := range s.invoiceLinesLocked(inv.ID) {
		sub += int64(math.Round(l.Quantity * float64(l.PriceCents)))
	}
	inv.SubtotalCents = sub
	inv.TaxCents = 0
	inv.TotalCents = sub
}

// POST /invoices/{id}/line_items. product_id and quantity fill in the name
// and prices from the catalog. ASSUMPTION: the success body is undocumented;
// this returns {"invoice":…} with recalculated totals, as DELETE of a line does.
func (s *Server) addInvoiceLine(r *http.Request, p params) (int, any) {
	inv, ok := s.invoiceFromPath(r)
	if !ok {
		return notFound()
	}
	l := InvoiceLineItem{Item: p.str("item"), Name: p.str("name"), Quantity: 1}
	if id, ok := p.id("product_id"); ok {
		if prod, exists := s.st.products[id]; exists {
			l.ProductID = id
			l.Item, l.Name = prod.Name, prod.Description
			l.CostCents, l.PriceCents, l.Taxable = prod.CostCents, prod.RetailCents, prod.Taxable
		}
	}
	if q, ok := p.num("quantity"); ok {
		l.Quantity = q
	}
	if v, ok := p.num("price"); ok {
		l.PriceCents = cents(v)
	}
	if v, ok := p.num("cost"); ok {
		l.CostCents = cents(v)
	}
	if b, ok := p.boolean("taxable"); ok && p.has("taxable") {
		l.Taxable = b
	}
	if strings.TrimSpace(l.Item) == "" && strings.TrimSpace(l.Name) == "" {
		return http.StatusUnprocessableEntity, obj{"success": false, "message": []string{"Name can't be blank"}, "params": p.echo()}
	}
	now := s.cfg.now()
	s.addInvoiceLineLocked(inv, l, now)
	s.recalcLocked(inv)
	inv.UpdatedAt = now
	return http.StatusOK, obj{"invoice": s.invoiceDetailJSON(inv)}
}

// GET /products: {"products":[…]} without meta; prices are numbers.
func (s *Server) listProducts(r *http.Request, p params) (int, any) {
	q := strings.TrimSpace(p.str("query"))
	name := strings.TrimSpace(p.str("name"))
	items := []obj{}
	for _, pr := range sortedValues(s.st.products, nil) {
		if q != "" && !containsFold(pr.Name+"\n"+pr.Description, q) || name != "" && !containsFold(pr.Name, name) {
			continue
		}
		items = append(items, s.productJSON(&pr))
	}
	return http.StatusOK, obj{"products": items}
}

// GET /products/{id}
func (s *Server) getProduct(r *http.Request, p params) (int, any) {
	id, _ := pathID(r)
	pr, ok := s.st.products[id]
	if !ok {
		return notFound()
	}
	return http.StatusOK, obj{"product": s.productJSON(pr)}
}

// GET /users: {"users":[[id,"Full Name"],…]}.
func (s *Server) listUsers(r *http.Request, p params) (int, any) {
	pairs := [][]any{}
	for _, u := range sortedValues(s.st.users, nil) {
		pairs = append(pairs, []any{u.ID, u.FullName})
	}
	return http.StatusOK, obj{"users": pairs}
}

// GET /users/{id}: {"user":{…email…}}.
func (s *Server) getUser(r *http.Request, p params) (int, any) {
	id, _ := pathID(r)
	u := s.userJSON(id)
	if u == nil {
		return notFound()
	}
	return http.StatusOK, obj{"user": u}
}

// GET /me: a flat object about the key's user.
func (s *Server) me(r *http.Request, p params) (int, any) {
	u, ok := s.st.users[s.cfg.meUserID]
	if !ok {
		return notFound()
	}
	rwd := obj{"read": true, "write": true, "delete": true}
	return http.StatusOK, obj{
		"user_token": "syncrotest-user-token", "user_email": u.Email, "user_name": u.FullName,
		"user_id": u.ID, "admin": u.Admin, "can_use_app": true, "two_factor_required": false,
		"subdomain": "syncrotest", "default_location": nil, "enable_multi_locations": false,
		"locations_allowed": []any{},
		"permissions": obj{
			"asset": rwd, "customer": rwd, "ticket": rwd, "invoice": rwd, "payment": rwd,
			"worksheet": obj{"add": true, "manage": true, "delete": true},
			"script":    obj{"execute": false},
		},
	}
}
