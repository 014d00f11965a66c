package tickets

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Billing defaults.
const (
	// defaultBillMinutes prefills the bill form: most billed tickets are an
	// hour of remote work.
	defaultBillMinutes = 60
	// invoiceCategory is the category practitioners send when invoicing a
	// ticket (the UI's "Make Invoice").
	invoiceCategory = "Standard"
	// billSubject is the subject of the internal comment holding the work
	// notes of billed time.
	billSubject = "Billing"
)

// notBillerReply answers a tech without billing permission.
var notBillerReply = commands.Reply{Text: "Only techs allowed to bill can invoice tickets. Ask whoever runs the bot to add you to BILLING_USERS."}

// bill opens the bill modal for a ticket number.
func (c *feature) bill(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	t, err := c.findTicket(ctx, inv.Ticket)
	if err != nil {
		return commands.AsModal(c.cfg.Failure(ctx, err, fmt.Sprintf("find ticket #%d", inv.Ticket)), "Bill ticket")
	}
	return c.formOrFinish(ctx, formBill, t.ID, inv.Ticket, r.ChannelID, func() commands.Reply { return c.billModal(ctx, t.ID, inv.Ticket, r.ChannelID) })
}

// invoiceStatus picks the account's Invoiced status; "" when it has none
// (then a bill leaves the status alone). An unknown list means Syncro's
// default, which has it.
func invoiceStatus(statuses []string) string {
	if len(statuses) == 0 {
		return "Invoiced"
	}
	for _, s := range statuses {
		if strings.EqualFold(strings.TrimSpace(s), "Invoiced") {
			return s
		}
	}
	return ""
}

// describeInvoice names an invoice for a reply: invoiceName escaped for
// mrkdwn, "#1681 (total $337.50)".
func (c *feature) describeInvoice(inv syncro.Invoice) string {
	return slackfmt.MrkdwnLiteral(c.invoiceName(inv))
}

// uncharged sums the billable, not yet charged time of a ticket.
func uncharged(t *syncro.Ticket) (minutes int) {
	for _, tm := range t.TicketTimers {
		if chargeable(tm) {
			minutes += timerMinutes(tm)
		}
	}
	return minutes
}

// chargeable reports whether a bill charges tm: billable time, not yet
// charged.
func chargeable(tm syncro.Timer) bool {
	return !tm.Recorded && tm.Billable && timerMinutes(tm) > 0
}

// billModal builds the bill form, or a notice when the ticket already has an
// invoice.
//
// Syncro calls: GET ticket, invoices of the ticket (statuses from
// Deps.Account), and
// one GET /products/{id} per labor product among the ticket's uncharged
// timers (previewInvoice).
func (c *feature) billModal(ctx context.Context, ticketID, number int64, channel string) commands.Reply {
	t, _, err := c.cfg.Syncro.Tickets.Get(ctx, ticketID)
	if err != nil {
		return commands.AsModal(c.cfg.Failure(ctx, err, fmt.Sprintf("read ticket #%d", number)), "Bill ticket")
	}
	c.learnNames(t)
	invs, err := c.cfg.Syncro.Invoices.ForTicket(ctx, t.ID)
	if err != nil {
		return commands.AsModal(c.cfg.Failure(ctx, err, fmt.Sprintf("check the invoices of #%d", number)), "Bill ticket")
	}
	if len(invs) > 0 {
		return commands.AsModal(commands.Reply{Text: fmt.Sprintf("#%d is already on invoice %s, so there is nothing to bill. Add new work to a new ticket, or edit the invoice in Syncro.", number, c.describeInvoice(invs[0]))}, "Bill ticket")
	}
	var statuses []string
	if ts, err := c.cfg.Account.TicketSettings(ctx, nil); err == nil {
		statuses = ts.TicketStatusList
	}
	unMin := uncharged(t)
	meta := commands.ModalMeta{
		TicketID: t.ID, Number: number, CustomerID: t.CustomerID, Channel: channel,
		Status: t.Status, TargetStatus: invoiceStatus(statuses), Uncharged: unMin,
		Shown: shownTime(t),
	}
	if unMin == 0 && len(t.LineItems) > 0 {
		// Charged items wait to be invoiced: new minutes are optional too.
		meta.Uncharged = -1
	}

	head := fmt.Sprintf("*#%d %s* — %s", number, commands.InlineMrkdwn(t.Subject, 200), commands.InlineMrkdwn(t.CustomerBusinessThenName, 100))
	// Before Bill is pressed, what the invoice will carry: the tech checks
	// the minutes and prices here, not on the invoice afterwards.
	head += "\n" + c.previewInvoice(ctx, t).text(c.cfg.Account.Currency())
	minutesOptional := meta.Uncharged != 0
	hint := "Minutes to log and bill now."
	if minutesOptional {
		hint += " Leave empty to invoice only what is already on the ticket."
	}
	num := slack.NewNumberInputBlockElement(commands.Plain("60"), commands.BlockMinutes, false)
	if !minutesOptional {
		// Only a ticket with no time at all starts from the default: where
		// time is already logged, a prefilled 60 would bill it again.
		num.InitialValue = strconv.Itoa(defaultBillMinutes)
	}
	num.MinValue = "1"
	num.MaxValue = strconv.Itoa(cmdline.MaxMinutes)
	v := commands.NewModal(commands.CallbackBill, fmt.Sprintf("Bill #%d", number), "Bill", meta,
		slack.NewSectionBlock(commands.Mrkdwn(head), nil, nil),
		commands.InputBlock(commands.BlockMinutes, "Minutes", hint, num, minutesOptional),
		commands.InputBlock(commands.BlockLabor, "Labor type", "", c.laborSelect(labor.DefaultKind), true),
		commands.InputBlock(commands.BlockNotes, "Work notes", "Internal; saved on the ticket with the time.", commands.TextInput(commands.BlockNotes, "What was done", "", true, slackfmt.MaxSectionText), true),
	)
	return commands.Reply{Modal: v}
}

// plural picks the singular or plural ending for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// submitBill logs the time, charges uncharged timers, invoices the ticket
// (never twice) and sets it Invoiced, as a recorded flow (flow.go): invoice
// guard → comment with the work notes → the minutes as a timer entry in
// the biller's Syncro user → charge → invoice → status. When a step fails
// the reply says exactly what was done and what was not, and Finish runs
// only the missing steps.
//
// Syncro calls, with time: invoices of the ticket, the ticket (its
// uncharged time against the form's, billshown.go), the comments before,
// comment, the ticket's timers before, timer_entry, the ticket and its
// invoices again right before charging (its time against the form's once
// more; an invoice made meanwhile stops the bill), one charge per
// uncharged timer (the new one plus any older), the invoices again, create
// invoice, the invoices after it (invoiceMade), PUT status: 13 with one
// timer to charge, 14 with two; a status already
// Invoiced saves one, and the biller's match before their first time
// entry adds its lookups.
func (c *feature) submitBill(ctx context.Context, s commands.Submission, meta commands.ModalMeta) commands.Reply {
	if !s.Actor.CanBill {
		return notBillerReply
	}
	n := meta.Number
	notes := commands.InputText(s, commands.BlockNotes)
	te, err := c.timeFromSubmission(s, notes)
	if err != nil {
		return commands.Reply{Text: commands.UsageMessage(err) + " Nothing was saved."}
	}
	p := flowParams{
		TicketID: meta.TicketID, Number: n, CustomerID: meta.CustomerID,
		Subject: billSubject, Body: notes, Hidden: true, DoNotEmail: true,
		TargetStatus: meta.TargetStatus, Channel: meta.Channel,
		Shown: meta.Shown, ShownMin: max(meta.Uncharged, 0),
	}
	if te != nil {
		if p.Body == "" {
			p.Body = fmt.Sprintf("Billed %d min.", te.Minutes)
		}
		p.Minutes, p.ProductID, p.TimerNotes = te.Minutes, te.ProductID, te.Notes
		p.Retype = retypeKey(s.Actor, meta.TicketID, notes, te.Minutes, te.ProductID)
	}
	// The bill's minutes are the biller's.
	if q := c.whoseTime(ctx, s.Actor, &p); q != nil {
		return *q
	}
	return c.startFlow(ctx, commands.SubmissionKey(s), store.FlowBill, billSteps(te != nil), p, s.Actor)
}

// billSteps are a bill's steps, with the comment and time steps when it
// logs time.
func billSteps(logsTime bool) []string {
	steps := []string{stepGuard}
	if logsTime {
		steps = append(steps, stepComment, stepTime)
	}
	return append(steps, stepChargeCheck, stepCharge, stepInvoice, stepStatus, stepNotice)
}

// chargedSentence is "2 time entries charged (105 min)"; "" for none.
func chargedSentence(n, minutes int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d time entr%s charged (%d min)", n, plural(n, "y", "ies"), minutes)
}

// joinDone joins the non-empty steps with "; ".
func joinDone(done []string) string {
	var parts []string
	for _, d := range done {
		if d != "" {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, "; ")
}

// halfDone is the reply of a bill that stopped: what was done, then what
// was not.
func halfDone(done []string, notDone string) commands.Reply {
	d := joinDone(done)
	if d == "" {
		return commands.Reply{Text: "Nothing was billed: " + notDone + "."}
	}
	return commands.Reply{Text: d + "; " + notDone + "."}
}

// chargeTimer charges one timer entry. Charging twice makes two line items,
// so an unknown outcome is read back: a timer now recorded was charged.
func (c *feature) chargeTimer(ctx context.Context, ticketID, timerID int64) error {
	_, _, err := c.cfg.Syncro.Timers.Charge(ctx, ticketID, timerID)
	if err == nil || !errors.Is(err, syncro.ErrOutcomeUnknown) {
		return err
	}
	t, _, rerr := c.cfg.Syncro.Tickets.Get(ctx, ticketID)
	if rerr != nil {
		return &unknownOutcomeError{what: "the charge", err: err}
	}
	for _, tm := range t.TicketTimers {
		if tm.ID == timerID && tm.Recorded {
			return nil
		}
	}
	return err
}

// invoiceMade is the invoice step's result for inv, the invoice the bill
// made (or found made, reading back), given all the ticket's invoices as
// read after it. Any other there was made in Syncro while the bill ran:
// the customer would be billed twice, so the reply says so plainly,
// naming each, instead of a clean "invoice #N created". confirmed is
// false when Syncro never answered the POST and inv was found by reading
// back: it may be one the web app made meanwhile (no idempotency key
// tells them apart), so the reply says the ticket is on it, not that the
// bot made it.
func (c *feature) invoiceMade(inv syncro.Invoice, all []syncro.Invoice, number int64, confirmed bool) stepResult {
	res := stepResult{Said: "invoice " + c.describeInvoice(inv) + " created", Invoice: c.invoiceName(inv)}
	if !confirmed {
		res.Said = fmt.Sprintf("#%d is on invoice %s (Syncro didn't confirm my invoice POST, so it is mine or one made in Syncro meanwhile; I made no other)",
			number, c.describeInvoice(inv))
	}
	names := []string{c.describeInvoice(inv)}
	for _, o := range all {
		if o.ID != inv.ID {
			names = append(names, c.describeInvoice(o))
		}
	}
	if len(names) == 1 {
		return res
	}
	count := fmt.Sprintf("%d invoices", len(names))
	if len(names) == 2 {
		count = "two invoices"
	}
	res.Said += fmt.Sprintf(", but #%d is now on %s, %s (one was made in Syncro while I billed it): delete one of them in Syncro, or the customer is billed twice",
		number, count, strings.Join(names, " and "))
	return res
}

// readBackInvoice settles an invoice POST whose outcome is unknown by
// listing the ticket's invoices. The step looked right before its POST
// and found none, so one there now is the bill's or one the web app made
// since, which nothing tells apart: the result says only that the ticket
// is on it (invoiceMade, unconfirmed). One created after the step's
// Until (on Syncro's clock) came later than the POST could have landed —
// made in the web app while the bot was down — and is never taken for
// the bill's: landed false, and the step, run again, finds it and makes
// no second.
func (fr *flowRun) readBackInvoice(ctx context.Context) (stepResult, bool, error) {
	invs, err := fr.c.cfg.Syncro.Invoices.ForTicket(ctx, fr.p.TicketID)
	if err != nil {
		return stepResult{}, false, fmt.Errorf("read back the invoices of ticket %d: %w", fr.p.TicketID, err)
	}
	until := fr.before[stepInvoice].Until
	var oldest *syncro.Invoice
	for i, inv := range invs {
		if !until.IsZero() && inv.CreatedAt.After(until) {
			continue
		}
		if oldest == nil || inv.CreatedAt.Before(oldest.CreatedAt.Time) {
			oldest = &invs[i]
		}
	}
	if oldest == nil {
		return stepResult{}, false, nil
	}
	return fr.c.invoiceMade(*oldest, invs, fr.p.Number, false), true, nil
}
