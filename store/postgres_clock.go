package store

import (
	"context"
	"fmt"
	"time"
)

// Replicas' clocks. Every time a replica writes to PostgreSQL, and every
// time it compares one with, is on the store's clock (Postgres.now): its
// own clock less its host's skew, how far the host's clock is off the
// database server's, measured at open and at each lifeCheck. Two replicas
// whose hosts disagree then write and compare times as if on one clock,
// the database's: a lock's lease, a recent write's window, a replica's
// last-seen time and a write's start read the same on each. Before, a
// replica whose clock ran 16 min ahead took another's ticket lock at once
// and read its write as 16 min old, and a retyped comment was written
// twice (TestE2E_Replicas_ARetypeIsAskedWhateverTheOtherReplicasClockSays).
// A record keeps the time it was written with, so a replica whose clock
// is set right meanwhile does not move what it wrote before.

// skewTolerance is the skew taken for none, and the least change of it
// that counts: replicas on one host, or kept in step by NTP, agree within
// it, and the store's clock stays as the bot's is. A measurement whose
// round trip took longer says the skew only to within half of it
// (measureSkew).
const skewTolerance = time.Second

// skewTries is how many measurements OpenPostgres makes before it takes
// the host's clock as it is until the next lifeCheck: a busy server's
// answer may come too late to say more than that the host's clock is
// within it of the database's.
const skewTries = 3

// Skew is how far this host's clock is ahead of the database's (behind
// when negative): as last measured, moved by any step of the host's
// clock since (stepSince); within skewTolerance, none. The store's clock
// is WithClock's less it: what the bot compares with the store's times
// keeps time by it too (cmd/bot's run).
func (s *Postgres) Skew() time.Duration {
	m := s.clock.Load()
	if m == nil {
		return 0
	}
	skew := m.skew + m.stepSince(s.cfg.host())
	if skew.Abs() < skewTolerance {
		return 0
	}
	return skew
}

// skewMark is a measured skew with the host's clock as it read then, and
// the monotonic clock, which no step of the host's clock moves.
type skewMark struct {
	skew time.Duration
	// host is the host's clock then, without its monotonic reading.
	host time.Time
	// mono is time.Now then, for its monotonic reading.
	mono time.Time
}

// stepSince is how far the host's clock, reading host now, was stepped
// since m was taken: how much more (or less) it moved than the time that
// passed. Between two measurements, up to lifeCheck apart, a clock
// stepped by NTP (16 min at once) made every time the replica recorded
// meanwhile 16 min off, and a record keeps it: a write remembered then
// read as 16 min old on the other replica, which wrote it again
// (TestPostgres_AWriteRecordedJustAfterTheHostsClockSteppedBackCountsForItsWindow).
// A host suspended (its monotonic clock stopped) reads as stepped ahead
// by as long until the next measurement: what it records meanwhile reads
// that much older to the others, as it would have with no correction.
func (m *skewMark) stepSince(host time.Time) time.Duration {
	step := host.Round(0).Sub(m.host) - time.Since(m.mono)
	if step.Abs() < skewTolerance {
		return 0
	}
	return step
}

// setSkew records skew as measured now, and returns the skew measured
// before it (0 before any).
func (s *Postgres) setSkew(skew time.Duration) time.Duration {
	m := s.clock.Swap(&skewMark{skew: skew, host: s.cfg.host().Round(0), mono: time.Now()})
	if m == nil {
		return 0
	}
	return m.skew
}

// now is the time on the store's clock: WithClock's, less the host's
// skew, so that every replica writes and compares times on the
// database's.
func (s *Postgres) now() time.Time {
	return s.cfg.now().Add(-s.Skew()).UTC().Truncate(time.Microsecond)
}

// measureSkew reads the database's clock and sets the host's skew from
// it: the host's clock (WithHostClock) at the middle of the round trip
// less the database's, to within half the round trip. A change within
// skewTolerance is none; a change is logged. An answer that took longer
// than skewTolerance is used only when the skew it shows is further off
// the one kept than that answer's own error: on a database slow to
// answer, a host 16 min off was never measured, at open either, kept its
// own time, and took another replica's lock at once
// (TestE2E_Replicas_ARetypeIsAskedWhenTheOtherReplicaIsSlowToReadTheDatabasesClock).
// It reports whether the answer said the skew.
func (s *Postgres) measureSkew(ctx context.Context) (bool, error) {
	t0 := s.cfg.host()
	var db time.Time
	if err := s.pool.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&db); err != nil {
		return false, fmt.Errorf("read the database's clock: %w", err)
	}
	t1 := s.cfg.host()
	rtt := t1.Sub(t0)
	skew, cur := t0.Add(rtt/2).Sub(db), s.Skew()
	if rtt < 0 || rtt > skewTolerance && (skew-cur).Abs() <= rtt/2+skewTolerance {
		return false, nil
	}
	if (skew - cur).Abs() < skewTolerance {
		skew = cur
	}
	if skew.Abs() < skewTolerance {
		skew = 0
	}
	was := s.setSkew(skew)
	if (skew - was).Abs() < skewTolerance {
		return true, nil
	}
	if skew == 0 {
		s.cfg.logger.Info("this host's clock agrees with the database's again", "replica", s.replica, "was", was)
	} else {
		s.cfg.logger.Warn("this host's clock is off the database's; what the replicas record and compare keeps the database's time, what the bot writes to Syncro and shows keeps this host's (set the host's clock right, NTP)",
			"replica", s.replica, "skew", skew)
	}
	return true, nil
}

// measureSkewAtOpen measures the skew before the replica writes anything,
// trying skewTries times for an answer soon enough to say. The host's
// clock is watched for steps from here (skewMark) even when none was.
func (s *Postgres) measureSkewAtOpen(ctx context.Context) error {
	s.setSkew(0)
	for range skewTries {
		if ok, err := s.measureSkew(ctx); ok || err != nil {
			return err
		}
	}
	s.cfg.logger.Warn("the database answered too slowly to compare this host's clock with its own; trying again at the next check", "replica", s.replica)
	return nil
}
