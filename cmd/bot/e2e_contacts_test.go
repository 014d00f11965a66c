package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Contacts and customer edits from Slack (README, "Using it in Slack"),
// checked against what Syncro then holds.

// submitForm opens the form /syncro text brings (callbackID), types
// values into its text fields over what it opened with, and submits it
// as Dana; it returns the form as it opened.
func (b *e2eBot) submitForm(ctx context.Context, t *testing.T, text, callbackID string, values map[string]string) slackfake.View {
	t.Helper()
	return b.submitFormAs(ctx, t, text, callbackID, func(vals slackfake.Values) {
		for block, v := range values {
			vals[block] = map[string]slackfake.Input{block: slackfake.TextInput(v)}
		}
	})
}

// submitFormAs opens the form /syncro text brings (callbackID), lets set
// change what it opened with (the state Slack would submit untouched),
// and submits it as Dana; it returns the form as it opened.
func (b *e2eBot) submitFormAs(ctx context.Context, t *testing.T, text, callbackID string, set func(slackfake.Values)) slackfake.View {
	t.Helper()
	seen := map[string]bool{}
	for _, v := range b.f.Views() {
		seen[v.ID] = true
	}
	b.slash(ctx, t, text)
	var form slackfake.View
	if err := b.f.WaitUntil(ctx, func() bool {
		for _, v := range b.f.OpenViews(e2eUser) {
			if v.CallbackID == callbackID && !seen[v.ID] {
				form = v
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("/syncro %s opened no %s form: %v; views %+v; stderr:\n%s", text, callbackID, err, b.f.Views(), b.stderr.String())
	}
	vals := textValues(t, form.JSON)
	set(vals)
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: form.ID, CallbackID: form.CallbackID, PrivateMetadata: form.PrivateMetadata, Values: vals})
	return form
}

// contactNamed is customerID's one contact called name in Syncro.
func contactNamed(t *testing.T, srv *syncrotest.Server, customerID int64, name string) (syncrotest.Contact, bool) {
	t.Helper()
	var found []syncrotest.Contact
	for _, ct := range srv.Contacts(customerID) {
		if ct.Name == name {
			found = append(found, ct)
		}
	}
	if len(found) > 1 {
		t.Fatalf("customer %d has %d contacts called %s, want at most 1", customerID, len(found), name)
	}
	if len(found) == 0 {
		return syncrotest.Contact{}, false
	}
	return found[0], true
}

// knownEmail is the email of a seeded contact of a customer other than
// customerID.
func knownEmail(t *testing.T, srv *syncrotest.Server, customerID int64) string {
	t.Helper()
	for _, cu := range srv.Customers() {
		for _, ct := range srv.Contacts(cu.ID) {
			if cu.ID != customerID && ct.Email != "" {
				return ct.Email
			}
		}
	}
	t.Fatal("no seeded contact has an email")
	return ""
}

// TestE2E_ContactsAreAddedListedAndEditedWarningOnAKnownEmail: a contact
// added from the form is in Syncro with its title and listed by
// /syncro contacts; adding one with an email another customer's contact
// has is stopped with a warning, and *Add anyway* (double-clicked) adds
// it once; the edit form opens prefilled, and an email already known is
// warned about before anything is saved, *Save anyway* saving it; the
// confirmation of its deletion names the open ticket that references it.
func TestE2E_ContactsAreAddedListedAndEditedWarningOnAKnownEmail(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	cu := b.srv.AddCustomer(syncrotest.Customer{BusinessName: "Harbor Dental", Email: "office@harbordental.example"})
	id := itoa64(cu.ID)
	known := knownEmail(t, b.srv, cu.ID)

	b.submitForm(ctx, t, "contact add "+id, customers.CallbackContactAdd, map[string]string{
		customers.BlockContactName: "Ann Lee", customers.BlockContactEmail: "ann@harbordental.example",
		customers.BlockContactPhone: "555-0101", customers.BlockContactTitle: "Office Manager"})
	b.waitReply(ctx, t, 0, "Added contact Ann Lee")
	ann, ok := contactNamed(t, b.srv, cu.ID, "Ann Lee")
	if !ok || ann.Email != "ann@harbordental.example" || ann.Phone != "555-0101" || ann.Properties["title"] != "Office Manager" {
		t.Errorf("Syncro holds %+v (found %v), want Ann Lee with her email, phone and title", ann, ok)
	}

	b.slash(ctx, t, "contacts "+id)
	list := replyText(b.waitReply(ctx, t, 1, "Ann Lee").Message)
	for _, want := range []string{"Office Manager", "ann@harbordental.example", "555-0101"} {
		if !strings.Contains(list, want) {
			t.Errorf("contacts %s does not show %q: %s", id, want, list)
		}
	}

	b.submitForm(ctx, t, "contact add "+id, customers.CallbackContactAdd, map[string]string{
		customers.BlockContactName: "Bob Kerr", customers.BlockContactEmail: known})
	warning := b.waitReply(ctx, t, 2, "already exists")
	if _, ok := contactNamed(t, b.srv, cu.ID, "Bob Kerr"); ok {
		t.Fatalf("Bob Kerr was added before anyone said Add anyway")
	}
	b.doubleClick(ctx, t, warning, button(t, warning.Blocks, customers.ActionCustomerCreateAnyway))
	b.waitReply(ctx, t, 3, "Bob Kerr")
	b.waitReply(ctx, t, 4) // both clicks answered
	if _, ok := contactNamed(t, b.srv, cu.ID, "Bob Kerr"); !ok {
		t.Errorf("Add anyway did not add Bob Kerr")
	}

	seen := len(b.f.Ephemerals(e2eUser))
	form := b.submitForm(ctx, t, "contact edit "+itoa64(ann.ID), customers.CallbackContactEdit, map[string]string{
		customers.BlockContactEmail: known})
	if in := modalInputs(t, form.JSON)[customers.BlockContactName]; in.Element.InitialValue != "Ann Lee" {
		t.Errorf("the edit form opened with name %q, want Ann Lee", in.Element.InitialValue)
	}
	asked := b.waitReply(ctx, t, seen)
	if got, _ := b.srv.Contact(ann.ID); got.Email != ann.Email || !strings.Contains(asked.Text, "already exists") {
		t.Fatalf("the edit saved %s, which another customer's contact has, and said %q: no warning first", got.Email, asked.Text)
	}
	b.click(ctx, t, asked, button(t, asked.Blocks, customers.ActionCustomerCreateAnyway))
	b.waitReply(ctx, t, seen+1, "Updated contact Ann Lee")
	if got, _ := b.srv.Contact(ann.ID); got.Email != known || got.Phone != ann.Phone {
		t.Errorf("after Save anyway Syncro holds %s, %s; want %s and the phone as it was", got.Email, got.Phone, known)
	}

	open := b.srv.AddTicket(syncrotest.Ticket{Subject: "X-ray sensor not detected", Status: "New", CustomerID: cu.ID, ContactID: ann.ID})
	done := b.srv.AddTicket(syncrotest.Ticket{Subject: "Chair light flickers", Status: "Resolved", CustomerID: cu.ID, ContactID: ann.ID})
	b.slash(ctx, t, "contact delete "+itoa64(ann.ID))
	confirm := replyText(b.waitReply(ctx, t, seen+2, "Delete contact").Message)
	if !strings.Contains(confirm, "#"+itoa64(open.Number)) || strings.Contains(confirm, "#"+itoa64(done.Number)) {
		t.Errorf("the confirmation does not name the open #%d alone (resolved #%d): %s", open.Number, done.Number, confirm)
	}
}

// TestE2E_CustomerEditSendsOnlyTheChangedFields: the edit form opens
// prefilled; with only the city changed, the PUT to Syncro carries the
// city and nothing else, and Syncro holds the rest as it was.
func TestE2E_CustomerEditSendsOnlyTheChangedFields(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	cu := b.srv.AddCustomer(syncrotest.Customer{BusinessName: "Cedar Vets", Email: "desk@cedarvets.example", Phone: "555-0140", City: "Salem"})

	b.srv.ResetLog()
	form := b.submitForm(ctx, t, "customer edit "+itoa64(cu.ID), customers.CallbackCustomerEdit, map[string]string{customers.BlockCustCity: "Eugene"})
	if in := modalInputs(t, form.JSON)[customers.BlockCustBusiness]; in.Element.InitialValue != "Cedar Vets" {
		t.Errorf("the edit form opened with business name %q, want Cedar Vets", in.Element.InitialValue)
	}
	b.waitReply(ctx, t, 0, "Cedar Vets")
	var puts []string
	for _, r := range b.srv.Requests() {
		if r.Method == "PUT" && r.Path == "/customers/"+itoa64(cu.ID) {
			puts = append(puts, r.Body)
		}
	}
	if len(puts) != 1 {
		t.Fatalf("%d PUTs of the customer, want 1: %q", len(puts), puts)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(puts[0]), &sent); err != nil {
		t.Fatalf("PUT body %q: %v", puts[0], err)
	}
	if len(sent) != 1 || sent["city"] != "Eugene" {
		t.Errorf("the PUT sent %v, want only the city", sent)
	}
	got, _ := b.srv.Customer(cu.ID)
	if got.City != "Eugene" || got.BusinessName != "Cedar Vets" || got.Email != cu.Email || got.Phone != cu.Phone {
		t.Errorf("Syncro holds %+v, want Cedar Vets in Eugene, email and phone as they were", got)
	}
}

// TestE2E_CustomerDataGoesOnlyToWhoAsked: the customer and contact
// replies are Dana's alone; nothing lands in #ops for everyone to read.
func TestE2E_CustomerDataGoesOnlyToWhoAsked(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	cu := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	id := itoa64(cu)

	for i, text := range []string{"customers acme", "customer " + id, "contacts " + id} {
		b.slash(ctx, t, text)
		if got := b.waitReply(ctx, t, i); got.To != e2eUser {
			t.Errorf("/syncro %s answered to %q", text, got.To)
		}
	}
	for _, m := range b.f.Messages(e2eChannel) {
		t.Errorf("a message in #ops for everyone: %q", m.Text)
	}
}
