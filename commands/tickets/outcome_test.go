package tickets

import (
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestOutcome_BillAndCloseRepliesSayHowTheyEnded: the metrics read how a
// bill or close ended from Reply.Outcome, so each ending must set it.
func TestOutcome_BillAndCloseRepliesSayHowTheyEnded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, f *writeFixture) commands.Reply
		want commands.Outcome
	}{
		{"bill done", func(t *testing.T, f *writeFixture) commands.Reply {
			r, _ := f.Submit(t, billForm(t, f, syncrotest.SeedTicketNAS, "V1", "60", "Rebuilt the array."))
			return r
		}, commands.OutcomeDone},
		{"bill, invoice answered 500", func(t *testing.T, f *writeFixture) commands.Reply {
			s := billForm(t, f, syncrotest.SeedTicketNAS, "V1", "90", "")
			f.Srv.Fail("POST", "/invoices", 1, syncrotest.FaultServerError)
			r, _ := f.Submit(t, s)
			return r
		}, commands.OutcomeFailed},
		{"bill, ticket already invoiced", func(t *testing.T, f *writeFixture) commands.Reply {
			mig := f.Ticket(t, syncrotest.SeedTicketMigration)
			s := form(commands.NewModal(commands.CallbackBill, "Bill", "Bill", commands.ModalMeta{TicketID: mig.ID, Number: mig.Number, CustomerID: mig.CustomerID, Channel: "C0TECHS", TargetStatus: "Invoiced"}),
				"V1", typed(commands.BlockMinutes, "30"), picked(commands.BlockLabor, "remote", "remote"))
			r, _ := f.Submit(t, s)
			return r
		}, commands.OutcomeDuplicate},
		{"close done", func(t *testing.T, f *writeFixture) commands.Reply {
			v := f.OpenModal(t, "close 32151")
			r, _ := f.Submit(t, form(v, "V1", typed(commands.BlockResolution, "Printer driver reinstalled."), ticked(commands.BlockCloseOptions)))
			return r
		}, commands.OutcomeDone},
		{"close submitted twice", func(t *testing.T, f *writeFixture) commands.Reply {
			v := f.OpenModal(t, "close 32151")
			s := form(v, "V1", typed(commands.BlockResolution, "Printer driver reinstalled."), ticked(commands.BlockCloseOptions))
			f.Submit(t, s)
			r, _ := f.Submit(t, s)
			return r
		}, commands.OutcomeDuplicate},
		{"close, status answered 500", func(t *testing.T, f *writeFixture) commands.Reply {
			v := f.OpenModal(t, "close 32151")
			f.Srv.Fail("PUT", "/tickets/*", 5, syncrotest.FaultServerError)
			r, _ := f.Submit(t, form(v, "V1", typed(commands.BlockResolution, "Done."), typed(commands.BlockMinutes, "15"), picked(commands.BlockLabor, "remote", "remote")))
			return r
		}, commands.OutcomeFailed},
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
