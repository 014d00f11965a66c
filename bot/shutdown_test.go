package bot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/slackfake"
)

// restarting is what a person whose work shutdown stopped reads.
const restarting = "The Syncro bot is restarting; try again in a moment."

// standIn is a stand-in for Syncro reached through bot.SyncroTransport, as
// the commands reach the real one. Every request is held until its client
// gives up or release is closed; arrived reports each as it comes in.
type standIn struct {
	url     string
	release chan struct{}
	arrived chan string // the method of each request

	mu    sync.Mutex
	count int
}

func newStandIn(t *testing.T) *standIn {
	t.Helper()
	s := &standIn{release: make(chan struct{}), arrived: make(chan string, 64)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.count++
		s.mu.Unlock()
		s.arrived <- r.Method
		select {
		case <-s.release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-s.release:
		default:
			close(s.release)
		}
	})
	s.url = srv.URL
	return s
}

// call sends one request as a handler's Syncro call would.
func (s *standIn) call(ctx context.Context, method string) error {
	req, err := http.NewRequestWithContext(ctx, method, s.url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: bot.SyncroTransport(nil)}).Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// requests is how many requests reached the stand-in.
func (s *standIn) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// wantOnlyPost fails the test unless exactly one response_url post was
// made, saying want.
func wantOnlyPost(t *testing.T, f *slackfake.Fake, want string) {
	t.Helper()
	if posts := f.ResponsePosts(); len(posts) != 1 || posts[0].Text != want {
		t.Errorf("response_url posts = %+v, want one saying %q", posts, want)
	}
}

// stopped waits for Run to return after stop and fails the test if it
// doesn't, or returns an error.
func (h *harness) stopped(ctx context.Context, t *testing.T) {
	t.Helper()
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-ctx.Done():
		t.Fatalf("Run did not return after the shutdown; logs:\n%s", h.logs.String())
	}
}

// TestShutdown_WorkNotAtSyncroYetIsAnsweredRestartingAtOnce: work still
// waiting to call Syncro (here: for the rate limiter) is stopped the
// moment shutdown begins, never reaches Syncro, and its person is told to
// try again; Run does not wait for the grace on its account.
func TestShutdown_WorkNotAtSyncroYetIsAnsweredRestartingAtOnce(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	syncro := newStandIn(t)
	waiting := make(chan struct{})
	causes := make(chan error, 1)
	h := &stub{slash: func(ctx context.Context, r commands.Request) commands.Reply {
		close(waiting)
		<-ctx.Done() // as the rate limiter's Wait does
		causes <- context.Cause(ctx)
		if err := syncro.call(ctx, http.MethodGet); err == nil {
			return commands.Reply{Text: "read after the shutdown"}
		}
		return commands.Reply{Text: "Sorry, Syncro didn't answer in time."}
	}}
	// A grace longer than the test: Run returns only if it needn't wait.
	hs := start(t, f, h, func(c *bot.Config) { c.ShutdownGrace = time.Hour })
	slash(ctx, t, f, alice.ID, ops.ID, "ticket 32150")
	<-waiting
	hs.stop()
	hs.stopped(ctx, t)

	if err := <-causes; !errors.Is(err, commands.ErrRestarting) {
		t.Errorf("the work's context ended with %v, want commands.ErrRestarting", err)
	}
	if n := syncro.requests(); n != 0 {
		t.Errorf("%d requests reached Syncro after the work was stopped", n)
	}
	wantOnlyPost(t, f, restarting)
	if p := f.ResponsePosts()[0]; p.ResponseType != "ephemeral" {
		t.Errorf("the restarting reply is %s, want ephemeral", p.ResponseType)
	}
}

// TestShutdown_ReadCutOffByTheGraceIsAnsweredRestarting: a read that
// reached Syncro gets the grace; when Syncro does not answer within it,
// the person is told to try again, not that something broke.
func TestShutdown_ReadCutOffByTheGraceIsAnsweredRestarting(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	syncro := newStandIn(t)
	h := &stub{slash: func(ctx context.Context, r commands.Request) commands.Reply {
		if err := syncro.call(ctx, http.MethodGet); err != nil {
			return commands.Reply{Text: "Sorry, Syncro didn't answer in time."}
		}
		return commands.Reply{Text: "ticket #32150"}
	}}
	hs := start(t, f, h, func(c *bot.Config) { c.ShutdownGrace = 100 * time.Millisecond })
	slash(ctx, t, f, alice.ID, ops.ID, "ticket 32150")
	<-syncro.arrived
	hs.stop()
	hs.stopped(ctx, t)

	wantOnlyPost(t, f, restarting)
	if !strings.Contains(hs.logs.String(), "shutdown grace over") {
		t.Errorf("the grace did not run out; logs:\n%s", hs.logs.String())
	}
}

// TestShutdown_WriteCutOffByTheGraceSendsItsOwnReply: a write that
// reached Syncro is cancelled when the grace is over, and its own reply
// (for a recorded flow: what was done, and a Finish button) still reaches
// the person, though the work's context has ended.
func TestShutdown_WriteCutOffByTheGraceSendsItsOwnReply(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	syncro := newStandIn(t)
	const cutOff = "Nothing was saved. But Syncro didn't answer in time. Press Finish to do only what is missing."
	h := &stub{slash: func(ctx context.Context, r commands.Request) commands.Reply {
		if err := syncro.call(ctx, http.MethodGet); err != nil {
			return commands.Reply{Text: "read failed"}
		}
		if err := syncro.call(ctx, http.MethodPost); err != nil {
			return commands.Reply{Text: cutOff}
		}
		return commands.Reply{Text: "saved"}
	}}
	hs := start(t, f, h, func(c *bot.Config) { c.ShutdownGrace = 100 * time.Millisecond })
	slash(ctx, t, f, alice.ID, ops.ID, "comment 32150 fixed")
	syncro.release <- struct{}{} // answers the GET
	for m := range syncro.arrived {
		if m == http.MethodPost {
			break
		}
	}
	hs.stop()
	hs.stopped(ctx, t)

	wantOnlyPost(t, f, cutOff)
}

// exitPromise is how soon after SIGTERM the README promises the bot has
// exited (Stopping and restarting): a second inside docker stop's 10 s.
const exitPromise = 9 * time.Second

// TestShutdown_RunReturnsWithinNineSecondsOnItsClockWhateverTheWork: the
// worst case of the README's 9 s. A write at Syncro gets the grace, then
// is cancelled and ignores it. Run's waits read its Clock, which the test
// moves from each wait to the next only once Run waits on it, so the time
// Run took is the sum of its own waits, whatever the machine's load. It
// must return within 9 s of that clock, with the default grace.
func TestShutdown_RunReturnsWithinNineSecondsOnItsClockWhateverTheWork(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	syncro := newStandIn(t)
	clk := fakeclock.New(time.Date(2027, 3, 1, 17, 0, 0, 0, time.UTC))
	deaf := make(chan struct{})
	t.Cleanup(func() { close(deaf) })
	h := &stub{slash: func(ctx context.Context, r commands.Request) commands.Reply {
		_ = syncro.call(ctx, http.MethodPost)
		<-deaf // deaf to the cancellation, as a handler stuck in a library can be
		return commands.Reply{Text: "saved"}
	}}
	hs := start(t, f, h, func(c *bot.Config) {
		c.ShutdownGrace = 0 // DefaultShutdownGrace
		c.Clock = clk
	})
	slash(ctx, t, f, alice.ID, ops.ID, "comment 32150 fixed")
	<-syncro.arrived
	sigterm := clk.Now()
	hs.stop()

	// Nothing announces that Run waits on the clock: look every 5 ms.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-hs.done:
			hs.done <- err // for the cleanup
			break wait
		case <-ctx.Done():
			t.Fatalf("Run did not return with its clock %s past SIGTERM; logs:\n%s", clk.Now().Sub(sigterm), hs.logs.String())
		case <-tick.C:
			if next, ok := clk.Next(); ok {
				clk.Set(next)
			}
		}
	}
	took := clk.Now().Sub(sigterm)
	t.Logf("Run returned %s after SIGTERM on its clock", took)
	if err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if took > exitPromise {
		t.Errorf("Run returned %s after SIGTERM on its clock, past the README's %s", took, exitPromise)
	}
	logs := hs.logs.String()
	for _, want := range []string{"shutdown grace over", "abandoning handlers that ignored cancellation"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q: the worst case was not reached:\n%s", want, logs)
		}
	}
}
