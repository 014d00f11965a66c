package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_CloseFinishAfterRestartWritesOnce: Syncro refuses the status
// change (500 on every attempt) after the resolution comment landed; the
// bot restarts; Finish on the old reply sets the status and writes the
// session log, without a second comment.
func TestE2E_CloseFinishAfterRestartWritesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	srv := b.srv
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	const resolution = "Swapped the printer's network card."

	view := b.openCloseForm(ctx, t, tk.Number)
	srv.ResetLog()
	srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 10, syncrotest.FaultServerError)
	b.submitView(ctx, t, closeSubmission(t, view, resolution))
	rep := b.waitReply(ctx, t, 0, "Finish")
	srv.ClearFaults()
	if got := ticketByNumber(t, srv, tk.Number).Status; got == "Resolved" {
		t.Fatalf("status already Resolved; the fault did not hold")
	}

	b2 := b.restart(ctx, t)
	seen := len(b2.f.Ephemerals(e2eUser))
	b2.clickFinish(ctx, t, rep)
	done := b2.waitReply(ctx, t, seen, "Closed #")
	if got := ticketByNumber(t, srv, tk.Number).Status; got != "Resolved" {
		t.Errorf("status = %q, want Resolved; reply %q", got, done.Text)
	}
	if got := commentsWithBody(srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}
	if files := sessionLogFiles(t, b.env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("session logs = %q, want 1; reply %q", files, done.Text)
	}
	// A second click on the same Finish does nothing more.
	seen = len(b2.f.Ephemerals(e2eUser))
	b2.clickFinish(ctx, t, rep)
	b2.waitReply(ctx, t, seen)
	if got := commentsWithBody(srv, tk.ID, resolution); got != 1 {
		t.Errorf("after a second Finish: %d resolution comments, want 1", got)
	}
	if files := sessionLogFiles(t, b.env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("after a second Finish: session logs = %q, want 1", files)
	}
}

// TestE2E_CloseRedeliveredAfterRestartWritesOnce: the close form's
// envelope comes again after the bot restarted: the durable dedup answers
// it; nothing is written twice.
func TestE2E_CloseRedeliveredAfterRestartWritesOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	const resolution = "Moved the printer to its own VLAN."

	view := b.openCloseForm(ctx, t, tk.Number)
	va := b.submitView(ctx, t, closeSubmission(t, view, resolution))
	b.waitReply(ctx, t, 0, "Closed #")
	b2 := b.restart(ctx, t)
	if _, err := b2.f.Redeliver(ctx, va.EnvelopeID); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	b2.waitReply(ctx, t, 1)
	if got := commentsWithBody(b.srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}
	if files := sessionLogFiles(t, b.env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("session logs = %q, want 1", files)
	}
}

func TestE2E_ReconnectsAfterDisconnect(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)

	b.slash(ctx, t, "ticket 32150")
	if s := replyText(b.waitReply(ctx, t, 0).Message); !strings.Contains(s, "32150") {
		t.Errorf("first reply does not show #32150: %q", s)
	}

	total := b.f.TotalConnections()
	if n := b.f.Disconnect("refresh_requested"); n < 1 {
		t.Fatalf("Disconnect told %d sockets", n)
	}
	if err := b.f.WaitConnections(ctx, total+1); err != nil {
		t.Fatalf("bot did not reconnect after disconnect: %v; stderr:\n%s", err, b.stderr.String())
	}

	ack := b.slash(ctx, t, "ticket 32151")
	if ack.Late {
		t.Error("ack after reconnect was late")
	}
	if s := replyText(b.waitReply(ctx, t, 1).Message); !strings.Contains(s, "32151") {
		t.Errorf("reply after reconnect does not show #32151: %q", s)
	}
}
