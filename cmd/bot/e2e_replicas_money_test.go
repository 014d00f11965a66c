package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// claimWait is what a replica logs (at debug) when a write's claim it
// asks for is held by another replica (store.(*Postgres).Wait).
const claimWait = `"msg":"waiting for a claim another holds"`

// childReplica is a replica in a process of its own, which a test can
// kill, with the Slack socket it connected.
type childReplica struct {
	proc *os.Process
	log  *syncbuf.Buffer
	conn int // slackfake's id of its socket
}

// startChildReplica runs a replica on fx in a child process
// (startReplicaProcess) and notes its socket.
func startChildReplica(ctx context.Context, t *testing.T, fx *e2eFakes) *childReplica {
	t.Helper()
	p, log := startReplicaProcess(ctx, t, fx)
	return &childReplica{proc: p, log: log, conn: fx.f.TotalConnections()}
}

// moneyCase is one money write of Dana's that Slack delivers twice, the
// second time to the other replica, maybe after the first one's replica
// was killed while Syncro held its write.
type moneyCase struct {
	name string
	bill bool // a bill of 60 minutes; else /syncro comment with 20 minutes
	kill bool // the replica of the first delivery is killed (SIGKILL) before the second
}

// TestE2E_Replicas_MoneyOnceThroughRedeliveriesAndAKill is the money chaos
// test across two replicas, as an enumerated table: each money write —
// minutes logged with a comment, a bill — is delivered by Slack, held at
// Syncro mid-write (the comment, the charge), and delivered again, to the
// other replica: while the first replica still runs it, or after that
// replica was killed with SIGKILL. Every case ends with Syncro holding
// the accepted minutes once, the comment once and, for a bill, one
// invoice, and Dana answered. Both replicas are child processes on one
// PostgreSQL; a killed one is replaced before the next case.
//
// Not covered: a kill at other points of a flow (before the write is
// sent, after Syncro answered), random interleavings, a close.
func TestE2E_Replicas_MoneyOnceThroughRedeliveriesAndAKill(t *testing.T) {
	t.Parallel()
	cases := []moneyCase{
		{name: "time redelivered to the other replica while the first writes", bill: false, kill: false},
		{name: "bill redelivered to the other replica while the first charges", bill: true, kill: false},
		{name: "time: its replica killed mid-write, redelivered to the survivor", bill: false, kill: true},
		{name: "bill: its replica killed mid-charge, redelivered to the survivor", bill: true, kill: true},
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Duration(len(cases)+1)*testTimeout)
	defer cancel()
	fx := replicaFakes(t)
	pass := killedWritesPast(t, fx)
	replicas := []*childReplica{startChildReplica(ctx, t, fx), startChildReplica(ctx, t, fx)}
	dana := &e2eBot{e2eFakes: fx}
	printer := ticketByNumber(t, fx.srv, syncrotest.SeedTicketPrinter)

	for i, c := range cases {
		tk := fx.srv.AddTicket(syncrotest.Ticket{Subject: fmt.Sprintf("Money case %d", i+1), CustomerID: printer.CustomerID, Status: "In Progress"})
		minutesBefore, _ := loggedMinutes(fx.srv, tk.ID)
		notes := fmt.Sprintf("Money case %d: reseated the cable.", i+1)
		seen := len(fx.f.Ephemerals(e2eUser))

		first, done, minutes := dana.sendMoneyWrite(ctx, t, c, tk, notes)
		dana.waitHeld(ctx, t)
		owner, other := replicas[0], replicas[1]
		if first.ConnID == other.conn {
			owner, other = other, owner
		}
		if c.kill {
			if err := owner.proc.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_, _ = owner.proc.Wait()
			pass()
			if err := poll(ctx, func() bool { return fx.f.Connections() == 1 }); err != nil {
				t.Fatalf("%s: Slack still counts the killed replica's socket: %v", c.name, err)
			}
		}
		again, err := fx.f.Redeliver(ctx, first.EnvelopeID)
		if err != nil {
			t.Fatalf("%s: redeliver: %v", c.name, err)
		}
		if again.ConnID != other.conn {
			t.Fatalf("%s: delivered to sockets %d and %d, want the second on the other replica (%d)", c.name, first.ConnID, again.ConnID, other.conn)
		}
		answers := 1 // the survivor's; a killed replica answers nothing
		if !c.kill {
			// The other replica waits for the first one's write, or,
			// were the claim not shared, writes and answers on its own.
			err := poll(ctx, func() bool {
				return strings.Contains(other.log.String(), claimWait) || len(fx.f.Ephemerals(e2eUser)) > seen
			})
			if err != nil {
				t.Fatalf("%s: the other replica neither waited for the first's claim nor answered: %v; its log:\n%s", c.name, err, other.log.String())
			}
			fx.srv.ReleaseHangs()
			answers = 2
		}
		if err := fx.f.WaitUntil(ctx, func() bool { return len(dana.postedSaying(seen, done)) >= answers }); err != nil {
			t.Fatalf("%s: %d of %d answers saying %q: %v; ephemerals %+v", c.name, len(dana.postedSaying(seen, done)), answers, done, err, fx.f.Ephemerals(e2eUser)[seen:])
		}
		got, _ := loggedMinutes(fx.srv, tk.ID)
		invoices := 0
		if c.bill {
			invoices = 1
		}
		if got-minutesBefore != minutes || commentsWithBody(fx.srv, tk.ID, notes) != 1 || invoicesOf(fx.srv, tk.ID) != invoices {
			t.Errorf("%s: Syncro holds %d new minutes, %d comments, %d invoices; want %d, 1, %d",
				c.name, got-minutesBefore, commentsWithBody(fx.srv, tk.ID, notes), invoicesOf(fx.srv, tk.ID), minutes, invoices)
		}
		if c.kill {
			replicas = []*childReplica{other, startChildReplica(ctx, t, fx)}
		}
	}
}

// sendMoneyWrite has Dana make c's write on tk with notes, held at Syncro
// mid-write, and returns the ack of the envelope that carries it, what
// its answer says when done, and the minutes it logs.
func (b *e2eBot) sendMoneyWrite(ctx context.Context, t *testing.T, c moneyCase, tk syncrotest.Ticket, notes string) (first slackfake.Ack, done string, minutes int) {
	t.Helper()
	if !c.bill {
		b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
		ack, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: e2eChannel,
			Text: "comment " + itoa64(tk.Number) + " --time 20m " + notes})
		if err != nil {
			t.Fatal(err)
		}
		return ack, "20 min logged", 20
	}
	if _, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: e2eChannel, Text: "bill " + itoa64(tk.Number)}); err != nil {
		t.Fatal(err)
	}
	form := b.waitViewSaying(ctx, t, itoa64(tk.Number))
	if form.CallbackID != commands.CallbackBill {
		t.Fatalf("the open view of #%d is %s, want the bill form", tk.Number, form.CallbackID)
	}
	b.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultHang)
	va := b.submitView(ctx, t, billSubmission(t, form, "60", notes))
	return va.Ack, "Invoiced #" + itoa64(tk.Number), 60
}

// postedSaying is Dana's replies past her first after that say want.
func (b *e2eBot) postedSaying(after int, want string) []slackfake.Ephemeral {
	var out []slackfake.Ephemeral
	for _, e := range b.f.Ephemerals(e2eUser)[after:] {
		if strings.Contains(replyText(e.Message), want) {
			out = append(out, e)
		}
	}
	return out
}
