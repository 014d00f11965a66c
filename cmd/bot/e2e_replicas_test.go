package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store/pgtest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Two replicas: two runs of the bot on one DATABASE_URL, both connected
// to one Slack app, which spreads envelopes across their sockets (README,
// Running two replicas).

// startReplicas starts n bots on one PostgreSQL schema of the test's own
// and one Slack and Syncro; Slack hands envelopes to their sockets in
// turn. Each logs every envelope (-debug).
func startReplicas(ctx context.Context, t *testing.T, n int, edit func(env map[string]string), opts ...syncrotest.Option) []*e2eBot {
	t.Helper()
	fx := replicaFakes(t, opts...)
	if edit != nil {
		edit(fx.env)
	}
	var bots []*e2eBot
	for range n {
		bots = append(bots, fx.start(ctx, t, "-debug"))
	}
	return bots
}

// replicaFakes is one Slack spreading envelopes across its sockets, one
// Syncro and a PostgreSQL schema of the test's own, for two replicas.
func replicaFakes(t *testing.T, opts ...syncrotest.Option) *e2eFakes {
	t.Helper()
	return replicaFakesOn(t, pgtest.URL(t), opts...)
}

// replicaFakesOn is replicaFakes on the database at dbURL.
func replicaFakesOn(t *testing.T, dbURL string, opts ...syncrotest.Option) *e2eFakes {
	t.Helper()
	// Syncro answers as fast as the replicas ask, so these tests wait on
	// the shared state, not on the Syncro budget, which
	// TestE2E_Replicas_TogetherStayUnderSyncrosLimit sets and measures.
	opts = append([]syncrotest.Option{syncrotest.WithRateLimit(0)}, opts...)
	fx := newFakesWith(t, []slackfake.Option{slackfake.WithSpreadEnvelopes()}, opts...)
	fx.env["DATABASE_URL"] = dbURL
	fx.env["REPLICAS"] = "2"
	fx.env["SYNCRO_RATE_LIMIT"] = "6000"
	return fx
}

// TestE2E_Replicas_DoubleSubmitOnTwoReplicasWritesOnce: Dana double-clicks
// Submit on the Log time form; Slack hands one envelope to each replica
// while the first one's comment is at Syncro. One comment, the minutes
// once, and both clicks answered.
func TestE2E_Replicas_DoubleSubmitOnTwoReplicasWritesOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	bots := startReplicas(ctx, t, 2, nil)
	bots[0].doubleSubmitOnBothWritesOnce(ctx, t)
}

// doubleSubmitOnBothWritesOnce has Dana submit the Log time form of the
// printer ticket twice, one envelope to each of two replicas on b's
// Slack, while the first one's comment is at Syncro, and checks that
// Syncro holds the comment and its minutes once and both were answered.
func (b *e2eBot) doubleSubmitOnBothWritesOnce(ctx context.Context, t *testing.T) {
	t.Helper()
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	timersBefore, _ := loggedMinutes(b.srv, tk.ID)

	sub := b.logTimeFromCard(ctx, t, tk.Number, "1h15m", "Driver rollback on 4 PCs.")
	seen := len(b.f.Ephemerals(e2eUser))

	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	b.submitOnBoth(ctx, t, sub)
	b.waitHeld(ctx, t)
	b.srv.ReleaseHangs()
	b.waitReply(ctx, t, seen+1)
	if got := commentsWithBody(b.srv, tk.ID, "Driver rollback"); got != 1 {
		t.Errorf("Syncro holds %d notes comments, want 1", got)
	}
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers-timersBefore != 75 {
		t.Errorf("timer minutes grew by %d, want 75", timers-timersBefore)
	}
}

// submitOnBoth submits sub twice at once, as a double click does, and
// fails unless Slack handed one envelope to each of two replicas.
func (b *e2eBot) submitOnBoth(ctx context.Context, t *testing.T, sub slackfake.ViewSubmission) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[int]bool{}
	)
	for range 2 {
		wg.Go(func() {
			va, err := b.f.ViewSubmission(ctx, sub)
			if err != nil || va.ResponseAction == "errors" {
				t.Errorf("submit: %+v %v", va, err)
				return
			}
			mu.Lock()
			conns[va.ConnID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(conns) != 2 {
		t.Fatalf("the two submissions reached sockets %v, want one on each replica", conns)
	}
}

// waitLeader waits until one of bots says it runs the closed-ticket
// watcher, and returns it and the others.
func waitLeader(ctx context.Context, t *testing.T, bots []*e2eBot) (leader *e2eBot, others []*e2eBot) {
	t.Helper()
	const leads = "this replica runs the closed-ticket watcher"
	err := poll(ctx, func() bool {
		for _, b := range bots {
			if !b.shutDown && strings.Contains(b.stderr.String(), leads) && leader == nil {
				leader = b
			}
		}
		return leader != nil
	})
	if err != nil {
		t.Fatalf("no replica took the watcher: %v", err)
	}
	for _, b := range bots {
		if b != leader {
			others = append(others, b)
		}
	}
	return leader, others
}

// TestE2E_Replicas_WatcherMovesWhenItsReplicaStops: two replicas, one
// runs the closed-ticket watcher. It stops (a deploy); a ticket closed in
// Syncro afterwards is announced by the other, once.
func TestE2E_Replicas_WatcherMovesWhenItsReplicaStops(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	bots := startReplicas(ctx, t, 2, func(env map[string]string) {
		env["NOTIFY_CHANNEL"] = notifyChannel
		env["SYNCRO_POLL_INTERVAL"] = "1s"
	})
	bots[0].f.AddChannel(slackfake.Channel{ID: notifyChannel, Name: "tickets-closed"})
	leader, others := waitLeader(ctx, t, bots)
	leader.waitLog(ctx, t, "first start: announcing tickets closed from now on")
	next := others[0]
	tk := leader.marcusTicket(t, "Door badge reader offline")

	leader.shutdown(t)
	if err := next.srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	next.waitLog(ctx, t, "this replica runs the closed-ticket watcher")
	next.waitNotice(ctx, t, tk.Number)
	next.waitPolls(ctx, t, 2) // the chance of a second notice
	if got := next.noticesAbout(t, tk.Number); len(got) != 1 || !strings.Contains(got[0], "Closed in Syncro") {
		t.Errorf("#%d: notices %q, want one, closed in Syncro", tk.Number, got)
	}
}

// busiestWindow is the most requests reqs holds in any window of length w.
func busiestWindow(reqs []syncrotest.Request, w time.Duration) int {
	most, start := 0, 0
	for end := range reqs {
		for reqs[end].Time.Sub(reqs[start].Time) >= w {
			start++
		}
		most = max(most, end-start+1)
	}
	return most
}

// TestE2E_Replicas_TogetherStayUnderSyncrosLimit: two replicas with
// REPLICAS=2 share SYNCRO_RATE_LIMIT evenly. Dana floods both with
// searches (Slack spreads them); in Syncro's own log no window of the
// flood holds more requests than two bursts and the limit's rate allow,
// where either replica alone would send at up to the whole limit.
func TestE2E_Replicas_TogetherStayUnderSyncrosLimit(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const (
		limit    = 600 // a minute, both replicas together
		searches = 150
		window   = 10 * time.Second
		// burst is the most each replica's bucket lets go at once after
		// a quiet spell (syncro's maxBurst).
		burst = 20
	)
	bots := startReplicas(ctx, t, 2, func(env map[string]string) {
		env["SYNCRO_RATE_LIMIT"] = strconv.Itoa(limit)
	}, syncrotest.WithRateLimit(0))
	b := bots[0]
	b.srv.ResetLog()
	for i := range searches {
		if ack := b.slash(ctx, t, fmt.Sprintf("search flood%03d", i)); ack.Payload != nil {
			t.Fatalf("search %d acked %s, want an empty ack", i, ack.Payload)
		}
	}
	if err := b.f.WaitUntil(ctx, func() bool { return answers(ephemeralTexts(b.f, e2eUser)) >= searches }); err != nil {
		t.Fatalf("%d of %d searches answered: %v", answers(ephemeralTexts(b.f, e2eUser)), searches, err)
	}
	reqs := b.srv.Requests()
	allowed := 2*burst + int(float64(limit)*window.Minutes())
	got := busiestWindow(reqs, window)
	t.Logf("%d requests in all; the busiest %s held %d, %d allowed", len(reqs), window, got, allowed)
	if got > allowed {
		t.Errorf("the busiest %s of the flood held %d requests to Syncro, want at most %d (SYNCRO_RATE_LIMIT %d split between 2 replicas)", window, got, allowed, limit)
	}
}

// TestE2E_Replicas_RetypeOnTheOtherReplicaWaitsForTheTicketsWrite: Dana
// logs 20 min with /syncro comment; replica A's comment is held at
// Syncro, and she types the command again, which Slack hands to replica
// B. The ticket's lock holds across replicas: B waits for A's write,
// finds it, and asks before logging it again. Syncro holds it once.
func TestE2E_Replicas_RetypeOnTheOtherReplicaWaitsForTheTicketsWrite(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	bots := startReplicas(ctx, t, 2, nil)
	b := bots[0]
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	const notes = "Reseated the tray sensor."
	cmd := "comment " + itoa64(tk.Number) + " --time 20m " + notes
	timers0, _ := loggedMinutes(b.srv, tk.ID)

	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	first := b.slash(ctx, t, cmd)
	b.waitHeld(ctx, t)
	again := b.slash(ctx, t, cmd) // typed again: Dana never saw that reply
	if first.ConnID == again.ConnID {
		t.Fatalf("both commands reached socket %d, want one on each replica", first.ConnID)
	}
	b.srv.ReleaseHangs()
	b.waitReply(ctx, t, 0, "20 min logged")
	b.waitReply(ctx, t, 1, "You logged this", "on #"+itoa64(tk.Number)+" — log it again?")
	timers, _ := loggedMinutes(b.srv, tk.ID)
	if got := commentsWithBody(b.srv, tk.ID, notes); got != 1 || timers-timers0 != 20 {
		t.Errorf("Syncro holds %d comments and %d new min, want 1 and 20", got, timers-timers0)
	}
}

// TestRun_CheckAsksTheDatabase: `bot -check` with DATABASE_URL says the
// database answers, is migrated after a start, and takes a write, and
// checks no DATA_DIR; a database nobody listens at fails it with a Fix
// and without its password.
func TestRun_CheckAsksTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.env["DATABASE_URL"] = pgtest.URL(t)
	fx.start(ctx, t).shutdown(t) // a start applies the migrations
	var stdout, stderr strings.Builder
	if code := run(ctx, []string{"bot", "-check"}, envMap(fx.env), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit = %d, want 0; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"✓ Database reachable: PostgreSQL", "✓ Database migrated: every migration", "✓ Database writable:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-check output lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "DATA_DIR") {
		t.Errorf("-check looked at DATA_DIR, which holds nothing with DATABASE_URL:\n%s", stdout.String())
	}

	fx.env["DATABASE_URL"] = "postgres://bot:s3cret-pw@127.0.0.1:1/syncrobot?sslmode=disable&connect_timeout=5"
	stdout.Reset()
	if code := run(ctx, []string{"bot", "-check"}, envMap(fx.env), &stdout, &stderr); code != exitError {
		t.Fatalf("exit = %d with nothing at DATABASE_URL, want %d:\n%s", code, exitError, stdout.String())
	}
	if out := stdout.String(); !strings.Contains(out, "✗ Database reachable:") || !strings.Contains(out, "Fix:") || strings.Contains(out, "s3cret-pw") {
		t.Errorf("-check with nothing at DATABASE_URL:\n%s", out)
	}
}

// TestE2E_Replicas_AStartLeavesABillTheOtherIsRunningToIt: replica A bills
// 60 minutes and its charge is at Syncro when replica B starts (a rolling
// deploy). A is alive, so B tells Dana nothing of the bill; A finishes
// it: one reply, the invoice, the minutes once.
func TestE2E_Replicas_AStartLeavesABillTheOtherIsRunningToIt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Swapped the drum unit."
	fx := replicaFakes(t)
	a := fx.start(ctx, t, "-debug")
	tk, minutesBefore := billHeldAtCharge(ctx, t, fx, notes)

	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	a.srv.ReleaseHangs()
	done := a.waitReply(ctx, t, 0, "Invoiced #")
	b.shutdown(t) // whatever B meant to tell Dana has reached Slack by now
	for _, e := range fx.f.Ephemerals(e2eUser) {
		if strings.Contains(replyText(e.Message), "I was restarted") {
			t.Errorf("B told Dana of a bill A was running: %q", e.Text)
		}
	}
	wantBilledOnce(t, fx.srv, tk, minutesBefore, notes)
	t.Logf("A answered: %q", done.Text)
}
