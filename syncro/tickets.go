package syncro

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// TicketsService covers /tickets, ticket comments and ticket line items.
type TicketsService service

// StatusNotClosed is the status filter Syncro reads as "every open status".
const StatusNotClosed = "Not Closed"

// Ticket is a ticket as the list (summary) and the detail calls return it;
// detail-only fields are empty on list items.
type Ticket struct {
	ID                         int64            `json:"id"`
	Number                     Number           `json:"number"`
	Subject                    string           `json:"subject"`
	Status                     string           `json:"status"`
	ProblemType                string           `json:"problem_type"`
	Priority                   string           `json:"priority"`
	CustomerID                 int64            `json:"customer_id"`
	CustomerBusinessThenName   string           `json:"customer_business_then_name"`
	ContactID                  *int64           `json:"contact_id"`
	ContactFullname            string           `json:"contact_fullname"`
	UserID                     *int64           `json:"user_id"`
	LocationID                 *int64           `json:"location_id"`
	LocationName               string           `json:"location_name"`
	TicketTypeID               *int64           `json:"ticket_type_id"`
	TicketTypeName             string           `json:"ticket_type_name"`
	CreatedAt                  Timestamp        `json:"created_at"`
	UpdatedAt                  Timestamp        `json:"updated_at"`
	DueDate                    Timestamp        `json:"due_date"`
	ResolvedAt                 Timestamp        `json:"resolved_at"`
	StartAt                    Timestamp        `json:"start_at"`
	EndAt                      Timestamp        `json:"end_at"`
	Properties                 map[string]any   `json:"properties"`
	TagList                    []string         `json:"tag_list"`
	PDFURL                     string           `json:"pdf_url"`
	CreatorNameOrEmail         string           `json:"creator_name_or_email"`
	TotalFormattedBillableTime string           `json:"total_formatted_billable_time"`
	User                       *User            `json:"user"`
	Comments                   []Comment        `json:"comments"`
	TicketTimers               []Timer          `json:"ticket_timers"`
	LineItems                  []TicketLineItem `json:"line_items"`
	Customer                   *Customer        `json:"customer"`
	Contact                    *Contact         `json:"contact"`
	AssetIDs                   []int64          `json:"asset_ids"`
}

// CustomerName is the ticket's customer as Syncro names it:
// customer_business_then_name, else the embedded customer's
// business_then_name when an answer carries only that.
func (t *Ticket) CustomerName() string {
	if t.CustomerBusinessThenName == "" && t.Customer != nil {
		return t.Customer.BusinessThenName
	}
	return t.CustomerBusinessThenName
}

// TicketRequest is the body of a ticket create or a partial update: only
// non-nil / non-empty fields are sent.
type TicketRequest struct {
	CustomerID   *int64            `json:"customer_id,omitempty"`
	ContactID    *int64            `json:"contact_id,omitempty"`
	Subject      *string           `json:"subject,omitempty"`
	Status       *string           `json:"status,omitempty"`
	ProblemType  *string           `json:"problem_type,omitempty"`
	Priority     *string           `json:"priority,omitempty"`
	UserID       *int64            `json:"user_id,omitempty"`
	TicketTypeID *int64            `json:"ticket_type_id,omitempty"`
	LocationID   *int64            `json:"location_id,omitempty"`
	Number       *string           `json:"number,omitempty"`
	DueDate      *string           `json:"due_date,omitempty"`
	StartAt      *time.Time        `json:"start_at,omitempty"`
	EndAt        *time.Time        `json:"end_at,omitempty"`
	Properties   map[string]string `json:"properties,omitempty"`
	TagList      []string          `json:"tag_list,omitempty"`
	AssetIDs     []int64           `json:"asset_ids,omitempty"`
	// Comments become comments_attributes: the first is the ticket's
	// description (conventionally subject "Initial Issue"); Syncro has no
	// description field.
	Comments []CommentRequest `json:"comments_attributes,omitempty"`
}

// TicketListOptions filters GET /tickets. Empty fields are not sent.
type TicketListOptions struct {
	// Status is an exact status name, or StatusNotClosed for all open ones.
	Status     string
	CustomerID int64
	ContactID  int64
	UserID     int64
	// Query is free-text search.
	Query string
	// Number is an exact ticket number.
	Number string
	// SinceUpdatedAt, ResolvedAfter and CreatedAfter are sent as RFC 3339;
	// Syncro's precision is unconfirmed, so treat results as coarse and
	// filter on UpdatedAt client-side when it matters.
	SinceUpdatedAt time.Time
	ResolvedAfter  time.Time
	CreatedAfter   time.Time
	ListOptions
}

func (o *TicketListOptions) values() url.Values {
	q := query{}
	if o == nil {
		ListOptions{}.apply(q)
		return url.Values(q)
	}
	q.str("status", o.Status)
	q.id("customer_id", o.CustomerID)
	q.id("contact_id", o.ContactID)
	q.id("user_id", o.UserID)
	q.str("query", o.Query)
	q.str("number", o.Number)
	q.str("since_updated_at", rfc3339(o.SinceUpdatedAt))
	q.str("resolved_after", rfc3339(o.ResolvedAfter))
	q.str("created_after", rfc3339(o.CreatedAfter))
	o.ListOptions.apply(q)
	return url.Values(q)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// List returns one page of tickets; resp.Meta tells how many pages exist.
func (s *TicketsService) List(ctx context.Context, opts *TicketListOptions) ([]Ticket, *Response, error) {
	return s.page(ctx, opts.values())
}

// page reads one page of GET /tickets and shows its tickets to
// Config.OnTickets.
func (s *TicketsService) page(ctx context.Context, q url.Values) ([]Ticket, *Response, error) {
	list, resp, err := listPage[Ticket](ctx, s.client, "tickets", "tickets", q)
	if err == nil {
		s.client.sawTickets(list...)
	}
	return list, resp, err
}

// All iterates every ticket matching opts across pages.
func (s *TicketsService) All(ctx context.Context, opts *TicketListOptions) iter.Seq2[Ticket, error] {
	return pagesOf(ctx, s.page, opts.values())
}

// sawTickets hands ticket records Syncro answered with to Config.OnTickets.
func (c *Client) sawTickets(ts ...Ticket) {
	if c.onTickets != nil && len(ts) > 0 {
		c.onTickets(ts)
	}
}

// sawTicket hands one decoded ticket record to Config.OnTickets.
func (c *Client) sawTicket(t *Ticket, resp *Response, err error) (*Ticket, *Response, error) {
	if err == nil && t != nil {
		c.sawTickets(*t)
	}
	return t, resp, err
}

// AllOpen iterates the open tickets matching opts (its Status is ignored):
// Syncro's "Not Closed" filter, without the tickets whose status still
// means done (IsClosedStatus). Accounts have been seen to return Invoiced
// tickets for "Not Closed" (docs/syncro-api.md), so the filter is not
// trusted alone; every "open" the bot shows or counts comes from here.
func (s *TicketsService) AllOpen(ctx context.Context, opts *TicketListOptions) iter.Seq2[Ticket, error] {
	o := TicketListOptions{}
	if opts != nil {
		o = *opts
	}
	o.Status = StatusNotClosed
	return func(yield func(Ticket, error) bool) {
		for t, err := range s.All(ctx, &o) {
			if err == nil && IsClosedStatus(t.Status) {
				continue
			}
			if !yield(t, err) {
				return
			}
		}
	}
}

// closedWords are the first words of status names that mean "done".
// Accounts rename and add statuses (one real tenant has both "Resolved -
// Pending" and "Closed"), so the rule is on the name, never a fixed list.
var closedWords = []string{"resolved", "closed", "invoiced", "completed", "complete"}

// IsClosedStatus reports whether a status name means the ticket is done:
// its first word is Resolved, Closed, Invoiced, Completed or Complete, in
// any case ("Resolved - Pending" yes, "Unresolved" and "Not Closed" no).
// The ticket list, the watcher and the open-ticket counts all use it, so
// "open" means one thing.
func IsClosedStatus(status string) bool {
	first, _, _ := strings.Cut(strings.TrimSpace(status), " ")
	first = strings.TrimRightFunc(first, func(r rune) bool { return !unicode.IsLetter(r) })
	return slices.Contains(closedWords, strings.ToLower(first))
}

// Get fetches one ticket by id (not number).
func (s *TicketsService) Get(ctx context.Context, id int64) (*Ticket, *Response, error) {
	var out struct {
		Ticket *Ticket `json:"ticket"`
	}
	resp, err := s.client.call(ctx, http.MethodGet, "tickets/"+itoa(id), nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return s.client.sawTicket(need(out.Ticket, resp, "ticket"))
}

// FindByNumber looks a ticket up by the number technicians type. Syncro's
// number filter returns a list; the first item whose number equals number
// wins, and no such item is ErrNotFound.
func (s *TicketsService) FindByNumber(ctx context.Context, number string) (*Ticket, *Response, error) {
	number = strings.TrimPrefix(strings.TrimSpace(number), "#")
	if number == "" {
		return nil, nil, fmt.Errorf("syncro: find ticket by number: empty number: %w", ErrValidation)
	}
	list, resp, err := s.List(ctx, &TicketListOptions{Number: number})
	if err != nil {
		return nil, resp, fmt.Errorf("find ticket #%s: %w", number, err)
	}
	for i := range list {
		if string(list[i].Number) == number {
			return &list[i], resp, nil
		}
	}
	return nil, resp, fmt.Errorf("find ticket #%s: %w", number, ErrNotFound)
}

// Create makes a ticket; CustomerID is required by Syncro.
func (s *TicketsService) Create(ctx context.Context, t *TicketRequest) (*Ticket, *Response, error) {
	if t == nil || t.CustomerID == nil {
		return nil, nil, fmt.Errorf("syncro: create ticket: customer_id is required: %w", ErrValidation)
	}
	var out struct {
		Ticket *Ticket `json:"ticket"`
	}
	resp, err := s.client.call(ctx, http.MethodPost, "tickets", nil, t, &out)
	if err != nil {
		return nil, resp, err
	}
	return s.client.sawTicket(needCreated(out.Ticket, func(t *Ticket) int64 { return t.ID }, resp, "ticket"))
}

// Update changes only the fields set in t (partial PUT).
func (s *TicketsService) Update(ctx context.Context, id int64, t *TicketRequest) (*Ticket, *Response, error) {
	var out struct {
		Ticket *Ticket `json:"ticket"`
	}
	resp, err := s.client.call(ctx, http.MethodPut, "tickets/"+itoa(id), nil, t, &out)
	if err != nil {
		return nil, resp, err
	}
	return s.client.sawTicket(need(out.Ticket, resp, "ticket"))
}

// Delete removes a ticket for good (a later Get is ErrNotFound).
func (s *TicketsService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.client.call(ctx, http.MethodDelete, "tickets/"+itoa(id), nil, nil, nil)
}

// Comment is one ticket comment.
type Comment struct {
	ID         int64     `json:"id"`
	TicketID   int64     `json:"ticket_id"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	Tech       string    `json:"tech"`
	Hidden     bool      `json:"hidden"`
	UserID     *int64    `json:"user_id"`
	IsRichText bool      `json:"is_rich_text"`
	CreatedAt  Timestamp `json:"created_at"`
	UpdatedAt  Timestamp `json:"updated_at"`
}

// CommentRequest is the body of POST /tickets/{id}/comment and one item of
// comments_attributes. Hidden and DoNotEmail are always sent: false/false
// emails the customer, so the choice must be explicit.
type CommentRequest struct {
	// Subject is required in practice (422 without it).
	Subject string `json:"subject"`
	// Body is plain text; markdown is not rendered.
	Body       string `json:"body"`
	Hidden     bool   `json:"hidden"`
	DoNotEmail bool   `json:"do_not_email"`
	// Tech overrides the displayed author name.
	Tech    string `json:"tech,omitempty"`
	SMSBody string `json:"sms_body,omitempty"`
	// ProductID, MinutesSpent and BillTimeNow log time the way the web
	// UI's comment form does; the API's support is unconfirmed, so read the
	// ticket back to check the time landed.
	ProductID    *int64 `json:"product_id,omitempty"`
	MinutesSpent *int   `json:"minutes_spent,omitempty"`
	BillTimeNow  *bool  `json:"bill_time_now,omitempty"`
}

// PostComment adds a comment to ticket id (id, not number).
func (s *TicketsService) PostComment(ctx context.Context, ticketID int64, c *CommentRequest) (*Comment, *Response, error) {
	if c == nil || strings.TrimSpace(c.Subject) == "" || strings.TrimSpace(c.Body) == "" {
		return nil, nil, fmt.Errorf("syncro: comment on ticket %d: subject and body are required: %w", ticketID, ErrValidation)
	}
	var out struct {
		Comment *Comment `json:"comment"`
	}
	resp, err := s.client.call(ctx, http.MethodPost, "tickets/"+itoa(ticketID)+"/comment", nil, c, &out)
	if err != nil {
		return nil, resp, err
	}
	return needCreated(out.Comment, func(c *Comment) int64 { return c.ID }, resp, "comment")
}

// CommentListOptions selects a page of a ticket's comments.
type CommentListOptions struct {
	// Oldest asks for oldest first; the default is newest first.
	Oldest bool
	ListOptions
}

func (o *CommentListOptions) values() url.Values {
	q := query{}
	if o == nil {
		o = &CommentListOptions{}
	}
	q.str("sort_by", "created_at")
	if o.Oldest {
		q.str("sort_direction", "ASC")
	} else {
		q.str("sort_direction", "DESC")
	}
	o.ListOptions.apply(q)
	return url.Values(q)
}

// ListComments returns one page of ticket comments, newest first unless
// opts.Oldest.
func (s *TicketsService) ListComments(ctx context.Context, ticketID int64, opts *CommentListOptions) ([]Comment, *Response, error) {
	return listPage[Comment](ctx, s.client, "tickets/"+itoa(ticketID)+"/comments", "comments", opts.values())
}

// AllComments iterates every comment of a ticket across pages.
func (s *TicketsService) AllComments(ctx context.Context, ticketID int64, opts *CommentListOptions) iter.Seq2[Comment, error] {
	return pages[Comment](ctx, s.client, "tickets/"+itoa(ticketID)+"/comments", "comments", opts.values())
}

// TicketLineItem is a charge on a ticket.
type TicketLineItem struct {
	ID              int64     `json:"id"`
	TicketID        int64     `json:"ticket_id"`
	UserID          *int64    `json:"user_id"`
	ProductID       *int64    `json:"product_id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	Quantity        Money     `json:"quantity"`
	PriceCost       Money     `json:"price_cost"`
	PriceRetail     Money     `json:"price_retail"`
	CostCents       *int64    `json:"cost_cents"`
	RetailCents     int64     `json:"retail_cents"`
	Taxable         bool      `json:"taxable"`
	Converted       bool      `json:"converted"`
	ProductCategory string    `json:"product_category"`
	UPCCode         string    `json:"upc_code"`
	Position        int       `json:"position"`
	CreatedAt       Timestamp `json:"created_at"`
	UpdatedAt       Timestamp `json:"updated_at"`
}

// Total is Quantity × PriceRetail.
func (li TicketLineItem) Total() Money { return li.Quantity.Mul(li.PriceRetail) }

// TicketLineItemRequest is the body of add_line_item. Name and Description
// are both required even with a ProductID: the product does not fill them.
type TicketLineItemRequest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	ProductID   *int64 `json:"product_id,omitempty"`
	Quantity    Money  `json:"quantity,omitzero"`
	PriceCost   *Money `json:"price_cost,omitempty"`
	PriceRetail *Money `json:"price_retail,omitempty"`
	Taxable     *bool  `json:"taxable,omitempty"`
	UPCCode     string `json:"upc_code,omitempty"`
}

// AddLineItem charges a line item to a ticket (bare response).
func (s *TicketsService) AddLineItem(ctx context.Context, ticketID int64, li *TicketLineItemRequest) (*TicketLineItem, *Response, error) {
	if li == nil || strings.TrimSpace(li.Name) == "" || strings.TrimSpace(li.Description) == "" {
		return nil, nil, fmt.Errorf("syncro: add line item to ticket %d: name and description are required: %w", ticketID, ErrValidation)
	}
	var out TicketLineItem
	resp, err := s.client.call(ctx, http.MethodPost, "tickets/"+itoa(ticketID)+"/add_line_item", nil, li, &out)
	if err != nil {
		return nil, resp, err
	}
	return needID(&out, out.ID, resp, "ticket line item")
}

// TicketSettings is GET /tickets/settings: the account's statuses, default
// labor product and technicians. Statuses are per account; never assume a
// fixed set of closed names.
type TicketSettings struct {
	TicketStatusList           []string     `json:"ticket_status_list"`
	DefaultLaborProductID      *int64       `json:"default_labor_product_id"`
	TicketTimerChargeByDefault FlexBool     `json:"ticket_timer_charge_by_default"`
	Users                      []UserRef    `json:"users"`
	TicketTypes                []TicketType `json:"ticket_types"`
	RequireTicketType          FlexBool     `json:"require_ticket_type"`
}

// TicketType is one of the account's ticket types.
type TicketType struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Settings fetches GET /tickets/settings.
func (s *TicketsService) Settings(ctx context.Context) (*TicketSettings, *Response, error) {
	var out TicketSettings
	resp, err := s.client.call(ctx, http.MethodGet, "tickets/settings", nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// ---- helpers shared by the services ----

// call is NewRequest + Do for the services.
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body, out any) (*Response, error) {
	req, err := c.NewRequest(ctx, method, path, q, body)
	if err != nil {
		return nil, err
	}
	return c.Do(req, out)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// errMissing means a 2xx body lacked the record it should wrap; reading a
// top-level id instead of .ticket.id is how duplicates happened (S5).
var errMissing = errors.New("response is missing the record")

// need returns the record a 2xx body wrapped; nil means the body lacked it.
func need[T any](v *T, resp *Response, what string) (*T, *Response, error) {
	if v == nil {
		return nil, resp, resp.missing(what)
	}
	return v, resp, nil
}

// needID returns a bare record; an id of 0 means the body was not one.
func needID[T any](v *T, id int64, resp *Response, what string) (*T, *Response, error) {
	if id == 0 {
		return nil, resp, resp.missing(what)
	}
	return v, resp, nil
}

// needCreated returns the record a create's 2xx body wrapped. Without an
// id it cannot be the record just written, whatever else it holds.
func needCreated[T any](v *T, id func(*T) int64, resp *Response, what string) (*T, *Response, error) {
	if v == nil || id(v) == 0 {
		return nil, resp, resp.missing(what)
	}
	return v, resp, nil
}

// missing is the error for a 2xx body without the record (what) the call
// answers with; for a write the outcome is unknown (see unusableAnswer).
func (r *Response) missing(what string) error {
	return unusableAnswer(r.method, r.path, fmt.Errorf("%s: %w", what, errMissing))
}
