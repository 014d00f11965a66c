package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_UpdateWhoseAnswerIsCutOffButSyncroHoldsIsToldDone: Syncro
// applies Dana's `/syncro update` but its answer is cut off. Syncro holds
// the change, so she is told it is done (never "couldn't update", which
// would have her redo it), the PUT was sent once, and the audit shows it
// as done.
func TestE2E_UpdateWhoseAnswerIsCutOffButSyncroHoldsIsToldDone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	if tk.Status != "New" || tk.Priority == "3 Low" {
		t.Fatalf("seed ticket #%d is %q, %q; the test wants New and not 3 Low", tk.Number, tk.Status, tk.Priority)
	}
	b.srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultCommitThenGarbage)
	b.slash(ctx, t, "update "+itoa64(tk.Number)+` --status "In Progress" --priority low`)
	rep := replyText(b.waitReply(ctx, t, 0).Message)

	held := ticketByNumber(t, b.srv, tk.Number)
	if held.Status != "In Progress" || held.Priority != "3 Low" {
		t.Fatalf("Syncro holds #%d as %q, %q; the fault should have applied the change", tk.Number, held.Status, held.Priority)
	}
	if n := b.srv.Count("PUT", "/tickets/"+itoa64(tk.ID)); n != 1 {
		t.Errorf("%d PUTs of #%d, want 1", n, tk.Number)
	}
	b.wantUpdateDone(ctx, t, tk.Number, rep, "In Progress", "3 Low")
}

// TestE2E_UpdateAnsweredWithAPageAndNotAppliedClaimsNothing: Syncro
// answers Dana's `/syncro update` 200 with a sign-in page and does not
// apply it. The read-back shows the ticket unchanged, so she is told
// plainly that the update could not be confirmed and what Syncro shows;
// nothing is claimed done, the PUT is not sent again, and the audit says
// the outcome is unknown.
func TestE2E_UpdateAnsweredWithAPageAndNotAppliedClaimsNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	b.srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultHTML)
	b.slash(ctx, t, "update "+itoa64(tk.Number)+` --status "In Progress"`)
	rep := replyText(b.waitReply(ctx, t, 0).Message)

	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != tk.Status {
		t.Fatalf("Syncro holds #%d as %q; the fault should have left it %q", tk.Number, got, tk.Status)
	}
	b.wantUpdateUnconfirmed(ctx, t, tk.Number, "/tickets/"+itoa64(tk.ID), rep, tk.Status)
}

// TestE2E_CustomerAndContactEditWhoseAnswerIsLostTellWhatSyncroHolds: the
// PUT of Dana's customer or contact edit is answered 200 with a body of
// no use. Applied (cut off), Syncro holds the change and she is told it is
// updated; not applied (a sign-in page), she is told it can't be
// confirmed, and neither "Updated" nor "Nothing was saved" is claimed.
// Either way the PUT is sent once.
func TestE2E_CustomerAndContactEditWhoseAnswerIsLostTellWhatSyncroHolds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		contact bool
		fault   syncrotest.Fault
		applied bool
	}{
		{"customer, applied", false, syncrotest.FaultCommitThenGarbage, true},
		{"customer, not applied", false, syncrotest.FaultHTML, false},
		{"contact, applied", true, syncrotest.FaultCommitThenGarbage, true},
		{"contact, not applied", true, syncrotest.FaultHTML, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			b := startE2EBot(ctx, t, nil)
			path, cmd, callback, field, value, held := b.editTarget(t, tc.contact)
			before := held()
			b.srv.Fail("PUT", path, 1, tc.fault)
			b.submitForm(ctx, t, cmd, callback, map[string]string{field: value})
			rep := replyText(b.waitReply(ctx, t, 0).Message)

			if got := held(); (got == value) != tc.applied || (!tc.applied && got != before) {
				t.Fatalf("Syncro holds %q (was %q); the fault should have applied the change: %v", got, before, tc.applied)
			}
			if n := b.srv.Count("PUT", path); n != 1 {
				t.Errorf("%d PUTs of %s, want 1", n, path)
			}
			told := strings.Contains(rep, "Updated "+strings.Fields(cmd)[0])
			if told != tc.applied || strings.Contains(rep, "Nothing was saved") || (!tc.applied && !strings.Contains(rep, "can't confirm")) {
				t.Errorf("Syncro holds the change: %v; the reply should say so, claiming nothing it doesn't show:\n%s", tc.applied, rep)
			}
		})
	}
}

// editTarget is what a customer edit (contact false) or a contact edit
// changes: a new customer's city or a seed contact's phone. It returns
// the record's path, the command that opens its form, the form's
// callback id, the field and the value typed, and what Syncro holds in
// that field now.
func (b *e2eBot) editTarget(t *testing.T, contact bool) (path, cmd, callback, field, value string, held func() string) {
	t.Helper()
	if contact {
		ct := b.srv.Contacts(ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID)[0]
		return "/contacts/" + itoa64(ct.ID), "contact edit " + itoa64(ct.ID), customers.CallbackContactEdit, customers.BlockContactPhone, "555-0199",
			func() string { got, _ := b.srv.Contact(ct.ID); return got.Phone }
	}
	cu := b.srv.AddCustomer(syncrotest.Customer{BusinessName: "Cedar Vets", Email: "desk@cedarvets.example", City: "Salem"})
	return "/customers/" + itoa64(cu.ID), "customer edit " + itoa64(cu.ID), customers.CallbackCustomerEdit, customers.BlockCustCity, "Eugene",
		func() string { got, _ := b.srv.Customer(cu.ID); return got.City }
}
