package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// pgCutProxy stands between one replica and PostgreSQL and reads the
// replica's side of the wire protocol, so a test can lose the server's
// answer to one COMMIT: the server has committed, and the replica only
// sees its connection drop (a network cut at the worst moment), which no
// retry may take for a statement the server never ran.
type pgCutProxy struct {
	mu sync.Mutex
	// sql arms the proxy: the commit of the nth transaction from arming
	// that ran a statement containing sql loses its answer.
	sql  string
	nth  int
	fate commitFate
	cut  chan struct{} // closed when it did
	// after, for a commit that comes late, is the statement whose Sync on
	// another connection lets it through; release is closed then.
	after   string
	release chan struct{}
}

// commitFate is what becomes of the COMMIT the armed proxy picks.
type commitFate int

const (
	// answerLost: the COMMIT reaches the server, which commits, and its
	// answer is dropped with the connection.
	answerLost commitFate = iota
	// neverSent: the connection drops before the COMMIT reaches the
	// server, which rolls the transaction back.
	neverSent
	// held: the COMMIT is kept from the server and the connection left
	// open, so the replica waits for the answer until it dies.
	held
	// late: the replica's side of the connection drops at once, and the
	// COMMIT reaches the server only after a statement the replica sends
	// next on another connection (commitLate).
	late
)

// startBehindCutProxy starts a replica on fx whose database connections
// go through a pgCutProxy of its own.
func (fx *e2eFakes) startBehindCutProxy(ctx context.Context, t *testing.T) (*e2eBot, *pgCutProxy) {
	t.Helper()
	p := &pgCutProxy{}
	b, _ := fx.startBehindProxy(ctx, t, p.install)
	return b, p
}

// install makes d relay through p.
func (p *pgCutProxy) install(d *dbProxy) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.relay = p.relay
}

// loseCommitAnswer arms p: the COMMIT of the nth transaction from now
// that runs a statement containing sql reaches the server, which commits
// it, and its answer is dropped with the connection. The channel is
// closed once that happened.
func (p *pgCutProxy) loseCommitAnswer(sql string, nth int) <-chan struct{} {
	return p.arm(sql, nth, answerLost)
}

// loseCommit arms p as loseCommitAnswer does, but the connection drops
// before the COMMIT reaches the server: the transaction never happened,
// and the replica cannot tell.
func (p *pgCutProxy) loseCommit(sql string, nth int) <-chan struct{} {
	return p.arm(sql, nth, neverSent)
}

// holdCommit arms p as loseCommitAnswer does, but the COMMIT is held:
// the replica waits for its answer for as long as it lives.
func (p *pgCutProxy) holdCommit(sql string, nth int) <-chan struct{} {
	return p.arm(sql, nth, held)
}

// commitLate arms p as loseCommitAnswer does, but the replica sees its
// connection drop before the COMMIT reaches the server, which commits
// only once the replica's next statement containing after was answered
// on another connection, or letLateCommitThrough is called (a statement
// waiting for the transaction is never answered before): the server read
// the COMMIT from its socket late.
func (p *pgCutProxy) commitLate(sql string, nth int, after string) <-chan struct{} {
	cut := p.arm(sql, nth, late)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.after, p.release = after, make(chan struct{})
	return cut
}

func (p *pgCutProxy) arm(sql string, nth int, fate commitFate) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sql, p.nth, p.fate, p.cut = sql, nth, fate, make(chan struct{})
	return p.cut
}

// releases reports whether statement lets a late commit through.
func (p *pgCutProxy) releases(statement string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.after != "" && strings.Contains(statement, p.after)
}

// letLateCommitThrough lets the late commit reach the server, once.
func (p *pgCutProxy) letLateCommitThrough() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.after != "" {
		p.after = ""
		close(p.release)
	}
}

// matches reports whether statement is one the armed proxy counts.
func (p *pgCutProxy) matches(statement string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sql != "" && strings.Contains(statement, p.sql)
}

// fire counts a commit of a marked transaction and reports whether it is
// the one picked, and its fate.
func (p *pgCutProxy) fire() (picked bool, fate commitFate) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sql == "" {
		return false, 0
	}
	if p.nth--; p.nth > 0 {
		return false, 0
	}
	p.sql = ""
	close(p.cut)
	return true, p.fate
}

// Frontend messages the proxy reads (PostgreSQL's protocol, "Message
// Formats"); the first message of a connection has no type byte.
const (
	pgSSLRequest    = 80877103
	pgGSSENCRequest = 80877104
	pgParse         = 'P'
	pgBind          = 'B'
	pgQuery         = 'Q'
	pgSync          = 'S'
)

// relay forwards c (the replica) to s (the server), reading c's messages
// to know which statements a transaction ran.
func (p *pgCutProxy) relay(c, s net.Conn) {
	var dropping, answerReleases atomic.Bool
	gone := make(chan struct{}) // the server's side is done
	go func() {
		defer func() { _ = c.Close(); _ = s.Close(); close(gone) }()
		buf := make([]byte, 32<<10)
		for {
			n, err := s.Read(buf)
			if n > 0 && dropping.Load() {
				return // the lost commit's answer
			}
			if n > 0 {
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
				if answerReleases.CompareAndSwap(true, false) {
					p.letLateCommitThrough() // the statement was done
				}
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() { _ = s.Close() }()
	r := bufio.NewReader(c)
	if !forwardStartup(r, s) {
		return
	}
	statements := preparedStatements{}
	marked, releasing := false, false
	for {
		typ, body, raw, err := readTyped(r)
		if err != nil {
			return
		}
		switch typ {
		case pgParse, pgBind:
			if sql := statements.read(typ, body); sql != "" {
				marked = marked || p.matches(sql)
				releasing = releasing || p.releases(sql)
			}
		case pgQuery:
			q, _ := cString(body)
			switch q = strings.TrimSpace(q); {
			case strings.EqualFold(q, "begin"):
				marked = false
			case strings.EqualFold(q, "commit") && marked:
				marked = false
				if picked, fate := p.fire(); picked {
					dropping.Store(true)
					switch fate {
					case answerLost:
						// The server's answer, read and dropped above,
						// closes both sides: the COMMIT was done first.
						_, _ = s.Write(raw)
						_, _ = io.Copy(io.Discard, r)
					case neverSent:
						_ = c.Close()
					case held:
						// Until the replica's end closes its side; the
						// server then rolls the transaction back.
						_, _ = io.Copy(io.Discard, r)
					case late:
						_ = c.Close()
						<-p.release
						_, _ = s.Write(raw)
						<-gone // the COMMIT's answer, dropped
					}
					return
				}
			default:
				marked = marked || p.matches(q)
			}
		}
		if _, err := s.Write(raw); err != nil {
			return
		}
		if typ == pgSync && releasing {
			releasing = false
			answerReleases.Store(true)
		}
	}
}

// forwardStartup forwards the replica's messages from r to s up to its
// startup message, the last without a type byte; it reports whether it
// got there.
func forwardStartup(r io.Reader, s net.Conn) bool {
	for {
		raw, err := readUntyped(r)
		if err != nil {
			return false
		}
		if _, err := s.Write(raw); err != nil {
			return false
		}
		if code := binary.BigEndian.Uint32(raw[4:8]); code != pgSSLRequest && code != pgGSSENCRequest {
			return true
		}
	}
}

// preparedStatements are a connection's statements by name, as its
// Parse messages named them.
type preparedStatements map[string]string

// read records the statement a Parse message (typ) prepares, and returns
// the SQL of the statement a Bind message runs ("" for any other).
func (ps preparedStatements) read(typ byte, body []byte) string {
	switch typ {
	case pgParse:
		name, rest := cString(body)
		ps[name], _ = cString(rest)
	case pgBind:
		_, rest := cString(body)
		name, _ := cString(rest)
		return ps[name]
	}
	return ""
}

// readUntyped reads a message without a type byte (the startup's).
func readUntyped(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n < 8 || n > 1<<20 {
		return nil, io.ErrUnexpectedEOF
	}
	raw := make([]byte, n)
	copy(raw, hdr[:])
	_, err := io.ReadFull(r, raw[4:])
	return raw, err
}

// readTyped reads one typed message: its type, body, and all its bytes.
func readTyped(r io.Reader) (typ byte, body, raw []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n < 4 || n > 1<<30 {
		return 0, nil, nil, io.ErrUnexpectedEOF
	}
	raw = make([]byte, 1+n)
	copy(raw, hdr[:])
	if _, err := io.ReadFull(r, raw[5:]); err != nil {
		return 0, nil, nil, err
	}
	return hdr[0], raw[5:], raw, nil
}

// cString splits a NUL-terminated string off b.
func cString(b []byte) (string, []byte) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return string(b), nil
	}
	return string(b[:i]), b[i+1:]
}
