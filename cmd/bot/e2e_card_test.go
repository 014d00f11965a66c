package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/slackfmt/slackfmttest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// waitCardUpdated waits until the card Dana clicked has been replaced in
// place and returns it as it reads now.
func (b *e2eBot) waitCardUpdated(ctx context.Context, t *testing.T, card slackfake.Ephemeral) slackfake.Ephemeral {
	t.Helper()
	var now slackfake.Ephemeral
	err := b.f.WaitUntil(ctx, func() bool {
		for _, e := range b.f.Ephemerals(e2eUser) {
			if e.TS == card.TS && e.Updates > card.Updates {
				now = e
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("the card was never replaced: %v; ephemerals %+v; stderr:\n%s", err, b.f.Ephemerals(e2eUser), b.stderr.String())
	}
	return now
}

// formFromCard starts the bot, shows Dana ticket number's card, presses
// its button actionID and returns the bot, the card and the form it
// opened (callbackID).
func formFromCard(ctx context.Context, t *testing.T, number, actionID, callbackID string) (*e2eBot, slackfake.Ephemeral, slackfake.View) {
	t.Helper()
	b := startE2EBot(ctx, t, nil)
	b.slash(ctx, t, "ticket "+number)
	card := b.waitReply(ctx, t, 0, "#"+number)
	b.click(ctx, t, card, button(t, card.Blocks, actionID))
	return b, card, b.waitView(ctx, t, callbackID)
}

// TestE2E_MakeInvoiceOnACardRefreshesTheCard: Make invoice pressed on a
// ticket card and submitted leaves the card, in place, showing the ticket
// as Syncro now holds it: Invoiced, the invoice named, no Make invoice.
func TestE2E_MakeInvoiceOnACardRefreshesTheCard(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, card, view := formFromCard(ctx, t, "32145", ticketview.ActionBill, commands.CallbackBill)
	b.submitView(ctx, t, billSubmission(t, view, "", "Replaced the drive."))
	b.waitReply(ctx, t, 1, "Invoiced #32145")

	now := b.waitCardUpdated(ctx, t, card)
	tk := ticketByNumber(t, b.srv, 32145)
	if tk.Status != "Invoiced" || invoicesOf(b.srv, tk.ID) != 1 {
		t.Fatalf("Syncro holds status %q and %d invoices; want Invoiced and one", tk.Status, invoicesOf(b.srv, tk.ID))
	}
	shown := replyText(now.Message)
	if !strings.Contains(shown, `*Status*\nInvoiced`) || !strings.Contains(shown, "Invoiced: #") {
		t.Errorf("the card does not show the ticket Invoiced with its invoice:\n%s", shown)
	}
	if _, ok := buttonsIn(t, now.Blocks)[ticketview.ActionBill]; ok {
		t.Errorf("the card still offers Make invoice:\n%s", shown)
	}
	if n := len(b.f.Ephemerals(e2eUser)); n != 2 {
		t.Errorf("Dana has %d messages, want the card (replaced) and the bill's reply", n)
	}
}

// TestE2E_LogTimeOnACardRefreshesItsTotal: time logged from a card's Log
// time shows in that card's total, in place.
func TestE2E_LogTimeOnACardRefreshesItsTotal(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, card, view := formFromCard(ctx, t, "32150", ticketview.ActionLogTime, commands.CallbackLogTime)
	before := totalLine(t, replyText(card.Message))
	vals := textValues(t, view.JSON)
	vals[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: slackfake.TextInput("2h")}
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackLogTime, PrivateMetadata: view.PrivateMetadata, Values: vals})
	b.waitReply(ctx, t, 1, "120 min logged")

	now := b.waitCardUpdated(ctx, t, card)
	if after := totalLine(t, replyText(now.Message)); after == before {
		t.Errorf("the card's total is still %q after 2h were logged", after)
	}
}

// TestE2E_CloseOnACardRefreshesItsStatus: a ticket closed from its
// card's Close shows, in that card, the status Syncro now holds.
func TestE2E_CloseOnACardRefreshesItsStatus(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, card, view := formFromCard(ctx, t, "32150", ticketview.ActionClose, commands.CallbackClose)
	b.submitView(ctx, t, closeSubmission(t, view, "Cleared the sync client's cache.", commands.CloseOptionNotify))
	b.waitReply(ctx, t, 1, "Closed #32150")

	now := b.waitCardUpdated(ctx, t, card)
	status := ticketByNumber(t, b.srv, 32150).Status
	if status != "Resolved" {
		t.Fatalf("Syncro holds #32150 as %q, want Resolved", status)
	}
	if shown := replyText(now.Message); !strings.Contains(shown, `*Status*\n`+status) {
		t.Errorf("the card does not show the ticket %s:\n%s", status, shown)
	}
}

// totalLine is the card's "*Total: …*" line.
func totalLine(t *testing.T, shown string) string {
	t.Helper()
	i := strings.Index(shown, "*Total: ")
	if i < 0 {
		t.Fatalf("no total on the card:\n%s", shown)
	}
	return shown[i : i+strings.Index(shown[i+1:], "*")+2]
}

// TestE2E_SyncroFormattingCharactersShowAsTyped: a subject and a customer
// full of Slack's formatting characters show as typed on the ticket card
// (lookalikes, slackfmt.MrkdwnLiteral), and the card's own bold labels
// stay the only bold: a subject's "*" cannot pair with them.
func TestE2E_SyncroFormattingCharactersShowAsTyped(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud)
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "*URGENT* printer_queue `stuck` ~maybe~ _again", CustomerID: acme.CustomerID, Status: "In Progress"})
	if _, err := b.srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "*Re:", Body: "try `lpq` *now*", Tech: "Bob_", UserID: 1}); err != nil {
		t.Fatal(err)
	}
	b.slash(ctx, t, "ticket "+itoa64(tk.Number))
	card := b.waitReply(ctx, t, 0, "∗URGENT∗ printer_queue ˋstuckˋ ∼maybe∼ ˍagain")
	var texts []string
	for _, s := range slackfmttest.MrkdwnTexts(t, card.Blocks) {
		texts = append(texts, s)
		if f := slackfmttest.Parse(s); f.Dangling != 0 {
			t.Errorf("a formatting character pairs with nothing in %q", s)
		}
	}
	if shown := strings.Join(texts, "\n"); !strings.Contains(shown, "*∗Re:* · Bobˍ") || !strings.Contains(shown, "ˋlpqˋ ∗now∗") {
		t.Errorf("the comment does not show as typed inside the card's bold:\n%s", shown)
	}
}
