package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_Replicas_ARetypeWaitsForTheWriteOfAReplicaCutOffLongerThanTheGrace:
// Dana's comment with 20 minutes is at Syncro through replica A when A is
// cut off the database for longer than store.AdoptGrace (B's clock runs
// past it: no sleep). A lives and its comment is on its way. She types
// the command again and it reaches B, which must wait for A's write, as
// it waits for a live replica's (README, "Running two replicas"), and then
// ask: never tell her, while the comment is still on its way, that
// Syncro didn't confirm it and that "Finish on that reply" checks, of a
// reply she never got. Believing that, she would log it again: Syncro
// must hold the comment and its minutes once.
func TestE2E_Replicas_ARetypeWaitsForTheWriteOfAReplicaCutOffLongerThanTheGrace(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	a, proxy := fx.startBehindProxy(ctx, t)
	aConn := a.slash(ctx, t, "help").ConnID
	a.waitLog(ctx, t, "this replica tells of the work stopped replicas left")
	c := a.commentHeldAtSyncro(ctx, t, "Reseated the fuser and cleared the jam sensor.")

	// B's clock is past the grace of A's session, which is all a cut
	// longer than it looks like from B.
	fx.clock = runClock{now: func() time.Time { return time.Now().Add(store.AdoptGrace + 2*time.Second) }}
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	if !b.steerAfter(ctx, t, func(conn int) bool { return conn == aConn }) {
		t.Fatal("no envelope reached A")
	}
	asked := len(fx.f.Ephemerals(e2eUser))
	proxy.setCut(true)
	b.waitLog(ctx, t, "this replica tells of the work stopped replicas left")

	if again := b.slash(ctx, t, c.cmd); again.ConnID == aConn {
		t.Fatalf("the command typed again reached A (socket %d), want B", aConn)
	}
	// B answers at once only if it took A's lock; waiting, it says so,
	// and three of its looks later (one a second) it still waits.
	const look = `"msg":"looked for unfinished work`
	waitedFrom := -1
	err := poll(ctx, func() bool {
		if len(fx.f.Ephemerals(e2eUser)) > asked {
			return true
		}
		if waitedFrom < 0 && strings.Contains(b.stderr.String(), "waiting for a lock another holds") {
			waitedFrom = strings.Count(b.stderr.String(), look)
		}
		return waitedFrom >= 0 && strings.Count(b.stderr.String(), look) >= waitedFrom+3
	})
	if err != nil {
		t.Fatalf("B neither answered nor waited for A's lock: %v; B's log:\n%s", err, b.stderr.String())
	}

	proxy.setCut(false)
	a.waitLog(ctx, t, "took the replica's database session again")
	fx.srv.ReleaseHangs()
	a.waitReply(ctx, t, c.seen, "20 min logged")
	q := b.waitReply(ctx, t, asked, "log it again")
	t.Logf("B asked: %q", q.Text)
	if strings.Contains(q.Text, "didn't confirm") {
		t.Errorf("B told Dana Syncro didn't confirm the comment A was still sending (and of a Finish she was never shown): %q", q.Text)
		answered := len(fx.f.Ephemerals(e2eUser))
		b.click(ctx, t, q, button(t, q.Blocks, tickets.ActionLogAgain)) // as Dana would, believing it
		t.Logf("Log it again answered %q", b.waitReply(ctx, t, answered).Text)
	}
	wantCommentOnce(t, fx, c.tk, c.notes, c.timers0, 20)
}

// heldComment is a /syncro comment of Dana's at Syncro (commentHeldAtSyncro).
type heldComment struct {
	tk      syncrotest.Ticket
	notes   string
	cmd     string
	timers0 int // the ticket's minutes before it
	seen    int // Dana's replies before it
	ack     slackfake.Ack
}

// printerComment is Dana's /syncro comment of 20 minutes with notes on
// the printer ticket, not sent yet.
func printerComment(t *testing.T, b *e2eBot, notes string) heldComment {
	t.Helper()
	c := heldComment{tk: ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter), notes: notes}
	c.cmd = "comment " + itoa64(c.tk.Number) + " --time 20m " + notes
	c.timers0, _ = loggedMinutes(b.srv, c.tk.ID)
	c.seen = len(b.f.Ephemerals(e2eUser))
	return c
}

// commentHeldAtSyncro sends Dana's /syncro comment of 20 minutes with
// notes on the printer ticket through b and returns once Syncro holds
// its POST.
func (b *e2eBot) commentHeldAtSyncro(ctx context.Context, t *testing.T, notes string) heldComment {
	t.Helper()
	c := printerComment(t, b, notes)
	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	c.ack = b.slash(ctx, t, c.cmd)
	b.waitHeld(ctx, t)
	return c
}

// TestE2E_Replicas_ALockNotLetGoWhileCutOffIsLetGoOnceBack: Dana's
// comment with 20 minutes is at Syncro through replica A when A's
// database connections are cut; Syncro then takes the comment, A tells
// her it stopped before the time entry (Finish), and lets go of the
// ticket's lock, which the database does not hear. Back
// on the database, A must let go of it there too: her next comment on
// the ticket is written, not kept waiting for work that ended (until
// WORK_TIMEOUT, and told "Syncro didn't answer in time"; before, the
// lock stayed A's, alive, for store.LockLease, 15 min, and a lone bot
// on PostgreSQL kept it from itself as long).
func TestE2E_Replicas_ALockNotLetGoWhileCutOffIsLetGoOnceBack(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	const work = 30 * time.Second // the least WORK_TIMEOUT: how long the old code kept her waiting
	fx.env["WORK_TIMEOUT"] = work.String()
	a, proxy := fx.startBehindProxy(ctx, t)
	c := a.commentHeldAtSyncro(ctx, t, "Cleaned the pickup rollers.")
	proxy.setCut(true)
	fx.srv.ReleaseHangs()
	a.waitReply(ctx, t, c.seen, "Comment added", "Finish")
	a.waitLog(ctx, t, `"msg":"lock not let go`)
	proxy.setCut(false)
	// A takes its session back, and lets go of the lock there, at its
	// next life check or the one after (every 5 s, on the real clock,
	// which run's does not move): this wait has a budget of its own, not
	// what is left of the one a busy machine spent starting A.
	ctx = testContext(t)
	a.waitLog(ctx, t, "took the replica's database session again")

	const next = "Replaced the separation pad."
	seen := len(fx.f.Ephemerals(e2eUser))
	// Her answer may take A's WORK_TIMEOUT, as the old code's wait for
	// the lock did: it is waited for, and told, not cut off by the test.
	answered := workContext(t, work)
	a.slash(ctx, t, "comment "+itoa64(c.tk.Number)+" --time 10m "+next)
	if r := a.waitReply(answered, t, seen); !strings.Contains(r.Text, "10 min logged") {
		t.Errorf("her next comment on the ticket answered %q, want it logged", r.Text)
	}
	if n := commentsWithBody(fx.srv, c.tk.ID, next); n != 1 {
		t.Errorf("Syncro holds %d of her next comment, want 1", n)
	}
	wantCommentOnce(t, fx, c.tk, c.notes, c.timers0, 10) // the first's time entry waits for Finish
}

// TestE2E_Replicas_ARetypeThatRunsOutWaitingForTheOtherReplicaSaysSo:
// Dana's comment with 20 minutes is at Syncro through replica A when A
// is cut off the database; she types it again at once and it reaches B,
// which waits for A's write (the ticket's lock stays A's: A may still be
// sending it) until B's own WORK_TIMEOUT runs out. What B then tells her
// must be true: Syncro was never slow to answer B, and B sent nothing.
// A's own answer offers Finish, which writes the comment and its minutes
// once.
func TestE2E_Replicas_ARetypeThatRunsOutWaitingForTheOtherReplicaSaysSo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	const work = 30 * time.Second // the least WORK_TIMEOUT, so that B runs out in half a minute
	fx.env["WORK_TIMEOUT"] = work.String()
	a, proxy := fx.startBehindProxy(ctx, t)
	aConn := a.slash(ctx, t, "help").ConnID
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	if !b.steerAfter(ctx, t, func(conn int) bool { return conn != aConn }) {
		t.Fatal("no envelope reached B")
	}
	// The answers come once the replicas' own WORK_TIMEOUTs have run out,
	// on the real clock whatever run's says (bot.Config.Clock): Dana's wait
	// for them is that and the test's own budget, counted from before
	// either work began. Counted from when B was seen waiting, it ended
	// within milliseconds of B's answer, and before it on a busy machine.
	answered := workContext(t, work)
	c := a.commentHeldAtSyncro(ctx, t, "Re-seated the tray 2 lift motor.")
	proxy.setCut(true)
	retyped := len(fx.f.Ephemerals(e2eUser))
	if again := b.slash(ctx, t, c.cmd); c.ack.ConnID != aConn || again.ConnID == aConn {
		t.Fatalf("the commands reached sockets %d and %d, want A's (%d) first", c.ack.ConnID, again.ConnID, aConn)
	}
	b.waitLog(ctx, t, "waiting for a lock another holds")

	// Both run out (A's own work first): A offers Finish, B says why it
	// stopped.
	fromA := a.waitReply(answered, t, c.seen, tickets.ActionFinish)
	var fromB string
	err := poll(answered, func() bool {
		for _, e := range fx.f.Ephemerals(e2eUser)[retyped:] {
			if e.TS != fromA.TS {
				fromB = e.Text
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("B never answered the retyped comment: %v", err)
	}
	t.Logf("A: %q; B: %q", fromA.Text, fromB)
	if strings.Contains(fromB, "didn't answer") || !strings.Contains(fromB, "sent nothing") {
		t.Errorf("B, which ran out waiting for A's write, told Dana %q; want that it sent nothing to Syncro, and not that Syncro was slow", fromB)
	}

	ctx = testContext(t)
	proxy.setCut(false)
	a.waitLog(ctx, t, "took the replica's database session again")
	finished := len(fx.f.Ephemerals(e2eUser))
	a.clickFinish(ctx, t, fromA)
	a.waitReply(ctx, t, finished, "20 min logged")
	wantCommentOnce(t, fx, c.tk, c.notes, c.timers0, 20)
}

// TestE2E_Replicas_AWriteOfAReplicaWithALongerWorkTimeoutIsNotSentTwice:
// the replicas' WORK_TIMEOUT is being changed, one replica at a time (the
// rolling upgrade): A still runs with 10 min, B already with 30 s. A's
// charge is at Syncro when A is cut off the database; B's clock runs
// past B's own WORK_TIMEOUT and the grace (no sleep), well within A's.
// A's charge may still land: B must not tell Dana of the bill as left,
// nor, on her Finish, charge it again.
func TestE2E_Replicas_AWriteOfAReplicaWithALongerWorkTimeoutIsNotSentTwice(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Replaced the fuser's thermal fuse."
	fx := replicaFakes(t)
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	fx.env["WORK_TIMEOUT"] = "10m"
	a, proxy := fx.startBehindProxy(ctx, t)
	a.waitLog(ctx, t, "this replica tells of the work stopped replicas left")
	tk, minutesBefore := billHeldAtCharge(ctx, t, fx, notes)
	fx.env["WORK_TIMEOUT"] = "30s"
	fx.clock = runClock{now: func() time.Time { return time.Now().Add(30*time.Second + store.AdoptGrace + 2*time.Second) }}
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	proxy.setCut(true)
	b.waitLog(ctx, t, "this replica tells of the work stopped replicas left")
	const look = `"msg":"looked for unfinished work`
	b.waitLogCount(ctx, t, look, strings.Count(b.stderr.String(), look)+3)
	b.wantCutOffBillNotWrittenTwice(ctx, t, a, proxy, tk, minutesBefore, notes)
}

// TestE2E_Replicas_AFinishThatRunsOutWaitingOnAKilledReplicasChargeClaimsNothing:
// replica A (a child process, WORK_TIMEOUT 2 min) bills Dana's 60
// minutes: it holds the ticket's lock while Syncro is slow to take the
// time entry (the clock moves 5 min: no sleep), then records the charge
// and is killed (SIGKILL) while Syncro holds it, so the charge never
// lands. B (WORK_TIMEOUT 30 s) runs on, its clock past A's lock's wait
// but not past its charge's (the in-flight fence: A's WORK_TIMEOUT plus
// store.AdoptGrace after it recorded each). Dana opens the bill form on
// B, which offers Finish, and presses it: B takes the lock and waits for
// the charge until its own WORK_TIMEOUT runs out. What the form then
// says must be true: A is dead and Syncro does not hold the charge, so
// B may say the charge may still be on its way, never that A was still
// sending it, nor that it was not charged. Once the fence has passed,
// Finish bills the minutes once.
func TestE2E_Replicas_AFinishThatRunsOutWaitingOnAKilledReplicasChargeClaimsNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Cleared the paper path and replaced the pickup roller."
	fx := replicaFakes(t)
	path := filepath.Join(t.TempDir(), "clock-ahead")
	fx.env[clockAheadVar] = path
	fx.clock = fileAheadClock(path)
	ahead := func(d time.Duration) {
		t.Helper()
		if err := os.WriteFile(path, []byte(d.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a, aLog := startReplicaProcess(ctx, t, fx)
	tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketPrinter)
	minutesBefore, _ := loggedMinutes(fx.srv, tk.ID)
	a0 := &e2eBot{e2eFakes: fx}
	a0.slash(ctx, t, "bill "+itoa64(tk.Number))
	form := a0.waitView(ctx, t, commands.CallbackBill)
	fx.srv.Fail("POST", "/tickets/*/timer_entry", 1, syncrotest.FaultHang)
	fx.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultHang)
	a0.submitView(ctx, t, billSubmission(t, form, "60", notes))
	timerPath := "/tickets/" + itoa64(tk.ID) + "/timer_entry"
	heldAt := func(p string) func() bool {
		return func() bool { return slices.Contains(fx.srv.HeldPaths(), p) }
	}
	if err := poll(ctx, heldAt(timerPath)); err != nil {
		t.Fatalf("Syncro never held A's time entry: %v; A's log:\n%s", err, aLog.String())
	}
	ahead(5 * time.Minute)
	fx.srv.ReleaseOne(timerPath)
	if err := poll(ctx, heldAt("/tickets/"+itoa64(tk.ID)+"/charge_timer_entry")); err != nil {
		t.Fatalf("Syncro never held A's charge: %v; A's log:\n%s", err, aLog.String())
	}
	if err := a.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = a.Wait()

	// Past A's last sign of life and its lock's wait, not its charge's.
	ahead(5*time.Minute + 20*time.Second)
	fx.env["WORK_TIMEOUT"] = "30s"
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	b.slash(ctx, t, "bill "+itoa64(tk.Number))
	again := b.waitFormAfter(ctx, t, form.ID)
	if _, err := fx.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: again.ID,
		Actions: []slackfake.Action{button(t, viewBlocks(t, again), tickets.ActionFinish)}}); err != nil {
		t.Fatalf("click Finish in the form: %v", err)
	}
	// B waits its WORK_TIMEOUT, as long as the test's own waits.
	ctx, cancel := context.WithTimeout(t.Context(), 2*testTimeout)
	defer cancel()
	var after slackfake.View
	if err := fx.f.WaitUntil(ctx, func() bool {
		for _, v := range fx.f.Views() {
			if v.ID == again.ID && string(v.JSON) != string(again.JSON) {
				after = v
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("the form never said what Finish did: %v; B's log:\n%s", err, b.stderr.String())
	}
	said := string(viewBlocks(t, after))
	t.Logf("the form says: %s", said)
	if strings.Contains(said, "was still sending") || strings.Contains(said, "not charged") || !strings.Contains(said, "may or may not reach Syncro") || !strings.Contains(said, "Finish checks Syncro") {
		t.Errorf("Finish, which ran out waiting for the charge of A, killed, told Dana %s; want that it may still be on its way and that Finish checks Syncro", said)
	}

	ahead(10 * time.Minute)
	if _, err := fx.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: after.ID,
		Actions: []slackfake.Action{button(t, viewBlocks(t, after), tickets.ActionFinish)}}); err != nil {
		t.Fatalf("click Finish in the form again: %v", err)
	}
	if err := poll(ctx, func() bool { return invoicesOf(fx.srv, tk.ID) == 1 }); err != nil {
		t.Fatalf("Finish past the fence did not invoice #%d: %v; B's log:\n%s", tk.Number, err, b.stderr.String())
	}
	wantBilledOnce(t, fx.srv, tk, minutesBefore, notes)
}

// TestE2E_Replicas_TheBillFormOnTheOtherReplicaTellsABillStillRunningAsSo:
// replica A bills Dana's 60 minutes and Syncro holds its charge; A is
// alive. She opens the bill form again, on B. The form offers Finish
// rather than a fresh form (a second bill would log the minutes twice),
// but it must not say "I was restarted" of a bill no one restarted: the
// charge is under way. A then answers "Invoiced", and Syncro holds the
// bill once.
func TestE2E_Replicas_TheBillFormOnTheOtherReplicaTellsABillStillRunningAsSo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	a := fx.start(ctx, t, "-debug")
	aConn := a.slash(ctx, t, "help").ConnID
	const notes = "Replaced the transfer roller."
	tk, minutesBefore := billHeldAtCharge(ctx, t, fx, notes)
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	if !b.steerAfter(ctx, t, func(conn int) bool { return conn == aConn }) {
		t.Fatal("no envelope reached A")
	}
	var forms []string
	for _, v := range fx.f.Views() {
		forms = append(forms, v.ID)
	}
	if ack := b.slash(ctx, t, "bill "+itoa64(tk.Number)); ack.ConnID == aConn {
		t.Fatalf("the bill command reached A (socket %d), want B", aConn)
	}
	offer := b.waitFormAfter(ctx, t, forms...)
	said := string(viewBlocks(t, offer))
	t.Logf("the form says: %s", said)
	if offer.CallbackID == commands.CallbackBill {
		t.Errorf("the bill form opened fresh while A's bill was charging: a second bill logs the minutes twice")
	}
	if strings.Contains(said, "restarted") || !strings.Contains(said, "still under way") {
		t.Errorf("the form tells A's bill, still charging, as %s; want it under way, not restarted", said)
	}
	seen := len(fx.f.Ephemerals(e2eUser))
	fx.srv.ReleaseHangs()
	a.waitReply(ctx, t, seen, "Invoiced #")
	wantBilledOnce(t, fx.srv, tk, minutesBefore, notes)
}
