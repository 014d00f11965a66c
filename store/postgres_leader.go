package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lead blocks until this replica leads job (the closed-ticket watcher, an
// end-of-day job), trying every retry, and returns a context that ends
// when the leadership does: ctx ends, release is called, or the session
// holding the lock is lost. Leadership is a session advisory lock on a
// connection of its own, so a replica that dies (or loses the server)
// lets go of it at once and another takes over at its next try. The error
// is ctx's, when it ended before this replica led.
func (s *Postgres) Lead(ctx context.Context, job string, retry time.Duration) (led context.Context, release func(), err error) {
	if retry <= 0 {
		return nil, nil, fmt.Errorf("lead %s every %s: %w", job, retry, ErrInvalid)
	}
	tick := time.NewTicker(retry)
	defer tick.Stop()
	for {
		conn, ok := s.tryLead(ctx, job)
		if ok {
			return s.leading(ctx, conn, retry)
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("lead %s: %w", job, ctx.Err())
		case <-tick.C:
		}
	}
}

// tryLead connects and tries job's lock once; the connection holds it.
func (s *Postgres) tryLead(ctx context.Context, job string) (*pgx.Conn, bool) {
	if s.isClosed() {
		return nil, false
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		s.cfg.logger.WarnContext(ctx, "cannot reach the database to take the lead; trying again", "err", err)
		return nil, false
	}
	var got bool
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema() || '/' || $2))`, lockLeader, job).Scan(&got)
	if err != nil || !got {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, false
	}
	return conn, true
}

// leading watches conn, the lock's session, every check: the returned
// context ends when the session is lost, ctx ends or release is called.
func (s *Postgres) leading(ctx context.Context, conn *pgx.Conn, check time.Duration) (context.Context, func(), error) {
	led, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(check)
		defer tick.Stop()
		for {
			select {
			case <-led.Done():
				return
			case <-tick.C:
				if err := conn.Ping(led); err != nil && led.Err() == nil {
					s.cfg.logger.Warn("lost the database session holding the lead", "err", err)
					cancel()
					return
				}
			}
		}
	}()
	release := func() {
		cancel()
		<-done
		// Closing the session releases its lock.
		cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
		defer ccancel()
		_ = conn.Close(cctx)
	}
	return led, release, nil
}
