package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/fakeclock"
)

// The bounds of one person's queue (README, Security: one person cannot
// lock everyone out): 200 waiting at most, and none run after waiting
// WORK_TIMEOUT.

// repliesSaying counts the ephemerals to user whose text holds want.
func (b *e2eBot) repliesSaying(user, want string) int {
	n := 0
	for _, e := range b.f.Ephemerals(user) {
		if strings.Contains(replyText(e.Message), want) {
			n++
		}
	}
	return n
}

// fillSlots sends Dana's "ticket N" for each of numbers, each a distinct
// ticket whose read Syncro holds, and waits until Syncro holds them all:
// her slots are then full.
func (b *e2eBot) fillSlots(ctx context.Context, t *testing.T, numbers []int64) {
	t.Helper()
	for _, n := range numbers {
		b.slash(ctx, t, "ticket "+itoa64(n))
	}
	if err := poll(ctx, func() bool { return b.srv.Held() == len(numbers) }); err != nil {
		t.Fatalf("Syncro holds %d of Dana's reads, want %d: %v", b.srv.Held(), len(numbers), err)
	}
}

// TestE2E_TwoHundredWaitingAtMost: Syncro holds every ticket read. Dana
// sends 206 commands: 6 run, 200 wait, and the 207th is refused in its
// ack with her counts. When Syncro answers, the 206 taken are answered.
func TestE2E_TwoHundredWaitingAtMost(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	// Six tickets to run (a read of one already asked for is shared),
	// the last of them for the 200 to wait with.
	b, numbers := startHoldingReads(ctx, t, 6, nil)
	number := itoa64(numbers[5])

	for i := range 206 {
		ack := b.slash(ctx, t, "ticket "+itoa64(numbers[min(i, 5)]))
		if strings.Contains(string(ack.Payload), "You have") {
			t.Fatalf("command %d of 206 was refused: %s", i+1, ack.Payload)
		}
	}
	if err := poll(ctx, func() bool { return b.srv.Held() == 6 }); err != nil {
		t.Fatalf("Syncro holds %d of Dana's reads, want 6: %v", b.srv.Held(), err)
	}
	ack := b.slash(ctx, t, "ticket "+number)
	const full = "You have 6 commands running and 200 waiting already"
	if !strings.Contains(string(ack.Payload), full) {
		t.Errorf("the 207th command was acked %s, want %q", ack.Payload, full)
	}

	b.srv.ReleaseHangs()
	b.srv.ClearFaults()
	card := "#" + number + " "
	if err := b.f.WaitUntil(ctx, func() bool { return b.repliesSaying(e2eUser, card) >= 201 }); err != nil {
		t.Fatalf("Dana got %d cards of #%s, want the 201 taken: %v", b.repliesSaying(e2eUser, card), number, err)
	}
	if got := b.repliesSaying(e2eUser, card); got != 201 {
		t.Errorf("Dana got %d cards of #%s, want 201 (the refused one not run)", got, number)
	}
}

// TestE2E_CommandThatWaitedWorkTimeoutIsNotRun: Syncro holds every
// ticket read, and run's clock moves only when the test moves it. Dana's
// first 6 commands fill her slots and her 7th waits behind them: she is
// told it is queued, and once it has waited WORK_TIMEOUT (2 min, the
// default) that it was not run. It is not run later either: when a slot
// is free again, it goes to the command she sends next, and Syncro is
// never asked for the ticket of the one that waited too long.
func TestE2E_CommandThatWaitedWorkTimeoutIsNotRun(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	// The queue's waits are on run's clock, moved below; the first 6 run
	// for WORK_TIMEOUT on the real clock, which outlasts the test.
	clk := fakeclock.New(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	b, numbers := startHoldingReads(ctx, t, 8, func(fx *e2eFakes) {
		fx.clock = runClock{now: clk.Now, after: clk.After}
	})
	late, next := numbers[6], numbers[7]
	readOf := func(n int64) string { return "/tickets/" + itoa64(ticketByNumber(t, b.srv, n).ID) }

	b.fillSlots(ctx, t, numbers[:6])
	b.slash(ctx, t, "ticket "+itoa64(late))
	// Queued, it waits on the clock for its note and for giving up.
	if err := poll(ctx, func() bool { return clk.Pending() == 2 }); err != nil {
		t.Fatalf("Dana's 7th command waits on %d timers of run's clock, want 2 (its note, its giving up): %v", clk.Pending(), err)
	}
	clk.Advance(bot.DefaultQueueNoteAfter)
	b.waitReply(ctx, t, 0, "Queued behind your 6 other commands")
	clk.Advance(bot.DefaultWorkTimeout - bot.DefaultQueueNoteAfter)
	b.waitReply(ctx, t, 0, "waited too long behind your other commands, so it was not run")
	b.waitLog(ctx, t, `"why":"bot: waited too long`)

	// A slot freed goes to the first command still waiting: the one that
	// waited too long, were it still queued, else the one sent now.
	if !b.srv.ReleaseOne(readOf(numbers[0])) {
		t.Fatalf("Syncro holds no read of #%d; held %v", numbers[0], b.srv.HeldPaths())
	}
	b.slash(ctx, t, "ticket "+itoa64(next))
	held := func(n int64) bool { return slices.Contains(b.srv.HeldPaths(), readOf(n)) }
	if err := poll(ctx, func() bool { return held(next) || held(late) }); err != nil {
		t.Fatalf("after a slot was freed neither #%d nor #%d reached Syncro; held %v", late, next, b.srv.HeldPaths())
	}
	if held(late) {
		t.Errorf("the freed slot went to #%d, which waited WORK_TIMEOUT; held %v", late, b.srv.HeldPaths())
	}
	b.srv.ReleaseHangs()
	b.srv.ClearFaults()
	b.waitReply(ctx, t, 0, "#"+itoa64(next)+" ")
	for _, r := range b.srv.Requests() {
		if r.Method == "GET" && r.Path == readOf(late) {
			t.Errorf("Syncro was asked for #%d, which waited WORK_TIMEOUT: %s %s", late, r.Method, r.Path)
		}
	}
	if got := b.repliesSaying(e2eUser, "#"+itoa64(late)+" "); got != 0 {
		t.Errorf("Dana got %d cards of #%d, which waited WORK_TIMEOUT: want none", got, late)
	}
}

// TestE2E_QueuedCommandsStartInTheOrderSent: Syncro holds every ticket
// read. Dana's first 6 commands fill her slots; two more wait. Freeing
// one slot at a time, the first waiting command starts first.
func TestE2E_QueuedCommandsStartInTheOrderSent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, numbers := startHoldingReads(ctx, t, 8, nil)
	readOf := func(i int) string { return "/tickets/" + itoa64(ticketByNumber(t, b.srv, numbers[i]).ID) }

	b.fillSlots(ctx, t, numbers[:6])
	b.slash(ctx, t, "ticket "+itoa64(numbers[6]))
	b.slash(ctx, t, "ticket "+itoa64(numbers[7]))

	held := func(i int) bool { return slices.Contains(b.srv.HeldPaths(), readOf(i)) }
	release := func(i int) {
		t.Helper()
		if !b.srv.ReleaseOne(readOf(i)) {
			t.Fatalf("Syncro holds no read of #%d; held %v", numbers[i], b.srv.HeldPaths())
		}
	}
	release(0)
	if err := poll(ctx, func() bool { return held(6) || held(7) }); err != nil {
		t.Fatalf("after freeing a slot no waiting command started: %v", err)
	}
	if held(7) {
		t.Fatalf("one slot freed started #%d, sent after #%d; held %v", numbers[7], numbers[6], b.srv.HeldPaths())
	}
	release(1)
	if err := poll(ctx, func() bool { return held(7) }); err != nil {
		t.Fatalf("#%d did not start after a second slot was freed; held %v", numbers[7], b.srv.HeldPaths())
	}
	b.srv.ReleaseHangs()
	b.srv.ClearFaults()
}
