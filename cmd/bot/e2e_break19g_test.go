package main

import (
	"regexp"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 19, fresh eyes on the split clock (break19g): what the bot shows
// people follows the host's clock, what it records for the replicas to
// compare the database's (README, Running two replicas, Clocks).

// TestE2E_Replicas_AnAbandonedMergeIsToldAbandonedWhenDanaDidWhenOnlyTheDatabasesClockIsOff:
// the database server's clock runs 16 min behind, the host's and
// Syncro's are right. Dana's merge stops, can never finish (its primary
// deleted in Syncro), and she abandons it; Finish on the old message
// then tells her when it was abandoned. That time is shown to a person,
// so it must be when she pressed Abandon by the clock she and Syncro
// share, not the database's record of it 16 min early.
func TestE2E_Replicas_AnAbandonedMergeIsToldAbandonedWhenDanaDidWhenOnlyTheDatabasesClockIsOff(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	a, truth := startBesideADatabaseOff(ctx, t)
	s := seedDuplicate(t, a.srv)
	a.srv.Fail("PUT", "/tickets/*", 20, syncrotest.FaultServerError)
	a.mergeAndDelete(ctx, t, s)
	stuck := a.waitReply(ctx, t, 1, "Press Finish", "was NOT deleted")
	a.srv.ClearFaults()
	deleteCustomerInSyncro(t, a.srv, s.primary)

	a.click(ctx, t, stuck, button(t, stuck.Blocks, customers.ActionCustomerMergeFinish))
	refused := a.waitReply(ctx, t, 2, "was NOT moved", customers.ActionCustomerMergeAbandon)
	pressed := truth().UTC().Truncate(time.Minute)
	a.click(ctx, t, refused, button(t, refused.Blocks, customers.ActionCustomerMergeAbandon))
	a.waitReply(ctx, t, 3, "Abandoned the merge")
	told := truth().UTC()

	a.click(ctx, t, stuck, button(t, stuck.Blocks, customers.ActionCustomerMergeFinish))
	again := a.waitReply(ctx, t, 4, "was abandoned on", "nothing was changed")
	m := regexp.MustCompile(`abandoned on (\d{4}-\d\d-\d\d \d\d:\d\d) UTC`).FindStringSubmatch(again.Text)
	if m == nil {
		t.Fatalf("Dana was not told when the merge was abandoned: %q", again.Text)
	}
	shown, err := time.Parse("2006-01-02 15:04", m[1])
	if err != nil {
		t.Fatalf("the abandon's time %q: %v", m[1], err)
	}
	if shown.Before(pressed) || shown.After(told) {
		t.Errorf("Dana is told the merge was abandoned at %s UTC, want when she pressed Abandon, %s–%s UTC by her and Syncro's clock: %q",
			shown.Format("15:04"), pressed.Format("15:04"), told.Format("15:04"), again.Text)
	}
}
