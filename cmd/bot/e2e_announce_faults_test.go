package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
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

// TestE2E_FinishByAnotherTechCreditsWhoClosedAndNamesWhoFinished: Dana's
// close stops at the status (Syncro answers 500); Lena, opening the close
// form of the same ticket, is offered that close's Finish and presses it.
// The ticket is announced once, as closed by Dana (who filled in the
// form) and finished by Lena.
func TestE2E_FinishByAnotherTechCreditsWhoClosedAndNamesWhoFinished(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	b.f.AddUser(slackfake.User{ID: e2eLena, Name: "lena", RealName: "Lena Kowalski", Email: "lena@baylineit.com"})
	tk := b.marcusTicket(t, "VPN profile missing after the update")

	b.srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 20, syncrotest.FaultServerError)
	b.closeFromSlack(ctx, t, tk.Number, "Reinstalled the VPN profile.", commands.CloseOptionNotify)
	b.waitReply(ctx, t, 0, tickets.ActionFinish)
	b.srv.ClearFaults()

	b.slashAs(ctx, t, e2eLena, "close "+itoa64(tk.Number))
	offer := b.waitViewSayingTo(ctx, t, e2eLena, "has work that stopped half-way")
	if _, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eLena, ViewID: offer.ID,
		Actions: []slackfake.Action{button(t, viewBlocks(t, offer), tickets.ActionFinish)}}); err != nil {
		t.Fatalf("Lena's click on Finish: %v", err)
	}
	b.waitNotice(ctx, t, tk.Number)
	b.waitPolls(ctx, t, 2)
	got := b.noticesAbout(t, tk.Number)
	if len(got) != 1 {
		t.Fatalf("%d notices of #%d, want 1: %q", len(got), tk.Number, got)
	}
	if want := "*Closed by:* <@" + e2eUser + "> · finished by <@" + e2eLena + ">"; !strings.Contains(got[0], want) {
		t.Errorf("the notice lacks %q:\n%s", want, got[0])
	}
}

// TestE2E_BillAfterACloseFromSlackIsAnnouncedToo: Dana closes a ticket
// from Slack (announced: closed by her), then bills it; the bill is news
// and is announced too, once. Two notices in all, one each.
func TestE2E_BillAfterACloseFromSlackIsAnnouncedToo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	tk := b.marcusTicket(t, "Server room UPS beeping")

	b.closeFromSlack(ctx, t, tk.Number, "Replaced the UPS battery.", commands.CloseOptionNotify)
	b.waitReply(ctx, t, 0, "Closed #")
	b.waitNotice(ctx, t, tk.Number)
	view := b.openBillForm(ctx, t, tk.Number)
	b.submitView(ctx, t, billSubmission(t, view, "30", "Battery swap."))
	b.waitReply(ctx, t, 1, "Invoiced #")
	if err := b.f.WaitUntil(ctx, func() bool { return len(b.noticesAbout(t, tk.Number)) >= 2 }); err != nil {
		t.Fatalf("the bill after the close is not announced: %q", b.noticesAbout(t, tk.Number))
	}
	b.waitPolls(ctx, t, 2)
	got := b.noticesAbout(t, tk.Number)
	if len(got) != 2 || !strings.Contains(got[0], "*Closed by:* <@"+e2eUser+">") || !strings.Contains(got[1], "*Invoiced by:* <@"+e2eUser+">") {
		t.Errorf("notices of #%d = %q, want closed by Dana, then invoiced by Dana", tk.Number, got)
	}
}
