package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// danaIn starts the fakes (Syncro's made with opts) on a fake clock set
// to at, with Dana a Slack user in zone tz; it skips the test without
// time zone data.
func danaIn(t *testing.T, tz string, at func(loc *time.Location) time.Time, opts ...syncrotest.Option) (*e2eFakes, *fakeclock.Manual, *time.Location) {
	t.Helper()
	return danaOn(t, func(t *testing.T, opts ...syncrotest.Option) *e2eFakes { return newFakes(t, opts...) }, tz, at, opts...)
}

// danaOn is danaIn on the fakes fakes makes (replicaFakes: two replicas'
// shared database).
func danaOn(t *testing.T, fakes func(*testing.T, ...syncrotest.Option) *e2eFakes, tz string, at func(loc *time.Location) time.Time, opts ...syncrotest.Option) (*e2eFakes, *fakeclock.Manual, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	clk := fakeclock.New(at(loc))
	fx := fakes(t, append([]syncrotest.Option{syncrotest.WithClock(clk.Now)}, opts...)...)
	fx.f.AddUser(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: "dana@baylineit.com", TZ: tz})
	fx.clock = runClock{now: clk.Now, tick: 5 * time.Millisecond}
	return fx, clk, loc
}

// pickOnHome chooses value (shown as text) in the Home's summary control
// actionID and waits for the Home to show it. It waits first for the bot
// to log the Home published: Slack shows it a moment before bot records
// that Dana has one to refresh, a gap no person clicks in.
func (b *e2eBot) pickOnHome(ctx context.Context, t *testing.T, hv slackfake.View, actionID, text, value string) slackfake.View {
	t.Helper()
	b.waitLog(ctx, t, `"msg":"home published","component":"bot","slack_user":"`+e2eUser+`"`)
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
			b, tk := danaWorkedThenHome(ctx, t, fx)
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

// TestE2E_TenHomesOpenedAtOnceCostBoundedSyncroRequests: ten techs open
// their Home in the same second, just after a start (no email matched
// yet), on a day the account logged 30 timers, each tech with a resolved
// ticket invoiced in the web app (its status left at Resolved). Each sees
// their own day within the test's time, that ticket not among those to
// invoice, and Syncro sees one timer read, one ticket list and one
// invoice list per Home plus one pass over its users for the ten email
// matches, not one pass each (ten overlapping scans were ~160 requests at
// the client's 3 a second: the tenth Home came after more than 30 s).
func TestE2E_TenHomesOpenedAtOnceCostBoundedSyncroRequests(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	// The test's own 30 timer entries are not the bot's: Syncro's
	// budget here is the bot's client's alone (its own throttle).
	fx := newFakes(t, syncrotest.WithRateLimit(1<<20))
	// What is counted is requests, not time: at the default 3 a second
	// the ~50 reads took 23 s of testTimeout's 30, too near on a busy
	// machine, so the bot's own throttle is opened wide here.
	fx.env["SYNCRO_RATE_LIMIT"] = "6000"
	var slackIDs []string
	var syncroIDs []int64
	for i := range 10 {
		id, email := int64(60100+i), fmt.Sprintf("tech%02d@baylineit.com", i)
		fx.srv.AddUser(syncrotest.User{ID: id, FullName: fmt.Sprintf("Tech %02d", i), Email: email, Group: "Technicians"})
		slackID := fmt.Sprintf("U0TECH%02d", i)
		fx.f.AddUser(slackfake.User{ID: slackID, Name: fmt.Sprintf("tech%02d", i), RealName: fmt.Sprintf("Tech %02d", i), Email: email, TZ: "UTC"})
		slackIDs, syncroIDs = append(slackIDs, slackID), append(syncroIDs, id)
	}
	open := danasOpen(fx.srv)
	web, err := syncro.NewClient(syncro.Config{BaseURL: fx.srv.URL(), APIKey: syncrotest.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Minute)
	for i := range 30 {
		if _, _, err := web.Timers.Add(ctx, open[i%len(open)].ID, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: syncro.Ptr(7),
			ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), UserID: &syncroIDs[i%len(syncroIDs)]}); err != nil {
			t.Fatal(err)
		}
	}
	cust := open[0].CustomerID
	for _, id := range syncroIDs {
		// No time on it (fixed-price work), so each tech's day stays 21m.
		tk := fx.srv.AddTicket(syncrotest.Ticket{Subject: "Invoiced in the web app", CustomerID: cust, UserID: id, Status: "Resolved", ResolvedAt: start})
		if _, _, err := web.Invoices.CreateFromTicket(ctx, tk.ID, cust, ""); err != nil {
			t.Fatal(err)
		}
	}
	b := fx.start(ctx, t)
	b.srv.ResetLog()
	errs := make(chan error, len(slackIDs))
	for _, u := range slackIDs {
		go func() {
			_, err := b.f.Event(ctx, map[string]any{"type": "app_home_opened", "user": u, "channel": "D" + u, "tab": "home"})
			errs <- err
		}()
	}
	for range slackIDs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range slackIDs {
		if err := b.f.WaitUntil(ctx, func() bool {
			v, ok := b.f.HomeView(u)
			return ok && strings.Contains(string(v.JSON), "21m") && strings.Contains(string(v.JSON), "every ticket you resolved is invoiced")
		}); err != nil {
			v, _ := b.f.HomeView(u)
			t.Fatalf("%s's Home never showed their 21 minutes and nothing to invoice: %v; home:\n%s\nstderr:\n%s", u, err, v.JSON, b.stderr.String())
		}
	}
	// Each Home reads the day's timers, the tech's resolved tickets and
	// the invoices since the oldest of them; the rest is the first match
	// of each tech's email (GET /users and /users/{id}), one pass for all
	// ten.
	timers, resolved := b.srv.Count("GET", "/ticket_timers"), b.srv.Count("GET", "/tickets")
	invoices, users := b.srv.Count("GET", "/invoices"), b.srv.Count("GET", "/users")
	all := len(b.srv.Requests())
	t.Logf("ten Homes at once: %d Syncro requests: %d GET /ticket_timers, %d GET /tickets, %d GET /invoices, %d GET /users…", all, timers, resolved, invoices, users)
	if timers > 10 || resolved > 10 || invoices > 10 || users > 10+len(b.srv.Users()) || all != timers+resolved+invoices+users {
		t.Errorf("ten Homes opened at once cost more than a timer read, a ticket list and an invoice list each and one pass over Syncro's users:%s", reqLines(b.srv))
	}
}

// TestE2E_SummaryFollowsTheTechsNewSlackZone: Dana opened her Home in
// Chicago, then moved to Los Angeles and changed her Slack time zone
// without opening the Home again. After the bot's next start her summary
// comes at 17:00 in Los Angeles (19:00 in Chicago), once.
func TestE2E_SummaryFollowsTheTechsNewSlackZone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, _ := danaInChicago(t, 10, 0)
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	tk := danasOpen(fx.srv)[0]
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00", "America/Chicago")
	fx.f.AddUser(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: "dana@baylineit.com", TZ: "America/Los_Angeles"})
	b = b.restart(ctx, t)
	danaWorkedOn(t, fx.srv, tk)
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, la))
	b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Missing time?", "#"+itoa64(tk.Number))
	if n := b.dmsWith("Mon 7 Dec"); n != 1 {
		t.Errorf("Dana got Monday's summary %d times; want once", n)
	}
}

// TestE2E_SyncroTextOnTheHomeAndInTheSummaryIsEscaped: a ticket of
// Dana's whose subject holds Slack's mention and link syntax shows on
// her Home and in her summary as the text it is: no @channel ping, no
// link Syncro's text made.
func TestE2E_SyncroTextOnTheHomeAndInTheSummaryIsEscaped(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 0)
	const subject = "<!channel> restore <https://evil.example|the backup> & *now*"
	cust := ticketByNumber(t, fx.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	tk := fx.srv.AddTicket(syncrotest.Ticket{Subject: subject, CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"})
	danaWorkedOn(t, fx.srv, tk)
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	home := b.waitHome(ctx, t, 0, "#"+itoa64(tk.Number))
	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "#"+itoa64(tk.Number))
	for where, shown := range map[string]string{"Home": string(home.JSON), "summary": string(dm.Blocks)} {
		if !strings.Contains(shown, "&lt;!channel&gt;") && !strings.Contains(shown, `\u0026lt;!channel\u0026gt;`) {
			t.Errorf("Dana's %s does not show the subject's text escaped:\n%s", where, shown)
		}
		for _, raw := range []string{"<!channel>", "<https://evil.example", `\u003c!channel\u003e`, `\u003chttps://evil.example`} {
			if strings.Contains(shown, raw) {
				t.Errorf("Dana's %s shows Syncro's %q as Slack syntax:\n%s", where, raw, shown)
			}
		}
	}
}

// TestE2E_HundredSubscriptionsAndFiftyNewTicketsInOnePoll: #ops holds 100
// subscriptions to new tickets (5,000 matches in one poll, each recorded
// once in DATA_DIR); the 50 tickets still come as the two grouped
// messages, each ticket once.
func TestE2E_HundredSubscriptionsAndFiftyNewTicketsInOnePoll(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	t0 := time.Now()
	for range 100 {
		b.subscribe(ctx, t, "--events new")
	}
	b.waitPolls(ctx, t, 1)
	t1 := time.Now()
	t.Logf("100 subscribed in %v", t1.Sub(t0))
	b.fiftyNewTicketsAreTwoLists(ctx, t)
	t.Logf("50 new tickets told in %v", time.Since(t1))
}
