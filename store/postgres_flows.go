package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Flows and the audit trail on PostgreSQL: each record is the JSON the
// bbolt Store keeps, beside the columns queries need. A flow changes under
// its row lock, so two replicas' steps on one flow apply one after the
// other, each to what the other left.

// CreateFlow implements Flows.
func (s *Postgres) CreateFlow(f Flow) (stored Flow, created bool, err error) {
	if err := checkFlow(f); err != nil {
		return Flow{}, false, fmt.Errorf("create flow: %w", err)
	}
	ctx, cancel := opCtx()
	defer cancel()
	var inserted string // the body of the row the transaction added
	err = s.tx(ctx, func(tx pgx.Tx) error {
		nf := newFlow(f, s.now())
		body, err := json.Marshal(nf)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO flows (id, ticket, created_at, updated_at, finished, body, replica)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
			nf.ID, nf.Ticket, nf.CreatedAt, nf.UpdatedAt, nf.Finished(), string(body), s.replica)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			stored, created, inserted = nf, true, string(body)
			return nil
		}
		stored, err = getFlow(ctx, tx, f.ID, false)
		return err
	})
	if err != nil {
		if inserted != "" {
			s.uncreate(f.ID, inserted)
		}
		return Flow{}, false, fmt.Errorf("create flow %s: %w", f.ID, err)
	}
	return stored, created, nil
}

// uncreate deletes the flow a CreateFlow inserted but could not confirm,
// as long as nothing changed it since (its body is still the one
// inserted): its COMMIT may have reached the server with the answer lost
// on the way back. Its caller told its owner nothing was sent to Syncro,
// yet the flow stood unfinished: a retype was answered as a repeat of
// work Syncro "didn't confirm", and a start would have offered Finish
// for it, writing the work a second time
// (TestE2E_Replicas_AFlowWhoseRecordAnswerWasLostIsNotOfferedLater). An
// INSERT of the id first waits for that transaction, should the server
// read its COMMIT only now: a DELETE alone does not see a row not yet
// committed (TestE2E_Replicas_AFlowCommittedLateIsNotOfferedLater); the
// placeholder it adds when the flow was never committed goes with it.
func (s *Postgres) uncreate(id, body string) {
	_ = s.settle("flow "+id, func(ctx context.Context) error {
		return s.tx(ctx, func(tx pgx.Tx) error {
			now := s.now()
			if _, err := tx.Exec(ctx, `INSERT INTO flows (id, ticket, created_at, updated_at, finished, body, replica)
				VALUES ($1, 0, $2, $2, true, '', $3) ON CONFLICT (id) DO NOTHING`, id, now, s.replica); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM flows WHERE id = $1 AND replica = $2 AND body IN ($3, '')`, id, s.replica, body)
			return err
		})
	})
}

// getFlow reads flow id, or ErrNotFound; lock takes its row lock.
func getFlow(ctx context.Context, q querier, id string, lock bool) (Flow, error) {
	sql := `SELECT body FROM flows WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var body string
	err := q.QueryRow(ctx, sql, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return Flow{}, ErrNotFound
	}
	if err != nil {
		return Flow{}, err
	}
	var f Flow
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		return Flow{}, fmt.Errorf("decode flow %q: %w", id, err)
	}
	return f, nil
}

// pgFlows reads the flows matching where (a WHERE … ORDER BY … clause).
func pgFlows(ctx context.Context, q querier, where string, args ...any) ([]Flow, error) {
	return pgJSON[Flow](ctx, q, `SELECT body FROM flows `+where, args...)
}

// GetFlow implements Flows.
func (s *Postgres) GetFlow(id string) (Flow, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var f Flow
	if err == nil {
		f, err = getFlow(ctx, q, id, false)
	}
	if err != nil {
		return Flow{}, fmt.Errorf("get flow %s: %w", id, err)
	}
	return f, nil
}

// changeFlow applies change to flow id under its row lock and stores the
// result, as the bbolt Store's changeFlow does. The flow is then this
// replica's: the one that stepped it last runs it (OrphanedFlows).
func (s *Postgres) changeFlow(id string, change func(*Flow) (bool, error)) (Flow, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var f Flow
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if f, err = getFlow(ctx, tx, id, true); err != nil {
			return err
		}
		changed, err := change(&f)
		if err != nil || !changed {
			return err
		}
		body, err := json.Marshal(f)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE flows SET updated_at = $2, finished = $3, body = $4, replica = $5 WHERE id = $1`,
			id, f.UpdatedAt, f.Finished(), string(body), s.replica)
		return err
	})
	return f, err
}

// UpdateStep implements Flows.
func (s *Postgres) UpdateStep(id, step string, state StepState, result json.RawMessage, errMsg string) (Flow, error) {
	if !state.valid() {
		return Flow{}, fmt.Errorf("update flow %s step %s: %w: state %q", id, step, ErrInvalid, state)
	}
	if len(result) > 0 && !json.Valid(result) {
		return Flow{}, fmt.Errorf("update flow %s step %s: %w: result is not JSON", id, step, ErrInvalid)
	}
	f, err := s.changeFlow(id, changeStepOf(step, moveStep(state, result, errMsg), s.now))
	if err != nil {
		return Flow{}, fmt.Errorf("update flow %s step %s: %w", id, step, err)
	}
	return f, nil
}

// PrepareStep implements Flows.
func (s *Postgres) PrepareStep(id, step string, before json.RawMessage) (Flow, error) {
	if !json.Valid(before) {
		return Flow{}, fmt.Errorf("prepare flow %s step %s: %w: before is not JSON", id, step, ErrInvalid)
	}
	f, err := s.changeFlow(id, changeStepOf(step, prepareStep(before), s.now))
	if err != nil {
		return Flow{}, fmt.Errorf("prepare flow %s step %s: %w", id, step, err)
	}
	return f, nil
}

// AbandonFlow implements Flows.
func (s *Postgres) AbandonFlow(id, reason string) (Flow, error) {
	f, err := s.changeFlow(id, abandon(reason, s.now))
	if err != nil {
		return Flow{}, fmt.Errorf("abandon flow %s: %w", id, err)
	}
	return f, nil
}

// MarkFlowTold implements Flows.
func (s *Postgres) MarkFlowTold(id string, updatedAt time.Time) (Flow, error) {
	f, err := s.changeFlow(id, told(updatedAt))
	if err != nil {
		return Flow{}, fmt.Errorf("mark flow %s told: %w", id, err)
	}
	return f, nil
}

// FlowsForTicket implements Flows.
func (s *Postgres) FlowsForTicket(ticket int64) ([]Flow, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var flows []Flow
	if err == nil {
		flows, err = pgFlows(ctx, q, `WHERE ticket = $1 ORDER BY created_at DESC, id`, ticket)
	}
	if err != nil {
		return nil, fmt.Errorf("list flows for ticket #%d: %w", ticket, err)
	}
	return flows, nil
}

// UnfinishedFlows implements Flows.
func (s *Postgres) UnfinishedFlows() ([]Flow, error) {
	return s.listFlows("unfinished", `WHERE NOT finished ORDER BY created_at, id`)
}

// OrphanedFlows implements Flows: the unfinished flows last stepped by
// this replica or by one gone for longer than AdoptGrace (replicaGoneSQL).
// A flow another live replica stepped is its own to finish or to tell
// of, and so is one of a replica only just seen gone: it may be taking a
// lost session back, its bill still running.
func (s *Postgres) OrphanedFlows() ([]Flow, error) {
	return s.listFlows("orphaned", `WHERE NOT finished AND (replica = $1 OR `+replicaGoneSQL("replica", "$2")+`)
		ORDER BY created_at, id`, s.replica, s.now().Add(-AdoptGrace))
}

// AdoptFlow implements Flows: flow id becomes this replica's if it is
// unfinished and the replica that last stepped it is gone, for longer
// than AdoptGrace (replicaGoneSQL), and, when a step of it is in doubt,
// not one that may still be writing it (mayStillWrite). The update
// holds the flow's row, so of two replicas adopting it at once the second
// finds it a live replica's and leaves it. A flow already this replica's
// is not adopted again: this replica runs it, or told of it already.
func (s *Postgres) AdoptFlow(id string) (Flow, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var f []Flow
	// One adopter at a time per flow: two replicas' UPDATEs racing on the
	// row both adopted it now and then (4 runs in 40 of
	// TestPostgres_AnOrphanedFlowIsAdoptedByOneReplicaOnce), the second's
	// recheck of the row not stopping it. Under the flow's lock, each
	// UPDATE is a statement begun after the other committed, so it reads
	// the new adopter alive.
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '/' || $2))`, lockAdopt, id); err != nil {
			return err
		}
		var replica int32
		err := tx.QueryRow(ctx, `SELECT replica FROM flows WHERE id = $1 FOR UPDATE`, id).Scan(&replica)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		cur, err := getFlow(ctx, tx, id, false)
		if err != nil {
			return err
		}
		// A step in doubt of a replica taken for gone may be its write on
		// its way still (inFlightFor): its flow is not told as left yet.
		if began, ok := stepInDoubt(cur); ok && replica != s.replica {
			if writing, err := s.mayStillWrite(ctx, tx, replica, began); err != nil || writing {
				return err
			}
		}
		f, err = pgJSON[Flow](ctx, tx, `UPDATE flows SET replica = $2
			WHERE id = $1 AND NOT finished AND replica <> $2 AND `+replicaGoneSQL("replica", "$3")+`
			RETURNING body`, id, s.replica, s.now().Add(-AdoptGrace))
		return err
	})
	if err != nil {
		return Flow{}, false, fmt.Errorf("adopt flow %s: %w", id, err)
	}
	if len(f) == 0 {
		return Flow{}, false, nil
	}
	return f[0], true, nil
}

// stepInDoubt returns when f's latest step in doubt (StepUnknown) was
// recorded: a write begins only once its step is (PrepareStep).
func stepInDoubt(f Flow) (time.Time, bool) {
	var at time.Time
	for _, st := range f.Steps {
		if st.State == StepUnknown && st.At.After(at) {
			at = st.At
		}
	}
	return at, !at.IsZero()
}

// listFlows reads the flows matching where (as pgFlows), which are what
// names in an error.
func (s *Postgres) listFlows(what, where string, args ...any) ([]Flow, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var flows []Flow
	if err == nil {
		flows, err = pgFlows(ctx, q, where, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("list %s flows: %w", what, err)
	}
	return flows, nil
}

// Audit implements Audit.
func (s *Postgres) Audit(e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC()
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	if err == nil {
		var body []byte
		if body, err = json.Marshal(e); err == nil {
			_, err = q.Exec(ctx, `INSERT INTO audit (at, ticket, body) VALUES ($1, $2, $3)`, e.At, e.Ticket, string(body))
		}
	}
	if err != nil {
		return fmt.Errorf("audit %s on #%d: %w", e.Action, e.Ticket, err)
	}
	return nil
}

// AuditForTicket implements Audit.
func (s *Postgres) AuditForTicket(number int64, limit int) ([]AuditEntry, error) {
	ctx, cancel := opCtx()
	defer cancel()
	lim := any(nil) // LIMIT NULL is no limit
	if limit > 0 {
		lim = limit
	}
	q, err := s.q()
	var out []AuditEntry
	if err == nil {
		out, err = pgJSON[AuditEntry](ctx, q, `SELECT body FROM audit WHERE ticket = $1 ORDER BY at DESC, seq DESC LIMIT $2`, number, lim)
	}
	if err != nil {
		return nil, fmt.Errorf("audit for ticket #%d: %w", number, err)
	}
	return out, nil
}

// AuditByUser implements Audit: by time (the audit_by_time index), the
// user read from the body, as the bbolt trail does.
func (s *Postgres) AuditByUser(slackUser string, from, to time.Time) ([]AuditEntry, error) {
	from = auditFrom(from, s.now())
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var out []AuditEntry
	if err == nil {
		out, err = pgJSON[AuditEntry](ctx, q, `SELECT body FROM audit WHERE at >= $1 AND at < $2 AND body::jsonb->>'slack_user' = $3 ORDER BY at, seq`, from.UTC(), to.UTC(), slackUser)
	}
	if err != nil {
		return nil, fmt.Errorf("audit of %s since %s: %w", slackUser, from.Format(time.RFC3339), err)
	}
	return out, nil
}

// pgJSON runs sql, whose one column is a JSON body, and decodes each
// row into a T.
func pgJSON[T any](ctx context.Context, q querier, sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(bodies))
	for _, b := range bodies {
		var v T
		if err := json.Unmarshal([]byte(b), &v); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}
