package tickets

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Failures the chaos tests (chaos_test.go) found, each pinned by a test of
// its own.

// TestFlow_StatusSyncroMayHaveSetIsNotToldAsUnchanged: a status PUT that
// Syncro applied but answered 500 on every retry (or answered with half a
// body) is in doubt, not "NOT changed": the ticket is Resolved, and the
// reply must not tell the tech otherwise (the status step reads the
// ticket back, finds it Resolved and says it is closed). A PUT Syncro
// refused (429 on every retry) did not change it, and the reply says so,
// with Finish.
func TestFlow_StatusSyncroMayHaveSetIsNotToldAsUnchanged(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault     syncrotest.Fault
		n         int
		set       bool
		wantClaim string
	}{
		{syncrotest.FaultCommitThenFail, 3, true, "Closed #32151 (Resolved)."},
		{syncrotest.FaultCommitThenGarbage, 1, true, "Closed #32151 (Resolved)."},
		{syncrotest.FaultRateLimit, 3, false, "the status was NOT changed to Resolved: Syncro answered 429"},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			t.Parallel()
			f := newStoreFixture(t)
			v := f.OpenModal(t, "close 32151")
			f.Srv.Fail("PUT", "/tickets/*", tc.n, tc.fault)
			r := f.C.Submit(t.Context(), form(v, "V1", typed(commands.BlockResolution, "Replaced the fuser.")))
			if got := f.Ticket(t, syncrotest.SeedTicketPrinter).Status == "Resolved"; got != tc.set {
				t.Fatalf("status set = %v, want %v", got, tc.set)
			}
			if !strings.Contains(r.Text, tc.wantClaim) || strings.Contains(r.Text, "NOT changed") == tc.set || (finishButton(r) == "") != tc.set {
				t.Errorf("reply = %q\nwant it to say %q, with Finish only when the status was not set", r.Text, tc.wantClaim)
			}
		})
	}
}

// TestFlow_ReadBackWithoutTheListIsNotNothingWritten: a write whose answer
// was a 500 is read back; when that read is answered 2xx with no list in
// it ("{}"), nothing is known, and the comment, minutes or invoice that
// landed must not be told as not written (a bill said "nothing was billed"
// without Finish while 30 min and the notes were on the ticket, and
// billing again doubled them).
func TestFlow_ReadBackWithoutTheListIsNotNothingWritten(t *testing.T) {
	t.Parallel()
	m := chaosModes[0]
	for _, tc := range []struct {
		kind  chaosKind
		write string
	}{
		{chaosKinds[1], "POST /tickets/:id/comment"},
		{chaosKinds[2], "POST /tickets/:id/comment"},
		{chaosKinds[3], "POST /tickets/:id/comment"},
		{chaosKinds[3], "POST /invoices"},
		{chaosKinds[4], "POST /tickets/:id/comment"},
	} {
		t.Run(tc.kind.name+" "+tc.write, func(t *testing.T) {
			t.Parallel()
			probe := m.write(newChaosRig(t, m.time), tc.kind, nil)
			at := slices.Index(probe.requests, tc.write)
			if at < 0 {
				t.Fatalf("no %s in %v", tc.write, probe.requests)
			}
			r := newChaosRig(t, m.time)
			res := m.write(r, tc.kind, []aimedFault{{at: at, fault: cfCommitThenFail}, {at: at + 1, fault: cfCommitThenEmpty}})
			if len(res.fired) != 2 {
				t.Fatalf("fired %v", res.fired)
			}
			for _, p := range r.final() {
				t.Error(p)
			}
		})
	}
}

// TestFlow_ReadBackFindsItsWriteWithSyncroClockBehind: Syncro stamps
// records with its own clock. On a ticket with no comment or timer yet,
// the read-back's floor was the bot's clock less 15 minutes, so with
// Syncro's clock further behind than that the write that landed was
// older than the floor: Finish took it for missing and wrote the comment
// and the minutes again.
func TestFlow_ReadBackFindsItsWriteWithSyncroClockBehind(t *testing.T) {
	t.Parallel()
	for _, write := range []string{"POST /tickets/:id/comment", "POST /tickets/:id/timer_entry"} {
		t.Run(write, func(t *testing.T) {
			t.Parallel()
			r := newSkewedChaosRig(t, syncrotest.TimeIgnoredOnComments, -17*time.Minute)
			r.learnNames()
			r.tk.setTimerPath(t.Context())
			ct := r.newTicket(0)
			probe := r.comment(commandstest.Dana, ct, chaosText, 30, deliverOnce, nil)
			at := slices.Index(probe.requests, write)
			if at < 0 {
				t.Fatalf("no %s in %v", write, probe.requests)
			}
			ct = r.newTicket(0)
			// Written, answered 500, and the read-back fails too: Finish
			// settles it.
			res := r.comment(commandstest.Dana, ct, chaosText, 30, deliverOnce, []aimedFault{{at: at, fault: cfCommitThenFail}, {at: at + 1, fault: cfServerError, sticky: true}})
			if len(res.fired) != 4 {
				t.Fatalf("fired %v", res.fired)
			}
			r.settle(3)
			for _, p := range r.final() {
				t.Error(p)
			}
		})
	}
}

// commentCutOffBefore has Dana comment chaosText with minutes on a new
// ticket, the bot dying after it marked step in doubt and before that
// step's write; it fails the test if the bot did not die there.
func (r *chaosRig) commentCutOffBefore(step string, minutes int) (chaosTicket, actResult) {
	r.t.Helper()
	r.learnNames()
	ct := r.newTicket(11)
	r.cs.arm(step, crashBeforeWrite)
	res := r.comment(commandstest.Dana, ct, chaosText, minutes, deliverOnce, nil)
	if !res.crashed {
		r.t.Fatal("did not crash")
	}
	return ct, res
}

// TestFlow_WebCommentLikeACutOffWriteIsNotTakenForIt: the bot dies after
// marking a comment step in doubt, before its POST; while it is down a
// person writes the very same comment (subject and body) in the web app;
// Finish must write the tech's comment, not take the web app's for it.
// It does take it: the read-back bounds a candidate from below (not on
// the ticket before the write, owned by no flow) but not from above.
func TestFlow_WebCommentLikeACutOffWriteIsNotTakenForIt(t *testing.T) {
	t.Parallel()
	r := newChaosRig(t, syncrotest.TimeFromComments)
	ct, _ := r.commentCutOffBefore(stepComment, 0)
	r.clk.Advance(20 * time.Minute)
	r.webComment(ct, commentSubject, chaosText, 0, 0)
	r.restart(time.Minute)
	r.settle(3)
	for _, p := range r.final() {
		t.Error(p)
	}
}

// TestFlow_WebTimerLikeACutOffTimerEntryIsNotTakenForIt: as
// TestFlow_WebCommentLikeACutOffWriteIsNotTakenForIt, for the time: the
// bot dies after marking its timer entry in doubt, before the POST; while
// it is down someone logs the same minutes, labor, notes and start in the
// web app for the same user. Finish must log the tech's minutes, not
// take the web app's timer for them (the timer was created after the
// bot's write could have been).
func TestFlow_WebTimerLikeACutOffTimerEntryIsNotTakenForIt(t *testing.T) {
	t.Parallel()
	r := newChaosRig(t, syncrotest.TimeIgnoredOnComments)
	r.tk.setTimerPath(t.Context())
	ct, res := r.commentCutOffBefore(stepTime, 30)
	f, err := r.st.GetFlow(res.flow)
	if err != nil {
		t.Fatal(err)
	}
	var b stepBefore
	if i := slices.IndexFunc(f.Steps, func(s store.Step) bool { return s.Name == stepTime }); i < 0 || json.Unmarshal(f.Steps[i].Before, &b) != nil || b.TimerStart.IsZero() {
		t.Fatalf("the time step recorded no start before its write: %s", stepStates(f))
	}
	r.clk.Advance(20 * time.Minute)
	if _, _, err := r.web.Timers.Add(t.Context(), ct.id, &syncro.TimerEntryRequest{
		StartAt: &b.TimerStart, DurationMinutes: syncro.Ptr(30), ProductID: syncro.Ptr(r.tk.cfg.Labor["remote"]), Notes: notesHead(chaosText),
	}); err != nil {
		t.Fatal(err)
	}
	r.led.observe("web", "web")
	r.restart(time.Minute)
	r.settle(3)
	for _, p := range r.final() {
		t.Error(p)
	}
}

// TestBill_TimeLoggedWhileBillingIsNotCharged: the bill checked its
// form's time in its first step only, so time another tech logged in
// Syncro while the bill logged its own minutes was charged and invoiced,
// never shown to whoever billed. Right before charging the bill reads
// the ticket again: other time than the form showed stops it there,
// saying the minutes it logged and nothing charged, with the total as it
// stands and a button to bill that, which logs nothing again. (Logged
// after the time step, the old bill left it uncharged on an invoiced
// ticket without a word; logged before, it charged it.)
func TestBill_TimeLoggedWhileBillingIsNotCharged(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m     chaosMode
		after string
	}{
		{chaosModes[0], stepGuard}, {chaosModes[0], stepComment}, {chaosModes[0], stepTime},
		{chaosModes[1], stepComment}, {chaosModes[1], stepTime},
	} {
		m := tc.m
		t.Run(m.name+" after "+tc.after, func(t *testing.T) {
			t.Parallel()
			r := newChaosRig(t, m.time)
			r.learnNames()
			product := r.tk.cfg.Labor["remote"]
			ct, form := r.billFormOver15(m.actor)
			r.cs.after(tc.after, func() {
				r.led.observe("the bill so far", r.flowIDs(ct)[0]) // newest first: the bill's
				r.webTime(ct, 45, product, "Patched the server.")
			})
			res := r.submit(m.actor, ct, form, formFields{minutes: 30}, deliverOnce, nil)
			invoices := func() int { return ticketInvoices(r.srv, ct.id) }
			charged := func() int { return chargedMinutes(r.srv.Timers(ct.id)) }
			if len(res.replies) != 1 {
				t.Fatalf("replies %v", shownTexts(res.replies))
			}
			said := shownText(res.replies[0])
			if got := charged(); got != 0 || invoices() != 0 {
				t.Fatalf("charged %d min onto %d invoices with 45 min the form never showed; told %q", got, invoices(), said)
			}
			if !strings.Contains(said, "30 min logged") || strings.Contains(said, "Nothing was billed") {
				t.Errorf("told %q, want the 30 min logged and nothing charged", said)
			}
			value := buttonValue(res.replies[0].Blocks, ActionBillNewTotal)
			if shown := blocksAsSlackReads(t, res.replies[0].Blocks); value == "" || !strings.Contains(shown, "Bill 90 min now") {
				t.Fatalf("no button to bill the 15+30+45 min it holds now:\n%s", shown)
			}
			click := commands.Action{Actor: m.actor, ChannelID: chaosChannel, ActionID: ActionBillNewTotal, Value: value, MessageTS: "ts-stale"}
			r.act("presses Bill 90 min now", ct, "", deliverAgain, nil, func(ctx context.Context) commands.Reply { return r.C.Action(ctx, click) })
			if got := charged(); got != 90 || invoices() != 1 {
				t.Errorf("after the button: %d min charged on %d invoices, want 90 on one", got, invoices())
			}
			for _, p := range r.final() {
				t.Error(p)
			}
		})
	}
}

// TestBill_FinishChargesWhatTheChargeCheckFound: a bill's charge stops
// half-way (the second charge refused for good); someone logs 45 min in
// Syncro; Finish charged all the ticket's uncharged time, the 45 min the
// form never showed with it. The charge check recorded what it found,
// and Finish charges that and nothing since.
func TestBill_FinishChargesWhatTheChargeCheckFound(t *testing.T) {
	t.Parallel()
	r := newChaosRig(t, syncrotest.TimeFromComments)
	r.learnNames()
	product := r.tk.cfg.Labor["remote"]
	bill := func(plan []aimedFault) (chaosTicket, actResult) {
		ct := r.newTicket(3)
		r.webTime(ct, 15, product, "Checked the backups.")
		rep := r.form(commandstest.Dana, ct, "bill")
		if rep.Modal == nil || rep.Modal.CallbackID != commands.CallbackBill {
			t.Fatalf("no bill form: %s", shownText(rep))
		}
		return ct, r.submit(commandstest.Dana, ct, rep.Modal, formFields{minutes: 30}, deliverOnce, plan)
	}
	_, probe := bill(nil)
	last := slices.Index(probe.requests, "POST /invoices") - 2 // after the charges, the invoices looked at again
	if last < 0 || probe.requests[last] != "POST /tickets/:id/charge_timer_entry" {
		t.Fatalf("no charge right before the invoice in %v", probe.requests)
	}
	ct, res := bill([]aimedFault{{at: last, fault: cfRateLimit, sticky: true}})
	if len(res.fired) == 0 || r.buttons[res.flow].flow == "" {
		t.Fatalf("fired %v; told %q, want a Finish", res.fired, shownTexts(res.replies))
	}
	r.webTime(ct, 45, product, "Patched the server.")
	fin := r.press(r.buttons[res.flow], deliverOnce, nil)
	if charged := chargedMinutes(r.srv.Timers(ct.id)); charged != 15+30 {
		t.Errorf("%d min charged, want the form's 15 and the bill's 30 (not the 45 logged since)", charged)
	}
	// The 45 min stay off the invoice: said, not left there without a word.
	if said := shownTexts(fin.replies); !strings.Contains(said, "the 45 min entered on #") || !strings.Contains(said, "NOT charged") {
		t.Errorf("Finish told %q, want it to say the 45 min logged since are not charged", said)
	}
	for _, p := range r.final() {
		t.Error(p)
	}
}
