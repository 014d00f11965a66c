package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// README: "shared" means any conversation people outside the workspace
// can read. Each way Slack marks a channel so counts the same for every
// use: a ticket's thread, link previews, subscriptions and NOTIFY_CHANNEL.

// sharedKinds are channels that people outside the home workspace can
// read, one per flag Slack sets, each with its own id.
var sharedKinds = []struct {
	name string
	ch   slackfake.Channel
}{
	{"Slack Connect", slackfake.Channel{ID: "C0CONNECT", Name: "acme-connect", IsExtShared: true}},
	{"Slack Connect invitation pending", slackfake.Channel{ID: "C0PENDING", Name: "acme-pending", IsPendingExtShared: true}},
	{"shared across the Enterprise Grid org", slackfake.Channel{ID: "C0ORGWIDE", Name: "org-wide", IsOrgShared: true}},
	{"is_shared alone", slackfake.Channel{ID: "C0SHARED", Name: "shared", IsShared: true}},
}

// addSharedKinds makes every sharedKinds channel known to Slack.
func (b *e2eBot) addSharedKinds() {
	for _, k := range sharedKinds {
		b.f.AddChannel(k.ch)
	}
}

// TestE2E_SharedKinds_TicketFromAMessagePostsNothingInItsThread: Dana
// makes a ticket of her own message in each kind of shared channel
// (none linked): Syncro holds the ticket, and the channel shows nothing
// from the bot, where an internal channel's thread gets the summary.
func TestE2E_SharedKinds_TicketFromAMessagePostsNothingInItsThread(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	b.addSharedKinds()
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	for _, k := range sharedKinds {
		text := "Cascade's scanner is offline (" + k.name + ")"
		msg := b.post(ctx, t, slackfake.PersonMessage{Channel: k.ch.ID, User: e2eUser, Text: text})
		v := b.createFromMessage(ctx, t, msg)
		ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
		b.waitWorkDone(ctx, t, ack.EnvelopeID)
		b.newTicketFor(ctx, t, dental.ID, text)
		if posted := b.botMessagesIn(k.ch.ID); len(posted) != 0 {
			t.Errorf("%s: the channel shows %+v, want nothing", k.name, posted)
		}
	}
}

// TestE2E_SharedKinds_NoLinkPreview: a ticket link pasted in each kind of
// shared channel gets no preview.
func TestE2E_SharedKinds_NoLinkPreview(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	b.addSharedKinds()
	link := b.ticketLink(pingersTicket(t, b.srv).ID)
	for _, k := range sharedKinds {
		if got := b.postLinks(ctx, t, k.ch.ID, e2eUser, "see "+link); len(got) != 0 {
			t.Errorf("%s: %d previews, want none", k.name, len(got))
		}
	}
}

// TestE2E_SharedKinds_SubscribingIsRefused: /syncro subscribe in each
// kind of shared channel is refused, and the channel has no subscription.
func TestE2E_SharedKinds_SubscribingIsRefused(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startSubscribingBot(ctx, t)
	b.addSharedKinds()
	for _, k := range sharedKinds {
		for _, text := range []string{"subscribe --events new", "subscriptions"} {
			n := b.replies()
			if _, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: k.ch.ID, Text: text}); err != nil {
				t.Fatal(err)
			}
			want := "shared with another workspace"
			if text == "subscriptions" {
				want = "This channel has no subscriptions"
			}
			if got := b.waitReply(ctx, t, n); !strings.Contains(replyText(got.Message), want) {
				t.Errorf("%s: /syncro %s answered %q, want %q", k.name, text, replyText(got.Message), want)
			}
		}
	}
}

// TestE2E_SharedKinds_NotifyChannelGetsNoNotice: with NOTIFY_CHANNEL each
// kind of shared channel, a ticket closed in Syncro is not announced
// there; the log names the ticket and why.
func TestE2E_SharedKinds_NotifyChannelGetsNoNotice(t *testing.T) {
	t.Parallel()
	for _, k := range sharedKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			b := startE2EBot(ctx, t, func(env map[string]string) {
				env["NOTIFY_CHANNEL"] = k.ch.ID
				env["SYNCRO_POLL_INTERVAL"] = "1s"
			})
			b.f.AddChannel(k.ch)
			b.waitLog(ctx, t, "first start: announcing tickets closed from now on")
			tk := b.marcusTicket(t, "Badge reader offline")
			if err := b.srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
				t.Fatal(err)
			}
			b.waitLog(ctx, t, `"msg":"notice dropped","component":"bot","channel":"`+k.ch.ID+`","ticket_id":`+itoa64(tk.ID)+`,"why":"the channel is shared with another workspace"`)
			if msgs := b.f.Messages(k.ch.ID); len(msgs) != 0 {
				t.Errorf("the shared NOTIFY_CHANNEL got %d messages: %+v", len(msgs), msgs)
			}
		})
	}
}

// TestE2E_NotifyChannelSharedLaterGetsNoNotice: NOTIFY_CHANNEL announces
// a close, is then shared with a client's workspace (Slack says so with
// channel_shared), and the next close is not announced there; the log
// names the ticket and why.
func TestE2E_NotifyChannelSharedLaterGetsNoNotice(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	before := b.marcusTicket(t, "Printer jams on tray 2")
	if err := b.srv.SetTicketStatus(before.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	b.waitNotice(ctx, t, before.Number)

	if _, err := b.f.ShareChannel(ctx, notifyChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	after := b.marcusTicket(t, "VPN drops hourly")
	if err := b.srv.SetTicketStatus(after.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	b.waitLog(ctx, t, `"channel":"`+notifyChannel+`","ticket_id":`+itoa64(after.ID)+`,"why":"the channel is shared with another workspace"`)
	if got := b.noticesAbout(t, after.Number); len(got) != 0 {
		t.Errorf("#%d was announced in NOTIFY_CHANNEL after it was shared: %+v", after.Number, got)
	}
}

// TestE2E_Replicas_ChannelSharedLaterGetsNoNoticeFromEither: two
// replicas; #ops subscribes and is told of a new ticket, then is shared
// with a client's workspace. Slack tells one replica; the other hears it
// from that one, and the next new ticket is told in #ops by neither.
func TestE2E_Replicas_ChannelSharedLaterGetsNoNoticeFromEither(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	bots := startReplicas(ctx, t, 2, func(env map[string]string) { env["SYNCRO_POLL_INTERVAL"] = "1s" })
	b := bots[0]
	acme := b.newTicketTold(ctx, t, "Printer offline").CustomerID

	if _, err := b.f.ShareChannel(ctx, e2eChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	// Slack told the replica that logged it, before its ack; the other
	// must hear it from that one.
	var other *e2eBot
	for i, r := range bots {
		if strings.Contains(r.stderr.String(), "channel shared with another workspace") {
			other = bots[1-i]
		}
	}
	if other == nil {
		t.Fatal("no replica heard channel_shared")
	}
	other.waitLog(ctx, t, "Slack told another replica; asking Slack afresh")

	after := b.srv.AddTicket(syncrotest.Ticket{Subject: "Payroll export for Acme's accountant", CustomerID: acme, Status: "New"})
	number := "#" + itoa64(after.Number)
	dropped := `"msg":"notice dropped","component":"bot","channel":"` + e2eChannel + `"`
	if err := poll(ctx, func() bool {
		return strings.Contains(bots[0].stderr.String()+bots[1].stderr.String(), dropped) || strings.Contains(b.channelShows(), number)
	}); err != nil {
		t.Fatalf("%s neither told nor dropped: %v", number, err)
	}
	if shown := b.channelShows(); strings.Contains(shown, number) {
		t.Errorf("%s was told in #ops after #ops was shared:\n%s", number, shown)
	}
}
