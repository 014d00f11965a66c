package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
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
