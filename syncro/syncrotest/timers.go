package syncrotest

import (
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

func (s *Server) newTimerLocked(t *Ticket, userID int64, start, end time.Time, productID int64, notes string, now time.Time) *Timer {
	s.st.nextTimer += 11
	tm := &Timer{
		ID: s.st.nextTimer, TicketID: t.ID, UserID: userID, StartTime: start, EndTime: end,
		Billable: true, Notes: notes, ProductID: productID, CreatedAt: now, UpdatedAt: now,
	}
	s.st.timers[tm.ID] = tm
	t.UpdatedAt = now
	return tm
}

// chargeLocked turns a timer into a ticket line item priced from its labor
// product. Charging twice makes two line items, as on real Syncro.
func (s *Server) chargeLocked(t *Ticket, tm *Timer, now time.Time) *LineItem {
	productID := tm.ProductID
	if productID == 0 {
		productID = s.st.defaultLabor
	}
	prod := s.st.products[productID]
	name, desc := "Labor", tm.Notes
	var cost, retail int64
	taxable := false
	if prod != nil {
		name, cost, retail, taxable = prod.Name, prod.CostCents, prod.RetailCents, prod.Taxable
		if desc == "" {
			desc = prod.Description
		}
	}
	if desc == "" {
		desc = name
	}
	hours := math.Round(float64(tm.Minutes())/60*100) / 100
	li := s.addLineLocked(t, LineItem{
		UserID: tm.UserID, ProductID: productID, Name: name, Description: desc,
		Quantity: hours, CostCents: cost, RetailCents: retail, Taxable: taxable,
	}, now)
	tm.Recorded = true
	tm.TicketLineItemID = li.ID
	tm.UpdatedAt = now
	return li
}

func (s *Server) addLineLocked(t *Ticket, l LineItem, now time.Time) *LineItem {
	s.st.nextLine += 19
	l.ID = s.st.nextLine
	l.TicketID = t.ID
	l.CreatedAt, l.UpdatedAt = now, now
	pos := 0
	for _, x := range s.st.lineItems {
		if x.TicketID == t.ID {
			pos = max(pos, x.Position)
		}
	}
	l.Position = pos + 1
	s.st.lineItems[l.ID] = &l
	t.UpdatedAt = now
	return &l
}

// POST /tickets/{id}/timer_entry → bare Timer.
func (s *Server) createTimer(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	if p.blank("start_at") {
		// The real API leaks a Ruby error here (§4.3).
		return http.StatusUnprocessableEntity, obj{"error": "no implicit conversion of nil into String"}
	}
	start, ok := p.time("start_at", s.cfg.loc)
	if !ok {
		return http.StatusUnprocessableEntity, obj{"error": "argument out of range"}
	}
	var end time.Time
	if e, ok := p.time("end_at", s.cfg.loc); ok {
		end = e
	} else if d, ok := p.num("duration_minutes"); ok {
		end = start.Add(time.Duration(d * float64(time.Minute)))
	}
	user := s.cfg.meUserID
	if id, ok := p.id("user_id"); ok {
		user = id
	}
	product := s.st.defaultLabor
	if id, ok := p.id("product_id"); ok {
		product = id
	}
	tm := s.newTimerLocked(t, user, start, end, product, p.str("notes"), s.cfg.now())
	if b, ok := p.boolean("billable"); ok && p.has("billable") {
		tm.Billable = b
	}
	return http.StatusOK, s.timerJSON(tm)
}

func (s *Server) timerOfTicket(t *Ticket, p params) (*Timer, bool) {
	id, ok := p.id("timer_entry_id")
	if !ok {
		return nil, false
	}
	tm, ok := s.st.timers[id]
	if !ok || tm.TicketID != t.ID {
		return nil, false
	}
	return tm, true
}

// pathTimer is the ticket named by the path and its timer named by
// timer_entry_id; ok is false when either is missing.
func (s *Server) pathTimer(r *http.Request, p params) (*Ticket, *Timer, bool) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return nil, nil, false
	}
	tm, ok := s.timerOfTicket(t, p)
	return t, tm, ok
}

// PUT /tickets/{id}/update_timer_entry → bare Timer. As seen live (§4.3),
// duration_minutes does not move end_time.
func (s *Server) updateTimer(r *http.Request, p params) (int, any) {
	t, tm, ok := s.pathTimer(r, p)
	if !ok {
		return notFound()
	}
	if v, ok := p.time("start_at", s.cfg.loc); ok {
		tm.StartTime = v
	}
	if p.has("notes") {
		tm.Notes = p.str("notes")
	}
	if id, ok := p.id("product_id"); ok {
		tm.ProductID = id
	}
	if id, ok := p.id("user_id"); ok {
		tm.UserID = id
	}
	now := s.cfg.now()
	tm.UpdatedAt = now
	t.UpdatedAt = now
	return http.StatusOK, s.timerJSON(tm)
}

// POST /tickets/{id}/charge_timer_entry → bare Timer with recorded:true.
func (s *Server) chargeTimer(r *http.Request, p params) (int, any) {
	t, tm, ok := s.pathTimer(r, p)
	if !ok {
		return notFound()
	}
	s.chargeLocked(t, tm, s.cfg.now())
	return http.StatusOK, s.timerJSON(tm)
}

// POST /tickets/{id}/delete_timer_entry → {"success":true}.
func (s *Server) deleteTimer(r *http.Request, p params) (int, any) {
	t, tm, ok := s.pathTimer(r, p)
	if !ok {
		return notFound()
	}
	delete(s.st.timers, tm.ID)
	t.UpdatedAt = s.cfg.now()
	return http.StatusOK, obj{"success": true}
}

// GET /ticket_timers
func (s *Server) listTimers(r *http.Request, p params) (int, any) {
	loc := s.cfg.loc
	var keep []Timer
	for _, tm := range sortedValues(s.st.timers, nil) {
		if id, ok := p.id("ticket_id"); ok && tm.TicketID != id {
			continue
		}
		if id, ok := p.id("user_id"); ok && tm.UserID != id {
			continue
		}
		if v, ok := p.time("created_at_gt", loc); ok && !tm.CreatedAt.After(v) {
			continue
		}
		if v, ok := p.time("created_at_lt", loc); ok && !tm.CreatedAt.Before(v) {
			continue
		}
		keep = append(keep, tm)
	}
	slices.SortStableFunc(keep, func(a, b Timer) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	pg := s.paginate(p, EndpointTicketTimers, len(keep))
	items := []obj{}
	for _, tm := range pageOf(keep, pg) {
		items = append(items, s.timerJSON(&tm))
	}
	return http.StatusOK, obj{"ticket_timers": items, "meta": pg.meta("total_pages", "page")}
}

// PATCH /ticket_timers/{id} → {"ticket_timer":…}.
func (s *Server) patchTimer(r *http.Request, p params) (int, any) {
	id, ok := pathID(r)
	tm := s.st.timers[id]
	if !ok || tm == nil {
		return notFound()
	}
	b, ok := p.boolean("billable")
	if !ok || !p.has("billable") {
		return http.StatusUnprocessableEntity, obj{"errors": []string{"billable must be true or false"}}
	}
	tm.Billable = b
	tm.UpdatedAt = s.cfg.now()
	o := s.timerJSON(tm)
	o["since_updated_at"] = s.ts(tm.UpdatedAt)
	return http.StatusOK, obj{"ticket_timer": o}
}

// POST /tickets/{id}/add_line_item → bare TicketLineItem.
func (s *Server) addLineItem(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	var errs []string
	if p.blank("name") {
		errs = append(errs, "Name can't be blank")
	}
	if p.blank("description") {
		errs = append(errs, "Description can't be blank")
	}
	if len(errs) > 0 {
		return http.StatusUnprocessableEntity, obj{"errors": strings.Join(errs, ", "), "params": obj{}}
	}
	l := LineItem{UserID: s.cfg.meUserID, Name: p.str("name"), Description: p.str("description"), Quantity: 1}
	s.applyLineFields(&l, p)
	return http.StatusOK, s.lineItemJSON(s.addLineLocked(t, l, s.cfg.now()))
}

// applyLineFields copies line item fields from p; a product fills in prices
// left out (never the name or description, as on real tickets).
func (s *Server) applyLineFields(l *LineItem, p params) {
	if id, ok := p.id("product_id"); ok {
		l.ProductID = id
		if prod, ok := s.st.products[id]; ok {
			l.CostCents, l.RetailCents, l.Taxable = prod.CostCents, prod.RetailCents, prod.Taxable
		}
	}
	if q, ok := p.num("quantity"); ok {
		l.Quantity = q
	}
	if v, ok := p.num("price_cost"); ok {
		l.CostCents = cents(v)
	}
	if v, ok := p.num("price_retail"); ok {
		l.RetailCents = cents(v)
	}
	if b, ok := p.boolean("taxable"); ok && p.has("taxable") {
		l.Taxable = b
	}
}

func cents(dollars float64) int64 { return int64(math.Round(dollars * 100)) }

// PUT /tickets/{id}/update_line_item → {"ticket_line_item":…}.
func (s *Server) updateLineItem(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	id, _ := p.id("ticket_line_item_id")
	l, ok := s.st.lineItems[id]
	if !ok || l.TicketID != t.ID {
		return notFound()
	}
	if p.has("name") {
		l.Name = p.str("name")
	}
	if p.has("description") {
		l.Description = p.str("description")
	}
	s.applyLineFields(l, p)
	now := s.cfg.now()
	l.UpdatedAt, t.UpdatedAt = now, now
	return http.StatusOK, obj{"ticket_line_item": s.lineItemJSON(l)}
}

// POST /tickets/{id}/remove_line_item → {"success":true,"message":""}.
func (s *Server) removeLineItem(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	id, _ := p.id("ticket_line_item_id")
	l, ok := s.st.lineItems[id]
	if !ok || l.TicketID != t.ID {
		return notFound()
	}
	delete(s.st.lineItems, id)
	t.UpdatedAt = s.cfg.now()
	return http.StatusOK, obj{"success": true, "message": ""}
}
