package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Swept counts what one Sweep removed, for a log line.
type Swept struct {
	Claims, Flows, Audit, Announced, Recent, Unfurls int
}

// Sweep removes records past their retention as of now: claims after the
// claim TTL (not those of an unfinished flow's steps), finished flows and
// audit entries after their retention, announced marks after theirs,
// recent writes after RecentWriteWindow and unfurl marks after
// UnfurlWindow. It runs in one transaction, so a crash mid-sweep leaves
// everything in place.
func (s *Store) Sweep(now time.Time) (Swept, error) {
	var n Swept
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if n.Claims, err = s.sweepClaims(tx, now.Add(-ClaimTTL)); err != nil {
			return err
		}
		if n.Flows, err = s.sweepFlows(tx, now.Add(-FlowRetention)); err != nil {
			return err
		}
		if n.Audit, err = sweepAudit(tx, now.Add(-AuditRetention)); err != nil {
			return err
		}
		if n.Announced, err = sweepAnnounced(tx, now.Add(-AnnouncedRetention)); err != nil {
			return err
		}
		if n.Recent, err = sweepRecent(tx, now.Add(-RecentWriteWindow)); err != nil {
			return err
		}
		n.Unfurls, err = sweepUnfurls(tx, now.Add(-UnfurlWindow))
		return err
	})
	if err != nil {
		return Swept{}, fmt.Errorf("sweep store: %w", err)
	}
	return n, nil
}

// SweepEvery runs Sweep every interval until ctx is done, logging that it
// started, and failures, to the WithLogger logger and carrying on: a failed
// sweep only delays cleanup. Run it in its own goroutine; it returns ctx's
// error.
func (s *Store) SweepEvery(ctx context.Context, interval time.Duration) error {
	return sweepEvery(ctx, interval, s.cfg, s.now, s.Sweep)
}

// sweepEvery is SweepEvery for any backend's sweep, as of the backend's
// clock now: a Postgres replica's keeps the database's time
// (postgres_clock.go), and a replica whose host's clock ran ahead swept
// the others' recent writes while they still counted.
func sweepEvery(ctx context.Context, interval time.Duration, cfg config, now func() time.Time, sweep func(time.Time) (Swept, error)) error {
	if interval <= 0 {
		return fmt.Errorf("sweep every %s: %w", interval, ErrInvalid)
	}
	cfg.logger.InfoContext(ctx, "sweeping expired records", "every", interval)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			n, err := sweep(now())
			if err != nil {
				cfg.logger.ErrorContext(ctx, "store sweep failed", "err", err)
				continue
			}
			cfg.logger.DebugContext(ctx, "store swept", "claims", n.Claims, "flows", n.Flows,
				"audit", n.Audit, "announced", n.Announced, "recent", n.Recent, "unfurls", n.Unfurls)
		}
	}
}

// deleteStale deletes the records of b (JSON of T) that stale says are
// past their retention, and counts them; what names them in errors.
func deleteStale[T any](b *bolt.Bucket, what string, stale func(k []byte, v T) bool) (int, error) {
	var keys [][]byte
	err := b.ForEach(func(k, _ []byte) error {
		var v T
		if _, err := getJSON(b, k, &v); err != nil {
			return err
		}
		if stale(k, v) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep %s: %w", what, err)
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("sweep %s: %w", what, err)
		}
	}
	return len(keys), nil
}
