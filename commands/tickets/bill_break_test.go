package tickets

import (
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestBill_InvoiceMadeInTheWebAppMidBillIsNotInvoicedTwice: someone makes
// the ticket's invoice in the web app after the bill's invoice guard
// looked (here right after the charge check). The bill's invoice step
// trusted the guard it ran earlier in the same pass and made a second
// invoice for the ticket.
func TestBill_InvoiceMadeInTheWebAppMidBillIsNotInvoicedTwice(t *testing.T) {
	t.Parallel()
	for _, after := range []string{stepGuard, stepChargeCheck, stepCharge} {
		t.Run("after "+after, func(t *testing.T) {
			t.Parallel()
			r := newChaosRig(t, syncrotest.TimeFromComments)
			r.learnNames()
			ct, form := r.billFormOver15(commandstest.Dana)
			r.cs.after(after, func() {
				if _, _, err := r.web.Invoices.CreateFromTicket(t.Context(), ct.id, r.customer, "Standard"); err != nil {
					t.Error(err)
				}
				r.note("the web app: invoice of #%d", ct.number)
			})
			res := r.submit(commandstest.Dana, ct, form, formFields{minutes: 30}, deliverOnce, nil)
			if n := ticketInvoices(r.srv, ct.id); n != 1 {
				t.Errorf("%d invoices for #%d, want the web app's only; told %q", n, ct.number, shownTexts(res.replies))
			}
			if after == stepGuard {
				// Before the charge: nothing charged onto lines no invoice carries.
				if li := r.srv.LineItems(ct.id); len(li) != 0 {
					t.Errorf("%d line items charged on #%d after its web invoice; told %q", len(li), ct.number, shownTexts(res.replies))
				}
			}
		})
	}
}

// billFormOver15 makes a ticket holding 15 min logged in the web app and
// opens a's bill form of it.
func (r *chaosRig) billFormOver15(a commands.Actor) (chaosTicket, *slack.ModalViewRequest) {
	r.t.Helper()
	ct := r.newTicket(3)
	r.webTime(ct, 15, r.tk.cfg.Labor["remote"], "Checked the backups.")
	rep := r.form(a, ct, "bill")
	if rep.Modal == nil || rep.Modal.CallbackID != commands.CallbackBill {
		r.t.Fatalf("no bill form: %s", shownText(rep))
	}
	return ct, rep.Modal
}
