package customers

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro"
)

// buttonValue is the value of the first button with actionID in blocks.
func buttonValue(t *testing.T, blocks []slack.Block, actionID string) string {
	t.Helper()
	raw, _ := json.Marshal(blocks)
	type button struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
	}
	var bs []struct {
		Elements  []button `json:"elements"`
		Accessory *button  `json:"accessory"`
	}
	_ = json.Unmarshal(raw, &bs)
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value
			}
		}
		if b.Accessory != nil && b.Accessory.ActionID == actionID {
			return b.Accessory.Value
		}
	}
	t.Fatalf("no %s button in %s", actionID, raw)
	return ""
}

func TestCustomerForms_ModalGolden(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	if !f.C.OpensModal("customer create") || !f.C.OpensModal("customer edit 5") || !f.C.OpensModal("contact add Acme") || !f.C.OpensModal("contact edit 5") {
		t.Error("customer and contact forms must be announced by OpensModal")
	}
	acme := seedCustomerID(t, f.Srv, "Acme Corp.")
	contact := f.Srv.Contacts(acme)[1]
	for _, tc := range []struct {
		file, text, callback string
	}{
		{"customer_modal_create.golden", "customer create", CallbackCustomerCreate},
		{"customer_modal_edit.golden", "customer edit " + itoa(acme), CallbackCustomerEdit},
		{"contact_modal_add.golden", "contact add Acme Corp.", CallbackContactAdd},
		{"contact_modal_edit.golden", "contact edit " + itoa(contact.ID), CallbackContactEdit},
	} {
		v := f.OpenModal(t, tc.text)
		if v.CallbackID != tc.callback {
			t.Errorf("%s: callback %q", tc.text, v.CallbackID)
		}
		commandstest.CheckModal(t, v)
		commandstest.Golden(t, tc.file, commandstest.PrettyJSON(t, v))
	}
}

func TestCustomerCreate_ValidatesBeforeSyncro(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	v := f.OpenModal(t, "customer create")
	errs := f.C.Validate(formSubmission(v, map[string]string{BlockCustEmail: "not-an-email"}))
	if errs[BlockCustBusiness] == "" || errs[BlockCustEmail] == "" {
		t.Errorf("errors = %v; want business name and email at their fields", errs)
	}
}

// A Residential customer is a person: a first and last name are enough,
// and Syncro holds the customer without a business name.
func TestCustomerCreate_ResidentialWithoutABusinessName(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	before := len(f.Srv.Customers())
	v := f.OpenModal(t, "customer create")
	if errs := f.C.Validate(formSubmission(v, map[string]string{BlockCustFirst: "Rosa", BlockCustType: "Residential"})); errs[BlockCustBusiness] == "" {
		t.Errorf("a first name alone was accepted: %v", errs)
	}
	s := formSubmission(v, map[string]string{BlockCustFirst: "Rosa", BlockCustLast: "Delgado", BlockCustType: "Residential"})
	if errs := f.C.Validate(s); len(errs) > 0 {
		t.Fatalf("a Residential customer with first and last name refused: %v", errs)
	}
	r, _ := f.Submit(t, s)
	if len(f.Srv.Customers()) != before+1 {
		t.Fatalf("customers %d → %d; reply %q", before, len(f.Srv.Customers()), r.Text)
	}
	for _, c := range f.Srv.Customers() {
		if c.FirstName == "Rosa" && c.LastName == "Delgado" && c.BusinessName == "" {
			return
		}
	}
	t.Errorf("Syncro holds no customer Rosa Delgado without a business name; reply %q", r.Text)
}

func TestCustomerCreate_WarnsOfSimilarThenCreatesAnyway(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	before := len(f.Srv.Customers())
	v := f.OpenModal(t, "customer create")
	r, _ := f.Submit(t, formSubmission(v, map[string]string{BlockCustBusiness: "ACME corp", BlockCustPhone: "503.555.0101", BlockCustType: "Business"}))
	if len(f.Srv.Customers()) != before {
		t.Fatal("created despite similar customers")
	}
	if r.ChannelID != "C0TECHS" || r.InChannel {
		t.Errorf("reply channel %q in_channel %v", r.ChannelID, r.InChannel)
	}
	commandstest.Golden(t, "customer_create_similar.golden", customerReplyJSON(t, r))
	use := buttonValue(t, r.Blocks, ActionCustomerShow)
	shown := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ActionID: ActionCustomerShow, Value: use, MessageTS: "1.1"})
	if !strings.Contains(shown.Text, "Acme Corp.") {
		t.Errorf("use this one showed %q", shown.Text)
	}
	click := commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionCustomerCreateAnyway, Value: buttonValue(t, r.Blocks, ActionCustomerCreateAnyway), MessageTS: "1.2"}
	created := f.C.Action(t.Context(), click)
	again := f.C.Action(t.Context(), click)
	if !strings.HasPrefix(created.Text, "Created customer ACME corp") {
		t.Fatalf("create anyway: %q", created.Text)
	}
	if len(f.Srv.Customers()) != before+1 {
		t.Errorf("customers %d → %d after a double click; want one more", before, len(f.Srv.Customers()))
	}
	if !strings.Contains(again.Text, "clicked twice") {
		t.Errorf("second click: %q", again.Text)
	}
	var typ string
	for _, c := range f.Srv.Customers() {
		if c.BusinessName == "ACME corp" {
			typ = c.Properties[customerTypeProperty]
		}
	}
	if typ != "Business" {
		t.Errorf("Customer Type property = %q", typ)
	}
}

func TestCustomerCreate_Syncro422ShownAtField(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	// Validate would stop this email; calling past it shows how Syncro's
	// own 422 {"success":false,"message":[…],"params":{…}} is placed.
	p := pendingForm{Callback: CallbackCustomerCreate, Meta: formMeta{Channel: "C0TECHS"}, Values: map[string]string{BlockCustBusiness: "Brand New Widgets", BlockCustEmail: "nobody@nowhere"}}
	r := f.cu.createCustomer(t.Context(), p, true)
	if !strings.Contains(r.Text, "Email is not an email") {
		t.Fatalf("reply %q lacks Syncro's words", r.Text)
	}
	fix := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionCustomerFixForm, Value: buttonValue(t, r.Blocks, ActionCustomerFixForm)})
	if fix.Modal == nil || !f.C.ActionOpensModal(ActionCustomerFixForm) {
		t.Fatal("Fix the form must reopen the modal")
	}
	commandstest.CheckModal(t, fix.Modal)
	assertErrorAfter(t, fix.Modal, BlockCustEmail, "Email is not an email")
	if got := prefilled(fix.Modal)[BlockCustBusiness]; got != "Brand New Widgets" {
		t.Errorf("business name prefilled %q", got)
	}
	commandstest.Golden(t, "customer_modal_fix_email.golden", commandstest.PrettyJSON(t, fix.Modal))
}

// assertErrorAfter checks that the block right after input block is a
// warning holding msg.
func assertErrorAfter(t *testing.T, v *slack.ModalViewRequest, block, msg string) {
	t.Helper()
	bs := v.Blocks.BlockSet
	for i, b := range bs {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == block {
			if i+1 < len(bs) {
				raw, _ := json.Marshal(bs[i+1])
				if strings.Contains(string(raw), msg) {
					return
				}
			}
			t.Fatalf("no %q under %s", msg, block)
		}
	}
	t.Fatalf("no block %s", block)
}

func TestFieldForMessage_MapsSyncroWords(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]string{
		"Business name can't be blank": BlockCustBusiness,
		"Email is not an email":        BlockCustEmail,
		"Firstname can't be blank":     BlockCustFirst,
		"Address 2 is too long":        BlockCustAddress,
		"Something odd":                "",
	} {
		if got := fieldForMessage(msg, customerFields); got != want {
			t.Errorf("%q → %q, want %q", msg, got, want)
		}
	}
	errs := syncroFieldErrors(&syncro.Error{StatusCode: 422, Messages: []string{"Name can't be blank, Email is not an email"}}, contactFields)
	if errs[BlockContactName] != "Name can't be blank" || errs[BlockContactEmail] != "Email is not an email" {
		t.Errorf("contact errors = %v", errs)
	}
}

func TestCustomerEdit_SendsOnlyChangedFields(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	acme := seedCustomerID(t, f.Srv, "Acme Corp.")
	v := f.OpenModal(t, "customer edit "+itoa(acme))
	vals := prefilled(v)
	if vals[BlockCustEmail] != "wile@acmecorp.example" {
		t.Fatalf("edit form not prefilled: %v", vals)
	}
	vals[BlockCustCity] = "Beaverton"
	r, reqs := f.Submit(t, formSubmission(v, vals))
	if !strings.Contains(r.Text, "1 field") {
		t.Errorf("reply %q", r.Text)
	}
	var body string
	for _, q := range reqs {
		if q.Method == "PUT" {
			body = q.Body
		}
	}
	if body != `{"city":"Beaverton"}` {
		t.Errorf("PUT body = %s, want only the city", body)
	}
	if c, _ := f.Srv.Customer(acme); c.City != "Beaverton" || c.Email != "wile@acmecorp.example" {
		t.Errorf("customer after edit: %+v", c)
	}

	// Clearing both names: Syncro answers 422 "Firstname can't be blank".
	vals = prefilled(v)
	delete(vals, BlockCustBusiness)
	delete(vals, BlockCustFirst)
	r, _ = f.Submit(t, formSubmission(v, vals))
	fix := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionCustomerFixForm, Value: buttonValue(t, r.Blocks, ActionCustomerFixForm)})
	assertErrorAfter(t, fix.Modal, BlockCustFirst, "Firstname can't be blank")
}

func TestCustomerEdit_FieldTooLongToEditIsLeftAlone(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	acme := seedCustomerID(t, f.Srv, "Acme Corp.")
	long := strings.Repeat("n", 2000)
	if _, _, err := f.cu.cfg.Syncro.Customers.Update(t.Context(), acme, &syncro.CustomerRequest{Notes: &long}); err != nil {
		t.Fatal(err)
	}
	v := f.OpenModal(t, "customer edit "+itoa(acme))
	vals := prefilled(v)
	if _, ok := vals[BlockCustNotes]; ok {
		t.Fatal("notes longer than the form allows must not be prefilled cut short")
	}
	vals[BlockCustZip] = "97201"
	f.Submit(t, formSubmission(v, vals))
	if c, _ := f.Srv.Customer(acme); c.Notes != long || c.Zip != "97201" {
		t.Errorf("notes kept %v, zip %q", c.Notes == long, c.Zip)
	}
}
