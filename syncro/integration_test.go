package syncro_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// newPair starts the in-memory Syncro and a client for it whose retry
// sleeps are instant (the fake's Retry-After is 30 s).
func newPair(t *testing.T, opts ...syncrotest.Option) (*syncrotest.Server, *syncro.Client, *[]time.Duration) {
	t.Helper()
	srv := syncrotest.NewServer(t, opts...)
	var slept []time.Duration
	c, err := syncro.NewClient(syncro.Config{
		BaseURL:       srv.URL(),
		APIKey:        syncrotest.DefaultAPIKey,
		RatePerMinute: 100000,
		Sleep:         func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, &slept
}

func TestIntegration_ReadPaths(t *testing.T) {
	t.Parallel()
	srv, c, _ := newPair(t, syncrotest.WithPageSize(syncrotest.EndpointTickets, 2))
	ctx := t.Context()

	me, _, err := c.Users.Me(ctx)
	if err != nil || me.UserID != syncrotest.UserDana {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	users, err := syncro.Collect(c.Users.All(ctx))
	if err != nil || len(users) != len(srv.Users()) {
		t.Fatalf("users = %v, %v", users, err)
	}
	st, _, err := c.Tickets.Settings(ctx)
	if err != nil || !slices.Equal(st.TicketStatusList, syncrotest.Statuses) || st.DefaultLaborProductID == nil || *st.DefaultLaborProductID != syncrotest.ProductLaborRemote {
		t.Fatalf("ticket settings = %+v, %v", st, err)
	}
	as, _, err := c.Settings.Get(ctx)
	if err != nil || !slices.Equal(as.Ticket.ProblemTypes, syncrotest.ProblemTypes) {
		t.Fatalf("settings = %+v, %v", as, err)
	}

	tk, _, err := c.Tickets.FindByNumber(ctx, strconv.FormatInt(syncrotest.SeedTicketOwnCloud, 10))
	if err != nil || tk.Subject != "Own cloud thing again" {
		t.Fatalf("FindByNumber = %+v, %v", tk, err)
	}
	full, _, err := c.Tickets.Get(ctx, tk.ID)
	if err != nil || full.ID != tk.ID {
		t.Fatalf("Get = %+v, %v", full, err)
	}
	if _, off := full.UpdatedAt.Zone(); off == 0 {
		t.Errorf("timestamp offset lost: %v", full.UpdatedAt)
	}
	if _, _, err := c.Tickets.FindByNumber(ctx, "999999"); !errors.Is(err, syncro.ErrNotFound) {
		t.Errorf("unknown number: %v", err)
	}
	if _, _, err := c.Tickets.Get(ctx, 1); !errors.Is(err, syncro.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}

	open, err := syncro.Collect(c.Tickets.All(ctx, &syncro.TicketListOptions{Status: syncro.StatusNotClosed, ListOptions: syncro.ListOptions{PerPage: 2}}))
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, st := range srv.Tickets() {
		if st.Status != "Resolved" && st.Status != "Invoiced" && st.Status != "Closed" {
			want++
		}
	}
	if len(open) != want || want < 3 {
		t.Errorf("open tickets = %d, want %d (paged 2 at a time)", len(open), want)
	}

	timers, _, err := c.Timers.List(ctx, &syncro.TimerListOptions{TicketID: tk.ID})
	if err != nil || len(timers) == 0 {
		t.Errorf("timers = %v, %v", timers, err)
	}
}

func TestIntegration_WorkATicket(t *testing.T) {
	t.Parallel()
	srv, c, _ := newPair(t)
	ctx := t.Context()
	customers := srv.Customers()
	if len(customers) == 0 {
		t.Fatal("no seed customers")
	}
	tk, _, err := c.Tickets.Create(ctx, &syncro.TicketRequest{
		CustomerID: syncro.Ptr(customers[0].ID), Subject: syncro.Ptr("Laptop will not boot"),
		ProblemType: syncro.Ptr("Helpdesk"), UserID: syncro.Ptr(syncrotest.UserMarcus),
		Comments: []syncro.CommentRequest{{Subject: "Initial Issue", Body: "Black screen", Hidden: true, DoNotEmail: true}},
	})
	if err != nil || tk.ID == 0 || tk.Number == "" {
		t.Fatalf("create = %+v, %v", tk, err)
	}
	if _, _, err := c.Tickets.PostComment(ctx, tk.ID, &syncro.CommentRequest{Subject: "Update", Body: "Reseated RAM", Hidden: true, DoNotEmail: true}); err != nil {
		t.Fatal(err)
	}
	cs, _, err := c.Tickets.ListComments(ctx, tk.ID, nil)
	if err != nil || len(cs) != 2 || cs[0].Body != "Reseated RAM" {
		t.Fatalf("comments (newest first) = %+v, %v", cs, err)
	}
	start := syncrotest.SeedNow.Add(-time.Hour)
	tm, _, err := c.Timers.Add(ctx, tk.ID, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: syncro.Ptr(30),
		ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), Notes: "Diagnosis"})
	if err != nil || tm.ID == 0 {
		t.Fatalf("timer = %+v, %v", tm, err)
	}
	charged, _, err := c.Timers.Charge(ctx, tk.ID, tm.ID)
	if err != nil || !charged.Recorded {
		t.Fatalf("charge = %+v, %v", charged, err)
	}
	up, _, err := c.Tickets.Update(ctx, tk.ID, &syncro.TicketRequest{Status: syncro.Ptr("Resolved")})
	if err != nil || up.Status != "Resolved" {
		t.Fatalf("update = %+v, %v", up, err)
	}
	// Validation errors carry Syncro's words.
	_, _, err = c.Tickets.Update(ctx, tk.ID, &syncro.TicketRequest{Subject: syncro.Ptr("")})
	var se *syncro.Error
	if err != nil && (!errors.Is(err, syncro.ErrValidation) || !errors.As(err, &se) || len(se.Messages) == 0) {
		t.Errorf("blank subject: %v", err)
	}
}

func TestIntegration_InvoiceSeedTicket(t *testing.T) {
	t.Parallel()
	_, c, _ := newPair(t)
	ctx := t.Context()
	tk, _, err := c.Tickets.FindByNumber(ctx, strconv.FormatInt(syncrotest.SeedTicketNAS, 10))
	if err != nil {
		t.Fatal(err)
	}
	before, err := c.Invoices.ForTicket(ctx, tk.ID)
	if err != nil || len(before) != 0 {
		t.Fatalf("invoices before = %v, %v", before, err)
	}
	inv, _, err := c.Invoices.CreateFromTicket(ctx, tk.ID, tk.CustomerID, "Standard")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Total.String() != "337.50" {
		t.Errorf("invoice total = %s, want 337.50", inv.Total)
	}
	byNum, _, err := c.Invoices.GetByNumber(ctx, string(inv.Number))
	if err != nil || byNum.ID != inv.ID {
		t.Errorf("by number = %+v, %v", byNum, err)
	}
	after, err := c.Invoices.ForTicket(ctx, tk.ID)
	if err != nil || len(after) != 1 {
		t.Errorf("invoices after = %v, %v", after, err)
	}
}

func TestIntegration_Faults(t *testing.T) {
	t.Parallel()
	srv, c, slept := newPair(t)
	ctx := t.Context()
	id := int64(0)
	if tk, ok := srv.TicketByNumber(syncrotest.SeedTicketPrinter); ok {
		id = tk.ID
	} else {
		t.Fatal("seed printer ticket missing")
	}
	path := "/tickets/" + strconv.FormatInt(id, 10)

	srv.Fail("GET", path, 1, syncrotest.FaultRateLimit)
	if _, _, err := c.Tickets.Get(ctx, id); err != nil {
		t.Fatalf("429 then ok: %v", err)
	}
	if len(*slept) != 1 || (*slept)[0] != 30*time.Second {
		t.Errorf("slept %v, want [30s]", *slept)
	}

	srv.Fail("GET", path, 1, syncrotest.FaultServerError)
	if _, _, err := c.Tickets.Get(ctx, id); err != nil {
		t.Fatalf("500 then ok: %v", err)
	}

	srv.Fail("POST", path+"/comment", 1, syncrotest.FaultCommitThenFail)
	before := srv.Count("POST", path+"/comment")
	_, _, err := c.Tickets.PostComment(ctx, id, &syncro.CommentRequest{Subject: "Update", Body: "On my way", Hidden: true, DoNotEmail: true})
	if !errors.Is(err, syncro.ErrOutcomeUnknown) {
		t.Fatalf("commit-then-fail: %v", err)
	}
	if n := srv.Count("POST", path+"/comment") - before; n != 1 {
		t.Errorf("POST sent %d times, want 1", n)
	}
	// Reading back shows it landed, so the caller must not post again.
	cs, _, err := c.Tickets.ListComments(ctx, id, nil)
	if err != nil || len(cs) == 0 || cs[0].Body != "On my way" {
		t.Errorf("read back = %+v, %v", cs, err)
	}
}

func TestIntegration_BadKey(t *testing.T) {
	t.Parallel()
	srv := syncrotest.NewServer(t)
	c, err := syncro.NewClient(syncro.Config{BaseURL: srv.URL(), APIKey: "wrong-key"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Users.Me(t.Context()); !errors.Is(err, syncro.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
}
