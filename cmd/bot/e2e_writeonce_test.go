package main

import (
	"context"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// A write a person triggers happens once, however often Slack delivers
// it or Dana clicks.

// TestE2E_RedeliveredCloseSubmissionWritesOnce: Slack redelivers the close
// form's envelope (the ack was lost) while the first is still at Syncro:
// one comment, one status change, one session log.
func TestE2E_RedeliveredCloseSubmissionWritesOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	const resolution = "Cleared the spooler."

	view := b.openCloseForm(ctx, t, tk.Number)
	b.srv.ResetLog()
	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	va := b.submitView(ctx, t, closeSubmission(t, view, resolution))
	b.waitHeld(ctx, t) // the first submission's comment is at Syncro
	if _, err := b.f.Redeliver(ctx, va.EnvelopeID); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	b.srv.ReleaseHangs()
	b.waitReply(ctx, t, 0, "Closed #")
	b.waitReply(ctx, t, 1) // the redelivery's own answer (the duplicate notice)
	if got := commentsWithBody(b.srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}
	if got := statusPUTs(b.srv, tk.ID); got != 1 {
		t.Errorf("%d status PUTs, want 1", got)
	}
	if files := sessionLogFiles(t, b.env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("session logs = %q, want 1", files)
	}
}

// TestE2E_RedeliveredSlashCommentWritesOnce: the same for /syncro comment
// with time (promise: a redelivered envelope writes nothing twice).
func TestE2E_RedeliveredSlashCommentWritesOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	timersBefore, _ := loggedMinutes(b.srv, tk.ID)

	ack := b.slash(ctx, t, "comment "+itoa64(tk.Number)+" --time 20m Checked the queue")
	b.waitReply(ctx, t, 0, "20")
	if _, err := b.f.Redeliver(ctx, ack.EnvelopeID); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	b.waitReply(ctx, t, 1)
	if got := commentsWithBody(b.srv, tk.ID, "Checked the queue"); got != 1 {
		t.Errorf("Syncro holds %d comments, want 1", got)
	}
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers-timersBefore != 20 {
		t.Errorf("timer minutes grew by %d, want 20", timers-timersBefore)
	}
}

// logTimeFromCard opens ticket number's card, presses Log time on it and
// fills the form with minutes and notes; it returns the submission, not
// yet sent, so a test can send it as often as Slack would.
func (b *e2eBot) logTimeFromCard(ctx context.Context, t *testing.T, number int64, minutes, notes string) slackfake.ViewSubmission {
	t.Helper()
	seen := len(b.f.Ephemerals(e2eUser))
	b.slash(ctx, t, "ticket "+itoa64(number))
	card := b.waitReply(ctx, t, seen)
	b.click(ctx, t, card, buttonsIn(t, card.Blocks)[ticketview.ActionLogTime])
	view := b.waitView(ctx, t, commands.CallbackLogTime)
	vals := textValues(t, view.JSON)
	vals[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: slackfake.TextInput(minutes)}
	vals[commands.BlockNotes] = map[string]slackfake.Input{commands.BlockNotes: slackfake.TextInput(notes)}
	return slackfake.ViewSubmission{UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackLogTime, PrivateMetadata: view.PrivateMetadata, Values: vals}
}

// TestE2E_LogTimeFromTheCardDoubleSubmitLogsOnce: Log time from the ticket
// card, its form submitted twice at once: one comment, the minutes once.
func TestE2E_LogTimeFromTheCardDoubleSubmitLogsOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	timersBefore, _ := loggedMinutes(b.srv, tk.ID)

	sub := b.logTimeFromCard(ctx, t, tk.Number, "1h15m", "Driver rollback on 4 PCs.")
	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultCommitThenFail)
	b.doubleSubmit(ctx, t, sub)
	b.waitReply(ctx, t, 2)
	if got := commentsWithBody(b.srv, tk.ID, "Driver rollback"); got != 1 {
		t.Errorf("Syncro holds %d notes comments, want 1", got)
	}
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers-timersBefore != 75 {
		t.Errorf("timer minutes grew by %d, want 75", timers-timersBefore)
	}
}
