package tickets

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// faultsCommitThen2xxUnusable are the answers that say "OK" while the body
// is of no use: the write landed, but the bot cannot see it in the answer.
var faultsCommitThen2xxUnusable = []syncrotest.Fault{syncrotest.FaultCommitThenGarbage, syncrotest.FaultCommitThenEmpty}

// TestFlow_BillWhoseCommentIsAnswered2xxUnusableBillsOnce: Syncro writes the
// bill's comment with its 60 min but answers 200 with a body that is not the
// comment. The reply must not say "nothing was billed" while the minutes
// are in Syncro, and whatever the tech then does (Finish, or billing again
// as the reply invites) leaves the 60 min on the invoice once.
func TestFlow_BillWhoseCommentIsAnswered2xxUnusableBillsOnce(t *testing.T) {
	t.Parallel()
	for _, fault := range faultsCommitThen2xxUnusable {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			f := newStoreFixture(t)
			before := f.billState(t, syncrotest.SeedTicketNAS)
			f.Srv.Fail("POST", "/tickets/*/comment", 1, fault)
			r := f.C.Submit(t.Context(), f.billForm(t, syncrotest.SeedTicketNAS, "V1", "60"))
			if mid := f.billState(t, syncrotest.SeedTicketNAS); mid.minutes-before.minutes == 60 && strings.Contains(r.Text, "nothing was billed") {
				t.Errorf("reply says nothing was billed while Syncro holds the 60 min: %q", r.Text)
			}
			switch {
			case finishButton(r) != "":
				r = f.finish(t, finishButton(r), "ts-finish")
			case !strings.HasPrefix(r.Text, "Invoiced #32145"):
				r = f.C.Submit(t.Context(), f.billForm(t, syncrotest.SeedTicketNAS, "V2", "60"))
			}
			f.wantInvoicedOnce(t, syncrotest.SeedTicketNAS, before, 60, r)
		})
	}
}

// TestFlow_LogTimeOnTimerPathWhoseTimerIsAnswered2xxUnusableLogsOnce: on an
// account known to need timer entries (its comments don't carry time),
// Syncro writes the 30 min timer entry but answers 200 with a body that is
// not the entry. The minutes are in Syncro once, and the reply (after
// Finish, if it offers one) says so.
func TestFlow_LogTimeOnTimerPathWhoseTimerIsAnswered2xxUnusableLogsOnce(t *testing.T) {
	t.Parallel()
	for _, fault := range faultsCommitThen2xxUnusable {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			f := newStoreFixture(t, syncrotest.WithTimeMode(syncrotest.TimeIgnoredOnComments))
			f.Slash(t, "comment 32151 learns the timer path --time 10m")
			own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
			before := f.billState(t, syncrotest.SeedTicketOwnCloud)
			f.Srv.Fail("POST", "/tickets/*/timer_entry", 1, fault)
			v := f.tk.logTimeModal(own.ID, syncrotest.SeedTicketOwnCloud, "C0TECHS").Modal
			r := f.C.Submit(t.Context(), form(v, "V1", typed(commands.BlockMinutes, "30"), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, "Checked backups.")))
			if id := finishButton(r); id != "" {
				r = f.finish(t, id, "ts-finish")
			}
			after := f.billState(t, syncrotest.SeedTicketOwnCloud)
			if after.minutes-before.minutes != 30 || after.timers-before.timers != 1 || after.comments-before.comments != 1 {
				t.Errorf("before %+v after %+v; last reply %q", before, after, r.Text)
			}
			if want := "#32150: 30 min logged as Labor - Remote Business."; r.Text != want {
				t.Errorf("last reply = %q, want %q", r.Text, want)
			}
		})
	}
}

// wantInvoicedOnce checks that ticket n, which was in state before, now
// holds minutes more on one new comment and one invoice, is Invoiced, and
// that r, the tech's last reply, says those minutes were invoiced.
func (f *storeFixture) wantInvoicedOnce(t *testing.T, n int64, before billState, minutes int, r commands.Reply) {
	t.Helper()
	after := f.billState(t, n)
	if after.minutes-before.minutes != minutes || after.comments-before.comments != 1 || after.invoices != 1 || after.status != "Invoiced" {
		t.Errorf("before %+v after %+v; last reply %q", before, after, r.Text)
	}
	if want := fmt.Sprintf("Invoiced #%d: %d min logged", n, minutes); !strings.HasPrefix(r.Text, want) {
		t.Errorf("last reply = %q, want it to start %q", r.Text, want)
	}
}
