package syncrotest_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestAuth_AcceptsBearerRawAndQueryKey(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	key := syncrotest.DefaultAPIKey
	tests := []struct {
		name   string
		header string
		query  string
		want   int
	}{
		{"bearer", "Bearer " + key, "", 200},
		{"lowercase bearer", "bearer " + key, "", 200},
		{"raw header", key, "", 200},
		{"query api_key", "", "?api_key=" + key, 200},
		{"wrong key", "Bearer nope", "", 401},
		{"wrong query key", "", "?api_key=nope", 401},
		{"missing", "", "", 401},
		{"other scheme", "Token " + key, "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL()+"/me"+tt.query, nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			r := send(t, req)
			if r.Status != tt.want {
				t.Fatalf("status = %d, want %d", r.Status, tt.want)
			}
			if tt.want == 401 {
				wantJSON(t, r, 401, `{"error":"Not authorized"}`)
			}
		})
	}
	for _, rq := range srv.Requests() {
		if strings.Contains(rq.Query+rq.Body+rq.Path, key) {
			t.Errorf("request log holds the API key: %+v", rq)
		}
	}
}

func TestWrappers_SingleRecordBodies(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	nas := ticketID(t, srv, syncrotest.SeedTicketNAS)
	own := ticketID(t, srv, syncrotest.SeedTicketOwnCloud)
	contact := srv.Contacts(0)[0]
	cust := srv.Customers()[0]
	inv := srv.Invoices()[0]
	p := func(n int64) string { return itoa(n) }
	tests := []struct {
		name, method, path string
		body               any
		wrapper            string // "" = bare object
		wantKeys           []string
	}{
		{"get ticket", "GET", "/tickets/" + p(own), nil, "ticket", []string{"comments", "line_items", "ticket_timers", "customer", "number"}},
		{"create ticket", "POST", "/tickets", map[string]any{"customer_id": cust.ID, "subject": "Test"}, "ticket", []string{"id", "number"}},
		{"update ticket", "PUT", "/tickets/" + p(own), map[string]any{"priority": "1 High"}, "ticket", []string{"id"}},
		{"comment", "POST", "/tickets/" + p(own) + "/comment", map[string]any{"subject": "Update", "body": "hi"}, "comment", []string{"id", "ticket_id", "tech", "hidden", "user_id"}},
		{"timer entry", "POST", "/tickets/" + p(own) + "/timer_entry", map[string]any{"start_at": "2026-11-20T10:00:00-08:00", "duration_minutes": 30}, "", []string{"id", "ticket_id", "start_time", "end_time", "recorded", "product_id", "active_duration"}},
		{"line item", "POST", "/tickets/" + p(own) + "/add_line_item", map[string]any{"name": "Cable", "description": "Cat6", "price_retail": 8.99}, "", []string{"id", "ticket_id", "quantity", "price_retail", "retail_cents"}},
		{"ticket settings", "GET", "/tickets/settings", nil, "", []string{"ticket_status_list", "default_labor_product_id", "users"}},
		{"settings", "GET", "/settings", nil, "", []string{"ticket", "locale"}},
		{"customer detail", "GET", "/customers/" + p(cust.ID), nil, "customer", []string{"ticket_links", "invoice_links", "phones", "contacts"}},
		{"create customer", "POST", "/customers", map[string]any{"business_name": "New Co"}, "customer", []string{"id", "business_then_name"}},
		{"update customer", "PUT", "/customers/" + p(cust.ID), map[string]any{"notes": "VIP"}, "customer", []string{"id"}},
		{"get contact", "GET", "/contacts/" + p(contact.ID), nil, "", []string{"id", "name", "customer_id", "properties"}},
		{"create contact", "POST", "/contacts", map[string]any{"customer_id": cust.ID, "name": "Pat", "title": "Boss"}, "", []string{"id", "name", "properties"}},
		{"update contact", "PUT", "/contacts/" + p(contact.ID), map[string]any{"name": "Renamed"}, "", []string{"id", "name"}},
		{"get invoice by id", "GET", "/invoices/" + p(inv.ID), nil, "invoice", []string{"number", "total", "line_items", "customer"}},
		{"get invoice by number", "GET", "/invoices/" + inv.Number, nil, "invoice", []string{"number", "total"}},
		{"create invoice", "POST", "/invoices", map[string]any{"ticket_id": nas, "customer_id": srv.Customers()[1].ID}, "invoice", []string{"number", "total", "line_items"}},
		{"product", "GET", "/products/1190473", nil, "product", []string{"price_retail"}},
		{"user", "GET", "/users/52318", nil, "user", []string{"email", "full_name"}},
		{"me", "GET", "/me", nil, "", []string{"user_email", "user_id", "permissions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, tt.method, tt.path, tt.body)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			m := r.obj(t)
			if tt.wrapper != "" {
				if got := keys(m); !slices.Equal(got, []string{tt.wrapper}) {
					t.Fatalf("top-level keys = %v, want only %q", got, tt.wrapper)
				}
				m = m[tt.wrapper].(map[string]any)
			}
			for _, k := range tt.wantKeys {
				if _, ok := m[k]; !ok {
					t.Errorf("missing %q in %v", k, keys(m))
				}
			}
		})
	}
}

func TestLists_EnvelopesAndMeta(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	own := itoa(ticketID(t, srv, syncrotest.SeedTicketOwnCloud))
	tests := []struct {
		path, listKey string
		wantMeta      []string // nil = no meta
		wantLen       int      // -1 = don't check
	}{
		{"/tickets", "tickets", []string{"page", "per_page", "total_entries", "total_pages"}, 50},
		{"/tickets?page=2", "tickets", []string{"page", "per_page", "total_entries", "total_pages"}, 30},
		{"/tickets?per_page=500", "tickets", []string{"page", "per_page", "total_entries", "total_pages"}, 80},
		{"/tickets?page=9", "tickets", []string{"page", "per_page", "total_entries", "total_pages"}, 0},
		{"/tickets/" + own + "/comments", "comments", []string{"page", "per_page", "total_pages"}, -1},
		{"/ticket_timers", "ticket_timers", []string{"page", "total_pages"}, -1},
		{"/customers", "customers", []string{"page", "per_page", "total_entries", "total_pages"}, 40},
		{"/customers/autocomplete?query=acme", "customers", nil, 2},
		{"/contacts", "contacts", []string{"page", "per_page", "total_entries", "total_pages"}, -1},
		{"/invoices", "invoices", []string{"page", "total_pages"}, -1},
		{"/products", "products", nil, 12},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			m := call(t, srv, "GET", tt.path, nil).obj(t)
			list, ok := m[tt.listKey].([]any)
			if !ok {
				t.Fatalf("no %q array in %v", tt.listKey, keys(m))
			}
			if tt.wantLen >= 0 && len(list) != tt.wantLen {
				t.Errorf("len = %d, want %d", len(list), tt.wantLen)
			}
			meta, hasMeta := m["meta"].(map[string]any)
			if tt.wantMeta == nil {
				if hasMeta {
					t.Errorf("unexpected meta %v", meta)
				}
				return
			}
			if got := keys(meta); !slices.Equal(got, tt.wantMeta) {
				t.Errorf("meta keys = %v, want %v", got, tt.wantMeta)
			}
		})
	}
	m := call(t, srv, "GET", "/tickets?per_page=500", nil).obj(t)
	wantMeta := map[string]any{"page": 1.0, "per_page": 100.0, "total_entries": 80.0, "total_pages": 1.0}
	if got := m["meta"].(map[string]any); !equalMaps(got, wantMeta) {
		t.Errorf("meta = %v, want %v", got, wantMeta)
	}
	m = call(t, srv, "GET", "/tickets/"+own+"/comments?per_page=1", nil).obj(t)
	if got := m["meta"].(map[string]any)["per_page"]; got != 1.0 {
		t.Errorf("comments per_page = %v", got)
	}
	m = call(t, srv, "GET", "/users", nil).obj(t)
	first := m["users"].([]any)[0].([]any)
	if first[0] != float64(syncrotest.UserDana) || first[1] != "Dana Whitfield" {
		t.Errorf("users[0] = %v, want [id, name] pair", first)
	}
}

func equalMaps(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestErrors_BodiesOfSection5(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	own := itoa(ticketID(t, srv, syncrotest.SeedTicketOwnCloud))
	contact := itoa(srv.Contacts(0)[0].ID)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"ticket without customer", "POST", "/tickets", map[string]any{"subject": "x"}, 422, `{"error":"Customer required field"}`},
		{"ticket blank subject", "PUT", "/tickets/" + own, map[string]any{"subject": ""}, 422, `{"success":false,"message":["Subject can't be blank"]}`},
		{"comment without subject and body", "POST", "/tickets/" + own + "/comment", map[string]any{"hidden": true}, 422, `{"success":false,"message":["Body can't be blank","Subject can't be blank"]}`},
		{"comment without subject", "POST", "/tickets/" + own + "/comment", map[string]any{"body": "b"}, 422, `{"success":false,"message":["Subject can't be blank"]}`},
		{"line item without name and description", "POST", "/tickets/" + own + "/add_line_item", map[string]any{"product_id": 1190473}, 422, `{"errors":"Name can't be blank, Description can't be blank","params":{}}`},
		{"line item without description", "POST", "/tickets/" + own + "/add_line_item", map[string]any{"name": "n"}, 422, `{"errors":"Description can't be blank","params":{}}`},
		{"timer without start_at", "POST", "/tickets/" + own + "/timer_entry", map[string]any{"duration_minutes": 10}, 422, `{"error":"no implicit conversion of nil into String"}`},
		{"customer bad email", "POST", "/customers", map[string]any{"business_name": "B", "email": "nope"}, 422, `{"success":false,"message":["Email is not an email"],"params":{"business_name":"B","email":"nope"}}`},
		{"customer without names", "POST", "/customers", map[string]any{"email": "a@b.example"}, 422, `{"success":false,"message":["Firstname can't be blank","Lastname can't be blank"],"params":{"email":"a@b.example"}}`},
		{"ticket not found", "GET", "/tickets/1", nil, 404, `{"message":"Not found"}`},
		{"delete ticket not found", "DELETE", "/tickets/1", nil, 404, `{"message":"Not found"}`},
		{"contact not found", "GET", "/contacts/1", nil, 404, `{"message":"Not found"}`},
		{"unknown path", "GET", "/widgets", nil, 404, `{"message":"Not found"}`},
		{"timer patch bad billable", "PATCH", "/ticket_timers/" + itoa(srv.Timers(0)[0].ID), map[string]any{"billable": "maybe"}, 422, `{"errors":["billable must be true or false"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantJSON(t, call(t, srv, tt.method, tt.path, tt.body), tt.status, tt.want)
		})
	}
	t.Run("contact bad email", func(t *testing.T) {
		r := call(t, srv, "PUT", "/contacts/"+contact, map[string]any{"email": "not-an-email"})
		m := r.obj(t)
		if r.Status != 422 || m["errors"] != "Email is not an email" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if rec, ok := m["record"].(map[string]any); !ok || rec["email"] != "not-an-email" {
			t.Errorf("record = %v", m["record"])
		}
	})
	t.Run("POST without JSON content type is a 400 HTML page", func(t *testing.T) {
		req, _ := http.NewRequest("POST", srv.URL()+"/tickets/"+own+"/comment", strings.NewReader("subject=a&body=b"))
		req.Header.Set("Authorization", syncrotest.DefaultAPIKey)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := send(t, req)
		if r.Status != 400 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), "<html>") {
			t.Errorf("got %d %q %s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	})
}

func TestDeletes_MessagesAndHardDelete(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	tk := itoa(ticketID(t, srv, syncrotest.SeedTicketPrinter))
	wantJSON(t, call(t, srv, "DELETE", "/tickets/"+tk, nil), 200, `{"message":"Ticket was successfully deleted. "}`)
	wantJSON(t, call(t, srv, "GET", "/tickets/"+tk, nil), 404, `{"message":"Not found"}`)
	cu := itoa(srv.Customers()[5].ID)
	wantJSON(t, call(t, srv, "DELETE", "/customers/"+cu, nil), 200, `{"message":"Customer was deleted from the system."}`)
	wantJSON(t, call(t, srv, "GET", "/customers/"+cu, nil), 404, `{"message":"Not found"}`)
	co := itoa(srv.Contacts(0)[0].ID)
	wantJSON(t, call(t, srv, "DELETE", "/contacts/"+co, nil), 200, `{"success":true}`)
	wantJSON(t, call(t, srv, "GET", "/contacts/"+co, nil), 404, `{"message":"Not found"}`)
}

var tsRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-08:00$`)

func TestTickets_CreateAndTimestamps(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	cust := srv.Customers()[3]
	r := call(t, srv, "POST", "/tickets", map[string]any{
		"customer_id": cust.ID, "subject": "Laptop won't boot", "problem_type": "Break Fix",
		"line_items":          []any{map[string]any{"name": "ignored"}},
		"comments_attributes": []any{map[string]any{"subject": "Initial Issue", "body": "Black screen", "hidden": false, "do_not_email": true}},
	})
	if r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	tk := r.obj(t)["ticket"].(map[string]any)
	id, number := int64(tk["id"].(float64)), int64(tk["number"].(float64))
	if number < 32180 || id < 108430000 || id-number < 1e8 {
		t.Errorf("id %d / number %d: want numbers after the seed's and far from ids", id, number)
	}
	if tk["status"] != "New" || tk["user_id"] != nil {
		t.Errorf("status %v user_id %v, want New and null", tk["status"], tk["user_id"])
	}
	for _, k := range []string{"created_at", "updated_at"} {
		if s, _ := tk[k].(string); !tsRE.MatchString(s) {
			t.Errorf("%s = %q, want millisecond timestamp with -08:00", k, s)
		}
	}
	if cs := srv.Comments(id); len(cs) != 1 || cs[0].Body != "Black screen" || !cs[0].DoNotEmail {
		t.Errorf("comments = %+v", cs)
	}
	if li := srv.LineItems(id); len(li) != 0 {
		t.Errorf("line_items on create must be ignored, got %+v", li)
	}
	m := call(t, srv, "GET", "/tickets?number="+itoa(number), nil).obj(t)
	if list := m["tickets"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != float64(id) {
		t.Errorf("number filter: %v", list)
	}
	// custom number
	r = call(t, srv, "POST", "/tickets", map[string]any{"customer_id": cust.ID, "subject": "Custom", "number": "90001"})
	if got := r.obj(t)["ticket"].(map[string]any)["number"]; got != 90001.0 {
		t.Errorf("custom number = %v", got)
	}
}

func TestTickets_Filters(t *testing.T) {
	t.Parallel()
	clock := syncrotest.NewManualClock(syncrotest.SeedNow)
	srv := syncrotest.NewServer(t, syncrotest.WithClock(clock.Now))
	numbers := func(path string) []int64 {
		t.Helper()
		var out []int64
		for _, it := range call(t, srv, "GET", path, nil).obj(t)["tickets"].([]any) {
			out = append(out, int64(it.(map[string]any)["number"].(float64)))
		}
		return out
	}
	t.Run("Not Closed", func(t *testing.T) {
		got := numbers("/tickets?status=Not+Closed&per_page=100")
		open := 0
		for _, tk := range srv.Tickets() {
			switch tk.Status {
			case "Resolved", "Invoiced", "Closed":
			default:
				open++
			}
		}
		if len(got) != open || open == 0 {
			t.Errorf("Not Closed gave %d, want %d", len(got), open)
		}
		if slices.Contains(got, syncrotest.SeedTicketNAS) {
			t.Errorf("resolved ticket in Not Closed")
		}
	})
	t.Run("status and number", func(t *testing.T) {
		if got := numbers("/tickets?number=32150"); !slices.Equal(got, []int64{32150}) {
			t.Errorf("number: %v", got)
		}
		for _, n := range numbers("/tickets?status=Resolved&per_page=100") {
			tk, _ := srv.TicketByNumber(n)
			if tk.Status != "Resolved" {
				t.Errorf("#%d has %s", n, tk.Status)
			}
		}
	})
	t.Run("query", func(t *testing.T) {
		if got := numbers("/tickets?query=own+cloud"); !slices.Contains(got, syncrotest.SeedTicketOwnCloud) {
			t.Errorf("query: %v", got)
		}
		if got := numbers("/tickets?query=32160"); !slices.Equal(got, []int64{32160}) {
			t.Errorf("query by number: %v", got)
		}
	})
	t.Run("newest first", func(t *testing.T) {
		got := numbers("/tickets?per_page=3")
		if !slices.Equal(got, []int64{32179, 32178, 32177}) {
			t.Errorf("order: %v", got)
		}
	})
	t.Run("customer_id", func(t *testing.T) {
		tk, _ := srv.TicketByNumber(syncrotest.SeedTicketPingers)
		for _, n := range numbers("/tickets?customer_id=" + itoa(tk.CustomerID)) {
			x, _ := srv.TicketByNumber(n)
			if x.CustomerID != tk.CustomerID {
				t.Errorf("#%d of customer %d", n, x.CustomerID)
			}
		}
	})
}

// Not parallel with others sharing the clock: it owns its server and clock.
func TestTickets_SinceUpdatedAtSeesWebAppChange(t *testing.T) {
	t.Parallel()
	clock := syncrotest.NewManualClock(syncrotest.SeedNow)
	srv := syncrotest.NewServer(t, syncrotest.WithClock(clock.Now))
	since := syncrotest.SeedNow.Add(time.Minute).Format(time.RFC3339)
	if got := call(t, srv, "GET", "/tickets?since_updated_at="+since, nil).obj(t)["tickets"].([]any); len(got) != 0 {
		t.Fatalf("nothing changed yet, got %d", len(got))
	}
	clock.Advance(10 * time.Minute)
	id := ticketID(t, srv, syncrotest.SeedTicketOwnCloud)
	if err := srv.SetTicketStatus(id, "Resolved"); err != nil {
		t.Fatal(err)
	}
	got := call(t, srv, "GET", "/tickets?since_updated_at="+since, nil).obj(t)["tickets"].([]any)
	if len(got) != 1 || got[0].(map[string]any)["status"] != "Resolved" || got[0].(map[string]any)["resolved_at"] == nil {
		t.Fatalf("got %v", got)
	}
	if err := srv.SetTicketStatus(id, "Bogus"); err == nil {
		t.Error("unknown status accepted")
	}
	// A bare date works too.
	if got := call(t, srv, "GET", "/tickets?since_updated_at=2026-11-20", nil).obj(t)["tickets"].([]any); len(got) == 0 {
		t.Error("bare date filter found nothing")
	}
}

func TestComments_NewestFirstAndWrapper(t *testing.T) {
	t.Parallel()
	clock := syncrotest.NewManualClock(syncrotest.SeedNow)
	srv := syncrotest.NewServer(t, syncrotest.WithClock(clock.Now))
	id := itoa(ticketID(t, srv, syncrotest.SeedTicketPrinter))
	for _, body := range []string{"first", "second"} {
		clock.Advance(time.Minute)
		r := call(t, srv, "POST", "/tickets/"+id+"/comment", map[string]any{"subject": "Update", "body": body, "hidden": true, "do_not_email": true})
		c := r.obj(t)["comment"].(map[string]any)
		if c["body"] != body || c["hidden"] != true || c["tech"] != "Dana Whitfield" {
			t.Errorf("comment = %v", c)
		}
		if _, ok := c["do_not_email"]; ok {
			t.Error("do_not_email is write-only")
		}
	}
	list := call(t, srv, "GET", "/tickets/"+id+"/comments", nil).obj(t)["comments"].([]any)
	if len(list) != 3 || list[0].(map[string]any)["body"] != "second" || list[2].(map[string]any)["subject"] != "Initial Issue" {
		t.Errorf("comments order: %v", list)
	}
}
