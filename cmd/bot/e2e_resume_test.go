package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
)

// Work a crash cut off, met again (README, "Nothing lost, nothing
// twice"): the owner is told by DM when the channel the work started in
// is gone, and the forms' offer of Finish lets new work through.

// TestE2E_RestartMessageGoesByDMWhenTheChannelIsGone: a close the crash
// cut off was started in #ops, which is gone by the restart (Slack
// answers channel_not_found). Dana gets the restart's message as a DM,
// with Finish, and Finish pressed there completes the close once.
func TestE2E_RestartMessageGoesByDMWhenTheChannelIsGone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const resolution = "Moved the printer to the new VLAN."
	b, tk := closeHeldAtStatus(ctx, t, resolution)
	// #ops is archived while the bot is down: every post there fails.
	b.f.InjectFault("chat.postEphemeral", slackfake.Fault{Error: slackfake.ErrCodeChannelNotFound, Times: 100})
	b2 := b.afterCrash(ctx, t)

	var dm slackfake.Message
	if err := b2.f.WaitUntil(ctx, func() bool {
		for _, m := range b2.f.AllMessages() {
			if strings.HasPrefix(m.Channel, "D") && strings.Contains(string(m.Blocks), tickets.ActionFinish) {
				dm = m
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no DM with Finish after the restart: %v; messages %+v; stderr:\n%s", err, b2.f.AllMessages(), b2.stderr.String())
	}
	if dm.Channel != "D"+strings.TrimPrefix(e2eUser, "U") || !strings.Contains(dm.Text, "#"+itoa64(tk.Number)) {
		t.Errorf("the restart's DM is in %s and says %q; want Dana's DM naming #%d", dm.Channel, dm.Text, tk.Number)
	}
	for _, m := range b2.f.Messages(e2eChannel) {
		t.Errorf("a message in the gone #ops: %q", m.Text)
	}

	if _, err := b2.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: dm.Channel, MessageTS: dm.TS,
		Actions: []slackfake.Action{button(t, dm.Blocks, tickets.ActionFinish)}}); err != nil {
		t.Fatalf("click Finish in the DM: %v", err)
	}
	if err := poll(ctx, func() bool { return ticketByNumber(t, b2.srv, tk.Number).Status == "Resolved" }); err != nil {
		t.Fatalf("Finish from the DM did not close #%d: %v; stderr:\n%s", tk.Number, err, b2.stderr.String())
	}
	if n := commentsWithBody(b2.srv, tk.ID, resolution); n != 1 {
		t.Errorf("Syncro holds the resolution %d times, want 1", n)
	}
}

// TestE2E_OpenANewFormAnywayOpensTheFormForNewWork: while the close a
// crash cut off is unfinished, /syncro close offers its Finish; *Open a
// new form anyway* opens the close form, and what it submits is written
// once beside the old work.
func TestE2E_OpenANewFormAnywayOpensTheFormForNewWork(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const second = "Second visit: replaced the network cable."
	b2, tk := closeCutOffByACrash(ctx, t, "Reset the printer to factory settings.")

	b2.slash(ctx, t, "close "+itoa64(tk.Number))
	offer := b2.waitFormAfter(ctx, t)
	if offer.CallbackID == commands.CallbackClose {
		t.Fatalf("the close form opened fresh while the cut-off close is unfinished:\n%s", offer.JSON)
	}
	anyway := button(t, viewBlocks(t, offer), tickets.ActionNewForm)
	if !strings.Contains(string(offer.JSON), "Open a new form anyway") {
		t.Errorf("the offer does not say *Open a new form anyway*: %s", offer.JSON)
	}
	if _, err := b2.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: offer.ID, Actions: []slackfake.Action{anyway}}); err != nil {
		t.Fatalf("click Open a new form anyway: %v", err)
	}
	form := b2.waitView(ctx, t, commands.CallbackClose)
	b2.submitView(ctx, t, closeSubmission(t, form, second))
	b2.waitReply(ctx, t, 0, "Closed #"+itoa64(tk.Number))
	if n := commentsWithBody(b2.srv, tk.ID, second); n != 1 {
		t.Errorf("Syncro holds the new resolution %d times, want 1", n)
	}
	if got := ticketByNumber(t, b2.srv, tk.Number).Status; got != "Resolved" {
		t.Errorf("status = %q, want Resolved", got)
	}
}
