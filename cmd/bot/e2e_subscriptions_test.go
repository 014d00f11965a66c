package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// startSubscribingBot starts the bot polling Syncro every second (no
// NOTIFY_CHANNEL: subscriptions need none).
func startSubscribingBot(ctx context.Context, t *testing.T) *e2eBot {
	t.Helper()
	return startE2EBot(ctx, t, func(env map[string]string) { env["SYNCRO_POLL_INTERVAL"] = "1s" })
}

// subscribe runs /syncro subscribe args in #ops and waits for the reply.
func (b *e2eBot) subscribe(ctx context.Context, t *testing.T, args string) {
	t.Helper()
	n := len(b.f.Ephemerals(e2eUser))
	b.slash(ctx, t, "subscribe "+args)
	b.waitReply(ctx, t, n, "Subscribed this channel")
}

// channelShows is every bot message in #ops, as one text.
func (b *e2eBot) channelShows() string {
	var sb strings.Builder
	for _, m := range b.botMessagesIn(e2eChannel) {
		sb.WriteString(replyText(m) + "\n")
	}
	return sb.String()
}

// waitChannel waits until #ops shows every want.
func (b *e2eBot) waitChannel(ctx context.Context, t *testing.T, want ...string) {
	t.Helper()
	err := b.f.WaitUntil(ctx, func() bool {
		s := b.channelShows()
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("#ops never showed %q: %v; it shows:\n%s\nstderr:\n%s", want, err, b.channelShows(), b.stderr.String())
	}
}

// TestE2E_SubscriptionFiltersEachDecideWhatItsChannelIsTold: each filter
// of /syncro subscribe (customer, priority, tech, status, events) keeps
// out the tickets it does not match; the ones it matches are told in the
// channel once.
func TestE2E_SubscriptionFiltersEachDecideWhatItsChannelIsTold(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	smith := ticketByNumber(t, b.srv, 32120).CustomerID
	waiting := b.srv.AddTicket(syncrotest.Ticket{Subject: "Laptop battery swelling", CustomerID: smith, Status: "In Progress", Priority: "2 Normal", UserID: syncrotest.UserPriya})
	closeMarcus := b.marcusTicket(t, "Door badge reader offline")
	closePriya := b.srv.AddTicket(syncrotest.Ticket{Subject: "Wi-Fi drops in the lobby", CustomerID: acme, Status: "In Progress", UserID: syncrotest.UserPriya})
	b.waitPolls(ctx, t, 2) // the bot has seen them as they are

	b.subscribe(ctx, t, "--customer acme --priority high --events new")
	b.subscribe(ctx, t, `--tech marcus --events closed`)
	b.subscribe(ctx, t, `--status "Waiting on Customer" --events status`)

	told := b.srv.AddTicket(syncrotest.Ticket{Subject: "Server room too hot", CustomerID: acme, Priority: "1 High", Status: "New"})
	otherCustomer := b.srv.AddTicket(syncrotest.Ticket{Subject: "Phones ring twice", CustomerID: smith, Priority: "1 High", Status: "New"})
	lowPriority := b.srv.AddTicket(syncrotest.Ticket{Subject: "Label printer jams", CustomerID: acme, Priority: "3 Low", Status: "New"})
	for id, status := range map[int64]string{closeMarcus.ID: "Resolved", closePriya.ID: "Resolved", waiting.ID: "Waiting on Customer"} {
		if err := b.srv.SetTicketStatus(id, status); err != nil {
			t.Fatal(err)
		}
	}
	b.waitChannel(ctx, t, "#"+itoa64(told.Number), "#"+itoa64(closeMarcus.Number), "#"+itoa64(waiting.Number))
	b.waitPolls(ctx, t, 2) // the chance of a late or second notice
	shown := b.channelShows()
	for _, tk := range []syncrotest.Ticket{otherCustomer, lowPriority, closePriya} {
		if strings.Contains(shown, "#"+itoa64(tk.Number)) {
			t.Errorf("#%d (%s) was told, though no subscription matches it:\n%s", tk.Number, tk.Subject, shown)
		}
	}
	var texts strings.Builder
	for _, m := range b.botMessagesIn(e2eChannel) {
		texts.WriteString(m.Text + "\n")
	}
	for _, tk := range []syncrotest.Ticket{told, closeMarcus, waiting} {
		if n := strings.Count(texts.String(), "#"+itoa64(tk.Number)); n != 1 {
			t.Errorf("#%d (%s) told %d times, want once:\n%s", tk.Number, tk.Subject, n, shown)
		}
	}
}

// TestE2E_FiftyNewTicketsAtOnceAreGroupedNotices: 50 new tickets in one
// poll reach the subscribed channel as two grouped messages (at most one
// a second, the notice queue's rate), every ticket named.
func TestE2E_FiftyNewTicketsAtOnceAreGroupedNotices(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	b.subscribe(ctx, t, "--events new")
	b.waitPolls(ctx, t, 1)
	b.fiftyNewTicketsAreTwoLists(ctx, t)
}

// fiftyNewTicketsAreTwoLists adds 50 new tickets of Acme's and waits for
// #ops (subscribed to new tickets) to show each, in two messages.
func (b *e2eBot) fiftyNewTicketsAreTwoLists(ctx context.Context, t *testing.T) {
	t.Helper()
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	var want []string
	for range 50 {
		tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "Monitoring alert", CustomerID: acme, Status: "New"})
		want = append(want, "#"+itoa64(tk.Number))
	}
	b.waitChannel(ctx, t, want...)
	if n := len(b.botMessagesIn(e2eChannel)); n != 2 {
		t.Errorf("50 new tickets made %d messages; want 2 lists of 25", n)
	}
}

// TestE2E_SubscribeInASharedChannelIsRefused: a channel shared with
// another workspace gets no subscription, so no ticket notice.
func TestE2E_SubscribeInASharedChannelIsRefused(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	b.f.AddChannel(slackfake.Channel{ID: "C0ACME", Name: "acme-shared", IsExtShared: true})
	if _, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: "C0ACME", Text: "subscribe --events new"}); err != nil {
		t.Fatal(err)
	}
	b.waitReply(ctx, t, 0, "shared with another workspace")
	if _, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: "C0ACME", Text: "subscriptions"}); err != nil {
		t.Fatal(err)
	}
	b.waitReply(ctx, t, 1, "This channel has no subscriptions")
}

// TestE2E_SubscribeInADMWithAnOutsiderIsRefusedSayingWhatItIs: /syncro
// subscribe in a DM with Rhonda, of Acme's workspace, is refused as in a
// shared channel, and the refusal says what the DM is (a conversation
// with someone outside your workspace), not that it is a channel shared
// with another workspace; a group DM, whose members the bot cannot
// check, is said to perhaps include someone outside.
func TestE2E_SubscribeInADMWithAnOutsiderIsRefusedSayingWhatItIs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	withClientChannel(b)
	b.f.AddChannel(slackfake.Channel{ID: "D0RHONDA", IsIM: true, IsPrivate: true, User: clientUser})
	b.f.AddChannel(slackfake.Channel{ID: "G0GROUP", IsMpIM: true, IsPrivate: true})
	for _, c := range []struct{ channel, want string }{
		{"D0RHONDA", "This is a conversation with someone outside your workspace"},
		{"G0GROUP", "This group DM may include someone outside your workspace"},
	} {
		n := b.replies()
		if _, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: c.channel, Text: "subscribe --events new"}); err != nil {
			t.Fatal(err)
		}
		got := replyText(b.waitReply(ctx, t, n, "ticket notices never go there").Message)
		if !strings.Contains(got, c.want) || strings.Contains(got, "shared with another workspace") {
			t.Errorf("%s: refused with %q, want %q", c.channel, got, c.want)
		}
	}
}
