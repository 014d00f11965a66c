package main

import (
	"context"
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
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
	pass := killedWritesPast(t, fx)
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"msg":"start messages sent"`)
	if got := b.postedWith(0, tickets.ActionFinish); len(got) != 0 {
		t.Fatalf("B told Dana of a bill A was running: %q", got[0].Text)
	}
	if err := a.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = a.Wait()
	pass()
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

// announceEvery has bots on fx announce closed tickets in the notify
// channel, polling Syncro every interval.
func (fx *e2eFakes) announceEvery(interval time.Duration) {
	fx.env["NOTIFY_CHANNEL"] = notifyChannel
	fx.env["SYNCRO_POLL_INTERVAL"] = interval.String()
	fx.f.AddChannel(slackfake.Channel{ID: notifyChannel, Name: "tickets-closed"})
}

// logTime is when b's log first says want: the time of that JSON line.
func (b *e2eBot) logTime(t *testing.T, want string) time.Time {
	t.Helper()
	for line := range strings.SplitSeq(b.stderr.String(), "\n") {
		if !strings.Contains(line, want) {
			continue
		}
		var rec struct{ Time time.Time }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		return rec.Time
	}
	t.Fatalf("the bot never logged %q", want)
	return time.Time{}
}

// TestE2E_Replicas_WatcherOfAKilledReplicaIsTakenOverWithinAPoll: replica
// A (a child process) runs the closed-ticket watcher beside B and is
// killed (SIGKILL): no shutdown, its database session cut by the kernel.
// A ticket closed in Syncro right after is announced by B, once. B took
// the watcher over within one poll interval: its own polls, one an
// interval as its tries to take the lead are, numbered at most two
// between A's death and its taking over (a takeover two intervals late
// shows three).
func TestE2E_Replicas_WatcherOfAKilledReplicaIsTakenOverWithinAPoll(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	fx.announceEvery(time.Second)
	a, aLog := startReplicaProcess(ctx, t, fx)
	if err := aLog.WaitFor(ctx, "first start: announcing tickets closed from now on"); err != nil {
		t.Fatalf("A never ran the watcher: %v; its log:\n%s", err, aLog.String())
	}
	b := fx.start(ctx, t, "-debug")
	b.waitLog(ctx, t, `"role":"follower"`) // B polls as a follower: A leads
	tk := b.marcusTicket(t, "Conference room display dark")

	if err := a.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = a.Wait()
	died := time.Now()
	if err := fx.srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	const leads = "this replica runs the closed-ticket watcher"
	b.waitLog(ctx, t, leads)
	b.waitNotice(ctx, t, tk.Number)
	b.waitPolls(ctx, t, 2) // the chance of a second notice
	if got := b.noticesAbout(t, tk.Number); len(got) != 1 || !strings.Contains(got[0], "Closed in Syncro") {
		t.Errorf("#%d: notices %q, want one, closed in Syncro", tk.Number, got)
	}
	took := b.logTime(t, leads)
	polls := 0
	for _, r := range fx.srv.Requests() {
		if r.Method == "GET" && r.Path == "/tickets" && !r.Time.Before(died) && r.Time.Before(took) {
			polls++
		}
	}
	if polls > 2 {
		t.Errorf("B polled %d times as a follower between A's death and taking the watcher over, want at most 2 (one interval)", polls)
	}
	t.Logf("B polled %d times between A's death and taking over", polls)
}
