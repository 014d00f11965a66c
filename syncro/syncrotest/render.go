package syncrotest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is how the Server writes timestamps: milliseconds and the
// account's offset, e.g. "2026-11-18T09:15:00.000-08:00".
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// ts renders t in the account zone, or null when zero.
func (s *Server) ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(s.cfg.loc).Format(TimeLayout)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// money renders cents as "150.00".
func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// dollars renders cents as a JSON number, e.g. 125 or 87.5.
func dollars(cents int64) float64 { return float64(cents) / 100 }

// quantity renders a decimal the way Rails prints BigDecimal: "1.0", "1.5".
func quantity(q float64) string {
	s := strconv.FormatFloat(q, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func props(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func strs(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

var htmlTag = regexp.MustCompile(`<[a-zA-Z/][^>]*>`)

func (s *Server) userName(id int64) string {
	if u, ok := s.st.users[id]; ok {
		return u.FullName
	}
	return ""
}

func (s *Server) userJSON(id int64) any {
	u, ok := s.st.users[id]
	if !ok {
		return nil
	}
	return obj{
		"id": u.ID, "email": u.Email, "full_name": u.FullName,
		"created_at": s.ts(seedEpoch), "updated_at": s.ts(seedEpoch),
		"group": u.Group, "admin": u.Admin, "color": u.Color,
	}
}

func (s *Server) commentJSON(c *Comment) obj {
	return obj{
		"id": c.ID, "created_at": s.ts(c.CreatedAt), "updated_at": s.ts(c.UpdatedAt),
		"ticket_id": c.TicketID, "subject": c.Subject, "body": c.Body,
		"tech": nullStr(c.Tech), "hidden": c.Hidden, "user_id": nullID(c.UserID),
		"is_rich_text": htmlTag.MatchString(c.Body),
		"sms_body":     nullStr(c.SMSBody),
		"user":         s.userJSON(c.UserID),
	}
}

func (s *Server) timerJSON(t *Timer) obj {
	active := 0
	if !t.EndTime.IsZero() {
		active = int(t.EndTime.Sub(t.StartTime) / time.Second)
	}
	return obj{
		"id": t.ID, "ticket_id": t.TicketID, "user_id": t.UserID,
		"start_time": s.ts(t.StartTime), "end_time": s.ts(t.EndTime),
		"recorded": t.Recorded, "billable": t.Billable, "notes": nullStr(t.Notes),
		"product_id": nullID(t.ProductID), "comment_id": nullID(t.CommentID),
		"ticket_line_item_id": nullID(t.TicketLineItemID), "toggl_id": nil,
		"active_duration": active, "billable_time": active, "billable_override": nil,
		"created_at": s.ts(t.CreatedAt), "updated_at": s.ts(t.UpdatedAt),
	}
}

func (s *Server) lineItemJSON(l *LineItem) obj {
	var category any
	if p, ok := s.st.products[l.ProductID]; ok {
		category = nullStr(p.Category)
	}
	return obj{
		"id": l.ID, "ticket_id": l.TicketID, "user_id": nullID(l.UserID),
		"product_id": nullID(l.ProductID), "name": l.Name, "description": l.Description,
		"quantity": quantity(l.Quantity), "product_category": category, "upc_code": nil,
		"taxable": l.Taxable, "cost_cents": l.CostCents, "retail_cents": l.RetailCents,
		"price_cost": dollars(l.CostCents), "price_retail": dollars(l.RetailCents),
		"converted": l.InvoiceID != 0, "item_id": nil, "position": l.Position,
		"estimate_line_item_id": nil, "old_price": nil, "line_discount_percent": nil,
		"discount_dollars": nil, "original_ticket_line_item_id": nil,
		"created_at": s.ts(l.CreatedAt), "updated_at": s.ts(l.UpdatedAt),
	}
}

func (s *Server) customerName(id int64) string {
	if c, ok := s.st.customers[id]; ok {
		return c.BusinessThenName()
	}
	return ""
}

func (s *Server) contactName(id int64) any {
	if c, ok := s.st.contacts[id]; ok {
		return c.Name
	}
	return nil
}

// ticketCore holds the fields shared by list items and details.
func (s *Server) ticketCore(t *Ticket) obj {
	return obj{
		"id": t.ID, "number": t.Number, "subject": t.Subject,
		"created_at": s.ts(t.CreatedAt), "updated_at": s.ts(t.UpdatedAt),
		"customer_id": t.CustomerID, "customer_business_then_name": s.customerName(t.CustomerID),
		"due_date": s.ts(t.DueDate), "resolved_at": s.ts(t.ResolvedAt),
		"start_at": s.ts(t.StartAt), "end_at": s.ts(t.EndAt),
		"location_id": nullID(t.LocationID), "problem_type": t.ProblemType,
		"status": t.Status, "properties": props(t.Properties), "user_id": nullID(t.UserID),
		"pdf_url":  fmt.Sprintf("https://syncrotest.syncromsp.com/tickets/%d.pdf", t.ID),
		"priority": nullStr(t.Priority), "tag_list": strs(t.TagList),
		"ticket_type_id": nil, "contact_id": nullID(t.ContactID),
	}
}

func (s *Server) ticketSummaryJSON(t *Ticket) obj {
	o := s.ticketCore(t)
	var customerTags []string
	comments := []obj{}
	// all_comments now defaults to false: lists embed only the first comment.
	if cs := s.commentsLocked(t.ID); len(cs) > 0 {
		comments = append(comments, s.commentJSON(&cs[0]))
	}
	var mins int
	for _, tm := range s.st.timers {
		if tm.TicketID == t.ID {
			mins += tm.Minutes()
		}
	}
	extra := obj{
		"location_name": nil, "ticket_type_name": nil, "billing_status": nil,
		"customer_tag_list": strs(customerTags), "sla_name": nil, "sla_id": nil,
		"sla_breached": false, "sla_breaching_soon": false,
		"creator_name_or_email": s.userName(t.UserID), "contact_fullname": s.contactName(t.ContactID),
		"contract_name": nil, "contract_id": nil, "address_id": nil,
		"parent": false, "parent_id": nil, "child": false, "recurring": false,
		"customer_reply":                t.Status == "Customer Reply",
		"total_formatted_billable_time": fmt.Sprintf("%d:%02d", mins/60, mins%60),
		"resolution_time":               nil, "response_time": nil, "customer_icons": []any{},
		"comments": comments, "user": s.userJSON(t.UserID),
	}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

func (s *Server) ticketDetailJSON(t *Ticket) obj {
	o := s.ticketCore(t)
	comments := []obj{}
	cs := s.commentsLocked(t.ID)
	for i := len(cs) - 1; i >= 0; i-- { // newest first
		comments = append(comments, s.commentJSON(&cs[i]))
	}
	timers := []obj{}
	for _, tm := range sortedValues(s.st.timers, func(x *Timer) bool { return x.TicketID == t.ID }) {
		timers = append(timers, s.timerJSON(&tm))
	}
	lines := []obj{}
	for _, l := range sortedValues(s.st.lineItems, func(x *LineItem) bool { return x.TicketID == t.ID }) {
		lines = append(lines, s.lineItemJSON(&l))
	}
	var customer any
	if c, ok := s.st.customers[t.CustomerID]; ok {
		co := s.customerJSON(c)
		co["contacts"] = s.contactsOfJSON(c.ID)
		customer = co
	}
	var contact any
	if c, ok := s.st.contacts[t.ContactID]; ok {
		contact = s.contactJSON(c)
	}
	extra := obj{
		"intake_form_html": nil, "signature_name": nil, "signature_date": nil,
		"outtake_form_name": nil, "outtake_form_date": nil, "outtake_form_html": nil,
		"asset_ids": []int64{}, "assets": []any{}, "comments": comments, "attachments": []any{},
		"ticket_timers": timers, "line_items": lines, "worksheet_results": []any{},
		"appointments": []any{}, "ticket_fields": []any{}, "ticket_answers": []any{},
		"customer": customer, "contact": contact, "user": s.userJSON(t.UserID),
		"ticket_type": nil, "address": nil, "mentionables": []any{},
	}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

func (s *Server) customerJSON(c *Customer) obj {
	return obj{
		"id": c.ID, "firstname": c.FirstName, "lastname": c.LastName, "fullname": c.FullName(),
		"business_name": nullStr(c.BusinessName), "business_and_full_name": businessAndFull(c),
		"business_then_name": c.BusinessThenName(),
		"email":              nullStr(c.Email), "phone": nullStr(c.Phone), "mobile": nullStr(c.Mobile),
		"notification_email": nil, "invoice_cc_emails": nil,
		"address": nullStr(c.Address), "address_2": nil, "city": nullStr(c.City),
		"state": nullStr(c.State), "zip": nullStr(c.Zip), "latitude": nil, "longitude": nil,
		"get_sms": false, "opt_out": false, "disabled": c.Disabled, "no_email": false,
		"notes": nullStr(c.Notes), "location_name": nil, "location_id": nil,
		"properties": props(c.Properties), "online_profile_url": fmt.Sprintf("https://syncrotest.syncromsp.com/my_profile/v2/show?c=%d", c.ID),
		"pdf_url": nil, "tax_rate_id": nil, "invoice_term_id": nil, "referred_by": nil,
		"ref_customer_id": nil, "created_at": s.ts(c.CreatedAt), "updated_at": s.ts(c.UpdatedAt),
		"contacts": s.contactsOfJSON(c.ID),
	}
}

func businessAndFull(c *Customer) string {
	if c.BusinessName == "" {
		return c.FullName()
	}
	if c.FirstName == "" && c.LastName == "" {
		return c.BusinessName
	}
	return c.BusinessName + " - " + c.FullName()
}

func (s *Server) contactsOfJSON(customerID int64) []obj {
	out := []obj{}
	for _, c := range sortedValues(s.st.contacts, func(x *Contact) bool { return x.CustomerID == customerID }) {
		out = append(out, s.contactJSON(&c))
	}
	return out
}

func digits(v string) string {
	var b strings.Builder
	for _, r := range v {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (s *Server) contactJSON(c *Contact) obj {
	return obj{
		"id": c.ID, "name": c.Name, "customer_id": c.CustomerID, "account_id": AccountID,
		"vendor_id": nil, "address1": nullStr(c.Address1), "address2": nullStr(c.Address2),
		"city": nullStr(c.City), "state": nullStr(c.State), "zip": nullStr(c.Zip),
		"email": nullStr(c.Email), "phone": nullStr(c.Phone), "mobile": nullStr(c.Mobile),
		"extension": nil, "latitude": nil, "longitude": nil, "notes": nullStr(c.Notes),
		"properties": props(c.Properties), "opt_out": false,
		"created_at": s.ts(c.CreatedAt), "updated_at": s.ts(c.UpdatedAt),
		"processed_phone": nullStr(digits(c.Phone)), "processed_mobile": nullStr(digits(c.Mobile)),
		"ticket_matching_emails": nil,
	}
}

func (s *Server) invoiceJSON(inv *Invoice) obj {
	return obj{
		"id": inv.ID, "number": inv.Number, "customer_id": inv.CustomerID,
		"customer_business_then_name": s.customerName(inv.CustomerID),
		"contact_id":                  nullID(inv.ContactID), "user_id": nullID(inv.UserID),
		"location_id": nil, "ticket_id": nullID(inv.TicketID),
		"date": s.ts(inv.Date), "due_date": s.ts(inv.DueDate),
		"created_at": s.ts(inv.CreatedAt), "updated_at": s.ts(inv.UpdatedAt),
		"subtotal": money(inv.SubtotalCents), "total": money(inv.TotalCents), "tax": money(inv.TaxCents),
		"verified_paid": false, "tech_marked_paid": inv.IsPaid, "is_paid": inv.IsPaid,
		"pdf_url":   fmt.Sprintf("https://syncrotest.syncromsp.com/invoices/%d.pdf", inv.ID),
		"po_number": nullStr(inv.PONumber), "note": nullStr(inv.Note), "hardwarecost": "0.0",
	}
}

func (s *Server) invoiceDetailJSON(inv *Invoice) obj {
	o := s.invoiceJSON(inv)
	lines := []obj{}
	for _, l := range s.invoiceLinesLocked(inv.ID) {
		lines = append(lines, s.invoiceLineJSON(&l))
	}
	o["line_items"] = lines
	o["payments"] = []any{}
	if c, ok := s.st.customers[inv.CustomerID]; ok {
		o["customer"] = s.customerJSON(c)
	} else {
		o["customer"] = nil
	}
	return o
}

func (s *Server) invoiceLineJSON(l *InvoiceLineItem) obj {
	return obj{
		"id": l.ID, "invoice_id": l.InvoiceID, "item": l.Item, "name": l.Name,
		"product_id": nullID(l.ProductID), "cost": money(l.CostCents), "price": money(l.PriceCents),
		"quantity": quantity(l.Quantity), "taxable": l.Taxable, "discount_percent": nil,
		"discount_dollars": nil, "position": l.Position, "invoice_bundle_id": nil,
		"created_at": s.ts(l.CreatedAt), "updated_at": s.ts(l.UpdatedAt),
	}
}

func (s *Server) productJSON(p *Product) obj {
	return obj{
		"id": p.ID, "name": p.Name, "description": p.Description, "long_description": nil,
		"notes": nil, "condition": nil, "warranty": nil, "warranty_template_id": nil,
		"price_cost": dollars(p.CostCents), "price_retail": dollars(p.RetailCents),
		"price_wholesale": dollars(p.CostCents), "discount_percent": nil,
		"maintain_stock": false, "quantity": 0, "reorder_at": nil, "desired_stock_level": nil,
		"physical_location": nil, "serialized": false, "location_quantities": []any{},
		"product_category": nullStr(p.Category), "category_path": nullStr(p.Category),
		"disabled": p.Disabled, "taxable": p.Taxable, "upc_code": nil, "qb_item_id": nil,
		"tax_rate_id": nil, "vendor_ids": []int64{}, "product_skus": []any{},
		"sort_order": nil, "photos": []any{},
	}
}
