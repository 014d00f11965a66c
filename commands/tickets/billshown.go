package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// A bill invoices what its form showed. The form records which uncharged
// time it showed (ModalMeta.Shown, a fingerprint of those timers); the
// bill compares it with what Syncro holds twice: in its first step,
// before anything is written, and again right before charging (the
// charge check), when the bill's own minutes are on the ticket too and
// anyone may have logged time meanwhile. If time was logged or charged
// since the form opened, nothing is charged: the tech gets the preview
// as it stands now and a button (ActionBillNewTotal) to bill that, once
// however often pressed, which logs no minutes the stopped bill logged.
// The charge check records the timers it found, and the charge step
// charges only those, also when Finish resumes it.
//
// A form opened before the bot learned to fingerprint carries none: its
// bill is never charged blind, it stops in its first step with the total
// as it stands and the same button.

// ActionBillNewTotal bills a ticket whose uncharged time changed after
// its bill form opened, as it stands now; its value is the stopped bill's
// flow id, the fingerprint of the time it was shown and those minutes,
// joined by "|".
const ActionBillNewTotal = "bill_new_total"

// shownTime fingerprints the uncharged billable time of t, the time a
// bill charges: its timers' ids and minutes, in id order. Private
// metadata is bounded, so the form carries this, not the ids.
func shownTime(t *syncro.Ticket) string { return shownTimeBut(t, 0) }

// shownTimeBut is shownTime leaving out timer own (a bill's own minutes,
// logged after its form showed the rest).
func shownTimeBut(t *syncro.Ticket, own int64) string {
	var parts []string
	for _, tm := range t.TicketTimers {
		if chargeable(tm) && tm.ID != own {
			parts = append(parts, fmt.Sprintf("%d:%d", tm.ID, timerMinutes(tm)))
		}
	}
	slices.Sort(parts)
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.Join(parts, ",")))
	return strconv.FormatUint(h.Sum64(), 36)
}

// checkShown is the bill's guard against time that changed since its
// form: it stops the flow, before any write, when the ticket's uncharged
// time is not what the form showed, or when the form recorded nothing
// (opened before the bot fingerprinted what it showed).
func (fr *flowRun) checkShown(ctx context.Context) (stop string, err error) {
	if fr.f.Kind != store.FlowBill {
		return "", nil
	}
	t, err := fr.getTicket(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case fr.p.Shown == "":
		fr.stale = t
		return fmt.Sprintf("nothing was billed: the form was opened before the bot was updated, so I can't tell what time it showed; #%d holds %d min of uncharged time now",
			fr.p.Number, uncharged(t)), nil
	case shownTime(t) == fr.p.Shown:
		return "", nil
	}
	fr.stale = t
	return fmt.Sprintf("nothing was billed: #%d holds %d min of uncharged time now, not the %d min shown when %s opened the form (time was logged or charged on it since the form opened)",
		fr.p.Number, uncharged(t), fr.p.ShownMin, fr.billOwner()), nil
}

// chargeCheck is a bill's look at the ticket right before charging, read
// afresh: the uncharged time besides the bill's own minutes must still be
// what the form showed (checkShown's rule; a flow recorded without a
// fingerprint was checked by its guard, as it was then). It records the
// timers to charge, so a charge resumed by Finish charges those and no
// time logged since.
func (fr *flowRun) chargeCheck(ctx context.Context) (stepResult, error) {
	t, _, err := fr.readTicket(ctx)
	if err != nil {
		return stepResult{}, err
	}
	// An invoice made in the web app since the guard looked: charging now
	// would put the time on the ticket as lines no invoice carries.
	invs, err := fr.c.cfg.Syncro.Invoices.ForTicket(ctx, fr.p.TicketID)
	if err != nil {
		return stepResult{}, err
	}
	if len(invs) > 0 {
		return stepResult{Stop: fmt.Sprintf("nothing was charged: #%d is on invoice %s, made since the form opened (no second invoice made)",
			fr.p.Number, fr.c.describeInvoice(invs[0]))}, nil
	}
	own := fr.results[stepTime].TimerID
	if fr.p.Shown != "" && shownTimeBut(t, own) != fr.p.Shown {
		fr.stale = t
		besides := ""
		if own != 0 {
			besides = fmt.Sprintf("besides the %d min just logged, ", fr.results[stepTime].TimerMin)
		}
		return stepResult{Stop: fmt.Sprintf("nothing was charged or invoiced: %s#%d now holds %d min of uncharged time, not the %d min shown when %s opened the form (time was logged or charged on it since the form opened)",
			besides, fr.p.Number, uncharged(t)-fr.ownMinutes(t), fr.p.ShownMin, fr.billOwner())}, nil
	}
	var res stepResult
	for _, tm := range t.TicketTimers {
		if chargeable(tm) {
			res.Charge = append(res.Charge, tm.ID)
		}
	}
	fr.checked = true
	return res, nil
}

// charge is the bill's charge step: it charges the timers its charge
// check found. Resumed in a later pass (Finish, after a crash or a
// failure) before any of them is charged, it looks again first, as the
// bill does right before charging: time logged while the bill was cut
// off would otherwise stay uncharged on the invoiced ticket without a
// word. A charge cut off half-way cannot stop cleanly (lines no invoice
// carries): it charges the rest of what the check found and says what it
// left off.
func (fr *flowRun) charge(ctx context.Context) (stepResult, error) {
	var res stepResult
	t, err := fr.getTicket(ctx)
	if err != nil {
		return res, err
	}
	// A bill recorded before the charge check charges all there is.
	plan, planned := fr.results[stepChargeCheck]
	if planned && !fr.checked && !slices.ContainsFunc(t.TicketTimers, func(tm syncro.Timer) bool { return tm.Recorded && slices.Contains(plan.Charge, tm.ID) }) {
		if plan, err = fr.chargeCheck(ctx); err != nil || plan.Stop != "" {
			return plan, err
		}
		t = fr.ticket
	}
	charged, chargedMin, left := 0, 0, 0
	for i := range t.TicketTimers {
		tm := &t.TicketTimers[i]
		if !chargeable(*tm) {
			continue
		}
		if planned && !slices.Contains(plan.Charge, tm.ID) {
			left += timerMinutes(*tm)
			continue
		}
		if err := fr.c.chargeTimer(ctx, t.ID, tm.ID); err != nil {
			fr.ticket = nil
			return res, err
		}
		tm.Recorded = true
		charged++
		chargedMin += timerMinutes(*tm)
	}
	res.Said = chargedSentence(charged, chargedMin)
	if left > 0 {
		res.Said = joinDone([]string{res.Said, fmt.Sprintf("the %d min entered on #%d since my look before charging are NOT charged, so the invoice won't carry them: add them to it in Syncro", left, fr.p.Number)})
	}
	if charged == 0 && len(t.LineItems) == 0 {
		res.Stop = fmt.Sprintf("there is nothing on #%d to invoice (no time or charges)", fr.p.Number)
	}
	return res, nil
}

// ownMinutes is the uncharged minutes of the bill's own timer on t; 0 when
// it logged none (or they are charged).
func (fr *flowRun) ownMinutes(t *syncro.Ticket) int {
	own := fr.results[stepTime].TimerID
	for _, tm := range t.TicketTimers {
		if tm.ID == own && own != 0 && chargeable(tm) {
			return timerMinutes(tm)
		}
	}
	return 0
}

// staleBillReply answers a bill stopped by checkShown or chargeCheck:
// what it did (its own minutes, when it logged them), what the invoice
// would carry now, and a button to bill that.
func (fr *flowRun) staleBillReply(ctx context.Context, why string) commands.Reply {
	t := fr.stale
	text := strings.ToUpper(why[:1]) + why[1:] + "."
	if done := fr.doneSoFar(); len(done) > 0 {
		text = halfDone(done, why).Text
	}
	total := uncharged(t)
	toLog := 0
	if fr.results[stepTime].TimerID == 0 {
		toLog = fr.p.Minutes // not logged yet: the new bill logs them
	}
	label := fmt.Sprintf("Bill %d min now", total+toLog)
	lead := text + "\nAs it stands now:\n" + fr.c.previewInvoice(ctx, t).standing(fr.c.cfg.Account.Currency())
	if toLog > 0 {
		lead += fmt.Sprintf("\nBilling now also logs the %d min %s entered, as %s time.", toLog, fr.billOwner(), fr.billOwnerPossessive())
	}
	value := fmt.Sprintf("%s|%s|%d", fr.f.ID, shownTime(t), uncharged(t))
	btn := slack.NewButtonBlockElement(ActionBillNewTotal, value, commands.Plain(label))
	btn.Style = slack.StylePrimary
	return commands.Reply{
		Text: text,
		Blocks: []slack.Block{
			slack.NewSectionBlock(commands.Mrkdwn(lead), nil, nil),
			slack.NewActionBlock("", btn),
		},
		Outcome: commands.OutcomeFailed,
	}
}

// billOwner names whoever filled in the bill's form, for the person
// reading its reply: "you", or a mention when another tech pressed its
// Finish (the form's offer shows it to every biller, resume.go).
func (fr *flowRun) billOwner() string {
	if fr.f.SlackUser == "" || fr.f.SlackUser == fr.actor.SlackUserID {
		return "you"
	}
	return "<@" + fr.f.SlackUser + ">"
}

// billOwnerPossessive is billOwner's "your" or "their".
func (fr *flowRun) billOwnerPossessive() string {
	if fr.billOwner() == "you" {
		return "your"
	}
	return "their"
}

// billNewTotal answers ActionBillNewTotal: the stopped bill again, with
// what the tech was shown now, as a new flow keyed by the click, so a
// double click or redelivery bills once.
func (c *feature) billNewTotal(ctx context.Context, a commands.Action) commands.Reply {
	parts := strings.Split(a.Value, "|")
	shownMin, err := strconv.Atoi(parts[len(parts)-1])
	if len(parts) != 3 || parts[1] == "" || err != nil {
		return commands.Reply{Text: "That button is broken; nothing was billed. Open the bill form again."}
	}
	f, err := c.cfg.Store.GetFlow(parts[0])
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return flowGoneReply
		}
		return c.cfg.Failure(ctx, err, "read the recorded work")
	}
	var p flowParams
	if f.Kind != store.FlowBill || json.Unmarshal(f.Params, &p) != nil {
		return flowGoneReply
	}
	p.Shown, p.ShownMin = parts[1], shownMin
	logged := slices.ContainsFunc(f.Steps, func(s store.Step) bool { return s.Name == stepTime && s.State == store.StepDone })
	if logged {
		// The stopped bill logged its minutes; they are in what the
		// button shows, and the new bill must not log them again.
		p.Minutes, p.ProductID, p.TimerNotes, p.Retype = 0, 0, "", ""
	}
	steps := billSteps(p.Minutes > 0)
	key := commands.ClickKey(a)
	return c.cfg.OnceUntilDone(ctx, key, func() commands.Reply { return c.startFlow(ctx, key, store.FlowBill, steps, p, a.Actor) },
		commands.SamePrior("I'm already billing it; I didn't start it a second time."))
}
