package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Where each button, form and link goes: every click and submission is
// routed to its feature, acked in time, and nothing falls through.

// wantOnlyTicketCalls fails on a Syncro request since the last ResetLog
// that is neither a ticket lookup by number (the printer's) nor under
// /tickets/: the next command's, not a stray click's.
func (b *e2eBot) wantOnlyTicketCalls(t *testing.T) {
	t.Helper()
	for _, r := range b.srv.Requests() {
		if !strings.Contains(r.Query, "number="+itoa64(syncrotest.SeedTicketPrinter)) && !strings.HasPrefix(r.Path, "/tickets/") {
			t.Errorf("Syncro asked %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
}

// wantNoFallThrough fails if a reply to Dana says a button (of what: the
// card, the customer replies) reached no handler.
func (b *e2eBot) wantNoFallThrough(t *testing.T, what string) {
	t.Helper()
	for _, e := range b.f.Ephemerals(e2eUser) {
		if strings.Contains(e.Text, "don't know that button") {
			t.Errorf("a %s button fell through: %q", what, e.Text)
		}
	}
}

// TestE2E_EveryTicketCardButtonOpensItsForm: Log time, Close and Make
// invoice on the ticket card each open their form (through the Loading
// view), and nothing answers "I don't know that button".
func TestE2E_EveryTicketCardButtonOpensItsForm(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)

	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	card := b.waitReply(ctx, t, 0)
	for id, callback := range map[string]string{
		ticketview.ActionLogTime: commands.CallbackLogTime,
		ticketview.ActionClose:   commands.CallbackClose,
		ticketview.ActionBill:    commands.CallbackBill,
	} {
		b.click(ctx, t, card, button(t, card.Blocks, id))
		v := b.waitView(ctx, t, callback)
		if _, err := b.f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, CallbackID: "never_registered"}); err != nil {
			t.Fatalf("close %s view: %v", callback, err)
		}
	}
	b.wantNoFallThrough(t, "card")
}

// TestE2E_UnknownActionIsAckedLoggedAndTheBotServesOn: a click on an
// action id nobody registered (an old message, another app's button) is
// acked, logged, answered with nothing and costs no Syncro call; a form
// with an unknown callback_id likewise.
func TestE2E_UnknownActionIsAckedLoggedAndTheBotServesOn(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	b.srv.ResetLog()

	for _, a := range []slackfake.Action{
		slackfake.Button("no_such_button", "b1", "x"),
		slackfake.Button("", "b2", ""),
		{Type: "static_select", ActionID: "stray_select", BlockID: "b3"},
	} {
		ack, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel, MessageTS: "1.000001", Actions: []slackfake.Action{a}})
		if err != nil || ack.Late || ack.Payload != nil {
			t.Errorf("click %q: ack %s late %v err %v", a.ActionID, ack.Payload, ack.Late, err)
		}
	}
	va, err := b.f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: e2eUser, ViewID: "V0STALE", CallbackID: "stale_form",
		Values: slackfake.Values{"x": {"x": slackfake.TextInput("typed")}}})
	if err != nil || va.Late {
		t.Errorf("unknown form: ack %+v err %v", va, err)
	}
	if va.ResponseAction != "errors" || !strings.Contains(va.Errors["x"], "nothing was saved") {
		t.Errorf("unknown form closed without a word: %+v", va)
	}
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	if s := replyText(b.waitReply(ctx, t, 0).Message); !strings.Contains(s, itoa64(syncrotest.SeedTicketPrinter)) {
		t.Errorf("the next command's reply is not the ticket: %q", s)
	}
	if n := len(b.f.Ephemerals(e2eUser)); n != 1 {
		t.Errorf("Dana got %d messages, want only the ticket", n)
	}
	if !strings.Contains(b.stderr.String(), "no_such_button") {
		t.Errorf("the unknown click was not logged:\n%s", b.stderr.String())
	}
	b.wantOnlyTicketCalls(t)
}

// TestE2E_CustomerCardOpenInSyncroIsSilent: the customer card's "Open in
// Syncro" is acked with nothing: no reply, no Syncro call; also when the
// click arrives without the url (the registry marks the id a link).
func TestE2E_CustomerCardOpenInSyncroIsSilent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	cu := b.srv.Customers()[0]

	b.slash(ctx, t, "customer "+itoa64(cu.ID))
	card := b.waitReply(ctx, t, 0)
	link, ok := buttonsIn(t, card.Blocks)[customers.ActionCustomerOpenInSyncro]
	if !ok || link.URL == "" {
		t.Fatalf("customer card has no Open in Syncro link: %s", card.Blocks)
	}
	b.srv.ResetLog()
	b.click(ctx, t, card, link)
	bare := link
	bare.URL = ""
	b.click(ctx, t, card, bare)

	// The next command's reply comes after whatever the clicks set off.
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	b.waitReply(ctx, t, 1, "Printer")
	for _, e := range b.f.Ephemerals(e2eUser)[1:] {
		if !strings.Contains(e.Text+string(e.Blocks), "Printer") {
			t.Errorf("reply to a link click: %q", e.Text)
		}
	}
	b.wantOnlyTicketCalls(t)
}

// TestE2E_FixTheFormReopensTheRefusedFormAndSavesOnce: Syncro refuses a
// customer edit (422); the reply's "Fix the form" reopens the form
// prefilled with Syncro's words; the corrected form saves once.
func TestE2E_FixTheFormReopensTheRefusedFormAndSavesOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	cu := b.srv.AddCustomer(syncrotest.Customer{BusinessName: "Lone Biz", Email: "office@lonebiz.example", City: "Salem"})

	b.slash(ctx, t, "customer edit "+itoa64(cu.ID))
	v := b.waitView(ctx, t, customers.CallbackCustomerEdit)
	vals := textValues(t, v.JSON)
	vals[customers.BlockCustBusiness] = map[string]slackfake.Input{customers.BlockCustBusiness: slackfake.TextInput("")}
	vals[customers.BlockCustCity] = map[string]slackfake.Input{customers.BlockCustCity: slackfake.TextInput("Eugene")}
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata, Values: vals})
	refusal := b.waitReply(ctx, t, 0, "Syncro refused")
	fix := button(t, refusal.Blocks, customers.ActionCustomerFixForm)
	b.click(ctx, t, refusal, fix)
	var fixed slackfake.View
	err := b.f.WaitUntil(ctx, func() bool {
		for _, x := range b.f.Views() {
			if x.CallbackID == customers.CallbackCustomerEdit && x.ID != v.ID && !x.Closed {
				fixed = x
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("Fix the form opened no edit form: %v; views %+v; stderr:\n%s", err, b.f.Views(), b.stderr.String())
	}
	if !strings.Contains(string(fixed.JSON), "Eugene") || !strings.Contains(string(fixed.JSON), "blank") {
		t.Errorf("reopened form lost the typed values or Syncro's words: %s", fixed.JSON)
	}
	vals = textValues(t, fixed.JSON)
	vals[customers.BlockCustBusiness] = map[string]slackfake.Input{customers.BlockCustBusiness: slackfake.TextInput("Lone Biz LLC")}
	sub := slackfake.ViewSubmission{UserID: e2eUser, ViewID: fixed.ID, CallbackID: fixed.CallbackID, PrivateMetadata: fixed.PrivateMetadata, Values: vals}
	for range 2 { // a double click on Save
		if va, err := b.f.ViewSubmission(ctx, sub); err != nil || va.ResponseAction == "errors" {
			t.Fatalf("submit fixed form: %+v %v", va, err)
		}
	}
	b.waitReply(ctx, t, 1, "Lone Biz LLC")
	got, _ := b.srv.Customer(cu.ID)
	if got.BusinessName != "Lone Biz LLC" || got.City != "Eugene" {
		t.Errorf("Syncro holds %+v, want Lone Biz LLC in Eugene", got)
	}
	if n := b.srv.Count("PUT", "/customers"); n != 2 {
		t.Errorf("%d customer PUTs, want 2 (the refused one and one save)", n)
	}
}

// TestE2E_CustomerButtonsAreRoutedAndWriteOnce: "customers duplicates" →
// Merge → "Merge, keep duplicate" (double-clicked) moves the duplicate's
// tickets once; "contact delete" → Delete contact (double-clicked) deletes
// once. No button falls through.
func TestE2E_CustomerButtonsAreRoutedAndWriteOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)

	b.slash(ctx, t, "customers duplicates")
	dups := b.waitReply(ctx, t, 0)
	merge := button(t, dups.Blocks, customers.ActionCustomerMerge)
	b.click(ctx, t, dups, merge)
	preview := b.waitReply(ctx, t, 1, "Merge ")
	keep := button(t, preview.Blocks, customers.ActionCustomerMergeConfirm)
	p, d, _, err := customers.ParseMergeButtonValue(keep.Value)
	if err != nil {
		t.Fatal(err)
	}
	var dupTickets int
	for _, tk := range b.srv.Tickets() {
		if tk.CustomerID == d {
			dupTickets++
		}
	}
	// Both confirm buttons share the action id; take "Merge, keep duplicate".
	keep.Value = strings.TrimSuffix(strings.TrimSuffix(keep.Value, ":delete"), ":keep") + ":keep"
	b.click(ctx, t, preview, keep)
	b.click(ctx, t, preview, keep)
	b.waitReply(ctx, t, 3) // both merge clicks answered
	for _, tk := range b.srv.Tickets() {
		if tk.CustomerID == d {
			t.Errorf("ticket #%d still on the duplicate %d after merging into %d", tk.Number, d, p)
		}
	}
	if n := b.srv.Count("PUT", "/tickets/"); dupTickets > 0 && n != dupTickets {
		t.Errorf("%d ticket PUTs for %d tickets moved (a double click must move once)", n, dupTickets)
	}

	cts := b.srv.Contacts(p)
	if len(cts) == 0 {
		t.Fatalf("primary %d has no contacts", p)
	}
	seen := len(b.f.Ephemerals(e2eUser))
	b.slash(ctx, t, "contact delete "+itoa64(cts[0].ID))
	confirm := b.waitReply(ctx, t, seen, "Delete contact")
	del := button(t, confirm.Blocks, customers.ActionContactDeleteConfirm)
	b.click(ctx, t, confirm, del)
	b.click(ctx, t, confirm, del)
	b.waitReply(ctx, t, seen+2) // both delete clicks answered
	if _, ok := b.srv.Contact(cts[0].ID); ok {
		t.Errorf("contact %d still in Syncro", cts[0].ID)
	}
	if n := b.srv.Count("DELETE", "/contacts/"); n != 1 {
		t.Errorf("%d contact DELETEs, want 1", n)
	}
	b.wantNoFallThrough(t, "customer")
}

// TestE2E_OpenInSyncroClickIsAckedSilently: the "Open in Syncro" button
// only opens the browser; Slack still sends the click, which the bot acks
// without a reply and without asking Syncro anything.
func TestE2E_OpenInSyncroClickIsAckedSilently(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	b.slash(ctx, t, "ticket 32150")
	rep := b.waitReply(ctx, t, 0)
	link := button(t, rep.Blocks, ticketview.ActionOpenInSyncro)
	if link.URL == "" {
		t.Fatalf("Open in Syncro carries no url: %s", rep.Blocks)
	}
	b.srv.ResetLog()

	b.click(ctx, t, rep, link)
	// Dana's next command: once its reply is out, whatever the click set
	// off would have shown too.
	b.slash(ctx, t, "ticket 32151")
	if s := replyText(b.waitReply(ctx, t, 1).Message); !strings.Contains(s, "32151") {
		t.Errorf("next reply does not show #32151: %q", s)
	}
	for _, e := range b.f.Ephemerals(e2eUser)[2:] {
		t.Errorf("reply to the link click: %q", replyText(e.Message))
	}
	next := itoa64(ticketByNumber(t, b.srv, 32151).ID)
	for _, r := range b.srv.Requests() {
		if !strings.Contains(r.Query, "number=32151") && !strings.Contains(r.Path, next) {
			t.Errorf("Syncro asked %s %s?%s, which is not the lookup of #32151", r.Method, r.Path, r.Query)
		}
	}
}

// TestE2E_LinkButtonWithoutURLIsAckedWithNothing: the registry marks
// "Open in Syncro" a link (Button.Link: "acknowledged and nothing else",
// docs/registry.md), but bot decides by the url in the payload and ignores
// Commands.IsLink. A click on the link id whose payload lacks the url (an
// older client, a message re-rendered without it) goes through the whole
// admission chain: users.info, and a refusal message to someone no longer
// on ALLOWED_USERS for clicking a link.
//
// Reproduce: go test -race -run TestE2E_LinkButtonWithoutURLIsAckedWithNothing ./cmd/bot
func TestE2E_LinkButtonWithoutURLIsAckedWithNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) { env["ALLOWED_USERS"] = "U0SOMEONEELSE" })
	b.srv.ResetLog()
	calls := len(b.f.Calls())

	ack, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel, MessageTS: "1700000000.000100", IsEphemeral: true,
		Actions: []slackfake.Action{slackfake.Button(ticketview.ActionOpenInSyncro, "ticket_actions", "123:32151")}})
	if err != nil || ack.Payload != nil || ack.Late {
		t.Fatalf("ack %s late %v err %v", ack.Payload, ack.Late, err)
	}
	// Whatever the click sets off starts right after the ack; nothing
	// coming within 3 s is the pass.
	quiet, done := context.WithTimeout(ctx, 3*time.Second)
	defer done()
	_ = b.f.WaitUntil(quiet, func() bool { return len(b.f.Ephemerals(e2eUser)) > 0 || len(b.f.Calls()) > calls })
	if es := b.f.Ephemerals(e2eUser); len(es) != 0 {
		t.Errorf("a click on a link button answered %q", es[0].Text)
	}
	for _, c := range b.f.Calls()[calls:] {
		t.Errorf("a click on a link button called Slack's %s", c.Method)
	}
	if n := len(b.srv.Requests()); n != 0 {
		t.Errorf("a click on a link button made %d Syncro requests", n)
	}
}
