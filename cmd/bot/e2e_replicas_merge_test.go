package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// lockWait is what a replica logs (at debug) when a lock it asks for is
// held by another: a flow's, or a merge's (store.(*Postgres).Lock).
const lockWait = `"msg":"waiting for a lock another holds"`

// TestE2E_Replicas_AMergeConfirmedOnBothReplicasRunsOnce: Dana asks for
// the merge preview twice and confirms "Merge, keep duplicate" in both at
// once; Slack hands one click to each replica. The first is held at
// Syncro reading the customers, before its merge is recorded, while the
// second asks: the merges' lock holds across replicas, so the second
// waits and then finds the first's merge, which runs once — the tickets
// moved, one merge note on the primary, the duplicate kept — with both
// clicks answered.
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
	err := poll(ctx, func() bool {
		for _, r := range bots {
			if strings.Contains(r.stderr.String(), lockWait) {
				return true
			}
		}
		return len(b.f.Ephemerals(e2eUser)) > seen
	})
	if err != nil {
		t.Fatalf("the second confirmation neither waited nor answered: %v", err)
	}
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
