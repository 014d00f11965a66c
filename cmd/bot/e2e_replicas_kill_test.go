package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// A replica killed with SIGKILL in the middle of a bill: the kill must
// be real (no shutdown, no last reply, its database session cut by the
// kernel), so that replica runs in a process of its own, this test binary
// again, running only TestReplicaProcess.

// replicaEnvVar hands the child its environment, as JSON.
const replicaEnvVar = "SYNCROBOT_TEST_REPLICA_ENV"

// TestReplicaProcess is no test of its own: startReplicaProcess runs it in
// a child process, where it is the bot until it is killed.
func TestReplicaProcess(t *testing.T) {
	raw := os.Getenv(replicaEnvVar)
	if raw == "" {
		t.Skip("the bot of a child process; startReplicaProcess runs it")
	}
	var env map[string]string
	if err := json.Unmarshal([]byte(raw), &env); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if path := env[clockAheadVar]; path != "" {
		ctx = withRunClock(ctx, fileAheadClock(path))
	}
	if host, _ := time.ParseDuration(env[hostAheadVar]); host != 0 {
		ctx = withRunClock(ctx, hostAhead(clockOf(ctx), host))
	}
	os.Exit(run(ctx, []string{"bot", "-debug"}, envMap(env), os.Stdout, os.Stderr))
}

// clockAheadVar names, in a replica's environment, the file that says how
// far ahead of the real clock its clock runs (fileAheadClock).
const clockAheadVar = "SYNCROBOT_TEST_CLOCK_AHEAD"

// fileAheadClock is the real clock moved ahead by the duration the file at
// path holds (none while it is absent), which a test moves while the
// replicas run (killedWritesPast).
func fileAheadClock(path string) runClock {
	return runClock{now: func() time.Time {
		raw, _ := os.ReadFile(path)
		ahead, _ := time.ParseDuration(string(raw))
		return time.Now().Add(ahead)
	}}
}

// killedWritesPast makes the replicas fx starts from now on, in this
// process or a child (startReplicaProcess), read one clock, and returns
// what moves it past the writes a killed replica began: ahead by as long
// as such a write may still reach Syncro (the store's in-flight fence:
// WORK_TIMEOUT, plus store.AdoptGrace), so a survivor takes that
// replica's work up now rather than that much later, with no sleep.
func killedWritesPast(t *testing.T, fx *e2eFakes) (pass func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clock-ahead")
	fx.env[clockAheadVar] = path
	fx.clock = fileAheadClock(path)
	work := 2 * time.Minute // WORK_TIMEOUT's default (README, Configuration)
	if v := fx.env["WORK_TIMEOUT"]; v != "" {
		var err error
		if work, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	var ahead time.Duration
	return func() {
		t.Helper()
		ahead += work + store.AdoptGrace + time.Second
		if err := os.WriteFile(path, []byte(ahead.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// startReplicaProcess runs the bot on fx in a child process and waits
// until it has connected to Slack and read the account; it returns the
// process, for kill -9, and its log.
func startReplicaProcess(ctx context.Context, t *testing.T, fx *e2eFakes) (*os.Process, *syncbuf.Buffer) {
	t.Helper()
	raw, err := json.Marshal(fx.env)
	if err != nil {
		t.Fatal(err)
	}
	conns := fx.f.TotalConnections()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReplicaProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), replicaEnvVar+"="+string(raw))
	logs := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if err := fx.f.WaitConnections(ctx, conns+1); err != nil {
		t.Fatalf("the child replica never connected: %v; its log:\n%s", err, logs.String())
	}
	if err := logs.WaitFor(ctx, `"msg":"account settings`); err != nil {
		t.Fatalf("the child replica never read the account: %v; its log:\n%s", err, logs.String())
	}
	return cmd.Process, logs
}

// billHeldAtCharge has Dana bill 60 minutes on the printer ticket with
// notes, through the one replica connected to fx's Slack (every envelope
// goes to its socket), and returns once the minutes landed and Syncro
// holds the charge; it returns the ticket and its minutes before.
func billHeldAtCharge(ctx context.Context, t *testing.T, fx *e2eFakes, notes string) (syncrotest.Ticket, int) {
	t.Helper()
	tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketPrinter)
	minutesBefore, _ := loggedMinutes(fx.srv, tk.ID)
	if _, err := fx.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: e2eChannel, Text: "bill " + itoa64(tk.Number)}); err != nil {
		t.Fatal(err)
	}
	first := &e2eBot{e2eFakes: fx}
	form := first.waitView(ctx, t, commands.CallbackBill)
	fx.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultHang)
	first.submitView(ctx, t, billSubmission(t, form, "60", notes))
	first.waitHeld(ctx, t)
	return tk, minutesBefore
}

// TestE2E_Replicas_BillOfAKilledReplicaIsFinishedByTheOther: replica A
// bills 60 minutes; the minutes land and the charge is at Syncro when A
// is killed (SIGKILL). Replica B, started after, tells Dana with
// Finish; Finish on B does what is missing: the minutes once, one
// invoice.
func TestE2E_Replicas_BillOfAKilledReplicaIsFinishedByTheOther(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Replaced the fuser unit."
	fx := replicaFakes(t)
	a, aLog := startReplicaProcess(ctx, t, fx)
	tk, minutesBefore := billHeldAtCharge(ctx, t, fx, notes)

	// A is killed mid-charge; B, starting after, tells Dana of the bill
	// A left, with Finish (while A lived, the bill was A's to tell of:
	// TestE2E_Replicas_AStartLeavesABillTheOtherIsRunningToIt).
	killThenFinishOnB(ctx, t, fx, a, aLog, tk, minutesBefore, notes)
}

// killThenFinishOnB kills replica a (SIGKILL), starts B on fx, waits for
// B to tell Dana of the bill a left, with Finish, and finishes it there
// (finishKilledBill).
func killThenFinishOnB(ctx context.Context, t *testing.T, fx *e2eFakes, a *os.Process, aLog *syncbuf.Buffer, tk syncrotest.Ticket, minutesBefore int, notes string) {
	t.Helper()
	pass := killedWritesPast(t, fx)
	if err := a.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = a.Wait()
	pass()
	b := fx.start(ctx, t, "-debug")
	told := b.waitReply(ctx, t, 0, tickets.ActionFinish)
	b.finishKilledBill(ctx, t, told, aLog, tk, minutesBefore, notes)
}

// finishKilledBill clicks Finish in told, the message of the bill a
// killed replica (its log aLog) left, on b and checks that Finish
// invoiced it and that Syncro holds it once.
func (b *e2eBot) finishKilledBill(ctx context.Context, t *testing.T, told slackfake.Ephemeral, aLog *syncbuf.Buffer, tk syncrotest.Ticket, minutesBefore int, notes string) {
	t.Helper()
	seen := len(b.f.Ephemerals(e2eUser))
	b.clickFinish(ctx, t, told)
	done := b.waitReply(ctx, t, seen)
	if !strings.Contains(done.Text, "Invoiced #") {
		t.Errorf("Finish on B answered %q, want the invoice; B's log:\n%s\nA's log:\n%s", done.Text, b.stderr.String(), aLog.String())
	}
	wantBilledOnce(t, b.srv, tk, minutesBefore, notes)
	t.Logf("told: %q; Finish answered: %q", told.Text, done.Text)
}
