package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_SessionLogFailedCommitGoesInWithTheNextOne: when git refuses a
// commit, the reply promises "it will go in with the next one". The next
// log's commit must then carry the earlier file too.
//
// Reproduce: go test -race -run TestE2E_SessionLogFailedCommitGoesInWithTheNextOne ./cmd/bot
func TestE2E_SessionLogFailedCommitGoesInWithTheNextOne(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	root := env["SESSION_LOG_DIR"]
	gitWorkTree(t, root)
	env["SESSION_LOG_GIT"] = "true"
	// A pre-commit hook that refuses while the flag file exists: the
	// commit of the first log fails, the second one's succeeds.
	flag := filepath.Join(t.TempDir(), "refuse")
	writeFile(t, flag, "", 0o644)
	writeFile(t, filepath.Join(root, ".git", "hooks", "pre-commit"),
		"#!/bin/sh\nif [ -e '"+flag+"' ]; then echo 'hook: not now' >&2; exit 1; fi\nexit 0\n", 0o755)
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)

	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketNAS))
	first := b.waitEphemeral(ctx, t, 0, "#"+itoa64(syncrotest.SeedTicketNAS))
	if !strings.Contains(first.Text, "it will go in with the next one") {
		t.Fatalf("first reply %q does not promise the next commit", first.Text)
	}
	if err := os.Remove(flag); err != nil {
		t.Fatal(err)
	}
	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketPrinter))
	second := b.waitEphemeral(ctx, t, 1, "#"+itoa64(syncrotest.SeedTicketPrinter))
	if strings.Contains(second.Text, "commit failed") {
		t.Fatalf("second commit failed too: %q", second.Text)
	}

	tracked := gitIn(t, root, "ls-tree", "-r", "--name-only", "HEAD")
	for _, file := range sessionLogFiles(t, root) {
		rel, _ := filepath.Rel(root, file)
		if !strings.Contains(tracked, filepath.ToSlash(rel)) {
			t.Errorf("%s is not committed after the next log's commit; HEAD holds:\n%s\ngit status:\n%s",
				rel, tracked, gitIn(t, root, "status", "--porcelain"))
		}
	}
}
