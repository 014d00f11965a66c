package main

import (
	"context"
	"strings"
	"syscall"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The jobs one replica runs for all: telling of the work a dead replica
// left, and the closed-ticket watcher (README, Running two replicas).

// lookedForLeftWork is what the leading replica logs (at debug) after a
// look for work stopped replicas left that found none to tell of.
const lookedForLeftWork = `"msg":"looked for unfinished work of stopped replicas; none untold"`

// waitLogCount waits until b's log holds want n times or more.
func (b *e2eBot) waitLogCount(ctx context.Context, t *testing.T, want string, n int) {
	t.Helper()
	if err := poll(ctx, func() bool { return strings.Count(b.stderr.String(), want) >= n }); err != nil {
		t.Fatalf("the bot logged %q %d times, want %d: %v", want, strings.Count(b.stderr.String(), want), n, err)
	}
}

// TestE2E_Replicas_BillOfAKilledReplicaIsToldByTheSurvivorOnce: replicas
// A (a child process) and B run; A takes Dana's bill of 60 minutes and is
// killed (SIGKILL) while Syncro holds its charge. No replica starts after:
// B, the survivor, tells Dana with Finish within a poll interval, once
// however often it looks again; Finish does what is missing: the minutes
// once, one invoice.
func TestE2E_Replicas_BillOfAKilledReplicaIsToldByTheSurvivorOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Cleaned the paper path."
	fx := replicaFakes(t)
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	a, aLog := startReplicaProcess(ctx, t, fx)

	tk, minutesBefore := billHeldAtCharge(ctx, t, fx, notes) // A alone takes it

	// B starts while A lives, so its start leaves the bill to A; then A
	// is killed, and nothing starts again.
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	if got := b.postedWith(0, tickets.ActionFinish); len(got) != 0 {
		t.Fatalf("B told Dana of a bill A was running: %q", got[0].Text)
	}
	if err := a.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = a.Wait()
	told := b.waitReply(ctx, t, 0, tickets.ActionFinish)
	looks := strings.Count(b.stderr.String(), lookedForLeftWork)
	b.waitLogCount(ctx, t, lookedForLeftWork, looks+2) // two more chances to tell it again
	if got := b.postedWith(0, tickets.ActionFinish); len(got) != 1 {
		t.Errorf("Dana was told of the bill %d times, want once", len(got))
	}

	b.finishKilledBill(ctx, t, told, aLog, tk, minutesBefore, notes)
}

// TestE2E_Replicas_TheLeaderDoesNotRetellItsOwnFailedWork: a bill whose
// charge Syncro refused was answered with Finish by the replica that ran
// it, which leads the look for work stopped replicas left; its looks
// leave that bill alone: Dana has one Finish, not one a look.
func TestE2E_Replicas_TheLeaderDoesNotRetellItsOwnFailedWork(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startReplicas(ctx, t, 1, func(env map[string]string) { env["SYNCRO_POLL_INTERVAL"] = "1s" })[0]
	b.waitLog(ctx, t, "this replica tells of the work stopped replicas left")
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	b.slash(ctx, t, "bill "+itoa64(tk.Number))
	form := b.waitView(ctx, t, commands.CallbackBill)
	b.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultServerError)
	b.submitView(ctx, t, billSubmission(t, form, "60", "Replaced the toner."))
	b.waitReply(ctx, t, 0, tickets.ActionFinish)
	looks := strings.Count(b.stderr.String(), lookedForLeftWork)
	b.waitLogCount(ctx, t, lookedForLeftWork, looks+2)
	if got := b.postedWith(0, tickets.ActionFinish); len(got) != 1 {
		t.Errorf("Dana has %d messages with Finish for one failed bill, want 1", len(got))
	}
}
