package customers

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// mergeFixture adds a duplicate of Acme Corp. holding two tickets and one
// contact, and returns the primary's and the duplicate's ids.
func mergeFixture(t *testing.T, f *customerFixture) (primary, dup int64, tickets []int64, contact int64) {
	t.Helper()
	primary = seedCustomerID(t, f.Srv, "Acme Corp.")
	d := f.Srv.AddCustomer(syncrotest.Customer{BusinessName: "Acme Corp (old)", FirstName: "Wile", LastName: "Coyote", Email: "old@acmecorp.example"})
	for _, s := range []string{"Old VPN issue", "Old printer"} {
		tickets = append(tickets, f.Srv.AddTicket(syncrotest.Ticket{Subject: s, CustomerID: d.ID}).ID)
	}
	name, cid := "Old Contact", d.ID
	ct, _, err := f.cu.cfg.Syncro.Contacts.Create(t.Context(), &syncro.ContactRequest{CustomerID: &cid, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return primary, d.ID, tickets, ct.ID
}

func TestCustomerMerge_PreviewThenMergeAndDelete(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	p, d, tickets, contact := mergeFixture(t, f)
	if r, _ := f.Slash(t, "customer merge "+itoa(p)+" "+itoa(d)); !strings.HasPrefix(r.Text, "Only admins") {
		t.Errorf("non-admin: %q", r.Text)
	}
	preview := f.C.Slash(t.Context(), commands.Request{Actor: admin, ChannelID: "C0TECHS", Text: "customer merge " + itoa(p) + " " + itoa(d)})
	if !strings.Contains(preview.Text, "tickets to move to the primary: 2") || !strings.Contains(preview.Text, "contacts to repoint to the primary: 1") {
		t.Errorf("preview %q", preview.Text)
	}
	commandstest.Golden(t, "merge_preview.golden", customerReplyJSON(t, preview))
	// The duplicates report's Merge button leads to the same preview.
	viaButton := f.C.Action(t.Context(), commands.Action{Actor: admin, ActionID: ActionCustomerMerge, Value: MergeButtonValue(p, d)})
	if viaButton.Text != preview.Text {
		t.Errorf("button preview %q", viaButton.Text)
	}
	var value string
	for _, b := range preview.Blocks {
		if strings.Contains(string(mustJSON(t, b)), ":"+mergeDelete) {
			value = MergeButtonValue(p, d) + ":" + mergeDelete
		}
	}
	if value == "" {
		t.Fatal("no merge-and-delete button")
	}
	f.Srv.ResetLog()
	r := f.C.Action(t.Context(), commands.Action{Actor: admin, ChannelID: "C0TECHS", ActionID: ActionCustomerMergeConfirm, Value: value, MessageTS: "9.1"})
	if !strings.Contains(r.Text, "The duplicate was deleted") {
		t.Fatalf("merge: %q%s", r.Text, commandstest.ReqLines(f.Srv.Requests()))
	}
	for _, id := range tickets {
		if tk, _ := f.Srv.Ticket(id); tk.CustomerID != p {
			t.Errorf("ticket %d on customer %d, want %d", id, tk.CustomerID, p)
		}
	}
	if ct, _ := f.Srv.Contact(contact); ct.CustomerID != p {
		t.Errorf("contact on %d, want %d", ct.CustomerID, p)
	}
	if _, ok := f.Srv.Customer(d); ok {
		t.Error("duplicate still exists")
	}
	if c, _ := f.Srv.Customer(p); !strings.Contains(c.Notes, "Merged customer Acme Corp (old)") {
		t.Errorf("primary notes %q lack the merge note", c.Notes)
	}
	// Deleted only after everything moved and was read back.
	reqs := f.Srv.Requests()
	del, lastPut, readBack := -1, -1, -1
	for i, q := range reqs {
		switch {
		case q.Method == "DELETE":
			del = i
		case q.Method == "PUT":
			lastPut = i
		case q.Method == "GET" && q.Path == "/tickets" && strings.Contains(q.Query, "customer_id="+itoa(d)) && lastPut >= 0:
			readBack = i
		}
	}
	if del < 0 || readBack < 0 || !(readBack < del && lastPut < del) {
		t.Errorf("delete at %d, last PUT at %d, read-back at %d%s", del, lastPut, readBack, commandstest.ReqLines(reqs))
	}
}

func TestCustomerMerge_KeepsDuplicateWithInvoices(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	var dup int64
	for _, inv := range f.Srv.Invoices() {
		dup = inv.CustomerID
		break
	}
	if dup == 0 {
		t.Skip("seed has no invoices")
	}
	p := seedCustomerID(t, f.Srv, "Acme Corp.")
	if p == dup {
		p = seedCustomerID(t, f.Srv, "ACME Corporation")
	}
	preview := f.C.Slash(t.Context(), commands.Request{Actor: admin, Text: "customer merge " + itoa(p) + " " + itoa(dup)})
	if strings.Contains(string(mustJSON(t, preview.Blocks)), ":"+mergeDelete) {
		t.Error("a duplicate with invoices must not offer deletion")
	}
	r := f.C.Action(t.Context(), commands.Action{Actor: admin, ActionID: ActionCustomerMergeConfirm, Value: MergeButtonValue(p, dup) + ":" + mergeDelete, MessageTS: "9.4"})
	if _, ok := f.Srv.Customer(dup); !ok || !strings.Contains(r.Text, "can't move") {
		t.Errorf("duplicate with invoices: %q", r.Text)
	}
}

// mustJSON marshals v for substring checks.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	return commandstest.PrettyJSON(t, v)
}
