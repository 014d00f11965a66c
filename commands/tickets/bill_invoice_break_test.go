package tickets

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/commandstest"
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

// TestBill_InvoicePOSTUnansweredWhileTheWebAppInvoicedSaysOnlyWhatItKnows:
// Dana's bill sends its invoice POST; while it is on its way Marcus
// presses Make Invoice in the web app, and the bill's POST fails in a way
// that leaves its outcome unknown (it never arrived, or Syncro answered
// 500 having written nothing). The read-back found the web app's invoice
// and the reply said "invoice #N created": the bot made none. It may say
// the ticket is on that invoice, not that it made it.
func TestBill_InvoicePOSTUnansweredWhileTheWebAppInvoicedSaysOnlyWhatItKnows(t *testing.T) {
	t.Parallel()
	for _, fault := range []syncrotest.Fault{syncrotest.FaultServerError, syncrotest.FaultHTML} {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			r := newChaosRig(t, syncrotest.TimeFromComments)
			r.learnNames()
			ct, form := r.billFormOver15(commandstest.Dana)
			var once sync.Once
			r.tr.sending = func(method, endpoint string) {
				if method != "POST" || endpoint != "/invoices" {
					return
				}
				once.Do(func() {
					if _, _, err := r.web.Invoices.CreateFromTicket(t.Context(), ct.id, r.customer, "Standard"); err != nil {
						t.Error(err)
					}
					r.srv.Fail("POST", "/invoices", 1, fault)
				})
			}
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
