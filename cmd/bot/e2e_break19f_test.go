package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncrobot/syncrobot/store"
)

// Issue 19, fresh eyes on the replicas' clocks (break19f): a host's clock
// stepped while its replica runs (README, Running two replicas, Clocks).

// hostStep is how far NTP steps a host's clock at once in these tests:
// past store.LockLease and store.RecentWriteWindow.
const hostStep = 16 * time.Minute

// startHostStepping starts a replica whose host's clock agrees with the
// others' until step(d) steps it by d: its own time and the one its
// store measures against the database's both (runClock.host), as NTP
// stepping a host's clock does.
func (fx *e2eFakes) startHostStepping(ctx context.Context, t *testing.T) (b *e2eBot, step func(time.Duration)) {
	t.Helper()
	var off atomic.Int64
	clk := func() time.Time { return time.Now().Add(time.Duration(off.Load())) }
	fx.clock = runClock{now: clk, host: clk}
	defer func() { fx.clock = runClock{} }()
	return fx.start(ctx, t, "-debug"), func(d time.Duration) { off.Add(int64(d)) }
}

// bWaitsForAsWriteAndAsks checks that B, given c again while A's write
// of it is held at Syncro, waits for A's lock; then lets A's write
// through and checks that Syncro holds c once, B having asked.
func (p skewedPair) bWaitsForAsWriteAndAsks(ctx context.Context, t *testing.T, c heldComment) {
	t.Helper()
	err := poll(ctx, func() bool {
		return strings.Contains(p.b.stderr.String(), "waiting for a lock another holds") || commentsWithBody(p.fx.srv, c.tk.ID, c.notes) > 0
	})
	if err != nil {
		t.Fatalf("B neither waited for A's lock nor wrote: %v", err)
	}
	p.fx.srv.ReleaseHangs()
	p.a.waitReply(ctx, t, c.seen, "20 min logged")
	p.a.waitReply(ctx, t, c.seen+1)
	wantCommentOnce(t, p.fx, c.tk, c.notes, c.timers0, 20)
}

// startSteppingPair starts replica A, then B whose host's clock step
// steps (startHostStepping), and steers the next envelope to A, or to B
// when toB.
func startSteppingPair(ctx context.Context, t *testing.T, toB bool) (p skewedPair, step func(time.Duration)) {
	t.Helper()
	p.fx = replicaFakes(t)
	p.a = p.fx.start(ctx, t, "-debug")
	p.aConn = p.a.slash(ctx, t, "help").ConnID
	p.b, step = p.fx.startHostStepping(ctx, t)
	if !p.b.steerAfter(ctx, t, func(conn int) bool { return (conn == p.aConn) == toB }) {
		t.Fatal("could not steer the next envelope")
	}
	return p, step
}

// TestE2E_Replicas_ARetypeIsAskedWhenTheOtherHostsClockJustSteppedAhead:
// Dana's comment with 20 minutes is at Syncro through replica A, which
// holds the ticket's lock, when B's host's clock is stepped 16 min ahead;
// typed again, it reaches B before B looked at the database's clock
// again (every 5 s). B must wait for A's write and ask. Before, B read
// A's lock as 16 min old, past its lease, took it and wrote the comment
// beside A's: 2 comments, 40 min.
func TestE2E_Replicas_ARetypeIsAskedWhenTheOtherHostsClockJustSteppedAhead(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	p, step := startSteppingPair(ctx, t, false)
	c := p.a.commentHeldAtSyncro(ctx, t, "Swapped the drum unit.")
	step(hostStep)
	p.againOnB(ctx, t, c)
	p.bWaitsForAsWriteAndAsks(ctx, t, c)
}

// TestE2E_Replicas_ARetypeIsAskedAfterAWriteRecordedJustAsTheHostsClockSteppedBack:
// Dana's comment with 20 minutes is at Syncro through replica B when
// B's host's clock is stepped 16 min back, and B records the write done
// before it looked at the database's clock again. Typed again, the
// command reaches A: the write is less than a minute old, and A must
// ask. Before, B recorded it 16 min in the past, and the record kept
// that time: A read it as past store.RecentWriteWindow and wrote the
// comment again (2 comments, 40 min).
func TestE2E_Replicas_ARetypeIsAskedAfterAWriteRecordedJustAsTheHostsClockSteppedBack(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	p, step := startSteppingPair(ctx, t, true)
	fx, a, b, aConn := p.fx, p.a, p.b, p.aConn
	c := b.commentHeldAtSyncro(ctx, t, "Cleaned the fuser rollers.")
	if c.ack.ConnID == aConn {
		t.Fatalf("the comment reached A (socket %d), want B", aConn)
	}
	step(-hostStep)
	fx.srv.ReleaseHangs()
	b.waitReply(ctx, t, c.seen, "20 min logged")
	again := b.slash(ctx, t, c.cmd)
	if again.ConnID != aConn {
		t.Fatalf("the retype reached socket %d, want A's (%d)", again.ConnID, aConn)
	}
	a.waitReply(ctx, t, c.seen+1, "less than a minute ago", "log it again?")
	wantCommentOnce(t, fx, c.tk, c.notes, c.timers0, 20)
}

// slowClockAnswer is how long the database takes, in
// TestE2E_Replicas_ARetypeIsAskedWhenTheOtherReplicaIsSlowToReadTheDatabasesClock,
// to answer a replica's read of its clock: more than the round trip a
// measure of the skew was taken from before (store's skewTolerance, 1 s).
const slowClockAnswer = 1200 * time.Millisecond

// slowClockRelay forwards c (the replica) to s (the server) as it is,
// but keeps each statement reading the database's clock from the server
// for slowClockAnswer: a database that answers slowly, as far as the
// replica's measure of its skew can tell, without slowing the rest.
func slowClockRelay(c, s net.Conn) {
	statements := preparedStatements{}
	relayMessages(c, s, func(typ byte, body, raw []byte) []byte {
		sql := statements.read(typ, body)
		if typ == pgQuery {
			sql, _ = cString(body)
		}
		if strings.Contains(sql, "clock_timestamp()") {
			<-time.After(slowClockAnswer)
		}
		return raw
	})
}

// relayMessages forwards c (a replica) to s (the server): the server's
// side as it is, the replica's message by message, each as pass returns
// it (raw, or another message in its place).
func relayMessages(c, s net.Conn, pass func(typ byte, body, raw []byte) []byte) {
	go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
	defer func() { _ = s.Close() }()
	r := bufio.NewReader(c)
	if !forwardStartup(r, s) {
		return
	}
	for {
		typ, body, raw, err := readTyped(r)
		if err != nil {
			return
		}
		if _, err := s.Write(pass(typ, body, raw)); err != nil {
			return
		}
	}
}

// TestE2E_Replicas_ARetypeIsAskedWhenTheOtherReplicaIsSlowToReadTheDatabasesClock:
// as TestE2E_Replicas_ARetypeIsAskedWhateverTheOtherReplicasClockSays
// (B's host's clock 16 min ahead, A's comment with 20 minutes held at
// Syncro, typed again on B), but the database takes over a second to
// tell B its clock, at B's start and at every look since. B must still
// keep the database's time: wait for A's write and ask. Before, an
// answer that slow was never used, B kept its host's time, took A's lock
// at once and wrote the comment again (2 comments, 40 min).
func TestE2E_Replicas_ARetypeIsAskedWhenTheOtherReplicaIsSlowToReadTheDatabasesClock(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	a := fx.start(ctx, t, "-debug")
	aConn := a.slash(ctx, t, "help").ConnID
	ahead := func() time.Time { return time.Now().Add(store.LockLease + time.Minute) }
	fx.clock = runClock{now: ahead, host: ahead}
	b, _ := fx.startBehindProxy(ctx, t, func(d *dbProxy) {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.relay = slowClockRelay
	})
	fx.clock = runClock{}
	if !b.steerAfter(ctx, t, func(conn int) bool { return conn != aConn }) {
		t.Fatal("no envelope reached B")
	}
	p := skewedPair{fx: fx, a: a, b: b, aConn: aConn}
	c := a.commentHeldAtSyncro(ctx, t, "Replaced the transfer belt.")
	p.againOnB(ctx, t, c)
	p.bWaitsForAsWriteAndAsks(ctx, t, c)
}

// TestE2E_Replicas_ATimeEntryStartsWhenDanaSaysWhenOnlyTheDatabasesClockIsOff:
// the database server's clock runs 16 min behind, the bot's host and
// Syncro agree on the time (NTP on both). Dana logs 20 minutes on a
// ticket through a replica on that database: Syncro must hold a time
// entry that started 20 min before she typed, by the clock she and
// Syncro share. Before, the replica kept the database's time for
// everything, its commands' Now included, so the start_at it sent was
// 16 min early: a time sheet by day, near midnight, moved the work to
// the day before, and the end-of-day summary at 17:00 came 16 min late.
func TestE2E_Replicas_ATimeEntryStartsWhenDanaSaysWhenOnlyTheDatabasesClockIsOff(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	a, truth := startBesideADatabaseOff(ctx, t)
	c := printerComment(t, a, "Replaced the toner sensor.")
	typed := truth()
	a.slash(ctx, t, c.cmd)
	a.waitReply(ctx, t, c.seen, "20 min logged")
	timers := a.srv.Timers(c.tk.ID)
	if len(timers) == 0 {
		t.Fatal("Syncro holds no time entry")
	}
	started := timers[len(timers)-1].StartTime
	if want := typed.Add(-20 * time.Minute); started.Sub(want).Abs() > time.Minute {
		t.Errorf("the time entry started at %s, want %s (20 min before Dana typed, by her and Syncro's clock): %s off", started.Format(time.TimeOnly), want.Format(time.TimeOnly), started.Sub(want).Round(time.Second))
	}
}

// dbClockStepRelay forwards c (a replica) to s (the server) as it is,
// but prepares the replica's read of the database's clock as that clock
// plus the interval in the test schema's table clock_step: a test steps
// the database server's clock, as NTP would, by updating it.
func dbClockStepRelay(c, s net.Conn) {
	relayMessages(c, s, func(typ byte, body, raw []byte) []byte {
		if typ != pgParse {
			return raw
		}
		name, rest := cString(body)
		if q, params := cString(rest); q == "SELECT clock_timestamp()" {
			return pgMessage(pgParse, name+"\x00SELECT clock_timestamp() + (SELECT d FROM clock_step)\x00", params)
		}
		return raw
	})
}

// pgMessage is a typed message of the wire protocol: typ, its length,
// then the body's parts.
func pgMessage(typ byte, text string, rest []byte) []byte {
	n := 4 + len(text) + len(rest)
	raw := []byte{typ, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	return append(append(raw, text...), rest...)
}

// TestE2E_Replicas_ARetypeIsAskedAfterTheDatabasesClockIsStepped: both
// replicas read the database's clock through dbClockStepRelay. Dana's
// comment with 20 minutes is written through B and remembered; then the
// database server's clock is stepped 16 min ahead (NTP setting it right)
// and each replica measures its skew again. Typed again a moment later
// on A, the comment is less than a minute old and A must ask. The
// replicas keep the database's time (README, Clocks), and a record keeps
// the time it was written with: B's write, recorded before the step,
// reads 16 min old after it, past store.RecentWriteWindow, and A writes
// it again (2 comments, 40 min). A ticket's lock held across the step
// reads as past store.LockLease likewise. Before the replicas kept the
// database's time, its clock did not matter.
func TestE2E_Replicas_ARetypeIsAskedAfterTheDatabasesClockIsStepped(t *testing.T) {
	t.Parallel()
	t.Skip("issue 19 documented limit (README, Clocks: never step the database server's clock with replicas running) (break19f): the replicas keep the database server's time, and a record keeps the time it was written with: the database's clock stepped 16 min ahead (NTP) makes a write recorded before the step read 16 min old on every replica, past the recent-write window (and a held lock past its lease): the retyped comment is written again, 2 comments, 40 min")
	ctx := testContext(t)
	fx := replicaFakes(t)
	db, err := pgx.Connect(ctx, fx.env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close(context.Background()) }()
	if _, err := db.Exec(ctx, `CREATE TABLE clock_step (d interval NOT NULL); INSERT INTO clock_step VALUES ('0')`); err != nil {
		t.Fatal(err)
	}
	relay := func(d *dbProxy) {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.relay = dbClockStepRelay
	}
	a, _ := fx.startBehindProxy(ctx, t, relay)
	aConn := a.slash(ctx, t, "help").ConnID
	b, _ := fx.startBehindProxy(ctx, t, relay)
	if !b.steerAfter(ctx, t, func(conn int) bool { return conn == aConn }) {
		t.Fatal("no envelope reached A")
	}
	c := printerComment(t, b, "Replaced the fuser thermistor.")
	if c.ack = b.slash(ctx, t, c.cmd); c.ack.ConnID == aConn {
		t.Fatalf("the comment reached A (socket %d), want B", aConn)
	}
	b.waitReply(ctx, t, c.seen, "20 min logged")
	if _, err := db.Exec(ctx, `UPDATE clock_step SET d = $1::interval`, hostStep.String()); err != nil {
		t.Fatal(err)
	}
	a.waitLog(ctx, t, "this host's clock is off the database's")
	b.waitLog(ctx, t, "this host's clock is off the database's")
	if again := b.slash(ctx, t, c.cmd); again.ConnID != aConn {
		t.Fatalf("the retype reached socket %d, want A's (%d)", again.ConnID, aConn)
	}
	a.waitReply(ctx, t, c.seen+1)
	wantCommentOnce(t, fx, c.tk, c.notes, c.timers0, 20)
}

// hostAheadVar names, in a child replica's environment
// (startReplicaProcess), how far its host's clock runs ahead of the
// others' (hostAhead).
const hostAheadVar = "SYNCROBOT_TEST_HOST_AHEAD"

// hostAhead is c on a host whose clock runs ahead by ahead: its time and
// the one its store measures against the database's both.
func hostAhead(c runClock, ahead time.Duration) runClock {
	now := c.now
	c.now = func() time.Time { return now().Add(ahead) }
	c.host = func() time.Time { return time.Now().Add(ahead) }
	return c
}

// TestE2E_Replicas_BillOfAKilledReplicaWhoseClockRanAheadIsFinishedByTheOther:
// as TestE2E_Replicas_BillOfAKilledReplicaIsFinishedByTheOther, replica A
// a child process killed (SIGKILL) while Syncro holds its charge, but
// A's host's clock ran 16 min ahead. B must tell Dana of the bill once
// A's write can no longer land (the in-flight fence, on the database's
// clock), not 16 min later, and Finish writes it once.
func TestE2E_Replicas_BillOfAKilledReplicaWhoseClockRanAheadIsFinishedByTheOther(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Replaced the fuser drive gear."
	fx := replicaFakes(t)
	fx.env[hostAheadVar] = hostStep.String()
	a, aLog := startReplicaProcess(ctx, t, fx)
	delete(fx.env, hostAheadVar)
	if err := aLog.WaitFor(ctx, "this host's clock is off the database's"); err != nil {
		t.Fatalf("A never measured its host's clock: %v", err)
	}
	tk, minutesBefore := billHeldAtCharge(ctx, t, fx, notes)
	killThenFinishOnB(ctx, t, fx, a, aLog, tk, minutesBefore, notes)
}

// TestE2E_Replicas_ARetypeIsAskedDuringARollingUpgradeWhenOnlyTheDatabasesClockIsOff:
// the hosts' clocks are right and the database server's runs 16 min
// behind, which no replica minded before they kept the database's time.
// Mid rolling upgrade, A is of the version before (it keeps its host's
// time: run's clock ahead of the database's, no skew measured) and B of
// this one (it keeps the database's). Dana's comment with 20 minutes is
// at Syncro through B, which holds the ticket's lock; typed again, it
// reaches A, which must wait for B's write and ask. Instead A reads B's
// lock, stamped on the database's clock, as 16 min old, past its lease,
// takes it and writes the comment again (2 comments, 40 min): the
// upgrade itself breaks exactly-once on a database whose clock is off.
func TestE2E_Replicas_ARetypeIsAskedDuringARollingUpgradeWhenOnlyTheDatabasesClockIsOff(t *testing.T) {
	t.Parallel()
	t.Skip("issue 19 documented limit (README, Clocks: set the database server's clock right before upgrading from a version before the skew fix) (break19f): during a rolling upgrade a replica of the version before keeps its host's time and one of this version the database's; with the database server's clock 16 min off the hosts' (harmless before), the old replica reads the new one's ticket lock as past its lease and takes it: the retyped comment twice, 40 min. README, Clocks, says only that the old replica does not correct its own host's clock")
	ctx := testContext(t)
	fx := replicaFakes(t)
	truth := func() time.Time { return time.Now().Add(hostStep) } // the hosts'; the database's is 16 min behind
	fx.clock = runClock{now: truth}                               // the version before: no skew measured
	a := fx.start(ctx, t, "-debug")
	aConn := a.slash(ctx, t, "help").ConnID
	fx.clock = runClock{now: truth, host: truth} // this version
	b := fx.start(ctx, t, "-debug")
	if !b.steerAfter(ctx, t, func(conn int) bool { return conn == aConn }) {
		t.Fatal("no envelope reached A")
	}
	c := b.commentHeldAtSyncro(ctx, t, "Replaced the paper pickup assembly.")
	if c.ack.ConnID == aConn {
		t.Fatalf("the comment reached A (socket %d), want B", aConn)
	}
	// The pair's writer is B here, and A is given the command again.
	p := skewedPair{fx: fx, a: b, b: a}
	if again := b.slash(ctx, t, c.cmd); again.ConnID != aConn {
		t.Fatalf("the retype reached socket %d, want A's (%d)", again.ConnID, aConn)
	}
	p.bWaitsForAsWriteAndAsks(ctx, t, c)
}
