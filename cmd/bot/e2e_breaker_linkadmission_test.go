package main

import (
	"context"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
)

// TestE2E_LinkButtonWithoutURLIsAckedWithNothing: the registry marks
// "Open in Syncro" a link (Button.Link: "acknowledged and nothing else",
// docs/registry.md), but bot decides by the url in the payload and ignores
// Commands.IsLink. A click on the link id whose payload lacks the url (an
// older client, a message re-rendered without it) goes through the whole
// admission chain: users.info, and a refusal message to someone no longer
// on ALLOWED_USERS for clicking a link.
//
// Reproduce: go test -race -run TestE2E_LinkButtonWithoutURLIsAckedWithNothing ./cmd/bot
func TestE2E_LinkButtonWithoutURLIsAckedWithNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	env["ALLOWED_USERS"] = "U0SOMEONEELSE"
	startBreakerBot(ctx, t, f, srv, env, 1)
	srv.ResetLog()
	calls := len(f.Calls())

	ack, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel, MessageTS: "1700000000.000100", IsEphemeral: true,
		Actions: []slackfake.Action{slackfake.Button(tickets.ActionOpenInSyncro, "ticket_actions", "123:32151")}})
	if err != nil || ack.Payload != nil || ack.Late {
		t.Fatalf("ack %s late %v err %v", ack.Payload, ack.Late, err)
	}
	// Whatever the click sets off starts right after the ack; nothing
	// coming within 3 s is the pass.
	quiet, done := context.WithTimeout(ctx, 3*time.Second)
	defer done()
	_ = f.WaitUntil(quiet, func() bool { return len(f.Ephemerals(e2eUser)) > 0 || len(f.Calls()) > calls })
	if es := f.Ephemerals(e2eUser); len(es) != 0 {
		t.Errorf("a click on a link button answered %q", es[0].Text)
	}
	for _, c := range f.Calls()[calls:] {
		t.Errorf("a click on a link button called Slack's %s", c.Method)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("a click on a link button made %d Syncro requests", n)
	}
}
