package syncro

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// InvoicesService covers /invoices and invoice line items.
type InvoicesService service

// Invoice is a Syncro invoice. Totals arrive as strings and decode to Money.
type Invoice struct {
	ID                       int64             `json:"id"`
	Number                   Number            `json:"number"`
	CustomerID               int64             `json:"customer_id"`
	CustomerBusinessThenName string            `json:"customer_business_then_name"`
	ContactID                *int64            `json:"contact_id"`
	TicketID                 *int64            `json:"ticket_id"`
	UserID                   *int64            `json:"user_id"`
	LocationID               *int64            `json:"location_id"`
	Date                     Timestamp         `json:"date"`
	DueDate                  Timestamp         `json:"due_date"`
	Subtotal                 Money             `json:"subtotal"`
	Total                    Money             `json:"total"`
	Tax                      Money             `json:"tax"`
	IsPaid                   FlexBool          `json:"is_paid"`
	VerifiedPaid             FlexBool          `json:"verified_paid"`
	TechMarkedPaid           FlexBool          `json:"tech_marked_paid"`
	PONumber                 string            `json:"po_number"`
	Note                     string            `json:"note"`
	PDFURL                   string            `json:"pdf_url"`
	LineItems                []InvoiceLineItem `json:"line_items"`
	CreatedAt                Timestamp         `json:"created_at"`
	UpdatedAt                Timestamp         `json:"updated_at"`
}

// InvoiceLineItem is one line of an invoice.
type InvoiceLineItem struct {
	ID              int64     `json:"id"`
	InvoiceID       int64     `json:"invoice_id"`
	Item            string    `json:"item"`
	Name            string    `json:"name"`
	ProductID       *int64    `json:"product_id"`
	Cost            Money     `json:"cost"`
	Price           Money     `json:"price"`
	Quantity        Money     `json:"quantity"`
	Taxable         bool      `json:"taxable"`
	DiscountPercent Money     `json:"discount_percent"`
	DiscountDollars Money     `json:"discount_dollars"`
	Position        int       `json:"position"`
	CreatedAt       Timestamp `json:"created_at"`
	UpdatedAt       Timestamp `json:"updated_at"`
}

// InvoiceRequest is the body of POST /invoices. To invoice a ticket, send
// TicketID and CustomerID: the ticket's charges become the invoice lines.
type InvoiceRequest struct {
	CustomerID int64  `json:"customer_id"`
	TicketID   *int64 `json:"ticket_id,omitempty"`
	// Category is e.g. "Standard" (sent by practitioners, not in swagger).
	Category string `json:"category,omitempty"`
	Number   string `json:"number,omitempty"`
	// Date and DueDate are dates like "2025-10-10".
	Date      string `json:"date,omitempty"`
	DueDate   string `json:"due_date,omitempty"`
	PONumber  string `json:"po_number,omitempty"`
	Note      string `json:"note,omitempty"`
	ContactID *int64 `json:"contact_id,omitempty"`
}

// InvoiceLineItemRequest is the body of POST /invoices/{id}/line_items.
// With ProductID and Quantity, Syncro fills name, price and cost from the
// catalog.
type InvoiceLineItemRequest struct {
	Item                string `json:"item,omitempty"`
	Name                string `json:"name,omitempty"`
	ProductID           *int64 `json:"product_id,omitempty"`
	Quantity            *Money `json:"quantity,omitempty"`
	Price               *Money `json:"price,omitempty"`
	Cost                *Money `json:"cost,omitempty"`
	Taxable             *bool  `json:"taxable,omitempty"`
	LineDiscountPercent *Money `json:"line_discount_percent,omitempty"`
	DiscountDollars     *Money `json:"discount_dollars,omitempty"`
}

// InvoiceListOptions filters GET /invoices.
type InvoiceListOptions struct {
	TicketID       int64
	Paid           *bool
	Unpaid         *bool
	SinceUpdatedAt time.Time
	ListOptions
}

func (o *InvoiceListOptions) values() url.Values {
	q := query{}
	if o == nil {
		o = &InvoiceListOptions{}
	}
	q.id("ticket_id", o.TicketID)
	q.boolean("paid", o.Paid)
	q.boolean("unpaid", o.Unpaid)
	q.str("since_updated_at", rfc3339(o.SinceUpdatedAt))
	o.ListOptions.apply(q)
	return url.Values(q)
}

// List returns one page of invoices.
func (s *InvoicesService) List(ctx context.Context, opts *InvoiceListOptions) ([]Invoice, *Response, error) {
	return listPage[Invoice](ctx, s.client, "invoices", "invoices", opts.values())
}

// All iterates every invoice matching opts.
func (s *InvoicesService) All(ctx context.Context, opts *InvoiceListOptions) iter.Seq2[Invoice, error] {
	return pages[Invoice](ctx, s.client, "invoices", "invoices", opts.values())
}

// ForTicket lists the invoices made from a ticket; check it before
// invoicing so a ticket is never invoiced twice.
func (s *InvoicesService) ForTicket(ctx context.Context, ticketID int64) ([]Invoice, error) {
	all, err := Collect(s.All(ctx, &InvoiceListOptions{TicketID: ticketID}))
	if err != nil {
		return nil, fmt.Errorf("invoices for ticket %d: %w", ticketID, err)
	}
	// The filter is documented but not proven; keep only real matches.
	out := all[:0]
	for _, inv := range all {
		if inv.TicketID == nil || *inv.TicketID == ticketID {
			out = append(out, inv)
		}
	}
	return out, nil
}

// Get fetches an invoice by id.
func (s *InvoicesService) Get(ctx context.Context, id int64) (*Invoice, *Response, error) {
	return s.get(ctx, itoa(id))
}

// GetByNumber fetches an invoice by its number (Syncro's GET takes either).
func (s *InvoicesService) GetByNumber(ctx context.Context, number string) (*Invoice, *Response, error) {
	number = strings.TrimSpace(number)
	if number == "" || strings.ContainsAny(number, "/?#") {
		return nil, nil, fmt.Errorf("syncro: get invoice by number %q: not a number: %w", number, ErrValidation)
	}
	return s.get(ctx, url.PathEscape(number))
}

func (s *InvoicesService) get(ctx context.Context, idOrNumber string) (*Invoice, *Response, error) {
	var out struct {
		Invoice *Invoice `json:"invoice"`
	}
	resp, err := s.client.call(ctx, http.MethodGet, "invoices/"+idOrNumber, nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return need(out.Invoice, resp, "invoice")
}

// Create makes an invoice; see InvoiceRequest for invoicing a ticket.
func (s *InvoicesService) Create(ctx context.Context, inv *InvoiceRequest) (*Invoice, *Response, error) {
	if inv == nil || inv.CustomerID == 0 {
		return nil, nil, fmt.Errorf("syncro: create invoice: customer_id is required: %w", ErrValidation)
	}
	var out struct {
		Invoice *Invoice `json:"invoice"`
	}
	resp, err := s.client.call(ctx, http.MethodPost, "invoices", nil, inv, &out)
	if err != nil {
		return nil, resp, err
	}
	return needCreated(out.Invoice, func(i *Invoice) int64 { return i.ID }, resp, "invoice")
}

// CreateFromTicket is Create with {ticket_id, customer_id, category}, the
// API's version of the UI's "Make Invoice".
func (s *InvoicesService) CreateFromTicket(ctx context.Context, ticketID, customerID int64, category string) (*Invoice, *Response, error) {
	return s.Create(ctx, &InvoiceRequest{TicketID: &ticketID, CustomerID: customerID, Category: category})
}

// AddLineItem adds a line to an invoice. Syncro's success body is not
// documented, so the line is read from {"line_item":..}, a bare line item
// or an {"invoice":..} holding it; the item is nil if none of these fit.
func (s *InvoicesService) AddLineItem(ctx context.Context, invoiceID int64, li *InvoiceLineItemRequest) (*InvoiceLineItem, *Response, error) {
	if li == nil {
		return nil, nil, fmt.Errorf("syncro: add line item to invoice %d: empty line item: %w", invoiceID, ErrValidation)
	}
	req, err := s.client.NewRequest(ctx, http.MethodPost, "invoices/"+itoa(invoiceID)+"/line_items", nil, li)
	if err != nil {
		return nil, nil, err
	}
	resp, err := s.client.Do(req, nil)
	if err != nil {
		return nil, resp, err
	}
	return invoiceLineFromBody(resp.body, li), resp, nil
}

func invoiceLineFromBody(body []byte, li *InvoiceLineItemRequest) *InvoiceLineItem {
	body = bytes.TrimSpace(body)
	var env struct {
		LineItem        *InvoiceLineItem `json:"line_item"`
		InvoiceLineItem *InvoiceLineItem `json:"invoice_line_item"`
		Invoice         *Invoice         `json:"invoice"`
	}
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &env) != nil {
		return nil
	}
	switch {
	case env.LineItem != nil:
		return env.LineItem
	case env.InvoiceLineItem != nil:
		return env.InvoiceLineItem
	case env.Invoice != nil:
		// The newest matching line is the one just added.
		for i := len(env.Invoice.LineItems) - 1; i >= 0; i-- {
			l := env.Invoice.LineItems[i]
			if li.ProductID != nil && l.ProductID != nil && *l.ProductID == *li.ProductID ||
				li.Name != "" && l.Name == li.Name || li.Item != "" && l.Item == li.Item {
				return &l
			}
		}
		return nil
	}
	var bare InvoiceLineItem
	if json.Unmarshal(body, &bare) == nil && bare.ID != 0 {
		return &bare
	}
	return nil
}
