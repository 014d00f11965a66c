package tickets

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro"
)

// What the bill form says the invoice will carry, before the tech presses
// Bill: Syncro's invoice from a ticket takes the ticket's charges not yet
// invoiced (docs/syncro-api.md §4.8), and billing first charges every
// billable timer not yet charged (§4.3, §4.4), each as a line of its labor
// product with the timer's hours. So the preview is those timers, by
// product, and the line items not yet on an invoice, with Syncro's prices.

// maxPreviewLines bounds the lines the form lists; the totals count all.
const maxPreviewLines = 10

// previewLine is one product or charge the invoice will carry.
type previewLine struct {
	name string
	// minutes is the labor time of the line; 0 for other items.
	minutes int
	// qty is hours for labor, pieces for other items; price is per unit.
	qty, price syncro.Money
	// priced is false when Syncro did not give the product's price.
	priced bool
	// charged is true for a line item already on the ticket, false for
	// timers billing will charge.
	charged bool
}

// invoicePreview is what billing a ticket as it stands puts on the
// invoice.
type invoicePreview struct {
	lines []previewLine
	// minutes is the labor time in all; total the price in all.
	minutes int
	total   syncro.Money
	// unpriced counts lines whose price Syncro did not give.
	unpriced int
	// unbillable is the minutes of timers marked not billable: billing
	// leaves them off.
	unbillable int
}

// chargedHours is the quantity a timer of m minutes is charged as: hours
// to two decimals, the way a charged timer's line item shows them.
func chargedHours(m int) syncro.Money {
	return syncro.MoneyFromUnits(int64(math.Round(float64(m)*100/60)) * 100)
}

// laborMinutes is the time of a labor line item (quantity in hours).
func laborMinutes(qty syncro.Money) int {
	return int(math.Round(float64(qty.Units()) * 60 / 10000))
}

// previewInvoice reads what billing t would invoice. Syncro calls: one GET
// /products/{id} per labor product among the uncharged timers, for its
// name and price (prices change, so they are not cached).
func (c *feature) previewInvoice(ctx context.Context, t *syncro.Ticket) invoicePreview {
	var pv invoicePreview
	byProduct := map[int64]int{} // product → index in pv.lines
	for _, tm := range t.TicketTimers {
		m := timerMinutes(tm)
		switch {
		case tm.Recorded || m == 0:
			continue // a charged timer is one of the line items
		case !tm.Billable:
			pv.unbillable += m
			continue
		}
		var pid int64
		if tm.ProductID != nil {
			pid = *tm.ProductID
		}
		i, ok := byProduct[pid]
		if !ok {
			i = len(pv.lines)
			byProduct[pid] = i
			pv.lines = append(pv.lines, c.laborLine(ctx, pid))
		}
		pv.lines[i].minutes += m
		pv.lines[i].qty = pv.lines[i].qty.Add(chargedHours(m))
	}
	for _, li := range t.LineItems {
		if li.Converted {
			continue
		}
		l := previewLine{name: li.Name, qty: li.Quantity, price: li.PriceRetail, priced: true, charged: true}
		if li.ProductID != nil && c.isLabor(*li.ProductID, li.ProductCategory) {
			l.minutes = laborMinutes(li.Quantity)
		}
		pv.lines = append(pv.lines, l)
	}
	for _, l := range pv.lines {
		pv.minutes += l.minutes
		if !l.priced {
			pv.unpriced++
			continue
		}
		pv.total = pv.total.Add(l.qty.Mul(l.price))
	}
	return pv
}

// laborLine starts the preview line of labor product id, named and priced
// from Syncro; 0 is the account's default labor, which Syncro charges a
// timer without a product as.
func (c *feature) laborLine(ctx context.Context, id int64) previewLine {
	if id == 0 {
		return previewLine{name: "Labor (the account's default)"}
	}
	p, _, err := c.cfg.Syncro.Products.Get(ctx, id)
	if err != nil || p == nil {
		c.cfg.Logger.WarnContext(ctx, "labor product not read for the bill form; its price is left out", "product", id, "err", err)
		return previewLine{name: c.productName(ctx, id)}
	}
	c.w.rememberProductName(id, p.Name)
	return previewLine{name: p.Name, price: p.PriceRetail, priced: true}
}

// isLabor reports whether a line item's product is labor: one of
// LABOR_PRODUCTS, or in Syncro's Labor category.
func (c *feature) isLabor(productID int64, category string) bool {
	if _, ok := c.cfg.Labor.Kind(productID); ok {
		return true
	}
	return strings.EqualFold(strings.TrimSpace(category), "labor")
}

// text says the preview for the bill form, in mrkdwn, with amounts in
// the account's currency.
func (pv invoicePreview) text(cur account.Currency) string { return pv.render(cur, true) }

// standing says the preview as it stands, for a message with no form to
// enter minutes in (a stopped bill's reply, billshown.go).
func (pv invoicePreview) standing(cur account.Currency) string { return pv.render(cur, false) }

// render is text, with the form's hints about minutes entered below when
// form is set.
func (pv invoicePreview) render(cur account.Currency, form bool) string {
	if len(pv.lines) == 0 {
		s := "Nothing to charge on the ticket."
		if form {
			s = "Nothing to charge on the ticket yet: the invoice will carry the minutes you enter below."
		}
		if pv.unbillable > 0 {
			s += fmt.Sprintf(" (%d min logged as not billable stay off it.)", pv.unbillable)
		}
		return s
	}
	var b strings.Builder
	b.WriteString("*The invoice will carry:*")
	for i, l := range pv.lines {
		if i == maxPreviewLines {
			fmt.Fprintf(&b, "\n• … and %d more %s", len(pv.lines)-i, plural(len(pv.lines)-i, "charge", "charges"))
			break
		}
		b.WriteString("\n• ")
		b.WriteString(commands.InlineMrkdwn(l.name, 80))
		switch {
		case l.minutes > 0 && !l.charged:
			fmt.Fprintf(&b, " — %d min logged, not charged yet", l.minutes)
		case l.minutes > 0:
			fmt.Fprintf(&b, " — %d min, charged", l.minutes)
		default:
			b.WriteString(" — charged")
		}
		unit := ""
		if l.minutes > 0 {
			unit = " h"
		}
		switch {
		case l.priced && unit != "":
			fmt.Fprintf(&b, ": %s h × %s/h = %s", l.qty, cur.Mrkdwn(l.price), cur.Mrkdwn(l.qty.Mul(l.price)))
		case l.priced:
			fmt.Fprintf(&b, ": %s × %s = %s", l.qty, cur.Mrkdwn(l.price), cur.Mrkdwn(l.qty.Mul(l.price)))
		default:
			fmt.Fprintf(&b, ": %s%s, priced by Syncro", l.qty, unit)
		}
	}
	fmt.Fprintf(&b, "\n*Total: %d min of labor", pv.minutes)
	if pv.unpriced == 0 {
		fmt.Fprintf(&b, ", %s*", cur.Mrkdwn(pv.total))
	} else {
		fmt.Fprintf(&b, "*, %s for what has a price", cur.Mrkdwn(pv.total))
	}
	if form {
		b.WriteString(" — plus any minutes you enter below.")
	}
	if pv.unbillable > 0 {
		fmt.Fprintf(&b, "\n%d min logged as not billable stay off the invoice.", pv.unbillable)
	}
	return b.String()
}
