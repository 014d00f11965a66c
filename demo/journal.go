package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// JournalFile is the file under Options.DataDir that keeps the demo's
// Syncro changes between runs. syncrotest has no snapshot, so the demo
// keeps what the bot changed instead: every successful mutating request,
// replayed into a freshly seeded server at the next start. Replaying the
// same requests in the same order on the same seed gives the same ids.
const JournalFile = "syncro-journal.jsonl"

// maxJournalBody bounds one recorded request body; the bot's bodies are a
// few hundred bytes, so anything larger is not the bot and is not kept.
const maxJournalBody = 1 << 20

// entry is one recorded mutating request.
type entry struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"` // below the API prefix, e.g. "/tickets/1/comment"
	Query  string    `json:"query,omitempty"`
	Body   string    `json:"body,omitempty"`
}

// replayClock is syncrotest's clock: the wall clock, except while a
// journal is replayed, when it reads each entry's original time so
// comments and invoices keep their dates.
type replayClock struct{ at atomic.Pointer[time.Time] }

func (c *replayClock) Now() time.Time {
	if t := c.at.Load(); t != nil {
		return *t
	}
	return time.Now()
}

// journal appends mutating requests to a file. Safe for concurrent use.
type journal struct {
	mu sync.Mutex
	f  *os.File
}

// openJournal opens (creating) the journal in dir for appending.
func openJournal(dir string) (*journal, error) {
	f, err := os.OpenFile(filepath.Join(dir, JournalFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open demo journal: %w", err)
	}
	return &journal{f: f}, nil
}

func (j *journal) append(e entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("demo journal closed")
	}
	_, err = j.f.Write(append(b, '\n'))
	return err
}

func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// readJournal reads the entries in dir's journal; a missing file is an
// empty journal, and a torn last line (the demo was killed mid-write) is
// dropped rather than refusing to start: torn is then where it begins,
// for the caller to cut the file there before appending (else the next
// entry would continue the torn line), and -1 when nothing was torn.
func readJournal(dir string) (entries []entry, torn int64, err error) {
	f, err := os.Open(filepath.Join(dir, JournalFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, -1, nil
	}
	if err != nil {
		return nil, -1, fmt.Errorf("read demo journal: %w", err)
	}
	defer f.Close()
	var out []entry
	var at int64 // where the line being read begins
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxJournalBody*2)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Bytes()
		line := bytes.TrimSpace(raw)
		if len(line) == 0 {
			at += int64(len(raw)) + 1
			continue
		}
		var e entry
		if err := json.Unmarshal(line, &e); err != nil {
			// Only the last line may be torn; a bad line in the middle means
			// the file is not ours to guess about.
			if !sc.Scan() {
				return out, at, sc.Err()
			}
			return nil, -1, fmt.Errorf("read demo journal %s line %d: %w", JournalFile, n, err)
		}
		out = append(out, e)
		at += int64(len(raw)) + 1
	}
	if err := sc.Err(); err != nil {
		return nil, -1, fmt.Errorf("read demo journal: %w", err)
	}
	return out, -1, nil
}

// replay sends the entries to srv as the bot once did. A request that
// fails now (it should not, on the same seed) is reported and skipped so
// one bad line cannot keep the demo from starting.
func replay(srv *syncrotest.Server, clock *replayClock, apiKey string, entries []entry) (failed int) {
	defer clock.at.Store(nil)
	for _, e := range entries {
		t := e.Time
		clock.at.Store(&t)
		target := syncrotest.APIPrefix + e.Path
		if e.Query != "" {
			target += "?" + e.Query
		}
		req := httptest.NewRequest(e.Method, target, strings.NewReader(e.Body))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 300 {
			failed++
		}
	}
	return failed
}

// recordMutations wraps the Syncro handler so every successful request
// that changes state is appended to j.
func recordMutations(h http.Handler, j *journal, clock *replayClock, onErr func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			h.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxJournalBody+1))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		now := clock.Now()
		h.ServeHTTP(sw, r)
		if sw.status >= 300 || len(body) > maxJournalBody {
			return
		}
		q := r.URL.Query()
		q.Del("api_key") // the key never reaches the disk
		e := entry{Time: now, Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, syncrotest.APIPrefix), Query: q.Encode(), Body: string(body)}
		if err := j.append(e); err != nil {
			onErr(err)
		}
	})
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush passes through, so streaming answers still stream.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
