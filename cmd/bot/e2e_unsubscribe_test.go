package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_AnyoneInTheChannelUnsubscribesItAndTheChannelIsTold: Dana
// subscribes #ops; Bob, who did not, lists the channel's subscriptions
// and stops hers. The channel (Dana too) sees who stopped what, the
// notices stop, and the same command again is answered to Bob alone.
func TestE2E_AnyoneInTheChannelUnsubscribesItAndTheChannelIsTold(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	const bob = "U0BOB"
	b.f.AddUser(slackfake.User{ID: bob, Name: "bob", RealName: "Bob Tran", Email: "bob@baylineit.com"})
	b.slash(ctx, t, "subscribe --customer acme --events new")
	reply := b.waitReply(ctx, t, 0, "Subscribed this channel")
	id := regexp.MustCompile(`\(#(\d+)\)`).FindStringSubmatch(reply.Text)
	if id == nil {
		t.Fatalf("the subscription's number is not in the reply %q", reply.Text)
	}
	b.waitPolls(ctx, t, 1)

	b.slashAs(ctx, t, bob, "subscriptions")
	b.waitReplyTo(ctx, t, bob, 0, "#"+id[1]+": new tickets, customer")
	b.slashAs(ctx, t, bob, "unsubscribe "+id[1])
	line := "<@" + bob + "> unsubscribed this channel from #" + id[1] + " (new tickets, customer"
	b.waitChannel(ctx, t, line)

	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "Server room too hot", CustomerID: acme, Status: "New"})
	b.waitPolls(ctx, t, 2) // the chance of a notice
	if shown := b.channelShows(); strings.Contains(shown, "#"+itoa64(tk.Number)) {
		t.Errorf("#%d was told after the channel unsubscribed:\n%s", tk.Number, shown)
	}

	b.slashAs(ctx, t, bob, "unsubscribe "+id[1])
	b.waitReplyTo(ctx, t, bob, 1, "This channel has no subscription #"+id[1])
	if n := strings.Count(b.channelShows(), "unsubscribed this channel"); n != 1 {
		t.Errorf("the channel was told %d times that it unsubscribed; want once:\n%s", n, b.channelShows())
	}
	b.slash(ctx, t, "subscriptions")
	b.waitReply(ctx, t, 1, "This channel has no subscriptions")
}

// TestE2E_SubscriptionsCostNoSyncroRequest: with five subscriptions in
// #ops telling a new ticket, a status change and a close, the only
// requests Syncro sees while they are told are ticket listings (the
// watcher's poll, the mirror's): no ticket, comment or customer is read
// for a notice. A listing of a subscription's own would pass unnoticed;
// none can be made, as subscriptions.Watch holds no Syncro client.
func TestE2E_SubscriptionsCostNoSyncroRequest(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	for _, args := range []string{"", "--events new", "--events status", "--events closed", "--customer acme"} {
		b.subscribe(ctx, t, args)
	}
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	changed := b.srv.AddTicket(syncrotest.Ticket{Subject: "Wi-Fi drops in the lobby", CustomerID: acme, Status: "New"})
	closed := b.srv.AddTicket(syncrotest.Ticket{Subject: "Door badge reader offline", CustomerID: acme, Status: "New"})
	b.waitChannel(ctx, t, "#"+itoa64(changed.Number), "#"+itoa64(closed.Number))
	b.waitPolls(ctx, t, 1)

	mark := len(b.srv.Requests())
	added := b.srv.AddTicket(syncrotest.Ticket{Subject: "Server room too hot", CustomerID: acme, Status: "New"})
	for id, status := range map[int64]string{changed.ID: "Waiting on Customer", closed.ID: "Resolved"} {
		if err := b.srv.SetTicketStatus(id, status); err != nil {
			t.Fatal(err)
		}
	}
	b.waitChannel(ctx, t, "#"+itoa64(added.Number), "Waiting on Customer", "Resolved")
	b.waitPolls(ctx, t, 1)
	for _, r := range b.srv.Requests()[mark:] {
		if r.Method != "GET" || r.Path != "/tickets" {
			t.Errorf("Syncro got %s %s?%s while subscriptions were told; want only the poll's listings", r.Method, r.Path, r.Query)
		}
	}
}
