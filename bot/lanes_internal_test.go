package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLanes_SlotComingAsItsTurnLeavesGoesToTheNext(t *testing.T) {
	t.Parallel()
	l := newLanes(10, 1, 10, realClock{})
	first, a, _, _ := l.take("U1", true)
	if a != runNow {
		t.Fatalf("first turn: %v, want runNow", a)
	}
	second, _, _, _ := l.take("U1", true)
	third, a, running, waiting := l.take("U1", true)
	if a != queued || running != 1 || waiting != 1 {
		t.Fatalf("third turn: %v with %d running, %d waiting; want queued behind 1 and 1", a, running, waiting)
	}
	l.release(first)
	// second's slot came just as its work was stopped: third gets it.
	stop := errors.New("stopped")
	if err := l.leave(second, stop); err != stop {
		t.Errorf("leave = %v", err)
	}
	select {
	case <-third.ready:
	default:
		t.Fatal("the slot of a turn that left was not passed on")
	}
	l.release(third)
	if r, q := l.counts(); r != 0 || q != 0 || len(l.users) != 0 {
		t.Errorf("after all: %d running, %d queued, %d users; want none", r, q, len(l.users))
	}
}

// TestLanes_EveryTurnGivesItsSlotBack runs many users' turns, some stopped
// while they wait, and checks nothing is left held: no slot, no queue, no
// user, whatever the interleaving (run with -race).
func TestLanes_EveryTurnGivesItsSlotBack(t *testing.T) {
	t.Parallel()
	l := newLanes(8, 3, 50, realClock{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ran, left := 0, 0
	for i := range 200 {
		user := fmt.Sprintf("U%d", i%5)
		tn, a, _, _ := l.take(user, true)
		if a != runNow && a != queued {
			continue
		}
		wctx := t.Context()
		if i%3 == 0 {
			wctx = ctx
		}
		wg.Go(func() {
			if err := l.wait(wctx, tn, time.Minute, time.Minute, func(int) {}); err != nil {
				mu.Lock()
				left++
				mu.Unlock()
				return
			}
			mu.Lock()
			ran++
			mu.Unlock()
			l.release(tn)
		})
		if i == 100 {
			cancel()
		}
	}
	wg.Wait()
	if r, q := l.counts(); r != 0 || q != 0 || len(l.users) != 0 {
		t.Errorf("after %d ran and %d left: %d running, %d queued, %d users; want none", ran, left, r, q, len(l.users))
	}
}

func TestLanes_AParkedTurnLeavesItsSlotToOthersAndTakesItBack(t *testing.T) {
	t.Parallel()
	l := newLanes(2, 2, 10, realClock{})
	first, _, _, _ := l.take("U1", true)
	second, _, _, _ := l.take("U2", true)
	if _, a, _, _ := l.take("U3", true); a != allBusy {
		t.Fatalf("a third turn with 2 slots taken: %v, want allBusy", a)
	}
	resume := l.park()
	third, a, _, _ := l.take("U3", true)
	if a != runNow {
		t.Fatalf("a third turn while one waits on a shared read: %v, want runNow", a)
	}
	resume()
	resume() // once only
	if r, _ := l.counts(); r != 3 {
		t.Errorf("after resume: %d running, want 3 (past MaxInFlight: the work was admitted)", r)
	}
	if _, a, _, _ := l.take("U4", true); a != allBusy {
		t.Errorf("a fourth turn with 3 running of 2: %v, want allBusy", a)
	}
	for _, tn := range []*turn{first, second, third} {
		l.release(tn)
	}
	if r, q := l.counts(); r != 0 || q != 0 || len(l.users) != 0 {
		t.Errorf("after all: %d running, %d queued, %d users; want none", r, q, len(l.users))
	}
}

// TestLanes_ClosedLanesHandNoSlotToAWaitingTurn: once shutdown has begun,
// a slot given back goes to no waiting turn (shutdown stops them all), and
// the waiting turn, stopped, leaves nothing held.
func TestLanes_ClosedLanesHandNoSlotToAWaitingTurn(t *testing.T) {
	t.Parallel()
	l := newLanes(10, 1, 10, realClock{})
	first, _, _, _ := l.take("U1", true)
	second, a, _, _ := l.take("U1", true)
	if a != queued {
		t.Fatalf("second turn: %v, want queued", a)
	}
	l.close()
	l.release(first)
	select {
	case <-second.ready:
		t.Fatal("a slot given back after close went to a waiting turn")
	default:
	}
	stop := errors.New("stopped")
	if err := l.leave(second, stop); err != stop {
		t.Errorf("leave = %v", err)
	}
	if r, q := l.counts(); r != 0 || q != 0 || len(l.users) != 0 {
		t.Errorf("after all: %d running, %d queued, %d users; want none", r, q, len(l.users))
	}
}

// TestLanes_SlotComingAsTheWorkIsStoppedIsNotTaken: a waiting turn whose
// work was stopped and whose slot came too does not run, whichever its
// wait sees first; the slot goes on to the next turn.
func TestLanes_SlotComingAsTheWorkIsStoppedIsNotTaken(t *testing.T) {
	t.Parallel()
	// Each round is one chance for a select to pick the slot over the stop.
	for round := range 100 {
		l := newLanes(10, 1, 10, realClock{})
		first, _, _, _ := l.take("U1", true)
		second, _, _, _ := l.take("U1", true)
		third, _, _, _ := l.take("U1", true)
		ctx, cancel := context.WithCancelCause(t.Context())
		stop := errors.New("stopped")
		cancel(stop)
		l.release(first)
		if err := l.wait(ctx, second, time.Minute, time.Minute, func(int) {}); err != stop {
			t.Fatalf("round %d: wait of a stopped turn whose slot came = %v, want %v", round, err, stop)
		}
		select {
		case <-third.ready:
		default:
			t.Fatalf("round %d: the slot of the stopped turn was not passed on", round)
		}
		l.release(third)
		if r, q := l.counts(); r != 0 || q != 0 || len(l.users) != 0 {
			t.Fatalf("round %d, after all: %d running, %d queued, %d users; want none", round, r, q, len(l.users))
		}
	}
}
