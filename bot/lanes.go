package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/commands"
)

// Work slots are handed out per user, so that one person (or one stuck
// client resending) cannot take every slot and leave everyone else "busy":
// each user runs at most MaxInFlightPerUser interactions at once, and the
// bot at most MaxInFlight. A user's interactions past their cap wait in
// their own queue, FIFO, acked as usual; when one of theirs finishes, its
// slot goes straight to the next of theirs, so waiting work never takes a
// slot from anyone else. Only "busy" (MaxInFlight reached by many users)
// is a refusal for everyone.
//
// Interactions that must be answered within Slack's 3 s (a form's
// submission, a select's suggestions, anything that opens a modal with its
// trigger) cannot wait: past the cap they are told at once.

// queuedPerSlot bounds how many interactions wait, all users together,
// per MaxInFlight slot: the waiting ones are goroutines holding their
// payload, a few KB each.
const queuedPerSlot = 8

// queueNoteEvery is the least time between two "queued" notes to one
// user, so a flood of commands is not answered by a flood of notes.
const queueNoteEvery = 30 * time.Second

// errWaitedTooLong ends a queued interaction that waited MaxQueueWait
// without its turn: by then its person has moved on, and work they asked
// for that long ago should not surprise them.
var errWaitedTooLong = errors.New("bot: waited too long behind the user's own work")

// Clock is the time a queued interaction's waits read: how long it has
// waited (Config.MaxQueueWait, Config.QueueNoteAfter) and when its person
// was last told so. Tests pass a manual one (fakeclock.Manual), so a wait
// of WorkTimeout is tested without waiting for it.
type Clock interface {
	Now() time.Time
	// After sends the time on the channel once d has passed.
	After(d time.Duration) <-chan time.Time
}

// realClock is the clock of the wall: time.Now and time.After.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// lanes are the work slots, per user.
type lanes struct {
	// maxRunning is MaxInFlight, perUser MaxInFlightPerUser; maxWaiting
	// and maxQueued bound one user's queue and all of them.
	maxRunning, perUser, maxWaiting, maxQueued int
	// clock times the waits of queued turns.
	clock Clock

	mu      sync.Mutex
	running int
	queued  int
	users   map[string]*lane
	// closed says shutdown has begun: a slot given back goes to no
	// waiting turn (close).
	closed bool
}

// lane is one user's running and waiting work.
type lane struct {
	running int
	waiting []*turn
	// noted is when the user was last told that work of theirs waits.
	noted time.Time
}

// turn is an admitted interaction's hold on a work slot: its own at once,
// or later, when its user's earlier work hands one over.
type turn struct {
	user string
	// door is the interaction's way through admission; pending says its
	// allow-list check is left for the work goroutine.
	door    *door
	pending bool
	// ready is closed when a waiting turn gets its slot; nil when it had
	// one at once.
	ready   chan struct{}
	granted bool
}

// admittance is what lanes.take decided.
type admittance int

const (
	// runNow: the turn has a slot.
	runNow admittance = iota
	// queued: the turn waits behind its user's own work.
	queued
	// userFull: the user is at their cap and the interaction cannot wait,
	// or their queue is full.
	userFull
	// allBusy: MaxInFlight is reached, or every queue together is full.
	allBusy
)

func newLanes(maxRunning, perUser, maxWaiting int, clock Clock) *lanes {
	return &lanes{maxRunning: maxRunning, perUser: perUser, maxWaiting: maxWaiting,
		maxQueued: queuedPerSlot * maxRunning, clock: clock, users: map[string]*lane{}}
}

// take finds user a slot, or a place in their queue when canWait. running
// and waiting are the user's counts, for the sentence of a refusal.
func (l *lanes) take(user string, canWait bool) (t *turn, a admittance, running, waiting int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.users[user]
	if u == nil {
		u = &lane{}
	}
	running, waiting = u.running, len(u.waiting)
	switch {
	case u.running < l.perUser && l.running < l.maxRunning:
		l.users[user] = u
		u.running++
		l.running++
		return &turn{user: user, granted: true}, runNow, running, waiting
	case u.running < l.perUser:
		return nil, allBusy, running, waiting
	case !canWait || len(u.waiting) >= l.maxWaiting:
		return nil, userFull, running, waiting
	case l.queued >= l.maxQueued:
		return nil, allBusy, running, waiting
	}
	t = &turn{user: user, ready: make(chan struct{})}
	u.waiting = append(u.waiting, t)
	l.queued++
	return t, queued, running, waiting
}

// wait returns nil once t has its slot. It returns an error, and t gives
// up its place, when ctx ends first or t has waited maxWait
// (errWaitedTooLong). A turn that waits noteAfter calls note with how
// many of its user's commands are ahead of it, unless its user was told
// less than queueNoteEvery ago. Both waits are on l.clock.
func (l *lanes) wait(ctx context.Context, t *turn, maxWait, noteAfter time.Duration, note func(ahead int)) error {
	if t.ready == nil {
		return nil
	}
	// Unstopped timers cost nothing once the wait returns: since Go 1.23
	// an unreferenced timer is collected whether or not it fired.
	giveUp := l.clock.After(maxWait)
	noteDue := l.clock.After(noteAfter)
	for {
		select {
		case <-t.ready:
			// A slot that came as the work was stopped is given back:
			// stopped work never runs, whichever the select saw first.
			if ctx.Err() != nil {
				return l.leave(t, context.Cause(ctx))
			}
			return nil
		case <-ctx.Done():
			return l.leave(t, context.Cause(ctx))
		case <-giveUp:
			return l.leave(t, errWaitedTooLong)
		case <-noteDue:
			if ahead, ok := l.noteDue(t); ok {
				note(ahead)
			}
		}
	}
}

// noteDue reports whether t's user is to be told that t waits, and how
// many of their commands are ahead of it (running, then waiting).
func (l *lanes) noteDue(t *turn) (ahead int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.users[t.user]
	now := l.clock.Now()
	if t.granted || u == nil || now.Sub(u.noted) < queueNoteEvery {
		return 0, false
	}
	u.noted = now
	ahead = u.running
	for _, w := range u.waiting {
		if w == t {
			break
		}
		ahead++
	}
	return ahead, true
}

// leave takes t out of its user's queue for why; when its slot came just
// then, the slot goes on to the next turn and t runs nothing either.
func (l *lanes) leave(t *turn, why error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.granted {
		l.releaseLocked(t)
		return why
	}
	u := l.users[t.user]
	for i, w := range u.waiting {
		if w == t {
			u.waiting = append(u.waiting[:i:i], u.waiting[i+1:]...)
			l.queued--
			break
		}
	}
	// The last to leave a closed lane, whose slots all came back.
	l.dropIdleLocked(t.user, u)
	return why
}

// release gives t's slot to the next turn of its user, or back.
func (l *lanes) release(t *turn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(t)
}

func (l *lanes) releaseLocked(t *turn) {
	u := l.users[t.user]
	if len(u.waiting) > 0 && !l.closed {
		next := u.waiting[0]
		u.waiting[0] = nil
		u.waiting = u.waiting[1:]
		l.queued--
		next.granted = true
		close(next.ready)
		return
	}
	u.running--
	l.running--
	// Waiting turns keep their user until they leave.
	l.dropIdleLocked(t.user, u)
}

// dropIdleLocked forgets user's lane u once nothing of theirs runs or waits.
func (l *lanes) dropIdleLocked(user string, u *lane) {
	if u.running == 0 && len(u.waiting) == 0 {
		delete(l.users, user)
	}
}

// close stops handing slots to waiting turns, for shutdown, which stops
// every waiting turn (jobs.stop): a slot given back meanwhile, by work
// that shutdown also stopped, would otherwise start one of them before
// its stop came. Call it before jobs.stop.
func (l *lanes) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
}

// park gives a running turn's slot back to everyone while its work waits
// for Syncro work another interaction started (a shared read,
// mirror.WithSharedWait): waiting on someone else's read costs Syncro
// nothing, so it must not leave others "busy". The user's own count is
// kept, so their cap still holds. resume takes the slot again, past
// MaxInFlight if need be, since the work was admitted; it may be called
// more than once.
func (l *lanes) park() (resume func()) {
	l.mu.Lock()
	l.running--
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.running++
			l.mu.Unlock()
		})
	}
}

// counts are the slots taken and the turns waiting, all users together.
func (l *lanes) counts() (running, queued int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.running, l.queued
}

// queuedNote tells a person their command waits behind ahead of their own.
func queuedNote(ahead int) string {
	return fmt.Sprintf("Queued behind your %s; this one runs as soon as one of them is done.", commands.CountNoun(ahead, "other command", "other commands"))
}

// userBusy refuses an interaction that cannot wait while its user is at
// their cap, or whose user's queue is full.
func userBusy(running, waiting int) string {
	if waiting > 0 {
		return fmt.Sprintf("You have %s running and %d waiting already; try again when they are done.", commands.CountNoun(running, "command", "commands"), waiting)
	}
	return fmt.Sprintf("You have %s running already; try this one again when one of them is done.", commands.CountNoun(running, "command", "commands"))
}

// msgWaitedTooLong tells a person their command waited too long behind
// their own to be run.
const msgWaitedTooLong = "This command waited too long behind your other commands, so it was not run; send it again if you still need it."
