package tickets

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// A close or bill whose status PUT Syncro applied but answered as if it
// had not (a cut-off 200, an empty {}, or 500s past the client's
// retries): the reply must not say the status was not changed (Syncro
// holds it), and the ticket is announced once, from Slack, crediting
// Dana, before the watcher (polling meanwhile) could take it for a close
// made in Syncro.
func TestAnnounce_StatusPUTThatLandedButWasAnsweredBadly(t *testing.T) {
	t.Parallel()
	faults := []struct {
		fault syncrotest.Fault
		n     int
	}{
		{syncrotest.FaultCommitThenGarbage, 1},
		{syncrotest.FaultCommitThenEmpty, 1},
		{syncrotest.FaultCommitThenFail, 100},
	}
	writes := []struct {
		name, status, said string
		ticket             int64
		submit             func(t *testing.T, f *storeFixture, n int64) commands.Submission
	}{
		{"close", "Resolved", "Closed #", syncrotest.SeedTicketPrinter, func(t *testing.T, f *storeFixture, n int64) commands.Submission {
			return f.closeForm(t, n, "V-put", commands.CloseOptionNotify)
		}},
		{"bill", "Invoiced", "Invoiced #", syncrotest.SeedTicketNAS, func(t *testing.T, f *storeFixture, n int64) commands.Submission {
			return f.billForm(t, n, "V-put", "60")
		}},
	}
	for _, w := range writes {
		for _, sf := range faults {
			t.Run(w.name+"/"+sf.fault.String(), func(t *testing.T) {
				t.Parallel()
				f := newStoreFixture(t)
				tk := f.Ticket(t, w.ticket)
				f.Srv.Fail("PUT", fmt.Sprintf("/tickets/%d", tk.ID), sf.n, sf.fault)
				r := f.C.Submit(t.Context(), w.submit(t, f, tk.Number))
				f.Srv.ClearFaults()
				if got := f.Ticket(t, tk.Number).Status; got != w.status {
					t.Fatalf("Syncro holds status %q, want %s", got, w.status)
				}
				if strings.Contains(r.Text, "NOT changed") || !strings.Contains(r.Text, w.said) {
					t.Errorf("reply %q; Syncro holds %s", r.Text, w.status)
				}
				if first, _ := f.watcherVerdict(t, tk.ID); first {
					t.Errorf("the watcher polling after the reply announces #%d as closed in Syncro", tk.Number)
				}
				if len(r.Notices) != 1 {
					// What a tech does next: Finish, which must not
					// announce it twice.
					r = f.settle(t, r)
				}
				wantOneNotice(t, r, tk.ID)
			})
		}
	}
}
