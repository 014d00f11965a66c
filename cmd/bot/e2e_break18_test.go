package main

import (
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_SummaryOfATechWhoseZoneIsUnknownSaysUTCAndComesAtUTC: Slack
// gives Dana a time zone this machine does not know; the summary follows
// UTC, and her Home says so instead of naming the zone it does not follow.
func TestE2E_SummaryOfATechWhoseZoneIsUnknownSaysUTCAndComesAtUTC(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const bogus = "Mars/Olympus_Mons"
	clk := fakeclock.New(time.Date(2026, 12, 7, 16, 58, 0, 0, time.UTC)) // a Monday
	fx := newFakes(t, syncrotest.WithClock(clk.Now))
	fx.f.AddUser(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: "dana@baylineit.com", TZ: bogus})
	fx.clock = runClock{now: clk.Now, tick: 5 * time.Millisecond}
	tk := danasOpen(fx.srv)[0]
	if _, err := fx.srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Called the client back.", Tech: "Dana Whitfield", UserID: syncrotest.UserDana}); err != nil {
		t.Fatal(err)
	}
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	home := b.waitHome(ctx, t, 0, "End-of-day summary", "17:00")
	if s := string(home.JSON); strings.Contains(s, "("+bogus+")") || !strings.Contains(s, "17:00* (UTC") {
		t.Errorf("Home names the summary's zone as Slack's unknown %q, while the summary follows UTC; home:\n%s", bogus, s)
	}
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, time.UTC))
	b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Missing time?")
}
