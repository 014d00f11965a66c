package syncro

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// ContactsService covers /contacts. Only the list is wrapped; single
// records come back bare.
type ContactsService service

// Contact is a person at a customer.
type Contact struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	CustomerID int64  `json:"customer_id"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Mobile     string `json:"mobile"`
	Extension  string `json:"extension"`
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
	City       string `json:"city"`
	State      string `json:"state"`
	Zip        string `json:"zip"`
	Notes      string `json:"notes"`
	OptOut     bool   `json:"opt_out"`
	// Properties holds "title" among others.
	Properties map[string]any `json:"properties"`
	CreatedAt  Timestamp      `json:"created_at"`
	UpdatedAt  Timestamp      `json:"updated_at"`
}

// ContactRequest is a contact create or update body; CustomerID is
// required on create.
type ContactRequest struct {
	CustomerID *int64  `json:"customer_id,omitempty"`
	Name       *string `json:"name,omitempty"`
	Email      *string `json:"email,omitempty"`
	Phone      *string `json:"phone,omitempty"`
	Mobile     *string `json:"mobile,omitempty"`
	Address1   *string `json:"address1,omitempty"`
	Address2   *string `json:"address2,omitempty"`
	City       *string `json:"city,omitempty"`
	State      *string `json:"state,omitempty"`
	Zip        *string `json:"zip,omitempty"`
	Notes      *string `json:"notes,omitempty"`
	// Title is stored by Syncro as properties.title (update only).
	Title *string `json:"title,omitempty"`
}

// ContactListOptions filters GET /contacts.
type ContactListOptions struct {
	CustomerID int64
	ListOptions
}

func (o *ContactListOptions) values() url.Values {
	q := query{}
	if o == nil {
		o = &ContactListOptions{}
	}
	q.id("customer_id", o.CustomerID)
	o.ListOptions.apply(q)
	return url.Values(q)
}

// List returns one page of contacts.
func (s *ContactsService) List(ctx context.Context, opts *ContactListOptions) ([]Contact, *Response, error) {
	return listPage[Contact](ctx, s.client, "contacts", "contacts", opts.values())
}

// All iterates every contact matching opts.
func (s *ContactsService) All(ctx context.Context, opts *ContactListOptions) iter.Seq2[Contact, error] {
	return pages[Contact](ctx, s.client, "contacts", "contacts", opts.values())
}

// Get fetches one contact (bare body).
func (s *ContactsService) Get(ctx context.Context, id int64) (*Contact, *Response, error) {
	var out Contact
	resp, err := s.client.call(ctx, http.MethodGet, "contacts/"+itoa(id), nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return needID(&out, out.ID, resp, "contact")
}

// Create makes a contact (bare body).
func (s *ContactsService) Create(ctx context.Context, c *ContactRequest) (*Contact, *Response, error) {
	if c == nil || c.CustomerID == nil {
		return nil, nil, fmt.Errorf("syncro: create contact: customer_id is required: %w", ErrValidation)
	}
	var out Contact
	resp, err := s.client.call(ctx, http.MethodPost, "contacts", nil, c, &out)
	if err != nil {
		return nil, resp, err
	}
	return needID(&out, out.ID, resp, "contact")
}

// Update changes the fields set in c (bare body).
func (s *ContactsService) Update(ctx context.Context, id int64, c *ContactRequest) (*Contact, *Response, error) {
	var out Contact
	resp, err := s.client.call(ctx, http.MethodPut, "contacts/"+itoa(id), nil, c, &out)
	if err != nil {
		return nil, resp, err
	}
	return needID(&out, out.ID, resp, "contact")
}

// Delete removes a contact for good.
func (s *ContactsService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.client.call(ctx, http.MethodDelete, "contacts/"+itoa(id), nil, nil, nil)
}
