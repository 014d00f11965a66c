package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Swept counts what one Sweep removed, for a log line.
type Swept struct {
	Claims, Flows, Audit, Announced int
}

// Sweep removes records past their retention as of now: claims after the
// claim TTL (not those of an unfinished flow's steps), finished flows and
// audit entries after their retention, and announced marks after theirs. It runs in one transaction, so a crash
// mid-sweep leaves everything in place.
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
		n.Announced, err = sweepAnnounced(tx, now.Add(-AnnouncedRetention))
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
	if interval <= 0 {
		return fmt.Errorf("sweep every %s: %w", interval, ErrInvalid)
	}
	s.cfg.logger.InfoContext(ctx, "sweeping expired records", "every", interval)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			n, err := s.Sweep(s.now())
			if err != nil {
				s.cfg.logger.ErrorContext(ctx, "store sweep failed", "err", err)
				continue
			}
			s.cfg.logger.DebugContext(ctx, "store swept", "claims", n.Claims, "flows", n.Flows,
				"audit", n.Audit, "announced", n.Announced)
		}
	}
}
