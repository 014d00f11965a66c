package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// lockWait is what a replica logs (at debug) when a lock it asks for is
// held by another: a flow's, or a merge's (store.(*Postgres).Lock).
const lockWait = `"msg":"waiting for a lock another holds"`

// waitWaitedOrAnswered waits until bots waited for locks another holds
// waits times between them, or Dana has a reply past her first seen:
// what is the request that has done one or the other.
func waitWaitedOrAnswered(ctx context.Context, t *testing.T, bots []*e2eBot, waits, seen int, what string) {
	t.Helper()
	err := poll(ctx, func() bool {
		n := 0
		for _, r := range bots {
			n += strings.Count(r.stderr.String(), lockWait)
		}
		return n >= waits || len(bots[0].f.Ephemerals(e2eUser)) > seen
	})
	if err != nil {
		t.Fatalf("%s neither waited for a lock nor answered: %v", what, err)
	}
}

// TestE2E_Replicas_AMergeConfirmedOnBothReplicasRunsOnce: Dana asks for
// the merge preview twice and confirms "Merge, keep duplicate" in both at
// once; Slack hands one click to each replica. The first is held at
// Syncro reading the customers, before its merge is recorded, while the
// second asks: the merges' lock holds across replicas, so the second
// waits and then finds the first's merge (held again, moving a ticket),
// which runs once — the tickets moved, one merge note on the primary, the
// duplicate kept — with both clicks answered.
func TestE2E_Replicas_AMergeConfirmedOnBothReplicasRunsOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	bots := startReplicas(ctx, t, 2, nil)
	b := bots[0]
	s := seedDuplicate(t, b.srv)
	var confirms [2]struct {
		preview slackfake.Ephemeral
		button  slackfake.Action
	}
	for i := range confirms {
		seen := len(b.f.Ephemerals(e2eUser))
		b.slash(ctx, t, "customer merge "+itoa64(s.primary)+" "+itoa64(s.dup))
		confirms[i].preview = b.waitReply(ctx, t, seen, "Merge, keep duplicate")
		confirms[i].button = button(t, confirms[i].preview.Blocks, customers.ActionCustomerMergeConfirm)
		confirms[i].button.Value = customers.MergeButtonValue(s.primary, s.dup) + ":keep"
	}

	seen := len(b.f.Ephemerals(e2eUser))
	b.srv.Fail("GET", "/customers/"+itoa64(s.primary), 1, syncrotest.FaultHang)
	first := b.click(ctx, t, confirms[0].preview, confirms[0].button)
	b.waitHeld(ctx, t)
	second := b.click(ctx, t, confirms[1].preview, confirms[1].button)
	if first.ConnID == second.ConnID {
		t.Fatalf("both confirmations reached socket %d, want one on each replica", first.ConnID)
	}
	// The second either waits for the first's lock or, without a lock
	// across replicas, merges on its own while the first is held.
	waitWaitedOrAnswered(ctx, t, bots, 1, seen, "the second confirmation")
	// The first records its merge and is held again moving a ticket, so
	// the second, let in, finds that merge unfinished and waits for it
	// too (a second confirmation after the merge finished would be a new
	// merge).
	b.srv.Fail("PUT", "/tickets/*", 1, syncrotest.FaultHang)
	b.srv.ReleaseHangs()
	waitWaitedOrAnswered(ctx, t, bots, 2, seen, "the second confirmation")
	b.srv.ReleaseHangs()
	if err := b.f.WaitUntil(ctx, func() bool { return len(b.f.Ephemerals(e2eUser)) >= seen+2 }); err != nil {
		t.Fatalf("%d of 2 confirmations answered: %v", len(b.f.Ephemerals(e2eUser))-seen, err)
	}
	for _, id := range s.tickets {
		if tk, _ := b.srv.Ticket(id); tk.CustomerID != s.primary {
			t.Errorf("ticket #%d is on customer %d, want the primary %d", tk.Number, tk.CustomerID, s.primary)
		}
	}
	primary, _ := b.srv.Customer(s.primary)
	if n := strings.Count(primary.Notes, "Merged customer Acme Corp (old)"); n != 1 {
		t.Errorf("the primary's notes hold the merge note %d times, want once: %q", n, primary.Notes)
	}
	if _, ok := b.srv.Customer(s.dup); !ok || b.srv.Count("DELETE", "/customers/") != 0 {
		t.Errorf("the duplicate was deleted (%d DELETEs), want it kept", b.srv.Count("DELETE", "/customers/"))
	}
	for _, e := range b.f.Ephemerals(e2eUser)[seen:] {
		t.Logf("answered: %q", e.Text)
	}
}

// TestE2E_Replicas_SessionLogsCommittedFromBothReplicasAtOnce: both
// replicas write session logs into one git work tree (a shared volume,
// SESSION_LOG_GIT=true). Dana asks for two logs at once, one per replica;
// the first's commit is held (a pre-commit hook waits) while the second
// commits. The replicas commit one at a time: both logs are committed and
// neither reply says a commit failed.
func TestE2E_Replicas_SessionLogsCommittedFromBothReplicasAtOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	gate := t.TempDir()
	held, release := filepath.Join(gate, "held"), filepath.Join(gate, "release")
	bots := startReplicas(ctx, t, 2, func(env map[string]string) {
		root := env["SESSION_LOG_DIR"]
		gitWorkTree(t, root)
		env["SESSION_LOG_GIT"] = "true"
		// The first commit to get here waits for the test; the rest pass.
		writeFile(t, filepath.Join(root, ".git", "hooks", "pre-commit"),
			"#!/bin/sh\nif mkdir '"+held+"' 2>/dev/null; then\n  while [ ! -e '"+release+"' ]; do sleep 0.05; done\nfi\nexit 0\n", 0o755)
	})
	b := bots[0]
	root := b.env["SESSION_LOG_DIR"]

	first := b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketNAS))
	if err := poll(ctx, func() bool { _, err := os.Stat(held); return err == nil }); err != nil {
		t.Fatalf("the first log's commit never reached its hook: %v", err)
	}
	second := b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketPrinter))
	if first.ConnID == second.ConnID {
		t.Fatalf("both commands reached socket %d, want one on each replica", first.ConnID)
	}
	// The second either waits for the first's commit or, without a lock
	// across replicas, finds git's index taken and answers at once.
	waitWaitedOrAnswered(ctx, t, bots, 1, 0, "the second log")
	writeFile(t, release, "", 0o644)
	for i, n := range []int64{syncrotest.SeedTicketNAS, syncrotest.SeedTicketPrinter} {
		if rep := b.waitReply(ctx, t, 0, "#"+itoa64(n)); strings.Contains(rep.Text, "commit failed") {
			t.Errorf("log %d: the reply says the commit failed: %q", i+1, rep.Text)
		}
	}
	tracked := gitIn(t, root, "ls-tree", "-r", "--name-only", "HEAD")
	files := sessionLogFiles(t, root)
	if len(files) != 2 {
		t.Fatalf("session logs = %q, want 2", files)
	}
	for _, file := range files {
		if rel := logName(root, file); !strings.Contains(tracked, rel) {
			t.Errorf("%s is not committed; HEAD holds:\n%s", rel, tracked)
		}
	}
}
