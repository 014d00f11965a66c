package main

import (
	"strings"
	"testing"
)

// Issue 19, fresh eyes: two replicas on one PostgreSQL, broken on
// purpose (README, Running two replicas).

// overBudget is what a replica logs when the live replicas' shares of
// SYNCRO_RATE_LIMIT together exceed it.
const overBudget = "the replicas together may send more than Syncro's rate limit"

// TestE2E_Replicas_AReplicaStartedWithAnotherBudgetSaysTheSumExceedsTheLimit:
// replica A keeps to 300 a minute (SYNCRO_RATE_LIMIT 600, REPLICAS 2);
// B is started with REPLICAS left at 1, so it takes the whole 600 and the
// two together could send 900 a minute. B says so at its start, naming
// the sum and the limit; A, alone and within its share, says nothing.
// Before, each replica split the limit by its own REPLICAS and nobody
// noticed the sum.
func TestE2E_Replicas_AReplicaStartedWithAnotherBudgetSaysTheSumExceedsTheLimit(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	fx.env["SYNCRO_RATE_LIMIT"] = "600"
	a := fx.start(ctx, t)
	fx.env["REPLICAS"] = "1"
	b := fx.start(ctx, t)
	b.waitLog(ctx, t, overBudget)
	for _, want := range []string{`"requests_per_minute_together":900`, `"syncro_rate_limit":600`, `"replicas_alive":2`} {
		if !strings.Contains(b.stderr.String(), want) {
			t.Errorf("B's log lacks %s:\n%s", want, b.stderr.String())
		}
	}
	if strings.Contains(a.stderr.String(), overBudget) {
		t.Errorf("A, alone within its share, logged %q", overBudget)
	}
}
