package store

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/syncbuf"
)

// Replicas: two Postgres stores on one schema are two bots on one
// database. These specify what the suite cannot, because it opens one
// store at a time.

// twoReplicas opens two stores on one fresh schema, with one clock.
func twoReplicas(t *testing.T) (a, b *testStore) {
	t.Helper()
	open := postgresBackend(t)
	clk := fakeclock.New(testStart)
	mk := func() *testStore {
		ts := &testStore{t: t, clk: clk, open: open, opts: []Option{WithClock(clk.Now)}}
		ts.reopen()
		return ts
	}
	return mk(), mk()
}

func TestPostgres_ReplicasClaimingOneKeyExactlyOneAcquires(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	var acquired atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() {
			c, err := st.Claim(t.Context(), "double-click", "bill #7")
			if err != nil {
				t.Error(err)
				return
			}
			if c.State == ClaimAcquired {
				acquired.Add(1)
			} else if c.State != ClaimInProgress {
				t.Errorf("a repeat saw %v, want in progress", c.State)
			}
		})
	}
	wg.Wait()
	if n := acquired.Load(); n != 1 {
		t.Fatalf("%d callers across two replicas acquired the key, want 1", n)
	}
}

func TestPostgres_AnotherReplicasClaimIsInProgressUntilItDies(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	mustClaim(t, a, "k", "", ClaimAcquired)
	mustClaim(t, b, "k", "", ClaimInProgress)
	if err := b.Fail("k", "stale unknown", true); !errors.Is(err, ErrHeld) {
		t.Fatalf("Fail by the other replica = %v, want ErrHeld", err)
	}
	// The holder's replica dies: its claim's outcome is unknown to the
	// other, which reads Syncro back and settles it.
	mustOK(t, a.Close())
	mustClaim(t, b, "k", "", ClaimUnknown)
	mustOK(t, b.Fail("k", "not in Syncro", true))
	mustClaim(t, b, "k", "", ClaimAcquired)
}

func TestPostgres_WaitOnAnotherReplicaLearnsItsOutcome(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	mustClaim(t, a, "k", "", ClaimAcquired)
	got := make(chan Claim, 1)
	go func() {
		c, err := b.Wait(t.Context(), "k")
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	mustOK(t, a.Complete("k", []byte("INV-1")))
	if c := <-got; c.State != ClaimDone || string(c.Outcome) != "INV-1" {
		t.Fatalf("Wait on the other replica = %v %q, want done INV-1", c.State, c.Outcome)
	}
}

func TestPostgres_OneReplicaAnnouncesATicketOnce(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	mustOK(t, a.MarkClosing(9, "flow-9"))
	if first, closing, err := b.MarkSeenClosed(9, testStart); err != nil || first || !closing {
		t.Fatalf("watcher on the other replica: first %v closing %v err %v; want it to yield", first, closing, err)
	}
	if first, err := a.MarkAnnounced(9, testStart); err != nil || !first {
		t.Fatalf("flow's MarkAnnounced = %v, %v; want first", first, err)
	}
	if first, _, err := b.MarkSeenClosed(9, testStart); err != nil || first {
		t.Fatalf("watcher after the flow announced: first %v err %v; want not first", first, err)
	}
}

func TestPostgres_LeadIsOneReplicaAtATimeAndMovesWhenItsSessionDies(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	pa, pb := a.testBackend.(*Postgres), b.testBackend.(*Postgres)
	const retry = 10 * time.Millisecond
	ledA, releaseA, err := pa.Lead(t.Context(), "watcher", retry)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseA()
	type lead struct {
		ctx     context.Context
		release func()
	}
	gotB := make(chan lead, 1)
	go func() {
		led, release, err := pb.Lead(t.Context(), "watcher", retry)
		if err != nil {
			t.Error(err)
		}
		gotB <- lead{led, release}
	}()
	// A's session dies (the server drops it, as when its host does):
	// A's leadership ends, and B takes over.
	var pid int32
	if err := pa.pool.QueryRow(t.Context(), `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid::bigint = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND objid::bigint = (hashtext(current_schema() || '/watcher'))::oid::bigint`, lockLeader).Scan(&pid); err != nil {
		t.Fatalf("find the leader's session: %v", err)
	}
	select {
	case l := <-gotB:
		l.release()
		t.Fatal("B led while A held the lead")
	default:
	}
	if _, err := pa.pool.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	<-ledA.Done()
	l := <-gotB
	defer l.release()
	if l.ctx.Err() != nil {
		t.Fatalf("B's lead ended at once: %v", l.ctx.Err())
	}
}

// replicaSession is the backend pid holding replica's lock, 0 if none.
func replicaSession(t *testing.T, p *Postgres, replica int32) int32 {
	t.Helper()
	var pid int32
	err := p.pool.QueryRow(t.Context(), `SELECT COALESCE((SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND objsubid = 2 AND classid::bigint = $1 AND objid::bigint = $2
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())), 0)`, lockReplica, replica).Scan(&pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestPostgres_AReplicaTakesItsLostSessionBack(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	pa := a.testBackend.(*Postgres)
	mustClaim(t, a, "k", "", ClaimAcquired)
	old := replicaSession(t, pa, pa.Replica())
	if old == 0 {
		t.Fatal("replica A holds no lock")
	}
	// The server drops A's session (a restart, a network cut): A takes
	// it back, and its claim reads as in progress to B again.
	if _, err := pa.pool.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, old); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*lifeCheck)
	defer cancel()
	for pid := replicaSession(t, pa, pa.Replica()); pid == 0 || pid == old; pid = replicaSession(t, pa, pa.Replica()) {
		select {
		case <-ctx.Done():
			t.Fatalf("A never took its session back: %v", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	mustClaim(t, b, "k", "", ClaimInProgress)
}

func TestPostgres_AFlowIsOrphanedOnlyOnceItsReplicaIsGone(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	_, _, err := a.CreateFlow(billFlow("f1", 7))
	mustOK(t, err)
	ids := func(st *testStore) []string {
		t.Helper()
		flows, err := st.OrphanedFlows()
		mustOK(t, err)
		var out []string
		for _, f := range flows {
			out = append(out, f.ID)
		}
		return out
	}
	if got := ids(b); len(got) != 0 {
		t.Fatalf("the other replica sees %v orphaned while A runs them, want none", got)
	}
	if got := ids(a); len(got) != 1 {
		t.Fatalf("A sees %v of its own flows, want f1", got)
	}
	mustOK(t, a.Close())
	if got := ids(b); len(got) != 1 || got[0] != "f1" {
		t.Fatalf("after A is gone the other replica sees %v orphaned, want f1", got)
	}
}

// TestPostgres_OperationsAfterThePoolsConnectionsDiedSucceed: the server
// ends every pooled connection of a replica (a database restart); the
// next operations, a claim's lookup on the pool and its transaction,
// find a connection that works instead of failing on a dead one each.
func TestPostgres_OperationsAfterThePoolsConnectionsDiedSucceed(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	pa := a.testBackend.(*Postgres)
	mustClaim(t, a, "warm", "", ClaimAcquired)
	idle := pa.pool.AcquireAllIdle(t.Context())
	var pids []uint32
	for _, c := range idle {
		pids = append(pids, c.Conn().PgConn().PID())
		c.Release()
	}
	if len(pids) == 0 {
		t.Fatal("A's pool holds no idle connection to end")
	}
	pb := b.testBackend.(*Postgres)
	for _, pid := range pids {
		if _, err := pb.pool.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, int32(pid)); err != nil {
			t.Fatal(err)
		}
	}
	mustClaim(t, a, "warm", "", ClaimInProgress)
	mustClaim(t, a, "k", "", ClaimAcquired)
}

// TestPostgres_AnotherLiveReplicasClaimOutlivesPendingTimeout: A holds a
// claim past PendingTimeout (on B's clock: the replicas' clocks are not
// one); A is alive, so B still reads it as in progress and may not fail
// it: A's write may still be on its way.
func TestPostgres_AnotherLiveReplicasClaimOutlivesPendingTimeout(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	mustClaim(t, a, "k", "", ClaimAcquired)
	b.clk.Advance(PendingTimeout)
	mustClaim(t, b, "k", "", ClaimInProgress)
	if err := b.Fail("k", "stale unknown", true); !errors.Is(err, ErrHeld) {
		t.Fatalf("Fail by B of live A's claim past PendingTimeout = %v, want ErrHeld", err)
	}
}

// endSession ends a's session holding its replica lock without a Close,
// as a kill or a database restart does, and stops a from taking it back,
// so that it is gone for good once AdoptGrace has passed.
func endSession(t *testing.T, a *testStore) {
	t.Helper()
	pa := a.testBackend.(*Postgres)
	close(pa.stop)
	<-pa.stopped
	old := replicaSession(t, pa, pa.Replica())
	if _, err := pa.pool.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, old); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*lifeCheck)
	defer cancel()
	for replicaSession(t, pa, pa.Replica()) != 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("A's session never ended: %v", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestPostgres_AClaimAndLockOfAReplicaThatLostItsSessionStayItsOwn: A
// holds a claim and a lock when its session ends (a database restart);
// for AdoptGrace, the time a live replica needs to take its session
// back, B reads the claim as in progress, may not fail it, and waits for
// the lock; after it, A may be cut off with its write still on its way,
// so both stay A's until that write can no longer land (inFlightFor);
// then the claim's outcome is unknown and the lock B's. Before, B read
// both as left the moment the session ended, and later took the lock
// after AdoptGrace while A's work under it could still write.
func TestPostgres_AClaimAndLockOfAReplicaThatLostItsSessionStayItsOwn(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	mustClaim(t, a, "k", "", ClaimAcquired)
	if _, err := a.Lock(t.Context(), "ticket/7"); err != nil {
		t.Fatal(err)
	}
	endSession(t, a)
	mustClaim(t, b, "k", "", ClaimInProgress)
	if err := b.Fail("k", "stale unknown", true); !errors.Is(err, ErrHeld) {
		t.Fatalf("Fail by B of A's claim only just gone = %v, want ErrHeld", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*pgWaitPoll)
	defer cancel()
	if _, err := b.Lock(ctx, "ticket/7"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("B's Lock of A's lock only just gone = %v, want to wait", err)
	}
	a.clk.Advance(AdoptGrace)
	// A's write may still be on its way (inFlightFor): A may be cut off,
	// not dead. Its claim stays in progress, and its lock its own: the
	// work holding it may still be writing to the ticket.
	mustClaim(t, b, "k", "", ClaimInProgress)
	ctx, cancel = context.WithTimeout(t.Context(), 3*pgWaitPoll)
	defer cancel()
	if _, err := b.Lock(ctx, "ticket/7"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("B's Lock of the lock of A gone for %s, whose work may still be writing = %v, want to wait", AdoptGrace, err)
	}
	a.clk.Advance(maxWorkTimeout)
	mustClaim(t, b, "k", "", ClaimUnknown)
	unlock, err := b.Lock(t.Context(), "ticket/7")
	if err != nil {
		t.Fatalf("B's Lock of the lock of A gone for %s: %v", maxWorkTimeout+AdoptGrace, err)
	}
	unlock()
}

// TestPostgres_AFlowWhoseWriteMayBeOnItsWayIsNotAdopted: A records a
// step's write as begun (PrepareStep) and its session ends without a
// Close (cut off the database, its write on its way to Syncro). Past
// AdoptGrace B does not adopt the flow while the write may still land
// (WithWorkTimeout's work, plus AdoptGrace); after that it does. Before,
// B adopted it after AdoptGrace, told it as left, and its Finish sent
// the write a second time.
func TestPostgres_AFlowWhoseWriteMayBeOnItsWayIsNotAdopted(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	const work = time.Minute // A's, whose write it is
	a.opts = append(a.opts, WithWorkTimeout(work))
	a.reopen()
	_, _, err := a.CreateFlow(billFlow("f1", 7))
	mustOK(t, err)
	a.clk.Advance(time.Second)
	_, err = a.PrepareStep("f1", "add_line_item", json.RawMessage(`{}`))
	mustOK(t, err)
	endSession(t, a)
	a.clk.Advance(AdoptGrace)
	if _, ok, err := b.AdoptFlow("f1"); err != nil || ok {
		t.Fatalf("B adopted (%v, err %v) the flow whose write A, gone for %s, may still be sending", ok, err, AdoptGrace)
	}
	a.clk.Advance(work)
	if _, ok, err := b.AdoptFlow("f1"); err != nil || !ok {
		t.Fatalf("B did not adopt the flow of A gone for %s (err %v)", work+AdoptGrace, err)
	}
}

// TestPostgres_AWriteOfAReplicaWithALongerWorkTimeoutStaysItsOwn: A
// runs with a WORK_TIMEOUT of 10 min, B with 1 min (a rolling change of
// the variable). A holds a claim and records a step's write as begun
// when its session ends without a Close (cut off, its write on its way).
// B must judge how long that write may take by A's WORK_TIMEOUT, not
// its own: before, past 1 min + AdoptGrace, B read A's claim as left in
// doubt and adopted its flow while A could still be writing it.
func TestPostgres_AWriteOfAReplicaWithALongerWorkTimeoutStaysItsOwn(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	a.opts = append(a.opts, WithWorkTimeout(maxWorkTimeout))
	a.reopen()
	const short = time.Minute
	b.opts = append(b.opts, WithWorkTimeout(short))
	b.reopen()
	_, _, err := a.CreateFlow(billFlow("f1", 7))
	mustOK(t, err)
	mustClaim(t, a, "k", "", ClaimAcquired)
	_, err = a.PrepareStep("f1", "add_line_item", json.RawMessage(`{}`))
	mustOK(t, err)
	endSession(t, a)
	a.clk.Advance(short + AdoptGrace + time.Second)
	mustClaim(t, b, "k", "", ClaimInProgress)
	if _, ok, err := b.AdoptFlow("f1"); err != nil || ok {
		t.Fatalf("B adopted (%v, err %v) the flow whose write A, with a WORK_TIMEOUT of %s, may still be sending", ok, err, maxWorkTimeout)
	}
	a.clk.Advance(maxWorkTimeout - short)
	mustClaim(t, b, "k", "", ClaimUnknown)
	if _, ok, err := b.AdoptFlow("f1"); err != nil || !ok {
		t.Fatalf("B did not adopt the flow of A gone for %s (err %v)", maxWorkTimeout+AdoptGrace, err)
	}
}

// TestPostgres_AFlowOfAReplicaOnlyJustGoneIsNotAdopted: A's session
// ends without a Close (killed, or cut off the database); until A has
// been gone for AdoptGrace, as long as a live replica needs to take a
// lost session back, its flow is not B's to adopt or tell of; after it,
// the flow is.
func TestPostgres_AFlowOfAReplicaOnlyJustGoneIsNotAdopted(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	_, _, err := a.CreateFlow(billFlow("f1", 7))
	mustOK(t, err)
	endSession(t, a)
	orphaned, err := b.OrphanedFlows()
	mustOK(t, err)
	if _, ok, err := b.AdoptFlow("f1"); err != nil || ok || len(orphaned) != 0 {
		t.Fatalf("B adopted (%v, err %v) or listed %d orphaned flows of A only just gone, want none", ok, err, len(orphaned))
	}
	a.clk.Advance(AdoptGrace)
	if _, ok, err := b.AdoptFlow("f1"); err != nil || !ok {
		t.Fatalf("B did not adopt the flow of A gone for %s (err %v)", AdoptGrace, err)
	}
}

func TestPostgres_AnOrphanedFlowIsAdoptedByOneReplicaOnce(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	c := &testStore{t: t, clk: a.clk, open: a.open, opts: a.opts} // a third replica
	c.reopen()
	_, _, err := a.CreateFlow(billFlow("f1", 7))
	mustOK(t, err)
	adopt := func(st *testStore) bool {
		t.Helper()
		_, ok, err := st.AdoptFlow("f1")
		mustOK(t, err)
		return ok
	}
	if adopt(b) {
		t.Fatal("B adopted a flow A, alive, runs")
	}
	if adopt(a) {
		t.Fatal("A adopted its own flow: it runs it, or told of it already")
	}
	mustOK(t, a.Close())
	var won atomic.Int32
	var wg sync.WaitGroup
	for _, st := range []*testStore{b, c} {
		wg.Go(func() {
			if adopt(st) {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d replicas adopted the flow A left, want 1", won.Load())
	}
	if adopt(b) || adopt(c) {
		t.Fatal("a flow was adopted again once a live replica had it")
	}
}

func TestPostgres_ReplicasStartingTogetherMigrateOnce(t *testing.T) {
	t.Parallel()
	open := postgresBackend(t) // a fresh, empty schema
	all, err := Migrations()
	mustOK(t, err)
	var (
		mu       sync.Mutex
		migrated = map[string]int{} // "database migrated" lines by version
		wg       sync.WaitGroup
	)
	for range 3 {
		wg.Go(func() {
			var logs syncbuf.Buffer
			st, err := open(WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
			if err != nil {
				t.Errorf("a replica starting beside others: %v", err)
				return
			}
			defer st.Close()
			for line := range strings.SplitSeq(logs.String(), "\n") {
				var rec struct {
					Msg     string
					Version json.Number
				}
				if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "database migrated" {
					mu.Lock()
					migrated[rec.Version.String()]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(migrated) != len(all) {
		t.Errorf("the replicas applied %d migrations between them, want the %d embedded: %v", len(migrated), len(all), migrated)
	}
	for v, n := range migrated {
		if n != 1 {
			t.Errorf("migration %s applied %d times, want once", v, n)
		}
	}
}
