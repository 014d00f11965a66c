package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_BillInvoicesOnlyWhatItsFormShowed: Dana opens the bill form;
// Marcus logs 30 min in Syncro's web app before she presses Bill (README:
// "the bill form tells you before you press Bill what the invoice will
// carry"). Nothing is billed; her reply shows the invoice as it stands
// now, with a button that bills it — once, though she clicks it twice.
func TestE2E_BillInvoicesOnlyWhatItsFormShowed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	srv := b.srv
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketNAS)
	charged := func() int { return chargedMinutes(srv, tk.ID) }
	was := charged()
	view := b.openBillForm(ctx, t, tk.Number)

	marcus := webApp(t, srv)
	if _, _, err := marcus.Tickets.PostComment(ctx, tk.ID, &syncro.CommentRequest{
		Subject: "Update", Body: "Checked the backups.", Hidden: true,
		ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), MinutesSpent: syncro.Ptr(30), BillTimeNow: syncro.Ptr(false),
	}); err != nil {
		t.Fatal(err)
	}
	shown := uncharged(srv, tk.ID) // Marcus's 30 min, not on Dana's form

	b.submitView(ctx, t, billSubmission(t, view, "15", "Replaced the failed disk."))
	rep := b.waitReply(ctx, t, 0, tickets.ActionBillNewTotal)
	if !strings.Contains(rep.Text, "Nothing was billed") || charged() != was || invoicesOf(srv, tk.ID) != 0 {
		t.Fatalf("stale form: reply %q, %d min charged, %d invoices; want nothing billed", rep.Text, charged()-was, invoicesOf(srv, tk.ID))
	}
	b.billNewTotalTwice(ctx, t, rep, tk, was, shown+15)
}

// TestE2E_BillStopsBeforeChargingTimeLoggedWhileItRan: Dana presses
// Bill; while Syncro holds her bill's comment, Marcus logs 30 min in the
// web app (README: "time logged while the bill runs stops it right before
// the charge"). Her 15 min are logged once, nothing is charged or
// invoiced, and her reply says so with the total as it stands; its
// button, clicked twice, bills that once without logging her 15 min again.
func TestE2E_BillStopsBeforeChargingTimeLoggedWhileItRan(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	srv := b.srv
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketNAS)
	charged := func() int { return chargedMinutes(srv, tk.ID) }
	was, shown, timers := charged(), uncharged(srv, tk.ID), len(srv.Timers(tk.ID))
	view := b.openBillForm(ctx, t, tk.Number)
	srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	b.submitView(ctx, t, billSubmission(t, view, "15", "Replaced the failed disk."))
	b.waitHeld(ctx, t)
	marcus := webApp(t, srv)
	start := time.Now().Add(-time.Hour)
	if _, _, err := marcus.Timers.Add(ctx, tk.ID, &syncro.TimerEntryRequest{
		StartAt: &start, DurationMinutes: syncro.Ptr(30), ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), Notes: "Checked the backups.",
	}); err != nil {
		t.Fatal(err)
	}
	srv.ReleaseHangs()

	rep := b.waitReply(ctx, t, 0, tickets.ActionBillNewTotal)
	if !strings.Contains(rep.Text, "15 min logged") || !strings.Contains(rep.Text, "nothing was charged or invoiced") || charged() != was || invoicesOf(srv, tk.ID) != 0 {
		t.Fatalf("reply %q, %d min charged, %d invoices; want the 15 min logged and nothing charged", rep.Text, charged()-was, invoicesOf(srv, tk.ID))
	}
	b.billNewTotalTwice(ctx, t, rep, tk, was, shown+15+30)
	if n := len(srv.Timers(tk.ID)) - timers; n != 2 {
		t.Errorf("%d timers added, want Dana's 15 min and Marcus's 30, once each", n)
	}
}

// TestE2E_BillFormOpenedBeforeAnUpdateIsNotChargedBlind: Dana's bill
// form was opened before the bot was updated to record what it showed
// (its metadata has none); she presses Bill after the update (README: "a
// bill form opened before the bot was updated ... bills nothing"). Nothing
// is logged, charged or invoiced; the reply's button bills the total.
func TestE2E_BillFormOpenedBeforeAnUpdateIsNotChargedBlind(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	srv := b.srv
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketNAS)
	timers, shown := len(srv.Timers(tk.ID)), uncharged(srv, tk.ID)
	view := b.openBillForm(ctx, t, tk.Number)
	sub := billSubmission(t, view, "15", "Replaced the failed disk.")
	meta, err := commands.DecodeMeta(sub.PrivateMetadata)
	if err != nil || meta.Shown == "" {
		t.Fatalf("the form's metadata: %+v, %v", meta, err)
	}
	meta.Shown = ""
	sub.PrivateMetadata = meta.Encode()
	b.submitView(ctx, t, sub)
	rep := b.waitReply(ctx, t, 0, tickets.ActionBillNewTotal)
	if !strings.Contains(rep.Text, "Nothing was billed") || len(srv.Timers(tk.ID)) != timers || invoicesOf(srv, tk.ID) != 0 {
		t.Fatalf("reply %q, %d timers added, %d invoices; want nothing billed", rep.Text, len(srv.Timers(tk.ID))-timers, invoicesOf(srv, tk.ID))
	}
	b.click(ctx, t, rep, button(t, rep.Blocks, tickets.ActionBillNewTotal))
	b.waitReply(ctx, t, 1, "Invoiced #"+itoa64(tk.Number))
	if n := invoicesOf(srv, tk.ID); n != 1 || uncharged(srv, tk.ID) != 0 || len(srv.Timers(tk.ID)) != timers+1 {
		t.Errorf("%d invoices, %d min left uncharged, %d timers added; want one invoice of the %d min shown and the 15 entered", n, uncharged(srv, tk.ID), len(srv.Timers(tk.ID))-timers, shown)
	}
}

// billNewTotalTwice clicks the Bill N min now button of rep twice and
// waits for the bill: tk on one invoice, minutes charged since was.
func (b *e2eBot) billNewTotalTwice(ctx context.Context, t *testing.T, rep slackfake.Ephemeral, tk syncrotest.Ticket, was, minutes int) {
	t.Helper()
	a := button(t, rep.Blocks, tickets.ActionBillNewTotal)
	b.click(ctx, t, rep, a)
	b.click(ctx, t, rep, a)
	b.waitReply(ctx, t, 1, "Invoiced #"+itoa64(tk.Number))
	charged := func() int { return chargedMinutes(b.srv, tk.ID) - was }
	if err := poll(ctx, func() bool { return charged() == minutes }); err != nil {
		t.Fatalf("charged %d min, want %d: %v", charged(), minutes, err)
	}
	if n := invoicesOf(b.srv, tk.ID); n != 1 {
		t.Errorf("%d invoices, want 1", n)
	}
}

// chargedMinutes is the minutes of ticketID's timers charged.
func chargedMinutes(srv *syncrotest.Server, ticketID int64) (m int) {
	for _, tm := range srv.Timers(ticketID) {
		if tm.Recorded {
			m += tm.Minutes()
		}
	}
	return m
}

// webApp is a Syncro client as Syncro's web app writes: another tech's
// hands, not the bot's.
func webApp(t *testing.T, srv *syncrotest.Server) *syncro.Client {
	t.Helper()
	c, err := syncro.NewClient(syncro.Config{BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// uncharged is the minutes of ticketID's billable timers not yet charged.
func uncharged(srv *syncrotest.Server, ticketID int64) (m int) {
	for _, tm := range srv.Timers(ticketID) {
		if !tm.Recorded && tm.Billable {
			m += tm.Minutes()
		}
	}
	return m
}
