package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// danaIn starts the fakes on a fake clock set to at, with Dana a Slack
// user in zone tz; it skips the test without time zone data.
func danaIn(t *testing.T, tz string, at func(loc *time.Location) time.Time) (*e2eFakes, *fakeclock.Manual, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	clk := fakeclock.New(at(loc))
	fx := newFakes(t, syncrotest.WithClock(clk.Now))
	fx.f.AddUser(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: "dana@baylineit.com", TZ: tz})
	fx.clock = runClock{now: clk.Now, tick: 5 * time.Millisecond}
	return fx, clk, loc
}

// pickOnHome chooses value (shown as text) in the Home's summary control
// actionID and waits for the Home to show it.
func (b *e2eBot) pickOnHome(ctx context.Context, t *testing.T, hv slackfake.View, actionID, text, value string) slackfake.View {
	t.Helper()
	if _, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: hv.ID, Actions: []slackfake.Action{{Type: "static_select",
		ActionID: actionID, BlockID: "home_summary_settings", SelectedOption: &slackfake.SelectOption{Text: text, Value: value}}}}); err != nil {
		t.Fatal(err)
	}
	return b.waitHome(ctx, t, hv.Updates+1, text)
}

// TestE2E_SummaryOnTheSundayChileSkipsMidnight: in Santiago, Sunday 6
// September 2026 has no 00:00 (clocks go from Saturday 24:00 to 01:00).
// Dana, summary every day, works that Sunday; at 17:00 her summary of
// Sunday comes, as on any other day.
func TestE2E_SummaryOnTheSundayChileSkipsMidnight(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, santiago := danaIn(t, "America/Santiago", func(loc *time.Location) time.Time {
		return time.Date(2026, 9, 5, 18, 30, 0, 0, loc) // Saturday, after its hour
	})
	tk := danasOpen(fx.srv)[0]
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	hv := b.waitHome(ctx, t, 0, "End-of-day summary", "17:00", "America/Santiago")
	b.pickOnHome(ctx, t, hv, home.ActionSummaryDays, "Every day", "127")

	clk.Set(time.Date(2026, 9, 6, 12, 0, 0, 0, santiago))
	danaWorkedOn(t, fx.srv, tk)
	clk.Set(time.Date(2026, 9, 6, 17, 0, 30, 0, santiago))
	b.waitDM(ctx, t, "Your day in Syncro: Sun 6 Sep", "Missing time?", "#"+itoa64(tk.Number))
}

// TestE2E_SummaryAtMidnightIsOfTheDayThatEnded: Dana picks 00:00 for her
// summary; at midnight it tells the day that just ended (her Monday's
// comment without time), not the minutes-old Tuesday, and Mon–Fri are the
// days summarized, so Saturday's midnight brings Friday's.
func TestE2E_SummaryAtMidnightIsOfTheDayThatEnded(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 10, 0)
	tk := danasOpen(fx.srv)[0]
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	hv := b.waitHome(ctx, t, 0, "End-of-day summary", "17:00", "Mon–Fri")
	b.pickOnHome(ctx, t, hv, home.ActionSummaryHour, "00:00", "0")

	number := "#" + itoa64(tk.Number)
	clk.Set(time.Date(2026, 12, 7, 15, 0, 0, 0, chicago))
	danaWorkedOn(t, fx.srv, tk)
	clk.Set(time.Date(2026, 12, 8, 0, 0, 30, 0, chicago))
	b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Missing time?", number)

	clk.Set(time.Date(2026, 12, 11, 15, 0, 0, 0, chicago)) // a Friday
	danaWorkedOn(t, fx.srv, tk)
	clk.Set(time.Date(2026, 12, 12, 0, 0, 30, 0, chicago))
	b.waitDM(ctx, t, "Your day in Syncro: Fri 11 Dec", "Missing time?", number)
	for _, day := range []string{"Tue 8 Dec", "Sat 12 Dec"} {
		if n := b.dmsWith(day); n != 0 {
			t.Errorf("Dana got %d summaries of %s at its first minute, a day not yet worked; want none", n, day)
		}
	}
}

// TestE2E_SummaryOfATechInAnOddOffsetComesAtHerHour: Dana in Kathmandu
// (+05:45) and Dana in the Marquesas (-09:30) get Monday's summary at
// 17:00 their time, not at a whole hour of UTC.
func TestE2E_SummaryOfATechInAnOddOffsetComesAtHerHour(t *testing.T) {
	t.Parallel()
	for _, tz := range []string{"Asia/Kathmandu", "Pacific/Marquesas"} {
		t.Run(tz, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx, clk, loc := danaIn(t, tz, func(loc *time.Location) time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, loc) })
			tk := danasOpen(fx.srv)[0]
			danaWorkedOn(t, fx.srv, tk)
			b := fx.start(ctx, t)
			b.openHome(ctx, t)
			b.waitHome(ctx, t, 0, "End-of-day summary", "17:00", tz)
			clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, loc))
			b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Missing time?", "#"+itoa64(tk.Number))
		})
	}
}

// TestE2E_SubscribedTwiceTheChannelIsToldOnce: #ops is subscribed twice
// to new tickets (two people, or one who forgot); a new ticket is told in
// #ops once, not once per subscription.
func TestE2E_SubscribedTwiceTheChannelIsToldOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	b.subscribe(ctx, t, "--events new")
	b.subscribe(ctx, t, "--customer acme")
	b.waitPolls(ctx, t, 1)
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "Scanner jams on every page", CustomerID: acme, Status: "New"})
	number := "#" + itoa64(tk.Number)
	b.waitChannel(ctx, t, number)
	b.waitPolls(ctx, t, 2) // the chance of a second notice
	n := 0
	for _, m := range b.botMessagesIn(e2eChannel) {
		if strings.Contains(replyText(m), number) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("#ops was told of %s %d times; want once:\n%s", number, n, b.channelShows())
	}
}
