// Package fakeclock is the manual clock the fakes (slackfake, syncrotest)
// and their tests share: time moves only when a test says so.
package fakeclock

import (
	"sync"
	"time"
)

// Manual is a clock that only moves when told to. Safe for concurrent use.
type Manual struct {
	mu     sync.Mutex
	now    time.Time
	timers []timer
}

// timer is one channel of After, due at at.
type timer struct {
	at time.Time
	ch chan time.Time
}

// New returns a Manual clock reading t.
func New(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the clock's current time.
func (c *Manual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Manual) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fireLocked()
}

// Set moves the clock to t.
func (c *Manual) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	c.fireLocked()
}

// After returns a channel that receives the clock's time once the clock
// has moved d past its time now: at once when d <= 0, else when Advance
// or Set gets there.
func (c *Manual) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, timer{at: c.now.Add(d), ch: ch})
	c.fireLocked()
	return ch
}

// Pending is how many channels of After still wait for the clock, read
// or not: a test waits for the code it drives to be waiting on the clock
// before it moves it.
func (c *Manual) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Next returns when the earliest channel of After still waiting falls
// due, and false when none waits: a test moves the clock from one wait of
// the code it drives to the next (Set), and so learns how long those
// waits add up to.
func (c *Manual) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time
	for _, tm := range c.timers {
		if next.IsZero() || tm.at.Before(next) {
			next = tm.at
		}
	}
	return next, !next.IsZero()
}

// fireLocked sends the time on every channel of After that is due.
func (c *Manual) fireLocked() {
	waiting := c.timers[:0]
	for _, tm := range c.timers {
		if tm.at.After(c.now) {
			waiting = append(waiting, tm)
			continue
		}
		tm.ch <- c.now // buffered, and sent on once
	}
	clear(c.timers[len(waiting):])
	c.timers = waiting
}
