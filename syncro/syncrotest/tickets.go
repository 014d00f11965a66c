package syncrotest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ticketsNewestFirst returns pointers to the tickets, newest first.
func (s *Server) ticketsNewestFirst() []*Ticket {
	out := make([]*Ticket, 0, len(s.st.tickets))
	for _, t := range s.st.tickets {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Ticket) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	return out
}

// GET /tickets
func (s *Server) listTickets(r *http.Request, p params) (int, any) {
	loc := s.cfg.loc
	var keep []*Ticket
	idFilter := func(k string, v int64) bool {
		want, ok := p.id(k)
		return !p.has(k) || p.blank(k) || (ok && want == v)
	}
	timeFilter := func(k string, v time.Time) bool {
		if p.blank(k) {
			return true
		}
		want, ok := p.time(k, loc)
		return !ok || (!v.IsZero() && !v.Before(want))
	}
	status := p.str("status")
	query := strings.ToLower(strings.TrimSpace(p.str("query")))
	order := s.ticketsNewestFirst()
	if s.cfg.ticketsOldestFirst {
		slices.Reverse(order)
	}
	for _, t := range order {
		switch {
		case !idFilter("customer_id", t.CustomerID),
			!idFilter("contact_id", t.ContactID),
			!idFilter("user_id", t.UserID),
			p.has("number") && strings.TrimSpace(p.str("number")) != strconv.FormatInt(t.Number, 10),
			status == "Not Closed" && s.st.closed[t.Status] && !slices.Contains(s.cfg.notClosedKeeps, t.Status),
			status != "" && status != "Not Closed" && !strings.EqualFold(status, t.Status),
			query != "" && !s.ticketMatches(t, query),
			!timeFilter("since_updated_at", t.UpdatedAt),
			!timeFilter("created_after", t.CreatedAt),
			!timeFilter("resolved_after", t.ResolvedAt):
			continue
		}
		keep = append(keep, t)
	}
	pg := s.paginate(p, EndpointTickets, len(keep))
	items := []obj{}
	for _, t := range pageOf(keep, pg) {
		items = append(items, s.ticketSummaryJSON(t))
	}
	return http.StatusOK, obj{"tickets": items, "meta": pg.meta(metaAll...)}
}

func (s *Server) ticketMatches(t *Ticket, q string) bool {
	hay := strings.ToLower(t.Subject + "\n" + s.customerName(t.CustomerID) + "\n" + strconv.FormatInt(t.Number, 10))
	if c, ok := s.st.customers[t.CustomerID]; ok {
		hay += "\n" + strings.ToLower(c.FullName())
	}
	return strings.Contains(hay, q)
}

// GET /tickets/{id}
func (s *Server) getTicket(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	return http.StatusOK, obj{"ticket": s.ticketDetailJSON(t)}
}

func (s *Server) ticketFromPath(r *http.Request) (*Ticket, bool) {
	id, ok := pathID(r)
	if !ok {
		return nil, false
	}
	t, ok := s.st.tickets[id]
	return t, ok
}

// POST /tickets
func (s *Server) createTicket(r *http.Request, p params) (int, any) {
	cid, ok := p.id("customer_id")
	if _, exists := s.st.customers[cid]; !ok || !exists {
		return http.StatusUnprocessableEntity, obj{"error": "Customer required field"}
	}
	now := s.cfg.now()
	t := &Ticket{CustomerID: cid, Status: "New", CreatedAt: now, UpdatedAt: now}
	var msgs []string
	if p.blank("subject") {
		msgs = append(msgs, "Subject can't be blank")
	}
	if p.has("number") && !p.blank("number") {
		n, err := strconv.ParseInt(strings.TrimSpace(p.str("number")), 10, 64)
		switch {
		case err != nil:
			msgs = append(msgs, "Number is not a number")
		case s.numberTaken(n, 0):
			msgs = append(msgs, "Number has already been taken")
		default:
			t.Number = n
		}
	}
	msgs = append(msgs, s.applyTicketFields(t, p, now)...)
	if len(msgs) > 0 {
		return http.StatusUnprocessableEntity, obj{"success": false, "message": msgs}
	}
	t.ID = s.newTicketIDLocked()
	if t.Number == 0 {
		t.Number = s.newTicketNumberLocked()
	}
	s.st.tickets[t.ID] = t
	s.addCommentsAttributes(t, p, now)
	// line_items on create are silently ignored, as on the real API.
	return http.StatusOK, obj{"ticket": s.ticketDetailJSON(t)}
}

func (s *Server) numberTaken(n, exceptID int64) bool {
	for _, t := range s.st.tickets {
		if t.Number == n && t.ID != exceptID {
			return true
		}
	}
	return false
}

// applyTicketFields copies the writable fields present in p onto t and
// returns validation messages.
func (s *Server) applyTicketFields(t *Ticket, p params, now time.Time) []string {
	var msgs []string
	loc := s.cfg.loc
	if p.has("subject") {
		if p.blank("subject") {
			if t.ID != 0 {
				msgs = append(msgs, "Subject can't be blank")
			}
		} else {
			t.Subject = p.str("subject")
		}
	}
	if p.has("status") && !p.blank("status") {
		st := p.str("status")
		if !slices.Contains(s.st.statuses, st) {
			msgs = append(msgs, "Status is not included in the list")
		} else {
			s.setStatusLocked(t, st, now)
		}
	}
	if p.has("customer_id") {
		if id, ok := p.id("customer_id"); ok && s.st.customers[id] != nil {
			t.CustomerID = id
		} else {
			msgs = append(msgs, "Customer required field")
		}
	}
	if p.has("user_id") {
		id, _ := p.id("user_id")
		t.UserID = id
	}
	if p.has("contact_id") {
		id, _ := p.id("contact_id")
		t.ContactID = id
	}
	if p.has("location_id") {
		id, _ := p.id("location_id")
		t.LocationID = id
	}
	if p.has("problem_type") {
		t.ProblemType = p.str("problem_type")
	}
	if p.has("priority") {
		t.Priority = p.str("priority")
	}
	if m, ok := p.stringMap("properties"); ok {
		if t.Properties == nil {
			t.Properties = map[string]string{}
		}
		for k, v := range m {
			t.Properties[k] = v
		}
	}
	if l, ok := p.stringList("tag_list"); ok {
		t.TagList = l
	}
	for k, dst := range map[string]*time.Time{"due_date": &t.DueDate, "start_at": &t.StartAt, "end_at": &t.EndAt} {
		if p.has(k) {
			v, _ := p.time(k, loc)
			*dst = v
		}
	}
	return msgs
}

func (s *Server) addCommentsAttributes(t *Ticket, p params, now time.Time) {
	for _, c := range p.objects("comments_attributes") {
		s.st.nextComment += 7
		cm := &Comment{
			ID: s.st.nextComment, TicketID: t.ID, Subject: c.str("subject"), Body: c.str("body"),
			Tech: c.str("tech"), Hidden: c.flag("hidden"), DoNotEmail: c.flag("do_not_email"),
			SMSBody: c.str("sms_body"), UserID: s.cfg.meUserID, CreatedAt: now, UpdatedAt: now,
		}
		if cm.Tech == "" {
			cm.Tech = s.userName(cm.UserID)
		}
		s.st.comments[cm.ID] = cm
	}
}

// PUT /tickets/{id}
func (s *Server) updateTicket(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	now := s.cfg.now()
	draft := cloneTicket(*t)
	msgs := s.applyTicketFields(&draft, p, now)
	if p.has("number") && !p.blank("number") {
		n, err := strconv.ParseInt(strings.TrimSpace(p.str("number")), 10, 64)
		if err != nil || s.numberTaken(n, t.ID) {
			msgs = append(msgs, "Number has already been taken")
		} else {
			draft.Number = n
		}
	}
	if len(msgs) > 0 {
		return http.StatusUnprocessableEntity, obj{"success": false, "message": msgs}
	}
	draft.UpdatedAt = now
	*t = draft
	s.addCommentsAttributes(t, p, now)
	return http.StatusOK, obj{"ticket": s.ticketDetailJSON(t)}
}

// DELETE /tickets/{id}
func (s *Server) deleteTicket(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	delete(s.st.tickets, t.ID)
	for id, c := range s.st.comments {
		if c.TicketID == t.ID {
			delete(s.st.comments, id)
		}
	}
	for id, tm := range s.st.timers {
		if tm.TicketID == t.ID {
			delete(s.st.timers, id)
		}
	}
	for id, l := range s.st.lineItems {
		if l.TicketID == t.ID {
			delete(s.st.lineItems, id)
		}
	}
	return http.StatusOK, obj{"message": "Ticket was successfully deleted. "}
}

// POST /tickets/{id}/comment
func (s *Server) createComment(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	var msgs []string
	if p.blank("body") {
		msgs = append(msgs, "Body can't be blank")
	}
	if p.blank("subject") {
		msgs = append(msgs, "Subject can't be blank")
	}
	if len(msgs) > 0 {
		return http.StatusUnprocessableEntity, obj{"success": false, "message": msgs}
	}
	now := s.cfg.now()
	s.st.nextComment += 7
	c := &Comment{
		ID: s.st.nextComment, TicketID: t.ID, Subject: p.str("subject"), Body: p.str("body"),
		Tech: p.str("tech"), Hidden: p.flag("hidden"), DoNotEmail: p.flag("do_not_email"),
		SMSBody: p.str("sms_body"), UserID: s.cfg.meUserID, CreatedAt: now, UpdatedAt: now,
	}
	if c.Tech == "" {
		c.Tech = s.userName(c.UserID)
	}
	c.ProductID, _ = p.id("product_id")
	if m, ok := p.num("minutes_spent"); ok {
		c.MinutesSpent = int(m)
	}
	c.BillTimeNow = p.flag("bill_time_now")
	s.st.comments[c.ID] = c
	t.UpdatedAt = now
	if s.cfg.timeMode == TimeFromComments && c.MinutesSpent > 0 {
		product := c.ProductID
		if product == 0 {
			product = s.st.defaultLabor
		}
		tm := s.newTimerLocked(t, c.UserID, now.Add(-time.Duration(c.MinutesSpent)*time.Minute), now, product, c.Body, now)
		tm.CommentID = c.ID
		if c.BillTimeNow {
			s.chargeLocked(t, tm, now)
		}
	}
	return http.StatusOK, obj{"comment": s.commentJSON(c)}
}

// GET /tickets/{id}/comments
func (s *Server) listComments(r *http.Request, p params) (int, any) {
	t, ok := s.ticketFromPath(r)
	if !ok {
		return notFound()
	}
	cs := s.commentsLocked(t.ID)
	if p.str("sort_by") == "updated_at" {
		slices.SortStableFunc(cs, func(a, b Comment) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	}
	if !strings.EqualFold(p.str("sort_direction"), "ASC") {
		slices.Reverse(cs) // newest first by default
	}
	pg := s.paginate(p, EndpointComments, len(cs))
	items := []obj{}
	for _, c := range pageOf(cs, pg) {
		items = append(items, s.commentJSON(&c))
	}
	return http.StatusOK, obj{"comments": items, "meta": pg.meta("total_pages", "page", "per_page")}
}

// GET /tickets/settings
func (s *Server) ticketSettings(r *http.Request, p params) (int, any) {
	users := []obj{}
	for _, u := range sortedValues(s.st.users, nil) {
		users = append(users, obj{"id": u.ID, "name": u.FullName})
	}
	return http.StatusOK, obj{
		"ticket_status_list":               s.st.statuses,
		"default_labor_product_id":         s.st.defaultLabor,
		"ticket_timer_charge_by_default":   false,
		"saved_searches":                   []any{},
		"ticket_types":                     []any{},
		"ticket_type_fields":               []any{},
		"ticket_type_field_answers":        []any{},
		"appointment_types":                []any{},
		"users":                            users,
		"dashboard_settings":               obj{},
		"worksheet_templates":              []any{},
		"require_ticket_type":              false,
		"require_intake_form_with_ticket":  false,
		"require_outtake_form_with_ticket": false,
		"ticket_workflow_default_id":       nil,
	}
}

// GET /settings
func (s *Server) settings(r *http.Request, p params) (int, any) {
	now := s.cfg.now().In(s.cfg.loc)
	offset := now.Format("-07:00")
	days := []obj{}
	for _, d := range []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"} {
		closed := d == "Sunday" || d == "Saturday"
		days = append(days, obj{"day": d, "start": "08:00", "end": "17:00", "closed": closed})
	}
	priorities := s.st.priorities
	if s.cfg.priorities != nil {
		priorities = s.cfg.priorities
	}
	return http.StatusOK, obj{
		"ticket": obj{
			"problem_types":      s.st.problemTypes,
			"priorities":         priorities,
			"ticket_types":       []any{},
			"ticket_type_fields": []any{},
		},
		"customers": obj{"required_fields": []any{}, "customer_fields": []any{}, "customer_field_answers": []any{}},
		"assets":    obj{},
		"locale": obj{
			"iso_code": "en-US", "currency_symbol": s.cfg.currency, "date_format": "%m/%d/%Y",
			"time_format": "%l:%M %p", "time_zone": s.cfg.loc.String(), "time_offset": offset,
		},
		"business_hours_enabled":   true,
		"business_hours":           days,
		"default_holiday_calendar": nil,
		"msp_addon":                true,
	}
}
