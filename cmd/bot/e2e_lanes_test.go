package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// One person's commands run 6 at a time (README, Security: one person
// cannot lock everyone out), as that person meets it.

// startHoldingReads starts the bot, waits for its open-ticket mirror, and
// makes Syncro hold every ticket read from then on (ReleaseHangs or
// ReleaseOne lets them go); it returns n open tickets of the seed, by
// number. edit changes the fakes (their environment, run's clock) first.
func startHoldingReads(ctx context.Context, t *testing.T, n int, edit func(*e2eFakes)) (*e2eBot, []int64) {
	t.Helper()
	fx := newFakes(t)
	if edit != nil {
		edit(fx)
	}
	b := fx.start(ctx, t)
	b.waitLog(ctx, t, "open-ticket mirror filled")
	numbers := openTicketNumbers(t, b.srv, n)
	b.srv.Fail("GET", "/tickets/*", 1000, syncrotest.FaultHang)
	return b, numbers
}

// openTicketNumbers is n open tickets of the seed, by number.
func openTicketNumbers(t *testing.T, srv *syncrotest.Server, n int) []int64 {
	t.Helper()
	var out []int64
	for _, tk := range srv.Tickets() {
		switch tk.Status {
		case "Resolved", "Closed", "Invoiced":
			continue
		}
		out = append(out, tk.Number)
	}
	if len(out) < n {
		t.Fatalf("the seed has %d open tickets, want %d", len(out), n)
	}
	slices.Sort(out)
	return out[:n]
}

// TestE2E_SixAtOnceTheRestQueuedAndFormsToldAtOnce: Syncro holds
// every ticket read, and run's clock moves only when the test moves it.
// Dana asks for 8 tickets: 6 reach Syncro, the other 2 wait; 3 s on she
// is told once that one is queued behind her others; a command that
// opens a form cannot wait, and is told at once that she has 6 running.
// When Syncro answers, all 8 cards come. (The order the queued ones
// start in: TestE2E_QueuedCommandsStartInTheOrderSent.)
func TestE2E_SixAtOnceTheRestQueuedAndFormsToldAtOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	clk := fakeclock.New(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	b, numbers := startHoldingReads(ctx, t, 8, func(fx *e2eFakes) {
		fx.clock = runClock{now: clk.Now, after: clk.After}
	})

	for _, n := range numbers {
		b.slash(ctx, t, "ticket "+itoa64(n))
	}
	// The 2 queued wait on the clock for their note and for giving up.
	if err := poll(ctx, func() bool { return b.srv.Held() == 6 && clk.Pending() == 4 }); err != nil {
		t.Fatalf("Syncro holds %d of Dana's reads and %d timers wait on run's clock, want 6 and 4: %v", b.srv.Held(), clk.Pending(), err)
	}
	clk.Advance(bot.DefaultQueueNoteAfter)
	// Each queued command has 6 running and any sent before it ahead.
	note := b.waitReply(ctx, t, 0, "Queued behind your")
	if !strings.Contains(note.Text, "your 6 other commands") && !strings.Contains(note.Text, "your 7 other commands") {
		t.Errorf("the queued note says %q, want 6 or 7 others ahead", note.Text)
	}
	if held := b.srv.Held(); held != 6 {
		t.Errorf("Syncro holds %d of Dana's reads, want 6", held)
	}

	// A form's trigger lasts 3 s: it is answered now, not queued.
	ack := b.slash(ctx, t, "bill "+itoa64(numbers[0]))
	if !strings.Contains(string(ack.Payload), "You have 6 commands running") {
		t.Errorf("the bill form's command was acked %s, want the 6-running answer", ack.Payload)
	}

	b.srv.ReleaseHangs()
	b.srv.ClearFaults()
	for _, n := range numbers {
		b.waitReply(ctx, t, 0, "#"+itoa64(n)+" ")
	}
	notes := 0
	for _, e := range b.f.Ephemerals(e2eUser) {
		if strings.HasPrefix(e.Text, "Queued behind your") {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("Dana was told %d times that a command is queued, want once", notes)
	}
}
