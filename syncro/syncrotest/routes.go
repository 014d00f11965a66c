package syncrotest

import (
	"net/http"
	"strconv"
)

// endpoint answers one request with a status and a JSON body; it runs with
// the Server's mutex held.
type endpoint func(r *http.Request, p params) (int, any)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	h := func(pattern string, fn endpoint) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			p, err := readParams(r)
			if err != nil {
				writeHTML(w, http.StatusBadRequest, badRequestPage)
				return
			}
			s.mu.Lock()
			status, body := fn(r, p)
			s.mu.Unlock()
			writeJSON(w, status, body)
		})
	}

	h("GET /tickets", s.listTickets)
	h("POST /tickets", s.createTicket)
	h("GET /tickets/settings", s.ticketSettings)
	h("GET /tickets/{id}", s.getTicket)
	h("PUT /tickets/{id}", s.updateTicket)
	h("DELETE /tickets/{id}", s.deleteTicket)
	h("POST /tickets/{id}/comment", s.createComment)
	h("GET /tickets/{id}/comments", s.listComments)
	h("POST /tickets/{id}/timer_entry", s.createTimer)
	h("PUT /tickets/{id}/update_timer_entry", s.updateTimer)
	h("POST /tickets/{id}/charge_timer_entry", s.chargeTimer)
	h("POST /tickets/{id}/delete_timer_entry", s.deleteTimer)
	h("POST /tickets/{id}/add_line_item", s.addLineItem)
	h("PUT /tickets/{id}/update_line_item", s.updateLineItem)
	h("POST /tickets/{id}/remove_line_item", s.removeLineItem)
	h("GET /ticket_timers", s.listTimers)
	h("PATCH /ticket_timers/{id}", s.patchTimer)

	h("GET /settings", s.settings)

	h("GET /customers", s.listCustomers)
	h("POST /customers", s.createCustomer)
	h("GET /customers/autocomplete", s.autocompleteCustomers)
	h("GET /customers/{id}", s.getCustomer)
	h("PUT /customers/{id}", s.updateCustomer)
	h("DELETE /customers/{id}", s.deleteCustomer)

	h("GET /contacts", s.listContacts)
	h("POST /contacts", s.createContact)
	h("GET /contacts/{id}", s.getContact)
	h("PUT /contacts/{id}", s.updateContact)
	h("DELETE /contacts/{id}", s.deleteContact)

	h("GET /invoices", s.listInvoices)
	h("POST /invoices", s.createInvoice)
	h("GET /invoices/{id}", s.getInvoice)
	h("POST /invoices/{id}/line_items", s.addInvoiceLine)

	h("GET /products", s.listProducts)
	h("GET /products/{id}", s.getProduct)

	h("GET /users", s.listUsers)
	h("GET /users/{id}", s.getUser)
	h("GET /me", s.me)
	return m
}

// pathID reads the {id} wildcard as an integer.
func pathID(r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return n, err == nil
}

func notFound() (int, any) { return http.StatusNotFound, notFoundBody() }

// pager is one page of a list.
type pager struct {
	page, perPage, total int
	// noMeta makes meta nil (WithoutMeta).
	noMeta bool
}

// paginate reads page and per_page (default for e, capped at MaxPerPage).
func (s *Server) paginate(p params, e Endpoint, total int) pager {
	pg := pager{page: 1, perPage: s.cfg.pageSizes[e], total: total, noMeta: s.cfg.noMeta[e]}
	if n, ok := p.id("page"); ok && n > 1 {
		pg.page = int(n)
	}
	if n, ok := p.id("per_page"); ok && n > 0 {
		most := MaxPerPage
		if m, ok := s.cfg.maxPerPage[e]; ok {
			most = m
		}
		pg.perPage = int(min(n, int64(most)))
	}
	return pg
}

// bounds returns the slice bounds of the page within total items.
func (pg pager) bounds() (lo, hi int) {
	lo = min((pg.page-1)*pg.perPage, pg.total)
	hi = min(lo+pg.perPage, pg.total)
	return lo, hi
}

func (pg pager) totalPages() int {
	return max(1, (pg.total+pg.perPage-1)/pg.perPage)
}

// meta builds the list meta with the named fields: total_pages, page,
// total_entries, per_page; nil for an endpoint made WithoutMeta.
func (pg pager) meta(fields ...string) obj {
	if pg.noMeta {
		return nil
	}
	m := obj{}
	for _, f := range fields {
		switch f {
		case "total_pages":
			m[f] = pg.totalPages()
		case "page":
			m[f] = pg.page
		case "total_entries":
			m[f] = pg.total
		case "per_page":
			m[f] = pg.perPage
		}
	}
	return m
}

var metaAll = []string{"total_pages", "page", "total_entries", "per_page"}

func pageOf[T any](items []T, pg pager) []T {
	lo, hi := pg.bounds()
	out := items[lo:hi]
	if out == nil {
		out = []T{}
	}
	return out
}
