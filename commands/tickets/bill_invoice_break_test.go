package tickets

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Breaks of the bill's invoice step (issue 13): Syncro has no idempotency
// key, so an invoice POST whose outcome is unknown is read back by
// listing the ticket's invoices. An invoice there is not the bill's for
// being there: the web app may have made it. The reply says only what
// Syncro shows, and never "created" for an invoice the bot may not have
// made.

// invoiceNumbers are the numbers of the invoices Syncro holds for ct.
func (r *chaosRig) invoiceNumbers(ct chaosTicket) []string {
	var out []string
	for _, inv := range r.srv.Invoices() {
		if inv.TicketID == ct.id {
			out = append(out, inv.Number)
		}
	}
	return out
}

// billEachFault runs test on a bill form of Dana's over 15 min, once for
// each way Syncro answers a request without doing or showing it: a 500
// page, and a 200 sign-in page.
func billEachFault(t *testing.T, test func(t *testing.T, fault syncrotest.Fault, r *chaosRig, ct chaosTicket, form *slack.ModalViewRequest)) {
	t.Parallel()
	for _, fault := range []syncrotest.Fault{syncrotest.FaultServerError, syncrotest.FaultHTML} {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			r := newChaosRig(t, syncrotest.TimeFromComments)
			r.learnNames()
			ct, form := r.billFormOver15(commandstest.Dana)
			test(t, fault, r, ct, form)
		})
	}
}

// onceSending runs do once, when the bot's first request to method and
// endpoint is on its way to Syncro.
func (r *chaosRig) onceSending(method, endpoint string, do func()) {
	var once sync.Once
	r.tr.sending = func(m, e string) {
		if m == method && e == endpoint {
			once.Do(do)
		}
	}
}

// TestBill_InvoicePOSTUnansweredWhileTheWebAppInvoicedSaysOnlyWhatItKnows:
// Dana's bill sends its invoice POST; while it is on its way Marcus
// presses Make Invoice in the web app, and the bill's POST fails in a way
// that leaves its outcome unknown (it never arrived, or Syncro answered
// 500 having written nothing). The read-back found the web app's invoice
// and the reply said "invoice #N created": the bot made none. It may say
// the ticket is on that invoice, not that it made it.
func TestBill_InvoicePOSTUnansweredWhileTheWebAppInvoicedSaysOnlyWhatItKnows(t *testing.T) {
	billEachFault(t, func(t *testing.T, fault syncrotest.Fault, r *chaosRig, ct chaosTicket, form *slack.ModalViewRequest) {
		r.onceSending("POST", "/invoices", func() {
			if _, _, err := r.web.Invoices.CreateFromTicket(t.Context(), ct.id, r.customer, "Standard"); err != nil {
				t.Error(err)
			}
			r.srv.Fail("POST", "/invoices", 1, fault)
		})
		res := r.submit(commandstest.Dana, ct, form, formFields{minutes: 30}, deliverOnce, nil)
		r.tr.sending = nil
		nums := r.invoiceNumbers(ct)
		if len(nums) != 1 {
			t.Fatalf("invoices %v of #%d, want the web app's only", nums, ct.number)
		}
		told := shownTexts(res.replies)
		if strings.Contains(told, "#"+nums[0]+" created") || strings.Contains(told, "invoice #"+nums[0]+" (") && strings.Contains(told, "created") {
			t.Errorf("told %q\nwhich says the bot created invoice #%s; the web app made it, and Syncro never confirmed the bot's POST", told, nums[0])
		}
		if !strings.Contains(told, "#"+nums[0]) {
			t.Errorf("told %q\nwant it to name invoice #%s, which the ticket is on", told, nums[0])
		}
		for _, p := range r.final() {
			t.Error(p)
		}
	})
}

// TestBill_FinishAfterACrashInTheInvoicePOSTTakesNoWebInvoiceForItsOwn:
// the bot dies with its invoice POST on the way (marked in doubt, then
// sent or not); while it is down for an hour, Marcus invoices the ticket
// in the web app. Dana presses the Finish the start showed. Its
// read-back took the web app's invoice, made an hour after the POST
// could have been, for the bill's and said "invoice #N created". It is
// not the bill's: Finish says the ticket is on it and makes no second.
func TestBill_FinishAfterACrashInTheInvoicePOSTTakesNoWebInvoiceForItsOwn(t *testing.T) {
	t.Parallel()
	r := newChaosRig(t, syncrotest.TimeFromComments)
	ct, res := r.billCutOff(stepInvoice, crashBeforeWrite)
	r.clk.Advance(time.Hour)
	web, _, err := r.web.Invoices.CreateFromTicket(t.Context(), ct.id, r.customer, "Standard")
	if err != nil {
		t.Fatal(err)
	}
	r.led.observe("web", "web")
	r.note("the web app: invoice #%s of #%d", web.Number, ct.number)
	r.restart(time.Minute)
	b, told := r.buttons[res.flow]
	if !told {
		t.Fatal("the start told Dana nothing of her cut-off bill")
	}
	fin := r.press(b, deliverOnce, nil)
	shown := shownTexts(fin.replies)
	if nums := r.invoiceNumbers(ct); len(nums) != 1 {
		t.Fatalf("invoices %v of #%d, want the web app's #%s only; told %q", nums, ct.number, web.Number, shown)
	}
	if strings.Contains(shown, "created") || !strings.Contains(shown, "#"+string(web.Number)) {
		t.Errorf("told %q\nwant it to say #%d is on the web app's invoice #%s, never that the bot created it", shown, ct.number, web.Number)
	}
	for _, p := range r.final() {
		t.Error(p)
	}
}

// TestFlow_ADateThatJumpsBackBeforeTheWriteDoesNotHideIt: Syncro behind a
// load balancer with two clocks, one 20 minutes slow. The read before
// Dana's comment is answered by the slow one; the comment POST, by the
// other, is written, and then answered 500, or the bot dies before it
// records the answer and Dana presses Finish after the restart. The
// read-back bounded the write by the slow Date and missed the comment
// stamped by the right clock: the reply said the comment could not be
// added, with no Finish, while Syncro held it; the Finish added it a
// second time. A read-back at once needs no upper bound; a later one is
// bounded by the clock the Dates showed furthest ahead (syncroClock).
func TestFlow_ADateThatJumpsBackBeforeTheWriteDoesNotHideIt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// crash: the bot dies once the comment is written, and comes
		// back a minute later; else the POST is answered 500.
		crash bool
	}{
		{name: "answered 500"},
		{name: "cut off, finished after a restart", crash: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newChaosRig(t, syncrotest.TimeFromComments)
			r.learnNames()
			ct := r.newTicket(3)
			r.clk.Advance(30 * time.Minute) // a quiet ticket: its newest comment is old
			if tc.crash {
				// Dana's comment on another ticket, answered by the right clock.
				r.comment(commandstest.Dana, r.newTicket(0), "Replaced the toner.", 0, deliverOnce, nil)
			}
			text := "Swapped the UPS battery."
			r.tr.sending = func(method, endpoint string) {
				r.tr.date = ""
				if method == "GET" && endpoint == "/tickets/:id/comments" {
					r.tr.date = r.clk.Now().Add(-20 * time.Minute).UTC().Format(http.TimeFormat)
				}
			}
			var res actResult
			if tc.crash {
				r.cs.arm(stepComment, crashAfterWrite)
				if res = r.comment(commandstest.Dana, ct, text, 0, deliverOnce, nil); !res.crashed {
					t.Fatalf("did not crash: %q", shownTexts(res.replies))
				}
				r.restart(time.Minute)
				b, told := r.buttons[res.flow]
				if !told {
					t.Fatal("the start told Dana nothing of her cut-off comment")
				}
				res = r.press(b, deliverOnce, nil)
			} else {
				r.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultCommitThenFail)
				res = r.comment(commandstest.Dana, ct, text, 0, deliverOnce, nil)
			}
			r.tr.sending, r.tr.date = nil, ""
			told := shownTexts(res.replies)
			n := 0
			for _, c := range r.srv.Comments(ct.id) {
				if c.Body == text {
					n++
				}
			}
			if n != 1 || !strings.Contains(told, "Comment added") {
				t.Errorf("Syncro holds the comment %d times; told %q", n, told)
			}
			for _, p := range r.final() {
				t.Error(p)
			}
		})
	}
}

// TestFlow_NoDateAndSyncroAheadAFinishFindsTheCutOffComment: a proxy strips
// every Date, and Syncro's clock reads 20 minutes ahead of the bot's. The
// bot dies once Dana's comment on a quiet ticket is written; after a
// restart she presses Finish. The step was bounded by the bot's clock, and
// the comment Syncro stamped 20 minutes later was not found: Finish added
// it a second time. The records Syncro stamps (here its answer to an
// earlier comment) show its clock ahead.
func TestFlow_NoDateAndSyncroAheadAFinishFindsTheCutOffComment(t *testing.T) {
	t.Parallel()
	r := newSkewedChaosRig(t, syncrotest.TimeFromComments, 20*time.Minute)
	r.tr.date = "-"
	r.learnNames()
	ct := r.newTicket(3)
	r.clk.Advance(30 * time.Minute) // a quiet ticket: its newest comment is old
	r.comment(commandstest.Dana, r.newTicket(0), "Replaced the toner.", 0, deliverOnce, nil)
	text := "Swapped the UPS battery."
	r.cs.arm(stepComment, crashAfterWrite)
	res := r.comment(commandstest.Dana, ct, text, 0, deliverOnce, nil)
	if !res.crashed {
		t.Fatalf("did not crash: %q", shownTexts(res.replies))
	}
	r.restart(time.Minute)
	b, told := r.buttons[res.flow]
	if !told {
		t.Fatal("the start told Dana nothing of her cut-off comment")
	}
	fin := r.press(b, deliverOnce, nil)
	n := 0
	for _, c := range r.srv.Comments(ct.id) {
		if c.Body == text {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Syncro holds the comment %d times; told %q", n, shownTexts(fin.replies))
	}
	for _, p := range r.final() {
		t.Error(p)
	}
}

// TestSyncroClock_ASlowerServerDoesNotPullTheClockBack: of two Dates
// within clockMemory, the one further ahead places Syncro's clock; a
// slower one an hour after the last faster one is taken.
func TestSyncroClock_ASlowerServerDoesNotPullTheClockBack(t *testing.T) {
	t.Parallel()
	bot := syncrotest.SeedNow
	answer := func(at time.Time) *syncro.Response {
		h := http.Header{}
		h.Set("Date", at.UTC().Format(http.TimeFormat))
		return &syncro.Response{Response: &http.Response{Header: h}}
	}
	var k syncroClock
	k.answered(answer(bot), bot)
	now := bot.Add(time.Minute)
	if got := k.answered(answer(now.Add(-20*time.Minute)), now); !got.Equal(now) {
		t.Errorf("a Date 20 min slow a minute after a right one: %v, want %v", got, now)
	}
	later := bot.Add(clockMemory + 2*time.Minute)
	if got := k.answered(answer(later.Add(-20*time.Minute)), later); !got.Equal(later.Add(-20 * time.Minute)) {
		t.Errorf("a Date 20 min slow over an hour after the last right one: %v, want it, %v", got, later.Add(-20*time.Minute))
	}
}

// TestBill_BillNowAfterTheWebAppInvoicedMakesNoSecondInvoice: Dana's bill
// stops before its charge (45 min logged in the web app while it ran),
// with its Bill 90 min now button; before she presses it, Marcus
// invoices the ticket in the web app. The button bills nothing: no
// second invoice, nothing charged onto lines no invoice carries, and the
// reply names the web app's invoice.
func TestBill_BillNowAfterTheWebAppInvoicedMakesNoSecondInvoice(t *testing.T) {
	t.Parallel()
	r := newChaosRig(t, syncrotest.TimeFromComments)
	ct, value := r.billStoppedBy45()
	web, _, err := r.web.Invoices.CreateFromTicket(t.Context(), ct.id, r.customer, "Standard")
	if err != nil {
		t.Fatal(err)
	}
	r.led.observe("web", "web")
	lines := len(r.srv.LineItems(ct.id))
	res := r.billNow(commandstest.Dana, ct, value, deliverAtOnce)
	told := shownTexts(res.replies)
	if nums := r.invoiceNumbers(ct); len(nums) != 1 {
		t.Errorf("invoices %v of #%d, want the web app's #%s only; told %q", nums, ct.number, web.Number, told)
	}
	if d := len(r.srv.LineItems(ct.id)) - lines; d != 0 {
		t.Errorf("%d time entries charged onto #%d after its invoice was made; told %q", d, ct.number, told)
	}
	if !strings.Contains(told, "#"+string(web.Number)) || strings.Contains(told, "created") {
		t.Errorf("told %q\nwant it to name the web app's invoice #%s, and no invoice created", told, web.Number)
	}
	for _, p := range r.final() {
		t.Error(p)
	}
}

// TestBill_FinishPressedTwiceAtOnceAfterACrashBeforeTheChargeBillsOnce:
// the bill dies between its charge check and its charge, 45 min are
// logged while the bot is down; Dana presses the Finish the start showed
// twice at once, and Lena the one her bill form offers. Each reply that
// offers Bill 90 min now is pressed, Dana's twice at once: the ticket is
// billed 90 min once, on one invoice.
func TestBill_FinishPressedTwiceAtOnceAfterACrashBeforeTheChargeBillsOnce(t *testing.T) {
	t.Parallel()
	r := newChaosRig(t, syncrotest.TimeFromComments)
	lena := chaosActors[1]
	ct, res := r.billCutOffThen45(stepChargeCheck, crashAfterWrite)
	b, told := r.buttons[res.flow]
	if !told {
		t.Fatal("the start told Dana nothing of her cut-off bill")
	}
	offer := r.form(lena, ct, "bill")
	lb, offered := r.buttons[replyFinish(offer)]
	if !offered {
		t.Fatalf("Lena's bill form offers no Finish: %s", shownText(offer))
	}
	lb.actor = lena
	danas := r.press(b, deliverAtOnce, nil)
	lenas := r.press(lb, deliverOnce, nil)
	var values []string
	for _, rep := range append(danas.replies, lenas.replies...) {
		if v := buttonValue(rep.Blocks, ActionBillNewTotal); v != "" {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		t.Fatalf("no Bill now offered: %q %q", shownTexts(danas.replies), shownTexts(lenas.replies))
	}
	for i, v := range values {
		who := commandstest.Dana
		if i%2 == 1 {
			who = lena
		}
		r.billNow(who, ct, v, deliverAtOnce)
	}
	r.wantBilledOnce(ct, 90)
}

// TestBill_InvoicesUnreadableAfterTheInvoicePOSTSaysSo: the bill's invoice
// POST is answered, and the look at the ticket's invoices after it fails
// for good (500s, or 200 sign-in pages). The reply names the invoice made
// and says it could not look for a second one; it never says the
// invoice was not made.
func TestBill_InvoicesUnreadableAfterTheInvoicePOSTSaysSo(t *testing.T) {
	billEachFault(t, func(t *testing.T, fault syncrotest.Fault, r *chaosRig, ct chaosTicket, form *slack.ModalViewRequest) {
		r.onceSending("POST", "/invoices", func() { r.srv.Fail("GET", "/invoices", 50, fault) })
		res := r.submit(commandstest.Dana, ct, form, formFields{minutes: 30}, deliverOnce, nil)
		r.tr.sending = nil
		r.srv.ClearFaults()
		told := shownTexts(res.replies)
		nums := r.invoiceNumbers(ct)
		if len(nums) != 1 {
			t.Fatalf("invoices %v of #%d, want the bill's; told %q", nums, ct.number, told)
		}
		if !strings.Contains(told, "invoice #"+nums[0]) || !strings.Contains(told, "couldn't look afterwards") || strings.Contains(told, "not created") {
			t.Errorf("told %q\nwant invoice #%s named as made, and that I couldn't look for another", told, nums[0])
		}
		for _, p := range r.final() {
			t.Error(p)
		}
	})
}
