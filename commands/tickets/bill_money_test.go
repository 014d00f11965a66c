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
			ct, res := r.billCutOffThen45(tc.step, tc.point)
			b, told := r.buttons[res.flow]
			if !told {
				t.Fatal("the start told Dana nothing of her cut-off bill")
			}
			fin := r.press(b, deliverOnce, nil)
			if charged, n := chargedMinutes(r.srv.Timers(ct.id)), ticketInvoices(r.srv, ct.id); n != 0 || charged != 0 {
				t.Fatalf("Finish charged %d min onto %d invoices, the 45 min logged since its check left off; told %q", charged, n, shownTexts(fin.replies))
			}
			value, shown := r.billNowButton(fin)
			if !strings.Contains(shown, "30 min logged") {
				t.Errorf("told %s\nwant her 30 min logged and nothing charged", shown)
			}
			if strings.Contains(shown, "enter below") {
				t.Errorf("told %s\nwhich speaks of minutes entered below, in a message with no form", shown)
			}
			r.billNow(commandstest.Dana, ct, value, deliverAtOnce)
			r.wantBilledOnce(ct, 90)
		})
	}
}

// TestBill_BillNowPressedByAnotherTechBillsDanasMinutesAsHers: Dana's
// bill dies in its invoice guard; while the bot is down 45 min are logged
// in the web app. Lena opens the bill form, which offers Dana's Finish;
// she presses it, and the bill stops with the total as it stands. Its
// reply told Lena the button "also logs the 30 min you entered": Dana
// entered them. They are Dana's work and stay hers (README, "Whose time
// it is"); the reply names her, and the bill is Lena's.
func TestBill_BillNowPressedByAnotherTechBillsDanasMinutesAsHers(t *testing.T) {
	t.Parallel()
	r := newChaosRig(t, syncrotest.TimeFromComments)
	lena := chaosActors[1]
	ct, res := r.billCutOffThen45(stepGuard, crashAfterWrite)
	offer := r.form(lena, ct, "bill")
	b, offered := r.buttons[replyFinish(offer)]
	if !offered || b.flow != res.flow {
		t.Fatalf("Lena's bill form offers no Finish of Dana's bill: %s", shownText(offer))
	}
	b.actor = lena
	value, shown := r.billNowButton(r.press(b, deliverOnce, nil))
	if strings.Contains(shown, "you entered") || !strings.Contains(shown, "<@"+commandstest.Dana.SlackUserID+"> entered") {
		t.Errorf("Lena was told %s\nwant it to say the 30 min are the ones Dana entered", shown)
	}
	billed := r.billNow(lena, ct, value, deliverAgain)
	var notices []string
	for _, rep := range billed.replies {
		for _, n := range rep.Notices {
			notices = append(notices, n.Text)
		}
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "invoiced by "+lena.Name) {
		t.Errorf("notices %q, want one crediting Lena, who billed", notices)
	}
	danas := 0
	for _, tm := range r.srv.Timers(ct.id) {
		if tm.Minutes() == 30 && tm.UserID == syncrotest.UserDana {
			danas++
		}
	}
	if danas != 1 {
		t.Errorf("%d timers of 30 min in Dana's name, want her entry once", danas)
	}
	r.wantBilledOnce(ct, 90)
}

// TestBill_BillNowPressedAgainAfterItsFinishBillsOnce: the bill stops
// before charging 45 min logged while it ran; Dana presses Bill 90 min
// now, whose charge Syncro fails (Finish shown); she presses Finish, and
// then the Bill 90 min now button once more, and once more at once. The
// time is logged, charged and invoiced once, and no reply says otherwise.
func TestBill_BillNowPressedAgainAfterItsFinishBillsOnce(t *testing.T) {
	t.Parallel()
	r := newChaosRig(t, syncrotest.TimeFromComments)
	ct, value := r.billStoppedBy45()
	r.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultServerError)
	first := r.billNow(commandstest.Dana, ct, value, deliverOnce)
	b, shown := r.buttons[first.flow]
	if !shown {
		t.Fatalf("the failed charge showed no Finish: %q", shownTexts(first.replies))
	}
	r.press(b, deliverOnce, nil)
	r.billNow(commandstest.Dana, ct, value, deliverAtOnce)
	r.wantBilledOnce(ct, 90)
}

// billCutOffThen45 has Dana bill 30 min on a ticket holding 15, the bot
// dying at point of step; 45 min are logged in the web app while it is
// down, and it starts again a minute later, telling what its start tells.
func (r *chaosRig) billCutOffThen45(step string, point crashPoint) (chaosTicket, actResult) {
	r.t.Helper()
	ct, res := r.billCutOff(step, point)
	r.webTime(ct, 45, r.tk.cfg.Labor["remote"], "Patched the server.")
	r.restart(time.Minute)
	return ct, res
}

// billStoppedBy45 has Dana bill 30 min on a ticket holding 15, while 45
// min are logged in the web app: the bill stops before its charge, and
// value is its Bill 90 min now button's.
func (r *chaosRig) billStoppedBy45() (ct chaosTicket, value string) {
	r.t.Helper()
	r.learnNames()
	ct, form := r.billFormOver15(commandstest.Dana)
	r.cs.after(stepTime, func() {
		r.led.observe("the bill so far", r.flowIDs(ct)[0]) // newest first: the bill's
		r.webTime(ct, 45, r.tk.cfg.Labor["remote"], "Patched the server.")
	})
	value, _ = r.billNowButton(r.submit(commandstest.Dana, ct, form, formFields{minutes: 30}, deliverOnce, nil))
	return ct, value
}

// billCutOff has Dana bill 30 min on a ticket holding 15, the bot dying
// at point of step.
func (r *chaosRig) billCutOff(step string, point crashPoint) (chaosTicket, actResult) {
	r.t.Helper()
	r.learnNames()
	ct, form := r.billFormOver15(commandstest.Dana)
	r.cs.arm(step, point)
	res := r.submit(commandstest.Dana, ct, form, formFields{minutes: 30}, deliverOnce, nil)
	if !res.crashed {
		r.cs.disarm()
		r.t.Fatalf("did not crash: %q", shownTexts(res.replies))
	}
	return ct, res
}

// billNowButton is the value of the Bill 90 min now button of res's one
// reply, and the reply as Slack shows it.
func (r *chaosRig) billNowButton(res actResult) (value, shown string) {
	r.t.Helper()
	if len(res.replies) != 1 {
		r.t.Fatalf("told %q, want one reply", shownTexts(res.replies))
	}
	value = buttonValue(res.replies[0].Blocks, ActionBillNewTotal)
	shown = blocksAsSlackReads(r.t, res.replies[0].Blocks)
	if value == "" || !strings.Contains(shown, "Bill 90 min now") {
		r.t.Fatalf("told %s\nwant a button to bill the 90 min the ticket holds", shown)
	}
	return value, shown
}

// billNow presses the Bill N min now button with value as a.
func (r *chaosRig) billNow(a commands.Actor, ct chaosTicket, value string, how redelivery) actResult {
	click := commands.Action{Actor: a, ChannelID: chaosChannel, ActionID: ActionBillNewTotal, Value: value, MessageTS: "ts-bill-now"}
	return r.act(a.Name+" presses Bill now", ct, "", how, nil, func(ctx context.Context) commands.Reply { return r.C.Action(ctx, click) })
}

// wantBilledOnce checks ct holds minutes charged on one invoice, and
// that the rig found nothing wrong.
func (r *chaosRig) wantBilledOnce(ct chaosTicket, minutes int) {
	r.t.Helper()
	if charged, n := chargedMinutes(r.srv.Timers(ct.id)), ticketInvoices(r.srv, ct.id); charged != minutes || n != 1 {
		r.t.Errorf("%d min charged on %d invoices, want %d on one", charged, n, minutes)
	}
	for _, p := range r.final() {
		r.t.Error(p)
	}
}
