package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Ticket threads, through run: the bot's news of a ticket made from a
// message — a status change made through the bot, its close — reaches
// that message's thread once each, in an internal channel only.

// waitThread waits until the thread of ts in channel holds n messages
// and returns them.
func (b *e2eBot) waitThread(ctx context.Context, t *testing.T, channel, ts string, n int) []slackfake.Message {
	t.Helper()
	if err := b.f.WaitUntil(ctx, func() bool { return len(b.f.Thread(channel, ts)) >= n }); err != nil {
		t.Fatalf("thread %s/%s holds %+v, want %d messages: %v; stderr:\n%s", channel, ts, b.f.Thread(channel, ts), n, err, b.stderr.String())
	}
	return b.f.Thread(channel, ts)
}

// TestE2E_TicketThread_StatusChangeAndCloseReachTheThreadOnceEach: a
// ticket made from a message in #ops; Dana sets its status with /syncro
// update and closes it with a double-clicked close form. The thread
// shows the summary, the status change and the close, one each.
func TestE2E_TicketThread_StatusChangeAndCloseReachTheThreadOnceEach(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	root, tk := b.ticketFromMessage(ctx, t, "Cascade's phones ring once and drop")
	b.waitThread(ctx, t, e2eChannel, root.TS, 1)

	b.slash(ctx, t, "update "+itoa64(tk.Number)+" --status Scheduled")
	th := b.waitThread(ctx, t, e2eChannel, root.TS, 2)
	if !strings.Contains(th[1].Text, "#"+itoa64(tk.Number)+" status changed by <@"+e2eUser+">") || !strings.Contains(th[1].Text, "*Scheduled*") {
		t.Errorf("thread's second message = %q, want the status change", th[1].Text)
	}

	view := b.openCloseForm(ctx, t, tk.Number)
	b.doubleSubmit(ctx, t, closeSubmission(t, view, "Replaced the PBX line card"))
	th = b.waitThread(ctx, t, e2eChannel, root.TS, 3)
	if !strings.Contains(th[2].Text, "Ticket #"+itoa64(tk.Number)+" closed by") {
		t.Errorf("thread's third message = %q, want the close", th[2].Text)
	}
	// Both submissions are answered (the second as a repeat), so any
	// second close line would be in the thread by now.
	b.waitReply(ctx, t, 0, "twice")
	if th := b.f.Thread(e2eChannel, root.TS); len(th) != 3 {
		t.Errorf("thread holds %d messages, want 3 (summary, status, close): %+v", len(th), th)
	}
}

// TestE2E_TicketThread_SharedChannelHearsOnlyTheNeutralLine: a ticket
// made from Rhonda's message in the shared channel linked with
// --acknowledge; its status change and close, made from #ops, are over
// (everything they post is sent) and the shared thread still holds only
// the neutral line.
func TestE2E_TicketThread_SharedChannelHearsOnlyTheNeutralLine(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	acme := b.acknowledgedClientChannel(ctx, t)
	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: sharedChannel, User: clientUser, Text: "Badge reader at the back door is dead"})
	v := b.createFromMessage(ctx, t, msg)
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, 0)})
	tk := b.newTicketFor(ctx, t, acme.ID, "Badge reader at the back door is dead")
	b.waitThread(ctx, t, sharedChannel, msg.TS, 1)

	update := b.slash(ctx, t, "update "+itoa64(tk.Number)+" --status Scheduled")
	b.waitWorkDone(ctx, t, update.EnvelopeID)
	closed := b.submitView(ctx, t, closeSubmission(t, b.openCloseForm(ctx, t, tk.Number), "Rewired the reader"))
	b.waitWorkDone(ctx, t, closed.EnvelopeID)
	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != "Resolved" {
		t.Fatalf("status = %q, want Resolved: without the close, the check below proves nothing", got)
	}
	if th := b.f.Thread(sharedChannel, msg.TS); len(th) != 1 || !strings.HasSuffix(th[0].Text, "opened — we're on it.") {
		t.Errorf("the shared thread shows %+v, want only the neutral line", th)
	}
}

// TestE2E_TicketThread_InvoiceFromSlackReachesTheThreadOnce: a ticket
// made from a message in #ops is billed from Slack with a double-clicked
// bill form. The thread shows the summary and one invoice line: the
// notice NOTIFY_CHANNEL gets, naming the invoice Syncro holds and who
// billed it (a mention), not only its fallback text.
func TestE2E_TicketThread_InvoiceFromSlackReachesTheThreadOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	root, tk := b.ticketFromMessage(ctx, t, "Front desk printer jams on every envelope")
	b.waitThread(ctx, t, e2eChannel, root.TS, 1)

	seen := b.replies()
	view := b.openBillForm(ctx, t, tk.Number)
	b.doubleSubmit(ctx, t, billSubmission(t, view, "45", "Replaced the pickup roller."))
	b.waitReply(ctx, t, seen, "Invoiced #")
	th := b.waitThread(ctx, t, e2eChannel, root.TS, 2)
	var number string
	for _, inv := range b.srv.Invoices() {
		if inv.TicketID == tk.ID {
			number = inv.Number
		}
	}
	if number == "" || invoicesOf(b.srv, tk.ID) != 1 {
		t.Fatalf("Syncro holds %d invoices of #%d, want 1", invoicesOf(b.srv, tk.ID), tk.Number)
	}
	shown := th[1].Text
	for _, bl := range blocksOf(t, th[1]) {
		shown += "\n" + bl.Text
	}
	for _, want := range []string{"#" + itoa64(tk.Number), "*Invoice:* #" + number, "*Invoiced by:* <@" + e2eUser + ">"} {
		if !strings.Contains(shown, want) {
			t.Errorf("thread's second message lacks %q: %s", want, shown)
		}
	}
	// Both submissions are answered (the second as a repeat), so any
	// second invoice line would be in the thread by now.
	b.waitReply(ctx, t, seen, "twice")
	if th := b.f.Thread(e2eChannel, root.TS); len(th) != 2 {
		t.Errorf("thread holds %d messages, want 2 (summary, invoice): %+v", len(th), th)
	}
}

// Ticket threads for a reply in a thread (README "Ticket threads"): the
// ticket lives in the parent's thread, and the reply is still the
// message the ticket was made from.

// replyInThread posts parentText in #ops and replyText under it, as Dana.
func (b *e2eBot) replyInThread(ctx context.Context, t *testing.T, parentText, replyText string) (parent, reply slackfake.Message) {
	t.Helper()
	parent = b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: parentText})
	return parent, b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: replyText, ThreadTS: parent.TS})
}

// ticketOf submits the create form v as filled for Cascade Dental
// (with metadata, when not "", as its private_metadata) and returns the
// ticket made, subject subject.
func (b *e2eBot) ticketOf(ctx context.Context, t *testing.T, v slackfake.View, metadata, subject string) syncrotest.Ticket {
	t.Helper()
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	sub := slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)}
	if metadata != "" {
		sub.CallbackID, sub.PrivateMetadata = v.CallbackID, metadata
	}
	b.submitView(ctx, t, sub)
	tk := b.newTicketFor(ctx, t, dental.ID, subject)
	b.waitReply(ctx, t, 0, "Created #"+itoa64(tk.Number))
	return tk
}

// ticketFromReply posts a parent in #ops and a reply under it, makes a
// ticket from the reply as Dana, and waits for the summary in the
// parent's thread.
func (b *e2eBot) ticketFromReply(ctx context.Context, t *testing.T, parentText, replyText string) (parent, reply slackfake.Message, tk syncrotest.Ticket) {
	t.Helper()
	parent, reply = b.replyInThread(ctx, t, parentText, replyText)
	v := b.createFromMessage(ctx, t, reply)
	tk = b.ticketOf(ctx, t, v, "", replyText)
	b.waitThread(ctx, t, e2eChannel, parent.TS, 2) // the reply and the summary
	return parent, reply, tk
}

// TestE2E_TicketFromAThreadReply_StatusChangeReachesTheParentsThreadOnce:
// the status change of a ticket made from a reply is one line in the
// parent's thread, after the summary.
func TestE2E_TicketFromAThreadReply_StatusChangeReachesTheParentsThreadOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	parent, _, tk := b.ticketFromReply(ctx, t, "Cascade's front desk is offline", "Now the X-ray PC won't boot either")

	ack := b.slash(ctx, t, "update "+itoa64(tk.Number)+" --status Scheduled")
	// The parent's thread holds the reply itself, the summary, then the
	// status change.
	th := b.waitThread(ctx, t, e2eChannel, parent.TS, 3)
	if !strings.Contains(th[2].Text, "#"+itoa64(tk.Number)+" status changed by <@"+e2eUser+">") {
		t.Errorf("parent's thread's third message = %q, want the status change", th[2].Text)
	}
	b.waitWorkDone(ctx, t, ack.EnvelopeID) // a second line would be posted by now
	if th := b.f.Thread(e2eChannel, parent.TS); len(th) != 3 {
		t.Errorf("parent's thread holds %d messages, want 3 (reply, summary, status): %+v", len(th), th)
	}
}

// TestE2E_TicketFromAThreadReply_CreateAgainNamesTheReplyNotTheParent:
// "Create Syncro ticket" picked again on the reply that became ticket #N
// says so ("This message is already ticket #N"), as it does for a
// message of the channel; on the parent, a message of its own that never
// became a ticket, it opens the form.
func TestE2E_TicketFromAThreadReply_CreateAgainNamesTheReplyNotTheParent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	parent, reply, tk := b.ticketFromReply(ctx, t, "Cascade's front desk is offline", "Now the X-ray PC won't boot either")

	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, reply)
	b.waitViewSaying(wctx, t, "This message is already ticket #"+itoa64(tk.Number))
	b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, parent)
	b.waitView(wctx, t, tickets.CallbackCreateFromMessage)
}

// TestE2E_TicketFromAThreadReply_AddToTicketOnTheParentPicksIt: the
// ticket made from a reply is the thread's, so "Add to ticket" on the
// thread's parent has it picked, though the parent became no ticket.
func TestE2E_TicketFromAThreadReply_AddToTicketOnTheParentPicksIt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	parent, _, tk := b.ticketFromReply(ctx, t, "Cascade's front desk is offline", "Now the X-ray PC won't boot either")
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, parent)
	b.waitViewSaying(ctx, t, "Ticket #"+itoa64(tk.Number)+" was made from this thread")
}

// TestE2E_TicketFromAThreadReply_FormOpenedBeforeTheDeploy: a create
// form opened on a reply before the bot knew threads (its
// private_metadata has no "rt") and submitted after: the summary still
// goes to the parent's thread, the one Slack shows, read from the
// reply's permalink (?thread_ts=).
func TestE2E_TicketFromAThreadReply_FormOpenedBeforeTheDeploy(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	parent, reply := b.replyInThread(ctx, t, "Cascade's front desk is offline", "Now the X-ray PC won't boot either")
	v := b.createFromMessage(ctx, t, reply)
	meta, err := commands.DecodeMeta(v.PrivateMetadata)
	if err != nil || meta.Msg == nil || meta.Msg.Root != parent.TS {
		t.Fatalf("form's metadata = %+v, %v; want the reply's, its thread named", meta.Msg, err)
	}
	meta.Msg.Root = "" // as a form opened before cb0797b
	tk := b.ticketOf(ctx, t, v, meta.Encode(), "Now the X-ray PC won't boot either")
	th := b.waitThread(ctx, t, e2eChannel, parent.TS, 2)
	if got := b.f.Thread(e2eChannel, reply.TS); len(got) > 0 {
		t.Errorf("the reply's ts holds a thread of its own, which Slack never shows: %+v", got)
	}
	if !strings.Contains(th[1].Text, "Ticket #"+itoa64(tk.Number)+" created from this message") {
		t.Errorf("parent's thread's second message = %q, want the summary", th[1].Text)
	}
}

// TestE2E_TicketFromAThreadReply_TwoRepliesTwoTicketsNeitherLost: the
// first ticket's news still reaches the thread; Add to ticket picks the newer.
func TestE2E_TicketFromAThreadReply_TwoRepliesTwoTicketsNeitherLost(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	parent, _, first := b.ticketFromReply(ctx, t, "Cascade's front desk is offline", "Now the X-ray PC won't boot either")
	pm := slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "And the label printer jams", ThreadTS: parent.TS}
	v := b.createFromMessage(ctx, t, b.post(ctx, t, pm))
	second := b.ticketOf(ctx, t, v, "", "And the label printer jams")
	// reply, summary, reply, summary
	th := b.waitThread(ctx, t, e2eChannel, parent.TS, 4)
	if !strings.Contains(th[3].Text, "Ticket #"+itoa64(second.Number)+" created from this message") {
		t.Errorf("parent's thread's fourth message = %q, want the second summary", th[3].Text)
	}

	b.slash(ctx, t, "update "+itoa64(first.Number)+" --status Scheduled")
	th = b.waitThread(ctx, t, e2eChannel, parent.TS, 5)
	if !strings.Contains(th[4].Text, "#"+itoa64(first.Number)+" status changed by") {
		t.Errorf("parent's thread's fifth message = %q, want the first ticket's status change", th[4].Text)
	}

	later := slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Rebooted, works now", ThreadTS: parent.TS}
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, b.post(ctx, t, later))
	b.waitViewSaying(ctx, t, "Ticket #"+itoa64(second.Number)+" was made from this thread")
}
