package main

import (
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Work that runs long (README, "Nothing lost, nothing twice"): it starts
// no step with less than 20 s of its WORK_TIMEOUT left, and stops with
// the usual reply and Finish instead.

// TestE2E_LongWorkStartsNoStepWithUnder20sLeft: WORK_TIMEOUT is 30 s.
// Syncro rate limits a comment with 25 minutes for 11 s; the comment then
// lands, with 19 s or less of the work's time left, and the time step is
// not started: the tech is told what was done, with Finish, and Finish
// does the rest. Dana's time is a timer entry in her name, not sent
// before Finish. Syncro holds the comment and the minutes once each.
func TestE2E_LongWorkStartsNoStepWithUnder20sLeft(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const workTimeout, rateLimited = 30 * time.Second, 11 * time.Second
	fx := newFakes(t, syncrotest.WithFaultRetryAfter(rateLimited))
	fx.env["WORK_TIMEOUT"] = workTimeout.String()
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	n := itoa64(tk.Number)
	const note = "Reseated the fuser assembly"
	before, _ := loggedMinutes(b.srv, tk.ID)

	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultRateLimit)
	b.slash(ctx, t, "comment "+n+" --time 25m "+note)
	b.waitReply(ctx, t, 0, "rate limiting") // what the tech reads meanwhile
	stopped := b.waitReply(ctx, t, 0, tickets.ActionFinish)
	if c := commentsWithBody(b.srv, tk.ID, note); c != 1 {
		t.Fatalf("Syncro holds the comment %d times, want 1; the tech was told %q", c, stopped.Text)
	}
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers != before {
		t.Fatalf("the time step ran with under 20 s left: Syncro holds %d new minutes; the tech was told %q", timers-before, stopped.Text)
	}

	seen := len(b.f.Ephemerals(e2eUser))
	b.clickAs(ctx, t, e2eUser, stopped, button(t, stopped.Blocks, tickets.ActionFinish))
	b.waitReplyTo(ctx, t, e2eUser, seen, "25")
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers-before != 25 {
		t.Errorf("after Finish Syncro holds %d new minutes, want 25", timers-before)
	}
	if c := commentsWithBody(b.srv, tk.ID, note); c != 1 {
		t.Errorf("after Finish Syncro holds the comment %d times, want 1", c)
	}
}

// TestE2E_LongMergeStartsNoStepWithUnder20sLeft: the same rule for a
// customer merge. WORK_TIMEOUT is 30 s; Syncro rate limits the first
// ticket move for 11 s. The tickets move, then the merge stops before
// its next step, with the usual reply and Finish: nothing of the later
// steps is sent (no note on the primary, the duplicate kept), and Finish
// does them.
func TestE2E_LongMergeStartsNoStepWithUnder20sLeft(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t, syncrotest.WithFaultRetryAfter(11*time.Second))
	fx.env["WORK_TIMEOUT"] = "30s"
	b := fx.start(ctx, t)
	s := seedDuplicate(t, b.srv)

	b.srv.Fail("PUT", "/tickets/*", 1, syncrotest.FaultRateLimit)
	b.mergeAndDelete(ctx, t, s)
	stopped := b.waitReply(ctx, t, 1, "ran out of time before repointing the contacts (nothing of it was sent)", customers.ActionCustomerMergeFinish)
	for _, id := range s.tickets {
		if tk, _ := b.srv.Ticket(id); tk.CustomerID != s.primary {
			t.Errorf("ticket #%d is on customer %d, want the primary %d; the tech was told %q", tk.Number, tk.CustomerID, s.primary, stopped.Text)
		}
	}
	if primary, _ := b.srv.Customer(s.primary); strings.Contains(primary.Notes, "Merged customer") {
		t.Errorf("the note was written with under 20 s left; the tech was told %q", stopped.Text)
	}
	if _, ok := b.srv.Customer(s.dup); !ok {
		t.Fatalf("the duplicate was deleted with under 20 s left; the tech was told %q", stopped.Text)
	}

	b.click(ctx, t, stopped, button(t, stopped.Blocks, customers.ActionCustomerMergeFinish))
	b.waitReply(ctx, t, 2, "The duplicate was deleted.")
	wantMergedOnce(t, b.srv, s)
}
