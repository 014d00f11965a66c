package customers

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The merge attacked at its step boundaries: Syncro's odd answers at each
// write, a read-back that fails too, things that change in Syncro while
// the merge is stopped, and other merges of the same customers. Each test
// checks what Syncro holds at the end and that every reply says the truth.

// addContact adds a contact named name to customer id, as the web UI does.
func addContact(t *testing.T, f *customerFixture, id int64, name string) int64 {
	t.Helper()
	ct, _, err := f.cu.cfg.Syncro.Contacts.Create(t.Context(), &syncro.ContactRequest{CustomerID: &id, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return ct.ID
}

// wantNothingLeftBehind checks that the duplicate holds no ticket or
// contact any more, whether or not it still exists: nothing of it was
// deleted with it or stranded on it.
func (mc mergeCase) wantNothingLeftBehind(t *testing.T, srv *syncrotest.Server, tickets, contacts []int64) {
	t.Helper()
	for _, id := range tickets {
		if tk, _ := srv.Ticket(id); tk.CustomerID != mc.p {
			t.Errorf("ticket %d is on customer %d, want the primary %d", id, tk.CustomerID, mc.p)
		}
	}
	for _, id := range contacts {
		if ct, _ := srv.Contact(id); ct.CustomerID != mc.p {
			t.Errorf("contact %d is on customer %d, want the primary %d", id, ct.CustomerID, mc.p)
		}
	}
}

// deletes counts the DELETEs of the duplicate that Syncro carried out.
func (mc mergeCase) deletes(srv *syncrotest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "DELETE" && r.Path == "/customers/"+itoa(mc.d) && r.Status/100 == 2 {
			n++
		}
	}
	return n
}

// notes counts the merge notes of the duplicate on the primary.
func (mc mergeCase) notes(srv *syncrotest.Server) int {
	primary, _ := srv.Customer(mc.p)
	return strings.Count(primary.Notes, "Merged customer Acme Corp (old)")
}

// wantTruthful fails when reply claims the duplicate's fate otherwise
// than Syncro holds it.
func (mc mergeCase) wantTruthful(t *testing.T, srv *syncrotest.Server, reply string) {
	t.Helper()
	_, exists := srv.Customer(mc.d)
	switch {
	case strings.Contains(reply, "The duplicate was deleted.") && exists:
		t.Errorf("the reply says the duplicate was deleted, but Syncro holds it: %q", reply)
	case strings.Contains(reply, "was NOT deleted") && !exists:
		t.Errorf("the reply says the duplicate was NOT deleted, but Syncro has none: %q", reply)
	}
}

// stoppedMerge is a merge and delete stopped by Syncro answering 500 to
// every method request on path (the faults cleared afterwards), and its
// Finish button's value.
func stoppedMerge(t *testing.T, method string, path func(mc mergeCase) string, opts ...syncrotest.Option) (*customerFixture, mergeCase, string) {
	t.Helper()
	f := newCustomerFixture(t, opts...)
	mc := newMergeCase(t, f)
	f.Srv.Fail(method, path(mc), 20, syncrotest.FaultServerError)
	stopped := mc.click(t, f.C, "9.1")
	f.Srv.ClearFaults()
	return f, mc, buttonValue(t, stopped.Blocks, ActionCustomerMergeFinish)
}

// deleteInWebUI deletes customer id as someone in Syncro's web UI does.
func deleteInWebUI(t *testing.T, f *customerFixture, id int64) {
	t.Helper()
	if _, err := f.cu.cfg.Syncro.Customers.Delete(t.Context(), id); err != nil {
		t.Fatal(err)
	}
}

func onTickets(mergeCase) string    { return "/tickets/*" }
func onContacts(mergeCase) string   { return "/contacts/*" }
func onPrimary(mc mergeCase) string { return "/customers/" + itoa(mc.p) }

// TestMergeBreak_TicketAddedToTheDuplicateWhileStoppedIsNotDeletedWithIt:
// the merge stops after the tickets moved (the contact's PUT fails); a
// customer emails in and Syncro opens a new ticket on the duplicate. Finish
// must not delete the duplicate from under that ticket (Syncro's DELETE is
// hard): it moves it to the primary too, and says so.
func TestMergeBreak_TicketAddedToTheDuplicateWhileStoppedIsNotDeletedWithIt(t *testing.T) {
	t.Parallel()
	f, mc, id := stoppedMerge(t, "PUT", onContacts)
	late := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Emailed in after the move", CustomerID: mc.d})
	r := finish(t, f.C, id, "9.2")
	mc.wantTruthful(t, f.Srv, r.Text)
	mc.wantNothingLeftBehind(t, f.Srv, append(mc.tickets, late.ID), []int64{mc.contact})
	if !strings.Contains(r.Text, "#"+itoa(late.Number)) {
		t.Errorf("the reply does not say ticket #%d moved too: %q", late.Number, r.Text)
	}
}

// TestMergeBreak_ContactAddedToTheDuplicateWhileStoppedIsNotDeletedWithIt:
// the same for a contact added after the contacts were repointed (the note
// failed).
func TestMergeBreak_ContactAddedToTheDuplicateWhileStoppedIsNotDeletedWithIt(t *testing.T) {
	t.Parallel()
	f, mc, id := stoppedMerge(t, "PUT", onPrimary)
	late := addContact(t, f, mc.d, "Added Later")
	r := finish(t, f.C, id, "9.2")
	mc.wantTruthful(t, f.Srv, r.Text)
	mc.wantNothingLeftBehind(t, f.Srv, mc.tickets, []int64{mc.contact, late})
	if !strings.Contains(r.Text, "contact "+itoa(late)) {
		t.Errorf("the reply does not say contact %d moved too: %q", late, r.Text)
	}
}

// TestMergeBreak_OddAnswerAtEachWrite: at each of the merge's writes
// Syncro commits and answers garbage, commits and answers "{}", or holds
// the request until the bot gives up (a timeout; the read-back then fails
// too). Whatever the first pass says must be true, and Finish (if offered)
// ends with everything on the primary, one note, one DELETE.
func TestMergeBreak_OddAnswerAtEachWrite(t *testing.T) {
	t.Parallel()
	writes := []struct {
		name, method string
		path         func(mc mergeCase) string
	}{
		{"ticket", "PUT", onTickets},
		{"contact", "PUT", onContacts},
		{"note", "PUT", onPrimary},
		{"delete", "DELETE", func(mc mergeCase) string { return "/customers/" + itoa(mc.d) }},
	}
	for _, w := range writes {
		for _, fault := range []syncrotest.Fault{syncrotest.FaultCommitThenGarbage, syncrotest.FaultCommitThenEmpty, syncrotest.FaultHang} {
			t.Run(w.name+"/"+fault.String(), func(t *testing.T) {
				t.Parallel()
				f := newCustomerFixture(t)
				mc := newMergeCase(t, f)
				f.Srv.Fail(w.method, w.path(mc), 1, fault)
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				if fault == syncrotest.FaultHang {
					wg.Go(func() {
						// The bot's time runs out while Syncro holds the write.
						if err := pollUntil(t.Context(), func() bool { return f.Srv.Held() > 0 }); err == nil {
							cancel()
						}
					})
				}
				r := f.C.Action(ctx, commands.Action{Actor: admin, ChannelID: "C0TECHS", ActionID: ActionCustomerMergeConfirm, Value: mc.confirm, MessageTS: "9.1"})
				cancel()
				wg.Wait()
				mc.wantTruthful(t, f.Srv, r.Text)
				if id := finishValue(r); id != "" {
					r = finish(t, f.C, id, "9.2")
				}
				if !strings.Contains(r.Text, "The duplicate was deleted.") {
					t.Errorf("the merge did not finish: %q", r.Text)
				}
				mc.wantMergedOnce(t, f.Srv)
				if n := mc.deletes(f.Srv); n != 1 {
					t.Errorf("%d DELETEs of the duplicate carried out, want 1", n)
				}
			})
		}
	}
}

// finishValue is the Finish button's value in r, "" for none.
func finishValue(r commands.Reply) string {
	for _, b := range r.Blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == ActionCustomerMergeFinish {
					return btn.Value
				}
			}
		}
	}
	return ""
}

// pollUntil waits until cond holds, looking every millisecond, or ctx
// ends.
func pollUntil(ctx context.Context, cond func() bool) error {
	for !cond() {
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// keep is mc's "Merge, keep duplicate" click on message ts.
func (mc mergeCase) keep(t *testing.T, c *commands.Commands, ts string) commands.Reply {
	t.Helper()
	return c.Action(t.Context(), commands.Action{Actor: admin, ChannelID: "C0TECHS", ActionID: ActionCustomerMergeConfirm, Value: MergeButtonValue(mc.p, mc.d) + ":" + mergeKeep, MessageTS: ts})
}

// TestMergeBreak_KeepPressedWhileADeleteMergeOfThePairIsStopped: a merge
// and delete stops at the note; another admin merges the same pair from a
// new preview with "keep". Then Finish of the first. The primary must
// carry one merge note, and every reply must be true.
func TestMergeBreak_KeepPressedWhileADeleteMergeOfThePairIsStopped(t *testing.T) {
	t.Parallel()
	f, mc, id := stoppedMerge(t, "PUT", onPrimary)
	kept := mc.keep(t, f.C, "9.2")
	mc.wantTruthful(t, f.Srv, kept.Text)
	r := finish(t, f.C, id, "9.1")
	mc.wantTruthful(t, f.Srv, r.Text)
	if n := mc.notes(f.Srv); n != 1 {
		primary, _ := f.Srv.Customer(mc.p)
		t.Errorf("the primary carries %d merge notes, want 1: %q\nreplies: %q, %q", n, primary.Notes, kept.Text, r.Text)
	}
}

// TestMergeBreak_TwoPreviewsConfirmedAtOnce: two admins each confirm the
// same merge, keeping the duplicate, from their own preview at the same
// moment: the first is still reading the duplicate (Syncro holds that
// GET) when the second runs the whole merge. One merge happens: one note
// on the primary.
func TestMergeBreak_TwoPreviewsConfirmedAtOnce(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	mc := newMergeCase(t, f)
	f.Srv.Fail("GET", "/customers/"+itoa(mc.d), 1, syncrotest.FaultHang)
	var first commands.Reply
	var wg sync.WaitGroup
	wg.Go(func() { first = mc.keep(t, f.C, "9.1") })
	if err := pollUntil(t.Context(), func() bool { return f.Srv.Held() > 0 }); err != nil {
		t.Fatal(err)
	}
	var second commands.Reply
	secondDone := make(chan struct{})
	wg.Go(func() { second = mc.keep(t, f.C, "9.2"); close(secondDone) })
	// The second has run its course, or waits for the first to record
	// its merge.
	if err := pollUntil(t.Context(), func() bool {
		select {
		case <-secondDone:
			return true
		default:
			return waitingForLock("startMerge")
		}
	}); err != nil {
		t.Fatal(err)
	}
	f.Srv.ReleaseHangs()
	wg.Wait()
	if n := mc.notes(f.Srv); n != 1 {
		primary, _ := f.Srv.Customer(mc.p)
		t.Errorf("the primary carries %d merge notes, want 1: %q\nreplies: %q, %q", n, primary.Notes, first.Text, second.Text)
	}
	mc.wantNothingLeftBehind(t, f.Srv, mc.tickets, []int64{mc.contact})
}

// TestMergeBreak_ReverseMergeWhileOneIsStopped: merging old into Acme
// stops while moving tickets; an admin then merges Acme into old (the
// other way round) and deletes Acme. Finish of the first must not move
// anything onto the deleted Acme nor delete old; better, the reverse merge
// is refused while the first is unfinished.
func TestMergeBreak_ReverseMergeWhileOneIsStopped(t *testing.T) {
	t.Parallel()
	f, mc, id := stoppedMerge(t, "PUT", onTickets, syncrotest.WithRateLimit(0))
	reverse := f.C.Action(t.Context(), commands.Action{Actor: admin, ChannelID: "C0TECHS", ActionID: ActionCustomerMergeConfirm, Value: MergeButtonValue(mc.d, mc.p) + ":" + mergeDelete, MessageTS: "9.2"})
	if _, ok := f.Srv.Customer(mc.p); !ok {
		t.Errorf("the reverse merge deleted the first merge's primary while that merge was unfinished: %q", reverse.Text)
	}
	r := finish(t, f.C, id, "9.1")
	_, pOK := f.Srv.Customer(mc.p)
	_, dOK := f.Srv.Customer(mc.d)
	if !pOK && !dOK {
		t.Fatalf("both customers are gone: %q / %q", reverse.Text, r.Text)
	}
	survivor := mc.p
	if !pOK {
		survivor = mc.d
	}
	for _, tk := range f.Srv.Tickets() {
		if (tk.CustomerID == mc.p || tk.CustomerID == mc.d) && tk.CustomerID != survivor {
			t.Errorf("ticket #%d is on deleted customer %d", tk.Number, tk.CustomerID)
		}
	}
}

// TestMergeBreak_DuplicateDeletedInSyncroWhileStopped: the merge stops at
// the contact; someone deletes the duplicate in Syncro's web UI; Finish.
// The bot must not send a DELETE of its own, and what it says must hold.
func TestMergeBreak_DuplicateDeletedInSyncroWhileStopped(t *testing.T) {
	t.Parallel()
	f, mc, id := stoppedMerge(t, "PUT", onContacts)
	deleteInWebUI(t, f, mc.d)
	r := finish(t, f.C, id, "9.2")
	if n := mc.deletes(f.Srv); n != 1 {
		t.Errorf("%d DELETEs of the duplicate, want only the web UI's", n)
	}
	if n := mc.notes(f.Srv); n > 1 {
		t.Errorf("%d merge notes", n)
	}
	t.Logf("Finish after the web UI's delete: %q", r.Text)
}

// TestMergeBreak_PrimaryDeletedInSyncroWhileStopped: the merge stops at
// the first ticket; someone deletes the primary in Syncro; Finish must
// not delete the duplicate, which now holds everything, and must say so.
func TestMergeBreak_PrimaryDeletedInSyncroWhileStopped(t *testing.T) {
	t.Parallel()
	f, mc, id := stoppedMerge(t, "PUT", onTickets)
	deleteInWebUI(t, f, mc.p)
	r := finish(t, f.C, id, "9.2")
	if _, ok := f.Srv.Customer(mc.d); !ok {
		t.Errorf("the duplicate was deleted though its primary is gone: %q", r.Text)
	}
	mc.wantTruthful(t, f.Srv, r.Text)
	for _, id := range mc.tickets {
		if tk, _ := f.Srv.Ticket(id); tk.CustomerID != mc.d {
			t.Errorf("ticket %d left the duplicate for customer %d", id, tk.CustomerID)
		}
	}
	t.Logf("Finish after the primary was deleted: %q", r.Text)
}

// TestMergeBreak_MoreThanAPageOfTicketsAndContacts: the duplicate holds
// more tickets and contacts than one page of Syncro's lists (100 at
// most); every one ends on the primary and the note counts them all.
func TestMergeBreak_MoreThanAPageOfTicketsAndContacts(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t, syncrotest.WithRateLimit(0))
	mc := newMergeCase(t, f)
	const n = 101 // one past a page of 100, the most Syncro lists at once
	tickets, contacts := append([]int64(nil), mc.tickets...), []int64{mc.contact}
	for i := len(tickets); i < n; i++ {
		tickets = append(tickets, f.Srv.AddTicket(syncrotest.Ticket{Subject: "Old " + itoa(int64(i)), CustomerID: mc.d}).ID)
	}
	for i := len(contacts); i < n; i++ {
		contacts = append(contacts, addContact(t, f, mc.d, "Contact "+itoa(int64(i))))
	}
	preview := f.C.Slash(t.Context(), commands.Request{Actor: admin, ChannelID: "C0TECHS", Text: "customer merge " + itoa(mc.p) + " " + itoa(mc.d)})
	if !strings.Contains(preview.Text, "tickets to move to the primary: 101") || !strings.Contains(preview.Text, "contacts to repoint to the primary: 101") {
		t.Errorf("preview: %q", preview.Text)
	}
	r := mc.click(t, f.C, "9.1")
	if !strings.Contains(r.Text, "101 tickets and 101 contacts moved") || !strings.Contains(r.Text, "The duplicate was deleted.") {
		t.Errorf("reply: %q", r.Text)
	}
	mc.wantNothingLeftBehind(t, f.Srv, tickets, contacts)
	primary, _ := f.Srv.Customer(mc.p)
	if !strings.Contains(primary.Notes, "101 tickets, 101 contacts moved") {
		t.Errorf("note: %q", primary.Notes)
	}
}

// TestMergeBreak_FinishPressedOnTwoMessagesAtOnce: the stopped reply's
// Finish and the restart's Finish are pressed together while Syncro holds
// the first pass's DELETE: one DELETE, one note, both replies true.
func TestMergeBreak_FinishPressedOnTwoMessagesAtOnce(t *testing.T) {
	t.Parallel()
	f, mc, id := stoppedMerge(t, "PUT", onPrimary)
	f.Srv.Fail("DELETE", "/customers/"+itoa(mc.d), 1, syncrotest.FaultHang)
	var first commands.Reply
	var wg sync.WaitGroup
	wg.Go(func() { first = finish(t, f.C, id, "9.1") })
	if err := pollUntil(t.Context(), func() bool { return f.Srv.Held() > 0 }); err != nil {
		t.Fatal(err)
	}
	var second commands.Reply
	wg.Go(func() { second = finish(t, f.C, id, "told") })
	f.Srv.ReleaseHangs()
	wg.Wait()
	for _, r := range []commands.Reply{first, second} {
		mc.wantTruthful(t, f.Srv, r.Text)
		if !strings.Contains(r.Text, "The duplicate was deleted.") {
			t.Errorf("reply: %q", r.Text)
		}
	}
	mc.wantMergedOnce(t, f.Srv)
	if n := mc.deletes(f.Srv); n != 1 {
		t.Errorf("%d DELETEs", n)
	}
}

// TestMergeBreak_CrashAgainDuringFinishAfterARestart: the merge crashes
// at one step, the restart tells it, Finish crashes at a later step, the
// second restart tells it again, and its Finish completes the merge once.
func TestMergeBreak_CrashAgainDuringFinishAfterARestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		first, second string
		afterFirst    bool
		afterSecond   bool
	}{
		{stepMoveTickets, stepMoveContacts, false, true},
		{stepMoveContacts, stepNote, true, true},
		{stepNote, stepDelete, true, false},
		{stepMoveTickets, stepDelete, true, true},
	} {
		t.Run(tc.first+"/"+tc.second, func(t *testing.T) {
			t.Parallel()
			f, mc := crashedMerge(t, tc.first, tc.afterFirst)
			posts := f.C.Startup(t.Context())
			if len(posts) != 1 {
				t.Fatalf("%d posts at the first start, want 1", len(posts))
			}
			id := buttonValue(t, posts[0].Reply.Blocks, ActionCustomerMergeFinish)
			f.crash.arm(tc.second, tc.afterSecond)
			crashing(t, func() { finish(t, f.C, id, "told") })
			f.restart(t)
			posts = f.C.Startup(t.Context())
			if len(posts) != 1 {
				t.Fatalf("%d posts at the second start, want 1", len(posts))
			}
			if !strings.Contains(posts[0].Reply.Text, stepWhat(tc.second)) {
				t.Errorf("the second start's message does not name %q: %q", stepWhat(tc.second), posts[0].Reply.Text)
			}
			r := finish(t, f.C, buttonValue(t, posts[0].Reply.Blocks, ActionCustomerMergeFinish), "told2")
			if !strings.Contains(r.Text, "The duplicate was deleted.") {
				t.Errorf("Finish: %q", r.Text)
			}
			mc.wantMergedOnce(t, f.Srv)
			if n := mc.deletes(f.Srv); n != 1 {
				t.Errorf("%d DELETEs", n)
			}
		})
	}
}

// waitingForLock reports whether some goroutine waits in flow.Locks.Lock
// called from the function named caller.
func waitingForLock(caller string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "sync.(*Mutex).Lock") && strings.Contains(g, "flow.(*Locks).Lock") && strings.Contains(g, caller) {
			return true
		}
	}
	return false
}
