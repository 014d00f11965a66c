package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/store/pgtest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 19, fresh eyes again (break19c): what a lost answer from
// PostgreSQL does to two replicas (README, Running two replicas).

// claimInsert is the statement of a claim taken afresh (store.Postgres
// Claim), which the proxy counts.
const claimInsert = "INSERT INTO claims"

// TestE2E_Replicas_AStepWhoseClaimAnswerWasLostIsFinishedOnTheOther:
// replica A bills Dana's 60 minutes; the claim of the charge check is
// committed by PostgreSQL but its answer is lost with A's connection (a
// network cut at the worst moment). A tells Dana it could not record the
// step, with Finish; nothing of the charge was sent. B, beside A, gets
// her Finish: it must finish the bill (the minutes once, one invoice),
// not wait for a claim nobody is working on, which reads to B as A's
// write in progress for as long as A lives.
func TestE2E_Replicas_AStepWhoseClaimAnswerWasLostIsFinishedOnTheOther(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	bill := billBehindCutProxy(ctx, t, "Reseated the tray sensor.")
	// The submission's claim, the invoice guard's, the comment's, the
	// time's, then the charge check's.
	told := bill.submit(ctx, t, bill.proxy.loseCommitAnswer(claimInsert, 5))
	if invoicesOf(bill.fx.srv, bill.tk.ID) != 0 {
		t.Fatalf("A invoiced the ticket though the charge check's claim was lost")
	}
	bill.finishOnB(ctx, t, told)
}

// TestE2E_Replicas_AStepWhoseClaimCommittedLateIsFinishedOnTheOther: as
// TestE2E_Replicas_AStepWhoseClaimAnswerWasLostIsFinishedOnTheOther, but A
// sees its connection drop before the server has read the COMMIT, which
// it reads only after A's clean-up of the claim went through another
// connection (a busy server, a slow network). The claim must still not
// stay A's work in progress: Finish on B invoices once.
func TestE2E_Replicas_AStepWhoseClaimCommittedLateIsFinishedOnTheOther(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	bill := billBehindCutProxy(ctx, t, "Reseated the fuser lamp.")
	cut := bill.proxy.commitLate(claimInsert, 5, "state = 'failed'")
	bill.proxy.letInWhenWaiting(ctx, bill.fx.env["DATABASE_URL"], "state = 'failed'")
	told := bill.submit(ctx, t, cut)
	bill.finishOnB(ctx, t, told)
}

// letInWhenWaiting lets p's late commit through once a session of the
// database at dbURL waits on a lock in a statement containing sql: a
// clean-up that waits for the transaction.
func (p *pgCutProxy) letInWhenWaiting(ctx context.Context, dbURL, sql string) {
	go func() {
		if poll(ctx, func() bool { return waitsOnALock(ctx, dbURL, sql) }) == nil {
			p.letLateCommitThrough()
		}
	}()
}

// waitsOnALock reports whether a session of the database at dbURL waits
// on a lock in a statement containing sql.
func waitsOnALock(ctx context.Context, dbURL, sql string) bool {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return false
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var waits bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
		WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid())`, sql).Scan(&waits)
	return err == nil && waits
}

// TestE2E_Replicas_AStepWhoseFailureWasNotRecordedIsFinishedOnTheOther:
// replica A bills Dana's 60 minutes; Syncro refuses the charge (500), and
// A's record of that failure never reaches PostgreSQL (its connection
// drops before the COMMIT). A tells Dana, with Finish. The charge's claim
// is still pending under A, which is alive and no longer at work on it:
// Finish, on B, must charge and invoice once, not wait for A.
func TestE2E_Replicas_AStepWhoseFailureWasNotRecordedIsFinishedOnTheOther(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	bill := billBehindCutProxy(ctx, t, "Cleaned the scanner glass.")
	bill.fx.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultServerError)
	told := bill.submit(ctx, t, bill.proxy.loseCommit("state = 'failed'", 1))
	bill.finishOnB(ctx, t, told)
}

// cutBill is Dana's bill of 60 minutes on the printer ticket through
// replica A, whose database connections go through a pgCutProxy.
type cutBill struct {
	fx            *e2eFakes
	a             *e2eBot
	proxy         *pgCutProxy
	tk            syncrotest.Ticket
	minutesBefore int
	notes         string
	form          slackfake.View
	// conn is A's socket, once the form was submitted.
	conn int
}

// billBehindCutProxy starts A behind a pgCutProxy and opens Dana's bill
// form on it.
func billBehindCutProxy(ctx context.Context, t *testing.T, notes string) *cutBill {
	t.Helper()
	c := &cutBill{fx: replicaFakes(t), notes: notes}
	c.a, c.proxy = c.fx.startBehindCutProxy(ctx, t)
	c.tk = ticketByNumber(t, c.fx.srv, syncrotest.SeedTicketPrinter)
	c.minutesBefore, _ = loggedMinutes(c.fx.srv, c.tk.ID)
	c.a.slash(ctx, t, "bill "+itoa64(c.tk.Number))
	c.form = c.a.waitView(ctx, t, commands.CallbackBill)
	return c
}

// submit submits the bill form on A, waits until the proxy has cut, and
// returns A's reply to Dana, which must offer Finish.
func (c *cutBill) submit(ctx context.Context, t *testing.T, cut <-chan struct{}) slackfake.Ephemeral {
	t.Helper()
	ack, told := c.a.submitThroughCut(ctx, t, billSubmission(t, c.form, "60", c.notes), cut, tickets.ActionFinish)
	c.conn = ack.ConnID
	return told
}

// submitThroughCut submits sub on replica a, waits until its pgCutProxy
// has cut, and returns the submission's ack and a's reply to Dana, which
// holds want.
func (a *e2eBot) submitThroughCut(ctx context.Context, t *testing.T, sub slackfake.ViewSubmission, cut <-chan struct{}, want ...string) (slackfake.ViewAck, slackfake.Ephemeral) {
	t.Helper()
	seen := len(a.f.Ephemerals(e2eUser))
	ack := a.submitView(ctx, t, sub)
	<-cut
	told := a.waitReply(ctx, t, seen, want...)
	t.Logf("A told Dana: %q", told.Text)
	return ack, told
}

// finishOnB starts replica B and has Dana press Finish in told there;
// B must invoice the bill, which Syncro then holds once.
func (c *cutBill) finishOnB(ctx context.Context, t *testing.T, told slackfake.Ephemeral) {
	t.Helper()
	b := c.fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	toB := b.steerAfter(ctx, t, func(conn int) bool { return conn == c.conn })
	seen := len(c.fx.f.Ephemerals(e2eUser))
	ack := b.click(ctx, t, told, button(t, told.Blocks, tickets.ActionFinish))
	if ack.ConnID == c.conn || !toB {
		t.Fatalf("Finish reached socket %d, A's; want B's", ack.ConnID)
	}
	b.waitReply(ctx, t, seen, "Invoiced #")
	wantBilledOnce(t, c.fx.srv, c.tk, c.minutesBefore, c.notes)
}

// steerAfter sends Dana's /syncro help until one reaches a socket for
// which last is true, so that the next envelope, Slack spreading them in
// turn over two sockets, reaches the other; it reports whether one did.
func (b *e2eBot) steerAfter(ctx context.Context, t *testing.T, last func(conn int) bool) bool {
	t.Helper()
	for range 3 {
		seen := len(b.f.Ephemerals(e2eUser))
		ack := b.slash(ctx, t, "help")
		b.waitReply(ctx, t, seen)
		if last(ack.ConnID) {
			return true
		}
	}
	return false
}

// TestE2E_Replicas_ARedeliveryAfterAnUnrecordedOutcomeIsToldTheFirstReply:
// replica A logs Dana's 45 minutes from the Log time form; the record of
// the form's outcome never reaches PostgreSQL (A's connection drops
// before its COMMIT) though Syncro holds the comment and the minutes and
// Dana was told. Slack delivers the submission again, to B: B must say it
// was done once, with A's reply, not wait for A as if it still wrote and
// then call the form "already being saved"; Syncro holds it once.
func TestE2E_Replicas_ARedeliveryAfterAnUnrecordedOutcomeIsToldTheFirstReply(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Rebuilt the print queue."
	fx, a, proxy, tk, timersBefore, sub := logTimeBehindCutProxy(ctx, t, notes)
	// The comment's step, the time's, then the form's own outcome.
	first, _ := a.submitThroughCut(ctx, t, sub, proxy.loseCommit("state = 'done'", 3), "45 min logged")

	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	toB := b.steerAfter(ctx, t, func(conn int) bool { return conn == first.ConnID })
	seen := len(fx.f.Ephemerals(e2eUser))
	again, err := fx.f.Redeliver(ctx, first.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if again.ConnID == first.ConnID || !toB {
		t.Fatalf("the redelivery reached socket %d, A's; want B's", again.ConnID)
	}
	b.waitReply(ctx, t, seen, "I did the work once", "45 min logged")
	wantCommentOnce(t, fx, tk, notes, timersBefore, 45)
}

// TestE2E_Replicas_ARetypeIsAskedWhateverTheOtherReplicasClockSays: the
// Retype test (TestE2E_Replicas_RetypeOnTheOtherReplicaWaitsForTheTicketsWrite)
// with replica B's clock 16 minutes ahead of A's, a host whose time is
// off. Dana's comment with 20 minutes is at Syncro through A, which holds
// the ticket's lock; typed again, it reaches B, which must wait for A's
// write and then ask before writing it again. Before, B took A's lock at
// once (its lease read on B's clock against A's time) and read A's write
// as 16 min old: the comment twice, 40 min.
func TestE2E_Replicas_ARetypeIsAskedWhateverTheOtherReplicasClockSays(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	p := startSkewedPair(ctx, t)
	c := p.a.commentHeldAtSyncro(ctx, t, "Swapped the drum unit.")
	p.againOnB(ctx, t, c)
	p.bWaitsForAsWriteAndAsks(ctx, t, c)
}

// TestE2E_Replicas_ARetypeOfAnUnfinishedCommentIsAskedWhateverTheOtherReplicasClockSays:
// Dana's comment with 20 minutes reaches Syncro through replica A, but
// its minutes do not (Syncro answers 500 to the ticket's read before the
// time entry): A tells her so, with Finish, the work left unfinished.
// Typed again, the command reaches B, whose host's clock runs 16 min
// ahead: the work being less than a minute old, B must ask before
// writing it again. Before, B read it as 16 min old on its own clock
// (past store.RecentWriteWindow) and wrote the comment a second time.
func TestE2E_Replicas_ARetypeOfAnUnfinishedCommentIsAskedWhateverTheOtherReplicasClockSays(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	p := startSkewedPair(ctx, t)
	c := printerComment(t, p.a, "Replaced the pickup roller.")
	p.fx.srv.Fail("GET", "/tickets/*", 20, syncrotest.FaultServerError)
	c.ack = p.a.slash(ctx, t, c.cmd)
	p.a.waitReply(ctx, t, c.seen, "Comment added", "NOT logged")
	p.fx.srv.ClearFaults()
	p.againOnB(ctx, t, c)
	p.b.waitReply(ctx, t, c.seen+1, "less than a minute ago", "log it again anyway?")
	timers, _ := loggedMinutes(p.fx.srv, c.tk.ID)
	if got := commentsWithBody(p.fx.srv, c.tk.ID, c.notes); got != 1 || timers != c.timers0 {
		t.Errorf("Syncro holds %d comments and %d new min, want A's comment alone, B asking; Dana was told %q", got, timers-c.timers0, ephemeralTexts(p.fx.f, e2eUser))
	}
}

// skewedPair is replicas A and B, B's host's clock 16 min ahead (past
// store.LockLease and store.RecentWriteWindow), with the next envelope
// steered to A.
type skewedPair struct {
	fx    *e2eFakes
	a, b  *e2eBot
	aConn int
}

// startSkewedPair starts A, then B with its host's clock ahead, and
// steers the next envelope to A.
func startSkewedPair(ctx context.Context, t *testing.T) skewedPair {
	t.Helper()
	p := skewedPair{fx: replicaFakes(t)}
	p.a = p.fx.start(ctx, t, "-debug")
	p.aConn = p.a.slash(ctx, t, "help").ConnID
	p.b = p.fx.startHostAhead(ctx, t, store.LockLease+time.Minute)
	if !p.b.steerAfter(ctx, t, func(conn int) bool { return conn != p.aConn }) {
		t.Fatal("no envelope reached B")
	}
	return p
}

// againOnB has Dana type c's command again; c's must have reached A,
// and this one must reach B.
func (p skewedPair) againOnB(ctx context.Context, t *testing.T, c heldComment) {
	t.Helper()
	again := p.a.slash(ctx, t, c.cmd)
	if c.ack.ConnID != p.aConn || again.ConnID == p.aConn {
		t.Fatalf("the commands reached sockets %d and %d, want A's (%d) first", c.ack.ConnID, again.ConnID, p.aConn)
	}
}

// startHostAhead starts a replica whose host's clock runs ahead by
// ahead: its own time and the one its store measures against the
// database's both (runClock.host), as on a host whose clock is off.
func (fx *e2eFakes) startHostAhead(ctx context.Context, t *testing.T, ahead time.Duration) *e2eBot {
	t.Helper()
	off := func() time.Time { return time.Now().Add(ahead) }
	fx.clock = runClock{now: off, host: off}
	return fx.start(ctx, t, "-debug")
}

// logTimeBehindCutProxy starts replica A behind a pgCutProxy and fills
// Dana's Log time form of the printer ticket there with 45 minutes and
// notes; it returns the submission and the ticket's minutes before.
func logTimeBehindCutProxy(ctx context.Context, t *testing.T, notes string) (fx *e2eFakes, a *e2eBot, proxy *pgCutProxy, tk syncrotest.Ticket, timersBefore int, sub slackfake.ViewSubmission) {
	t.Helper()
	fx = replicaFakes(t)
	a, proxy = fx.startBehindCutProxy(ctx, t)
	tk = ticketByNumber(t, fx.srv, syncrotest.SeedTicketPrinter)
	timersBefore, _ = loggedMinutes(fx.srv, tk.ID)
	sub = a.logTimeFromCard(ctx, t, tk.Number, "45m", notes)
	return fx, a, proxy, tk, timersBefore, sub
}

// wantCommentOnce fails unless Syncro holds one comment with notes on tk
// and minutes more than timersBefore, saying what Dana was told.
func wantCommentOnce(t *testing.T, fx *e2eFakes, tk syncrotest.Ticket, notes string, timersBefore, minutes int) {
	t.Helper()
	timers, _ := loggedMinutes(fx.srv, tk.ID)
	if got := commentsWithBody(fx.srv, tk.ID, notes); got != 1 || timers-timersBefore != minutes {
		t.Errorf("Syncro holds %d comments and %d new min, want 1 and %d; Dana was told %q", got, timers-timersBefore, minutes, ephemeralTexts(fx.f, e2eUser))
	}
}

// TestRun_CheckFailsADatabaseThatTakesNoWrite: a migrated database made
// read-only (default_transaction_read_only, as on a standby server that
// DATABASE_URL was pointed at by mistake) answers and is migrated, but
// `bot -check` must fail it: the bot could record nothing there.
func TestRun_CheckFailsADatabaseThatTakesNoWrite(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	dbURL := pgtest.Database(t)
	fx.env["DATABASE_URL"] = dbURL
	fx.start(ctx, t).shutdown(t) // a start applies the migrations
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, dbURL, `ALTER DATABASE `+strings.TrimPrefix(u.Path, "/")+` SET default_transaction_read_only = on`)
	var stdout, stderr strings.Builder
	code := run(ctx, []string{"bot", "-check"}, envMap(fx.env), &stdout, &stderr)
	out := stdout.String()
	if code == exitOK || !strings.Contains(out, "✓ Database migrated:") || !strings.Contains(out, "✗ Database writable:") {
		t.Errorf("-check on a read-only database: exit %d\n%s", code, out)
	}
}

// TestE2E_Replicas_ABillKilledAfterSyncroAnsweredAStepIsFinishedOnce:
// replica A (a child process) bills Dana's 60 minutes; Syncro has
// answered a step's POST (it holds the write) and A is recording the
// step's end when it is killed (SIGKILL), the record never made. B,
// started after, tells Dana with Finish; Finish on B reads the step back
// rather than writing it again: the minutes once, one invoice. Once for
// each of the money's steps: the time entry, the charge, the invoice (the
// comment held too, and is left out to keep the test's cost down).
func TestE2E_Replicas_ABillKilledAfterSyncroAnsweredAStepIsFinishedOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		step string
		// done counts the steps' ends recorded until its own: the invoice
		// guard, the comment, the time, the charge check, the charge, …
		done int
	}{{"time", 3}, {"charge", 5}, {"invoice", 6}} {
		t.Run(c.step, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			notes := "Replaced the " + c.step + " tray's rollers."
			fx := replicaFakes(t)
			cut := &pgCutProxy{}
			direct := fx.env["DATABASE_URL"]
			proxy, viaProxy := newDBProxy(t, direct)
			cut.install(proxy)
			fx.env["DATABASE_URL"] = viaProxy
			a, aLog := startReplicaProcess(ctx, t, fx)
			fx.env["DATABASE_URL"] = direct
			dana := &e2eBot{e2eFakes: fx}
			tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketPrinter)
			minutesBefore, _ := loggedMinutes(fx.srv, tk.ID)
			if _, err := fx.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: e2eChannel, Text: "bill " + itoa64(tk.Number)}); err != nil {
				t.Fatal(err)
			}
			form := dana.waitView(ctx, t, commands.CallbackBill)
			recording := cut.holdCommit("state = 'done'", c.done)
			dana.submitView(ctx, t, billSubmission(t, form, "60", notes))
			<-recording
			killThenFinishOnB(ctx, t, fx, a, aLog, tk, minutesBefore, notes)
		})
	}
}

// TestE2E_Replicas_ABillOfAReplicaCutOffLongerThanTheGraceIsNotWrittenTwice:
// the cut of TestE2E_Replicas_ABillOfAReplicaThatLostItsSessionIsNotToldAsLeft
// held for 13 of B's looks (one a second), past store.AdoptGrace, while
// Syncro still holds A's charge. A lives, and its charge is on its way:
// B must not tell Dana of it as left, nor, on her Finish, charge it
// again; Syncro holds the minutes once and one invoice.
func TestE2E_Replicas_ABillOfAReplicaCutOffLongerThanTheGraceIsNotWrittenTwice(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Re-terminated the patch panel."
	_, a, b, proxy, tk, minutesBefore := cutWhileCharging(ctx, t, notes)
	const look = `"msg":"looked for unfinished work`
	b.waitLogCount(ctx, t, look, strings.Count(b.stderr.String(), look)+13)
	b.wantCutOffBillNotWrittenTwice(ctx, t, a, proxy, tk, minutesBefore, notes)
}

// wantCutOffBillNotWrittenTwice fails if b told Dana of the bill a, cut
// off by proxy, was still charging (and then clicks its Finish, as she
// would), and, once a is back and Syncro lets the charge through, unless
// Syncro holds the bill once and was sent its charge once.
func (b *e2eBot) wantCutOffBillNotWrittenTwice(ctx context.Context, t *testing.T, a *e2eBot, proxy *dbProxy, tk syncrotest.Ticket, minutesBefore int, notes string) {
	t.Helper()
	seen := len(b.f.Ephemerals(e2eUser))
	if told := b.postedWith(0, tickets.ActionFinish); len(told) != 0 {
		t.Errorf("B told Dana of the bill A was still writing: %q", told[0].Text)
		b.clickFinish(ctx, t, told[0]) // as Dana would, believing it
		t.Logf("Finish on B answered %q", b.waitReply(ctx, t, seen).Text)
	}
	proxy.setCut(false)
	answered := len(b.f.Ephemerals(e2eUser))
	b.srv.ReleaseHangs()
	a.waitReply(ctx, t, answered) // A's own answer
	wantBilledOnce(t, b.srv, tk, minutesBefore, notes)
	if n := b.srv.Count("POST", "/tickets/"+itoa64(tk.ID)+"/charge_timer_entry"); n != 1 {
		t.Errorf("the charge was sent to Syncro %d times, want once", n)
	}
}

// TestE2E_Replicas_AFlowWhoseRecordAnswerWasLostIsNotOfferedLater: Dana
// logs 45 minutes from the Log time form on replica A; PostgreSQL commits
// the record of the work to do, but its answer is lost with A's
// connection. A tells her nothing was sent to Syncro, and she types the
// comment with its minutes instead: that is new work, not a repeat to ask
// about, and it logs them. A is restarted later (a deploy): it must not
// offer her Finish for the first submission, which would log the minutes
// a second time; Syncro holds the comment and its minutes once.
func TestE2E_Replicas_AFlowWhoseRecordAnswerWasLostIsNotOfferedLater(t *testing.T) {
	t.Parallel()
	flowRecordLostIsNotOfferedLater(t, "Cleared the spooler.", func(ctx context.Context, p *pgCutProxy, _ string) <-chan struct{} {
		return p.loseCommitAnswer(flowInsert, 1)
	})
}

// TestE2E_Replicas_AFlowCommittedLateIsNotOfferedLater: as
// TestE2E_Replicas_AFlowWhoseRecordAnswerWasLostIsNotOfferedLater, but A
// sees its connection drop before the server has read the COMMIT, which
// it reads only after A's clean-up of the flow went through another
// connection.
func TestE2E_Replicas_AFlowCommittedLateIsNotOfferedLater(t *testing.T) {
	t.Parallel()
	flowRecordLostIsNotOfferedLater(t, "Cleared the print spooler.", func(ctx context.Context, p *pgCutProxy, dbURL string) <-chan struct{} {
		cut := p.commitLate(flowInsert, 1, "DELETE FROM flows")
		p.letInWhenWaiting(ctx, dbURL, flowInsert)
		return cut
	})
}

// flowInsert is the statement of a flow recorded afresh
// (store.Postgres CreateFlow), which the proxy counts.
const flowInsert = "INSERT INTO flows"

// flowRecordLostIsNotOfferedLater is the story of
// TestE2E_Replicas_AFlowWhoseRecordAnswerWasLostIsNotOfferedLater, the
// proxy armed by arm for the COMMIT of the Log time's flow.
func flowRecordLostIsNotOfferedLater(t *testing.T, notes string, arm func(ctx context.Context, p *pgCutProxy, dbURL string) <-chan struct{}) {
	t.Helper()
	ctx := testContext(t)
	fx, a, proxy, tk, timersBefore, sub := logTimeBehindCutProxy(ctx, t, notes)
	a.submitThroughCut(ctx, t, sub, arm(ctx, proxy, fx.env["DATABASE_URL"]), "nothing was sent to Syncro")

	// She tries again, typing it this time.
	seen := len(fx.f.Ephemerals(e2eUser))
	a.slash(ctx, t, "comment "+itoa64(tk.Number)+" --time 45m "+notes)
	a.waitReply(ctx, t, seen, "45 min logged")

	a.shutdown(t)
	restarted := fx.start(ctx, t, "-debug")
	restarted.waitLog(ctx, t, `"msg":"start messages sent"`)
	if told := restarted.postedWith(seen, tickets.ActionFinish); len(told) != 0 {
		t.Errorf("after the restart Dana was offered Finish for the submission she was told was not sent: %q", told[0].Text)
		finished := len(fx.f.Ephemerals(e2eUser))
		restarted.clickFinish(ctx, t, told[0]) // as Dana would, believing it
		t.Logf("Finish answered %q", restarted.waitReply(ctx, t, finished).Text)
	}
	wantCommentOnce(t, fx, tk, notes, timersBefore, 45)
}
