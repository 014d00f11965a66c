package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_ResolvedNotInvoicedIsWhatSyncrosInvoicesSay: Dana's 30 newest
// resolved tickets were invoiced in Syncro's web app, their status left
// at Resolved; an older one of hers never was, past the first page of
// her resolved tickets (Syncro pages tickets and invoices by 25 here).
// Her Home (views.publish) and her end-of-day summary list under
// "Resolved, not invoiced yet" exactly her Resolved tickets no invoice in
// Syncro names: the older one (and the seed's two), none of the 30.
func TestE2E_ResolvedNotInvoicedIsWhatSyncrosInvoicesSay(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaIn(t, "America/Chicago", func(loc *time.Location) time.Time { return time.Date(2026, 12, 7, 16, 0, 0, 0, loc) },
		syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 25), syncrotest.WithMaxPerPage(syncrotest.EndpointInvoices, 25),
		// The test's 120 web-app writes are not the bot's budget.
		syncrotest.WithRateLimit(1<<20))
	srv, web := fx.srv, busyWebApp(t, fx.srv)
	cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
	resolve := func(subject string) syncrotest.Ticket {
		return srv.AddTicket(syncrotest.Ticket{Subject: subject, CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: clk.Now()})
	}
	waiting := resolve("Resolved, never invoiced")
	var invoiced []syncrotest.Ticket
	for i := range 30 {
		tk := resolve("Invoiced in the web app " + strconv.Itoa(i))
		start, dana := clk.Now().Add(-time.Hour), syncrotest.UserDana
		tm, _, err := web.Timers.Add(ctx, tk.ID, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: syncro.Ptr(15), UserID: &dana})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := web.Timers.Charge(ctx, tk.ID, tm.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := web.Invoices.CreateFromTicket(ctx, tk.ID, cust, ""); err != nil {
			t.Fatal(err)
		}
		invoiced = append(invoiced, tk)
	}
	first, _, err := web.Tickets.List(ctx, &syncro.TicketListOptions{Status: "Resolved", UserID: syncrotest.UserDana})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(first, func(tk syncro.Ticket) bool { return tk.ID == waiting.ID }) {
		t.Fatalf("the never-invoiced ticket is on the first page of Dana's resolved tickets (%d); the test wants it past it", len(first))
	}
	want := srv.ResolvedNotInvoiced(syncrotest.UserDana)

	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	home := b.waitHome(ctx, t, 0, "Resolved, not invoiced yet", fmt.Sprintf("home_resolved_%d\"", waiting.ID))
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Resolved, not invoiced yet")
	for _, shown := range []struct{ where, blocks, prefix string }{
		{"Home", string(home.JSON), "home_resolved_"},
		{"summary", string(dm.Blocks), "summary_resolved_"},
	} {
		if got := listedTickets(srv, shown.blocks, shown.prefix); !slices.Equal(got, want) {
			t.Errorf("Dana's %s lists %v as resolved, not invoiced; Syncro holds %v as her Resolved tickets no invoice names (the 30 invoiced: %v):\n%s",
				shown.where, got, want, ticketIDsOf(invoiced), shown.blocks)
		}
		if strings.Contains(shown.blocks, "not looked at") || strings.Contains(shown.blocks, "couldn't check") {
			t.Errorf("Dana's %s says its list is not whole; every ticket was within the bounds:\n%s", shown.where, shown.blocks)
		}
	}
}

// ticketIDsOf is the tickets' ids.
func ticketIDsOf(ts []syncrotest.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}

// TestE2E_ResolvedListSaysWhatItCouldNotTell: Dana's Home (views.publish)
// says which of her resolved tickets it could not tell, never listing
// them as not invoiced nor claiming every one is invoiced: when Syncro
// gives no invoices (GET /invoices answering 500), and when she has more
// resolved tickets than the two pages the list reads (50 more, Syncro
// paging tickets by 25 here).
func TestE2E_ResolvedListSaysWhatItCouldNotTell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   []syncrotest.Option
		more   int
		fail   bool
		want   string
		listed bool
	}{
		{name: "invoices unreadable", fail: true, want: "couldn't check 3 resolved tickets for an invoice"},
		{name: "past two pages", opts: []syncrotest.Option{syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 25)}, more: 50,
			want: "older resolved tickets not looked at: see", listed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t, tc.opts...)
			cust := ticketByNumber(t, fx.srv, syncrotest.SeedTicketOwnCloud).CustomerID
			for i := range 1 + tc.more {
				fx.srv.AddTicket(syncrotest.Ticket{Subject: "Resolved, never invoiced " + strconv.Itoa(i), CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: time.Now()})
			}
			if tc.fail {
				fx.srv.Fail("GET", "/invoices", 1000, syncrotest.FaultServerError)
			}
			b := fx.start(ctx, t)
			b.openHome(ctx, t)
			home := string(b.waitHome(ctx, t, 0, "Resolved, not invoiced yet", tc.want).JSON)
			if strings.Contains(home, "every ticket you resolved is invoiced") || strings.Contains(home, "home_resolved_") != tc.listed {
				t.Errorf("Dana's Home, its list not whole (%q), lists tickets: %v, want %v; or says every one is invoiced:\n%s", tc.want, !tc.listed, tc.listed, home)
			}
		})
	}
}

// busyWebApp is webApp without the client's throttle: a test's many
// web-app writes are not the bot's budget (its Syncro made
// WithRateLimit(1<<20)).
func busyWebApp(t *testing.T, srv *syncrotest.Server) *syncro.Client {
	t.Helper()
	web, err := syncro.NewClient(syncro.Config{BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return web
}

// listedTickets is the ids of the tickets blocks list with block ids
// prefix+id (home_resolved_, summary_resolved_), in id order.
func listedTickets(srv *syncrotest.Server, blocks, prefix string) []int64 {
	var got []int64
	for _, tk := range srv.Tickets() {
		if strings.Contains(blocks, fmt.Sprintf("%s%d\"", prefix, tk.ID)) {
			got = append(got, tk.ID)
		}
	}
	return got
}

// resolvedPart is the Home's "Resolved, not invoiced yet" part, as far
// as the summary settings after it, for a failure's message.
func resolvedPart(home string) string {
	_, part, _ := strings.Cut(home, "Resolved, not invoiced yet")
	part, _, _ = strings.Cut(part, "End-of-day summary")
	return part
}

// TestE2E_ResolvedListWhenSyncroGivesNoPagingInfo: Syncro's lists may
// come without meta (docs/syncro-api.md, Pagination: several of its
// examples show none), so the answer does not say whether a page
// follows. Dana's Home (views.publish) still lists as resolved, not
// invoiced yet, exactly her Resolved tickets no invoice in Syncro names:
//   - invoices without meta: her ticket invoiced in the web app (status
//     left at Resolved) whose invoice is past the first page of 25, under
//     25 newer invoices of Tom's tickets, is not listed;
//   - tickets without meta: her ticket never invoiced, past the first
//     page of 25 of her resolved tickets invoiced in the web app, is
//     listed, and the Home does not say every ticket she resolved is
//     invoiced.
func TestE2E_ResolvedListWhenSyncroGivesNoPagingInfo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		e    syncrotest.Endpoint
	}{
		{"invoices without meta", syncrotest.EndpointInvoices},
		{"tickets without meta", syncrotest.EndpointTickets},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t, syncrotest.WithoutMeta(tc.e),
				syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 25), syncrotest.WithMaxPerPage(syncrotest.EndpointInvoices, 25),
				syncrotest.WithRateLimit(1<<20))
			srv, web := fx.srv, busyWebApp(t, fx.srv)
			cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
			resolve := func(user int64, subject string) syncrotest.Ticket {
				return srv.AddTicket(syncrotest.Ticket{Subject: subject, CustomerID: cust, UserID: user, Status: "Resolved", ResolvedAt: time.Now()})
			}
			invoice := func(tk syncrotest.Ticket) {
				t.Helper()
				if _, _, err := web.Invoices.CreateFromTicket(ctx, tk.ID, cust, ""); err != nil {
					t.Fatal(err)
				}
			}
			var watched syncrotest.Ticket
			switch tc.e {
			case syncrotest.EndpointInvoices:
				watched = resolve(syncrotest.UserDana, "Invoiced in the web app, its invoice on page 2")
				invoice(watched)
				for i := range 25 {
					invoice(resolve(syncrotest.UserTom, "Tom's, invoiced later "+strconv.Itoa(i)))
				}
			case syncrotest.EndpointTickets:
				watched = resolve(syncrotest.UserDana, "Resolved, never invoiced, on page 2")
				for i := range 25 {
					tk := resolve(syncrotest.UserDana, "Invoiced in the web app "+strconv.Itoa(i))
					invoice(tk)
				}
			}
			want := srv.ResolvedNotInvoiced(syncrotest.UserDana)

			b := fx.start(ctx, t)
			b.openHome(ctx, t)
			home := string(b.waitHome(ctx, t, 0, "Resolved, not invoiced yet").JSON)
			if got := listedTickets(srv, home, "home_resolved_"); !slices.Equal(got, want) {
				t.Errorf("Dana's Home lists %v as resolved, not invoiced; Syncro holds %v as her Resolved tickets no invoice names (watched: #%d):\n%s",
					got, want, watched.ID, resolvedPart(home))
			}
			if strings.Contains(home, "every ticket you resolved is invoiced") {
				t.Errorf("Dana's Home says every ticket she resolved is invoiced; Syncro holds %v not invoiced:\n%s", want, resolvedPart(home))
			}
		})
	}
}
