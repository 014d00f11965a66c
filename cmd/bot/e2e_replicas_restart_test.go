package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store/pgtest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The database restarted under both replicas (README, Running two
// replicas: a replica whose session the server dropped takes it back).

// notRecorded is the reply to a write the bot could not record in its own
// database, so sent nothing to Syncro (commands' storeFailedReply).
const notRecorded = "I couldn't record this request in my own database, so I didn't send anything to Syncro. Try again in a moment."

// TestE2E_Replicas_ADatabaseRestartUnderBothReplicas: two replicas run on
// a PostgreSQL server of the test's own, which is stopped (pg_ctl stop -m
// fast) and started again under them. Dana submits a bill while it is
// down: she is told nothing was sent, and Syncro holds nothing of it.
// As soon as the server is back she submits it again, twice at once (a
// double click), one envelope to each replica, while the first one's
// charge is at Syncro: it is invoiced once, the minutes once. Both
// replicas take their sessions back, and the closed-ticket watcher runs
// on one of them again: a close is announced once.
func TestE2E_Replicas_ADatabaseRestartUnderBothReplicas(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout+15*time.Second) // a restart and the sessions' 5 s
	defer cancel()
	pg := pgtest.NewServer(t)
	fx := replicaFakesOn(t, pg.URL("syncrobot"))
	fx.announceEvery(time.Second)
	bots := []*e2eBot{fx.start(ctx, t, "-debug"), fx.start(ctx, t, "-debug")}
	leader, _ := waitLeader(ctx, t, bots)
	leader.waitLog(ctx, t, "first start: announcing tickets closed from now on")
	dana := bots[0]
	tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketPrinter)
	minutesBefore, _ := loggedMinutes(fx.srv, tk.ID)
	const notes = "Replaced the transfer belt."
	dana.slash(ctx, t, "bill "+itoa64(tk.Number))
	bill := billSubmission(t, dana.waitView(ctx, t, commands.CallbackBill), "60", notes)

	pg.Stop()
	dana.submitView(ctx, t, bill)
	if down := dana.waitReply(ctx, t, 0); down.Text != notRecorded {
		t.Errorf("a bill submitted while the database was down answered %q, want %q", down.Text, notRecorded)
	}
	if minutes, _ := loggedMinutes(fx.srv, tk.ID); minutes != minutesBefore || invoicesOf(fx.srv, tk.ID) != 0 {
		t.Fatalf("told nothing was sent, but Syncro holds %d new minutes and %d invoices", minutes-minutesBefore, invoicesOf(fx.srv, tk.ID))
	}

	pg.Start()
	seen := len(fx.f.Ephemerals(e2eUser))
	fx.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultHang)
	dana.submitOnBoth(ctx, t, bill)
	err := poll(ctx, func() bool { return fx.srv.Held() > 0 || len(fx.f.Ephemerals(e2eUser)) > seen })
	if err != nil || fx.srv.Held() == 0 {
		t.Fatalf("the bill submitted again once the database was back never reached Syncro's charge (%v); Dana was told %q", err, ephemeralTexts(fx.f, e2eUser)[seen:])
	}
	fx.srv.ReleaseHangs()
	dana.waitReply(ctx, t, seen, "Invoiced #")
	dana.waitReply(ctx, t, seen+1) // the other click's answer
	wantBilledOnce(t, fx.srv, tk, minutesBefore, notes)
	// Both clicks are answered with the invoice: the second waited for
	// the first, and neither says a word of a bill not made.
	for _, text := range ephemeralTexts(fx.f, e2eUser)[seen:] {
		if !strings.Contains(text, "Invoiced #"+itoa64(tk.Number)) || strings.Contains(text, "Nothing was billed") {
			t.Errorf("a click on the bill once the database was back answered %q, want the invoice", text)
		}
	}

	for _, b := range bots {
		b.waitLog(ctx, t, "took the replica's database session again")
	}
	closed := dana.marcusTicket(t, "Scanner offline after the restart")
	if err := fx.srv.SetTicketStatus(closed.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	dana.waitNotice(ctx, t, closed.Number)
	dana.waitPolls(ctx, t, 3) // both replicas' chances of a second notice
	if got := dana.noticesAbout(t, closed.Number); len(got) != 1 {
		t.Errorf("#%d closed after the restart: %d notices, want one: %q", closed.Number, len(got), got)
	}
	leading := 0
	for _, b := range bots {
		if leadsWatcher(b.stderr.String()) {
			leading++
		}
	}
	if leading != 1 {
		t.Errorf("%d replicas say they run the closed-ticket watcher after the restart, want 1", leading)
	}
}

// leadsWatcher reports whether a replica's log last says it took the
// closed-ticket watcher's lead, not that it lost it.
func leadsWatcher(logs string) bool {
	return strings.LastIndex(logs, "this replica runs the closed-ticket watcher") > strings.LastIndex(logs, "lost the closed-ticket watcher's lead")
}
