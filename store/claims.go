package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// KeyPrefix starts every key made by Key; the version lets the recipe change
// without colliding with old records.
const KeyPrefix = "k1_"

// KeyLen is the length of every key made by Key.
const KeyLen = len(KeyPrefix) + 2*sha256.Size

// maxKeyLen bounds caller-built keys; Key's output is far below it.
const maxKeyLen = 512

// Errors specific to claims; check them with errors.Is.
var (
	// ErrNotPending means Complete or Fail was called for a claim whose write
	// is already recorded as done; a done write is never undone, because
	// retrying it would bill twice.
	ErrNotPending = errors.New("store: claim is already done")
	// ErrIntentMismatch means the key was first claimed for a different
	// intent: the caller built colliding keys, so nothing may be written.
	ErrIntentMismatch = errors.New("store: key was claimed for a different intent")
)

// Key hashes parts (for example Slack team, action timestamp, business intent
// and ticket) into a fixed-length key. Each part is length-prefixed so
// ("ab","c") and ("a","bc") differ.
func Key(parts ...string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	return KeyPrefix + hex.EncodeToString(h.Sum(nil))
}

// ClaimState tells the caller of Claim what it may do.
type ClaimState int

const (
	// ClaimAcquired means this caller is the first: it must perform the
	// write and then call Complete or Fail.
	ClaimAcquired ClaimState = iota + 1
	// ClaimDone means the write already happened; Outcome holds what the
	// first caller recorded. Write nothing.
	ClaimDone
	// ClaimInProgress means another caller in this process holds the key
	// right now. Write nothing; Wait for its outcome or tell the user.
	ClaimInProgress
	// ClaimUnknown means a write was started but its outcome was never
	// recorded: the process died mid-write, or the holder outlived the
	// pending timeout. Read Syncro back; if the write is there call
	// Complete, otherwise Fail with retryable=true and Claim again.
	ClaimUnknown
	// ClaimFailed means the write failed; Failure says why. Claim returns it
	// only for definite, non-retryable failures (a retryable one is acquired
	// again instead); Lookup and Wait also report retryable ones.
	ClaimFailed
)

var claimStateNames = map[ClaimState]string{
	ClaimAcquired:   "acquired",
	ClaimDone:       "done",
	ClaimInProgress: "in progress",
	ClaimUnknown:    "outcome unknown",
	ClaimFailed:     "failed",
}

// String names the state for logs.
func (s ClaimState) String() string {
	if n, ok := claimStateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("ClaimState(%d)", int(s))
}

// Claim is one key's idempotency record as seen by a caller.
type Claim struct {
	Key   string
	State ClaimState
	// Intent is what the first caller said it would do, for messages such as
	// "already billed: 1.5 h on #1234".
	Intent string
	// Token identifies the holder; set only when State is ClaimAcquired.
	Token string
	// Attempts counts acquisitions, including retries after retryable Fails.
	Attempts int
	// Outcome is what Complete recorded (State ClaimDone).
	Outcome []byte
	// Failure and Retryable are what Fail recorded (State ClaimFailed).
	Failure   string
	Retryable bool
	ClaimedAt time.Time
	UpdatedAt time.Time
}

// Record states on disk. "pending" covers both in-progress and unknown: which
// one it is depends on whether this process still holds the token.
const (
	recPending = "pending"
	recDone    = "done"
	recFailed  = "failed"
)

type claimRecord struct {
	Intent    string    `json:"intent"`
	State     string    `json:"state"`
	Token     string    `json:"token,omitempty"`
	Attempts  int       `json:"attempts"`
	Outcome   []byte    `json:"outcome,omitempty"`
	Failure   string    `json:"failure,omitempty"`
	Retryable bool      `json:"retryable,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ClaimedAt time.Time `json:"claimed_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// holder is this process's handle on a pending claim; done is closed when
// the claim is completed, failed or the store closes, waking Wait.
type holder struct {
	token string
	done  chan struct{}
}

// errNoChange rolls back an Update that decided to write nothing, so no
// fsync is spent on it.
var errNoChange = errors.New("no change")

// Claim records that the caller is about to perform the write identified by
// key, unless an earlier caller already has. Exactly one caller per key gets
// ClaimAcquired; see ClaimState for what the others must do. Claim does not
// block on other holders; use Wait for that.
func (s *Store) Claim(ctx context.Context, key, intent string) (Claim, error) {
	if err := ctx.Err(); err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	if err := checkKey(key); err != nil {
		return Claim{}, fmt.Errorf("claim: %w", err)
	}
	// Fast path: repeats of a finished or running write need no write
	// transaction (and no fsync).
	var (
		c     Claim
		found bool
	)
	err := s.view(func(tx *bolt.Tx) error {
		var rec claimRecord
		ok, err := getJSON(tx.Bucket(bucketClaims), []byte(key), &rec)
		if err != nil || !ok {
			return err
		}
		c, found = s.classify(key, rec), true
		return nil
	})
	if err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	if found && c.State == ClaimUnknown {
		// The same stale-snapshot race as in Lookup: look again.
		if c, err = s.Lookup(key); err != nil {
			return Claim{}, fmt.Errorf("claim %s: %w", key, err)
		}
	}
	if found && !(c.State == ClaimFailed && c.Retryable) {
		return c, checkIntent(c, intent)
	}

	token := rand.Text()
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketClaims)
		var rec claimRecord
		ok, err := getJSON(b, []byte(key), &rec)
		if err != nil {
			return err
		}
		if ok {
			c = s.classify(key, rec)
			if !(c.State == ClaimFailed && c.Retryable) {
				return errNoChange // someone else won between our view and now
			}
			if err := checkIntent(c, intent); err != nil {
				return err
			}
		}
		now := s.now()
		if !ok {
			rec = claimRecord{Intent: intent, CreatedAt: now}
		}
		rec.State, rec.Token, rec.Attempts = recPending, token, rec.Attempts+1
		rec.ClaimedAt, rec.UpdatedAt = now, now
		rec.Outcome, rec.Failure, rec.Retryable = nil, "", false
		if err := putJSON(b, []byte(key), rec); err != nil {
			return err
		}
		// Register before commit: the next writer cannot run until we
		// commit, so it will always find the holder of a pending record.
		if err := s.hold(key, token); err != nil {
			return err
		}
		c = classifyRecord(key, rec, true)
		return nil
	})
	return s.claimed(c, err, key, intent, token)
}

// claimed is what Claim returns once its transaction ended with err: c
// acquired under token, or as another caller left it (errNoChange), or
// the error, the holder forgotten.
func (s *holders) claimed(c Claim, err error, key, intent, token string) (Claim, error) {
	switch {
	case errors.Is(err, errNoChange):
		return c, checkIntent(c, intent)
	case err != nil:
		s.forget(key, token)
		if errors.Is(err, ErrIntentMismatch) {
			return c, err // already names the key
		}
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	c.State, c.Token = ClaimAcquired, token
	return c, nil
}

// Complete records the outcome of the write claimed under key and releases
// it; later Claims for key get ClaimDone with this outcome. It also resolves
// a ClaimUnknown once a read-back found the write in Syncro. Completing twice
// with the same outcome is harmless.
func (s *Store) Complete(key string, outcome []byte) error {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketClaims)
		var rec claimRecord
		ok, err := getJSON(b, []byte(key), &rec)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		if rec.State == recDone {
			if bytes.Equal(rec.Outcome, outcome) {
				return errNoChange
			}
			return ErrNotPending
		}
		rec.State, rec.Token, rec.Outcome = recDone, "", outcome
		rec.Failure, rec.Retryable = "", false
		rec.UpdatedAt = s.now()
		return putJSON(b, []byte(key), rec)
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("complete claim %s: %w", key, err)
	}
	s.release(key)
	return nil
}

// Fail records that the write claimed under key did not happen. With
// retryable, the next Claim for key acquires it again (for a write that
// definitely did not reach Syncro); without, later Claims get ClaimFailed.
// A claim already done cannot be failed (ErrNotPending).
func (s *Store) Fail(key, errMsg string, retryable bool) error {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketClaims)
		var rec claimRecord
		ok, err := getJSON(b, []byte(key), &rec)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		if rec.State == recDone {
			return ErrNotPending
		}
		rec.State, rec.Token, rec.Failure, rec.Retryable = recFailed, "", errMsg, retryable
		rec.UpdatedAt = s.now()
		return putJSON(b, []byte(key), rec)
	})
	if err != nil {
		return fmt.Errorf("fail claim %s: %w", key, err)
	}
	s.release(key)
	return nil
}

// Lookup returns key's record without claiming it, or ErrNotFound.
func (s *Store) Lookup(key string) (Claim, error) {
	c, err := s.lookupOnce(key)
	if err == nil && c.State == ClaimUnknown {
		// A holder commits its outcome and only then releases the key, so
		// a snapshot taken just before that commit can show a pending
		// record whose holder is already gone. A fresh snapshot, taken
		// after we saw the holder gone, shows the committed outcome; a
		// record still pending then is truly unknown (crash or timeout).
		c, err = s.lookupOnce(key)
	}
	return c, err
}

func (s *Store) lookupOnce(key string) (Claim, error) {
	var c Claim
	err := s.view(func(tx *bolt.Tx) error {
		var rec claimRecord
		ok, err := getJSON(tx.Bucket(bucketClaims), []byte(key), &rec)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		c = s.classify(key, rec)
		return nil
	})
	if err != nil {
		return Claim{}, fmt.Errorf("look up claim %s: %w", key, err)
	}
	return c, nil
}

// Wait blocks while key is held by a live caller in this process and then
// returns the record as Lookup would (ClaimDone, ClaimFailed, ClaimUnknown).
// It is how a repeat that got ClaimInProgress learns the first outcome
// without writing anything. It returns at once if nobody holds key.
func (s *Store) Wait(ctx context.Context, key string) (Claim, error) {
	return s.waitFor(ctx, key, s.Lookup, 0)
}

// classify turns a stored record into what a caller sees.
func (s *Store) classify(key string, rec claimRecord) Claim {
	return classifyRecord(key, rec, s.holds(key, rec.Token) && s.now().Sub(rec.ClaimedAt) < PendingTimeout)
}

// classifyRecord is what a caller sees of rec; held says whether a live
// caller still holds a pending record.
func classifyRecord(key string, rec claimRecord, held bool) Claim {
	c := Claim{
		Key: key, Intent: rec.Intent, Attempts: rec.Attempts,
		Outcome: rec.Outcome, Failure: rec.Failure, Retryable: rec.Retryable,
		ClaimedAt: rec.ClaimedAt, UpdatedAt: rec.UpdatedAt,
	}
	switch rec.State {
	case recDone:
		c.State = ClaimDone
	case recFailed:
		c.State = ClaimFailed
	default:
		if held {
			c.State = ClaimInProgress
		} else {
			c.State = ClaimUnknown
		}
	}
	return c
}

// holders is the claims a process has handed out and not yet seen
// completed or failed (every backend keeps its own).
type holders struct {
	mu sync.Mutex
	// live holds the claims this process has handed out and not yet seen
	// completed or failed. A pending record whose token is not here was
	// left behind by an earlier process, so its outcome is unknown.
	live   map[string]*holder
	closed bool
}

// hold registers a caller as key's holder, before the transaction that
// records it commits, so nobody in this process finds the pending record
// without its holder.
func (s *holders) hold(key, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.live[key] = &holder{token: token, done: make(chan struct{})}
	return nil
}

// holds reports whether a caller in this process still holds key under
// token.
func (s *holders) holds(key, token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.live[key]
	return h != nil && h.token == token
}

// waitFor is Wait for any backend: lookup reads key's record; a holder in
// this process wakes the waiter when it releases the key, and a claim
// held elsewhere (another replica) is looked at again every poll (0: never
// held elsewhere).
func (s *holders) waitFor(ctx context.Context, key string, lookup func(string) (Claim, error), poll time.Duration) (Claim, error) {
	for {
		c, err := lookup(key)
		if err == nil && c.State == ClaimUnknown && s.isClosed() {
			// The lookup ran after Close forgot this process's holders
			// and before the database closed: the record is pending
			// because its holder was still at work, not gone.
			return c, fmt.Errorf("wait for claim %s: %w", key, ErrClosed)
		}
		if err != nil || c.State != ClaimInProgress {
			return c, err
		}
		s.mu.Lock()
		h := s.live[key]
		s.mu.Unlock()
		var (
			released <-chan struct{}
			again    <-chan time.Time
		)
		switch {
		case h != nil:
			released = h.done
		case poll <= 0:
			continue // released between lookup and here
		default:
			again = time.After(poll)
		}
		select {
		case <-released:
		case <-again:
		case <-ctx.Done():
			return c, fmt.Errorf("wait for claim %s: %w", key, ctx.Err())
		}
		// Close wakes every waiter before it closes the database; a
		// lookup in that gap would read a pending record with no holder
		// and call it unknown.
		if s.isClosed() {
			return c, fmt.Errorf("wait for claim %s: %w", key, ErrClosed)
		}
	}
}

// release wakes waiters once key's outcome is on disk.
func (s *holders) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.live[key]; h != nil {
		close(h.done)
		delete(s.live, key)
	}
}

// forget drops a holder whose claim never committed.
func (s *holders) forget(key, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.live[key]; h != nil && h.token == token {
		close(h.done)
		delete(s.live, key)
	}
}

// closeAll marks the set closed and wakes every waiter; it reports
// whether it was open.
func (s *holders) closeAll() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	for k, h := range s.live {
		close(h.done)
		delete(s.live, k)
	}
	return true
}

// isClosed reports whether closeAll ran.
func (s *holders) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func checkKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("%w: key must be 1..%d bytes, got %d", ErrInvalid, maxKeyLen, len(key))
	}
	return nil
}

func checkIntent(c Claim, intent string) error {
	if intent != "" && c.Intent != "" && intent != c.Intent {
		return fmt.Errorf("claim %s: %w (recorded %q, asked %q)", c.Key, ErrIntentMismatch, c.Intent, intent)
	}
	return nil
}

// sweepClaims deletes records not touched since cutoff, except claims this
// process still holds and the claims of unfinished flows' steps: a step cut
// off mid-write must still read as "outcome unknown" when someone presses
// Finish weeks later.
func (s *Store) sweepClaims(tx *bolt.Tx, cutoff time.Time) (int, error) {
	b := tx.Bucket(bucketClaims)
	keep, err := unfinishedStepKeys(tx)
	if err != nil {
		return 0, fmt.Errorf("sweep claims: %w", err)
	}
	return deleteStale(b, "claims", func(k []byte, rec claimRecord) bool {
		if !rec.UpdatedAt.Before(cutoff) || keep[string(k)] {
			return false
		}
		return !s.holds(string(k), rec.Token)
	})
}
