package bot

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/commands"
)

// Shutdown has to fit inside what the process manager allows after SIGTERM
// (docker stop kills after 10 s): work that has not reached Syncro yet is
// stopped at once and told "restarting", so the people behind it try again
// against the next process; only work already talking to Syncro gets the
// grace. A job's state records how far it got, and SyncroTransport, which
// every Syncro request of the commands goes through, moves it along.

// jobState is how far one job has got with Syncro.
type jobState int

const (
	// jobQueued: nothing sent to Syncro yet (waiting for the rate
	// limiter, or still being admitted).
	jobQueued jobState = iota
	// jobReading: only reads (GET) sent.
	jobReading
	// jobWriting: a write sent. The job keeps the grace and its own reply,
	// which for a write cut off is a recorded flow's Finish message.
	jobWriting
	// jobRestarted: stopped by shutdown before it wrote anything; it sends
	// Syncro nothing more, and its person is told msgRestarting.
	jobRestarted
	// jobReplying: the handler returned; only the reply is left to send.
	jobReplying
)

// job is one admitted interaction's work, as shutdown sees it.
type job struct {
	cancel context.CancelCauseFunc

	mu    sync.Mutex
	state jobState
}

// jobKey carries a work context's *job.
type jobKey struct{}

// jobOf is the job ctx runs for; nil outside admitted work.
func jobOf(ctx context.Context) *job {
	j, _ := ctx.Value(jobKey{}).(*job)
	return j
}

// send records that j is about to send Syncro a request with method; an
// error means j was stopped by shutdown and must send nothing.
func (j *job) send(method string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch j.state {
	case jobRestarted:
		return errStopped
	case jobQueued, jobReading:
		j.state = jobReading
		if !isRead(method) {
			j.state = jobWriting
		}
	}
	return nil
}

// stop stops j, telling its work why (commands.ErrRestarting), when it has
// sent Syncro nothing, or with reading also when it has only read. It
// reports whether it did: such a job has written nothing, so its person
// can simply try again.
func (j *job) stop(reading bool) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.state != jobQueued && (!reading || j.state != jobReading) {
		return false
	}
	j.state = jobRestarted
	j.cancel(commands.ErrRestarting)
	return true
}

// returned marks the handler of j as returned and reports whether
// shutdown had stopped j (the handler's reply then only describes that).
func (j *job) returned() (stopped bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.state == jobRestarted {
		return true
	}
	j.state = jobReplying
	return false
}

// errStopped fails a Syncro request of work that shutdown stopped. It is
// also context.Canceled, which is what the work's context says too, so the
// commands treat it as the cancellation it is.
var errStopped = fmt.Errorf("bot: syncro request not sent: %w (%w)", context.Canceled, commands.ErrRestarting)

// isRead reports whether an HTTP method only reads.
func isRead(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// jobs is the set of jobs running.
type jobs struct {
	mu  sync.Mutex
	set map[*job]struct{}
}

// add registers a job for ctx and returns the context its work runs under.
func (js *jobs) add(ctx context.Context) (context.Context, *job) {
	ctx, cancel := context.WithCancelCause(ctx)
	j := &job{cancel: cancel}
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.set == nil {
		js.set = map[*job]struct{}{}
	}
	js.set[j] = struct{}{}
	return context.WithValue(ctx, jobKey{}, j), j
}

// remove forgets j once its goroutine is over.
func (js *jobs) remove(j *job) {
	js.mu.Lock()
	defer js.mu.Unlock()
	delete(js.set, j)
	j.cancel(nil)
}

// stop stops every job that has not reached Syncro (with reading, also
// those that have only read) and returns how many it stopped and how many
// are left running.
func (js *jobs) stop(reading bool) (stopped, left int) {
	js.mu.Lock()
	defer js.mu.Unlock()
	for j := range js.set {
		if j.stop(reading) {
			stopped++
		} else {
			left++
		}
	}
	return stopped, left
}

// told is what the person behind ctx's work is told once its handler
// returned reply: the reply, or msgRestarting when shutdown stopped the
// work before it wrote anything (whatever the handler made of the
// cancellation is not news to them).
func told(ctx context.Context, reply commands.Reply) commands.Reply {
	if j := jobOf(ctx); j != nil && j.returned() {
		return commands.Reply{Text: msgRestarting}
	}
	return reply
}

// stoppedByShutdown reports whether shutdown stopped ctx's work.
func stoppedByShutdown(ctx context.Context) bool {
	j := jobOf(ctx)
	if j == nil {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state == jobRestarted
}

// replyContext is the context to send a reply on: ctx itself while it
// has at least lastReplyTimeout left, else one detached from it for
// lastReplyTimeout, so the person still hears about work that shutdown or
// the work's own timeout cut off, or that ended just before it (a flow's
// Finish message). Call cancel when the reply is sent.
func replyContext(ctx context.Context) (_ context.Context, cancel context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if ctx.Err() == nil && (!ok || time.Until(dl) >= lastReplyTimeout) {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), lastReplyTimeout)
}

// SyncroTransport wraps next (http.DefaultTransport when nil) for the
// client the commands call Syncro with, so that shutdown knows which work
// has reached Syncro and which has written. A request of work that
// shutdown stopped never leaves the process: it fails with an error that
// is context.Canceled and commands.ErrRestarting. Requests made outside
// a handler (the watcher's) pass unchanged.
func SyncroTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return syncroTransport{next: next}
}

type syncroTransport struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t syncroTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if j := jobOf(r.Context()); j != nil {
		if err := j.send(r.Method); err != nil {
			if r.Body != nil {
				_ = r.Body.Close()
			}
			return nil, err
		}
	}
	return t.next.RoundTrip(r)
}
