package syncrotest

import (
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure the Server can inject in place of a normal answer.
type Fault int

const (
	// FaultRateLimit answers 429 with "Retry-After: 30" (WithFaultRetryAfter
	// changes it) and the JSON error body.
	FaultRateLimit Fault = iota + 1
	// FaultRateLimitNoRetryAfter answers 429 without Retry-After.
	FaultRateLimitNoRetryAfter
	// FaultRateLimitHTTPDate answers 429 with Retry-After as an HTTP date 30 s
	// (or WithFaultRetryAfter's wait) ahead.
	FaultRateLimitHTTPDate
	// FaultServerError answers 500 with Rails' HTML error page; nothing is written.
	FaultServerError
	// FaultHang holds the request until its context ends (nothing is written)
	// or ReleaseHangs is called (then it is answered normally).
	FaultHang
	// FaultHTML answers 200 with an HTML sign-in page instead of JSON.
	FaultHTML
	// FaultCommitThenFail applies the request to the state, then answers 500
	// with the HTML error page: the "did my POST land?" case.
	FaultCommitThenFail
	// FaultCommitThenGarbage applies the request to the state, then answers
	// 200 with the first half of the real answer: a body cut off on the
	// way, which does not decode.
	FaultCommitThenGarbage
	// FaultCommitThenEmpty applies the request to the state, then answers
	// 200 with "{}": a success that lacks the record it should carry.
	FaultCommitThenEmpty
)

// FaultHeader is the request header that aims a fault at one request: a
// Server made WithFaultHeader answers a request carrying it with the fault
// it names (Fault.String, like "FaultCommitThenGarbage") instead of any
// queued by Fail. A test whose requests are told apart by what they are
// for, not by the order they arrive in, sets it from its http.RoundTripper.
const FaultHeader = "X-Syncrotest-Fault"

// RateLimitMessage is the error text of every 429 answer.
const RateLimitMessage = "Rate limit exceeded. Please wait before making more requests."

type faultRule struct {
	method  string
	pattern string
	left    int
	fault   Fault
}

// Fail makes the next n requests matching method and pathPattern answer with
// fault. method "" or "*" matches any method. pathPattern is matched with
// path.Match against the path below /api/v1, e.g. "/tickets/*/comment" or
// "/tickets"; a pattern ending in "/**" matches that prefix and everything
// below it. Rules are consulted in the order they were added, after the rate
// limit and auth checks.
func (s *Server) Fail(method, pathPattern string, n int, fault Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{method: strings.ToUpper(method), pattern: pathPattern, left: n, fault: fault})
}

// ClearFaults drops every injected fault not used yet.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// ReleaseHangs lets every request held by FaultHang proceed normally.
func (s *Server) ReleaseHangs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
	s.release = make(chan struct{})
}

// hang is one request FaultHang holds.
type hang struct {
	path    string
	release chan struct{}
}

// ReleaseOne lets the oldest request FaultHang holds on path (below
// /api/v1, e.g. "/tickets/108430012") proceed normally, and reports
// whether there was one: a test frees one slot at a time to see what the
// client starts next.
func (s *Server) ReleaseOne(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hangs {
		if h.path == path {
			close(h.release)
			s.dropHangLocked(h)
			return true
		}
	}
	return false
}

// HeldPaths returns the paths of the requests FaultHang holds now, oldest
// first.
func (s *Server) HeldPaths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := make([]string, len(s.hangs))
	for i, h := range s.hangs {
		paths[i] = h.path
	}
	return paths
}

func (s *Server) dropHangLocked(h *hang) {
	for i, x := range s.hangs {
		if x == h {
			s.hangs = append(s.hangs[:i:i], s.hangs[i+1:]...)
			return
		}
	}
}

// Held returns how many requests FaultHang is holding now: a test waits
// for it to know the request reached Syncro before it checks what the
// client did meanwhile.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hangs)
}

func (s *Server) takeFaultLocked(method, p string) (Fault, bool) {
	for i, f := range s.faults {
		if f.method != "" && f.method != "*" && f.method != method {
			continue
		}
		if !matchPath(f.pattern, p) {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f.fault, true
	}
	return 0, false
}

// headerFaultLocked is the fault r names in FaultHeader, when the Server
// honours the header; known is false for a name that is no fault.
func (s *Server) headerFaultLocked(r *http.Request) (f Fault, aimed, known bool) {
	name := r.Header.Get(FaultHeader)
	if !s.cfg.faultHeader || name == "" {
		return 0, false, true
	}
	for f := FaultRateLimit; f <= FaultCommitThenEmpty; f++ {
		if f.String() == name {
			return f, true, true
		}
	}
	return 0, true, false
}

func matchPath(pattern, p string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/**"); ok {
		return p == prefix || strings.HasPrefix(p, prefix+"/")
	}
	ok, err := path.Match(pattern, p)
	return err == nil && ok
}

// rateLimitLocked counts a request at now in the sliding 60-second window.
// When the window is full it reports the whole seconds until a slot frees up.
func (s *Server) rateLimitLocked(now time.Time) (retryAfter int, limited bool) {
	if s.cfg.rateLimit <= 0 {
		return 0, false
	}
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(s.hits) && !s.hits[i].After(cut) {
		i++
	}
	s.hits = s.hits[i:]
	if len(s.hits) >= s.cfg.rateLimit {
		wait := s.hits[0].Add(time.Minute).Sub(now)
		secs := int((wait + time.Second - 1) / time.Second)
		return max(secs, 1), true
	}
	s.hits = append(s.hits, now)
	return 0, false
}

// writeRateLimited answers 429. The body and Retry-After follow the only
// (weak) source showing a Syncro 429; both are UNCONFIRMED (§2).
func writeRateLimited(w http.ResponseWriter, style RetryAfterStyle, secs int, now time.Time) {
	switch style {
	case RetryAfterSeconds:
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	case RetryAfterHTTPDate:
		w.Header().Set("Retry-After", now.Add(time.Duration(secs)*time.Second).UTC().Format(http.TimeFormat))
	}
	writeJSON(w, http.StatusTooManyRequests, obj{"error": RateLimitMessage})
}

// String names the fault, e.g. "FaultHang".
func (f Fault) String() string {
	switch f {
	case FaultRateLimit:
		return "FaultRateLimit"
	case FaultRateLimitNoRetryAfter:
		return "FaultRateLimitNoRetryAfter"
	case FaultRateLimitHTTPDate:
		return "FaultRateLimitHTTPDate"
	case FaultServerError:
		return "FaultServerError"
	case FaultHang:
		return "FaultHang"
	case FaultHTML:
		return "FaultHTML"
	case FaultCommitThenFail:
		return "FaultCommitThenFail"
	case FaultCommitThenGarbage:
		return "FaultCommitThenGarbage"
	case FaultCommitThenEmpty:
		return "FaultCommitThenEmpty"
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}
