package tickets

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// billForm opens the bill modal of ticket n and fills it in.
func billForm(t *testing.T, f *writeFixture, n int64, viewID, minutes, notes string) commands.Submission {
	t.Helper()
	v := f.OpenModal(t, "bill "+strconv.FormatInt(n, 10))
	return form(v, viewID, typed(commands.BlockMinutes, minutes), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, notes))
}

func TestBill_LogsChargesInvoicesAndSetsInvoiced(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	f.matchedDana(t)
	nas := f.Ticket(t, syncrotest.SeedTicketNAS)
	invoicesBefore := len(f.Srv.Invoices())
	r, reqs := f.Submit(t, billForm(t, f, syncrotest.SeedTicketNAS, "V1", "60", "Rebuilt the array."))
	commandstest.Golden(t, "bill_reply.golden", writeReplyJSON(t, r))
	// 13: the invoice guard, the ticket (the time its form showed), the
	// comments before, comment, the timers before, timer_entry in the
	// biller's name, the ticket and its invoices again before charging,
	// charge, the invoices again right before the invoice, invoice, the
	// invoices after it (one made meanwhile is told), status.
	if len(reqs) > 13 {
		t.Errorf("%d Syncro calls from submit to reply, want ≤ 13:%s", len(reqs), commandstest.ReqLines(reqs))
	}
	if n := commandstest.CountReqs(reqs, "POST", "/charge_timer_entry"); n != 1 {
		t.Errorf("%d charges, want 1", n)
	}
	if n := len(f.Srv.Invoices()); n != invoicesBefore+1 {
		t.Errorf("invoices %d → %d", invoicesBefore, n)
	}
	if got := f.Ticket(t, syncrotest.SeedTicketNAS).Status; got != "Invoiced" {
		t.Errorf("status = %q", got)
	}
	for _, tm := range f.Srv.Timers(nas.ID) {
		if !tm.Recorded {
			t.Errorf("timer %d not charged", tm.ID)
		}
	}
	if r.ChannelID != "C0TECHS" {
		t.Errorf("channel = %q", r.ChannelID)
	}
}

func TestBill_ChargesOlderUnchargedTimeToo(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	f.matchedDana(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	r, reqs := f.Submit(t, billForm(t, f, syncrotest.SeedTicketOwnCloud, "V1", "60", ""))
	// invoices, the ticket, the comments before, comment, the timers
	// before, timer_entry, the ticket and its invoices again before
	// charging, two charges, the invoices again, invoice, the invoices
	// after it, status.
	if len(reqs) > 14 || commandstest.CountReqs(reqs, "POST", "/charge_timer_entry") != 2 {
		t.Errorf("%d calls:%s", len(reqs), commandstest.ReqLines(reqs))
	}
	if !strings.Contains(r.Text, "2 time entries charged (105 min)") || !strings.Contains(r.Text, "status set to Invoiced") {
		t.Errorf("reply = %q", r.Text)
	}
	for _, tm := range f.Srv.Timers(own.ID) {
		if !tm.Recorded {
			t.Errorf("timer %d not charged", tm.ID)
		}
	}
}

func TestBill_AlreadyInvoicedTicketGetsNoSecondInvoice(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	mig := f.Ticket(t, syncrotest.SeedTicketMigration)
	// A form opened before someone else invoiced it.
	s := form(commands.NewModal(commands.CallbackBill, "Bill", "Bill", commands.ModalMeta{TicketID: mig.ID, Number: mig.Number, CustomerID: mig.CustomerID, Channel: "C0TECHS", TargetStatus: "Invoiced"}),
		"V1", typed(commands.BlockMinutes, "30"), picked(commands.BlockLabor, "remote", "remote"))
	comments := len(f.Srv.Comments(mig.ID))
	invoices := len(f.Srv.Invoices())
	f.matchedDana(t)
	r, reqs := f.Submit(t, s)
	if !strings.HasPrefix(r.Text, "#32120 is already on invoice #") || !strings.Contains(r.Text, "didn't log time or create another invoice") {
		t.Errorf("reply = %q", r.Text)
	}
	if len(reqs) != 1 || len(f.Srv.Invoices()) != invoices || len(f.Srv.Comments(mig.ID)) != comments {
		t.Errorf("wrote something:%s", commandstest.ReqLines(reqs))
	}
}

func TestBill_InvoiceServerErrorSaysWhatWasDone(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	s := billForm(t, f, syncrotest.SeedTicketNAS, "V1", "90", "")
	f.Srv.Fail("POST", "/invoices", 1, syncrotest.FaultServerError)
	invoices := len(f.Srv.Invoices())
	r, _ := f.Submit(t, s)
	want := "90 min logged on #32145 as Labor - Remote Business; 1 time entry charged (90 min); the invoice was not created: Syncro answered 500."
	if !strings.HasPrefix(r.Text, want) {
		t.Errorf("reply = %q\nwant prefix %q", r.Text, want)
	}
	if len(f.Srv.Invoices()) != invoices {
		t.Error("an invoice was created")
	}
	if got := f.Ticket(t, syncrotest.SeedTicketNAS).Status; got != "Resolved" {
		t.Errorf("status = %q, want it untouched", got)
	}
}

func TestBill_ConcurrentDoubleSubmitWritesOnce(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	nas := f.Ticket(t, syncrotest.SeedTicketNAS)
	s := billForm(t, f, syncrotest.SeedTicketNAS, "V-double", "60", "Once only.")
	comments, timers, invoices := len(f.Srv.Comments(nas.ID)), len(f.Srv.Timers(nas.ID)), len(f.Srv.Invoices())
	var wg sync.WaitGroup
	replies := make([]commands.Reply, 2)
	for i := range replies {
		wg.Go(func() { replies[i] = f.C.Submit(t.Context(), s) })
	}
	wg.Wait()
	if d := len(f.Srv.Comments(nas.ID)) - comments; d != 1 {
		t.Errorf("%d comments added, want 1", d)
	}
	if d := len(f.Srv.Timers(nas.ID)) - timers; d != 1 {
		t.Errorf("%d timers added, want 1", d)
	}
	if d := len(f.Srv.Invoices()) - invoices; d != 1 {
		t.Errorf("%d invoices added, want 1", d)
	}
	dups := 0
	for _, r := range replies {
		if strings.Contains(r.Text, "submitted twice") {
			dups++
		}
	}
	if dups != 1 {
		t.Errorf("replies = %+v", replies)
	}
}

// The bill form starts from 60 minutes only on a ticket with no time: where
// time is already logged and not charged, a prefilled 60 would bill it twice
// over (issue 13). Then the minutes start empty and are optional.
func TestBill_FormPrefillsMinutesOnlyWhenTheTicketHasNoTime(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	withTime := f.OpenModal(t, "bill 32150")
	fresh := f.Srv.AddTicket(syncrotest.Ticket{Subject: "New printer", CustomerID: f.Ticket(t, 32150).CustomerID, Status: "In Progress"})
	none := f.OpenModal(t, fmt.Sprintf("bill %d", fresh.Number))
	for _, tc := range []struct {
		name     string
		v        *slack.ModalViewRequest
		initial  string
		optional bool
	}{{"ticket with uncharged time", withTime, "", true}, {"ticket without time", none, "60", false}} {
		for _, b := range tc.v.Blocks.BlockSet {
			in, ok := b.(*slack.InputBlock)
			if !ok || in.BlockID != commands.BlockMinutes {
				continue
			}
			num, _ := in.Element.(*slack.NumberInputBlockElement)
			if num == nil || num.InitialValue != tc.initial || in.Optional != tc.optional {
				t.Errorf("%s: minutes %+v optional %v; want initial %q optional %v", tc.name, num, in.Optional, tc.initial, tc.optional)
			}
		}
	}
}

func TestBill_NeedsBillingPermission(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	s := billForm(t, f, syncrotest.SeedTicketNAS, "V1", "60", "")
	s.Actor.CanBill = false
	r, reqs := f.Submit(t, s)
	if r.Text != notBillerReply.Text || len(reqs) != 0 {
		t.Errorf("reply %q, %d calls", r.Text, len(reqs))
	}
	nas := f.Ticket(t, syncrotest.SeedTicketNAS)
	a := f.C.Action(t.Context(), commands.Action{Actor: commands.Actor{Name: "Temp"}, ActionID: ticketview.ActionBill, Value: ticketview.TicketButtonValue(nas.ID, nas.Number)})
	if a.Modal == nil || a.Modal.Submit != nil || a.Text != notBillerReply.Text {
		t.Errorf("button: %q", a.Text)
	}
}

// busyBillTicket gives the Printer ticket (#32151) what the bill form must
// preview: uncharged time of two labor products, a charged timer and a
// charged item. It returns the ticket's Syncro id.
func busyBillTicket(t *testing.T, f *storeFixture) int64 {
	t.Helper()
	id := f.Ticket(t, syncrotest.SeedTicketPrinter).ID
	ctx := t.Context()
	start := syncrotest.SeedNow.Add(-3 * time.Hour)
	add := func(minutes int, product int64) *syncro.Timer {
		tm, _, err := f.client.Timers.Add(ctx, id, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: syncro.Ptr(minutes), ProductID: syncro.Ptr(product), Notes: "Work"})
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	add(30, syncrotest.ProductLaborRemote)
	add(20, syncrotest.ProductLaborRemote)
	add(50, syncrotest.ProductLaborOnsite)
	if _, _, err := f.client.Timers.Charge(ctx, id, add(45, syncrotest.ProductLaborRemote).ID); err != nil {
		t.Fatal(err)
	}
	price := syncro.MoneyFromCents(12900)
	if _, _, err := f.client.Tickets.AddLineItem(ctx, id, &syncro.TicketLineItemRequest{Name: "HP 58A Toner Cartridge", Description: "Toner",
		ProductID: syncro.Ptr(int64(29881)), Quantity: syncro.MoneyFromInt(2), PriceRetail: &price}); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestBill_FormSaysWhatTheInvoiceWillCarry: before Bill is pressed, the
// form lists the uncharged time by labor product (minutes, hours, Syncro's
// price) and the charges already on the ticket, with the total minutes and
// price.
func TestBill_FormSaysWhatTheInvoiceWillCarry(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	busyBillTicket(t, f)
	v := f.OpenModal(t, "bill 32151")
	commandstest.Golden(t, "modal_bill_preview.golden", commandstest.PrettyJSON(t, v))
}

// TestInvoicePreview_Text covers what the busy ticket does not: prices
// Syncro did not give, time marked not billable, more lines than shown.
func TestInvoicePreview_Text(t *testing.T) {
	t.Parallel()
	remote := previewLine{name: "Labor - Remote", minutes: 30, qty: chargedHours(30), price: syncro.MoneyFromCents(12500), priced: true}
	item := previewLine{name: "Cable <b>", qty: syncro.MoneyFromInt(1), price: syncro.MoneyFromCents(899), priced: true, charged: true}
	for _, tc := range []struct {
		name string
		pv   invoicePreview
		want []string
	}{
		{"nothing", invoicePreview{}, []string{"Nothing to charge on the ticket yet"}},
		{"only unbillable", invoicePreview{unbillable: 15}, []string{"Nothing to charge", "15 min logged as not billable stay off it."}},
		{"priced", invoicePreview{lines: []previewLine{remote, item}, minutes: 30, total: syncro.MoneyFromCents(6250 + 899)},
			[]string{"• Labor - Remote — 30 min logged, not charged yet: 0.50 h × $125.00/h = $62.50", "• Cable &lt;b&gt; — charged: 1.00 × $8.99 = $8.99", "*Total: 30 min of labor, $71.49*"}},
		{"unpriced", invoicePreview{lines: []previewLine{{name: "Labor (the account's default)", minutes: 20, qty: chargedHours(20)}, item}, minutes: 20, total: syncro.MoneyFromCents(899), unpriced: 1, unbillable: 5},
			[]string{"20 min logged, not charged yet: 0.33 h, priced by Syncro", "*Total: 20 min of labor*, $8.99 for what has a price", "5 min logged as not billable stay off the invoice."}},
		{"more than shown", invoicePreview{lines: slices.Repeat([]previewLine{item}, maxPreviewLines+3)}, []string{"… and 3 more charges"}},
	} {
		got := tc.pv.text("$")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.name, got, w)
			}
		}
	}
}

// The bill form shows what the invoice will carry; another tech logs 30
// min (web UI) before Dana presses Bill. Nothing is billed: the reply says
// the time changed since the form, shows the invoice as it stands now and
// offers to bill that; pressed (twice), it bills the new total once.
func TestBill_InvoicesOnlyWhatItsFormShowed(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketNAS)
	s := f.billForm(t, tk.Number, "V-stale", "15")
	before, _, err := f.client.Tickets.Get(t.Context(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	shown := uncharged(before)
	charged := func() int { return chargedMinutes(f.Srv.Timers(tk.ID)) }
	was := charged()
	_, held := f.syncroHolds(t, tk.ID, "", "")
	invoices := func() (n int) {
		for _, inv := range f.Srv.Invoices() {
			if inv.TicketID == tk.ID {
				n++
			}
		}
		return n
	}
	if _, _, err := f.client.Tickets.PostComment(t.Context(), tk.ID, &syncro.CommentRequest{
		Subject: "Update", Body: "Checked the backups.", Hidden: true,
		ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), MinutesSpent: syncro.Ptr(30), BillTimeNow: syncro.Ptr(false),
	}); err != nil {
		t.Fatal(err)
	}
	r := f.C.Submit(t.Context(), s)
	if got := charged() - was; got != 0 || invoices() != 0 {
		t.Fatalf("the stale form charged %d min and made %d invoices; reply %q", got, invoices(), r.Text)
	}
	if _, minutes := f.syncroHolds(t, tk.ID, "", ""); minutes != held+30 {
		t.Errorf("Syncro holds %d min, want the %d before plus the other tech's 30 (the form's 15 not logged)", minutes, held)
	}
	if !strings.Contains(r.Text, "Nothing was billed") || !strings.Contains(r.Text, "since the form") {
		t.Errorf("reply %q, want it to say nothing was billed as the time changed since the form", r.Text)
	}
	value := buttonValue(r.Blocks, ActionBillNewTotal)
	if value == "" || !strings.Contains(blocksAsSlackReads(t, r.Blocks), fmt.Sprintf("Bill %d min now", shown+30+15)) {
		t.Fatalf("no button to bill the new total:\n%s", blocksAsSlackReads(t, r.Blocks))
	}
	click := commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionBillNewTotal, Value: value, MessageTS: "ts-stale"}
	for i := range 2 {
		r = f.C.Action(t.Context(), click)
		if !strings.Contains(r.Text, "Invoiced #") && !strings.Contains(r.Text, "already") {
			t.Errorf("click %d: %q", i+1, r.Text)
		}
	}
	if got, want := charged()-was, shown+30+15; got != want || invoices() != 1 {
		t.Errorf("after the button: %d min charged, %d invoices; want %d min on one invoice", got, invoices(), want)
	}
}

// TestBill_FormOpenedBeforeTheFingerprintIsNotChargedBlind: a bill form
// opened before the bot fingerprinted what it showed (its metadata has
// no Shown) was charged as it came, whatever time Syncro held by then. It
// bills and logs nothing now: the reply shows the invoice as it stands
// with the button that bills that total, once.
func TestBill_FormOpenedBeforeTheFingerprintIsNotChargedBlind(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketNAS)
	s := f.billForm(t, tk.Number, "V-old", "15")
	meta, err := commands.DecodeMeta(s.PrivateMetadata)
	if err != nil || meta.Shown == "" {
		t.Fatalf("the form's metadata: %+v, %v", meta, err)
	}
	meta.Shown = "" // as an older bot built it
	s.PrivateMetadata = meta.Encode()
	before, _, err := f.client.Tickets.Get(t.Context(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	holds := uncharged(before)
	charged := func() int { return chargedMinutes(f.Srv.Timers(tk.ID)) }
	was, timers := charged(), len(f.Srv.Timers(tk.ID))
	r := f.C.Submit(t.Context(), s)
	if got := charged() - was; got != 0 || len(f.Srv.Timers(tk.ID)) != timers || f.invoices(tk.ID) != 0 {
		t.Fatalf("a form with no record of what it showed charged %d min, logged %d timers, made %d invoices; reply %q",
			got, len(f.Srv.Timers(tk.ID))-timers, f.invoices(tk.ID), r.Text)
	}
	if !strings.Contains(r.Text, "Nothing was billed") || !strings.Contains(r.Text, "before the bot was updated") {
		t.Errorf("reply %q, want it to say nothing was billed, and why", r.Text)
	}
	value := buttonValue(r.Blocks, ActionBillNewTotal)
	if shown := blocksAsSlackReads(t, r.Blocks); value == "" || !strings.Contains(shown, fmt.Sprintf("Bill %d min now", holds+15)) {
		t.Fatalf("no button to bill the %d min it holds and the 15 entered:\n%s", holds, shown)
	}
	click := commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionBillNewTotal, Value: value, MessageTS: "ts-old"}
	for range 2 {
		f.C.Action(t.Context(), click)
	}
	if got := charged() - was; got != holds+15 || f.invoices(tk.ID) != 1 {
		t.Errorf("after the button: %d min charged on %d invoices, want %d on one", got, f.invoices(tk.ID), holds+15)
	}
}

// invoices counts the invoices Syncro holds for ticket id.
func (f *writeFixture) invoices(id int64) int { return ticketInvoices(f.Srv, id) }

// ticketInvoices counts the invoices srv holds for ticket id.
func ticketInvoices(srv *syncrotest.Server, id int64) (n int) {
	for _, inv := range srv.Invoices() {
		if inv.TicketID == id {
			n++
		}
	}
	return n
}

// chargedMinutes sums the minutes of the charged timers among timers.
func chargedMinutes(timers []syncrotest.Timer) (m int) {
	for _, tm := range timers {
		if tm.Recorded {
			m += tm.Minutes()
		}
	}
	return m
}
