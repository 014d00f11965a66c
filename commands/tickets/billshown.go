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
// bill's first step, before anything is written, compares it with what
// Syncro holds. If time was logged or charged since the form opened,
// nothing is billed: the tech gets the preview as it stands now and a
// button (ActionBillNewTotal) to bill that, once however often pressed.

// ActionBillNewTotal bills a ticket whose uncharged time changed after
// its bill form opened, as it stands now; its value is the stopped bill's
// flow id, the fingerprint of the time it was shown and those minutes,
// joined by "|".
const ActionBillNewTotal = "bill_new_total"

// shownTime fingerprints the uncharged billable time of t, the time a
// bill charges: its timers' ids and minutes, in id order. Private
// metadata is bounded, so the form carries this, not the ids.
func shownTime(t *syncro.Ticket) string {
	var parts []string
	for _, tm := range t.TicketTimers {
		if m := timerMinutes(tm); !tm.Recorded && tm.Billable && m > 0 {
			parts = append(parts, fmt.Sprintf("%d:%d", tm.ID, m))
		}
	}
	slices.Sort(parts)
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.Join(parts, ",")))
	return strconv.FormatUint(h.Sum64(), 36)
}

// checkShown is the bill's guard against time that changed since its
// form: it stops the flow, before any write, when the ticket's uncharged
// time is not what the form showed. A flow without a record of what its
// form showed (recorded by an older bot) is not checked.
func (fr *flowRun) checkShown(ctx context.Context) (stop string, err error) {
	if fr.f.Kind != store.FlowBill || fr.p.Shown == "" {
		return "", nil
	}
	t, err := fr.getTicket(ctx)
	if err != nil {
		return "", err
	}
	if shownTime(t) == fr.p.Shown {
		return "", nil
	}
	fr.stale = t
	return fmt.Sprintf("nothing was billed: #%d holds %d min of uncharged time now, not the %d min shown when you opened the form (time was logged or charged on it since the form opened)",
		fr.p.Number, uncharged(t), fr.p.ShownMin), nil
}

// staleBillReply answers a bill stopped by checkShown: what the invoice
// would carry now, and a button to bill that.
func (fr *flowRun) staleBillReply(ctx context.Context, why string) commands.Reply {
	t := fr.stale
	text := strings.ToUpper(why[:1]) + why[1:] + "."
	total := uncharged(t) + fr.p.Minutes
	label := fmt.Sprintf("Bill %d min now", total)
	lead := text + "\nAs it stands now:\n" + fr.c.previewInvoice(ctx, t).text(fr.c.cfg.Account.Currency())
	if fr.p.Minutes > 0 {
		lead += fmt.Sprintf("\nBilling now also logs the %d min you entered.", fr.p.Minutes)
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
	steps := make([]string, 0, len(f.Steps))
	for _, st := range f.Steps {
		steps = append(steps, st.Name)
	}
	key := commands.ClickKey(a)
	return c.cfg.OnceUntilDone(ctx, key, func() commands.Reply { return c.startFlow(ctx, key, store.FlowBill, steps, p, a.Actor) },
		commands.SamePrior("I'm already billing it; I didn't start it a second time."))
}
