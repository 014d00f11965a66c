package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the database file inside DATA_DIR.
const FileName = "syncrobot.db"

// schemaVersion is bumped when the on-disk layout changes incompatibly, so
// an older binary refuses a newer file instead of misreading it.
const schemaVersion = 1

// Retention and timing, in one place with their reasons.
const (
	// LockTimeout is how long Open waits for another holder of the file:
	// long enough to ride out a restart, short enough to fail fast.
	LockTimeout = time.Second
	// ClaimTTL is how long idempotency records are kept after their last
	// change; it covers Slack's retries and a technician repeating an
	// action days later from the same message. An older repeat is new work.
	ClaimTTL = 7 * 24 * time.Hour
	// PendingTimeout is how long a claim held by this process may stay
	// pending before it reads as ClaimUnknown, so a holder that died
	// without Complete or Fail does not block its key until restart. It is
	// far above a Syncro call with throttling and retries, so only a lost
	// holder reaches it.
	PendingTimeout = 15 * time.Minute
	// AuditRetention keeps a quarter of history for billing disputes.
	AuditRetention = 90 * 24 * time.Hour
	// FlowRetention keeps finished flows as long as the audit trail;
	// unfinished flows are never swept.
	FlowRetention = 90 * 24 * time.Hour
	// AnnouncedRetention outlasts the watcher's look-back window.
	AnnouncedRetention = 30 * 24 * time.Hour
	// ClosingMarkTTL bounds how long a closing mark (MarkClosing) keeps
	// the watcher off a ticket. A crash can leave a mark whose flow only
	// a Finish completes; the restart's Finish message gives its owner
	// this long to press it before the watcher announces the close as
	// made in Syncro, so a flow nobody finishes cannot hide a close for
	// good. The watcher rereads the held-back window each poll meanwhile.
	ClosingMarkTTL = time.Hour
	// RecentWriteWindow is how long a completed write is remembered
	// (RecentWrites): a person whose reply never came retypes within
	// minutes, while the same words typed later are new work.
	RecentWriteWindow = 10 * time.Minute
	// SweepInterval is how often a running bot sweeps (SweepEvery):
	// retention is counted in days, so an hour late costs nothing, and
	// each sweep is one short write transaction.
	SweepInterval = time.Hour
)

// Errors returned by the store; check them with errors.Is.
var (
	// ErrLocked means another process (or another Open in this process)
	// holds DATA_DIR; only one bot may run per data directory.
	ErrLocked = errors.New("store: database is locked by another syncrobot process using the same DATA_DIR")
	// ErrNotFound means the key, flow or entry does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrClosed means the store was used after Close.
	ErrClosed = errors.New("store: closed")
	// ErrInvalid means the caller passed an unusable argument.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrSchema means the file was written by a newer, incompatible version.
	ErrSchema = errors.New("store: unsupported schema version")
)

// Bucket names. Index buckets hold no data of their own, only keys that point
// into the bucket they index, and are written in the same transaction.
var (
	bucketMeta          = []byte("meta")
	bucketClaims        = []byte("claims")
	bucketFlows         = []byte("flows")
	bucketFlowsByTicket = []byte("flows_by_ticket")
	bucketAudit         = []byte("audit")
	bucketAuditByTicket = []byte("audit_by_ticket")
	bucketCursors       = []byte("cursors")
	bucketAnnounced     = []byte("announced")
	bucketClosing       = []byte("closing")
	bucketFlags         = []byte("flags")
	bucketRecent        = []byte("recent_writes")

	allBuckets = [][]byte{
		bucketMeta, bucketClaims, bucketFlows, bucketFlowsByTicket,
		bucketAudit, bucketAuditByTicket, bucketCursors, bucketAnnounced, bucketClosing, bucketFlags,
		bucketRecent,
		bucketChannelLinks, bucketTicketThreads, bucketThreadsByMessage, bucketThreadsByParent,
		bucketUnfurls,
		bucketTechs,
		bucketSubscriptions, bucketSubNotified,
		bucketSummarySettings, bucketSummarySent,
	}

	// retiredBuckets were written by earlier versions for features nothing
	// read (an index of unfinished flows, a lookup cache); Open drops them
	// so the file holds no stale data. An older binary recreates them
	// empty, which it tolerates.
	retiredBuckets = [][]byte{[]byte("flows_open"), []byte("cache")}
)

// Store is the open database. Create it with Open and release it with Close.
type Store struct {
	db   *bolt.DB
	path string
	cfg  config

	holders
	locks localLocks
}

type config struct {
	now func() time.Time
	// host is the host's own clock, which Postgres measures against the
	// database's (WithHostClock).
	host   func() time.Time
	logger *slog.Logger
	noSync bool
	// workTimeout bounds one piece of the bot's work (WithWorkTimeout).
	workTimeout time.Duration
}

// newConfig is the defaults with opts applied.
func newConfig(opts []Option) config {
	cfg := config{
		now:         time.Now,
		host:        time.Now,
		logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		workTimeout: maxWorkTimeout,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// Option configures Open and OpenPostgres.
type Option func(*config)

// WithClock injects the clock used for timestamps, expiry and sweeping, so
// tests control time instead of sleeping.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithHostClock injects the host's own clock, the one Postgres measures
// against the database's to learn how far off this host is (its skew):
// WithClock is time as the bot lives it, which a test moves forward to
// make time pass for everyone; this one is off only where the host's
// clock is. Without it, the real clock.
func WithHostClock(host func() time.Time) Option { return func(c *config) { c.host = host } }

// WithWorkTimeout sets how long one piece of the bot's work may run,
// Syncro's waits and retries included (WORK_TIMEOUT): a write another
// replica began may still reach Syncro until that long after it recorded
// the write's start (Postgres, in-flight writes). Without it the store
// assumes the longest WORK_TIMEOUT allows.
func WithWorkTimeout(d time.Duration) Option { return func(c *config) { c.workTimeout = d } }

// maxWorkTimeout is the longest WORK_TIMEOUT the configuration accepts
// (README, Configuration).
const maxWorkTimeout = 10 * time.Minute

// WithoutSync skips the fsync after each write, for tests that write and
// reopen a store thousands of times: a process that stops still leaves
// every committed write in the file, but a machine that loses power may
// not. Never for DATA_DIR.
func WithoutSync() Option { return func(c *config) { c.noSync = true } }

// WithLogger sets where the background sweeper reports failures.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Open opens (creating if needed) DATA_DIR/syncrobot.db, creates missing
// buckets and sweeps expired records. A new file is made whole before it
// takes the name, and an existing one is checked before bbolt maps it: a
// damaged file is refused with ErrDamaged instead of crashing the process. The directory is created 0o700 and the
// file is kept 0o600 because it holds customer and technician data.
func Open(dir string, opts ...Option) (*Store, error) {
	cfg := newConfig(opts)
	if dir == "" {
		return nil, fmt.Errorf("open store: empty DATA_DIR: %w", ErrInvalid)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: create %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := create(path, func(db *bolt.DB) error { return (&Store{db: db, cfg: cfg}).init() }); err != nil {
			return nil, err
		}
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      LockTimeout, // bbolt's 0 would wait forever
		FreelistType: bolt.FreelistMapType,
		NoSync:       cfg.noSync,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w (waited %s)", path, ErrLocked, LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// The file may predate us or have been copied in with looser bits.
	if err := os.Chmod(path, 0o600); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store: chmod %s: %w", path, err)
	}
	s := &Store{db: db, path: path, cfg: cfg, holders: holders{live: make(map[string]*holder)}}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if _, err := s.Sweep(s.now()); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// init creates the buckets (filling a new thread index from the file's
// older one, indexThreadsByParent), drops retired ones, the closing marks
// no Finish will settle (see MarkClosing) and a Syncro user's second tech
// match (dropSharedTechMatches), and checks the schema version, in one
// transaction.
func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		// Before allBuckets creates it empty.
		if err := indexThreadsByParent(tx); err != nil {
			return err
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		if err := s.dropClosingLeftovers(tx); err != nil {
			return err
		}
		if err := dropSharedTechMatches(tx); err != nil {
			return err
		}
		for _, name := range retiredBuckets {
			if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return fmt.Errorf("drop retired bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := meta.Get([]byte("schema"))
		if v == nil {
			return putJSON(meta, []byte("schema"), schemaVersion)
		}
		var got int
		if err := json.Unmarshal(v, &got); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if got > schemaVersion {
			return fmt.Errorf("%w: file has %d, this binary knows %d", ErrSchema, got, schemaVersion)
		}
		return nil
	})
}

// Close releases the file lock. Claims still pending are left on disk and
// will read as ClaimUnknown after the next Open; goroutines blocked in Wait
// are woken and get ErrClosed.
func (s *Store) Close() error {
	if !s.closeAll() {
		return nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.cfg.now().UTC() }

// update and view map bbolt's closed-database error to ErrClosed so callers
// need only our vocabulary.
func (s *Store) update(fn func(*bolt.Tx) error) error { return mapErr(s.db.Update(fn)) }
func (s *Store) view(fn func(*bolt.Tx) error) error   { return mapErr(s.db.View(fn)) }

func mapErr(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	return b.Put(key, data)
}

// getJSON decodes the value at key into v and reports whether it existed.
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %q: %w", key, err)
	}
	return true, nil
}

// u64 encodes n big-endian so byte order equals numeric order in bbolt.
func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

// timeKey orders times before the epoch (never expected) at the start.
func timeKey(t time.Time) []byte {
	n := t.UnixNano()
	if n < 0 {
		n = 0
	}
	return u64(uint64(n))
}

func concat(parts ...[]byte) []byte {
	var n int
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
