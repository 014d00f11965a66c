package syncrotest

import (
	"cmp"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func validEmail(e string) bool { return e == "" || emailRE.MatchString(strings.TrimSpace(e)) }

func containsFold(hay, needle string) bool {
	return strings.Contains(strings.ToLower(hay), strings.ToLower(needle))
}

// customersSorted returns customers by business-then-name, then id.
func (s *Server) customersSorted(includeDisabled bool) []*Customer {
	var out []*Customer
	for _, c := range s.st.customers {
		if includeDisabled || !c.Disabled {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *Customer) int {
		if c := cmp.Compare(strings.ToLower(a.BusinessThenName()), strings.ToLower(b.BusinessThenName())); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

func customerMatches(c *Customer, q string) bool {
	for _, f := range []string{c.BusinessName, c.FirstName, c.LastName, c.FullName(), c.Email, c.Phone, c.Mobile, c.BusinessThenName()} {
		if f != "" && containsFold(f, q) {
			return true
		}
	}
	return false
}

// GET /customers
func (s *Server) listCustomers(r *http.Request, p params) (int, any) {
	var keep []*Customer
	for _, c := range s.customersSorted(p.flag("include_disabled")) {
		switch {
		case !p.blank("query") && !customerMatches(c, strings.TrimSpace(p.str("query"))),
			!p.blank("email") && !strings.EqualFold(strings.TrimSpace(p.str("email")), c.Email),
			!p.blank("business_name") && !containsFold(c.BusinessName, p.str("business_name")),
			!p.blank("firstname") && !containsFold(c.FirstName, p.str("firstname")),
			!p.blank("lastname") && !containsFold(c.LastName, p.str("lastname")):
			continue
		}
		keep = append(keep, c)
	}
	pg := s.paginate(p, EndpointCustomers, len(keep))
	items := []obj{}
	for _, c := range pageOf(keep, pg) {
		items = append(items, s.customerJSON(c))
	}
	return http.StatusOK, obj{"customers": items, "meta": pg.meta(metaAll...)}
}

// GET /customers/autocomplete: {"customers":[…]} without meta.
func (s *Server) autocompleteCustomers(r *http.Request, p params) (int, any) {
	q := strings.TrimSpace(p.str("query"))
	items := []obj{}
	for _, c := range s.customersSorted(false) {
		if q != "" && !customerMatches(c, q) {
			continue
		}
		items = append(items, s.customerJSON(c))
		if len(items) == 25 {
			break
		}
	}
	return http.StatusOK, obj{"customers": items}
}

// GET /customers/{id}: the detail adds ticket_links, invoice_links, phones.
func (s *Server) getCustomer(r *http.Request, p params) (int, any) {
	id, _ := pathID(r)
	c, ok := s.st.customers[id]
	if !ok {
		return notFound()
	}
	o := s.customerJSON(c)
	links := []obj{}
	for _, t := range s.ticketsNewestFirst() {
		if t.CustomerID == c.ID {
			links = append(links, obj{"id": t.ID, "number": t.Number, "status": t.Status, "subject": t.Subject})
		}
	}
	invs := []obj{}
	for _, inv := range sortedValues(s.st.invoices, func(i *Invoice) bool { return i.CustomerID == c.ID }) {
		invs = append(invs, obj{"id": inv.ID, "number": inv.Number, "took_payment": inv.IsPaid, "total": money(inv.TotalCents), "date": s.ts(inv.Date)})
	}
	o["ticket_links"] = links
	o["invoice_links"] = invs
	o["phones"] = s.phonesJSON(c)
	o["contracts"] = []any{}
	o["addresses"] = []any{}
	o["prepay_hours"] = "0.0"
	o["recurring_invoices"] = []any{}
	return http.StatusOK, obj{"customer": o}
}

// phonesJSON derives phone records from phone and mobile; numbers are
// stored stripped of formatting, as on the real API.
func (s *Server) phonesJSON(c *Customer) []obj {
	out := []obj{}
	for i, ph := range []struct{ label, number string }{{"Phone", c.Phone}, {"Mobile", c.Mobile}} {
		if ph.number == "" {
			continue
		}
		out = append(out, obj{
			"id": c.ID*10 + int64(i), "label": ph.label, "number": digits(ph.number), "extension": nil,
			"customer_id": c.ID, "created_at": s.ts(c.CreatedAt), "updated_at": s.ts(c.UpdatedAt),
		})
	}
	return out
}

// applyCustomerFields copies fields present in p onto c and validates it.
func applyCustomerFields(c *Customer, p params) []string {
	set := p.setStr
	set("business_name", &c.BusinessName)
	set("firstname", &c.FirstName)
	set("lastname", &c.LastName)
	set("email", &c.Email)
	set("phone", &c.Phone)
	set("mobile", &c.Mobile)
	set("address", &c.Address)
	set("city", &c.City)
	set("state", &c.State)
	set("zip", &c.Zip)
	set("notes", &c.Notes)
	if m, ok := p.stringMap("properties"); ok {
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		maps.Copy(c.Properties, m)
	}
	var msgs []string
	if c.BusinessName == "" {
		if c.FirstName == "" {
			msgs = append(msgs, "Firstname can't be blank")
		}
		if c.LastName == "" {
			msgs = append(msgs, "Lastname can't be blank")
		}
	}
	if !validEmail(c.Email) {
		msgs = append(msgs, "Email is not an email")
	}
	return msgs
}

func customerInvalid(msgs []string, p params) (int, any) {
	return http.StatusUnprocessableEntity, obj{"success": false, "message": msgs, "params": p.echo()}
}

// POST /customers
func (s *Server) createCustomer(r *http.Request, p params) (int, any) {
	now := s.cfg.now()
	c := &Customer{CreatedAt: now, UpdatedAt: now}
	if msgs := applyCustomerFields(c, p); len(msgs) > 0 {
		return customerInvalid(msgs, p)
	}
	s.st.nextCustomer += 13
	c.ID = s.st.nextCustomer
	s.st.customers[c.ID] = c
	return http.StatusOK, obj{"customer": s.customerJSON(c)}
}

// PUT /customers/{id}: a partial update.
func (s *Server) updateCustomer(r *http.Request, p params) (int, any) {
	id, _ := pathID(r)
	c, ok := s.st.customers[id]
	if !ok {
		return notFound()
	}
	draft := *c
	draft.Properties = maps.Clone(c.Properties)
	if msgs := applyCustomerFields(&draft, p); len(msgs) > 0 {
		return customerInvalid(msgs, p)
	}
	draft.UpdatedAt = s.cfg.now()
	*c = draft
	return http.StatusOK, obj{"customer": s.customerJSON(c)}
}

// DELETE /customers/{id}: a hard delete.
func (s *Server) deleteCustomer(r *http.Request, p params) (int, any) {
	id, _ := pathID(r)
	if _, ok := s.st.customers[id]; !ok {
		return notFound()
	}
	delete(s.st.customers, id)
	return http.StatusOK, obj{"message": "Customer was deleted from the system."}
}

// GET /contacts
func (s *Server) listContacts(r *http.Request, p params) (int, any) {
	var keep []Contact
	for _, c := range sortedValues(s.st.contacts, nil) {
		if id, ok := p.id("customer_id"); ok && c.CustomerID != id {
			continue
		}
		keep = append(keep, c)
	}
	pg := s.paginate(p, EndpointContacts, len(keep))
	items := []obj{}
	for _, c := range pageOf(keep, pg) {
		items = append(items, s.contactJSON(&c))
	}
	return http.StatusOK, obj{"contacts": items, "meta": pg.meta(metaAll...)}
}

// GET /contacts/{id} → bare Contact.
func (s *Server) getContact(r *http.Request, p params) (int, any) {
	id, _ := pathID(r)
	c, ok := s.st.contacts[id]
	if !ok {
		return notFound()
	}
	return http.StatusOK, s.contactJSON(c)
}

func (s *Server) applyContactFields(c *Contact, p params) string {
	set := p.setStr
	set("name", &c.Name)
	set("email", &c.Email)
	set("phone", &c.Phone)
	set("mobile", &c.Mobile)
	set("address1", &c.Address1)
	set("address2", &c.Address2)
	set("city", &c.City)
	set("state", &c.State)
	set("zip", &c.Zip)
	set("notes", &c.Notes)
	if m, ok := p.stringMap("properties"); ok {
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		maps.Copy(c.Properties, m)
	}
	if p.has("title") { // title lives in properties (§4.7)
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		c.Properties["title"] = p.str("title")
	}
	if p.has("customer_id") {
		c.CustomerID, _ = p.id("customer_id")
	}
	switch {
	case s.st.customers[c.CustomerID] == nil:
		return "Customer must exist"
	case strings.TrimSpace(c.Name) == "":
		return "Name can't be blank"
	case !validEmail(c.Email):
		return "Email is not an email"
	}
	return ""
}

// POST /contacts → bare Contact; 422 {"record":…,"errors":"…"}.
func (s *Server) createContact(r *http.Request, p params) (int, any) {
	now := s.cfg.now()
	c := &Contact{CreatedAt: now, UpdatedAt: now}
	if msg := s.applyContactFields(c, p); msg != "" {
		return http.StatusUnprocessableEntity, obj{"record": s.contactJSON(c), "errors": msg}
	}
	s.st.nextContact += 17
	c.ID = s.st.nextContact
	s.st.contacts[c.ID] = c
	return http.StatusOK, s.contactJSON(c)
}

// PUT /contacts/{id} → bare Contact.
func (s *Server) updateContact(r *http.Request, p params) (int, any) {
	id, _ := pathID(r)
	c, ok := s.st.contacts[id]
	if !ok {
		return notFound()
	}
	draft := *c
	draft.Properties = maps.Clone(c.Properties)
	if msg := s.applyContactFields(&draft, p); msg != "" {
		return http.StatusUnprocessableEntity, obj{"record": s.contactJSON(&draft), "errors": msg}
	}
	draft.UpdatedAt = s.cfg.now()
	*c = draft
	return http.StatusOK, s.contactJSON(c)
}

// DELETE /contacts/{id} → {"success":true}.
func (s *Server) deleteContact(r *http.Request, p params) (int, any) {
	id, _ := pathID(r)
	if _, ok := s.st.contacts[id]; !ok {
		return notFound()
	}
	delete(s.st.contacts, id)
	return http.StatusOK, obj{"success": true}
}

// startOfDay returns midnight of t's day in loc.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
