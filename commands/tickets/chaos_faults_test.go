package tickets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Faults for the chaos tests, aimed at one request of one delivery: "the
// third request of this bill's submission answers 2xx with half a body",
// whatever else runs. A plan names requests by their place among the
// requests one delivery makes (retries not counted), so the same plan
// hits the same request in every run, and the clock moves one second per
// request, so the same run stamps the same times.

// chaosFault is one way a Syncro request goes wrong.
type chaosFault int

const (
	// cfRateLimit is a 429: refused, nothing written.
	cfRateLimit chaosFault = iota + 1
	// cfServerError is a 500 page: nothing written.
	cfServerError
	// cfHTML is a 200 with a sign-in page: nothing written.
	cfHTML
	// cfLost is an answer that never came for a request that never
	// arrived.
	cfLost
	// cfCommitThenFail is written, then answered 500.
	cfCommitThenFail
	// cfCommitThenGarbage is written, then answered 2xx with half the body.
	cfCommitThenGarbage
	// cfCommitThenEmpty is written, then answered 2xx "{}".
	cfCommitThenEmpty
	// cfCommitThenLost is written, and its answer never came.
	cfCommitThenLost
)

// chaosFaults is every fault, in the order the matrix tries them.
var chaosFaults = []chaosFault{
	cfRateLimit, cfServerError, cfHTML, cfLost,
	cfCommitThenFail, cfCommitThenGarbage, cfCommitThenEmpty, cfCommitThenLost,
}

func (f chaosFault) String() string {
	switch f {
	case cfRateLimit:
		return "429"
	case cfServerError:
		return "500"
	case cfHTML:
		return "html"
	case cfLost:
		return "lost"
	case cfCommitThenFail:
		return "commit+500"
	case cfCommitThenGarbage:
		return "commit+garbage"
	case cfCommitThenEmpty:
		return "commit+empty"
	case cfCommitThenLost:
		return "commit+lost"
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// served is the syncrotest fault that plays f; 0 for the ones the
// transport plays (an answer that never comes).
func (f chaosFault) served() syncrotest.Fault {
	switch f {
	case cfRateLimit:
		return syncrotest.FaultRateLimit
	case cfServerError:
		return syncrotest.FaultServerError
	case cfHTML:
		return syncrotest.FaultHTML
	case cfCommitThenFail:
		return syncrotest.FaultCommitThenFail
	case cfCommitThenGarbage:
		return syncrotest.FaultCommitThenGarbage
	case cfCommitThenEmpty:
		return syncrotest.FaultCommitThenEmpty
	}
	return 0
}

// aimedFault is a fault aimed at the at-th request (from 0) of a
// delivery.
type aimedFault struct {
	at    int
	fault chaosFault
	// sticky repeats the fault on the client's retries of that request,
	// so they do not absorb it: a GET that fails for good.
	sticky bool
}

func (a aimedFault) String() string {
	s := fmt.Sprintf("%s@%d", a.fault, a.at)
	if a.sticky {
		s += "!"
	}
	return s
}

// deliveryKey is the context key of a *delivery.
type deliveryKey struct{}

// delivery is one delivery of a person's action to the bot (a slash
// command, a submission, a click): the faults aimed at its requests and
// what it met.
type delivery struct {
	plan []aimedFault
	// ticks moves the clock a second per request; a second delivery of
	// the same action at once does not, so the clock reads the same
	// whichever of the two gets to Syncro first.
	ticks bool

	mu sync.Mutex
	// n counts the requests sent, not counting retries.
	n int
	// last is the previous request; lastFailed says it failed in a way
	// the client retries, so the same request next is its retry.
	last       string
	lastFailed bool
	lastAimed  *aimedFault
	// fired lists the faults met, as "fault@n METHOD /endpoint".
	fired []string
	// sent lists the requests sent, not counting retries, as
	// "METHOD /endpoint".
	sent []string

	// past is closed at the delivery's first request that is not the
	// ticket search, i.e. once it is past the bot's dedup, or when it ends.
	past     chan struct{}
	pastOnce sync.Once
	// gate, when set, holds every request but the ticket search until it
	// is closed: a second delivery at once waits at the dedup as it
	// would, and writes, if at all, only once the first one's reply is
	// checked.
	gate chan struct{}
}

func newDelivery(plan []aimedFault, ticks bool) *delivery {
	return &delivery{plan: plan, ticks: ticks, past: make(chan struct{})}
}

func (d *delivery) markPast() { d.pastOnce.Do(func() { close(d.past) }) }

// aim picks the fault for a request (ok false for none): the plan's
// fault for its place, or for a retry of a request failed by a sticky
// fault, that fault again.
func (d *delivery) aim(id, label string) (aimedFault, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lastFailed && id == d.last {
		if d.lastAimed != nil && d.lastAimed.sticky {
			return *d.lastAimed, true
		}
		d.lastAimed = nil
		return aimedFault{}, false
	}
	d.last, d.lastAimed = id, nil
	at := d.n
	d.n++
	d.sent = append(d.sent, label)
	for i := range d.plan {
		if d.plan[i].at == at {
			d.lastAimed = &d.plan[i]
			return d.plan[i], true
		}
	}
	return aimedFault{}, false
}

// answered records whether the request just sent failed in a way the
// client retries (429, 5xx, no answer).
func (d *delivery) answered(status int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lastFailed = err != nil || status == http.StatusTooManyRequests || status >= 500
}

func (d *delivery) fire(a aimedFault, method, endpoint string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fired = append(d.fired, fmt.Sprintf("%s %s %s", a, method, endpoint))
}

// firedFaults is what the delivery met.
func (d *delivery) firedFaults() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.fired...)
}

// requests lists the requests the delivery sent, not counting retries.
func (d *delivery) requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.sent...)
}

// errLostAnswer is how a request whose answer never came fails: a read
// timeout, which the client cannot tell from a request that never
// arrived.
var errLostAnswer = &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}

// chaosTransport sends the bot's requests to syncrotest with the faults
// aimed at them by the delivery in their context, moving the clock.
type chaosTransport struct {
	base     http.RoundTripper
	clk      *fakeclock.Manual
	basePath string // the API's path, "/api/v1/"
	// date, when set, stands for the Date header of every answer: "-"
	// drops it (a proxy that strips it), anything else replaces it.
	date string
	// sending, when set, runs before each of the bot's requests reaches
	// Syncro (not the web app's): what people do in Syncro while a
	// request is on its way.
	sending func(method, endpoint string)
}

func (tr *chaosTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	d, _ := req.Context().Value(deliveryKey{}).(*delivery)
	if d == nil || d.ticks {
		tr.clk.Advance(time.Second)
	}
	if d == nil {
		return tr.redate(tr.base.RoundTrip(req))
	}
	endpoint := syncro.EndpointTemplate(tr.basePath, req.URL.Path)
	if tr.sending != nil {
		tr.sending(req.Method, endpoint)
	}
	if req.Method != http.MethodGet || endpoint != "/tickets" {
		d.markPast()
		if d.gate != nil {
			select {
			case <-d.gate:
			case <-req.Context().Done():
				return nil, req.Context().Err()
			}
		}
	}
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	a, aimed := d.aim(req.Method+" "+req.URL.String()+" "+string(body), req.Method+" "+endpoint)
	if aimed {
		d.fire(a, req.Method, endpoint)
		if f := a.fault.served(); f != 0 {
			out.Header.Set(syncrotest.FaultHeader, f.String())
		}
	}
	if aimed && a.fault == cfLost {
		d.answered(0, errLostAnswer)
		return nil, errLostAnswer
	}
	resp, err := tr.base.RoundTrip(out)
	if aimed && a.fault == cfCommitThenLost {
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		d.answered(0, errLostAnswer)
		return nil, errLostAnswer
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	d.answered(status, err)
	return tr.redate(resp, err)
}

// redate gives resp the Date tr.date says.
func (tr *chaosTransport) redate(resp *http.Response, err error) (*http.Response, error) {
	switch {
	case resp == nil || tr.date == "":
	case tr.date == "-":
		resp.Header.Del("Date")
	default:
		resp.Header.Set("Date", tr.date)
	}
	return resp, err
}

// withDelivery is ctx carrying d to the transport.
func withDelivery(ctx context.Context, d *delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// crashPoint is where in a step the bot dies.
type crashPoint int

const (
	// crashBeforeWrite: the step is marked in doubt in its flow, its
	// write not sent.
	crashBeforeWrite crashPoint = iota + 1
	// crashAfterWrite: Syncro answered, the bot recorded nothing
	// (crashingStore's crash).
	crashAfterWrite
	// crashAfterClaim: the step's claim is complete, its flow step not
	// yet marked done.
	crashAfterClaim
)

var crashPoints = []crashPoint{crashBeforeWrite, crashAfterWrite, crashAfterClaim}

func (p crashPoint) String() string {
	switch p {
	case crashBeforeWrite:
		return "before-write"
	case crashAfterWrite:
		return "after-write"
	case crashAfterClaim:
		return "after-claim"
	}
	return fmt.Sprintf("crash(%d)", int(p))
}

// chaosStore is crashingStore with two more places to die: after a step
// is marked in doubt (before its write), and between a step's claim and
// its flow record.
type chaosStore struct {
	*crashingStore
	mu    sync.Mutex
	step  string
	point crashPoint
	// between runs once, right after the step named by betweenAfter is
	// recorded done: what people do in Syncro between two steps.
	betweenAfter string
	between      func()
}

// after makes do run once, right after the next run of step is recorded
// done, before the flow's next step starts.
func (s *chaosStore) after(step string, do func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.betweenAfter, s.between = step, do
}

// arm makes the next run of step die at point.
func (s *chaosStore) arm(step string, point crashPoint) {
	if point == crashAfterWrite {
		s.crashingStore.arm(step)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step, s.point = step, point
}

// disarm takes back a crash that did not happen.
func (s *chaosStore) disarm() {
	s.crashingStore.arm("")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step, s.point = "", 0
}

func (s *chaosStore) crashIf(step string, point crashPoint) {
	s.mu.Lock()
	armed := s.step == step && s.point == point
	if armed {
		s.step, s.point = "", 0
	}
	s.mu.Unlock()
	if armed {
		panic(errSimulatedCrash)
	}
}

func (s *chaosStore) PrepareStep(id, step string, before json.RawMessage) (store.Flow, error) {
	f, err := s.crashingStore.PrepareStep(id, step, before)
	if err == nil {
		s.crashIf(step, crashBeforeWrite)
	}
	return f, err
}

func (s *chaosStore) UpdateStep(id, step string, state store.StepState, result json.RawMessage, errMsg string) (store.Flow, error) {
	if state == store.StepDone {
		s.crashIf(step, crashAfterClaim)
	}
	f, err := s.crashingStore.UpdateStep(id, step, state, result, errMsg)
	if state == store.StepDone && err == nil {
		s.mu.Lock()
		do := s.between
		if s.betweenAfter != step {
			do = nil
		}
		if do != nil {
			s.betweenAfter, s.between = "", nil
		}
		s.mu.Unlock()
		if do != nil {
			do()
		}
	}
	return f, err
}
