package main

import (
	"context"
	"time"

	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/store"
)

// runClock is the clock run's commands, end-of-day summaries and queued
// commands' waits read, and how often the summaries look whether one is
// due. It is time.Now, time.After and home.SummaryCheckEvery unless a test
// put another in run's context (withRunClock), so a summary "at 17:00", or
// a command queued for WORK_TIMEOUT, is tested without waiting for it.
type runClock struct {
	now func() time.Time
	// host is the host's own clock, which the PostgreSQL store measures
	// against the database's (store.WithHostClock): a test moves now to
	// make time pass for everyone, and sets host only where it makes a
	// replica's host's clock off. The real one unless set.
	host  func() time.Time
	after func(time.Duration) <-chan time.Time
	tick  time.Duration
	// accountTicks, when set, are the account's hourly refreshes
	// (account.RefreshEvery), so a test makes "the next hour's read of
	// Syncro's users" happen when it says.
	accountTicks <-chan time.Time
}

// Now is the time c reads.
func (c runClock) Now() time.Time { return c.now() }

// After sends c's time once d has passed on c.
func (c runClock) After(d time.Duration) <-chan time.Time { return c.after(d) }

type runClockKey struct{}

// withRunClock makes run started with ctx read c.
func withRunClock(ctx context.Context, c runClock) context.Context {
	return context.WithValue(ctx, runClockKey{}, c)
}

// clockOf is the clock run reads: the one a test set, else the real one.
func clockOf(ctx context.Context) runClock {
	c, _ := ctx.Value(runClockKey{}).(runClock)
	if c.now == nil {
		c.now = time.Now
	}
	if c.host == nil {
		c.host = time.Now
	}
	if c.after == nil {
		c.after = time.After
	}
	if c.tick <= 0 {
		c.tick = home.SummaryCheckEvery
	}
	return c
}

// storeTime is the clock the commands compare the store's times with
// (commands.Deps.StoreNow): on PostgreSQL, now less the host's skew
// (store.Postgres.Skew), the time the store writes and compares by. A
// replica whose host's clock ran 16 min ahead read another's unfinished
// comment as 16 min old and wrote it again instead of asking
// (TestE2E_Replicas_ARetypeOfAnUnfinishedCommentIsAskedWhateverTheOtherReplicasClockSays).
// It is not the commands' Now: a database whose clock is off would put
// that much off every time sent to Syncro or shown
// (TestE2E_Replicas_ATimeEntryStartsWhenDanaSaysWhenOnlyTheDatabasesClockIsOff).
func storeTime(st store.Backend, now func() time.Time) func() time.Time {
	p, ok := st.(*store.Postgres)
	if !ok {
		return now
	}
	return func() time.Time { return now().Add(-p.Skew()) }
}
