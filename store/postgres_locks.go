package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lock implements Locks across replicas: a row of the locks table names
// its replica, and is taken over once that replica is gone and the work
// holding it can no longer write (inFlightFor after it took it), or the
// lease (LockLease) has run out. A waiter looks again every pgWaitPoll, and
// says at debug level that it waits, once.
func (s *Postgres) Lock(ctx context.Context, name string) (func(), error) {
	token := rand.Text()
	for waited := false; ; waited = true {
		got, err := s.tryLock(ctx, name, token)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		if got {
			return func() { s.unlock(name, token) }, nil
		}
		if !waited {
			s.cfg.logger.DebugContext(ctx, "waiting for a lock another holds", "lock", name, "replica", s.replica)
		}
		t := time.NewTimer(pgWaitPoll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("lock %s: %w", name, ctx.Err())
		}
	}
}

// tryLock takes name for token if it is free, or held by a replica that
// is gone, or held past the lease.
func (s *Postgres) tryLock(ctx context.Context, name, token string) (bool, error) {
	for {
		got, retry, err := s.tryLockOnce(ctx, name, token)
		if !retry || err != nil {
			return got, err
		}
	}
}

// tryLockOnce is one attempt of tryLock; retry says the lock was let go
// while it looked, so looking again at once may take it.
func (s *Postgres) tryLockOnce(ctx context.Context, name, token string) (got, retry bool, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		now := s.now()
		tag, err := tx.Exec(ctx, `INSERT INTO locks (name, holder, token, locked_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO NOTHING`, name, s.replica, token, now)
		if err != nil || tag.RowsAffected() == 1 {
			got = err == nil
			return err
		}
		var holder int32
		var at time.Time
		err = tx.QueryRow(ctx, `SELECT holder, locked_at FROM locks WHERE name = $1 FOR UPDATE`, name).Scan(&holder, &at)
		if errors.Is(err, pgx.ErrNoRows) {
			// Let go between the insert and this read: try again.
			retry = true
			return nil
		}
		if err != nil {
			return err
		}
		alive := holder == s.replica
		if !alive {
			if alive, err = s.replicaAlive(ctx, tx, holder); err != nil {
				return err
			}
		}
		if !alive {
			// Gone, or only cut off with the work holding the lock still
			// writing under it: that work began before it took the lock
			// (mayStillWrite). Taken at once, a retype on this replica
			// found the write unconfirmed and asked to write it again
			// while it was on its way
			// (TestE2E_Replicas_ARetypeWaitsForTheWriteOfAReplicaCutOffLongerThanTheGrace).
			if alive, err = s.mayStillWrite(ctx, tx, holder, at); err != nil {
				return err
			}
		}
		if alive && now.Sub(at) < LockLease {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE locks SET holder = $2, token = $3, locked_at = $4 WHERE name = $1`, name, s.replica, token, now)
		got = err == nil
		return err
	})
	return got, retry, err
}

// unlock lets go of name if token still holds it. One the database did
// not hear (a cut connection) is let go again as soon as it answers
// (settle), and meanwhile logged: the lock names this replica, which is
// alive, so until then every replica, this one too, would wait on work
// that ended, for as long as the lease (LockLease)
// (TestE2E_Replicas_ALockNotLetGoWhileCutOffIsLetGoOnceBack).
func (s *Postgres) unlock(name, token string) {
	const del = `DELETE FROM locks WHERE name = $1 AND token = $2`
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	if err == nil {
		_, err = q.Exec(ctx, del, name, token)
	}
	if unanswered(err) {
		err = s.settle("lock "+name+" "+token, func(ctx context.Context) error {
			_, err := s.pool.Exec(ctx, del, name, token)
			return err
		})
	}
	if err != nil {
		s.cfg.logger.Warn("lock not let go yet; let go once the database answers", "lock", name, "err", err)
	}
}
