package customers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestContactAdd_WarnsOfSameEmailThenAdds(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	smith := seedCustomerID(t, f.Srv, "Smith and Sons LLC")
	before := len(f.Srv.Contacts(0))
	v := f.OpenModal(t, "contact add "+itoa(smith))
	// Rhonda's email is already a contact at Acme Corp.
	r, _ := f.Submit(t, formSubmission(v, map[string]string{BlockContactName: "Rhonda Birch", BlockContactEmail: "RHONDA@acmecorp.example", BlockContactTitle: "Bookkeeper"}))
	if len(f.Srv.Contacts(0)) != before || !strings.Contains(r.Text, "already exists") {
		t.Fatalf("reply %q; contacts %d → %d", r.Text, before, len(f.Srv.Contacts(0)))
	}
	commandstest.Golden(t, "contact_add_same_email.golden", customerReplyJSON(t, r))
	added := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionCustomerCreateAnyway, Value: buttonValue(t, r.Blocks, ActionCustomerCreateAnyway), MessageTS: "2.1"})
	if !strings.HasPrefix(added.Text, "Added contact Rhonda Birch") {
		t.Fatalf("add anyway: %q", added.Text)
	}
	var found bool
	for _, ct := range f.Srv.Contacts(smith) {
		if ct.Name == "Rhonda Birch" {
			found = true
			if ct.Properties["title"] != "Bookkeeper" {
				t.Errorf("title = %q; Syncro keeps it in properties.title, set by an update", ct.Properties["title"])
			}
		}
	}
	if !found {
		t.Error("contact not added")
	}
}

func TestContactAdd_Syncro422ShownAtField(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	smith := seedCustomerID(t, f.Srv, "Smith and Sons LLC")
	// Past Validate: Syncro's contacts 422 is {"record":{…},"errors":"Email is not an email"}.
	p := pendingForm{Callback: CallbackContactAdd, Meta: formMeta{Channel: "C0TECHS", CustomerID: smith}, Values: map[string]string{BlockContactName: "Pat", BlockContactEmail: "pat@nowhere"}}
	r := f.cu.createContact(t.Context(), p, true)
	fix := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionCustomerFixForm, Value: buttonValue(t, r.Blocks, ActionCustomerFixForm)})
	assertErrorAfter(t, fix.Modal, BlockContactEmail, "Email is not an email")
	commandstest.Golden(t, "contact_modal_fix_email.golden", commandstest.PrettyJSON(t, fix.Modal))
}

func TestContactEdit_ChangesTitle(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	ct := f.Srv.Contacts(seedCustomerID(t, f.Srv, "Acme Corp."))[1]
	v := f.OpenModal(t, "contact edit "+itoa(ct.ID))
	vals := prefilled(v)
	if vals[BlockContactTitle] != "Office Manager" {
		t.Fatalf("prefilled %v", vals)
	}
	vals[BlockContactTitle] = "Operations Manager"
	r, reqs := f.Submit(t, formSubmission(v, vals))
	if got, _ := f.Srv.Contact(ct.ID); got.Properties["title"] != "Operations Manager" || got.Email != ct.Email {
		t.Errorf("after edit %+v; reply %q%s", got, r.Text, commandstest.ReqLines(reqs))
	}
	// Customer and contact writes are logged like ticket writes: who,
	// what, which record, how it went.
	want := fmt.Sprintf(`"msg":"syncro write","action":"contact edit","id":%d,"outcome":"ok","slack_user":"%s"`, ct.ID, commandstest.Dana.SlackUserID)
	if !strings.Contains(f.Log.String(), want) {
		t.Errorf("no log line %s in:\n%s", want, f.Log.String())
	}
}

func TestContactDelete_NamesOpenTicketsThenDeletes(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	var contactID int64
	for _, tk := range f.Srv.Tickets() {
		if tk.ContactID != 0 && tk.Status != "Resolved" && tk.Status != "Closed" && tk.Status != "Invoiced" {
			contactID = tk.ContactID
			break
		}
	}
	if contactID == 0 {
		acme := seedCustomerID(t, f.Srv, "Acme Corp.")
		contactID = f.Srv.Contacts(acme)[0].ID
		f.Srv.AddTicket(syncrotest.Ticket{Subject: "Keyboard sticky", CustomerID: acme, ContactID: contactID})
	}
	if r, _ := f.Slash(t, "contact delete "+itoa(contactID)); !strings.HasPrefix(r.Text, "Only admins") {
		t.Errorf("non-admin: %q", r.Text)
	}
	f.Srv.ResetLog()
	r := f.C.Slash(t.Context(), commands.Request{Actor: admin, ChannelID: "C0TECHS", Text: "contact delete " + itoa(contactID)})
	if !strings.Contains(r.Text, "open ticket") || !strings.Contains(r.Text, "reference it") {
		t.Fatalf("confirmation %q doesn't name the open tickets", r.Text)
	}
	if _, ok := f.Srv.Contact(contactID); !ok {
		t.Fatal("deleted before confirmation")
	}
	commandstest.Golden(t, "contact_delete_confirm.golden", customerReplyJSON(t, r))
	click := commands.Action{Actor: admin, ChannelID: "C0TECHS", ActionID: ActionContactDeleteConfirm, Value: buttonValue(t, r.Blocks, ActionContactDeleteConfirm), MessageTS: "3.1"}
	if nope := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ActionID: click.ActionID, Value: click.Value, MessageTS: "3.1"}); !strings.HasPrefix(nope.Text, "Only admins") {
		t.Errorf("non-admin click: %q", nope.Text)
	}
	done := f.C.Action(t.Context(), click)
	if _, ok := f.Srv.Contact(contactID); ok || !strings.HasPrefix(done.Text, "Deleted contact") {
		t.Errorf("after confirm: %q", done.Text)
	}
}
