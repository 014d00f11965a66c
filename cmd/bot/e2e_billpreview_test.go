package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// previewLineRE reads one line of the bill form's preview: product, hours
// or pieces, price and amount (in the account's currency, "$").
var previewLineRE = regexp.MustCompile(`• (.+?) — [^:\n]*: ([\d.]+)(?: h)? × \$([\d.]+)(?:/h)? = \$([\d.]+)`)

// previewTotalRE reads the preview's total: minutes of labor, price.
var previewTotalRE = regexp.MustCompile(`\*Total: (\d+) min of labor, \$([\d.]+)\*`)

// TestE2E_BillFormShowsWhatTheInvoiceCarries: on a ticket with uncharged
// time of two labor products (one of them in two entries) and a charged
// item, the bill form's preview, read as Dana reads it, matches the
// invoice Syncro holds once she presses Bill without adding minutes:
// each product's hours and amount and the total price; its minutes of
// labor are the minutes of the time entries the invoice charged.
func TestE2E_BillFormShowsWhatTheInvoiceCarries(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	chargeUp(ctx, t, b.srv, tk.ID)

	view := b.openBillForm(ctx, t, tk.Number)
	var modal struct {
		Blocks []struct {
			Text struct{ Text string } `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(view.JSON, &modal); err != nil || len(modal.Blocks) == 0 {
		t.Fatalf("bill form: %v\n%s", err, view.JSON)
	}
	preview := modal.Blocks[0].Text.Text
	type amounts struct{ qty, amount float64 }
	form := map[string]amounts{}
	for _, m := range previewLineRE.FindAllStringSubmatch(preview, -1) {
		a := form[m[1]]
		a.qty += atof(t, m[2])
		a.amount += atof(t, m[4])
		form[m[1]] = a
	}
	total := previewTotalRE.FindStringSubmatch(preview)
	if len(form) != 3 || total == nil {
		t.Fatalf("the preview does not list three products and a total:\n%s", preview)
	}

	b.submitView(ctx, t, billSubmission(t, view, "", "Replaced the fuser."))
	b.waitReply(ctx, t, 0, "Invoiced #")

	var inv syncrotest.Invoice
	for _, x := range b.srv.Invoices() {
		if x.TicketID == tk.ID {
			inv = x
		}
	}
	onInvoice := map[string]amounts{}
	for _, l := range b.srv.InvoiceLineItems(inv.ID) {
		a := onInvoice[l.Item]
		a.qty += l.Quantity
		a.amount += math.Round(l.Quantity*float64(l.PriceCents)) / 100
		onInvoice[l.Item] = a
	}
	charged := 0
	for _, tm := range b.srv.Timers(tk.ID) {
		if tm.Recorded {
			charged += tm.Minutes()
		}
	}
	for name, want := range form {
		got := onInvoice[name]
		if fmt.Sprintf("%.2f %.2f", got.qty, got.amount) != fmt.Sprintf("%.2f %.2f", want.qty, want.amount) {
			t.Errorf("%s: the form says %.2f for %.2f, the invoice carries %.2f for %.2f", name, want.qty, want.amount, got.qty, got.amount)
		}
	}
	if len(onInvoice) != len(form) {
		t.Errorf("the invoice carries %v, the form said %v", onInvoice, form)
	}
	if minutes := strconv.Itoa(charged); minutes != total[1] || fmt.Sprintf("%.2f", float64(inv.TotalCents)/100) != total[2] {
		t.Errorf("the form's total is %s min, %s; the invoice charged %s min and totals %.2f", total[1], total[2], minutes, float64(inv.TotalCents)/100)
	}
}

// chargeUp logs on ticketID, through Syncro's API as its web UI would,
// twice 20 min of remote labor (charged as 0.33 h each, so the hours of
// the product are not its minutes' 0.67) and 50 min onsite, not charged,
// and charges three patch cables.
func chargeUp(ctx context.Context, t *testing.T, srv *syncrotest.Server, ticketID int64) {
	t.Helper()
	c, err := syncro.NewClient(syncro.Config{BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-4 * time.Hour)
	for _, e := range []struct {
		minutes int
		product int64
	}{{20, syncrotest.ProductLaborRemote}, {20, syncrotest.ProductLaborRemote}, {50, syncrotest.ProductLaborOnsite}} {
		if _, _, err := c.Timers.Add(ctx, ticketID, &syncro.TimerEntryRequest{StartAt: &start, DurationMinutes: syncro.Ptr(e.minutes), ProductID: syncro.Ptr(e.product)}); err != nil {
			t.Fatal(err)
		}
	}
	price := syncro.MoneyFromCents(899)
	if _, _, err := c.Tickets.AddLineItem(ctx, ticketID, &syncro.TicketLineItemRequest{Name: "Cat6 Patch Cable 7ft", Description: "Patch cables",
		ProductID: syncro.Ptr(int64(31877)), Quantity: syncro.MoneyFromInt(3), PriceRetail: &price}); err != nil {
		t.Fatal(err)
	}
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
