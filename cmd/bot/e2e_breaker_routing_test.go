package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// buttonsIn lists the buttons in a message's blocks: action_id → the
// click Slack would send for it.
func buttonsIn(t *testing.T, blocks json.RawMessage) map[string]slackfake.Action {
	t.Helper()
	var bs []struct {
		BlockID   string `json:"block_id"`
		Accessory *struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			URL      string `json:"url"`
		} `json:"accessory"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			URL      string `json:"url"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("decode blocks: %v\n%s", err, blocks)
	}
	out := map[string]slackfake.Action{}
	add := func(blockID, typ, id, value, url string) {
		if typ != "button" {
			return
		}
		a := slackfake.Button(id, blockID, value)
		a.URL = url
		out[id] = a
	}
	for _, b := range bs {
		if a := b.Accessory; a != nil {
			add(b.BlockID, a.Type, a.ActionID, a.Value, a.URL)
		}
		for _, el := range b.Elements {
			add(b.BlockID, el.Type, el.ActionID, el.Value, el.URL)
		}
	}
	return out
}

// click clicks a in Dana's ephemeral rep.
func (b *e2eBot) click(ctx context.Context, t *testing.T, rep slackfake.Ephemeral, a slackfake.Action) slackfake.Ack {
	t.Helper()
	ack, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel,
		MessageTS: rep.TS, IsEphemeral: true, Actions: []slackfake.Action{a}})
	if err != nil {
		t.Fatalf("click %s: %v", a.ActionID, err)
	}
	if ack.Payload != nil || ack.Late {
		t.Errorf("click %s: ack %s (late %v), want an empty ack in time", a.ActionID, ack.Payload, ack.Late)
	}
	return ack
}

// TestE2E_EveryTicketCardButtonOpensItsForm: Log time, Close and Make
// invoice on the ticket card each open their form (through the Loading
// view), and nothing answers "I don't know that button".
func TestE2E_EveryTicketCardButtonOpensItsForm(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)

	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	card := b.waitReply(ctx, t, 1)
	btns := buttonsIn(t, card.Blocks)
	for id, callback := range map[string]string{
		tickets.ActionLogTime: commands.CallbackLogTime,
		tickets.ActionClose:   commands.CallbackClose,
		tickets.ActionBill:    commands.CallbackBill,
	} {
		a, ok := btns[id]
		if !ok {
			t.Fatalf("card has no %s button: %s", id, card.Blocks)
		}
		b.click(ctx, t, card, a)
		v := b.waitView(ctx, t, callback)
		if _, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, CallbackID: "never_registered"}); err != nil {
			t.Fatalf("close %s view: %v", callback, err)
		}
	}
	for _, e := range f.Ephemerals(e2eUser) {
		if strings.Contains(e.Text, "don't know that button") {
			t.Errorf("a card button fell through: %q", e.Text)
		}
	}
}

// TestE2E_UnknownActionIsAckedLoggedAndTheBotServesOn: a click on an
// action id nobody registered (an old message, another app's button) is
// acked, logged, answered with nothing and costs no Syncro call; a form
// with an unknown callback_id likewise.
func TestE2E_UnknownActionIsAckedLoggedAndTheBotServesOn(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)
	srv.ResetLog()

	for _, a := range []slackfake.Action{
		slackfake.Button("no_such_button", "b1", "x"),
		slackfake.Button("", "b2", ""),
		{Type: "static_select", ActionID: "stray_select", BlockID: "b3"},
	} {
		ack, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel, MessageTS: "1.000001", Actions: []slackfake.Action{a}})
		if err != nil || ack.Late || ack.Payload != nil {
			t.Errorf("click %q: ack %s late %v err %v", a.ActionID, ack.Payload, ack.Late, err)
		}
	}
	va, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: e2eUser, ViewID: "V0STALE", CallbackID: "stale_form",
		Values: slackfake.Values{"x": {"x": slackfake.TextInput("typed")}}})
	if err != nil || va.Late {
		t.Errorf("unknown form: ack %+v err %v", va, err)
	}
	if va.ResponseAction != "errors" || !strings.Contains(va.Errors["x"], "nothing was saved") {
		t.Errorf("unknown form closed without a word: %+v", va)
	}
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	if s := replyText(b.waitReply(ctx, t, 1).Message); !strings.Contains(s, itoa64(syncrotest.SeedTicketPrinter)) {
		t.Errorf("the next command's reply is not the ticket: %q", s)
	}
	if n := len(f.Ephemerals(e2eUser)); n != 1 {
		t.Errorf("Dana got %d messages, want only the ticket", n)
	}
	if !strings.Contains(b.stderr.String(), "no_such_button") {
		t.Errorf("the unknown click was not logged:\n%s", b.stderr.String())
	}
	for _, r := range srv.Requests() {
		if !strings.Contains(r.Query, "number="+itoa64(syncrotest.SeedTicketPrinter)) && !strings.HasPrefix(r.Path, "/tickets/") {
			t.Errorf("Syncro asked %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
}

// TestE2E_CustomerCardOpenInSyncroIsSilent: the customer card's "Open in
// Syncro" is acked with nothing: no reply, no Syncro call; also when the
// click arrives without the url (the registry marks the id a link).
func TestE2E_CustomerCardOpenInSyncroIsSilent(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)
	cu := srv.Customers()[0]

	b.slash(ctx, t, "customer "+itoa64(cu.ID))
	card := b.waitReply(ctx, t, 1)
	link, ok := buttonsIn(t, card.Blocks)[customers.ActionCustomerOpenInSyncro]
	if !ok || link.URL == "" {
		t.Fatalf("customer card has no Open in Syncro link: %s", card.Blocks)
	}
	srv.ResetLog()
	b.click(ctx, t, card, link)
	bare := link
	bare.URL = ""
	b.click(ctx, t, card, bare)

	// The next command's reply comes after whatever the clicks set off.
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	b.waitEphemeral(ctx, t, 1, "Printer")
	for _, e := range f.Ephemerals(e2eUser)[1:] {
		if !strings.Contains(e.Text+string(e.Blocks), "Printer") {
			t.Errorf("reply to a link click: %q", e.Text)
		}
	}
	for _, r := range srv.Requests() {
		if !strings.Contains(r.Query, "number="+itoa64(syncrotest.SeedTicketPrinter)) && !strings.HasPrefix(r.Path, "/tickets/") {
			t.Errorf("a link click made Syncro call %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
}

// TestE2E_FixTheFormReopensTheRefusedFormAndSavesOnce: Syncro refuses a
// customer edit (422); the reply's "Fix the form" reopens the form
// prefilled with Syncro's words; the corrected form saves once.
func TestE2E_FixTheFormReopensTheRefusedFormAndSavesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)
	cu := srv.AddCustomer(syncrotest.Customer{BusinessName: "Lone Biz", Email: "office@lonebiz.example", City: "Salem"})

	b.slash(ctx, t, "customer edit "+itoa64(cu.ID))
	v := b.waitView(ctx, t, customers.CallbackCustomerEdit)
	vals := textValues(t, v.JSON)
	vals[customers.BlockCustBusiness] = map[string]slackfake.Input{customers.BlockCustBusiness: slackfake.TextInput("")}
	vals[customers.BlockCustCity] = map[string]slackfake.Input{customers.BlockCustCity: slackfake.TextInput("Eugene")}
	if va, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata, Values: vals}); err != nil || va.ResponseAction == "errors" {
		t.Fatalf("submit edit: %+v %v", va, err)
	}
	refusal := b.waitEphemeral(ctx, t, 0, "Syncro refused")
	fix, ok := buttonsIn(t, refusal.Blocks)[customers.ActionCustomerFixForm]
	if !ok {
		t.Fatalf("refusal has no Fix the form: %s", refusal.Blocks)
	}
	b.click(ctx, t, refusal, fix)
	var fixed slackfake.View
	err := f.WaitUntil(ctx, func() bool {
		for _, x := range f.Views() {
			if x.CallbackID == customers.CallbackCustomerEdit && x.ID != v.ID && !x.Closed {
				fixed = x
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("Fix the form opened no edit form: %v; views %+v; stderr:\n%s", err, f.Views(), b.stderr.String())
	}
	if !strings.Contains(string(fixed.JSON), "Eugene") || !strings.Contains(string(fixed.JSON), "blank") {
		t.Errorf("reopened form lost the typed values or Syncro's words: %s", fixed.JSON)
	}
	vals = textValues(t, fixed.JSON)
	vals[customers.BlockCustBusiness] = map[string]slackfake.Input{customers.BlockCustBusiness: slackfake.TextInput("Lone Biz LLC")}
	sub := slackfake.ViewSubmission{UserID: e2eUser, ViewID: fixed.ID, CallbackID: fixed.CallbackID, PrivateMetadata: fixed.PrivateMetadata, Values: vals}
	for range 2 { // a double click on Save
		if va, err := f.ViewSubmission(ctx, sub); err != nil || va.ResponseAction == "errors" {
			t.Fatalf("submit fixed form: %+v %v", va, err)
		}
	}
	b.waitEphemeral(ctx, t, 1, "Lone Biz LLC")
	got, _ := srv.Customer(cu.ID)
	if got.BusinessName != "Lone Biz LLC" || got.City != "Eugene" {
		t.Errorf("Syncro holds %+v, want Lone Biz LLC in Eugene", got)
	}
	if n := srv.Count("PUT", "/customers"); n != 2 {
		t.Errorf("%d customer PUTs, want 2 (the refused one and one save)", n)
	}
}

// textValues is the state Slack submits for a form nobody touched: every
// text input's initial value (selects and dates as formState reads them).
func textValues(t *testing.T, view json.RawMessage) slackfake.Values {
	t.Helper()
	vals := formState(modalInputs(t, view))
	var v struct {
		Blocks []struct {
			Type    string `json:"type"`
			BlockID string `json:"block_id"`
			Element struct {
				Type         string `json:"type"`
				ActionID     string `json:"action_id"`
				InitialValue string `json:"initial_value"`
			} `json:"element"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(view, &v); err != nil {
		t.Fatal(err)
	}
	for _, b := range v.Blocks {
		if b.Type == "input" && b.Element.Type == "plain_text_input" {
			vals[b.BlockID] = map[string]slackfake.Input{b.Element.ActionID: slackfake.TextInput(b.Element.InitialValue)}
		}
	}
	return vals
}

// TestE2E_CustomerButtonsAreRoutedAndWriteOnce: "customers duplicates" →
// Merge → "Merge, keep duplicate" (double-clicked) moves the duplicate's
// tickets once; "contact delete" → Delete contact (double-clicked) deletes
// once. No button falls through.
func TestE2E_CustomerButtonsAreRoutedAndWriteOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	f, srv := breakerFakes(t)
	b, _ := startBreakerBot(ctx, t, f, srv, breakerEnv(t, f, srv), 1)

	b.slash(ctx, t, "customers duplicates")
	dups := b.waitReply(ctx, t, 1)
	merge, ok := buttonsIn(t, dups.Blocks)[customers.ActionCustomerMerge]
	if !ok {
		t.Fatalf("no Merge button: %s", dups.Blocks)
	}
	b.click(ctx, t, dups, merge)
	preview := b.waitEphemeral(ctx, t, 1, "Merge ")
	keep, ok := buttonsIn(t, preview.Blocks)[customers.ActionCustomerMergeConfirm]
	if !ok {
		t.Fatalf("no merge confirm button: %s", preview.Blocks)
	}
	p, d, _, err := customers.ParseMergeButtonValue(keep.Value)
	if err != nil {
		t.Fatal(err)
	}
	var dupTickets int
	for _, tk := range srv.Tickets() {
		if tk.CustomerID == d {
			dupTickets++
		}
	}
	// Both confirm buttons share the action id; take "Merge, keep duplicate".
	keep.Value = strings.TrimSuffix(strings.TrimSuffix(keep.Value, ":delete"), ":keep") + ":keep"
	b.click(ctx, t, preview, keep)
	b.click(ctx, t, preview, keep)
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(e2eUser)) >= 4 }); err != nil {
		t.Fatalf("merge clicks answered %d times: %v; stderr:\n%s", len(f.Ephemerals(e2eUser))-2, err, b.stderr.String())
	}
	for _, tk := range srv.Tickets() {
		if tk.CustomerID == d {
			t.Errorf("ticket #%d still on the duplicate %d after merging into %d", tk.Number, d, p)
		}
	}
	if n := srv.Count("PUT", "/tickets/"); dupTickets > 0 && n != dupTickets {
		t.Errorf("%d ticket PUTs for %d tickets moved (a double click must move once)", n, dupTickets)
	}

	cts := srv.Contacts(p)
	if len(cts) == 0 {
		t.Fatalf("primary %d has no contacts", p)
	}
	seen := len(f.Ephemerals(e2eUser))
	b.slash(ctx, t, "contact delete "+itoa64(cts[0].ID))
	confirm := b.waitEphemeral(ctx, t, seen, "Delete contact")
	del, ok := buttonsIn(t, confirm.Blocks)[customers.ActionContactDeleteConfirm]
	if !ok {
		t.Fatalf("no Delete contact button: %s", confirm.Blocks)
	}
	b.click(ctx, t, confirm, del)
	b.click(ctx, t, confirm, del)
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(e2eUser)) >= seen+3 }); err != nil {
		t.Fatalf("delete clicks unanswered: %v", err)
	}
	if _, ok := srv.Contact(cts[0].ID); ok {
		t.Errorf("contact %d still in Syncro", cts[0].ID)
	}
	if n := srv.Count("DELETE", "/contacts/"); n != 1 {
		t.Errorf("%d contact DELETEs, want 1", n)
	}
	for _, e := range f.Ephemerals(e2eUser) {
		if strings.Contains(e.Text, "don't know that button") {
			t.Errorf("a customer button fell through: %q", e.Text)
		}
	}
}
