package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_HomeSaysWhyItCannotShowTheTechsDay: a tech whose email Slack
// does not share, a tech no Syncro user's email matches, and a tech whose
// time Syncro does not give each read why on the Home; none of them reads
// as a day with no tickets or no time.
func TestE2E_HomeSaysWhyItCannotShowTheTechsDay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		email string
		// down makes Syncro answer 500 to every read of the timers.
		down bool
		want []string
		// notWant is what would read as an empty day.
		notWant []string
	}{
		{name: "no_email", want: []string{"users:read.email"}, notWant: []string{"Your open tickets", "No time logged today"}},
		{name: "no_matching_user", email: "nobody@example.com", want: []string{"No Syncro user has your Slack email (nobody@example.com)"}, notWant: []string{"Your open tickets", "No time logged today"}},
		{name: "syncro_down", email: "dana@baylineit.com", down: true, want: []string{"Your time today", "couldn't read today's time", "Your open tickets"}, notWant: []string{"No time logged today"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t)
			fx.f.AddUser(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: tc.email})
			if tc.down {
				fx.srv.Fail("GET", "/ticket_timers", 100, syncrotest.FaultServerError)
			}
			b := fx.start(ctx, t)
			b.openHome(ctx, t)
			home := b.waitHome(ctx, t, 0, tc.want...)
			for _, s := range tc.notWant {
				if strings.Contains(string(home.JSON), s) {
					t.Errorf("the Home shows %q:\n%s", s, home.JSON)
				}
			}
		})
	}
}

// TestE2E_SummaryMissingTimeFromCommentsAndClosesNothingWhenNothingToSay:
// on a fake clock, Dana's 17:00 summary asks "Missing time?" of the
// ticket she commented on and the one she resolved, neither holding a
// timer of hers in Syncro, and not of the one she logged time on nor the
// one only the customer wrote on; the next day, with no work and nothing
// resolved left to invoice, no summary is sent.
func TestE2E_SummaryMissingTimeFromCommentsAndClosesNothingWhenNothingToSay(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 15, 0)
	srv := fx.srv
	// Nothing of the seed's is left to invoice, so the day's summary is
	// about the day's work alone.
	for _, tk := range srv.Tickets() {
		if tk.UserID == syncrotest.UserDana && tk.Status == "Resolved" {
			if err := srv.SetTicketStatus(tk.ID, "Invoiced"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The day's work comes after the seed's, so it is the newest changed.
	clk.Set(time.Date(2026, 12, 7, 16, 0, 0, 0, chicago))
	cust := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud).CustomerID
	add := func(subject string) syncrotest.Ticket {
		return srv.AddTicket(syncrotest.Ticket{Subject: subject, CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"})
	}
	comment := func(tk syncrotest.Ticket, user int64) {
		t.Helper()
		if _, err := srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Worked on it.", UserID: user}); err != nil {
			t.Fatal(err)
		}
	}
	commented := add("Commented, no time")
	comment(commented, syncrotest.UserDana)
	closed := add("Resolved, no time")
	if err := srv.SetTicketStatus(closed.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	timed := add("Commented with time")
	comment(timed, syncrotest.UserDana)
	start, dana := clk.Now().Add(-time.Hour), syncrotest.UserDana
	if _, _, err := webApp(t, srv).Timers.Add(ctx, timed.ID, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: syncro.Ptr(40), UserID: &dana}); err != nil {
		t.Fatal(err)
	}
	customer := add("Only the customer wrote")
	comment(customer, 0)

	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Missing time?", "40m")
	asked := map[int64]bool{}
	var blocks []struct {
		BlockID string `json:"block_id"`
	}
	if err := json.Unmarshal(dm.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, bl := range blocks {
		if id, ok := strings.CutPrefix(bl.BlockID, "summary_missing_"); ok {
			n, _ := strconv.ParseInt(id, 10, 64)
			asked[n] = true
		}
	}
	for _, tc := range []struct {
		tk        syncrotest.Ticket
		want, has bool // asked for missing time; holds a timer
	}{{commented, true, false}, {closed, true, false}, {timed, false, true}, {customer, false, false}} {
		if asked[tc.tk.ID] != tc.want {
			t.Errorf("%q asked for missing time: %v, want %v; summary:\n%s", tc.tk.Subject, asked[tc.tk.ID], tc.want, dm.Blocks)
		}
		// What the summary says must be what Syncro holds.
		if has := len(srv.Timers(tc.tk.ID)) > 0; has != tc.has {
			t.Errorf("%q: Syncro holds timers: %v, want %v", tc.tk.Subject, has, tc.has)
		}
	}

	// The resolved ticket is invoiced the same day; Tuesday brings no work.
	if err := srv.SetTicketStatus(closed.ID, "Invoiced"); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 12, 8, 17, 0, 30, 0, chicago))
	b.waitLog(ctx, t, `"msg":"summary not sent: nothing to say","component":"commands","slack_user":"`+e2eUser+`","day":"2026-12-08"`)
	if n := b.dmsWith("Tue 8 Dec"); n != 0 {
		t.Errorf("Dana got %d summaries of a day with nothing to say; want none", n)
	}
}

// TestE2E_SessionLogSumsTheMinutesByTech: Marcus and Priya log time on a
// ticket, Dana closes it from Slack with a session log; the log written
// sums each tech's minutes as Syncro holds them, under their Syncro
// names, and credits none to the API key's owner.
func TestE2E_SessionLogSumsTheMinutesByTech(t *testing.T) {
	t.Parallel()
	ctx, b, tk, _ := startWhose(t)
	n := itoa64(tk.Number)
	for i, tc := range e2eTechs[1:3] {
		b.slashAs(ctx, t, tc.slackID, fmt.Sprintf("comment %s --time %dm Worked on it, %s.", n, 20+10*i, tc.name))
		b.waitReplyTo(ctx, t, tc.slackID, 0, fmt.Sprintf("%d min logged", 20+10*i))
	}
	data := b.closeWithTime(ctx, t, tk.Number, "Replaced the fuser.", "15m")
	_, byTech, ok := strings.Cut(string(data), "minutes_by_tech:\n")
	if !ok {
		t.Fatalf("the session log has no minutes_by_tech:\n%s", data)
	}
	byTech, _, _ = strings.Cut(byTech, "minutes_total:")
	held := map[int64]int{}
	for _, tm := range b.srv.Timers(tk.ID) {
		held[tm.UserID] += tm.Minutes()
	}
	for _, tc := range e2eTechs {
		line := fmt.Sprintf("  %q: %d\n", tc.syncroName, held[tc.syncroID])
		if held[tc.syncroID] == 0 {
			if strings.Contains(byTech, fmt.Sprintf("%q", tc.syncroName)) {
				t.Errorf("the log credits %s, who holds no time on #%s in Syncro:\n%s", tc.syncroName, n, byTech)
			}
			continue
		}
		if !strings.Contains(byTech, line) {
			t.Errorf("the log's minutes by tech lack %q (Syncro holds %d min of %s's):\n%s", line, held[tc.syncroID], tc.syncroName, byTech)
		}
	}
	for _, id := range []int64{syncrotest.UserMarcus, syncrotest.UserPriya, syncrotest.UserDana} {
		if held[id] == 0 {
			t.Errorf("Syncro holds no time of user %d on #%s", id, n)
		}
	}
	if held[e2eKeyUser] != 0 || strings.Contains(byTech, "Bayline Automation") {
		t.Errorf("the API key's owner holds %d min; minutes by tech:\n%s", held[e2eKeyUser], byTech)
	}
}
