package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"

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
		if !held {
			// Gone, or only cut off with its write still on its way.
			if held, err = s.mayStillWrite(ctx, q, holder, rec.ClaimedAt); err != nil {
				return Claim{}, err
			}
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
		s.unclaim(key, intent, token)
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
// (TestE2E_Replicas_AStepWhoseClaimAnswerWasLostIsFinishedOnTheOther).
// The statement is an INSERT of the key so that it waits for that
// transaction, should the server read its COMMIT only now: an UPDATE does
// not see a row not yet committed, and ran first, finding nothing, when
// the server was slow to read the COMMIT
// (TestE2E_Replicas_AStepWhoseClaimCommittedLateIsFinishedOnTheOther). A
// record the server never committed leaves a retryable failure instead,
// which the next Claim acquires.
func (s *Postgres) unclaim(key, intent, token string) {
	_ = s.settle(key, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO claims (key, intent, state, failure, retryable, created_at, claimed_at, updated_at)
			VALUES ($1, $2, 'failed', $4, true, $5, $5, $5)
			ON CONFLICT (key) DO UPDATE SET state = 'failed', token = '', holder = 0, failure = $4, retryable = true, updated_at = $5
			WHERE claims.token = $3 AND claims.state = 'pending'`,
			key, intent, token, "its claim was not confirmed by the database", s.now())
		return err
	})
}

// failToken fails key's record if it is still pending under token.
func (s *Postgres) failToken(ctx context.Context, key, token, errMsg string, retryable bool) error {
	_, err := s.pool.Exec(ctx, `UPDATE claims SET state = 'failed', token = '', holder = 0, failure = $3,
		retryable = $4, updated_at = $5 WHERE key = $1 AND token = $2 AND state = 'pending'`,
		key, token, errMsg, retryable, s.now())
	return err
}

// lostRecord is a statement of this replica's record of one of its own
// claims that the database did not confirm (settle).
type lostRecord struct {
	seq int
	run func(context.Context) error
}

// settle runs run, which puts right one of this replica's own records
// the database did not confirm (a claim's end, a claim or a flow it
// could not confirm), once more now (on a fresh connection: the pool
// drops the one that broke), and, while the database does not answer,
// again at each lifeCheck (settleLost) until it does; key names the
// record. Meanwhile a claim stays pending under this replica, which is
// alive, and the other replicas read it as its write in progress, so a
// Finish there waits in vain; with the record made they take it up as
// they would on this replica
// (TestE2E_Replicas_AStepWhoseFailureWasNotRecordedIsFinishedOnTheOther).
// The error is run's now.
func (s *Postgres) settle(key string, run func(context.Context) error) error {
	s.lostMu.Lock()
	s.lostSeq++
	s.lost[key] = lostRecord{seq: s.lostSeq, run: run}
	s.lostMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), lifeCheck)
	defer cancel()
	return s.settleLost(ctx)[key]
}

// settleLost runs the records settle keeps, forgets those the database
// answered, and returns each one's error.
func (s *Postgres) settleLost(ctx context.Context) map[string]error {
	s.lostMu.Lock()
	todo := maps.Clone(s.lost)
	s.lostMu.Unlock()
	errs := map[string]error{}
	for key, r := range todo {
		err := r.run(ctx)
		if errors.Is(err, errNoChange) {
			err = nil
		}
		errs[key] = err
		if unanswered(err) {
			s.cfg.logger.Error("a record of this replica's work the database did not confirm is not put right yet; the other replicas read it as this replica's work in progress until it is",
				"key", key, "replica", s.replica, "err", err)
			continue
		}
		s.lostMu.Lock()
		if s.lost[key].seq == r.seq {
			delete(s.lost, key)
		}
		s.lostMu.Unlock()
	}
	return errs
}

// unanswered reports whether err is the database's silence or failure,
// not one of the store's answers about the claim, so the same record may
// be tried again.
func unanswered(err error) bool {
	for _, answer := range []error{errNoChange, ErrNotFound, ErrNotPending, ErrHeld, ErrClosed, ErrIntentMismatch} {
		if errors.Is(err, answer) {
			return false
		}
	}
	return err != nil
}

// heldToken is the token under which a caller of this replica holds key,
// or "".
func (s *Postgres) heldToken(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.live[key]; h != nil {
		return h.token
	}
	return ""
}

// Complete implements Claims. A record the database did not confirm is
// made again (settle): the write it ends has happened.
func (s *Postgres) Complete(key string, outcome []byte) error {
	ctx, cancel := opCtx()
	defer cancel()
	err := s.complete(ctx, key, outcome)
	if unanswered(err) {
		err = s.settle(key, func(ctx context.Context) error { return s.complete(ctx, key, outcome) })
		s.release(key)
	}
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("complete claim %s: %w", key, err)
	}
	s.release(key)
	return nil
}

// complete records outcome as key's in one transaction.
func (s *Postgres) complete(ctx context.Context, key string, outcome []byte) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
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
}

// Fail implements Claims. A claim pending under another replica that is
// alive is not failed (ErrHeld): only a caller of that replica holds it.
// A record of a claim held here that the database did not confirm is
// made again (settle), as long as the claim is still the one held.
func (s *Postgres) Fail(key, errMsg string, retryable bool) error {
	token := s.heldToken(key)
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
	if unanswered(err) && token != "" {
		err = s.settle(key, func(ctx context.Context) error { return s.failToken(ctx, key, token, errMsg, retryable) })
		s.release(key)
	}
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
