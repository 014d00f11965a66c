package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_MoneyShowsInTheAccountsCurrency: the bot reads the currency
// symbol from Syncro's settings at start, and the ticket card's amounts
// carry it (not a hard-coded "$").
func TestE2E_MoneyShowsInTheAccountsCurrency(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.srv.SetCurrency("€")
	b := fx.start(ctx, t)
	b.waitLog(ctx, t, `"msg":"account settings read"`)
	b.slash(ctx, t, "ticket 32145")
	b.waitReply(ctx, t, 0, "Charged, not invoiced: 2 line items totalling €337.50")
}

// TestE2E_AnUnreadCurrencyBlocksNoCommand: while Syncro holds the bot's
// read of its settings, a ticket card still comes, its amounts without a
// symbol rather than a guessed one.
func TestE2E_AnUnreadCurrencyBlocksNoCommand(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.srv.Fail("GET", "/settings", 1, syncrotest.FaultHang)
	fx.accountHeld = true
	b := fx.start(ctx, t)
	b.waitHeld(ctx, t)
	b.slash(ctx, t, "ticket 32145")
	r := b.waitReply(ctx, t, 0, "Charged, not invoiced: 2 line items totalling 337.50")
	if strings.Contains(replyText(r.Message), "$337.50") {
		t.Errorf("the card claims a currency the bot has not read:\n%s", replyText(r.Message))
	}
}

// TestE2E_LaborMenuNamesEveryKindFromTheStart: the first form a tech
// opens after the bot starts names every labor kind with its Syncro
// product, read at start; none waits to be learned from a reply.
func TestE2E_LaborMenuNamesEveryKindFromTheStart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	card := b.waitReply(ctx, t, 0)
	b.click(ctx, t, card, button(t, card.Blocks, ticketview.ActionLogTime))
	v := b.waitView(ctx, t, commands.CallbackLogTime)
	names := map[int64]string{}
	for _, p := range b.srv.Products() {
		names[p.ID] = p.Name
	}
	products := labor.Default()
	for _, kind := range products.Kinds() {
		want := kind + " — " + names[products[kind]]
		if !strings.Contains(string(v.JSON), `"text":"`+want+`"`) {
			t.Errorf("the labor menu lacks %q:\n%s", want, v.JSON)
		}
	}
}

// TestE2E_AMissingLaborProductIsSaidAtStart: a LABOR_PRODUCTS id Syncro
// does not have is logged when the bot starts, naming the kind, as
// `bot -check` reports it.
func TestE2E_AMissingLaborProductIsSaidAtStart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) { env["LABOR_PRODUCTS"] = "remote=1190473,onsite=424242" })
	b.waitLog(ctx, t, `"kind":"onsite","product_id":424242,"problem":"Syncro has no such product"`)
	var check syncbuf.Buffer
	if code := run(ctx, []string{"bot", "-check"}, envMap(b.env), &check, &check); code == exitOK {
		t.Errorf("bot -check passed a map with a product Syncro does not have:\n%s", check.String())
	}
	if !strings.Contains(check.String(), "Syncro has no product 424242") {
		t.Errorf("bot -check does not name product 424242:\n%s", check.String())
	}
}

// settingsReads counts the reads of what account keeps (the account's
// settings, ticket settings and users) since the last ResetLog.
func settingsReads(srv *syncrotest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && (r.Path == "/settings" || r.Path == "/tickets/settings" || r.Path == "/users") {
			n++
		}
	}
	return n
}

// TestE2E_StatusesPrioritiesAndTechsAreNotReadPerCommand: update with
// --status, --priority and --tech, the update, close and bill forms take
// the account's lists from the read at start, not from a read each.
func TestE2E_StatusesPrioritiesAndTechsAreNotReadPerCommand(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	b.srv.ResetLog()

	b.slash(ctx, t, "update "+itoa64(tk.Number)+` --status "Waiting on Customer" --priority High --tech Marcus`)
	b.waitReply(ctx, t, 0, "Waiting on Customer", "Marcus Oyelaran")
	if now := ticketByNumber(t, b.srv, tk.Number); now.Status != "Waiting on Customer" || now.Priority != "1 High" {
		t.Errorf("Syncro holds #%d as %q, %q; want Waiting on Customer, 1 High", tk.Number, now.Status, now.Priority)
	}
	b.slash(ctx, t, "update "+itoa64(tk.Number))
	b.waitView(ctx, t, commands.CallbackUpdate)
	b.openCloseForm(ctx, t, tk.Number)
	b.openBillForm(ctx, t, tk.Number)
	if n := settingsReads(b.srv); n != 0 {
		t.Errorf("an update and three forms read the account's lists %d times, want none:%s", n, reqLines(b.srv))
	}
}

// TestE2E_AStatusAddedInSyncroIsFoundWithOneRead: a status an admin
// added in Syncro after the bot's last read is not refused: the bot reads
// the statuses once more and sets it.
func TestE2E_AStatusAddedInSyncroIsFoundWithOneRead(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	b.srv.AddStatus("Waiting on Parts", false)
	b.srv.ResetLog()

	b.slash(ctx, t, "update "+itoa64(tk.Number)+` --status "waiting on parts"`)
	b.waitReply(ctx, t, 0, "Waiting on Parts")
	if now := ticketByNumber(t, b.srv, tk.Number).Status; now != "Waiting on Parts" {
		t.Errorf("Syncro holds #%d as %q, want Waiting on Parts", tk.Number, now)
	}
	if n := b.srv.Count("GET", "/tickets/settings"); n != 1 {
		t.Errorf("the new status cost %d reads of the statuses, want 1:%s", n, reqLines(b.srv))
	}
}
