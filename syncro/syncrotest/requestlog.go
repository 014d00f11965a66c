package syncrotest

import (
	"strings"
	"time"
)

// Request is one request the Server answered, as kept in its request log.
// The API key is never stored: the Authorization header is not kept and
// api_key is removed from Query.
type Request struct {
	Time     time.Time // the Server's clock when the request arrived
	Method   string
	Path     string // path below /api/v1, e.g. "/tickets/108430012/comment"
	Query    string // encoded query without api_key
	Status   int    // 0 when a hung request's client gave up
	Body     string // request body
	Response string // response body
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqLog...)
}

// Count returns how many logged requests have method (any if "") and a path
// starting with pathPrefix (below /api/v1, e.g. "/tickets").
func (s *Server) Count(method, pathPrefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.reqLog {
		if (method == "" || strings.EqualFold(method, r.Method)) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqLog = nil
}
