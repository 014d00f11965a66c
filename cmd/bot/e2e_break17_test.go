package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 17 held against Syncro's faults at each step, through run: a
// write Syncro made but answered badly is one write, and the person is
// told what Syncro holds.

// lastReply is the text of Dana's latest ephemeral reply.
func (b *e2eBot) lastReply() string {
	es := b.f.Ephemerals(e2eUser)
	if len(es) == 0 {
		return ""
	}
	return replyText(es[len(es)-1].Message)
}

// afterWriteFaults runs test, in parallel, once per fault Syncro can
// answer after it wrote: a 500 and a cut-off body.
func afterWriteFaults(t *testing.T, test func(ctx context.Context, t *testing.T, b *e2eBot, fault syncrotest.Fault)) {
	eachFault(t, []syncrotest.Fault{syncrotest.FaultCommitThenFail, syncrotest.FaultCommitThenGarbage}, test)
}

// eachFault runs test, in parallel, once per fault, each on a bot of its
// own (-debug).
func eachFault(t *testing.T, faults []syncrotest.Fault, test func(ctx context.Context, t *testing.T, b *e2eBot, fault syncrotest.Fault)) {
	t.Parallel()
	for _, fault := range faults {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			test(ctx, t, startDebugBot(ctx, t, nil), fault)
		})
	}
}

// addMessageTo opens "Add to ticket" on msg, picks ticket tk and submits
// it, waiting until the submission's work is done.
func (b *e2eBot) addMessageTo(ctx context.Context, t *testing.T, msg slackfake.Message, tk syncrotest.Ticket) {
	t.Helper()
	f := b.addFormOn(ctx, t, msg)
	vals := textValues(t, f.JSON)
	label := "#" + itoa64(tk.Number)
	vals[tickets.BlockTicket] = map[string]slackfake.Input{tickets.BlockTicket: slackfake.ExternalSelectInput(label, itoa64(tk.ID)+":"+itoa64(tk.Number))}
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: f.ID, Values: vals})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
}

// TestE2E_Break17_AddToTicket_SyncroFailsAfterWriting_OneCommentAndTheTruth:
// Syncro writes the comment and then answers 500 (then, on a second try,
// with a cut-off body). Syncro holds one comment, Dana is not told it
// failed, and adding the message again adds nothing.
func TestE2E_Break17_AddToTicket_SyncroFailsAfterWriting_OneCommentAndTheTruth(t *testing.T) {
	afterWriteFaults(t, func(ctx context.Context, t *testing.T, b *e2eBot, fault syncrotest.Fault) {
		text := "Toner arrives " + fault.String()
		tk, msg, first := b.addFacing(ctx, t, text, "POST", "/tickets/*/comment", 1, fault)
		if n := len(commentsWith(b.srv, tk.ID, text)); n != 1 {
			t.Fatalf("Syncro holds %d comments after the fault, want 1; reply %q", n, first)
		}
		for _, lie := range []string{"nothing was added", "wasn't added", "not added", "couldn't add", "failed"} {
			if strings.Contains(strings.ToLower(first), lie) {
				t.Errorf("Syncro holds the comment but Dana was told %q", first)
			}
		}
		b.addMessageTo(ctx, t, msg, tk)
		if n := len(commentsWith(b.srv, tk.ID, text)); n != 1 {
			t.Errorf("Syncro holds %d comments after adding again, want 1; replies %q then %q", n, first, b.lastReply())
		}
	})
}

// TestE2E_Break17_CreateFromMessage_SyncroFailsAfterWriting_OneTicketAndTheTruth:
// Syncro creates the ticket and then answers 500 (or a cut-off body).
// Syncro holds one ticket, Dana is told its number, and making the
// message a ticket again creates none.
func TestE2E_Break17_CreateFromMessage_SyncroFailsAfterWriting_OneTicketAndTheTruth(t *testing.T) {
	afterWriteFaults(t, func(ctx context.Context, t *testing.T, b *e2eBot, fault syncrotest.Fault) {
		dental := customerNamed(t, b.srv, "Cascade Dental Group")
		text := "Cascade's fax is down " + fault.String()
		msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: text})
		v := b.createFromMessage(ctx, t, msg)
		b.srv.Fail("POST", "/tickets", 1, fault)
		ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
		b.waitWorkDone(ctx, t, ack.EnvelopeID)
		first := b.lastReply()
		tk := b.newTicketFor(ctx, t, dental.ID, text)
		if !strings.Contains(first, "#"+itoa64(tk.Number)) {
			t.Errorf("Syncro holds #%d but Dana was told %q", tk.Number, first)
		}

		b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, msg)
		b.waitViewSaying(ctx, t, "This message is already ticket #"+itoa64(tk.Number))
		b.newTicketFor(ctx, t, dental.ID, text)
	})
}

// TestE2E_Break17_LinkedCustomerDeletedInSyncro: #ops is linked to Cascade
// Dental Group, which is then deleted in Syncro. The create form made
// from a message there does not offer the deleted customer as found (a
// ticket for it would be refused) and says why.
func TestE2E_Break17_LinkedCustomerDeletedInSyncro(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	n := b.replies()
	b.slash(ctx, t, "link Cascade Dental Group")
	b.waitReply(ctx, t, n, "Linked")
	deleteCustomerInSyncro(t, b.srv, dental.ID)

	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Cascade's router is blinking"})
	v := b.createFromMessage(ctx, t, msg)
	if o := modalInputs(t, v.JSON)[commands.BlockCustomer].Element.InitialOption; o != nil && o.Value == itoa64(dental.ID) {
		t.Errorf("the form preselects %q, a customer Syncro deleted: %s", o.Text.Text, v.JSON)
	}

	if !strings.Contains(string(v.JSON), "which Syncro no longer has") {
		t.Errorf("the form does not say the linked customer is gone: %s", v.JSON)
	}
}

// TestE2E_Break17_Unfurl_SyncroDownDoesNotSpendTheWindow: Syncro cannot
// be read when Dana pastes a ticket link in #ops, so it gets no preview;
// pasted again once Syncro answers, it gets one (the 30 minutes count
// from a preview shown, not from one that failed).
func TestE2E_Break17_Unfurl_SyncroDownDoesNotSpendTheWindow(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := pingersTicket(t, b.srv)
	link := b.ticketLink(tk.ID)
	b.srv.Fail("GET", "/tickets/"+itoa64(tk.ID), 10, syncrotest.FaultHTML)
	if got := b.postLinks(ctx, t, e2eChannel, e2eUser, "anyone? "+link); len(got) != 0 {
		t.Fatalf("a preview while Syncro answers HTML: %+v", got)
	}
	b.srv.ClearFaults()
	if got := b.postLinks(ctx, t, e2eChannel, e2eUser, "again: "+link); len(got) != 1 {
		t.Errorf("once Syncro answers, the link got %d previews, want 1", len(got))
	}
}

// TestE2E_Unfurl_ChatUnfurlFailsDoesNotSpendTheWindow: Slack refuses
// chat.unfurl when Dana pastes a ticket link in #ops, so no one sees a
// preview; pasted again, the link gets one, and a third paste, within
// the 30 minutes of a preview shown, gets none and costs no Syncro read.
func TestE2E_Unfurl_ChatUnfurlFailsDoesNotSpendTheWindow(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	link := b.ticketLink(pingersTicket(t, b.srv).ID)
	b.f.InjectFault("chat.unfurl", slackfake.Fault{Error: "cannot_unfurl_url"})
	if got := b.postLinks(ctx, t, e2eChannel, e2eUser, "anyone? "+link); len(got) != 0 {
		t.Fatalf("a preview shown while Slack refused chat.unfurl: %+v", got)
	}
	if got := b.postLinks(ctx, t, e2eChannel, e2eUser, "again: "+link); len(got) != 1 {
		t.Fatalf("pasted again after chat.unfurl failed, the link got %d previews, want 1", len(got))
	}
	b.srv.ResetLog()
	if got := b.postLinks(ctx, t, e2eChannel, e2eUser, "and again: "+link); len(got) != 0 || len(b.srv.Requests()) != 0 {
		t.Errorf("pasted a third time within the window: %d previews, Syncro calls %v; want none", len(got), b.srv.Requests())
	}
}
