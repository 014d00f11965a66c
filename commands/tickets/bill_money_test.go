package tickets

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestBill_FinishAfterACrashBeforeTheChargeLooksAgain: the bill dies
// between its charge check and its charge; while it is down someone logs
// 45 min in the web app; the bot starts, tells Dana, and she presses the
// Finish it showed. That Finish charged what the check had found and
// invoiced the ticket, leaving the 45 min uncharged on an invoiced ticket
// without a word. A Finish that charges nothing yet looks again, as the
// bill does right before its charge: it stops with the total as it stands
// and the button that bills it, once.
func TestBill_FinishAfterACrashBeforeTheChargeLooksAgain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		step  string
		point crashPoint
	}{
		{stepChargeCheck, crashAfterWrite},
		{stepChargeCheck, crashAfterClaim},
		{stepCharge, crashBeforeWrite},
	} {
		t.Run(tc.point.String()+" "+tc.step, func(t *testing.T) {
			t.Parallel()
			r := newChaosRig(t, syncrotest.TimeFromComments)
			r.learnNames()
			ct, form := r.billFormOver15(commandstest.Dana)
			r.cs.arm(tc.step, tc.point)
			res := r.submit(commandstest.Dana, ct, form, formFields{minutes: 30}, deliverOnce, nil)
			if !res.crashed {
				r.cs.disarm()
				t.Fatalf("did not crash: %q", shownTexts(res.replies))
			}
			r.webTime(ct, 45, r.tk.cfg.Labor["remote"], "Patched the server.")
			r.restart(time.Minute)
			b, told := r.buttons[res.flow]
			if !told {
				t.Fatal("the start told Dana nothing of her cut-off bill")
			}
			fin := r.press(b, deliverOnce, nil)
			charged := func() int { return chargedMinutes(r.srv.Timers(ct.id)) }
			invoices := func() int { return ticketInvoices(r.srv, ct.id) }
			if invoices() != 0 || charged() != 0 {
				t.Fatalf("Finish charged %d min onto %d invoices, the 45 min logged since its check left off; told %q", charged(), invoices(), shownTexts(fin.replies))
			}
			if len(fin.replies) != 1 {
				t.Fatalf("Finish told %q", shownTexts(fin.replies))
			}
			value := buttonValue(fin.replies[0].Blocks, ActionBillNewTotal)
			if shown := blocksAsSlackReads(t, fin.replies[0].Blocks); value == "" || !strings.Contains(shown, "30 min logged") || !strings.Contains(shown, "Bill 90 min now") {
				t.Fatalf("told %s\nwant her 30 min logged, nothing charged and a button to bill the 90 min it holds", shown)
			}
			click := commands.Action{Actor: commandstest.Dana, ChannelID: chaosChannel, ActionID: ActionBillNewTotal, Value: value, MessageTS: "ts-finish"}
			r.act("Dana presses Bill 90 min now", ct, "", deliverAtOnce, nil, func(ctx context.Context) commands.Reply { return r.C.Action(ctx, click) })
			if charged() != 90 || invoices() != 1 {
				t.Errorf("after the button: %d min charged on %d invoices, want 90 on one", charged(), invoices())
			}
			for _, p := range r.final() {
				t.Error(p)
			}
		})
	}
}
