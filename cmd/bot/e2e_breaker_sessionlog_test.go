package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_CloseFromSlackWritesTheSessionLogByDefault: through run, with the
// default wiring, the close form offers "Write a session log" ticked, and
// submitting it untouched files the log under SESSION_LOG_DIR.
func TestE2E_CloseFromSlackWritesTheSessionLogByDefault(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketOwnCloud)

	view := b.openCloseForm(ctx, t, tk.Number)
	all, ticked := closeFormOptions(t, view.JSON)
	offered, on := false, false
	for _, o := range all {
		offered = offered || (o.Value == commands.CloseOptionSessionLog && strings.Contains(o.Text.Text, "session log"))
	}
	for _, o := range ticked {
		on = on || o.Value == commands.CloseOptionSessionLog
	}
	if !offered || !on {
		t.Fatalf("close form: session log offered %v, ticked %v; options %+v", offered, on, all)
	}

	b.submitClose(ctx, t, closeSubmission(t, view, "Re-synced the cloud drive."))
	rep := b.waitEphemeral(ctx, t, 0, "Closed #")
	files := sessionLogFiles(t, env["SESSION_LOG_DIR"])
	if len(files) != 1 || !strings.HasSuffix(files[0], "-ticket-"+itoa64(tk.Number)+".md") {
		t.Fatalf("session logs = %q, want one YYYY-MM-DD-ticket-%d.md; reply %q", files, tk.Number, rep.Text)
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "Re-synced the cloud drive.") {
		t.Errorf("log does not hold the resolution:\n%s", data)
	}
	rel, _ := filepath.Rel(env["SESSION_LOG_DIR"], files[0])
	if !strings.Contains(rep.Text, filepath.ToSlash(rel)) {
		t.Errorf("reply %q does not name the log %s", rep.Text, rel)
	}
}

// TestE2E_SlashLogWritesOneSessionLog: /syncro log N files exactly one log
// and names it.
func TestE2E_SlashLogWritesOneSessionLog(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)

	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketNAS))
	rep := b.waitEphemeral(ctx, t, 0, "#"+itoa64(syncrotest.SeedTicketNAS))
	files := sessionLogFiles(t, env["SESSION_LOG_DIR"])
	if len(files) != 1 {
		t.Fatalf("session logs = %q, want 1; reply %q", files, rep.Text)
	}
	rel, _ := filepath.Rel(env["SESSION_LOG_DIR"], files[0])
	if !strings.Contains(rep.Text, filepath.ToSlash(rel)) {
		t.Errorf("reply %q does not name the log %s", rep.Text, rel)
	}
}

// TestE2E_TwoClosesTheSameDayKeepBothLogs: a ticket closed, reopened and
// closed again the same day gets a second log (-2); neither is overwritten.
func TestE2E_TwoClosesTheSameDayKeepBothLogs(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)
	n := syncrotest.SeedTicketPrinter

	view := b.openCloseForm(ctx, t, n)
	b.submitClose(ctx, t, closeSubmission(t, view, "First fix: power-cycled the printer."))
	b.waitEphemeral(ctx, t, 0, "Closed #")
	b.slash(ctx, t, `update `+itoa64(n)+` --status "In Progress"`)
	b.waitEphemeral(ctx, t, 1, "In Progress")
	seen := len(f.Ephemerals(e2eUser))
	view = b.openCloseForm(ctx, t, n)
	b.submitClose(ctx, t, closeSubmission(t, view, "Second fix: replaced the fuser."))
	b.waitEphemeral(ctx, t, seen, "Closed #")

	files := sessionLogFiles(t, env["SESSION_LOG_DIR"])
	if len(files) != 2 {
		t.Fatalf("session logs = %q, want 2", files)
	}
	// "…-ticket-N-2.md" sorts before "…-ticket-N.md".
	second, _ := os.ReadFile(files[0])
	first, _ := os.ReadFile(files[1])
	if !strings.HasSuffix(files[0], "-ticket-"+itoa64(n)+"-2.md") || !strings.HasSuffix(files[1], "-ticket-"+itoa64(n)+".md") {
		t.Errorf("logs are %q, want …-ticket-%d.md and …-ticket-%d-2.md", files, n, n)
	}
	if !strings.Contains(string(first), "First fix") || !strings.Contains(string(second), "Second fix") {
		t.Errorf("logs do not hold their own resolutions:\n%s\n---\n%s", first, second)
	}
}

// TestE2E_RedeliveredCloseSubmissionWritesOnce: Slack redelivers the close
// form's envelope (the ack was lost) while the first is still at Syncro:
// one comment, one status change, one session log.
func TestE2E_RedeliveredCloseSubmissionWritesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	const resolution = "Cleared the spooler."

	view := b.openCloseForm(ctx, t, tk.Number)
	srv.ResetLog()
	srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	va := b.submitClose(ctx, t, closeSubmission(t, view, resolution))
	b.waitHeld(ctx, t) // the first submission's comment is at Syncro
	if _, err := f.Redeliver(ctx, va.EnvelopeID); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	srv.ReleaseHangs()
	b.waitEphemeral(ctx, t, 0, "Closed #")
	// The redelivery's own answer (the duplicate notice) comes too.
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(e2eUser)) >= 2 }); err != nil {
		t.Fatalf("only one reply: %v; stderr:\n%s", err, b.stderr.String())
	}
	if got := commentsWithBody(srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}
	if got := statusPUTs(srv, tk.ID); got != 1 {
		t.Errorf("%d status PUTs, want 1", got)
	}
	if files := sessionLogFiles(t, env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("session logs = %q, want 1", files)
	}
}

// TestE2E_SessionLogGitCommitsEachLog: with SESSION_LOG_GIT=true in a git
// work tree, the log a close writes is committed.
func TestE2E_SessionLogGitCommitsEachLog(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	root := env["SESSION_LOG_DIR"]
	gitWorkTree(t, root)
	env["SESSION_LOG_GIT"] = "true"
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)

	view := b.openCloseForm(ctx, t, syncrotest.SeedTicketPrinter)
	b.submitClose(ctx, t, closeSubmission(t, view, "Replaced the toner."))
	rep := b.waitEphemeral(ctx, t, 0, "Closed #")
	files := sessionLogFiles(t, root)
	if len(files) != 1 {
		t.Fatalf("session logs = %q, want 1; reply %q", files, rep.Text)
	}
	rel, _ := filepath.Rel(root, files[0])
	if tracked := gitIn(t, root, "ls-tree", "-r", "--name-only", "HEAD"); !strings.Contains(tracked, filepath.ToSlash(rel)) {
		t.Errorf("%s is not committed; HEAD holds:\n%s\nreply %q", rel, tracked, rep.Text)
	}
	if strings.Contains(rep.Text, "commit failed") {
		t.Errorf("reply says the commit failed: %q", rep.Text)
	}
	if st := gitIn(t, root, "status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean after the commit:\n%s", st)
	}
}

// TestE2E_CloseFinishAfterRestartWritesOnce: Syncro refuses the status
// change (500 on every attempt) after the resolution comment landed; the
// bot restarts; Finish on the old reply sets the status and writes the
// session log, without a second comment.
func TestE2E_CloseFinishAfterRestartWritesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, stop := startBreakerBot(ctx, t, f, srv, env, 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	const resolution = "Swapped the printer's network card."

	view := b.openCloseForm(ctx, t, tk.Number)
	srv.ResetLog()
	srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 10, syncrotest.FaultServerError)
	b.submitClose(ctx, t, closeSubmission(t, view, resolution))
	rep := b.waitEphemeral(ctx, t, 0, "Finish")
	srv.ClearFaults()
	if got := ticketByNumber(t, srv, tk.Number).Status; got == "Resolved" {
		t.Fatalf("status already Resolved; the fault did not hold")
	}
	stop()

	b2, _ := startBreakerBot(ctx, t, f, srv, env, 2)
	seen := len(f.Ephemerals(e2eUser))
	b2.clickFinish(ctx, t, rep)
	done := b2.waitEphemeral(ctx, t, seen, "Closed #")
	if got := ticketByNumber(t, srv, tk.Number).Status; got != "Resolved" {
		t.Errorf("status = %q, want Resolved; reply %q", got, done.Text)
	}
	if got := commentsWithBody(srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}
	if files := sessionLogFiles(t, env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("session logs = %q, want 1; reply %q", files, done.Text)
	}
	// A second click on the same Finish does nothing more.
	seen = len(f.Ephemerals(e2eUser))
	b2.clickFinish(ctx, t, rep)
	b2.waitEphemeral(ctx, t, seen, "")
	if got := commentsWithBody(srv, tk.ID, resolution); got != 1 {
		t.Errorf("after a second Finish: %d resolution comments, want 1", got)
	}
	if files := sessionLogFiles(t, env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("after a second Finish: session logs = %q, want 1", files)
	}
}

// TestE2E_RedeliveredSlashCommentWritesOnce: the same for /syncro comment
// with time (promise: a redelivered envelope writes nothing twice).
func TestE2E_RedeliveredSlashCommentWritesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	timersBefore, _ := loggedMinutes(srv, tk.ID)

	ack := b.slash(ctx, t, "comment "+itoa64(tk.Number)+" --time 20m Checked the queue")
	b.waitEphemeral(ctx, t, 0, "20")
	if _, err := f.Redeliver(ctx, ack.EnvelopeID); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	b.waitEphemeral(ctx, t, 1, "")
	if got := commentsWithBody(srv, tk.ID, "Checked the queue"); got != 1 {
		t.Errorf("Syncro holds %d comments, want 1", got)
	}
	if timers, _ := loggedMinutes(srv, tk.ID); timers-timersBefore != 20 {
		t.Errorf("timer minutes grew by %d, want 20", timers-timersBefore)
	}
}

// TestE2E_CloseWithTimeLogsTheMinutesInTheSessionLog: the time logged at
// close is in the session log written by the same close.
func TestE2E_CloseWithTimeLogsTheMinutesInTheSessionLog(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)

	view := b.openCloseForm(ctx, t, syncrotest.SeedTicketPrinter)
	vs := closeSubmission(t, view, "Replaced the drum.")
	vs.Values[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: slackfake.TextInput("45m")}
	b.submitClose(ctx, t, vs)
	rep := b.waitEphemeral(ctx, t, 0, "Closed #")
	files := sessionLogFiles(t, env["SESSION_LOG_DIR"])
	if len(files) != 1 {
		t.Fatalf("session logs = %q; reply %q", files, rep.Text)
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "minutes_total: 45") {
		t.Errorf("the log does not hold the 45 min logged at close:\n%s", data)
	}
}

// TestE2E_CloseRedeliveredAfterRestartWritesOnce: the close form's
// envelope comes again after the bot restarted: the durable dedup answers
// it; nothing is written twice.
func TestE2E_CloseRedeliveredAfterRestartWritesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, stop := startBreakerBot(ctx, t, f, srv, env, 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	const resolution = "Moved the printer to its own VLAN."

	view := b.openCloseForm(ctx, t, tk.Number)
	va := b.submitClose(ctx, t, closeSubmission(t, view, resolution))
	b.waitEphemeral(ctx, t, 0, "Closed #")
	stop()
	b2, _ := startBreakerBot(ctx, t, f, srv, env, 2)
	if _, err := f.Redeliver(ctx, va.EnvelopeID); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	b2.waitEphemeral(ctx, t, 1, "")
	if got := commentsWithBody(srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}
	if files := sessionLogFiles(t, env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("session logs = %q, want 1", files)
	}
}

// TestE2E_LogTimeFromTheCardDoubleSubmitLogsOnce: Log time from the ticket
// card, its form submitted twice at once: one comment, the minutes once.
func TestE2E_LogTimeFromTheCardDoubleSubmitLogsOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	timersBefore, _ := loggedMinutes(srv, tk.ID)

	b.slash(ctx, t, "ticket "+itoa64(tk.Number))
	card := b.waitReply(ctx, t, 1)
	b.click(ctx, t, card, buttonsIn(t, card.Blocks)[tickets.ActionLogTime])
	view := b.waitView(ctx, t, commands.CallbackLogTime)
	vals := textValues(t, view.JSON)
	vals[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: slackfake.TextInput("1h15m")}
	vals[commands.BlockNotes] = map[string]slackfake.Input{commands.BlockNotes: slackfake.TextInput("Driver rollback on 4 PCs.")}
	sub := slackfake.ViewSubmission{UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackLogTime, PrivateMetadata: view.PrivateMetadata, Values: vals}
	srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultCommitThenFail)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if va, err := f.ViewSubmission(ctx, sub); err != nil || va.ResponseAction == "errors" {
				t.Errorf("submit: %+v %v", va, err)
			}
		})
	}
	wg.Wait()
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(e2eUser)) >= 3 }); err != nil {
		t.Fatalf("replies: %v", err)
	}
	if got := commentsWithBody(srv, tk.ID, "Driver rollback"); got != 1 {
		t.Errorf("Syncro holds %d notes comments, want 1", got)
	}
	if timers, _ := loggedMinutes(srv, tk.ID); timers-timersBefore != 75 {
		t.Errorf("timer minutes grew by %d, want 75", timers-timersBefore)
	}
}
