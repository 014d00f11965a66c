package main

import (
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/store/pgtest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The README's backup of a bot on PostgreSQL (Operating, "Backup"), run
// as it is written.

// readmeCommand is the README's command, in backquotes inside its
// **Backup.** paragraph, that runs program: what an operator copies.
func readmeCommand(t *testing.T, program string) string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, para, ok := strings.Cut(string(raw), "**Backup.**")
	if ok {
		para, _, _ = strings.Cut(para, "\n\n")
	}
	m := regexp.MustCompile("`(" + program + " [^`]*)`").FindStringSubmatch(strings.Join(strings.Fields(para), " "))
	if m == nil {
		t.Fatalf("the README's Backup paragraph has no `%s …` command:\n%s", program, para)
	}
	return m[1]
}

// runReadme runs the README's command for program through the shell, in
// dir, with DATABASE_URL set to dbURL as the bots have it.
func runReadme(t *testing.T, program, dir, dbURL string) {
	t.Helper()
	if _, err := exec.LookPath(program); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed: .ci/run installs Debian's postgresql, which brings it", program)
		}
		t.Skipf("%s is not installed (Debian's postgresql-client)", program)
	}
	line := readmeCommand(t, program)
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's %q: %v\n%s", line, err, out)
	}
}

// TestE2E_Replicas_BackupAndRestoreAsTheReadmeSays: a bot on PostgreSQL
// logs Dana's 20 minutes and subscribes #ops to closed tickets; the
// README's pg_dump backs the database up while the bot runs. The bot is
// stopped, the database lost (dropped and made again, empty), and the
// README's pg_restore brings the dump back. A bot started on the restored
// database knows what the first did: the comment's envelope, delivered
// again, writes nothing, and a ticket closed afterwards is told in #ops.
func TestE2E_Replicas_BackupAndRestoreAsTheReadmeSays(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dbURL := pgtest.Database(t)
	fx := replicaFakesOn(t, dbURL)
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	first := fx.start(ctx, t, "-debug")
	tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketNAS)
	const notes = "Checked the RAID before the backup."
	timersBefore, _ := loggedMinutes(fx.srv, tk.ID)
	logged := first.slash(ctx, t, "comment "+itoa64(tk.Number)+" --time 20m "+notes)
	first.waitReply(ctx, t, 0, "20 min logged")
	first.subscribe(ctx, t, "--events closed")

	dir := t.TempDir()
	runReadme(t, "pg_dump", dir, dbURL)
	first.shutdown(t)
	admin := os.Getenv(pgtest.EnvURL)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	pgtest.Exec(t, admin, `DROP DATABASE `+db+` WITH (FORCE)`)
	pgtest.Exec(t, admin, `CREATE DATABASE `+db)
	runReadme(t, "pg_restore", dir, dbURL)

	restored := fx.start(ctx, t, "-debug")
	seen := len(fx.f.Ephemerals(e2eUser))
	if _, err := fx.f.Redeliver(ctx, logged.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	again := restored.waitReply(ctx, t, seen)
	timers, _ := loggedMinutes(fx.srv, tk.ID)
	if got := commentsWithBody(fx.srv, tk.ID, notes); got != 1 || timers-timersBefore != 20 {
		t.Errorf("after the restore the comment's envelope again left Syncro with %d comments and %d new min, want 1 and 20; it answered %q", got, timers-timersBefore, again.Text)
	}
	closed := restored.marcusTicket(t, "Badge printer offline after the restore")
	restored.waitPolls(ctx, t, 1) // the bot has seen it open
	if err := fx.srv.SetTicketStatus(closed.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	restored.waitChannel(ctx, t, "#"+itoa64(closed.Number))
}
