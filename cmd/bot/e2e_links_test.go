package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
)

// linkButtonIn is a click on the first button carrying a url in blocks (a
// message's blocks as Slack stores them).
func linkButtonIn(t *testing.T, blocks json.RawMessage) slackfake.Action {
	t.Helper()
	var bs []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			URL      string `json:"url"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("decode blocks: %v\n%s", err, blocks)
	}
	for _, b := range bs {
		for _, el := range b.Elements {
			if el.Type == "button" && el.URL != "" {
				return slackfake.LinkButton(el.ActionID, b.BlockID, el.URL)
			}
		}
	}
	t.Fatalf("no link button in %s", blocks)
	return slackfake.Action{}
}

// TestE2E_OpenInSyncroClickIsAckedSilently: the "Open in Syncro" button
// only opens the browser; Slack still sends the click, which the bot acks
// without a reply and without asking Syncro anything.
func TestE2E_OpenInSyncroClickIsAckedSilently(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	b.slash(ctx, t, "ticket 32150")
	rep := b.waitReply(ctx, t, 1)
	link := linkButtonIn(t, rep.Blocks)
	b.srv.ResetLog()

	ack, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel,
		MessageTS: rep.TS, IsEphemeral: true, Actions: []slackfake.Action{link}})
	if err != nil {
		t.Fatalf("click on %s: %v", link.URL, err)
	}
	if ack.Payload != nil || ack.Late {
		t.Errorf("ack = %s (late %v), want an empty ack in time", ack.Payload, ack.Late)
	}
	// Dana's next command: once its reply is out, whatever the click set
	// off would have shown too.
	b.slash(ctx, t, "ticket 32151")
	if s := replyText(b.waitReply(ctx, t, 2).Message); !strings.Contains(s, "32151") {
		t.Errorf("next reply does not show #32151: %q", s)
	}
	for _, e := range b.f.Ephemerals(e2eUser)[2:] {
		t.Errorf("reply to the link click: %q", replyText(e.Message))
	}
	next := fmt.Sprint(ticketByNumber(t, b.srv, 32151).ID)
	for _, r := range b.srv.Requests() {
		if !strings.Contains(r.Query, "number=32151") && !strings.Contains(r.Path, next) {
			t.Errorf("Syncro asked %s %s?%s, which is not the lookup of #32151", r.Method, r.Path, r.Query)
		}
	}
}
