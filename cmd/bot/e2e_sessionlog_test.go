package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// gitWorkTree makes dir a git work tree with a local identity.
func gitWorkTree(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{
		{"init", "-q"},
		{"config", "user.name", "Breaker"},
		{"config", "user.email", "breaker@example.invalid"},
		{"config", "commit.gpgsign", "false"},
	} {
		gitIn(t, dir, args...)
	}
}

// gitIn runs git in dir and returns its output.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeFile writes data to name, failing the test on error.
func writeFile(t *testing.T, name, data string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), perm); err != nil {
		t.Fatal(err)
	}
}

// The README promises that closing a ticket offers a session log, ticked,
// and that /syncro log N writes one, under SESSION_LOG_DIR. Checked on
// disk and in what Dana reads, through the real bot.
func TestE2E_SessionLogsAreWrittenOnCloseAndOnRequest(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	logDir := t.TempDir()
	b := startE2EBot(ctx, t, func(env map[string]string) { env["SESSION_LOG_DIR"] = logDir })
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud)

	view := b.closeFromSlack(ctx, t, syncrotest.SeedTicketOwnCloud, "Moved the share to the new NAS.", commands.CloseOptionSessionLog)
	boxes := modalInputs(t, view.JSON)[commands.BlockCloseOptions].Element
	if !slices.ContainsFunc(boxes.InitialOptions, func(o modalOption) bool { return o.Value == commands.CloseOptionSessionLog }) {
		t.Errorf("the close form does not offer a ticked session log: %s", view.JSON)
	}

	reply := replyText(b.waitReply(ctx, t, 0).Message)
	logs := sessionLogFiles(t, logDir)
	if len(logs) != 1 {
		t.Fatalf("session logs on disk = %v, want one; reply %q; stderr:\n%s", logs, reply, b.stderr.String())
	}
	if !strings.Contains(reply, logName(logDir, logs[0])) {
		t.Errorf("reply %q does not name the log %s", reply, logs[0])
	}
	body, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "Moved the share to the new NAS.") {
		t.Errorf("the session log lacks the resolution:\n%s", body)
	}
	if got, _ := b.srv.TicketByNumber(syncrotest.SeedTicketOwnCloud); got.Status == tk.Status {
		t.Errorf("ticket still %q in Syncro after the close", got.Status)
	}

	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketPrinter))
	reply = replyText(b.waitReply(ctx, t, 1).Message)
	if logs = sessionLogFiles(t, logDir); len(logs) != 2 {
		t.Fatalf("session logs on disk = %v after /syncro log, want two; reply %q", logs, reply)
	}
	if !strings.Contains(reply, "Session log") {
		t.Errorf("/syncro log reply %q does not say where the log went", reply)
	}
}

// TestE2E_CloseFromSlackWritesTheSessionLogByDefault: through run, with the
// default wiring, the close form offers "Write a session log" ticked, and
// submitting it untouched files the log under SESSION_LOG_DIR.
func TestE2E_CloseFromSlackWritesTheSessionLogByDefault(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	root := b.env["SESSION_LOG_DIR"]
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud)

	view := b.openCloseForm(ctx, t, tk.Number)
	boxes := modalInputs(t, view.JSON)[commands.BlockCloseOptions].Element
	offered := slices.ContainsFunc(boxes.Options, func(o modalOption) bool {
		return o.Value == commands.CloseOptionSessionLog && strings.Contains(o.Text.Text, "session log")
	})
	on := slices.ContainsFunc(boxes.InitialOptions, func(o modalOption) bool { return o.Value == commands.CloseOptionSessionLog })
	if !offered || !on {
		t.Fatalf("close form: session log offered %v, ticked %v; options %+v", offered, on, boxes.Options)
	}

	b.submitView(ctx, t, closeSubmission(t, view, "Re-synced the cloud drive."))
	rep := b.waitReply(ctx, t, 0, "Closed #")
	files := sessionLogFiles(t, root)
	if len(files) != 1 || !strings.HasSuffix(files[0], "-ticket-"+itoa64(tk.Number)+".md") {
		t.Fatalf("session logs = %q, want one YYYY-MM-DD-ticket-%d.md; reply %q", files, tk.Number, rep.Text)
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "Re-synced the cloud drive.") {
		t.Errorf("log does not hold the resolution:\n%s", data)
	}
	if !strings.Contains(rep.Text, logName(root, files[0])) {
		t.Errorf("reply %q does not name the log %s", rep.Text, files[0])
	}
}

// TestE2E_SlashLogWritesOneSessionLog: /syncro log N files exactly one log
// and names it.
func TestE2E_SlashLogWritesOneSessionLog(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	root := b.env["SESSION_LOG_DIR"]

	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketNAS))
	rep := b.waitReply(ctx, t, 0, "#"+itoa64(syncrotest.SeedTicketNAS))
	files := sessionLogFiles(t, root)
	if len(files) != 1 {
		t.Fatalf("session logs = %q, want 1; reply %q", files, rep.Text)
	}
	if !strings.Contains(rep.Text, logName(root, files[0])) {
		t.Errorf("reply %q does not name the log %s", rep.Text, files[0])
	}
}

// TestE2E_TwoClosesTheSameDayKeepBothLogs: a ticket closed, reopened and
// closed again the same day gets a second log (-2); neither is overwritten.
func TestE2E_TwoClosesTheSameDayKeepBothLogs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	n := syncrotest.SeedTicketPrinter

	b.closeFromSlack(ctx, t, n, "First fix: power-cycled the printer.")
	b.waitReply(ctx, t, 0, "Closed #")
	b.slash(ctx, t, `update `+itoa64(n)+` --status "In Progress"`)
	b.waitReply(ctx, t, 1, "In Progress")
	seen := len(b.f.Ephemerals(e2eUser))
	b.closeFromSlack(ctx, t, n, "Second fix: replaced the fuser.")
	b.waitReply(ctx, t, seen, "Closed #")

	files := sessionLogFiles(t, b.env["SESSION_LOG_DIR"])
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

// closeWithTime closes ticket number from its close form with resolution
// and minutes logged, waits for the reply, and returns the one session
// log the close wrote.
func (b *e2eBot) closeWithTime(ctx context.Context, t *testing.T, number int64, resolution, minutes string) []byte {
	t.Helper()
	view := b.openCloseForm(ctx, t, number)
	vs := closeSubmission(t, view, resolution)
	vs.Values[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: slackfake.TextInput(minutes)}
	b.submitView(ctx, t, vs)
	rep := b.waitReply(ctx, t, 0, "Closed #")
	files := sessionLogFiles(t, b.env["SESSION_LOG_DIR"])
	if len(files) != 1 {
		t.Fatalf("session logs = %q; reply %q", files, rep.Text)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestE2E_CloseWithTimeLogsTheMinutesInTheSessionLog: the time logged at
// close is in the session log written by the same close.
func TestE2E_CloseWithTimeLogsTheMinutesInTheSessionLog(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)

	data := b.closeWithTime(ctx, t, syncrotest.SeedTicketPrinter, "Replaced the drum.", "45m")
	if !strings.Contains(string(data), "minutes_total: 45") {
		t.Errorf("the log does not hold the 45 min logged at close:\n%s", data)
	}
}

// TestE2E_RedeliveredSlashLogWritesOneLog: Slack delivers the envelope of
// "/syncro log N" again (the ack was lost on a socket that dropped). Like
// every other write a person triggers, the slash command's envelope is its
// key: one request, one session log.
//
// Reproduce: go test -race -run TestE2E_RedeliveredSlashLogWritesOneLog ./cmd/bot
func TestE2E_RedeliveredSlashLogWritesOneLog(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	n := itoa64(syncrotest.SeedTicketNAS)

	ack := b.slash(ctx, t, "log "+n)
	b.waitReply(ctx, t, 0, "#"+n)
	if _, err := b.f.Redeliver(ctx, ack.EnvelopeID); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	rep := b.waitReply(ctx, t, 1, "#"+n)
	if files := sessionLogFiles(t, b.env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("one /syncro log %s delivered twice left %d session logs, want 1: %q; second reply %q", n, len(files), files, rep.Text)
	}
}

// TestE2E_SessionLogDirNotWritableLeavesAFinish: SESSION_LOG_DIR cannot be
// written (here: it is a file). Closing still closes the ticket, and the
// reply says the log is missing with a Finish button (README: "when a step
// fails the reply says exactly what was done and what was not … with a
// Finish button that does only the missing steps"); once the folder is
// fixed, Finish writes the log and nothing else.
//
// Reproduce: go test -race -run TestE2E_SessionLogDirNotWritableLeavesAFinish ./cmd/bot
func TestE2E_SessionLogDirNotWritableLeavesAFinish(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	root := filepath.Join(t.TempDir(), "logs")
	writeFile(t, root, "not a folder\n", 0o644) // root can't write a read-only dir; nobody writes under a file
	b := startE2EBot(ctx, t, func(env map[string]string) { env["SESSION_LOG_DIR"] = root })
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	const resolution = "Reseated the network cable."

	b.closeFromSlack(ctx, t, tk.Number, resolution)
	rep := b.waitReply(ctx, t, 0, "Closed #")
	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != "Resolved" {
		t.Errorf("status = %q, want Resolved", got)
	}
	if !strings.Contains(rep.Text, "session log was not written") {
		t.Errorf("reply does not say the log is missing: %q", rep.Text)
	}
	if !strings.Contains(string(rep.Blocks), `"flow_finish"`) {
		t.Fatalf("no Finish button for the missing session log; reply %q blocks %s", rep.Text, rep.Blocks)
	}

	// The operator fixes the folder; Finish writes only the log.
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	seen := len(b.f.Ephemerals(e2eUser))
	b.clickFinish(ctx, t, rep)
	b.waitReply(ctx, t, seen, "Session log")
	if files := sessionLogFiles(t, root); len(files) != 1 {
		t.Errorf("session logs after Finish = %q, want 1", files)
	}
	if got := commentsWithBody(b.srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}
	if got := statusPUTs(b.srv, tk.ID); got != 1 {
		t.Errorf("%d status PUTs, want 1", got)
	}
}

// TestE2E_SessionLogGitCommitsEachLog: with SESSION_LOG_GIT=true in a git
// work tree, the log a close writes is committed.
func TestE2E_SessionLogGitCommitsEachLog(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) {
		gitWorkTree(t, env["SESSION_LOG_DIR"])
		env["SESSION_LOG_GIT"] = "true"
	})
	root := b.env["SESSION_LOG_DIR"]

	b.closeFromSlack(ctx, t, syncrotest.SeedTicketPrinter, "Replaced the toner.")
	rep := b.waitReply(ctx, t, 0, "Closed #")
	files := sessionLogFiles(t, root)
	if len(files) != 1 {
		t.Fatalf("session logs = %q, want 1; reply %q", files, rep.Text)
	}
	rel := logName(root, files[0])
	if tracked := gitIn(t, root, "ls-tree", "-r", "--name-only", "HEAD"); !strings.Contains(tracked, rel) {
		t.Errorf("%s is not committed; HEAD holds:\n%s\nreply %q", rel, tracked, rep.Text)
	}
	if strings.Contains(rep.Text, "commit failed") {
		t.Errorf("reply says the commit failed: %q", rep.Text)
	}
	if st := gitIn(t, root, "status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean after the commit:\n%s", st)
	}
}

// TestE2E_SessionLogGitCommitsWithoutAGitIdentity: the bot's user has no
// git identity (systemd DynamicUser, the distroless image's nonroot, any
// service account: no ~/.gitconfig) and the host name has no domain for
// git to invent one from. With SESSION_LOG_GIT=true every commit then
// fails with "Committer identity unknown", although the bot already knows
// who wrote the log (it passes --author): every reply says the commit
// failed and nothing is ever committed.
//
// Not parallel: it empties HOME and git's global config for the process.
// Skipped on hosts where git can still invent a committer.
//
// Reproduce: go test -race -run TestE2E_SessionLogGitCommitsWithoutAGitIdentity ./cmd/bot
func TestE2E_SessionLogGitCommitsWithoutAGitIdentity(t *testing.T) {
	ctx := testContext(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, "none"))
	for _, v := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"} {
		t.Setenv(v, "") // restored at the end; unset for the test
		os.Unsetenv(v)
	}
	if out, err := exec.Command("git", "var", "GIT_COMMITTER_IDENT").CombinedOutput(); err == nil {
		t.Skipf("git invents a committer on this host (%s)", strings.TrimSpace(string(out)))
	}

	b := startE2EBot(ctx, t, func(env map[string]string) {
		gitIn(t, env["SESSION_LOG_DIR"], "init", "-q") // a work tree with no identity of its own
		env["SESSION_LOG_GIT"] = "true"
	})

	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketNAS))
	rep := b.waitReply(ctx, t, 0, "#"+itoa64(syncrotest.SeedTicketNAS))
	if strings.Contains(rep.Text, "commit failed") {
		t.Errorf("reply: %q\nbot log:\n%s", rep.Text, b.stderr.String())
	}
	out, _ := exec.Command("git", "-C", b.env["SESSION_LOG_DIR"], "log", "--oneline").CombinedOutput()
	if !strings.Contains(string(out), "session log") {
		t.Errorf("nothing committed; git log: %s", out)
	}
}

// TestE2E_SessionLogFailedCommitGoesInWithTheNextOne: when git refuses a
// commit, the reply promises "it will go in with the next one". The next
// log's commit must then carry the earlier file too.
//
// Reproduce: go test -race -run TestE2E_SessionLogFailedCommitGoesInWithTheNextOne ./cmd/bot
func TestE2E_SessionLogFailedCommitGoesInWithTheNextOne(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	// A pre-commit hook that refuses while the flag file exists: the
	// commit of the first log fails, the second one's succeeds.
	flag := filepath.Join(t.TempDir(), "refuse")
	writeFile(t, flag, "", 0o644)
	b := startE2EBot(ctx, t, func(env map[string]string) {
		root := env["SESSION_LOG_DIR"]
		gitWorkTree(t, root)
		env["SESSION_LOG_GIT"] = "true"
		writeFile(t, filepath.Join(root, ".git", "hooks", "pre-commit"),
			"#!/bin/sh\nif [ -e '"+flag+"' ]; then echo 'hook: not now' >&2; exit 1; fi\nexit 0\n", 0o755)
	})
	root := b.env["SESSION_LOG_DIR"]

	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketNAS))
	first := b.waitReply(ctx, t, 0, "#"+itoa64(syncrotest.SeedTicketNAS))
	if !strings.Contains(first.Text, "it will go in with the next one") {
		t.Fatalf("first reply %q does not promise the next commit", first.Text)
	}
	if err := os.Remove(flag); err != nil {
		t.Fatal(err)
	}
	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketPrinter))
	second := b.waitReply(ctx, t, 1, "#"+itoa64(syncrotest.SeedTicketPrinter))
	if strings.Contains(second.Text, "commit failed") {
		t.Fatalf("second commit failed too: %q", second.Text)
	}

	tracked := gitIn(t, root, "ls-tree", "-r", "--name-only", "HEAD")
	for _, file := range sessionLogFiles(t, root) {
		if rel := logName(root, file); !strings.Contains(tracked, rel) {
			t.Errorf("%s is not committed after the next log's commit; HEAD holds:\n%s\ngit status:\n%s",
				rel, tracked, gitIn(t, root, "status", "--porcelain"))
		}
	}
}
