package home_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestResolved_WhatTheSearchCouldNotTellIsSaid: a ticket whose invoices
// Syncro did not give is neither listed as not invoiced nor left out
// unsaid, and when the bounds stop the search the list says so instead
// of passing for all of them; either way each ticket listed is one no
// invoice names, and the reads stay within the bounds.
func TestResolved_WhatTheSearchCouldNotTellIsSaid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []syncrotest.Option
		// added Resolved tickets of Dana's (beside the seed's two), the
		// first invoiced of them invoiced in the web app.
		added, invoiced int
		fail            bool
		wantNote        []string
		wantNone        bool
	}{
		{name: "invoices unreadable", added: 1, fail: true,
			wantNote: []string{"couldn't check 3 resolved tickets for an invoice"}, wantNone: true},
		{name: "past every bound", added: 12, invoiced: 6,
			opts:     []syncrotest.Option{syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 5), syncrotest.WithMaxPerPage(syncrotest.EndpointInvoices, 1)},
			wantNote: []string{"more resolved ticket", "and older ones, not looked at: see"}},
		{name: "older tickets past the pages", added: 12,
			opts:     []syncrotest.Option{syncrotest.WithMaxPerPage(syncrotest.EndpointTickets, 5)},
			wantNote: []string{"…and older resolved tickets not looked at: see"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hf, f, c := summaryRig(t, tc.opts...)
			cust := f.Ticket(t, syncrotest.SeedTicketOwnCloud).CustomerID
			for i := range tc.added {
				tk := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Resolved " + strconv.Itoa(i), CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: syncrotest.SeedNow})
				if i < tc.invoiced {
					invoiceInWebApp(t, c, tk)
				}
			}
			f.Srv.ResetLog()
			if tc.fail {
				f.Srv.Fail("GET", "/invoices", 1000, syncrotest.FaultServerError)
			}
			s, err := hf.Summary(t.Context(), commandstest.Dana, syncrotest.SeedNow.Truncate(24*time.Hour), false)
			if err != nil {
				t.Fatal(err)
			}
			unbilled := f.Srv.ResolvedNotInvoiced(syncrotest.UserDana)
			for _, tk := range s.Resolved {
				if !slices.Contains(unbilled, tk.ID) {
					t.Errorf("ticket %d listed as not invoiced; Syncro holds an invoice naming it", tk.ID)
				}
			}
			for _, w := range tc.wantNote {
				if !strings.Contains(s.ResolvedNote, w) {
					t.Errorf("note %q does not say %q", s.ResolvedNote, w)
				}
			}
			if tc.wantNone && len(s.Resolved) > 0 || !tc.wantNone && len(s.Resolved) == 0 {
				t.Errorf("listed %d tickets", len(s.Resolved))
			}
			if s.Empty() {
				t.Error("a summary whose list could not be told whole is empty")
			}
			// At most invoicePages plus invoiceChecks reads of invoices
			// (a failed read is retried by the client, so not counted).
			if n := f.Srv.Count("GET", "/invoices"); !tc.fail && n > 4+5 {
				t.Errorf("%d GET /invoices; want at most 9", n)
			}
			v, ok := f.C.Home(t.Context(), commandstest.Dana)
			if !ok {
				t.Fatal("no Home registered")
			}
			home := string(viewJSON(t, v))
			if strings.Contains(home, "every ticket you resolved is invoiced") || !strings.Contains(home, tc.wantNote[0]) {
				t.Errorf("the Home does not say what its list could not tell (%q):\n%s", tc.wantNote[0], home)
			}
		})
	}
}

// TestRender_ResolvedNoteGoldens: the Home's resolved list with what the
// search could not tell under it, with tickets found and with none (not
// "every ticket you resolved is invoiced").
func TestRender_ResolvedNoteGoldens(t *testing.T) {
	t.Parallel()
	d := home.Day{
		Now: time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC), CanBill: true, WebURL: "https://bayline.syncromsp.com",
		Resolved: []syncro.Ticket{summaryTicket(1), summaryTicket(2)},
		ResolvedNote: "Sorry, I couldn't check 2 resolved tickets for an invoice. Something went wrong on our side (error id 0000abcd).\n" +
			"…and 4 more resolved tickets, and older ones, not looked at: see <https://bayline.syncromsp.com/tickets|Syncro> for them.",
	}
	commandstest.Golden(t, "home_resolved_note.golden", viewJSON(t, home.Render(d)))
	d.Resolved = nil
	commandstest.Golden(t, "home_resolved_note_none_found.golden", viewJSON(t, home.Render(d)))
}
