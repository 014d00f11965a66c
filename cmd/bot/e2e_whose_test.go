package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Whose time it is (README): every minute the bot logs is a timer entry
// in the Syncro user of the tech who asked, matched before the first
// write, kept across restarts, never the API key's owner.

// e2eKeyUser owns the API key in these tests: a Syncro user no tech is.
const e2eKeyUser int64 = 52400

// e2eTech is a Slack user and the Syncro user their time belongs to.
type e2eTech struct {
	slackID, name, email string
	syncroID             int64
	syncroName           string
}

// e2eTechs are five techs whose Slack emails are their Syncro users'.
var e2eTechs = []e2eTech{
	{e2eUser, "dana", "dana@baylineit.com", syncrotest.UserDana, "Dana Whitfield"},
	{"U0MARCUSO", "marcus", "marcus@baylineit.com", syncrotest.UserMarcus, "Marcus Oyelaran"},
	{"U0PRIYARA", "priya", "priya@baylineit.com", syncrotest.UserPriya, "Priya Raman"},
	{"U0TOMBECK", "tom", "tom@baylineit.com", syncrotest.UserTom, "Tom Becker"},
	{e2eLena, "lena", "lena@baylineit.com", syncrotest.UserLena, "Lena Kowalski"},
}

// e2eKim is a tech whose Slack email is no Syncro user's.
const e2eKim = "U0KIMLEEX"

// whoseFakes are fakes whose API key is e2eKeyUser's, with the five techs
// and Kim in Slack.
func whoseFakes(t *testing.T) *e2eFakes {
	t.Helper()
	fx := newFakes(t, syncrotest.WithMe(e2eKeyUser))
	fx.srv.AddUser(syncrotest.User{ID: e2eKeyUser, FullName: "Bayline Automation", Email: "api@baylineit.com", Admin: true})
	for _, tc := range e2eTechs[1:] {
		fx.f.AddUser(slackfake.User{ID: tc.slackID, Name: tc.name, RealName: tc.syncroName, Email: tc.email})
	}
	fx.f.AddUser(slackfake.User{ID: e2eKim, Name: "kim", RealName: "Kim Lee", Email: "kim@contractor.example"})
	return fx
}

// startWhose starts the bot on whoseFakes and returns the ticket the
// techs log on (the seed's printer ticket) and how many timers it held.
func startWhose(t *testing.T) (context.Context, *e2eBot, syncrotest.Ticket, int) {
	t.Helper()
	ctx := testContext(t)
	b := whoseFakes(t).start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	return ctx, b, tk, len(b.srv.Timers(tk.ID))
}

// newTimers are the ticket's timers after the first skip.
func newTimers(srv *syncrotest.Server, ticketID int64, skip int) []syncrotest.Timer {
	return srv.Timers(ticketID)[skip:]
}

// TestE2E_FiveTechsTimeIsEachTechsAlsoAfterARestart: five techs log time
// on one ticket, then again right after a restart. Syncro holds every
// entry in the right tech's user, none in the API key's owner's; each
// comment carries its tech's Syncro name, and the audit says whose each
// entry is.
func TestE2E_FiveTechsTimeIsEachTechsAlsoAfterARestart(t *testing.T) {
	t.Parallel()
	ctx, b, tk, skip := startWhose(t)
	n := itoa64(tk.Number)

	logAll := func(round int) {
		for i, tc := range e2eTechs {
			b.slashAs(ctx, t, tc.slackID, fmt.Sprintf("comment %s --time %dm Round %d by %s", n, 5+i, round, tc.name))
			b.waitReplyTo(ctx, t, tc.slackID, round, fmt.Sprintf("%d min logged", 5+i))
		}
	}
	logAll(0)
	b = b.restart(ctx, t)
	logAll(1)

	timers := newTimers(b.srv, tk.ID, skip)
	if len(timers) != 2*len(e2eTechs) {
		t.Fatalf("Syncro holds %d new timers, want %d", len(timers), 2*len(e2eTechs))
	}
	for _, tm := range timers {
		if tm.UserID == e2eKeyUser {
			t.Errorf("%q (%d min) is credited to the API key's owner", tm.Notes, tm.Minutes())
		}
		for _, tc := range e2eTechs {
			if strings.HasSuffix(tm.Notes, " by "+tc.name) && tm.UserID != tc.syncroID {
				t.Errorf("%q is user %d's, want %s's (%d)", tm.Notes, tm.UserID, tc.syncroName, tc.syncroID)
			}
		}
	}
	for _, c := range b.srv.Comments(tk.ID) {
		for _, tc := range e2eTechs {
			if strings.HasSuffix(c.Body, " by "+tc.name) && c.Tech != tc.syncroName {
				t.Errorf("comment %q carries tech %q, want %q", c.Body, c.Tech, tc.syncroName)
			}
		}
	}
	seen := len(b.f.Ephemerals(e2eUser))
	b.slash(ctx, t, "audit "+n)
	b.waitReply(ctx, t, seen, "for Marcus Oyelaran (Syncro user 52318)", "for Lena Kowalski (Syncro user 52390)")
}

// TestE2E_UnmatchedTechIsAskedOnceAndTheAnswerSurvivesARestart: Kim's
// Slack email is no Syncro user's. Her time is refused with the one-time
// question and nothing reaches Syncro; she picks Tom Becker, her next
// entry is his, and after a restart too, without asking again. An admin
// corrects it with whois, and her next entry follows.
func TestE2E_UnmatchedTechIsAskedOnceAndTheAnswerSurvivesARestart(t *testing.T) {
	t.Parallel()
	ctx, b, tk, skip := startWhose(t)
	n := itoa64(tk.Number)

	b.slashAs(ctx, t, e2eKim, "comment "+n+" --time 20m Swapped the toner")
	q := b.waitReplyTo(ctx, t, e2eKim, 0, "matches no Syncro user", tickets.ActionTechPick, "Tom Becker")
	if commentsWithBody(b.srv, tk.ID, "Swapped the toner") != 0 || len(newTimers(b.srv, tk.ID, skip)) != 0 {
		t.Fatal("Kim's entry reached Syncro before she was matched")
	}
	b.clickAs(ctx, t, e2eKim, q, slackfake.Action{Type: "static_select", ActionID: tickets.ActionTechPick, BlockID: "tech_question",
		SelectedOption: &slackfake.SelectOption{Text: "Tom Becker", Value: itoa64(syncrotest.UserTom)}})
	b.waitReplyTo(ctx, t, e2eKim, 1, "Tom Becker", "from now on")

	logAs := func(minutes int, note string) syncrotest.Timer {
		t.Helper()
		seen := len(b.f.Ephemerals(e2eKim))
		b.slashAs(ctx, t, e2eKim, fmt.Sprintf("comment %s --time %dm %s", n, minutes, note))
		b.waitReplyTo(ctx, t, e2eKim, seen, fmt.Sprintf("%d min logged", minutes))
		ts := newTimers(b.srv, tk.ID, skip)
		return ts[len(ts)-1]
	}
	if tm := logAs(20, "Swapped the toner"); tm.UserID != syncrotest.UserTom {
		t.Errorf("Kim's entry after her answer is user %d's, want Tom's (%d)", tm.UserID, syncrotest.UserTom)
	}
	b = b.restart(ctx, t)
	if tm := logAs(10, "Cleaned the feeder"); tm.UserID != syncrotest.UserTom {
		t.Errorf("after a restart Kim's entry is user %d's, want Tom's (%d)", tm.UserID, syncrotest.UserTom)
	}
	asked := 0
	for _, e := range b.f.Ephemerals(e2eKim) {
		if strings.Contains(e.Text, "matches no Syncro user") {
			asked++
		}
	}
	if asked != 1 {
		t.Errorf("Kim was asked %d times, want once", asked)
	}

	// Dana is an admin (ADMIN_USERS is empty: everyone).
	b.slash(ctx, t, "whois "+e2eKim+" Lena Kowalski")
	b.waitReply(ctx, t, 0, "From now on", "Lena Kowalski (Syncro user 52390)", "not Tom Becker")
	if tm := logAs(5, "Checked the tray"); tm.UserID != syncrotest.UserLena {
		t.Errorf("after whois Kim's entry is user %d's, want Lena's (%d)", tm.UserID, syncrotest.UserLena)
	}
	if ts := newTimers(b.srv, tk.ID, skip); len(ts) != 3 {
		t.Errorf("Syncro holds %d of Kim's entries, want 3", len(ts))
	}
}

// TestE2E_BillMinutesAreTheBillers: the minutes a bill logs are a timer
// entry in the biller's Syncro user, charged on the invoice, not the API
// key's owner's.
func TestE2E_BillMinutesAreTheBillers(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := whoseFakes(t)
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketNAS)
	const notes = "Rebuilt the RAID array"
	b.submitView(ctx, t, billSubmission(t, b.openBillForm(ctx, t, tk.Number), "40", notes))
	b.waitReply(ctx, t, 0, "Invoiced #")
	wantInvoicedOnce(t, b.srv, tk, notes)
	var found int
	for _, tm := range b.srv.Timers(tk.ID) {
		if tm.Notes != notes {
			continue
		}
		found++
		if tm.UserID != syncrotest.UserDana || tm.Minutes() != 40 || !tm.Recorded {
			t.Errorf("the bill's timer = %+v; want Dana's (%d) 40 min, charged", tm, syncrotest.UserDana)
		}
	}
	if found != 1 {
		t.Errorf("Syncro holds %d timers of the bill, want 1", found)
	}
}
