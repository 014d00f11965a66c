package main

import (
	"context"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_RedeliveredSlashLogWritesOneLog: Slack delivers the envelope of
// "/syncro log N" again (the ack was lost on a socket that dropped). Like
// every other write a person triggers, the slash command's envelope is its
// key: one request, one session log.
//
// Reproduce: go test -race -run TestE2E_RedeliveredSlashLogWritesOneLog ./cmd/bot
func TestE2E_RedeliveredSlashLogWritesOneLog(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)
	n := itoa64(syncrotest.SeedTicketNAS)

	ack := b.slash(ctx, t, "log "+n)
	b.waitEphemeral(ctx, t, 0, "#"+n)
	if _, err := f.Redeliver(ctx, ack.EnvelopeID); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	rep := b.waitEphemeral(ctx, t, 1, "#"+n)
	if files := sessionLogFiles(t, env["SESSION_LOG_DIR"]); len(files) != 1 {
		t.Errorf("one /syncro log %s delivered twice left %d session logs, want 1: %q; second reply %q", n, len(files), files, rep.Text)
	}
}
