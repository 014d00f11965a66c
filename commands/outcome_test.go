package commands

import (
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestOutcome_BillAndCloseRepliesSayHowTheyEnded: the metrics read how a
// bill or close ended from Reply.Outcome, so each ending must set it.
func TestOutcome_BillAndCloseRepliesSayHowTheyEnded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, f *writeFixture) Reply
		want Outcome
	}{
		{"bill done", func(t *testing.T, f *writeFixture) Reply {
			r, _ := f.submit(t, billForm(t, f, syncrotest.SeedTicketNAS, "V1", "60", "Rebuilt the array."))
			return r
		}, OutcomeDone},
		{"bill, invoice answered 500", func(t *testing.T, f *writeFixture) Reply {
			s := billForm(t, f, syncrotest.SeedTicketNAS, "V1", "90", "")
			f.srv.Fail("POST", "/invoices", 1, syncrotest.FaultServerError)
			r, _ := f.submit(t, s)
			return r
		}, OutcomeFailed},
		{"bill, ticket already invoiced", func(t *testing.T, f *writeFixture) Reply {
			mig := f.ticket(t, syncrotest.SeedTicketMigration)
			s := form(newModal(CallbackBill, "Bill", "Bill", ModalMeta{TicketID: mig.ID, Number: mig.Number, CustomerID: mig.CustomerID, Channel: "C0TECHS", TargetStatus: "Invoiced"}),
				"V1", typed(BlockMinutes, "30"), picked(BlockLabor, "remote", "remote"))
			r, _ := f.submit(t, s)
			return r
		}, OutcomeDuplicate},
		{"close done", func(t *testing.T, f *writeFixture) Reply {
			v := f.openModal(t, "close 32151")
			r, _ := f.submit(t, form(v, "V1", typed(BlockResolution, "Printer driver reinstalled."), ticked(BlockCloseOptions)))
			return r
		}, OutcomeDone},
		{"close submitted twice", func(t *testing.T, f *writeFixture) Reply {
			v := f.openModal(t, "close 32151")
			s := form(v, "V1", typed(BlockResolution, "Printer driver reinstalled."), ticked(BlockCloseOptions))
			f.submit(t, s)
			r, _ := f.submit(t, s)
			return r
		}, OutcomeDuplicate},
		{"close, status answered 500", func(t *testing.T, f *writeFixture) Reply {
			v := f.openModal(t, "close 32151")
			f.srv.Fail("PUT", "/tickets/*", 5, syncrotest.FaultServerError)
			r, _ := f.submit(t, form(v, "V1", typed(BlockResolution, "Done."), typed(BlockMinutes, "15"), picked(BlockLabor, "remote", "remote")))
			return r
		}, OutcomeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.run(t, newWriteFixture(t))
			if r.Outcome != tt.want {
				t.Errorf("outcome = %q, want %q (reply %q)", r.Outcome, tt.want, r.Text)
			}
		})
	}
}
