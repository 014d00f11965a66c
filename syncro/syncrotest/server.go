// Package syncrotest is an in-memory Syncro REST API v1 server for tests and
// the bot's offline demo mode.
//
// It speaks the wire format described in docs/syncro-api.md on its
// own (it does not import the syncro client): wrapped and bare bodies as the
// real API returns them, 200 on create, the endpoint-specific error bodies,
// paging with meta, and timestamps with milliseconds and the account's
// non-UTC offset. Faults (429, 500, hangs, HTML pages, commit-then-fail,
// commit-then-garbage) can be injected, every request is logged for
// assertions, and the state can be read and changed directly through typed
// accessors.
//
// Typical use in a test:
//
//	srv := syncrotest.NewServer(t) // seeded, closed by t.Cleanup
//	// point the client at srv.URL() ("http://127.0.0.1:N/api/v1")
//	// with the key syncrotest.DefaultAPIKey; assert with srv.Count, srv.Ticket…
package syncrotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // America/Los_Angeles must resolve on every machine so golden files agree.
)

// DefaultAPIKey is the API key a Server accepts unless WithAPIKey is given.
const DefaultAPIKey = "syncrotest-api-key-0001"

// APIPrefix is the path under which the Server's handler serves the API.
const APIPrefix = "/api/v1"

// Server is an in-memory Syncro account that answers the REST API v1.
// All methods are safe for concurrent use.
type Server struct {
	mu  sync.Mutex
	cfg config
	mux *http.ServeMux
	st  state

	reqLog  []Request
	faults  []*faultRule
	release chan struct{}
	hangs   []*hang // requests FaultHang holds now, oldest first
	hits    []time.Time

	hs *httptest.Server
}

// New returns a Server with the given options; it is seeded unless
// WithSeed(false) is given. Call Start to serve it over HTTP, or mount Handler.
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, release: make(chan struct{})}
	s.st = newState()
	s.mux = s.routes()
	if cfg.seed {
		s.seedLocked()
	}
	return s
}

// NewServer starts a seeded (unless options say otherwise) Server under
// httptest and closes it when t's test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// Start serves the Server on a local httptest server; URL gives its base URL.
func (s *Server) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hs != nil {
		return
	}
	s.hs = httptest.NewServer(s)
}

// URL returns the API base URL, e.g. "http://127.0.0.1:1234/api/v1"
// (no trailing slash). It is empty before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hs == nil {
		return ""
	}
	return s.hs.URL + APIPrefix
}

// Close releases hung requests and stops the httptest server started by Start.
func (s *Server) Close() {
	s.ReleaseHangs()
	s.mu.Lock()
	hs := s.hs
	s.mu.Unlock()
	if hs != nil {
		hs.Close()
	}
}

// Handler returns the http.Handler serving the API under /api/v1/, for
// mounting in a demo (e.g. http.ListenAndServe(addr, srv.Handler()) with a
// client base URL of "http://addr/api/v1").
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP answers one API request: rate limit, auth, content type, injected
// faults, then the endpoint; every request is recorded in the request log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{header: http.Header{}}
	entry := Request{
		Method: r.Method,
		Path:   relPath(r.URL.Path),
		Query:  redactQuery(r.URL.Query()),
		Body:   string(body),
	}
	// The answer is buffered and logged before it is sent, so a client that
	// has its response can rely on the log holding the request.
	defer func() {
		entry.Status = rec.status
		entry.Response = rec.buf.String()
		s.mu.Lock()
		s.reqLog = append(s.reqLog, entry)
		s.mu.Unlock()
		if rec.status == 0 {
			return
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.buf.Bytes())
	}()

	s.mu.Lock()
	now := s.cfg.now()
	entry.Time = now
	// Every HTTP server stamps its answers with its own clock; this one's
	// is the fake's, so a client can tell when the two clocks disagree.
	rec.header.Set("Date", now.UTC().Format(http.TimeFormat))
	if retry, limited := s.rateLimitLocked(now); limited {
		style := s.cfg.retryAfter
		s.mu.Unlock()
		writeRateLimited(rec, style, retry, now)
		return
	}
	if !s.authorizedLocked(r) {
		s.mu.Unlock()
		// ASSUMPTION: Syncro's body for a bad or missing key is not documented
		// (§5); this 401 shape mirrors its permission error.
		writeJSON(rec, http.StatusUnauthorized, obj{"error": "Not authorized"})
		return
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !isJSONContentType(r.Header.Get("Content-Type")) {
		s.mu.Unlock()
		// As live Syncro does (§1): a form-encoded body gets an HTML 400.
		writeHTML(rec, http.StatusBadRequest, badRequestPage)
		return
	}
	fault, hasFault, known := s.headerFaultLocked(r)
	if !known {
		s.mu.Unlock()
		writeJSON(rec, http.StatusBadRequest, obj{"error": "syncrotest: no fault is named " + r.Header.Get(FaultHeader)})
		return
	}
	if !hasFault {
		fault, hasFault = s.takeFaultLocked(r.Method, entry.Path)
	}
	release := s.release
	s.mu.Unlock()

	if !strings.HasPrefix(r.URL.Path, APIPrefix+"/") {
		writeJSON(rec, http.StatusNotFound, notFoundBody())
		return
	}
	if hasFault {
		switch fault {
		case FaultRateLimit:
			writeRateLimited(rec, RetryAfterSeconds, s.cfg.faultWait, now)
			return
		case FaultRateLimitNoRetryAfter:
			writeRateLimited(rec, RetryAfterNone, s.cfg.faultWait, now)
			return
		case FaultRateLimitHTTPDate:
			writeRateLimited(rec, RetryAfterHTTPDate, s.cfg.faultWait, now)
			return
		case FaultServerError:
			writeHTML(rec, http.StatusInternalServerError, serverErrorPage)
			return
		case FaultHTML:
			writeHTML(rec, http.StatusOK, loginPage)
			return
		case FaultHang:
			h := &hang{path: entry.Path, release: make(chan struct{})}
			s.mu.Lock()
			s.hangs = append(s.hangs, h)
			s.mu.Unlock()
			var gaveUp bool
			select {
			case <-r.Context().Done():
				gaveUp = true
			case <-release:
			case <-h.release:
			}
			s.mu.Lock()
			s.dropHangLocked(h)
			s.mu.Unlock()
			if gaveUp {
				return // nothing is written (status 0 in the log)
			}
		case FaultCommitThenFail:
			s.dispatch(httptest.NewRecorder(), r)
			writeHTML(rec, http.StatusInternalServerError, serverErrorPage)
			return
		case FaultCommitThenGarbage:
			done := httptest.NewRecorder()
			s.dispatch(done, r)
			body := done.Body.Bytes()
			rec.Header().Set("Content-Type", "application/json; charset=utf-8")
			rec.WriteHeader(http.StatusOK)
			_, _ = rec.Write(body[:len(body)/2])
			return
		case FaultCommitThenEmpty:
			s.dispatch(httptest.NewRecorder(), r)
			writeJSON(rec, http.StatusOK, obj{})
			return
		}
	}
	s.dispatch(rec, r)
}

// dispatch routes r (whose path starts with /api/v1/) to its endpoint.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, APIPrefix)
	r2.URL.RawPath = ""
	if _, pattern := s.mux.Handler(r2); pattern == "" {
		writeJSON(w, http.StatusNotFound, notFoundBody())
		return
	}
	s.mux.ServeHTTP(w, r2)
}

// authorizedLocked reports whether r carries the API key in one of the three
// forms seen in the wild: "Authorization: Bearer KEY" (scheme word in any
// case), a raw "Authorization: KEY", or "?api_key=KEY".
func (s *Server) authorizedLocked(r *http.Request) bool {
	key := s.cfg.apiKey
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		if h == key {
			return true
		}
		if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(rest) == key {
			return true
		}
	}
	return r.URL.Query().Get("api_key") == key
}

func isJSONContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// relPath trims the API prefix from an URL path for the request log.
func relPath(p string) string {
	if rest, ok := strings.CutPrefix(p, APIPrefix); ok && (rest == "" || rest[0] == '/') {
		return rest
	}
	return p
}

// redactQuery encodes q without the api_key parameter, so the log never
// holds the key.
func redactQuery(q url.Values) string {
	if q.Has("api_key") {
		q = cloneValues(q)
		q.Del("api_key")
	}
	return q.Encode()
}

func cloneValues(q url.Values) url.Values {
	c := make(url.Values, len(q))
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// recorder buffers an answer so it can be logged before it is sent.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(p)
}

// obj is a JSON object under construction.
type obj = map[string]any

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeHTML(w, http.StatusInternalServerError, serverErrorPage)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeHTML(w http.ResponseWriter, status int, page string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, page)
}

func notFoundBody() obj { return obj{"message": "Not found"} }

const badRequestPage = `<!DOCTYPE html>
<html>
<head><title>Bad Request (400)</title></head>
<body><h1>Bad Request</h1><p>The request could not be understood by the server.</p></body>
</html>
`

const serverErrorPage = `<!DOCTYPE html>
<html>
<head><title>We're sorry, but something went wrong (500)</title></head>
<body><div class="dialog"><h1>We're sorry, but something went wrong.</h1></div></body>
</html>
`

const loginPage = `<!DOCTYPE html>
<html>
<head><title>Syncro | Sign In</title></head>
<body><form action="/users/sign_in" method="post"><input type="email" name="user[email]"></form></body>
</html>
`
