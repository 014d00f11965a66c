package syncrotest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestTimeModes_CommentTimeFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		mode        syncrotest.TimeMode
		bill        bool
		wantTimers  int
		wantCharged bool
	}{
		{"from comments, not billed", syncrotest.TimeFromComments, false, 1, false},
		{"from comments, bill now", syncrotest.TimeFromComments, true, 1, true},
		{"ignored", syncrotest.TimeIgnoredOnComments, true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newSrv(t, syncrotest.WithTimeMode(tt.mode))
			id := ticketID(t, srv, syncrotest.SeedTicketPrinter)
			r := call(t, srv, "POST", "/tickets/"+itoa(id)+"/comment", map[string]any{
				"subject": "Onsite", "body": "Swapped the network cable", "hidden": true,
				"product_id": syncrotest.ProductLaborOnsite, "minutes_spent": 30, "bill_time_now": tt.bill,
			})
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			timers := srv.Timers(id)
			if len(timers) != tt.wantTimers {
				t.Fatalf("timers = %+v, want %d", timers, tt.wantTimers)
			}
			if tt.wantTimers == 0 {
				return
			}
			tm := timers[0]
			if tm.ProductID != syncrotest.ProductLaborOnsite || tm.Minutes() != 30 || tm.CommentID == 0 || tm.Recorded != tt.wantCharged {
				t.Errorf("timer = %+v", tm)
			}
			if li := srv.LineItems(id); (len(li) == 1) != tt.wantCharged {
				t.Errorf("line items = %+v", li)
			} else if tt.wantCharged && (li[0].Quantity != 0.5 || li[0].RetailCents != 15000 || li[0].Name != "Labor - Onsite Business") {
				t.Errorf("line item = %+v", li[0])
			}
		})
	}
	t.Run("setter switches mode", func(t *testing.T) {
		t.Parallel()
		srv := newSrv(t)
		srv.SetTimeMode(syncrotest.TimeIgnoredOnComments)
		id := ticketID(t, srv, syncrotest.SeedTicketPrinter)
		call(t, srv, "POST", "/tickets/"+itoa(id)+"/comment", map[string]any{"subject": "s", "body": "b", "minutes_spent": 15})
		if n := len(srv.Timers(id)); n != 0 {
			t.Errorf("timers = %d after SetTimeMode(ignored)", n)
		}
		if c := srv.Comments(id); c[len(c)-1].MinutesSpent != 15 {
			t.Errorf("time fields should still be recorded on the comment: %+v", c[len(c)-1])
		}
	})
}

func TestTimers_ChargeTwiceMakesTwoLineItems(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	id := itoa(ticketID(t, srv, syncrotest.SeedTicketPrinter))
	r := call(t, srv, "POST", "/tickets/"+id+"/timer_entry", map[string]any{
		"start_at": "2026-11-20T09:00:00-08:00", "end_at": "2026-11-20T10:30:00-08:00", "notes": "Replaced fuser",
	})
	tm := r.obj(t)
	if tm["product_id"] != float64(syncrotest.ProductLaborRemote) || tm["recorded"] != false || tm["active_duration"] != 5400.0 {
		t.Fatalf("timer = %v", tm)
	}
	if tm["start_time"] != "2026-11-20T09:00:00.000-08:00" {
		t.Errorf("start_time = %v", tm["start_time"])
	}
	timerID := tm["id"]
	for range 2 {
		r = call(t, srv, "POST", "/tickets/"+id+"/charge_timer_entry", map[string]any{"timer_entry_id": timerID})
		if got := r.obj(t); got["recorded"] != true || got["ticket_line_item_id"] == nil {
			t.Fatalf("charge = %s", r.Body)
		}
	}
	tk := ticketID(t, srv, syncrotest.SeedTicketPrinter)
	if li := srv.LineItems(tk); len(li) != 2 || li[0].Quantity != 1.5 || li[0].Description != "Replaced fuser" {
		t.Errorf("line items = %+v", li)
	}
	wantJSON(t, call(t, srv, "POST", "/tickets/"+id+"/delete_timer_entry", map[string]any{"timer_entry_id": timerID}), 200, `{"success":true}`)
	if n := len(srv.Timers(tk)); n != 0 {
		t.Errorf("timers after delete = %d", n)
	}
	list := call(t, srv, "GET", "/ticket_timers?ticket_id="+itoa(ticketID(t, srv, syncrotest.SeedTicketNAS)), nil).obj(t)["ticket_timers"].([]any)
	if len(list) != 2 {
		t.Errorf("ticket_timers?ticket_id gave %d, want 2", len(list))
	}
}

func TestInvoices_FromTicketTotalsAndStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       []syncrotest.Option
		wantStatus string
	}{
		{"status untouched by default", nil, "Resolved"},
		{"option sets status", []syncrotest.Option{syncrotest.WithInvoiceSetsStatus("Invoiced")}, "Invoiced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newSrv(t, tt.opts...)
			tk, _ := srv.TicketByNumber(syncrotest.SeedTicketNAS)
			if got := call(t, srv, "GET", "/invoices?ticket_id="+itoa(tk.ID), nil).obj(t)["invoices"].([]any); len(got) != 0 {
				t.Fatalf("NAS ticket already invoiced: %v", got)
			}
			r := call(t, srv, "POST", "/invoices", map[string]any{"ticket_id": tk.ID, "customer_id": tk.CustomerID, "category": "Standard"})
			inv := r.obj(t)["invoice"].(map[string]any)
			if inv["total"] != "337.50" || inv["subtotal"] != "337.50" || inv["tax"] != "0.00" {
				t.Errorf("totals = %v / %v / %v", inv["subtotal"], inv["tax"], inv["total"])
			}
			if _, ok := inv["number"].(string); !ok {
				t.Errorf("number %v is not a string", inv["number"])
			}
			lines := inv["line_items"].([]any)
			if len(lines) != 2 || lines[0].(map[string]any)["price"] != "125.00" || lines[0].(map[string]any)["quantity"] != "1.5" {
				t.Errorf("lines = %v", lines)
			}
			if got, _ := srv.Ticket(tk.ID); got.Status != tt.wantStatus {
				t.Errorf("ticket status = %s, want %s", got.Status, tt.wantStatus)
			}
			if got := call(t, srv, "GET", "/invoices?ticket_id="+itoa(tk.ID), nil).obj(t)["invoices"].([]any); len(got) != 1 {
				t.Errorf("invoices?ticket_id = %d", len(got))
			}
			// Charges already invoiced are not invoiced again.
			again := call(t, srv, "POST", "/invoices", map[string]any{"ticket_id": tk.ID}).obj(t)["invoice"].(map[string]any)
			if again["total"] != "0.00" {
				t.Errorf("second invoice total = %v", again["total"])
			}
			// Invoice line items by product.
			r = call(t, srv, "POST", "/invoices/"+again["number"].(string)+"/line_items", map[string]any{"product_id": 31877, "quantity": 2})
			if got := r.obj(t)["invoice"].(map[string]any)["total"]; got != "17.98" {
				t.Errorf("after adding 2 cables total = %v", got)
			}
		})
	}
}

func TestFaults_EachKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault      syncrotest.Fault
		status     int
		retryAfter bool
		html       bool
		committed  bool
	}{
		{syncrotest.FaultRateLimit, 429, true, false, false},
		{syncrotest.FaultRateLimitNoRetryAfter, 429, false, false, false},
		{syncrotest.FaultRateLimitHTTPDate, 429, true, false, false},
		{syncrotest.FaultServerError, 500, false, true, false},
		{syncrotest.FaultHTML, 200, false, true, false},
		{syncrotest.FaultCommitThenFail, 500, false, true, true},
		{syncrotest.FaultCommitThenGarbage, 200, false, false, true},
		{syncrotest.FaultCommitThenEmpty, 200, false, false, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.fault), func(t *testing.T) {
			t.Parallel()
			srv := newSrv(t)
			id := ticketID(t, srv, syncrotest.SeedTicketPrinter)
			srv.Fail("POST", "/tickets/*/comment", 1, tt.fault)
			before := len(srv.Comments(id))
			r := call(t, srv, "POST", "/tickets/"+itoa(id)+"/comment", map[string]any{"subject": "s", "body": "b"})
			if r.Status != tt.status {
				t.Fatalf("status = %d, want %d", r.Status, tt.status)
			}
			if got := r.Header.Get("Retry-After") != ""; got != tt.retryAfter {
				t.Errorf("Retry-After present = %v (%q)", got, r.Header.Get("Retry-After"))
			}
			if tt.fault == syncrotest.FaultRateLimitHTTPDate {
				if _, err := http.ParseTime(r.Header.Get("Retry-After")); err != nil {
					t.Errorf("Retry-After not an HTTP date: %v", err)
				}
			}
			if tt.status == 429 {
				wantJSON(t, r, 429, `{"error":"`+syncrotest.RateLimitMessage+`"}`)
			}
			if isHTML := strings.HasPrefix(r.Header.Get("Content-Type"), "text/html"); isHTML != tt.html {
				t.Errorf("html = %v", isHTML)
			}
			switch tt.fault {
			case syncrotest.FaultCommitThenGarbage:
				if len(r.Body) == 0 || json.Valid(r.Body) {
					t.Errorf("body %q: want a cut-off answer that is not JSON", r.Body)
				}
			case syncrotest.FaultCommitThenEmpty:
				wantJSON(t, r, 200, `{}`)
			}
			if got := len(srv.Comments(id)) - before; got != map[bool]int{true: 1, false: 0}[tt.committed] {
				t.Errorf("comments added = %d, committed want %v", got, tt.committed)
			}
			// The fault is used up: the next request works.
			if r := call(t, srv, "POST", "/tickets/"+itoa(id)+"/comment", map[string]any{"subject": "s", "body": "b"}); r.Status != 200 {
				t.Errorf("after the fault: %d", r.Status)
			}
		})
	}
}

// TestFaults_AimedByHeader: a request naming a fault in FaultHeader gets
// that fault, whatever Fail queued; the queued fault waits for the next
// request; an unknown name is refused; a Server not told to honour the
// header ignores it.
func TestFaults_AimedByHeader(t *testing.T) {
	t.Parallel()
	post := func(srv *syncrotest.Server, id int64, fault string) resp {
		t.Helper()
		req, err := http.NewRequest("POST", srv.URL()+"/tickets/"+itoa(id)+"/comment", strings.NewReader(`{"subject":"s","body":"b"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+syncrotest.DefaultAPIKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(syncrotest.FaultHeader, fault)
		return send(t, req)
	}
	srv := newSrv(t, syncrotest.WithFaultHeader())
	id := ticketID(t, srv, syncrotest.SeedTicketPrinter)
	srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultServerError)
	before := len(srv.Comments(id))
	if r := post(srv, id, syncrotest.FaultCommitThenEmpty.String()); r.Status != 200 || string(r.Body) != "{}" {
		t.Errorf("aimed FaultCommitThenEmpty: %d %s", r.Status, r.Body)
	}
	if r := post(srv, id, ""); r.Status != 500 {
		t.Errorf("the queued fault after an aimed one: %d, want 500", r.Status)
	}
	if r := post(srv, id, "FaultNoSuchThing"); r.Status != 400 {
		t.Errorf("unknown fault name: %d, want 400", r.Status)
	}
	if got := len(srv.Comments(id)) - before; got != 1 {
		t.Errorf("%d comments written, want the one the aimed fault committed", got)
	}

	plain := newSrv(t)
	if r := post(plain, ticketID(t, plain, syncrotest.SeedTicketPrinter), syncrotest.FaultServerError.String()); r.Status != 200 {
		t.Errorf("a Server without WithFaultHeader honoured it: %d", r.Status)
	}
}

func TestFaults_CountAndMatching(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	srv.Fail("GET", "/tickets", 2, syncrotest.FaultServerError)
	srv.Fail("", "/customers/**", 1, syncrotest.FaultRateLimit)
	if r := call(t, srv, "GET", "/tickets/settings", nil); r.Status != 200 {
		t.Errorf("non-matching path hit the fault: %d", r.Status)
	}
	got := []int{}
	for range 3 {
		got = append(got, call(t, srv, "GET", "/tickets", nil).Status)
	}
	if fmt.Sprint(got) != "[500 500 200]" {
		t.Errorf("statuses = %v", got)
	}
	if r := call(t, srv, "GET", "/customers/autocomplete?query=x", nil); r.Status != 429 {
		t.Errorf("prefix pattern: %d", r.Status)
	}
	srv.Fail("*", "/me", 5, syncrotest.FaultHTML)
	srv.ClearFaults()
	if r := call(t, srv, "GET", "/me", nil); r.Status != 200 || strings.Contains(string(r.Body), "<html>") {
		t.Errorf("ClearFaults did not clear")
	}
}

func TestFaults_HangUntilReleaseOrContextEnd(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	srv.Fail("GET", "/me", 1, syncrotest.FaultHang)
	done := make(chan resp, 1)
	go func() {
		req, _ := http.NewRequest("GET", srv.URL()+"/me", nil)
		req.Header.Set("Authorization", syncrotest.DefaultAPIKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- resp{}
			return
		}
		res.Body.Close()
		done <- resp{Status: res.StatusCode}
	}()
	// Release once the request is held.
	for srv.Held() != 1 {
		select {
		case r := <-done:
			t.Fatalf("request answered (status %d) before it was released", r.Status)
		default:
			runtime.Gosched()
		}
	}
	srv.ReleaseHangs()
	if r := <-done; r.Status != 200 {
		t.Errorf("released request status = %d", r.Status)
	}
	if n := srv.Held(); n != 0 {
		t.Errorf("Held() = %d after the release, want 0", n)
	}

	srv.Fail("GET", "/me", 1, syncrotest.FaultHang)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+"/me", nil)
	req.Header.Set("Authorization", syncrotest.DefaultAPIKey)
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hung request error = %v, want deadline exceeded", err)
	}
}

func TestRateLimit_SlidingWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		style syncrotest.RetryAfterStyle
		check func(t *testing.T, h string)
	}{
		{"seconds", syncrotest.RetryAfterSeconds, func(t *testing.T, h string) {
			if h != "60" {
				t.Errorf("Retry-After = %q, want 60", h)
			}
		}},
		{"http date", syncrotest.RetryAfterHTTPDate, func(t *testing.T, h string) {
			if at, err := http.ParseTime(h); err != nil || !at.Equal(syncrotest.SeedNow.Add(time.Minute)) {
				t.Errorf("Retry-After = %q (%v)", h, err)
			}
		}},
		{"none", syncrotest.RetryAfterNone, func(t *testing.T, h string) {
			if h != "" {
				t.Errorf("Retry-After = %q, want none", h)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := syncrotest.NewManualClock(syncrotest.SeedNow)
			srv := syncrotest.NewServer(t, syncrotest.WithClock(clock.Now), syncrotest.WithRateLimit(3), syncrotest.WithRetryAfter(tt.style))
			for i := range 3 {
				if r := call(t, srv, "GET", "/me", nil); r.Status != 200 {
					t.Fatalf("request %d: %d", i, r.Status)
				}
			}
			r := call(t, srv, "GET", "/me", nil)
			wantJSON(t, r, 429, `{"error":"Rate limit exceeded. Please wait before making more requests."}`)
			tt.check(t, r.Header.Get("Retry-After"))
			clock.Advance(59 * time.Second)
			if r := call(t, srv, "GET", "/me", nil); r.Status != 429 {
				t.Errorf("still inside the window: %d", r.Status)
			} else if tt.style == syncrotest.RetryAfterSeconds && r.Header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After after 59 s = %q", r.Header.Get("Retry-After"))
			}
			clock.Advance(time.Second)
			if r := call(t, srv, "GET", "/me", nil); r.Status != 200 {
				t.Errorf("window slid: %d", r.Status)
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		srv := newSrv(t, syncrotest.WithRateLimit(0))
		for range 200 {
			if r := call(t, srv, "GET", "/me", nil); r.Status != 200 {
				t.Fatalf("limited with rate limit off: %d", r.Status)
			}
		}
	})
	t.Run("default 180", func(t *testing.T) {
		t.Parallel()
		srv := newSrv(t)
		codes := map[int]int{}
		for range 181 {
			codes[call(t, srv, "GET", "/me", nil).Status]++
		}
		if codes[200] != 180 || codes[429] != 1 {
			t.Errorf("codes = %v", codes)
		}
	})
}

func TestRequestLog_RecordsWithoutKey(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	id := itoa(ticketID(t, srv, syncrotest.SeedTicketPrinter))
	req, _ := http.NewRequest("GET", srv.URL()+"/tickets?status=New&api_key="+syncrotest.DefaultAPIKey, nil)
	send(t, req)
	call(t, srv, "POST", "/tickets/"+id+"/comment", map[string]any{"subject": "s", "body": "logged body"})
	call(t, srv, "GET", "/tickets/1", nil)
	log := srv.Requests()
	if len(log) != 3 {
		t.Fatalf("log has %d entries", len(log))
	}
	if log[0].Method != "GET" || log[0].Path != "/tickets" || log[0].Query != "status=New" || log[0].Status != 200 {
		t.Errorf("entry 0 = %+v", log[0])
	}
	if !strings.Contains(log[1].Body, "logged body") || log[1].Path != "/tickets/"+id+"/comment" || !strings.Contains(log[1].Response, `"comment"`) {
		t.Errorf("entry 1 = %+v", log[1])
	}
	if log[2].Status != 404 || !log[0].Time.Equal(syncrotest.SeedNow) {
		t.Errorf("entry 2 = %+v", log[2])
	}
	if n := srv.Count("GET", "/tickets"); n != 2 {
		t.Errorf("Count(GET, /tickets) = %d", n)
	}
	if n := srv.Count("", "/tickets/"+id); n != 1 {
		t.Errorf("Count(any, comment path) = %d", n)
	}
	srv.ResetLog()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("after ResetLog: %d", n)
	}
}

func TestCustomersAndContacts(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	names := func(path string) []string {
		var out []string
		for _, c := range call(t, srv, "GET", path, nil).obj(t)["customers"].([]any) {
			out = append(out, c.(map[string]any)["business_then_name"].(string))
		}
		return out
	}
	if got := names("/customers?query=acme"); fmt.Sprint(got) != "[ACME Corporation Acme Corp.]" && fmt.Sprint(got) != "[Acme Corp. ACME Corporation]" {
		t.Errorf("acme = %v", got)
	}
	if got := names("/customers?business_name=smith"); len(got) != 2 {
		t.Errorf("smith = %v", got)
	}
	if got := names("/customers?email=casey@pingers.example"); fmt.Sprint(got) != "[<!channel> Pingers]" {
		t.Errorf("email = %v", got)
	}
	if got := names("/customers?firstname=margaret&lastname=ellison"); fmt.Sprint(got) != "[Margaret Ellison]" {
		t.Errorf("person = %v", got)
	}
	r := call(t, srv, "POST", "/customers", map[string]any{"firstname": "Jo", "lastname": "Park", "phone": "(503) 555-9999"})
	c := r.obj(t)["customer"].(map[string]any)
	if c["business_then_name"] != "Jo Park" || c["fullname"] != "Jo Park" {
		t.Errorf("customer = %v", c)
	}
	cid := int64(c["id"].(float64))
	detail := call(t, srv, "GET", "/customers/"+itoa(cid), nil).obj(t)["customer"].(map[string]any)
	if ph := detail["phones"].([]any); len(ph) != 1 || ph[0].(map[string]any)["number"] != "5035559999" {
		t.Errorf("phones = %v", ph)
	}
	r = call(t, srv, "POST", "/contacts", map[string]any{"customer_id": cid, "name": "Jo Park", "email": "jo@park.example", "title": "Owner"})
	k := r.obj(t)
	if k["properties"].(map[string]any)["title"] != "Owner" {
		t.Errorf("title not in properties: %v", k)
	}
	if _, ok := k["title"]; ok {
		t.Error("title must not be top-level")
	}
	list := call(t, srv, "GET", "/contacts?customer_id="+itoa(cid), nil).obj(t)["contacts"].([]any)
	if len(list) != 1 {
		t.Errorf("contacts of new customer = %d", len(list))
	}
}

func TestConcurrentWritesAreSafe(t *testing.T) {
	t.Parallel()
	srv := newSrv(t, syncrotest.WithRateLimit(0))
	id := ticketID(t, srv, syncrotest.SeedTicketPrinter)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				call(t, srv, "POST", "/tickets/"+itoa(id)+"/comment", map[string]any{"subject": "s", "body": fmt.Sprint(i, j)})
				srv.Comments(id)
				srv.Requests()
			}
		})
	}
	wg.Wait()
	if n := len(srv.Comments(id)); n != 41 {
		t.Errorf("comments = %d, want 41", n)
	}
}

func TestSeed_DocumentedFacts(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	tests := []struct {
		number            int64
		subject, customer string
		status            string
		user              int64
	}{
		{syncrotest.SeedTicketOwnCloud, "Own cloud thing again", "Acme Corp.", "In Progress", syncrotest.UserMarcus},
		{syncrotest.SeedTicketPrinter, "Printer offline in accounting", "Smith & Sons", "New", 0},
		{syncrotest.SeedTicketPingers, "Slack keeps pinging everyone at 3am", "<!channel> Pingers", "Waiting on Customer", syncrotest.UserPriya},
		{syncrotest.SeedTicketNAS, "Replace failing NAS drive", "ACME Corporation", "Resolved", syncrotest.UserTom},
		{syncrotest.SeedTicketMigration, "Email migration for new hires", "Smith and Sons LLC", "Invoiced", syncrotest.UserPriya},
		{syncrotest.SeedTicketLongLog, "Server event log review", "Kestrel Engineering", "In Progress", syncrotest.UserLena},
		{syncrotest.SeedTicketVPN, "VPN drops every afternoon", "Evergreen Accounting", "New", syncrotest.UserLena},
	}
	for _, tt := range tests {
		tk, ok := srv.TicketByNumber(tt.number)
		if !ok {
			t.Fatalf("no #%d", tt.number)
		}
		cu, _ := srv.Customer(tk.CustomerID)
		if tk.Subject != tt.subject || cu.BusinessThenName() != tt.customer || tk.Status != tt.status || tk.UserID != tt.user {
			t.Errorf("#%d = %q %q %q user %d", tt.number, tk.Subject, cu.BusinessThenName(), tk.Status, tk.UserID)
		}
	}
	statuses := map[string]bool{}
	for _, tk := range srv.Tickets() {
		statuses[tk.Status] = true
	}
	for _, s := range srv.StatusList() {
		if !statuses[s] {
			t.Errorf("no seed ticket in status %q", s)
		}
	}
	var long, script, hidden bool
	for _, tk := range srv.Tickets() {
		for _, c := range srv.Comments(tk.ID) {
			long = long || len(c.Body) > 3000
			script = script || strings.Contains(c.Body, "<script>")
			hidden = hidden || c.Hidden
		}
	}
	if !long || !script || !hidden {
		t.Errorf("long %v script %v hidden %v", long, script, hidden)
	}
	mig, _ := srv.TicketByNumber(syncrotest.SeedTicketMigration)
	var paid bool
	for _, inv := range srv.Invoices() {
		paid = paid || inv.TicketID == mig.ID && inv.IsPaid
	}
	if !paid {
		t.Error("migration ticket has no paid invoice")
	}
	// Two seeded servers are identical.
	a := call(t, srv, "GET", "/tickets?per_page=100", nil).Body
	b := call(t, newSrv(t), "GET", "/tickets?per_page=100", nil).Body
	if string(a) != string(b) {
		t.Error("seed is not deterministic")
	}
}

func TestOptions_PageSizeLocationAndSeed(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	srv := newSrv(t, syncrotest.WithPageSize(syncrotest.EndpointTickets, 7), syncrotest.WithLocation(ny), syncrotest.WithSeed(false))
	if n := len(srv.Tickets()); n != 0 {
		t.Fatalf("WithSeed(false) has %d tickets", n)
	}
	srv.Seed()
	m := call(t, srv, "GET", "/tickets", nil).obj(t)
	if got := len(m["tickets"].([]any)); got != 7 {
		t.Errorf("page size = %d, want 7", got)
	}
	if meta := m["meta"].(map[string]any); meta["total_pages"] != 12.0 || meta["per_page"] != 7.0 {
		t.Errorf("meta = %v", meta)
	}
	ts := m["tickets"].([]any)[0].(map[string]any)["created_at"].(string)
	if !strings.HasSuffix(ts, ".000-05:00") {
		t.Errorf("created_at = %q, want New York offset", ts)
	}
	srv.Reset()
	wantJSON(t, call(t, srv, "GET", "/users", nil), 200, `{"users":[]}`)
}

// TestOptions_MaxPerPage: an endpoint capped below MaxPerPage answers a
// bigger per_page with its cap, and says so in meta; others are not
// capped.
func TestOptions_MaxPerPage(t *testing.T) {
	t.Parallel()
	srv := newSrv(t, syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 9))
	m := call(t, srv, "GET", "/tickets?per_page=100&page=2", nil).obj(t)
	if got := len(m["tickets"].([]any)); got != 9 {
		t.Errorf("tickets on page 2 = %d, want 9", got)
	}
	if meta := m["meta"].(map[string]any); meta["per_page"] != 9.0 || meta["total_pages"] != 9.0 {
		t.Errorf("meta = %v", meta)
	}
	if got := len(call(t, srv, "GET", "/customers?per_page=100", nil).obj(t)["customers"].([]any)); got != 40 {
		t.Errorf("customers = %d, want all 40 on one page", got)
	}
}

// TestClock_DateHeaderIsTheServersClock: like any HTTP server, the fake
// stamps each answer (errors included) with its own clock, so a client can
// measure on Syncro's clock rather than its own.
func TestClock_DateHeaderIsTheServersClock(t *testing.T) {
	t.Parallel()
	clock := syncrotest.NewManualClock(syncrotest.SeedNow.Add(-3 * 365 * 24 * time.Hour))
	srv := syncrotest.NewServer(t, syncrotest.WithClock(clock.Now))
	for _, path := range []string{"/tickets", "/tickets/999999999"} {
		r := call(t, srv, "GET", path, nil)
		if got, err := http.ParseTime(r.Header.Get("Date")); err != nil || !got.Equal(clock.Now().Truncate(time.Second)) {
			t.Errorf("GET %s: Date %q (%v), want the fake's clock %v", path, r.Header.Get("Date"), err, clock.Now())
		}
		clock.Advance(90 * time.Second)
	}
}

func TestFaults_ReleaseOneFreesOnlyThatPath(t *testing.T) {
	t.Parallel()
	srv := newSrv(t)
	srv.Fail("GET", "/me", 1, syncrotest.FaultHang)
	srv.Fail("GET", "/users", 1, syncrotest.FaultHang)
	done := make(chan string, 2)
	for _, p := range []string{"/me", "/users"} {
		go func() {
			req, _ := http.NewRequest("GET", srv.URL()+p, nil)
			req.Header.Set("Authorization", syncrotest.DefaultAPIKey)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
			done <- p
		}()
	}
	for srv.Held() != 2 {
		runtime.Gosched()
	}
	if srv.ReleaseOne("/tickets") {
		t.Errorf("ReleaseOne released a path nothing holds")
	}
	if !srv.ReleaseOne("/users") {
		t.Fatalf("ReleaseOne(/users) found nothing held; held %v", srv.HeldPaths())
	}
	if p := <-done; p != "/users" {
		t.Errorf("%s was answered, want /users", p)
	}
	if got := srv.HeldPaths(); len(got) != 1 || got[0] != "/me" {
		t.Errorf("HeldPaths() = %v, want [/me]", got)
	}
	srv.ReleaseHangs()
	<-done
}
