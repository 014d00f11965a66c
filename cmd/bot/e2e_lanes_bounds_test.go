package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
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

// TestE2E_CommandThatWaitedWorkTimeoutIsNotRun: WORK_TIMEOUT is 30 s (the
// least the config allows) and Syncro holds every ticket read. Dana's
// first 6 commands hold her slots until their 30 s are up; 7 more sent
// 3 s later take them over and are held in turn. One more, sent after
// those, waits its 30 s behind them: it is not run (Syncro is never asked
// for its ticket) and Dana is told why.
func TestE2E_CommandThatWaitedWorkTimeoutIsNotRun(t *testing.T) {
	t.Parallel()
	// The wait is WORK_TIMEOUT of real time: the lanes' timers are not on
	// run's test clock.
	ctx, cancel := context.WithTimeout(t.Context(), 3*testTimeout)
	t.Cleanup(cancel)
	// Six tickets for the first 6 (a read of one already asked for is
	// shared), one for the 7 after the note, one for the late one.
	b, numbers := startHoldingReads(ctx, t, 8, func(env map[string]string) { env["WORK_TIMEOUT"] = "30s" })
	next, late := numbers[6], numbers[7]

	b.fillSlots(ctx, t, numbers[:6])
	// The note, 3 s on, puts the next ones well after the first 6 started,
	// so those 6 give their slots up before the next ones give up waiting.
	b.slash(ctx, t, "ticket "+itoa64(next))
	b.waitReply(ctx, t, 0, "Queued behind your 6 other commands")
	for range 6 {
		b.slash(ctx, t, "ticket "+itoa64(next))
	}
	b.slash(ctx, t, "ticket "+itoa64(late))

	tooLong := "waited too long behind your other commands, so it was not run"
	b.waitReply(ctx, t, 0, tooLong)
	b.waitLog(ctx, t, `"why":"bot: waited too long`)
	b.srv.ReleaseHangs()
	b.srv.ClearFaults()
	// The 7 sent after the note: their cards, or (the first, which may
	// have waited as long) the same refusal.
	if err := b.f.WaitUntil(ctx, func() bool {
		return b.repliesSaying(e2eUser, "#"+itoa64(next)+" ")+b.repliesSaying(e2eUser, tooLong) >= 8
	}); err != nil {
		t.Fatalf("Dana's 7 commands sent after the note were neither answered nor refused: %v", err)
	}
	if got := b.repliesSaying(e2eUser, "#"+strconv.FormatInt(late, 10)+" "); got != 0 {
		t.Errorf("Dana got %d cards of #%d, which waited 30 s: want none", got, late)
	}
	lateID := ticketByNumber(t, b.srv, late).ID
	for _, r := range b.srv.Requests() {
		if r.Method == "GET" && r.Path == "/tickets/"+itoa64(lateID) {
			t.Errorf("Syncro was asked for #%d, which waited 30 s: %s %s", late, r.Method, r.Path)
		}
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
