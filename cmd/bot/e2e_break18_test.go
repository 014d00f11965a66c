package main

import (
	"context"
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

// TestE2E_SubscribedChannelSharedLaterGetsNoNotice: #ops subscribes while
// only the team reads it, then is shared with a client's workspace; the
// next new ticket is not told there (README: "a channel shared later gets
// nothing").
func TestE2E_SubscribedChannelSharedLaterGetsNoNotice(t *testing.T) {
	t.Parallel()
	ctx, b, acme := startSubscribedThenShared(t)
	after := b.srv.AddTicket(syncrotest.Ticket{Subject: "Payroll export for Acme's accountant", CustomerID: acme, Status: "New"})
	number := "#" + itoa64(after.Number)
	// The log is not Slack's state, which WaitUntil watches: poll both.
	if err := poll(ctx, func() bool {
		return strings.Contains(b.stderr.String(), "notice dropped") || strings.Contains(b.channelShows(), number)
	}); err != nil {
		t.Fatalf("#%d neither told nor dropped: %v; stderr:\n%s", after.Number, err, b.stderr.String())
	}
	if shown := b.channelShows(); strings.Contains(shown, "#"+itoa64(after.Number)) {
		t.Errorf("#%d was told in #ops after #ops was shared with another workspace:\n%s", after.Number, shown)
	}
}

// TestE2E_SubscribedChannelUnsharedGetsNoticesAgain: #ops, subscribed,
// is shared with a client's workspace and then unshared; the ticket
// added while it was shared is not told, the next one after is.
func TestE2E_SubscribedChannelUnsharedGetsNoticesAgain(t *testing.T) {
	t.Parallel()
	ctx, b, acme := startSubscribedThenShared(t)
	while := b.srv.AddTicket(syncrotest.Ticket{Subject: "Payroll export", CustomerID: acme, Status: "New"})
	// The only notice due while #ops is shared is while's.
	b.waitLog(ctx, t, `"msg":"notice dropped","component":"bot","channel":"`+e2eChannel+`"`)

	if _, err := b.f.UnshareChannel(ctx, e2eChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	after := b.srv.AddTicket(syncrotest.Ticket{Subject: "Scanner offline", CustomerID: acme, Status: "New"})
	b.waitChannel(ctx, t, "#"+itoa64(after.Number))
	if shown := b.channelShows(); strings.Contains(shown, "#"+itoa64(while.Number)) {
		t.Errorf("#%d, added while #ops was shared, was told there:\n%s", while.Number, shown)
	}
}

// TestE2E_SubscriptionNoticeEscapesSyncroText: a ticket whose subject
// and customer carry Slack's mention syntax is told as text, pinging no one.
func TestE2E_SubscriptionNoticeEscapesSyncroText(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	b.newTicketTold(ctx, t, "<!channel> server down <@U0DANA>")
	for _, m := range b.botMessagesIn(e2eChannel) {
		if s := m.Text + string(m.Blocks); strings.Contains(s, "<!channel>") || strings.Contains(s, "<@U0DANA>") {
			t.Errorf("a notice carries Syncro's mention unescaped: %s", s)
		}
	}
}

// startSubscribedThenShared starts a bot, subscribes #ops to new
// tickets, waits until it is told of one of Acme's, then shares #ops with
// a client's workspace the way Slack does (channel_shared); it returns
// the test's context, the bot and Acme's customer id.
func startSubscribedThenShared(t *testing.T) (context.Context, *e2eBot, int64) {
	t.Helper()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	acme := b.newTicketTold(ctx, t, "Printer offline").CustomerID
	if _, err := b.f.ShareChannel(ctx, e2eChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	return ctx, b, acme
}

// newTicketTold subscribes #ops to new tickets, adds one of Acme's with
// subject, and waits until #ops is told of it.
func (b *e2eBot) newTicketTold(ctx context.Context, t *testing.T, subject string) syncrotest.Ticket {
	t.Helper()
	b.subscribe(ctx, t, "--events new")
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: subject, CustomerID: acme, Status: "New"})
	b.waitChannel(ctx, t, "#"+itoa64(tk.Number))
	return tk
}
