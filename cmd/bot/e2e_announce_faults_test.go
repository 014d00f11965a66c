package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Faults at the step boundaries of a close or bill announced from Slack:
// whatever Syncro answers and whenever the watcher polls, the notify
// channel shows the ticket once, crediting Dana, and her reply says what
// Syncro holds.

// wantOneSlackNotice waits for the notice of ticket number and two more
// polls, and checks the channel shows it once, verb ("Closed by") crediting
// Dana with a mention, not as closed in Syncro.
func (b *e2eBot) wantOneSlackNotice(ctx context.Context, t *testing.T, number int64, verb string) {
	t.Helper()
	b.waitNotice(ctx, t, number)
	b.waitPolls(ctx, t, 2)
	got := b.noticesAbout(t, number)
	if len(got) != 1 {
		t.Fatalf("#%d: %d notices, want 1: %q", number, len(got), got)
	}
	if want := fmt.Sprintf("*%s:* <@%s>", verb, e2eUser); !strings.Contains(got[0], want) || strings.Contains(got[0], "Closed in Syncro") {
		t.Errorf("#%d: notice lacks %q or says closed in Syncro:\n%s", number, want, got[0])
	}
}

// marcusTicket adds an In Progress ticket of Acme's assigned to Marcus, as
// made in Syncro's web app.
func (b *e2eBot) marcusTicket(t *testing.T, subject string) syncrotest.Ticket {
	t.Helper()
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud)
	return b.srv.AddTicket(syncrotest.Ticket{Subject: subject, CustomerID: acme.CustomerID, Status: "In Progress", UserID: syncrotest.UserMarcus})
}

// Syncro applies the close's status PUT but its answer is cut off: Dana
// is told the ticket is closed (Syncro holds Resolved), and it is
// announced once, as closed by her.
func TestE2E_CloseWhoseStatusAnswerIsCutOffIsAnnouncedOnceFromSlack(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	tk := b.marcusTicket(t, "Scanner to email fails")

	b.srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultCommitThenGarbage)
	b.closeFromSlack(ctx, t, tk.Number, "Re-entered the SMTP password.", commands.CloseOptionNotify)
	rep := b.waitReply(ctx, t, 0)
	if st := ticketByNumber(t, b.srv, tk.Number).Status; st != "Resolved" {
		t.Fatalf("Syncro holds %q, want Resolved", st)
	}
	if !strings.Contains(rep.Text, "Closed #") || strings.Contains(rep.Text, "NOT changed") {
		t.Errorf("reply %q; Syncro holds Resolved", rep.Text)
	}
	b.wantOneSlackNotice(ctx, t, tk.Number, "Closed by")
}

// TestE2E_CloseWithoutNoticeIsAnnouncedNowhere: Dana closes a ticket with
// "Post to the notify channel" unticked; the watcher, polling every 2 s,
// announces another ticket closed in Syncro meanwhile but not hers, not
// even as "Closed in Syncro".
func TestE2E_CloseWithoutNoticeIsAnnouncedNowhere(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	quiet := b.marcusTicket(t, "Label printer driver")
	elsewhere := b.marcusTicket(t, "Guest Wi-Fi password")

	b.closeFromSlack(ctx, t, quiet.Number, "Reinstalled the driver.", commands.CloseOptionSessionLog)
	b.waitReply(ctx, t, 0, "Closed #"+itoa64(quiet.Number))
	if got := ticketByNumber(t, b.srv, quiet.Number).Status; !syncro.IsClosedStatus(got) {
		t.Fatalf("#%d is %q in Syncro after the close", quiet.Number, got)
	}
	if err := b.srv.SetTicketStatus(elsewhere.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	b.waitNotice(ctx, t, elsewhere.Number)
	b.waitPolls(ctx, t, 2)
	if got := b.noticesAbout(t, quiet.Number); len(got) > 0 {
		t.Errorf("#%d, closed without a notice, is announced: %q", quiet.Number, got)
	}
}
