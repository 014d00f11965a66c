package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// A ticket whose subject holds Slack markup, closed from Slack with "Post
// to the notify channel": the notice the bot posts must ping nobody, in its
// blocks or in its fallback text (which Slack shows in notifications).
func TestE2E_CloseNoticeOfAMentionSubjectPingsNobody(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	const notifyChannel = "C0NOTICES"
	b := startE2EBot(ctx, t, func(env map[string]string) { env["NOTIFY_CHANNEL"] = notifyChannel })
	b.f.AddChannel(slackfake.Channel{ID: notifyChannel, Name: "tickets"})
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud)
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "<!channel> server room flooded <@U0BOSS>", CustomerID: acme.CustomerID, Status: "In Progress"})

	b.closeFromSlack(ctx, t, tk.Number, "Pumped the water out.", commands.CloseOptionNotify)

	var notice slackfake.Message
	err := b.f.WaitUntil(ctx, func() bool {
		for _, m := range b.f.Messages(notifyChannel) {
			if strings.Contains(m.Text, fmt.Sprintf("#%d closed", tk.Number)) {
				notice = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no closed-ticket notice in the notify channel: %v; messages %+v; stderr:\n%s", err, b.f.Messages(notifyChannel), b.stderr.String())
	}
	for what, s := range map[string]string{"text": notice.Text, "blocks": string(notice.Blocks)} {
		if strings.Contains(s, "<!") || strings.Contains(s, "<@") {
			t.Errorf("notice %s would ping: %s", what, s)
		}
	}
	if !strings.Contains(notice.Text, "&lt;!channel&gt; server room flooded &lt;@U0BOSS&gt;") {
		t.Errorf("notice text lost the subject: %q", notice.Text)
	}
}
