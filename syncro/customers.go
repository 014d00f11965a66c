package syncro

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// CustomersService covers /customers.
type CustomersService service

// Customer is a Syncro customer. The detail call (Get) also fills the
// link lists and phones.
type Customer struct {
	ID        int64  `json:"id"`
	Firstname string `json:"firstname"`
	Lastname  string `json:"lastname"`
	// Fullname is the literal "(empty)" when both names are blank.
	Fullname            string         `json:"fullname"`
	BusinessName        string         `json:"business_name"`
	BusinessAndFullName string         `json:"business_and_full_name"`
	BusinessThenName    string         `json:"business_then_name"`
	Email               string         `json:"email"`
	Phone               string         `json:"phone"`
	Mobile              string         `json:"mobile"`
	Address             string         `json:"address"`
	Address2            string         `json:"address_2"`
	City                string         `json:"city"`
	State               string         `json:"state"`
	Zip                 string         `json:"zip"`
	Notes               string         `json:"notes"`
	NotificationEmail   string         `json:"notification_email"`
	InvoiceCCEmails     string         `json:"invoice_cc_emails"`
	Disabled            bool           `json:"disabled"`
	NoEmail             bool           `json:"no_email"`
	OptOut              bool           `json:"opt_out"`
	GetSMS              bool           `json:"get_sms"`
	LocationID          *int64         `json:"location_id"`
	LocationName        string         `json:"location_name"`
	Properties          map[string]any `json:"properties"`
	PrepayHours         Money          `json:"prepay_hours"`
	CreatedAt           Timestamp      `json:"created_at"`
	UpdatedAt           Timestamp      `json:"updated_at"`
	Contacts            []Contact      `json:"contacts"`
	TicketLinks         []TicketLink   `json:"ticket_links"`
	InvoiceLinks        []InvoiceLink  `json:"invoice_links"`
	Phones              []Phone        `json:"phones"`
}

// TicketLink is a ticket summary inside a customer detail.
type TicketLink struct {
	ID      int64  `json:"id"`
	Number  Number `json:"number"`
	Status  string `json:"status"`
	Subject string `json:"subject"`
}

// InvoiceLink is an invoice summary inside a customer detail.
type InvoiceLink struct {
	ID          int64     `json:"id"`
	Number      Number    `json:"number"`
	TookPayment FlexBool  `json:"took_payment"`
	Total       Money     `json:"total"`
	Date        Timestamp `json:"date"`
}

// Phone is a customer phone record (digits stored unformatted).
type Phone struct {
	ID        int64  `json:"id"`
	Label     string `json:"label"`
	Number    string `json:"number"`
	Extension string `json:"extension"`
}

// CustomerRequest is a customer create or partial-update body.
type CustomerRequest struct {
	BusinessName      *string           `json:"business_name,omitempty"`
	Firstname         *string           `json:"firstname,omitempty"`
	Lastname          *string           `json:"lastname,omitempty"`
	Email             *string           `json:"email,omitempty"`
	Phone             *string           `json:"phone,omitempty"`
	Mobile            *string           `json:"mobile,omitempty"`
	Address           *string           `json:"address,omitempty"`
	Address2          *string           `json:"address_2,omitempty"`
	City              *string           `json:"city,omitempty"`
	State             *string           `json:"state,omitempty"`
	Zip               *string           `json:"zip,omitempty"`
	Notes             *string           `json:"notes,omitempty"`
	NotificationEmail *string           `json:"notification_email,omitempty"`
	NoEmail           *bool             `json:"no_email,omitempty"`
	OptOut            *bool             `json:"opt_out,omitempty"`
	GetSMS            *bool             `json:"get_sms,omitempty"`
	Properties        map[string]string `json:"properties,omitempty"`
}

// CustomerListOptions filters GET /customers.
type CustomerListOptions struct {
	// Query is a free-text search.
	Query        string
	Email        string
	BusinessName string
	Firstname    string
	Lastname     string
	// IncludeDisabled also lists disabled customers.
	IncludeDisabled bool
	// Sort is e.g. "business_name ASC".
	Sort string
	ListOptions
}

func (o *CustomerListOptions) values() url.Values {
	q := query{}
	if o == nil {
		o = &CustomerListOptions{}
	}
	q.str("query", o.Query)
	q.str("email", o.Email)
	q.str("business_name", o.BusinessName)
	q.str("firstname", o.Firstname)
	q.str("lastname", o.Lastname)
	if o.IncludeDisabled {
		q.str("include_disabled", "true")
	}
	q.str("sort", o.Sort)
	o.ListOptions.apply(q)
	return url.Values(q)
}

// List returns one page of customers.
func (s *CustomersService) List(ctx context.Context, opts *CustomerListOptions) ([]Customer, *Response, error) {
	return listPage[Customer](ctx, s.client, "customers", "customers", opts.values())
}

// All iterates every customer matching opts.
func (s *CustomersService) All(ctx context.Context, opts *CustomerListOptions) iter.Seq2[Customer, error] {
	return pages[Customer](ctx, s.client, "customers", "customers", opts.values())
}

// Autocomplete is the fast name lookup (GET /customers/autocomplete, no paging).
func (s *CustomersService) Autocomplete(ctx context.Context, q string) ([]Customer, *Response, error) {
	return listPage[Customer](ctx, s.client, "customers/autocomplete", "customers", url.Values{"query": {q}})
}

// Get fetches a customer with its detail links (tickets, invoices, phones).
func (s *CustomersService) Get(ctx context.Context, id int64) (*Customer, *Response, error) {
	var out struct {
		Customer *Customer `json:"customer"`
	}
	resp, err := s.client.call(ctx, http.MethodGet, "customers/"+itoa(id), nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return need(out.Customer, resp, "customer")
}

// Create makes a customer.
func (s *CustomersService) Create(ctx context.Context, c *CustomerRequest) (*Customer, *Response, error) {
	var out struct {
		Customer *Customer `json:"customer"`
	}
	resp, err := s.client.call(ctx, http.MethodPost, "customers", nil, c, &out)
	if err != nil {
		return nil, resp, err
	}
	return needCreated(out.Customer, func(c *Customer) int64 { return c.ID }, resp, "customer")
}

// Update changes the fields set in c.
func (s *CustomersService) Update(ctx context.Context, id int64, c *CustomerRequest) (*Customer, *Response, error) {
	var out struct {
		Customer *Customer `json:"customer"`
	}
	resp, err := s.client.call(ctx, http.MethodPut, "customers/"+itoa(id), nil, c, &out)
	if err != nil {
		return nil, resp, err
	}
	return need(out.Customer, resp, "customer")
}

// Delete removes a customer for good.
func (s *CustomersService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.client.call(ctx, http.MethodDelete, "customers/"+itoa(id), nil, nil, nil)
}
