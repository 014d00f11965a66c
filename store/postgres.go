package store

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the bot's state in a PostgreSQL database (DATABASE_URL),
// shared by every replica that opens the same database: a claim, a flow
// or an announcement made by one is seen by all, in the same protocol as
// the bbolt Store (doc.go). Create it with OpenPostgres and release it
// with Close.
//
// Each Postgres is one replica. It holds a session advisory lock for as
// long as it is open, on a connection of its own; a pending claim names
// its replica, and reads as in progress to the others while that lock is
// held and as unknown once the replica is gone: it closed its store, or
// its connection closed (the process was killed, or lost the server) and
// it has not taken it back within AdoptGrace (replicaAlive).
type Postgres struct {
	pool *pgxpool.Pool
	// life holds the replica's advisory lock; closing it releases the lock.
	// keepAlive owns it once start returns: lifeMu guards the swap when the
	// session is lost and taken again.
	lifeMu  sync.Mutex
	life    *pgx.Conn
	replica int32
	cfg     config
	// stop ends keepAlive; stopped is closed when it returned.
	stop, stopped chan struct{}
	// lost holds, by key, what this replica could not record of its own
	// claims, until settle has.
	lostMu  sync.Mutex
	lost    map[string]lostRecord
	lostSeq int
	// clock is the host's skew as last measured, with the clocks read
	// then (measureSkew); now subtracts Skew.
	clock atomic.Pointer[skewMark]

	holders
}

// ErrHeld means Fail was called for a claim another live replica holds:
// the caller, which did not acquire it, read a stale "unknown", and
// failing the claim now could let the write happen twice.
var ErrHeld = errors.New("store: claim is held by another replica")

// Advisory lock spaces: the first key of pg_advisory_lock(int, int), so
// the bot's locks never collide with another application's in the same
// database. The second key is the replica, the schema or the ticket.
const (
	lockMigrate int32 = 0x5379_0001 // applying migrations, per schema
	lockReplica int32 = 0x5379_0002 // a replica is alive, per replica
	lockTicket  int32 = 0x5379_0003 // one ticket's announcement marks, per transaction
	lockLeader  int32 = 0x5379_0004 // the single-replica jobs' leader, per schema and job
	lockAdopt   int32 = 0x5379_0005 // adopting one flow, per transaction
)

// Timing of the PostgreSQL backend.
const (
	// pgOpTimeout bounds one store operation whose caller passes no
	// context (Complete, Fail, …): each is a transaction of a few rows.
	pgOpTimeout = 30 * time.Second
	// pgWaitPoll is how often Wait looks again at a claim another replica
	// holds: a Syncro write takes longer, and a look is one indexed read.
	pgWaitPoll = 100 * time.Millisecond
	// lifeCheck is how often a replica checks the session holding its
	// lock: a lost one is taken again within this.
	lifeCheck = 5 * time.Second
	// pgMaxConns bounds the pool; a replica runs at most a few dozen
	// store operations at once, each short.
	pgMaxConns = 16
)

// AdoptGrace is how long a replica must have been gone from PostgreSQL
// before another adopts its flows (Flows.OrphanedFlows, AdoptFlow), reads
// its pending claims as unknown or takes its locks (replicaAlive). A live
// replica whose session dropped for a moment was last seen (seeReplica) at
// most one lifeCheck before and takes its session back at its next check,
// so two lifeChecks cover a moment's cut. A replica that closed its store
// needs no grace.
const AdoptGrace = 2 * lifeCheck

// inFlightFor is how long after another replica recorded the start of a
// Syncro write (its claim, Flows.PrepareStep) that write may still land
// there, on this replica's clock, when that replica's WORK_TIMEOUT is
// work (WithWorkTimeout, as it recorded it: workFlag): the work sending
// it ends within work of its start, which came before the record, its
// 429 retries and the HTTP timeout included; AdoptGrace more covers a
// request Syncro is still at when its sender gave up on it. A replica
// taken for gone may be one cut off the database, still alive and its
// write on its way: until then its pending claim reads as in progress
// and its flow with a step in doubt is not adopted, else another read
// Syncro back before the write landed and sent it a second time
// (TestE2E_Replicas_ABillOfAReplicaCutOffLongerThanTheGraceIsNotWrittenTwice).
// It is the writer's WORK_TIMEOUT, not this replica's: measured by a
// shorter one of this replica's (a rolling change of the variable), a
// write still on its way was taken for ended
// (TestE2E_Replicas_AWriteOfAReplicaWithALongerWorkTimeoutIsNotSentTwice).
func inFlightFor(work time.Duration) time.Duration { return work + AdoptGrace }

// workFlag prefixes the flag in which each replica records its
// WORK_TIMEOUT (WithWorkTimeout), for the others' inFlightFor: workFlag +
// replica id. A replica without one (of an earlier version) may take the
// longest WORK_TIMEOUT allows.
const workFlag = "replica-work-timeout/"

// mayStillWrite reports whether the replica whose id is replica may still
// have a write on its way that it recorded at began: it did not close its
// store (which it does once its work ended, deleting its row of
// replicas), and began is less than inFlightFor its WORK_TIMEOUT ago.
func (s *Postgres) mayStillWrite(ctx context.Context, q querier, replica int32, began time.Time) (bool, error) {
	ago := s.now().Sub(began)
	if ago >= inFlightFor(maxWorkTimeout) {
		return false, nil
	}
	var unclosed bool
	var work *string
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM replicas WHERE id = $1), (SELECT value FROM flags WHERE name = $2)`,
		replica, workFlag+strconv.Itoa(int(replica))).Scan(&unclosed, &work)
	if err != nil {
		return false, fmt.Errorf("check replica %d: %w", replica, err)
	}
	theirs := maxWorkTimeout
	if work != nil {
		if d, err := time.ParseDuration(*work); err == nil && d > 0 && d < theirs {
			theirs = d
		}
	}
	return unclosed && ago < inFlightFor(theirs), nil
}

//go:embed migrations/*.sql
var migrations embed.FS

// OpenPostgres connects to the database at url (postgres://…), applies the
// migrations this binary knows under an advisory lock (so replicas
// starting together migrate once), takes the replica's lock and drops the
// closing marks no pass will settle. The schema is the connection's
// search_path (public unless the URL sets it). A database migrated by a
// newer binary is accepted: migrations only add, so an older replica keeps
// working beside a newer one during a rolling upgrade (README).
func OpenPostgres(ctx context.Context, url string, opts ...Option) (*Postgres, error) {
	cfg := newConfig(opts)
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", redactURLError(err))
	}
	pcfg.MaxConns = pgMaxConns
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", redactURLError(err))
	}
	s := &Postgres{pool: pool, cfg: cfg, holders: holders{live: map[string]*holder{}},
		stop: make(chan struct{}), stopped: make(chan struct{}), lost: map[string]lostRecord{}}
	if err := s.start(ctx, pcfg.ConnConfig); err != nil {
		close(s.stopped)
		s.closeConns()
		return nil, fmt.Errorf("open database %s: %w", pcfg.ConnConfig.Host, err)
	}
	go s.keepAlive(pcfg.ConnConfig)
	return s, nil
}

// keepAlive checks the replica's session every lifeCheck and, when it was
// lost (the server restarted, the network dropped it), connects again
// and takes the same replica lock back, so this replica's pending claims
// read as in progress again to the others. Until then they read as
// unknown there: a write of this replica in flight meanwhile may be read
// back by another, which is why a lost session is logged as an error.
func (s *Postgres) keepAlive(cc *pgx.ConnConfig) {
	defer close(s.stopped)
	tick := time.NewTicker(lifeCheck)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), lifeCheck)
		s.lifeMu.Lock()
		err := s.life.Ping(ctx)
		if err != nil {
			s.cfg.logger.Error("lost the database session that says this replica is alive; taking it again", "replica", s.replica, "err", err)
			_ = s.life.Close(ctx)
			if err = s.retake(ctx, cc); err != nil {
				s.cfg.logger.Error("could not take the replica's session again; trying at the next check", "replica", s.replica, "err", err)
			}
		}
		s.lifeMu.Unlock()
		if err == nil {
			if _, err := s.measureSkew(ctx); err != nil {
				s.cfg.logger.Warn("could not compare this host's clock with the database's", "replica", s.replica, "err", err)
			}
			if err := s.seeReplica(ctx); err != nil {
				s.cfg.logger.Warn("could not record that this replica is alive", "replica", s.replica, "err", err)
			}
			s.settleLost(ctx)
		}
		cancel()
	}
}

// retake connects a new session and takes this replica's lock on it.
// Called with lifeMu held.
func (s *Postgres) retake(ctx context.Context, cc *pgx.ConnConfig) error {
	life, err := pgx.ConnectConfig(ctx, cc.Copy())
	if err != nil {
		return err
	}
	var got bool
	if err := life.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockReplica, s.replica).Scan(&got); err != nil || !got {
		_ = life.Close(ctx)
		if err == nil {
			err = fmt.Errorf("replica id %d is taken", s.replica)
		}
		return err
	}
	s.life = life
	s.cfg.logger.Info("took the replica's database session again", "replica", s.replica)
	return nil
}

// start migrates, takes the replica lock and tidies the closing marks.
func (s *Postgres) start(ctx context.Context, cc *pgx.ConnConfig) error {
	if err := migrate(ctx, s.pool, s.cfg); err != nil {
		return err
	}
	life, err := pgx.ConnectConfig(ctx, cc.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	s.life = life
	for s.replica == 0 {
		id := randomInt31()
		var got bool
		if err := life.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockReplica, id).Scan(&got); err != nil {
			return fmt.Errorf("take the replica lock: %w", err)
		}
		if got {
			s.replica = id
		}
	}
	if err := s.measureSkewAtOpen(ctx); err != nil {
		return err
	}
	if err := s.seeReplica(ctx); err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO flags (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, workFlag+strconv.Itoa(int(s.replica)), s.cfg.workTimeout.String())
	if err != nil {
		return fmt.Errorf("record the work timeout: %w", err)
	}
	_, err = s.pool.Exec(ctx, `DELETE FROM closing c WHERE c.marked_at < $1
		OR NOT EXISTS (SELECT 1 FROM flows f WHERE f.id = c.flow AND NOT f.finished)`, s.now().Add(-ClosingMarkTTL))
	if err != nil {
		return fmt.Errorf("drop closing marks: %w", err)
	}
	if _, err := s.Sweep(s.now()); err != nil {
		return err
	}
	return nil
}

// randomInt31 is a random positive int32, a replica's id.
func randomInt31() int32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return int32(binary.BigEndian.Uint32(b[:])&0x7fff_ffff) | 1
}

// Migration is one versioned step of the PostgreSQL schema, embedded in
// the binary (store/migrations/NNNN_name.sql).
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the migrations this binary knows, oldest first.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name must be NNNN_name.sql", e.Name())
		}
		sql, err := migrations.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(sql)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	if err := checkMigrationVersions(out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkMigrationVersions refuses versions that are not 1, 2, 3… each once:
// two branches that each add "0003_…" would otherwise both land, and a
// database that applied one would silently skip the other.
func checkMigrationVersions(sorted []Migration) error {
	for i, m := range sorted {
		if m.Version != i+1 {
			return fmt.Errorf("migration %04d_%s: versions must run 1, 2, 3… each once; want %04d here", m.Version, m.Name, i+1)
		}
	}
	return nil
}

// migrate applies the missing migrations in one transaction, under a
// transaction advisory lock on the schema, so replicas starting together
// apply each once and none reads a half-made schema.
func migrate(ctx context.Context, pool *pgxpool.Pool, cfg config) error {
	all, err := Migrations()
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, lockMigrate); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`); err != nil {
			return err
		}
		applied, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range all {
			if applied[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, cfg.now().UTC()); err != nil {
				return err
			}
			cfg.logger.Info("database migrated", "version", m.Version, "name", m.Name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// appliedVersions reads schema_migrations.
func appliedVersions(ctx context.Context, q querier) (map[int]bool, error) {
	rows, err := q.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	applied := map[int]bool{}
	for _, v := range vs {
		applied[int(v)] = true
	}
	return applied, nil
}

// PostgresHealth is what CheckPostgres found, one field per question
// `bot -check` asks; a nil error is a pass.
type PostgresHealth struct {
	// Server is the server's version string, once reached.
	Server string
	// Reachable is the error of connecting.
	Reachable error
	// Missing lists the migrations this binary knows that the database
	// has not applied (the bot applies them at start).
	Missing []Migration
	// Writable is the error of a write to the bot's tables, rolled back.
	Writable error
}

// CheckPostgres connects to url and reports whether the server answers,
// the schema is migrated and the bot's tables take a write. It changes
// nothing: the write is rolled back, and a missing migration is reported,
// not applied.
func CheckPostgres(ctx context.Context, url string) PostgresHealth {
	var h PostgresHealth
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		h.Reachable = redactURLError(err)
		return h
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&h.Server); err != nil {
		h.Reachable = err
		return h
	}
	all, err := Migrations()
	if err != nil {
		h.Writable = err
		return h
	}
	var applied map[int]bool
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		h.Writable = err
		return h
	}
	if exists {
		if applied, err = appliedVersions(ctx, conn); err != nil {
			h.Writable = err
			return h
		}
	}
	for _, m := range all {
		if !applied[m.Version] {
			h.Missing = append(h.Missing, m)
		}
	}
	if len(h.Missing) > 0 {
		// The tables may not be there yet; write where the bot would
		// create them instead.
		h.Writable = checkWrite(ctx, conn, `CREATE TABLE syncrobot_check (x int)`)
		return h
	}
	h.Writable = checkWrite(ctx, conn, `INSERT INTO flags (name, value) VALUES ('syncrobot-check', 'x')
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`)
	return h
}

// checkWrite runs sql in a transaction it rolls back.
func checkWrite(ctx context.Context, conn *pgx.Conn, sql string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	_, err = tx.Exec(ctx, sql)
	return err
}

// redactURLError keeps a connection string's password out of an error:
// pgx's parse errors quote the string they could not parse.
func redactURLError(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("DATABASE_URL is not a valid postgres:// URL or connection string")
	}
	return err
}

// Close releases the replica's lock and the connections. Claims still
// pending read as ClaimUnknown to the other replicas from then on;
// goroutines blocked in Wait are woken and get ErrClosed.
func (s *Postgres) Close() error {
	if s.closeAll() {
		s.closeConns()
	}
	return nil
}

func (s *Postgres) closeConns() {
	select {
	case <-s.stopped:
	default:
		close(s.stop)
		<-s.stopped
	}
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.life != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		// Unlock first: the server drops a closed session's locks only
		// once its backend notices, and a replica starting right after
		// must find this one gone.
		_, _ = s.life.Exec(ctx, `SELECT pg_advisory_unlock_all()`)
		// A replica stopped on purpose is gone for good: its flows need no
		// grace (AdoptGrace) before another adopts them.
		_, _ = s.life.Exec(ctx, `DELETE FROM replicas WHERE id = $1`, s.replica)
		_, _ = s.life.Exec(ctx, `DELETE FROM flags WHERE name = $1`, workFlag+strconv.Itoa(int(s.replica)))
		_ = s.life.Close(ctx)
		cancel()
	}
	s.pool.Close()
}

// Replica is this replica's id, as pending claims record it.
func (s *Postgres) Replica() int32 { return s.replica }

// querier is what a transaction and the pool share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// opCtx bounds an operation whose caller passed no context.
func opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), pgOpTimeout)
}

// tx runs fn in a transaction, committed when fn returns nil; errNoChange
// rolls back and is returned as it is. A transaction that could not begin
// on a lost connection (lostConn) begins once more on a fresh one: fn had
// not run, and the server had seen nothing of it.
func (s *Postgres) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	if s.isClosed() {
		return ErrClosed
	}
	ran := false
	run := func(tx pgx.Tx) error { ran = true; return fn(tx) }
	err := pgx.BeginFunc(ctx, s.pool, run)
	if !ran && s.lostConn(err) {
		err = pgx.BeginFunc(ctx, s.pool, run)
	}
	return err
}

// q is the pool, trying each statement the server never saw once more
// (retryingPool), or ErrClosed after Close.
func (s *Postgres) q() (querier, error) {
	if s.isClosed() {
		return nil, ErrClosed
	}
	return retryingPool{s}, nil
}

// lostConn reports whether err says a statement's connection was lost
// before the server ran it, so trying it again cannot do it twice: it
// never reached the server, or the server's answer was that it had ended
// the session (a shutdown or restart: admin_shutdown, crash_shutdown),
// which rolls back whatever the session had not committed. It then closes
// every pooled connection. After a database restart each pooled
// connection is dead until used once (pgxpool pings only those idle for
// more than a second): without this, the first store operation on each
// failed, and a person's write was refused though the database was back
// (TestE2E_Replicas_ADatabaseRestartUnderBothReplicas).
func (s *Postgres) lostConn(err error) bool {
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return false
	case pgconn.SafeToRetry(err):
	case errors.As(err, &pe) && (pe.Code == sqlstateAdminShutdown || pe.Code == sqlstateCrashShutdown):
	default:
		return false
	}
	s.pool.Reset()
	return true
}

// SQLSTATEs of a session the server ended (PostgreSQL's errcodes.txt,
// class 57).
const (
	sqlstateAdminShutdown = "57P01"
	sqlstateCrashShutdown = "57P02"
)

// retryingPool is the pool, running a statement once more on a fresh
// connection when its own was lost before the statement reached the
// server (lostConn).
type retryingPool struct{ s *Postgres }

func (r retryingPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return retryLost(r.s, func() (pgconn.CommandTag, error) { return r.s.pool.Exec(ctx, sql, args...) })
}

func (r retryingPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return retryLost(r.s, func() (pgx.Rows, error) { return r.s.pool.Query(ctx, sql, args...) })
}

func (r retryingPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return retryingRow{r: r, ctx: ctx, sql: sql, args: args}
}

// retryingRow is QueryRow's row: the statement runs at Scan, which is
// where its error is known.
type retryingRow struct {
	r    retryingPool
	ctx  context.Context
	sql  string
	args []any
}

func (w retryingRow) Scan(dest ...any) error {
	_, err := retryLost(w.r.s, func() (struct{}, error) {
		return struct{}{}, w.r.s.pool.QueryRow(w.ctx, w.sql, w.args...).Scan(dest...)
	})
	return err
}

// retryLost runs a statement, and once more when its connection was lost
// before the server ran it (lostConn).
func retryLost[T any](s *Postgres, run func() (T, error)) (T, error) {
	v, err := run()
	if s.lostConn(err) {
		v, err = run()
	}
	return v, err
}

// replicaAliveSQL is the condition that the replica whose id is the SQL
// expression id holds its advisory lock in this database.
func replicaAliveSQL(id string) string {
	return `EXISTS (SELECT 1 FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND l.classid::bigint = ` + strconv.Itoa(int(lockReplica)) + ` AND l.objid::bigint = ` + id + `)`
}

// replicaGoneSQL is the condition that the replica whose id is the SQL
// expression id is gone and was last seen (seeReplica) at or before the SQL
// expression seenBefore, or never: a replica only just seen gone may be
// one whose session dropped for a moment and is being taken back.
func replicaGoneSQL(id, seenBefore string) string {
	return `NOT ` + replicaAliveSQL(id) + ` AND NOT EXISTS (SELECT 1 FROM replicas r
		WHERE r.id = ` + id + ` AND r.seen_at > ` + seenBefore + `)`
}

// seeReplica records that this replica holds its session now, as
// replicaGoneSQL reads it.
func (s *Postgres) seeReplica(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO replicas (id, seen_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at`, s.replica, s.now())
	if err != nil {
		return fmt.Errorf("record replica %d alive: %w", s.replica, err)
	}
	return nil
}

// replicaAlive reports whether replica holds its advisory lock in this
// database, or lost it no more than AdoptGrace after it was last seen
// (seeReplica): a replica whose session the server dropped (a database
// restart, a network cut) takes it back at its next lifeCheck, and until
// then its pending claims and its locks are still its own. Without the
// grace, right after a database restart each replica read the other's
// claims as left by a dead replica, ran the same bill beside it and told
// the person "nothing was billed" while the other billed it
// (TestE2E_Replicas_ADatabaseRestartUnderBothReplicas).
func (s *Postgres) replicaAlive(ctx context.Context, q querier, replica int32) (bool, error) {
	var gone bool
	err := q.QueryRow(ctx, `SELECT `+replicaGoneSQL("$1", "$2"), replica, s.now().Add(-AdoptGrace)).Scan(&gone)
	if err != nil {
		return false, fmt.Errorf("check replica %d: %w", replica, err)
	}
	return !gone, nil
}

// Sweep removes records past their retention as of now, on the store's
// clock (WithClock's less Skew), as the bbolt Store's Sweep does, in one transaction. A
// claim pending under a live replica stays.
func (s *Postgres) Sweep(now time.Time) (Swept, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var n Swept
	err := s.tx(ctx, func(tx pgx.Tx) error {
		unfinished, err := pgFlows(ctx, tx, `WHERE NOT finished`)
		if err != nil {
			return err
		}
		// Never nil: key = ANY(NULL) is NULL, which would keep every row.
		keep := append([]string{}, slices.Collect(maps.Keys(stepKeys(unfinished)))...)
		s.mu.Lock()
		for k := range s.live {
			keep = append(keep, k)
		}
		s.mu.Unlock()
		count := func(dst *int, sql string, args ...any) error {
			if err != nil {
				return err
			}
			tag, e := tx.Exec(ctx, sql, args...)
			*dst, err = int(tag.RowsAffected()), e
			return err
		}
		_ = count(&n.Claims, `DELETE FROM claims c WHERE c.updated_at < $1 AND NOT (c.key = ANY($2))
			AND NOT (c.state = 'pending' AND c.holder <> $3 AND `+replicaAliveSQL("c.holder")+`)`,
			now.Add(-ClaimTTL), keep, s.replica)
		_ = count(&n.Flows, `DELETE FROM flows WHERE finished AND updated_at < $1`, now.Add(-FlowRetention))
		_ = count(&n.Audit, `DELETE FROM audit WHERE at < $1`, now.Add(-AuditRetention))
		_ = count(&n.Announced, `DELETE FROM announced WHERE announced_at < $1`, now.Add(-AnnouncedRetention))
		_ = count(&n.Recent, `DELETE FROM recent_writes WHERE at <= $1`, now.Add(-RecentWriteWindow))
		return count(&n.Unfurls, `DELETE FROM unfurls WHERE at <= $1`, now.Add(-UnfurlWindow))
	})
	if err != nil {
		return Swept{}, fmt.Errorf("sweep store: %w", err)
	}
	return n, nil
}

// SweepEvery runs Sweep every interval until ctx is done, as the bbolt
// Store's does. Every replica may sweep: each sweep is one transaction of
// deletes, and two at once delete each record once.
func (s *Postgres) SweepEvery(ctx context.Context, interval time.Duration) error {
	return sweepEvery(ctx, interval, s.cfg, s.now, s.Sweep)
}
