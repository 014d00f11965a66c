package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// budgetFlag prefixes the flag in which each replica records its share
// of Syncro's rate limit: budgetFlag + replica id.
const budgetFlag = "replica-budget/"

// ReplicaBudget is one live replica's share of SYNCRO_RATE_LIMIT, as it
// recorded it at its start.
type ReplicaBudget struct {
	// Replica is the replica's id (Postgres.Replica).
	Replica int32
	// PerMinute is the requests a minute it keeps to.
	PerMinute int
	// Limit is the SYNCRO_RATE_LIMIT it was given.
	Limit int
}

// ShareBudget records that this replica keeps to perMinute requests a
// minute of limit, and returns the budgets of every replica alive now,
// this one's included, so a replica started with another REPLICAS or
// SYNCRO_RATE_LIMIT than the rest (which would take more than its share)
// can say so. The records of replicas that are gone are dropped.
func (s *Postgres) ShareBudget(ctx context.Context, perMinute, limit int) ([]ReplicaBudget, error) {
	var out []ReplicaBudget
	err := s.tx(ctx, func(tx pgx.Tx) error {
		holder := `split_part(name, '/', 2)::bigint`
		if _, err := tx.Exec(ctx, `DELETE FROM flags WHERE name LIKE $1 || '%' AND NOT `+replicaAliveSQL(holder), budgetFlag); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO flags (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
			budgetFlag+strconv.Itoa(int(s.replica)), fmt.Sprintf("%d %d", perMinute, limit)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT name, value FROM flags WHERE name LIKE $1 || '%' ORDER BY name`, budgetFlag)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, value string
			if err := rows.Scan(&name, &value); err != nil {
				return err
			}
			b, ok := parseBudget(name, value)
			if ok {
				out = append(out, b)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("share the Syncro budget: %w", err)
	}
	return out, nil
}

// parseBudget reads one replica's budget flag; a malformed one is skipped.
func parseBudget(name, value string) (ReplicaBudget, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(name, budgetFlag), 10, 32)
	per, limit, ok := strings.Cut(value, " ")
	if err != nil || !ok {
		return ReplicaBudget{}, false
	}
	p, err1 := strconv.Atoi(per)
	l, err2 := strconv.Atoi(limit)
	if err1 != nil || err2 != nil {
		return ReplicaBudget{}, false
	}
	return ReplicaBudget{Replica: int32(id), PerMinute: p, Limit: l}, true
}
