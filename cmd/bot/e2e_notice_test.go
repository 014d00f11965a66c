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

	b.slash(ctx, t, fmt.Sprintf("close %d", tk.Number))
	view := b.waitView(ctx, t, commands.CallbackClose)
	va, err := b.f.ViewSubmission(ctx, slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackClose, PrivateMetadata: view.PrivateMetadata,
		Values: slackfake.Values{
			commands.BlockResolution: {commands.BlockResolution: slackfake.TextInput("Pumped the water out.")},
			commands.BlockCloseOptions: {commands.BlockCloseOptions: {Type: "checkboxes",
				SelectedOptions: []slackfake.SelectOption{{Text: "Post to the notify channel", Value: commands.CloseOptionNotify}}}},
		},
	})
	if err != nil {
		t.Fatalf("view_submission: %v", err)
	}
	if va.ResponseAction == "errors" {
		t.Fatalf("form refused: %+v", va.Errors)
	}

	var notice slackfake.Message
	err = b.f.WaitUntil(ctx, func() bool {
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
