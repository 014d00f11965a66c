package main

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 19, fresh eyes: two replicas on one PostgreSQL, broken on
// purpose (README, Running two replicas).

// overBudget is what a replica logs when the live replicas' shares of
// SYNCRO_RATE_LIMIT together exceed it.
const overBudget = "the replicas together may send more than Syncro's rate limit"

// TestE2E_Replicas_AReplicaStartedWithAnotherBudgetSaysTheSumExceedsTheLimit:
// replica A keeps to 300 a minute (SYNCRO_RATE_LIMIT 600, REPLICAS 2);
// B is started with REPLICAS left at 1, so it takes the whole 600 and the
// two together could send 900 a minute. B says so at its start, naming
// the sum and the limit; A, alone and within its share, says nothing.
// Before, each replica split the limit by its own REPLICAS and nobody
// noticed the sum.
func TestE2E_Replicas_AReplicaStartedWithAnotherBudgetSaysTheSumExceedsTheLimit(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	fx.env["SYNCRO_RATE_LIMIT"] = "600"
	a := fx.start(ctx, t)
	fx.env["REPLICAS"] = "1"
	b := fx.start(ctx, t)
	b.waitLog(ctx, t, overBudget)
	for _, want := range []string{`"requests_per_minute_together":900`, `"syncro_rate_limit":600`, `"replicas_alive":2`} {
		if !strings.Contains(b.stderr.String(), want) {
			t.Errorf("B's log lacks %s:\n%s", want, b.stderr.String())
		}
	}
	if strings.Contains(a.stderr.String(), overBudget) {
		t.Errorf("A, alone within its share, logged %q", overBudget)
	}
}

// dbProxy stands between one replica and PostgreSQL, so a test can cut
// that replica off the database (a network fault on its host) while the
// others keep theirs.
type dbProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
	// relay, when set, forwards a connection's two sides (the replica's,
	// the server's) instead of copying each as it is.
	relay func(c, s net.Conn)
}

// newDBProxy forwards 127.0.0.1:<free port> to dbURL's host and returns
// the proxy and dbURL through it.
func newDBProxy(t *testing.T, dbURL string) (*dbProxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: u.Host}
	t.Cleanup(func() { _ = ln.Close(); p.setCut(true) })
	go p.serve()
	u.Host = ln.Addr().String()
	return p, u.String()
}

// startBehindProxy starts a replica on fx whose database connections go
// through a dbProxy of its own, given to setup first; replicas started
// after it connect directly.
func (fx *e2eFakes) startBehindProxy(ctx context.Context, t *testing.T, setup ...func(*dbProxy)) (*e2eBot, *dbProxy) {
	t.Helper()
	direct := fx.env["DATABASE_URL"]
	proxy, viaProxy := newDBProxy(t, direct)
	for _, f := range setup {
		f(proxy)
	}
	fx.env["DATABASE_URL"] = viaProxy
	defer func() { fx.env["DATABASE_URL"] = direct }()
	return fx.start(ctx, t, "-debug"), proxy
}

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		relay := p.relay
		p.mu.Unlock()
		if relay != nil {
			go relay(c, s)
			continue
		}
		go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
		go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
	}
}

// setCut cuts every connection through p and refuses new ones (true),
// or lets them through again (false).
func (p *dbProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.conns = nil
	}
}

// TestE2E_Replicas_ABillOfAReplicaThatLostItsSessionIsNotToldAsLeft:
// replica A bills Dana's 60 minutes; while Syncro holds its charge the
// server ends A's sessions (a database restart or a cut network, seen
// from A's side), and B, beside it, takes the lead of telling of left
// work. A is alive and takes its session back; Dana must hear of her bill
// once, from A ("Invoiced"), never "I was restarted … Finish" from B
// about a bill A is still writing; Syncro holds the minutes once and one
// invoice.
func TestE2E_Replicas_ABillOfAReplicaThatLostItsSessionIsNotToldAsLeft(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Reflowed the fuser connector."
	fx, a, b, proxy, tk, minutesBefore := cutWhileCharging(ctx, t, notes)
	proxy.setCut(false)
	a.waitLog(ctx, t, "took the replica's database session again")
	looks := strings.Count(b.stderr.String(), `"msg":"looked for unfinished work`)
	b.waitLogCount(ctx, t, `"msg":"looked for unfinished work`, looks+1) // a look with A back
	seen := len(fx.f.Ephemerals(e2eUser))
	told := b.postedWith(0, tickets.ActionFinish)
	if len(told) != 0 {
		t.Errorf("B told Dana of the bill A was still writing: %q", told[0].Text)
		b.clickFinish(ctx, t, told[0]) // as Dana would, believing it
	}
	fx.srv.ReleaseHangs()
	a.waitReply(ctx, t, 0, "Invoiced #")
	if len(told) != 0 {
		t.Logf("Finish on B answered %q", b.waitReply(ctx, t, seen+1).Text)
	}
	wantBilledOnce(t, fx.srv, tk, minutesBefore, notes)
}

// cutWhileCharging has replica A, behind a dbProxy and leading the look
// for left work (one a second), bill Dana's 60 minutes with notes while
// Syncro holds its charge, starts B beside it, cuts A off the database
// and waits until B leads the look. It returns the ticket and its minutes
// before.
func cutWhileCharging(ctx context.Context, t *testing.T, notes string) (fx *e2eFakes, a, b *e2eBot, proxy *dbProxy, tk syncrotest.Ticket, minutesBefore int) {
	t.Helper()
	fx = replicaFakes(t)
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	a, proxy = fx.startBehindProxy(ctx, t)
	a.waitLog(ctx, t, "this replica tells of the work stopped replicas left")
	tk, minutesBefore = billHeldAtCharge(ctx, t, fx, notes)
	b = fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	proxy.setCut(true)
	b.waitLog(ctx, t, "this replica tells of the work stopped replicas left")
	return fx, a, b, proxy, tk, minutesBefore
}

// TestE2E_Replicas_AWatcherCutOffTheDatabaseHandsOverAndStops: replica A
// runs the closed-ticket watcher beside B; A's connections to PostgreSQL
// are cut and refused (a network fault on its host) while both serve. B
// takes the watcher over and announces a ticket closed meanwhile, once;
// A says it lost the lead and, back on the database, follows: a second
// close is announced once too, not by both.
func TestE2E_Replicas_AWatcherCutOffTheDatabaseHandsOverAndStops(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	fx.announceEvery(time.Second)
	a, proxy := fx.startBehindProxy(ctx, t)
	a.waitLog(ctx, t, "first start: announcing tickets closed from now on")
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"role":"follower"`)
	first := b.marcusTicket(t, "Badge printer jammed")
	second := b.marcusTicket(t, "Guest Wi-Fi captive portal loops")

	proxy.setCut(true)
	if err := fx.srv.SetTicketStatus(first.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	b.waitLog(ctx, t, "this replica runs the closed-ticket watcher")
	b.waitNotice(ctx, t, first.Number)
	a.waitLog(ctx, t, "lost the closed-ticket watcher's lead")
	proxy.setCut(false)
	a.waitLog(ctx, t, "took the replica's database session again")
	if err := fx.srv.SetTicketStatus(second.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	b.waitNotice(ctx, t, second.Number)
	b.waitPolls(ctx, t, 3) // A's and B's chances of a second notice
	for _, tk := range []syncrotest.Ticket{first, second} {
		if got := b.noticesAbout(t, tk.Number); len(got) != 1 {
			t.Errorf("#%d: %d notices, want one: %q", tk.Number, len(got), got)
		}
	}
}

// TestE2E_Replicas_TheEndOfDaySummaryDueOnBothIsSentOnce: Dana's
// end-of-day summary falls due at 17:00 on two replicas sharing one clock,
// each looking every few milliseconds: she gets it once.
func TestE2E_Replicas_TheEndOfDaySummaryDueOnBothIsSentOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaOn(t, replicaFakes, "America/Chicago", mondayAt(16, 58))
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	tk := danasOpen(fx.srv)[0]
	if _, err := fx.srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Called the client back.", Tech: "Dana Whitfield", UserID: syncrotest.UserDana}); err != nil {
		t.Fatal(err)
	}
	a := fx.start(ctx, t)
	b := fx.start(ctx, t)
	a.openHome(ctx, t)
	a.waitHome(ctx, t, 0, "End-of-day summary", "17:00")

	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	a.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec")
	b.waitPolls(ctx, t, 2) // a second of both looking every 5 ms
	if n := a.dmsWith("Mon 7 Dec"); n != 1 {
		t.Errorf("Dana got Monday's summary %d times from two replicas; want once", n)
	}
}

// TestE2E_Replicas_APausedReplicaKeepsItsBillAndFinishesIt: replica A (a
// child process) bills Dana's 60 minutes and is paused (SIGSTOP) while
// Syncro holds its charge; B starts meanwhile. A paused is not dead: its
// database sessions stay open, so B leaves the bill to it. Syncro answers,
// A is resumed (SIGCONT) and finishes: Dana has one "Invoiced", no Finish
// from B, and Syncro the minutes once and one invoice.
func TestE2E_Replicas_APausedReplicaKeepsItsBillAndFinishesIt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Replaced the pickup roller."
	fx := replicaFakes(t)
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	a, aLog := startReplicaProcess(ctx, t, fx)
	tk, minutesBefore := billHeldAtCharge(ctx, t, fx, notes)
	if err := a.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	fx.srv.ReleaseHangs()
	if err := a.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	done := b.waitReply(ctx, t, 0, "Invoiced #")
	if got := b.postedWith(0, tickets.ActionFinish); len(got) != 0 {
		t.Errorf("B told Dana of the bill paused A was running: %q; A's log:\n%s", got[0].Text, aLog.String())
	}
	wantBilledOnce(t, fx.srv, tk, minutesBefore, notes)
	t.Logf("A answered: %q", done.Text)
}
