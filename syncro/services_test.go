package syncro

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// ticketJSON is a TicketDetail in Syncro's shape, with an offset timestamp.
const ticketJSON = `{"id":108443837,"number":5028,"subject":"Printer down","status":"In Progress",
 "customer_id":31,"customer_business_then_name":"Acme","user_id":7,"contact_id":null,
 "created_at":"2025-02-28T15:01:43.926-08:00","updated_at":"2025-02-28T16:00:00.000-08:00",
 "due_date":"2025-10-10","resolved_at":null,"properties":{"Device Type":"Printer"},
 "comments":[{"id":1,"subject":"Initial Issue","body":"It is down","hidden":false,"user_id":null}],
 "line_items":[{"id":9,"ticket_id":108443837,"name":"Labor","description":"Remote","quantity":"1.5","price_retail":120.0,"price_cost":0,"retail_cents":12000,"taxable":false}],
 "ticket_timers":[],"user":{"id":7,"email":"tech@msp.example","full_name":"Tim Tech"}}`

func TestServices(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 4, 1, 9, 30, 0, 0, time.FixedZone("PDT", -7*3600))
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.FixedZone("PDT", -7*3600))
	end := start.Add(45 * time.Minute)

	tests := []struct {
		name    string
		path    string // as the server sees it, under /api/v1
		want    expect
		status  int
		resp    string
		call    func(ctx context.Context, c *Client) (any, error)
		checkFn func(t *testing.T, got any)
	}{
		{
			name: "tickets list with every filter",
			path: "/tickets",
			want: expect{method: "GET", query: q("status", "Not Closed", "customer_id", "31", "user_id", "7", "contact_id", "8",
				"query", "printer", "number", "5028", "since_updated_at", "2026-04-01T09:30:00-07:00",
				"resolved_after", "2026-04-01T09:30:00-07:00", "created_after", "2026-04-01T09:30:00-07:00",
				"page", "2", "per_page", "100")},
			resp: `{"tickets":[` + ticketJSON + `],"meta":{"total_pages":3,"page":2}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				ts, resp, err := c.Tickets.List(ctx, &TicketListOptions{Status: StatusNotClosed, CustomerID: 31, UserID: 7, ContactID: 8,
					Query: "printer", Number: "5028", SinceUpdatedAt: since, ResolvedAfter: since, CreatedAfter: since, ListOptions: ListOptions{Page: 2}})
				if err == nil && (resp.Meta == nil || resp.Meta.TotalPages != 3) {
					return nil, errors.New("meta not surfaced")
				}
				return ts, err
			},
			checkFn: func(t *testing.T, got any) {
				ts := got.([]Ticket)
				if len(ts) != 1 || ts[0].Number != "5028" || ts[0].ID != 108443837 {
					t.Errorf("got %+v", ts)
				}
				if _, off := ts[0].CreatedAt.Zone(); off != -8*3600 {
					t.Errorf("offset lost: %v", ts[0].CreatedAt)
				}
				if ts[0].LineItems[0].Total().String() != "180.00" {
					t.Errorf("line total = %s", ts[0].LineItems[0].Total())
				}
			},
		},
		{
			name: "tickets get",
			path: "/tickets/108443837",
			want: expect{method: "GET"},
			resp: `{"ticket":` + ticketJSON + `}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				tk, _, err := c.Tickets.Get(ctx, 108443837)
				return tk, err
			},
			checkFn: func(t *testing.T, got any) {
				tk := got.(*Ticket)
				if tk.Subject != "Printer down" || *tk.UserID != 7 || tk.User.Email != "tech@msp.example" || tk.Comments[0].UserID != nil {
					t.Errorf("got %+v", tk)
				}
				if tk.DueDate.Format(time.DateOnly) != "2025-10-10" || !tk.ResolvedAt.IsZero() {
					t.Errorf("dates: %v %v", tk.DueDate, tk.ResolvedAt)
				}
			},
		},
		{
			name: "tickets find by number picks the exact match",
			path: "/tickets",
			want: expect{method: "GET", query: q("number", "5028", "per_page", "100")},
			resp: `{"tickets":[{"id":1,"number":50280},{"id":2,"number":"5028"}],"meta":{"total_pages":1,"page":1}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				tk, _, err := c.Tickets.FindByNumber(ctx, "#5028")
				return tk, err
			},
			checkFn: func(t *testing.T, got any) {
				if got.(*Ticket).ID != 2 {
					t.Errorf("got %+v", got)
				}
			},
		},
		{
			name: "tickets create with initial comment",
			path: "/tickets",
			want: expect{method: "POST", body: `{"customer_id":31,"subject":"Printer down","problem_type":"Helpdesk","user_id":7,
				"comments_attributes":[{"subject":"Initial Issue","body":"It is down","hidden":false,"do_not_email":true}]}`},
			resp: `{"ticket":` + ticketJSON + `}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				tk, _, err := c.Tickets.Create(ctx, &TicketRequest{CustomerID: Ptr[int64](31), Subject: Ptr("Printer down"), ProblemType: Ptr("Helpdesk"), UserID: Ptr[int64](7),
					Comments: []CommentRequest{{Subject: "Initial Issue", Body: "It is down", DoNotEmail: true}}})
				return tk, err
			},
			checkFn: func(t *testing.T, got any) {
				if got.(*Ticket).ID != 108443837 {
					t.Errorf("got %+v", got)
				}
			},
		},
		{
			name: "tickets partial update",
			path: "/tickets/5",
			want: expect{method: "PUT", body: `{"status":"Resolved"}`},
			resp: `{"ticket":{"id":5,"number":12,"status":"Resolved"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				tk, _, err := c.Tickets.Update(ctx, 5, &TicketRequest{Status: Ptr("Resolved")})
				return tk, err
			},
			checkFn: func(t *testing.T, got any) {
				if got.(*Ticket).Status != "Resolved" {
					t.Errorf("got %+v", got)
				}
			},
		},
		{
			name: "tickets delete",
			path: "/tickets/5",
			want: expect{method: "DELETE"},
			resp: `{"message":"Ticket was successfully deleted. "}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				_, err := c.Tickets.Delete(ctx, 5)
				return nil, err
			},
		},
		{
			name: "comment with time fields",
			path: "/tickets/5/comment",
			want: expect{method: "POST", body: `{"subject":"Update","body":"Swapped toner","hidden":true,"do_not_email":true,"tech":"Tim",
				"product_id":77,"minutes_spent":30,"bill_time_now":true}`},
			resp: `{"comment":{"id":44,"ticket_id":5,"subject":"Update","body":"Swapped toner","tech":"Tim","hidden":true,"user_id":7,
				"created_at":"2026-04-01T10:00:00.000-07:00"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cm, _, err := c.Tickets.PostComment(ctx, 5, &CommentRequest{Subject: "Update", Body: "Swapped toner", Hidden: true, DoNotEmail: true, Tech: "Tim",
					ProductID: Ptr[int64](77), MinutesSpent: Ptr(30), BillTimeNow: Ptr(true)})
				return cm, err
			},
			checkFn: func(t *testing.T, got any) {
				if cm := got.(*Comment); cm.ID != 44 || *cm.UserID != 7 {
					t.Errorf("got %+v", cm)
				}
			},
		},
		{
			name: "comments newest first",
			path: "/tickets/5/comments",
			want: expect{method: "GET", query: q("sort_by", "created_at", "sort_direction", "DESC", "per_page", "100")},
			resp: `{"comments":[{"id":2,"ticket_id":5,"body":"b","is_rich_text":false},{"id":1,"ticket_id":5,"body":"a"}],"meta":{"total_pages":1,"page":1,"per_page":100}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cs, _, err := c.Tickets.ListComments(ctx, 5, nil)
				return cs, err
			},
			checkFn: func(t *testing.T, got any) {
				if cs := got.([]Comment); len(cs) != 2 || cs[0].ID != 2 {
					t.Errorf("got %+v", cs)
				}
			},
		},
		{
			name: "timer entry add (bare)",
			path: "/tickets/5/timer_entry",
			want: expect{method: "POST", body: `{"start_at":"2026-04-01T09:00:00-07:00","end_at":"2026-04-01T09:45:00-07:00","product_id":77,"notes":"Remote fix","user_id":7}`},
			resp: `{"id":901,"ticket_id":5,"user_id":7,"start_time":"2026-04-01T09:00:00.000-07:00","end_time":"2026-04-01T09:45:00.000-07:00","recorded":false,"billable":true,"notes":"Remote fix","product_id":77,"active_duration":2700}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				tm, _, err := c.Timers.Add(ctx, 5, &TimerEntryRequest{StartAt: &start, EndAt: &end, ProductID: Ptr[int64](77), Notes: "Remote fix", UserID: Ptr[int64](7)})
				return tm, err
			},
			checkFn: func(t *testing.T, got any) {
				if tm := got.(*Timer); tm.ID != 901 || tm.ActiveDuration != 2700 || tm.Recorded {
					t.Errorf("got %+v", tm)
				}
			},
		},
		{
			name: "timer entry add by duration",
			path: "/tickets/5/timer_entry",
			want: expect{method: "POST", body: `{"start_at":"2026-04-01T09:00:00-07:00","duration_minutes":45}`},
			resp: `{"id":902,"ticket_id":5}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				tm, _, err := c.Timers.Add(ctx, 5, &TimerEntryRequest{StartAt: &start, DurationMinutes: Ptr(45)})
				return tm, err
			},
		},
		{
			name: "timer charge (bare)",
			path: "/tickets/5/charge_timer_entry",
			want: expect{method: "POST", body: `{"timer_entry_id":901}`},
			resp: `{"id":901,"ticket_id":5,"recorded":true,"ticket_line_item_id":55}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				tm, _, err := c.Timers.Charge(ctx, 5, 901)
				return tm, err
			},
			checkFn: func(t *testing.T, got any) {
				if tm := got.(*Timer); !tm.Recorded || *tm.TicketLineItemID != 55 {
					t.Errorf("got %+v", tm)
				}
			},
		},
		{
			name: "ticket timers list",
			path: "/ticket_timers",
			want: expect{method: "GET", query: q("ticket_id", "5", "per_page", "100")},
			resp: `{"ticket_timers":[{"id":901,"ticket_id":5}],"meta":{"total_pages":1,"page":1}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				ts, _, err := c.Timers.List(ctx, &TimerListOptions{TicketID: 5})
				return ts, err
			},
		},
		{
			name: "ticket line item add (bare)",
			path: "/tickets/5/add_line_item",
			want: expect{method: "POST", body: `{"name":"Labor","description":"Remote support","product_id":77,"quantity":1.50,"price_retail":120.00,"taxable":false}`},
			resp: `{"id":55,"ticket_id":5,"name":"Labor","description":"Remote support","quantity":"1.5","price_retail":120.0,"retail_cents":12000}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				price := MoneyFromInt(120)
				qty, _ := ParseMoney("1.5")
				li, _, err := c.Tickets.AddLineItem(ctx, 5, &TicketLineItemRequest{Name: "Labor", Description: "Remote support", ProductID: Ptr[int64](77),
					Quantity: qty, PriceRetail: &price, Taxable: Ptr(false)})
				return li, err
			},
			checkFn: func(t *testing.T, got any) {
				if li := got.(*TicketLineItem); li.ID != 55 || li.Quantity.String() != "1.50" {
					t.Errorf("got %+v", li)
				}
			},
		},
		{
			name: "ticket settings",
			path: "/tickets/settings",
			want: expect{method: "GET"},
			resp: `{"ticket_status_list":["New","In Progress","Resolved","Closed"],"default_labor_product_id":77,"ticket_timer_charge_by_default":"false",
				"users":[{"id":7,"name":"Tim Tech"}],"ticket_types":[{"id":3,"name":"Remote"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				st, _, err := c.Settings.Tickets(ctx)
				return st, err
			},
			checkFn: func(t *testing.T, got any) {
				st := got.(*TicketSettings)
				if len(st.TicketStatusList) != 4 || *st.DefaultLaborProductID != 77 || st.Users[0].Name != "Tim Tech" || st.TicketTimerChargeByDefault {
					t.Errorf("got %+v", st)
				}
			},
		},
		{
			name: "account settings",
			path: "/settings",
			want: expect{method: "GET"},
			resp: `{"ticket":{"problem_types":["Helpdesk","Onsite"],"priorities":["","0 Urgent","2 Normal"]},"locale":{"time_zone":"America/Los_Angeles","time_offset":"-07:00"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				st, _, err := c.Settings.Get(ctx)
				return st, err
			},
			checkFn: func(t *testing.T, got any) {
				st := got.(*AccountSettings)
				loc, err := st.Location()
				if err != nil || loc.String() != "America/Los_Angeles" || len(st.Ticket.ProblemTypes) != 2 || st.Ticket.Priorities[1] != "0 Urgent" {
					t.Errorf("got %+v %v", st, err)
				}
			},
		},
		{
			name: "customers search",
			path: "/customers",
			want: expect{method: "GET", query: q("query", "acme", "email", "a@acme.example", "business_name", "Acme", "per_page", "100")},
			resp: `{"customers":[{"id":31,"business_name":"Acme","fullname":"(empty)","properties":{"notify":"1"}}],"meta":{"total_pages":1,"page":1,"total_entries":1,"per_page":100}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cs, _, err := c.Customers.List(ctx, &CustomerListOptions{Query: "acme", Email: "a@acme.example", BusinessName: "Acme"})
				return cs, err
			},
		},
		{
			name: "customers autocomplete",
			path: "/customers/autocomplete",
			want: expect{method: "GET", query: q("query", "acm")},
			resp: `{"customers":[{"id":31,"business_name":"Acme"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cs, _, err := c.Customers.Autocomplete(ctx, "acm")
				return cs, err
			},
		},
		{
			name: "customer detail with links",
			path: "/customers/31",
			want: expect{method: "GET"},
			resp: `{"customer":{"id":31,"business_name":"Acme","prepay_hours":"2.5",
				"ticket_links":[{"id":5,"number":12,"status":"New","subject":"x"}],
				"invoice_links":[{"id":8,"number":"1682","took_payment":false,"total":"99.95","date":"2026-03-01T00:00:00.000-08:00"}],
				"phones":[{"id":1,"label":"Office","number":"5551234"}]}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cu, _, err := c.Customers.Get(ctx, 31)
				return cu, err
			},
			checkFn: func(t *testing.T, got any) {
				cu := got.(*Customer)
				if cu.TicketLinks[0].Number != "12" || cu.InvoiceLinks[0].Total.String() != "99.95" || cu.Phones[0].Number != "5551234" || cu.PrepayHours.String() != "2.50" {
					t.Errorf("got %+v", cu)
				}
			},
		},
		{
			name: "customer create",
			path: "/customers",
			want: expect{method: "POST", body: `{"business_name":"Acme","email":"a@acme.example"}`},
			resp: `{"customer":{"id":32,"business_name":"Acme"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cu, _, err := c.Customers.Create(ctx, &CustomerRequest{BusinessName: Ptr("Acme"), Email: Ptr("a@acme.example")})
				return cu, err
			},
		},
		{
			name: "customer update",
			path: "/customers/32",
			want: expect{method: "PUT", body: `{"phone":"555"}`},
			resp: `{"customer":{"id":32,"phone":"555"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cu, _, err := c.Customers.Update(ctx, 32, &CustomerRequest{Phone: Ptr("555")})
				return cu, err
			},
		},
		{
			name: "customer delete",
			path: "/customers/32",
			want: expect{method: "DELETE"},
			resp: `{"message":"Customer was deleted from the system."}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				_, err := c.Customers.Delete(ctx, 32)
				return nil, err
			},
		},
		{
			name: "contacts by customer",
			path: "/contacts",
			want: expect{method: "GET", query: q("customer_id", "31", "per_page", "100")},
			resp: `{"contacts":[{"id":8,"name":"Ann","customer_id":31,"properties":{"title":"CFO"}}],"meta":{"total_pages":1,"page":1,"total_entries":1,"per_page":50}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cs, _, err := c.Contacts.List(ctx, &ContactListOptions{CustomerID: 31})
				return cs, err
			},
		},
		{
			name: "contact get (bare)",
			path: "/contacts/8",
			want: expect{method: "GET"},
			resp: `{"id":8,"name":"Ann","customer_id":31,"email":"ann@acme.example"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				ct, _, err := c.Contacts.Get(ctx, 8)
				return ct, err
			},
			checkFn: func(t *testing.T, got any) {
				if ct := got.(*Contact); ct.Email != "ann@acme.example" {
					t.Errorf("got %+v", ct)
				}
			},
		},
		{
			name: "contact create (bare)",
			path: "/contacts",
			want: expect{method: "POST", body: `{"customer_id":31,"name":"Ann"}`},
			resp: `{"id":9,"name":"Ann","customer_id":31}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				ct, _, err := c.Contacts.Create(ctx, &ContactRequest{CustomerID: Ptr[int64](31), Name: Ptr("Ann")})
				return ct, err
			},
		},
		{
			name: "contact update (bare)",
			path: "/contacts/9",
			want: expect{method: "PUT", body: `{"name":"Ann B","title":"CFO"}`},
			resp: `{"id":9,"name":"Ann B","customer_id":31,"properties":{"title":"CFO"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				ct, _, err := c.Contacts.Update(ctx, 9, &ContactRequest{Name: Ptr("Ann B"), Title: Ptr("CFO")})
				return ct, err
			},
		},
		{
			name: "contact delete",
			path: "/contacts/9",
			want: expect{method: "DELETE"},
			resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				_, err := c.Contacts.Delete(ctx, 9)
				return nil, err
			},
		},
		{
			name: "invoices by ticket",
			path: "/invoices",
			want: expect{method: "GET", query: q("ticket_id", "5", "per_page", "100")},
			resp: `{"invoices":[{"id":1649793879,"number":"1682","ticket_id":5,"subtotal":"100.0","tax":"8.25","total":"108.25","is_paid":false}],"meta":{"total_pages":1,"page":1}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				is, _, err := c.Invoices.List(ctx, &InvoiceListOptions{TicketID: 5})
				return is, err
			},
			checkFn: func(t *testing.T, got any) {
				inv := got.([]Invoice)[0]
				if inv.Subtotal.Add(inv.Tax) != inv.Total || inv.Number != "1682" {
					t.Errorf("got %+v", inv)
				}
			},
		},
		{
			name: "invoice get by id",
			path: "/invoices/1649793879",
			want: expect{method: "GET"},
			resp: `{"invoice":{"id":1649793879,"number":"1682","total":"10.0","line_items":[{"id":1,"name":"Labor","price":"10.0","quantity":"1.0","cost":"0.0"}]}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				inv, _, err := c.Invoices.Get(ctx, 1649793879)
				return inv, err
			},
		},
		{
			name: "invoice get by number",
			path: "/invoices/1682",
			want: expect{method: "GET"},
			resp: `{"invoice":{"id":1649793879,"number":"1682"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				inv, _, err := c.Invoices.GetByNumber(ctx, "1682")
				return inv, err
			},
		},
		{
			name: "invoice from ticket",
			path: "/invoices",
			want: expect{method: "POST", body: `{"ticket_id":5,"customer_id":31,"category":"Standard"}`},
			resp: `{"invoice":{"id":1649793880,"number":"1683","ticket_id":5,"customer_id":31,"total":"180.0"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				inv, _, err := c.Invoices.CreateFromTicket(ctx, 5, 31, "Standard")
				return inv, err
			},
			checkFn: func(t *testing.T, got any) {
				if inv := got.(*Invoice); inv.ID != 1649793880 || inv.Total.Cents() != 18000 {
					t.Errorf("got %+v", inv)
				}
			},
		},
		{
			name: "invoice add line item",
			path: "/invoices/1649793880/line_items",
			want: expect{method: "POST", body: `{"product_id":77,"quantity":2.00}`},
			resp: `{"line_item":{"id":3,"invoice_id":1649793880,"product_id":77,"quantity":"2.0","price":"120.0"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				qty := MoneyFromInt(2)
				li, _, err := c.Invoices.AddLineItem(ctx, 1649793880, &InvoiceLineItemRequest{ProductID: Ptr[int64](77), Quantity: &qty})
				return li, err
			},
			checkFn: func(t *testing.T, got any) {
				if li := got.(*InvoiceLineItem); li == nil || li.ID != 3 {
					t.Errorf("got %+v", li)
				}
			},
		},
		{
			name: "products list",
			path: "/products",
			want: expect{method: "GET", query: q("query", "labor", "per_page", "100")},
			resp: `{"products":[{"id":77,"name":"Labor - Remote Business","price_retail":120.0,"price_cost":0,"quantity":0}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				ps, _, err := c.Products.List(ctx, &ProductListOptions{Query: "labor"})
				return ps, err
			},
		},
		{
			name: "product get",
			path: "/products/77",
			want: expect{method: "GET"},
			resp: `{"product":{"id":77,"name":"Labor","price_retail":"120.00"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				p, _, err := c.Products.Get(ctx, 77)
				return p, err
			},
		},
		{
			name: "users list as pairs",
			path: "/users",
			// The OpenAPI names no parameter for GET /users.
			want: expect{method: "GET", query: q()},
			resp: `{"users":[[140791,"Daniel Hedges"],[185981,"Tim the Tech"]]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				us, _, err := c.Users.List(ctx)
				return us, err
			},
			checkFn: func(t *testing.T, got any) {
				if us := got.([]UserRef); len(us) != 2 || us[1] != (UserRef{185981, "Tim the Tech"}) {
					t.Errorf("got %+v", us)
				}
			},
		},
		{
			name: "user get",
			path: "/users/185981",
			want: expect{method: "GET"},
			resp: `{"user":{"id":185981,"email":"tim@msp.example","full_name":"Tim the Tech","admin":true}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				u, _, err := c.Users.Get(ctx, 185981)
				return u, err
			},
		},
		{
			name: "me (flat)",
			path: "/me",
			want: expect{method: "GET"},
			resp: `{"user_token":"x","user_email":"tim@msp.example","user_name":"Tim","user_id":185981,"admin":true,"permissions":{}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				m, _, err := c.Users.Me(ctx)
				return m, err
			},
			checkFn: func(t *testing.T, got any) {
				if m := got.(*Me); m.UserID != 185981 || !bool(m.Admin) {
					t.Errorf("got %+v", m)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			var n counter
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				n.inc()
				check(t, r, tt.want)
				status := tt.status
				if status == 0 {
					status = http.StatusOK
				}
				reply(w, status, tt.resp)
			})
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if n.get() != 1 {
				t.Errorf("requests = %d, want 1", n.get())
			}
			if tt.checkFn != nil {
				tt.checkFn(t, got)
			}
		})
	}
}

func TestFindByNumber_NoExactMatchIsNotFound(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/tickets", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"tickets":[{"id":1,"number":50280}],"meta":{"total_pages":1,"page":1}}`)
	})
	_, _, err := c.Tickets.FindByNumber(t.Context(), "5028")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestClientSideValidation_SendsNothing(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
	})
	ctx := t.Context()
	start := time.Now()
	calls := map[string]func() error{
		"ticket without customer": func() error { _, _, err := c.Tickets.Create(ctx, &TicketRequest{Subject: Ptr("x")}); return err },
		"comment without subject": func() error { _, _, err := c.Tickets.PostComment(ctx, 1, &CommentRequest{Body: "b"}); return err },
		"timer without start": func() error {
			_, _, err := c.Timers.Add(ctx, 1, &TimerEntryRequest{DurationMinutes: Ptr(5)})
			return err
		},
		"timer without end": func() error { _, _, err := c.Timers.Add(ctx, 1, &TimerEntryRequest{StartAt: &start}); return err },
		"line item without desc": func() error {
			_, _, err := c.Tickets.AddLineItem(ctx, 1, &TicketLineItemRequest{Name: "n"})
			return err
		},
		"contact without customer": func() error {
			_, _, err := c.Contacts.Create(ctx, &ContactRequest{Name: Ptr("a")})
			return err
		},
		"invoice without customer": func() error { _, _, err := c.Invoices.Create(ctx, &InvoiceRequest{}); return err },
		"invoice number with slash": func() error {
			_, _, err := c.Invoices.GetByNumber(ctx, "../tickets")
			return err
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrValidation) {
			t.Errorf("%s: err = %v, want ErrValidation", name, err)
		}
	}
}

func TestWrappedCreateMissingRecordIsError(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	// A top-level id instead of {"ticket":{...}}: reading it as success is
	// how duplicates were made in the field.
	mux.HandleFunc("/tickets", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"id":5}`) })
	if _, _, err := c.Tickets.Create(t.Context(), &TicketRequest{CustomerID: Ptr[int64](1)}); err == nil {
		t.Fatal("want error for a create answer without the ticket wrapper")
	}
}

func TestInvoiceLineItemFromInvoiceBody(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/invoices/8/line_items", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"invoice":{"id":8,"line_items":[{"id":1,"name":"Old"},{"id":2,"name":"Labor","product_id":77}]}}`)
	})
	li, _, err := c.Invoices.AddLineItem(t.Context(), 8, &InvoiceLineItemRequest{ProductID: Ptr[int64](77)})
	if err != nil || li == nil || li.ID != 2 {
		t.Fatalf("li = %+v, err = %v", li, err)
	}
}

func TestNonJSON200WhenNoBodyNeeded(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/tickets/5", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("Disabled"))
	})
	// A write's non-JSON 2xx is no answer Syncro documents for it: whether
	// it was applied is unknown, and the caller reads back.
	if _, err := c.Tickets.Delete(t.Context(), 5); !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("delete with text body: %v, want ErrOutcomeUnknown", err)
	}
	if _, _, err := c.Tickets.Get(t.Context(), 5); err == nil {
		t.Fatal("get with text body: want decode error")
	}
}

func TestInvoicesForTicket_DropsOtherTickets(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/invoices", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"invoices":[{"id":1,"ticket_id":5},{"id":2,"ticket_id":6}],"meta":{"total_pages":1,"page":1}}`)
	})
	got, err := c.Invoices.ForTicket(t.Context(), 5)
	if err != nil || len(got) != 1 || got[0].ID != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
}
