package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

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
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	root := filepath.Join(t.TempDir(), "logs")
	writeFile(t, root, "not a folder\n", 0o644) // root can't write a read-only dir; nobody writes under a file
	env["SESSION_LOG_DIR"] = root
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	const resolution = "Reseated the network cable."

	view := b.openCloseForm(ctx, t, tk.Number)
	b.submitClose(ctx, t, closeSubmission(t, view, resolution))
	rep := b.waitEphemeral(ctx, t, 0, "Closed #")
	if got := ticketByNumber(t, srv, tk.Number).Status; got != "Resolved" {
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
	seen := len(f.Ephemerals(e2eUser))
	b.clickFinish(ctx, t, rep)
	b.waitEphemeral(ctx, t, seen, "Session log")
	if files := sessionLogFiles(t, root); len(files) != 1 {
		t.Errorf("session logs after Finish = %q, want 1", files)
	}
	if got := commentsWithBody(srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}
	if got := statusPUTs(srv, tk.ID); got != 1 {
		t.Errorf("%d status PUTs, want 1", got)
	}
}
