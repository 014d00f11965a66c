package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Claims on PostgreSQL: the same protocol as claims.go. The row lock of a
// claim (SELECT … FOR UPDATE) orders the callers of every replica, so one
// acquires; a pending claim is in progress while its replica is alive
// (replicaAlive) and, in the replica that made it, while its caller has
// not completed or failed it.

const claimColumns = `intent, state, token, holder, attempts, outcome, failure, retryable, created_at, claimed_at, updated_at`

// getClaim reads key's record; lock takes its row lock for the
// transaction.
func getClaim(ctx context.Context, q querier, key string, lock bool) (rec claimRecord, holder int32, ok bool, err error) {
	sql := `SELECT ` + claimColumns + ` FROM claims WHERE key = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	err = q.QueryRow(ctx, sql, key).Scan(&rec.Intent, &rec.State, &rec.Token, &holder, &rec.Attempts, &rec.Outcome,
		&rec.Failure, &rec.Retryable, &rec.CreatedAt, &rec.ClaimedAt, &rec.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return claimRecord{}, 0, false, nil
	}
	if err != nil {
		return claimRecord{}, 0, false, err
	}
	rec.CreatedAt, rec.ClaimedAt, rec.UpdatedAt = rec.CreatedAt.UTC(), rec.ClaimedAt.UTC(), rec.UpdatedAt.UTC()
	return rec, holder, true, nil
}

// classify turns a stored record into what a caller sees. PendingTimeout
// ends only this replica's own claims, whose holders it sees. Another
// replica's claim is in progress for as long as that replica is alive,
// whatever the time: this replica cannot see whether its write is still
// at Syncro, and its clock is not the holder's. Taking such a claim for
// one left in doubt once PendingTimeout had passed on this replica's
// clock read Syncro back while the holder's write was still on its way,
// and wrote it a second time
// (TestE2E_Replicas_DoubleClickAsTheClaimExpiresWritesOnce). A claim its
// live replica could not record the outcome of is settled by that
// replica, which no longer holds it.
func (s *Postgres) classify(ctx context.Context, q querier, key string, rec claimRecord, holder int32) (Claim, error) {
	held := false
	switch {
	case rec.State != recPending:
	case holder == s.replica:
		held = s.holds(key, rec.Token) && s.now().Sub(rec.ClaimedAt) < PendingTimeout
	default:
		var err error
		if held, err = s.replicaAlive(ctx, q, holder); err != nil {
			return Claim{}, err
		}
	}
	return classifyRecord(key, rec, held), nil
}

// Claim implements Claims.
func (s *Postgres) Claim(ctx context.Context, key, intent string) (Claim, error) {
	if err := ctx.Err(); err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	if err := checkKey(key); err != nil {
		return Claim{}, fmt.Errorf("claim: %w", err)
	}
	// Fast path, as in the bbolt Store: a repeat of a finished or running
	// write needs no transaction (a row lock is a write the commit waits
	// to flush).
	switch c, err := s.Lookup(key); {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	case !(c.State == ClaimFailed && c.Retryable):
		return c, checkIntent(c, intent)
	}
	token := rand.Text()
	var c Claim
	wrote := false // the transaction holds a pending record of token
	err := s.tx(ctx, func(tx pgx.Tx) error {
		now := s.now()
		tag, err := tx.Exec(ctx, `INSERT INTO claims (key, intent, state, token, holder, attempts, created_at, claimed_at, updated_at)
			VALUES ($1, $2, 'pending', $3, $4, 1, $5, $5, $5) ON CONFLICT (key) DO NOTHING`, key, intent, token, s.replica, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			wrote = true
			c = Claim{Key: key, Intent: intent, Attempts: 1, ClaimedAt: now, UpdatedAt: now}
			return s.hold(key, token)
		}
		rec, holder, _, err := getClaim(ctx, tx, key, true)
		if err != nil {
			return err
		}
		if c, err = s.classify(ctx, tx, key, rec, holder); err != nil {
			return err
		}
		if !(c.State == ClaimFailed && c.Retryable) {
			return errNoChange
		}
		if err := checkIntent(c, intent); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE claims SET state = 'pending', token = $2, holder = $3, attempts = attempts + 1,
			claimed_at = $4, updated_at = $4, outcome = NULL, failure = '', retryable = false WHERE key = $1`,
			key, token, s.replica, now)
		if err != nil {
			return err
		}
		wrote = true
		c.Attempts++
		c.ClaimedAt, c.UpdatedAt = now, now
		c.Outcome, c.Failure, c.Retryable = nil, "", false
		return s.hold(key, token)
	})
	if err != nil && wrote && !errors.Is(err, errNoChange) {
		s.unclaim(key, token)
	}
	return s.claimed(c, err, key, intent, token)
}

// unclaim fails, retryably, the pending record of token a Claim wrote but
// could not confirm: its COMMIT may have reached the server, which then
// committed it, with the answer lost on the way back (a connection cut at
// that moment). Its caller was told the claim failed and writes nothing,
// but the record names this replica, which is alive: the other replicas
// would read it as this replica's write in progress for as long as it
// lives, and a Finish there would wait on it in vain
// (TestE2E_Replicas_AStepWhoseClaimAnswerWasLostIsFinishedOnTheOther). A
// record the server never committed is not there, and nothing changes.
// When the database does not answer now, keepAlive tries again at each
// lifeCheck.
func (s *Postgres) unclaim(key, token string) {
	s.lostMu.Lock()
	s.lost[key] = token
	s.lostMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), lifeCheck)
	defer cancel()
	s.settleLost(ctx)
}

// settleLost fails, retryably, the records unclaim was given, and forgets
// those it settled.
func (s *Postgres) settleLost(ctx context.Context) {
	s.lostMu.Lock()
	defer s.lostMu.Unlock()
	for key, token := range s.lost {
		_, err := s.pool.Exec(ctx, `UPDATE claims SET state = 'failed', token = '', holder = 0, failure = $3,
			retryable = true, updated_at = $4 WHERE key = $1 AND token = $2 AND state = 'pending'`,
			key, token, "its claim was not confirmed by the database", s.now())
		if err != nil {
			s.cfg.logger.Error("a claim this replica could not confirm reads as its work in progress to the other replicas until the database answers",
				"key", key, "replica", s.replica, "err", err)
			continue
		}
		delete(s.lost, key)
	}
}

// Complete implements Claims.
func (s *Postgres) Complete(key string, outcome []byte) error {
	ctx, cancel := opCtx()
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rec, _, ok, err := getClaim(ctx, tx, key, true)
		switch {
		case err != nil:
			return err
		case !ok:
			return ErrNotFound
		case rec.State == recDone && bytes.Equal(rec.Outcome, outcome):
			return errNoChange
		case rec.State == recDone:
			return ErrNotPending
		}
		_, err = tx.Exec(ctx, `UPDATE claims SET state = 'done', token = '', holder = 0, outcome = $2,
			failure = '', retryable = false, updated_at = $3 WHERE key = $1`, key, outcome, s.now())
		return err
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("complete claim %s: %w", key, err)
	}
	s.release(key)
	return nil
}

// Fail implements Claims. A claim pending under another replica that is
// alive is not failed (ErrHeld): only a caller of that replica holds it.
func (s *Postgres) Fail(key, errMsg string, retryable bool) error {
	ctx, cancel := opCtx()
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rec, holder, ok, err := getClaim(ctx, tx, key, true)
		switch {
		case err != nil:
			return err
		case !ok:
			return ErrNotFound
		case rec.State == recDone:
			return ErrNotPending
		}
		if rec.State == recPending && holder != s.replica {
			c, err := s.classify(ctx, tx, key, rec, holder)
			if err != nil {
				return err
			}
			if c.State == ClaimInProgress {
				return ErrHeld
			}
		}
		_, err = tx.Exec(ctx, `UPDATE claims SET state = 'failed', token = '', holder = 0, failure = $2,
			retryable = $3, updated_at = $4 WHERE key = $1`, key, errMsg, retryable, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("fail claim %s: %w", key, err)
	}
	s.release(key)
	return nil
}

// Lookup returns key's record without claiming it, or ErrNotFound.
func (s *Postgres) Lookup(key string) (Claim, error) {
	ctx, cancel := opCtx()
	defer cancel()
	c, err := s.lookupOnce(ctx, key)
	if err == nil && c.State == ClaimUnknown {
		// As in the bbolt Store: the holder commits, then releases; a read
		// between the two sees a pending record without its holder.
		c, err = s.lookupOnce(ctx, key)
	}
	return c, err
}

func (s *Postgres) lookupOnce(ctx context.Context, key string) (Claim, error) {
	q, err := s.q()
	if err != nil {
		return Claim{}, fmt.Errorf("look up claim %s: %w", key, err)
	}
	rec, holder, ok, err := getClaim(ctx, q, key, false)
	if err == nil && !ok {
		err = ErrNotFound
	}
	var c Claim
	if err == nil {
		c, err = s.classify(ctx, q, key, rec, holder)
	}
	if err != nil {
		return Claim{}, fmt.Errorf("look up claim %s: %w", key, err)
	}
	return c, nil
}

// Wait implements Claims. A claim held in this replica wakes the waiter
// when it is released; one held by another replica is looked at again
// every pgWaitPoll.
func (s *Postgres) Wait(ctx context.Context, key string) (Claim, error) {
	said := false
	return s.waitFor(ctx, key, func(key string) (Claim, error) {
		c, err := s.Lookup(key)
		if err == nil && c.State == ClaimInProgress && !said {
			said = true // once a wait, at debug level, as Lock does
			s.cfg.logger.DebugContext(ctx, "waiting for a claim another holds", "key", key, "replica", s.replica)
		}
		return c, err
	}, pgWaitPoll)
}
