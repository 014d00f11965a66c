package main

import (
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
	"github.com/syncrobot/syncrobot/watcher"
)

// setWatcherCursor makes fx's DATA_DIR say the watcher last polled at at,
// as a bot that was down since then left it.
func setWatcherCursor(t *testing.T, fx *e2eFakes, at time.Time) {
	t.Helper()
	st, err := store.Open(fx.env["DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetCursor(watcher.CursorName, at); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestE2E_CatchingUpAtTheDefaultIntervalKeepsToSixAMinute: at the
// default SYNCRO_POLL_INTERVAL the bot comes back after two hours in
// which 1,000 tickets changed: its first poll pages through 10 pages of
// them, the first 6 at once (a minute's budget), the next held back to
// one every 10 s (README: capped at 6 a minute even while catching up).
// Syncro's log holds when each page came. (NOTIFY_CHANNEL is set: the
// watcher sends nothing of its own without it in the first interval.)
func TestE2E_CatchingUpAtTheDefaultIntervalKeepsToSixAMinute(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.env["NOTIFY_CHANNEL"] = notifyChannel
	fx.f.AddChannel(slackfake.Channel{ID: notifyChannel, Name: "tickets-closed"})
	now := time.Now()
	setWatcherCursor(t, fx, now.Add(-2*time.Hour))
	acme := ticketByNumber(t, fx.srv, syncrotest.SeedTicketOwnCloud)
	for range 1000 {
		at := now.Add(-time.Hour)
		fx.srv.AddTicket(syncrotest.Ticket{Subject: "Changed while down", CustomerID: acme.CustomerID, Status: "In Progress",
			UserID: syncrotest.UserMarcus, CreatedAt: at, UpdatedAt: at})
	}
	b := fx.start(ctx, t)

	pages := func() []time.Time {
		var out []time.Time
		for _, r := range b.srv.Requests() {
			if r.Method == "GET" && r.Path == "/tickets" && strings.Contains(r.Query, "since_updated_at") {
				out = append(out, r.Time)
			}
		}
		return out
	}
	if err := poll(ctx, func() bool { return len(pages()) >= 7 }); err != nil {
		for _, r := range b.srv.Requests() {
			t.Log(r.Time.Format("05.000"), r.Method, r.Path, r.Query)
		}
		t.Fatalf("the watcher sent %d pages of its catch-up, want 7: %v", len(pages()), err)
	}
	got := pages()
	// The 7th waits for the budget to refill one request (10 s); a little
	// of it refilled while the first 6 went out.
	if gap := got[6].Sub(got[0]); gap < 9*time.Second {
		t.Errorf("the 7th page came %s after the 1st, want the budget's 10 s: pages at %v", gap, got)
	}
}

// TestE2E_TheWatcherReadsNoTicketSettingsOfItsOwn: a bot announcing
// closes polls once a second; the watcher takes the account's statuses
// from the copy the account package read at start (it logs which count
// as closed), and the only GET /tickets/settings Syncro sees is that one
// (README: the watcher's requests). Before, the watcher's first poll read
// them again, and again every hour.
func TestE2E_TheWatcherReadsNoTicketSettingsOfItsOwn(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBotEvery(ctx, t, "1s")
	b.waitLog(ctx, t, "closed ticket statuses")
	b.waitPolls(ctx, t, 3)
	if n := b.srv.Count("GET", "/tickets/settings"); n != 1 {
		t.Errorf("Syncro answered %d reads of /tickets/settings, want 1 (the account's at start):%s", n, reqLines(b.srv))
	}
}
