package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// readmeGrace is the grace the README gives work already talking to
// Syncro after SIGTERM ("a grace of 6 s").
const readmeGrace = 6 * time.Second

// restartingSentence is what a person whose command the shutdown stopped
// reads.
const restartingSentence = "The Syncro bot is restarting; try again in a moment."

// syncroCall is one request as it reached Syncro.
type syncroCall struct {
	Method, Path string
	Query        url.Values
}

// syncroWatch sits between the bot and the Syncro fake and records each
// request the moment it arrives: the fake logs a held (FaultHang) request
// only once it ends.
type syncroWatch struct {
	mu    sync.Mutex
	calls []syncroCall
}

// watchSyncro points the bot's SYNCRO_BASE_URL in env at a watch that
// forwards to the fake it named.
func watchSyncro(t *testing.T, env map[string]string) *syncroWatch {
	t.Helper()
	base, err := url.Parse(env["SYNCRO_BASE_URL"])
	if err != nil {
		t.Fatalf("SYNCRO_BASE_URL: %v", err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: base.Scheme, Host: base.Host})
	// A request the bot gave up on is an expected end, not news.
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	w := &syncroWatch{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.calls = append(w.calls, syncroCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()})
		w.mu.Unlock()
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	env["SYNCRO_BASE_URL"] = srv.URL + base.Path
	return w
}

// seen returns the requests that reached Syncro so far.
func (w *syncroWatch) seen() []syncroCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]syncroCall(nil), w.calls...)
}

// isTicketLookup matches the GET that finds a ticket by number.
func isTicketLookup(c syncroCall) bool {
	return c.Method == http.MethodGet && strings.HasSuffix(c.Path, "/tickets") && c.Query.Get("number") != ""
}

// TestE2E_SIGTERMWithFiftyCommandsQueuedTellsEveryoneAndCutsAtTheGrace:
// Syncro hangs, fifty people have asked for a ticket and Dana's comment is
// being written when SIGTERM comes. Reads not started are answered
// "restarting" at once and never reach Syncro; what is at Syncro keeps
// the README's 6 s grace and is cut when it ends; run exits 0 and every
// reader was told "restarting"; the comment is not lost: it either landed
// once, or it is a recorded flow whose Finish (after the restart) writes
// it once.
//
// On run's clock, which the test moves, the grace is exactly the README's
// and run exits once it is over, so a slow machine cannot fail it; the
// README's 9 s in the worst case (work deaf to the cancellation) is
// `bot` TestShutdown_RunReturnsWithinNineSecondsOnItsClockWhateverTheWork.
// On the real clock the same story is told with only a hang guard.
func TestE2E_SIGTERMWithFiftyCommandsQueuedTellsEveryoneAndCutsAtTheGrace(t *testing.T) {
	t.Parallel()
	t.Run("run's clock", func(t *testing.T) {
		t.Parallel()
		sigtermWithFiftyQueued(t, fakeclock.New(time.Now()))
	})
	t.Run("real clock", func(t *testing.T) {
		t.Parallel()
		sigtermWithFiftyQueued(t, nil)
	})
}

// sigtermWithFiftyQueued is the story of
// TestE2E_SIGTERMWithFiftyCommandsQueuedTellsEveryoneAndCutsAtTheGrace
// with run's clock clk, or the real one when clk is nil.
func sigtermWithFiftyQueued(t *testing.T, clk *fakeclock.Manual) {
	ctx := testContext(t)
	fx := newFakes(t)
	watch := watchSyncro(t, fx.env)
	if clk != nil {
		fx.clock = runClock{now: clk.Now, after: clk.After}
	}
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, 32150)
	const note = "Swapped the toner; printer back online"
	commentsOf := func() int { return commentsWithBody(b.srv, tk.ID, note) }

	// A write under way: Syncro holds Dana's comment.
	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	b.slash(ctx, t, "comment 32150 "+note)
	b.waitHeld(ctx, t)

	// Fifty reads, one person each, while Syncro hangs: the first few
	// reach it, the rest wait for the client's rate limit (3 a second).
	b.srv.Fail("GET", "/tickets", 1000, syncrotest.FaultHang)
	readers := map[string]string{} // ticket number asked → who asked
	for i := range 50 {
		u := slackfake.User{ID: fmt.Sprintf("U0READ%02d", i), Name: fmt.Sprintf("reader%02d", i)}
		b.f.AddUser(u)
		number := fmt.Sprint(40100 + i)
		readers[number] = u.ID
		ack, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: u.ID, ChannelID: e2eChannel, Text: "ticket " + number})
		if err != nil || ack.Late || ack.Payload != nil {
			t.Fatalf("/syncro ticket %s by %s: ack %s (late %v), %v", number, u.ID, ack.Payload, ack.Late, err)
		}
	}
	// atSyncro is which readers have a lookup that reached Syncro so far
	// (Dana's comment looks its ticket up too).
	atSyncro := func() map[string]bool {
		started := map[string]bool{}
		for _, c := range watch.seen() {
			if user, ok := readers[c.Query.Get("number")]; ok && isTicketLookup(c) {
				started[user] = true
			}
		}
		return started
	}
	toldRestarting := func(user string) bool {
		eph := b.f.Ephemerals(user)
		return len(eph) == 1 && eph[0].Text == restartingSentence
	}

	if clk != nil {
		sigterm := clk.Now()
		if n := clk.Pending(); n != 0 {
			t.Fatalf("%d waits on run's clock before SIGTERM, want none (nothing is queued behind its person)", n)
		}
		b.stop()
		b.waitLog(ctx, t, "shutting down; waiting for in-flight work")
		// The grace is the one wait on run's clock, and ends the README's
		// 6 s after SIGTERM.
		if err := poll(ctx, func() bool { return clk.Pending() == 1 }); err != nil {
			t.Fatalf("run never waited on its clock after SIGTERM (%d waits): %v", clk.Pending(), err)
		}
		if next, _ := clk.Next(); !next.Equal(sigterm.Add(readmeGrace)) {
			t.Errorf("the grace ends %s after SIGTERM, want %s", next.Sub(sigterm), readmeGrace)
		}
		// Before any of it has passed, everyone whose read had not
		// reached Syncro is told "restarting".
		if err := poll(ctx, func() bool {
			started := atSyncro()
			for _, user := range readers {
				if !started[user] && !toldRestarting(user) {
					return false
				}
			}
			return true
		}); err != nil {
			t.Fatalf("readers not at Syncro were not all told %q at SIGTERM: %v", restartingSentence, err)
		}
		told := 0
		for _, user := range readers {
			if toldRestarting(user) {
				told++
			}
		}
		if told == 0 {
			t.Errorf("no reader was told %q before the grace: every read waited for Syncro", restartingSentence)
		}
		// A moment before the grace ends, what is at Syncro still runs.
		clk.Advance(readmeGrace - time.Millisecond)
		if n := clk.Pending(); n != 1 {
			t.Errorf("the grace ended before %s on run's clock", readmeGrace)
		}
		select {
		case <-b.finished:
			t.Fatalf("run returned (%d) with Dana's comment at Syncro inside the grace; stderr:\n%s", b.code, b.stderr.String())
		default:
		}
		if n := len(b.f.Ephemerals(e2eUser)); n != 0 {
			t.Errorf("Dana was answered %d times inside the grace, while Syncro held her comment", n)
		}
		clk.Advance(time.Millisecond)
		// Then the cut-off work answers and run exits, without the clock
		// moving further: what is left (the last replies, the socket) ends
		// on its own.
		select {
		case <-b.finished:
		case <-ctx.Done():
			t.Fatalf("run still up with the grace over on its clock; stderr:\n%s", b.stderr.String())
		}
		t.Logf("run returned %s after SIGTERM on its clock", clk.Now().Sub(sigterm))
	} else {
		b.stop()
		select {
		case <-b.finished:
		case <-ctx.Done(): // a hang guard only: the bound is the subtest on run's clock
			t.Fatalf("run still up after SIGTERM; stderr:\n%s", b.stderr.String())
		}
	}
	if b.code != exitOK {
		t.Fatalf("run exited %d, want %d; stderr:\n%s", b.code, exitOK, b.stderr.String())
	}

	started := atSyncro()
	t.Logf("%d of %d reads had reached Syncro", len(started), len(readers))
	if len(started) == len(readers) {
		t.Errorf("all %d reads reached Syncro: the queued ones were not stopped", len(readers))
	}
	for number, user := range readers {
		if !toldRestarting(user) {
			t.Errorf("%s (ticket %s, reached Syncro: %v) was told %+v, want only %q", user, number, started[user], b.f.Ephemerals(user), restartingSentence)
		}
	}

	// Dana's comment: written once, or a flow left to finish.
	replies := b.f.Ephemerals(e2eUser)
	if len(replies) != 1 {
		t.Fatalf("Dana got %d replies, want 1: %+v; stderr:\n%s", len(replies), replies, b.stderr.String())
	}
	if commentsOf() == 1 {
		t.Log("the comment landed within the grace")
		return
	}
	if n := commentsOf(); n != 0 {
		t.Fatalf("Syncro holds the comment %d times", n)
	}
	if _, ok := buttonsIn(t, replies[0].Blocks)[tickets.ActionFinish]; !ok {
		t.Fatalf("the cut-off comment's reply has no Finish button: %q", replyText(replies[0].Message))
	}
	st, err := store.Open(b.env["DATA_DIR"])
	if err != nil {
		t.Fatalf("open the bot's store: %v", err)
	}
	flows, err := st.FlowsForTicket(tk.ID)
	if cerr := st.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil || len(flows) != 1 || flows[0].Finished() {
		t.Fatalf("flows of #32150 = %+v (%v), want the comment's, unfinished", flows, err)
	}

	// After the restart Finish writes the comment, once.
	b.srv.ClearFaults()
	b2 := b.restart(ctx, t)
	// The restart tells her in the channel she typed it in, with Finish.
	b2.waitReply(ctx, t, 1, "I was restarted", tickets.ActionFinish)
	b2.clickFinish(ctx, t, replies[0])
	done := b2.waitReply(ctx, t, 2).Text
	t.Logf("cut off: %q; after the restart, Finish: %q", replies[0].Text, done)
	if n := commentsOf(); n != 1 {
		t.Errorf("after Finish Syncro holds the comment %d times, want 1", n)
	}
}

func TestE2E_SIGTERMFinishesInFlightWork(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	// The open ticket's id comes from the mirror; its read is held.
	b.srv.Fail("GET", "/tickets/*", 1, syncrotest.FaultHang)

	ack := b.slash(ctx, t, "ticket 32150")
	if ack.Late {
		t.Error("ack was late")
	}
	b.waitHeld(ctx, t)
	b.stop() // SIGTERM
	b.waitLog(ctx, t, "waiting for in-flight work")
	select {
	case <-b.finished:
		t.Fatalf("run returned (%d) with a command in flight; stderr:\n%s", b.code, b.stderr.String())
	default:
	}
	if n := len(b.f.Ephemerals(e2eUser)); n != 0 {
		t.Fatalf("%d replies while Syncro held the lookup", n)
	}

	b.srv.ReleaseHangs()
	rep := b.waitReply(ctx, t, 0)
	s := replyText(rep.Message)
	if !strings.Contains(s, "32150") || strings.HasPrefix(rep.Text, "Sorry") {
		t.Errorf("in-flight reply is not the ticket: %q", s)
	}

	select {
	case <-b.finished:
		if b.code != exitOK {
			t.Errorf("run exited %d, want %d; stderr:\n%s", b.code, exitOK, b.stderr.String())
		}
	case <-ctx.Done():
		t.Fatalf("run did not return after in-flight work finished; stderr:\n%s", b.stderr.String())
	}
}
