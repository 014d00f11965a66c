package customers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// The customer and contact forms. bot acks a view_submission (closing the
// modal) before Submit calls Syncro, so Syncro's own 422 words cannot be
// put under a field of the submitted view. Instead: what can be checked
// without Syncro (required fields, email format) is checked in Validate
// and shown at the field in the ack; a 422 from Syncro is mapped to its
// field (fieldForMessage) and the reply carries a "Fix the form" button
// that reopens the form prefilled, with Syncro's words right under that
// field.

// Callback ids of the customer and contact modals.
const (
	// CallbackCustomerCreate is the "New customer" modal (customer create).
	CallbackCustomerCreate = "syncro_customer_create"
	// CallbackCustomerEdit is the "Edit customer" modal (customer edit ID).
	CallbackCustomerEdit = "syncro_customer_edit"
	// CallbackContactAdd is the "New contact" modal (contact add CUSTOMER).
	CallbackContactAdd = "syncro_contact_add"
	// CallbackContactEdit is the "Edit contact" modal (contact edit ID).
	CallbackContactEdit = "syncro_contact_edit"
)

// Input block ids of the customer form; each element's action id equals
// its block id.
const (
	BlockCustBusiness = "cust_business" // business name (or a first and last name, on create)
	BlockCustFirst    = "cust_first"    // first name
	BlockCustLast     = "cust_last"     // last name
	BlockCustEmail    = "cust_email"    // email, format checked in Validate
	BlockCustPhone    = "cust_phone"    // phone
	BlockCustMobile   = "cust_mobile"   // mobile
	BlockCustAddress  = "cust_address"  // street address
	BlockCustAddress2 = "cust_address2" // address line 2
	BlockCustCity     = "cust_city"     // city
	BlockCustState    = "cust_state"    // state
	BlockCustZip      = "cust_zip"      // ZIP
	BlockCustNotes    = "cust_notes"    // notes (multiline)
	BlockCustType     = "cust_type"     // static select of CustomerTypes
)

// Input block ids of the contact form.
const (
	BlockContactName   = "contact_name"   // name (required)
	BlockContactEmail  = "contact_email"  // email, format checked in Validate
	BlockContactPhone  = "contact_phone"  // phone
	BlockContactMobile = "contact_mobile" // mobile
	BlockContactTitle  = "contact_title"  // title, stored as properties.title
	BlockContactNotes  = "contact_notes"  // notes (multiline)
)

// customerTypeProperty is the customer property holding the type chosen in
// the form. Syncro has no built-in customer type; this MSP keeps it as a
// custom customer field named "Customer Type", sent in properties.
const customerTypeProperty = "Customer Type"

// CustomerTypes are the values offered for customerTypeProperty.
var CustomerTypes = []string{"Business", "Residential", "Government", "Non-Profit"}

// emailPattern is the format check made before sending: something@host.tld.
// Syncro has the last word ("Email is not an email").
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s.]+$`)

// formField is one text field of a customer or contact form.
type formField struct {
	block, label, placeholder string
	maxLen                    int
	multiline, required       bool
	// match is the lower-cased, space-free start of Syncro's messages
	// about this field ("email" for "Email is not an email").
	match []string
}

// customerFields are the customer form's text fields, in form order.
var customerFields = []formField{
	{block: BlockCustBusiness, label: "Business name", placeholder: "Acme Corp.", maxLen: 150, match: []string{"businessname", "business"}},
	{block: BlockCustFirst, label: "First name", maxLen: 60, match: []string{"firstname"}},
	{block: BlockCustLast, label: "Last name", maxLen: 60, match: []string{"lastname"}},
	{block: BlockCustEmail, label: "Email", placeholder: "office@example.com", maxLen: 150, match: []string{"email"}},
	{block: BlockCustPhone, label: "Phone", maxLen: 40, match: []string{"phone"}},
	{block: BlockCustMobile, label: "Mobile", maxLen: 40, match: []string{"mobile"}},
	{block: BlockCustAddress, label: "Address", maxLen: 150, match: []string{"address2", "address"}},
	{block: BlockCustAddress2, label: "Address 2", maxLen: 150},
	{block: BlockCustCity, label: "City", maxLen: 80, match: []string{"city"}},
	{block: BlockCustState, label: "State", maxLen: 40, match: []string{"state"}},
	{block: BlockCustZip, label: "ZIP", maxLen: 20, match: []string{"zip"}},
	{block: BlockCustNotes, label: "Notes", maxLen: 1500, multiline: true, match: []string{"notes"}},
}

// contactFields are the contact form's text fields, in form order.
var contactFields = []formField{
	{block: BlockContactName, label: "Name", placeholder: "Rhonda Birch", maxLen: 120, required: true, match: []string{"name"}},
	{block: BlockContactEmail, label: "Email", maxLen: 150, match: []string{"email"}},
	{block: BlockContactPhone, label: "Phone", maxLen: 40, match: []string{"phone"}},
	{block: BlockContactMobile, label: "Mobile", maxLen: 40, match: []string{"mobile"}},
	{block: BlockContactTitle, label: "Title", placeholder: "Office Manager", maxLen: 80, match: []string{"title"}},
	{block: BlockContactNotes, label: "Notes", maxLen: 1500, multiline: true, match: []string{"notes"}},
}

// formMeta is the private_metadata of the customer and contact forms. Its
// "ch" and "c" keys are ModalMeta's Channel and CustomerID, so the shared
// submit path reads the channel; the rest is for these forms only.
type formMeta struct {
	Channel    string `json:"ch,omitempty"`
	CustomerID int64  `json:"c,omitempty"`
	ContactID  int64  `json:"ct,omitempty"`
	// Orig holds a short hash of each field's value when the edit form
	// opened: only fields whose hash changed are sent, so an edit never
	// rewrites (or reverts) what the tech did not touch. Hashes, not
	// values, keep notes within private_metadata's 3000 characters.
	Orig map[string]string `json:"o,omitempty"`
}

// encode renders m as JSON for private_metadata (a few hundred characters:
// ids, the channel and 8-character hashes).
func (m formMeta) encode() string {
	b, _ := json.Marshal(m) // plain struct; cannot fail
	return string(b)
}

// fieldHash is the short hash formMeta.Orig compares.
func fieldHash(v string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(v)))
	return hex.EncodeToString(h[:4])
}

// pendingForm is a submitted form carried in a button value: the "create
// anyway" and "Fix the form" buttons replay or reopen it.
type pendingForm struct {
	Callback string            `json:"k"`
	Meta     formMeta          `json:"m"`
	Values   map[string]string `json:"v"`
	Errors   map[string]string `json:"e,omitempty"`
	// by is who submitted or clicked, for the write's log line; never
	// carried in a button.
	by commands.Actor
}

// encodeButton renders p for a button value, or "" when it would pass
// Slack's 2000-character limit.
func (p pendingForm) encodeButton() string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return ""
	}
	s := strings.TrimSpace(b.String())
	if cmdline.RuneLen(s) > slackfmt.MaxButtonValue {
		return ""
	}
	return s
}

// decodePending reads a pendingForm from a button value.
func decodePending(v string) (pendingForm, error) {
	var p pendingForm
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return p, fmt.Errorf("decode form button: %w", err)
	}
	return p, nil
}

// formValues reads the text fields and the customer type of a submission.
func formValues(s commands.Submission, fields []formField) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		if v := commands.InputText(s, f.block); v != "" {
			out[f.block] = v
		}
	}
	if v := commands.SelectedValue(s, BlockCustType); v != "" {
		out[BlockCustType] = v
	}
	return out
}

// buildFormModal is a customer or contact form prefilled with values, with
// errs (Syncro's words, by block) shown right under their fields.
func buildFormModal(callback, title, submit string, meta formMeta, fields []formField, values, errs map[string]string, withType bool) *slack.ModalViewRequest {
	var blocks []slack.Block
	if msg := errs[""]; msg != "" {
		blocks = append(blocks, commands.NoteContext(":warning: "+slackfmt.MrkdwnLiteral(msg)))
	}
	for _, f := range fields {
		required := f.required
		blocks = append(blocks, commands.InputBlock(f.block, f.label, "", commands.TextInput(f.block, f.placeholder, values[f.block], f.multiline, f.maxLen), !required))
		if msg := errs[f.block]; msg != "" {
			blocks = append(blocks, commands.NoteContext(":warning: "+slackfmt.MrkdwnLiteral(msg)))
		}
		if withType && f.block == BlockCustLast {
			var opts []*slack.OptionBlockObject
			for _, t := range CustomerTypes {
				opts = append(opts, commands.Option(t, t))
			}
			blocks = append(blocks, commands.InputBlock(BlockCustType, "Type", "Saved as the customer field “"+customerTypeProperty+"”.", commands.StaticSelect(BlockCustType, "Business, Residential, …", opts, values[BlockCustType]), true))
		}
	}
	v := &slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callback,
		Title:           commands.Plain(slackfmt.PlainText(title, slackfmt.MaxModalTitle)),
		Close:           commands.Plain("Cancel"),
		Submit:          commands.Plain(slackfmt.PlainText(submit, slackfmt.MaxModalTitle)),
		Blocks:          slack.Blocks{BlockSet: blocks},
		PrivateMetadata: meta.encode(),
	}
	return v
}

// customerCreate opens the new-customer form. No Syncro call.
func (c *feature) customerCreate(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	return commands.Reply{Modal: buildFormModal(CallbackCustomerCreate, "New customer", "Create", formMeta{Channel: r.ChannelID}, customerFields, nil, nil, true)}
}

// customerValues are a customer's current values by block id.
func customerValues(cu *syncro.Customer) map[string]string {
	return map[string]string{
		BlockCustBusiness: cu.BusinessName, BlockCustFirst: cu.Firstname, BlockCustLast: cu.Lastname,
		BlockCustEmail: cu.Email, BlockCustPhone: cu.Phone, BlockCustMobile: cu.Mobile,
		BlockCustAddress: cu.Address, BlockCustAddress2: cu.Address2, BlockCustCity: cu.City,
		BlockCustState: cu.State, BlockCustZip: cu.Zip, BlockCustNotes: cu.Notes,
		BlockCustType: customerType(cu),
	}
}

// customerEdit opens the edit form prefilled with the customer's values.
//
// Syncro calls: 1 (detail).
func (c *feature) customerEdit(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	id, _ := strconv.ParseInt(firstArg(inv), 10, 64)
	cu, _, err := c.cfg.Syncro.Customers.Get(ctx, id)
	if errors.Is(err, syncro.ErrNotFound) {
		return commands.AsModal(commands.Reply{Text: fmt.Sprintf("No customer with ID %d in Syncro.", id)}, "Edit customer")
	}
	if err != nil {
		return commands.AsModal(c.cfg.Failure(ctx, fmt.Errorf("get customer %d: %w", id, err), fmt.Sprintf("read customer %d", id)), "Edit customer")
	}
	vals := customerValues(cu)
	fields := editableFields(customerFields, vals)
	meta := formMeta{Channel: r.ChannelID, CustomerID: id, Orig: hashValues(vals, fields)}
	meta.Orig[BlockCustType] = fieldHash(vals[BlockCustType])
	return commands.Reply{Modal: buildFormModal(CallbackCustomerEdit, "Edit customer", "Save", meta, fields, vals, nil, true)}
}

// editableFields leaves out a field whose current value is longer than the
// form allows: prefilling it cut short would truncate it on save.
func editableFields(fields []formField, vals map[string]string) []formField {
	var out []formField
	for _, f := range fields {
		if cmdline.RuneLen(vals[f.block]) <= f.maxLen {
			out = append(out, f)
		}
	}
	return out
}

// hashValues hashes the values of the fields in the form for formMeta.Orig.
func hashValues(vals map[string]string, fields []formField) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		out[f.block] = fieldHash(vals[f.block])
	}
	return out
}

// firstArg is the first ArgID argument, or "".
func firstArg(inv cmdline.Invocation) string {
	if len(inv.Args) == 0 {
		return ""
	}
	return inv.Args[0]
}

// validateCustomerForms checks the customer and contact forms without
// Syncro: required fields and the email format.
func validateCustomerForms(s commands.Submission, errs commands.FieldErrors) {
	switch s.CallbackID {
	case CallbackCustomerCreate:
		commands.ValidateText(s, BlockCustBusiness, false, 150, "business name", errs)
		// A Residential customer is a person: a first and last name do
		// instead of a business name.
		named := commands.InputText(s, BlockCustFirst) != "" && commands.InputText(s, BlockCustLast) != ""
		if commands.InputText(s, BlockCustBusiness) == "" && !named {
			errs[BlockCustBusiness] = "Please write the business name, or a first and last name for a Residential customer."
		}
		validateEmail(s, BlockCustEmail, errs)
	case CallbackCustomerEdit:
		validateEmail(s, BlockCustEmail, errs)
	case CallbackContactAdd, CallbackContactEdit:
		commands.ValidateText(s, BlockContactName, true, 120, "contact's name", errs)
		validateEmail(s, BlockContactEmail, errs)
	}
}

// validateEmail checks an optional email field's format.
func validateEmail(s commands.Submission, block string, errs commands.FieldErrors) {
	if v := commands.InputText(s, block); v != "" && !emailPattern.MatchString(v) {
		errs[block] = "That doesn't look like an email address (name@example.com)."
	}
}

// submitCustomerForms routes the customer and contact form submissions.
func (c *feature) submitCustomerForms(ctx context.Context, s commands.Submission, _ commands.ModalMeta) commands.Reply {
	var meta formMeta
	if err := json.Unmarshal([]byte(s.PrivateMetadata), &meta); err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("decode form metadata: %w", err), "read that form")
	}
	var r commands.Reply
	switch s.CallbackID {
	case CallbackCustomerCreate:
		r = c.createCustomer(ctx, pendingForm{Callback: s.CallbackID, Meta: meta, Values: formValues(s, customerFields), by: s.Actor}, false)
	case CallbackCustomerEdit:
		r = c.editCustomer(ctx, pendingForm{Callback: s.CallbackID, Meta: meta, Values: formValues(s, customerFields), by: s.Actor})
	case CallbackContactAdd:
		r = c.createContact(ctx, pendingForm{Callback: s.CallbackID, Meta: meta, Values: formValues(s, contactFields), by: s.Actor}, false)
	default:
		r = c.editContact(ctx, pendingForm{Callback: s.CallbackID, Meta: meta, Values: formValues(s, contactFields), by: s.Actor}, false)
	}
	r.ChannelID = meta.Channel
	r.InChannel = false
	return r
}

// ptrIf is &v when v is not empty (create: blank fields are not sent).
func ptrIf(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// formFields copies form values into a request's *string fields: on create
// (orig nil) every non-blank value, on update only the values whose hash
// differs from the form as it was opened. n counts the fields set.
type formFields struct {
	vals, orig map[string]string
	n          int
}

func (f *formFields) set(block string, dst **string) {
	v := f.vals[block]
	if f.orig == nil {
		if *dst = ptrIf(v); *dst != nil {
			f.n++
		}
		return
	}
	// A field missing from orig was not in the form: never sent.
	if h, ok := f.orig[block]; !ok || h == fieldHash(v) {
		return
	}
	*dst = &v
	f.n++
}

// customerRequest builds a create body (all non-blank fields) or, with
// orig set, an update body holding only the fields whose hash changed.
func customerRequest(vals, orig map[string]string) (*syncro.CustomerRequest, int) {
	req := &syncro.CustomerRequest{}
	f := formFields{vals: vals, orig: orig}
	set := f.set
	set(BlockCustBusiness, &req.BusinessName)
	set(BlockCustFirst, &req.Firstname)
	set(BlockCustLast, &req.Lastname)
	set(BlockCustEmail, &req.Email)
	set(BlockCustPhone, &req.Phone)
	set(BlockCustMobile, &req.Mobile)
	set(BlockCustAddress, &req.Address)
	set(BlockCustAddress2, &req.Address2)
	set(BlockCustCity, &req.City)
	set(BlockCustState, &req.State)
	set(BlockCustZip, &req.Zip)
	set(BlockCustNotes, &req.Notes)
	var typ *string
	set(BlockCustType, &typ)
	if typ != nil {
		req.Properties = map[string]string{customerTypeProperty: *typ}
	}
	return req, f.n
}

// similarCustomers finds existing customers with the same email, phone or
// normalized business name as the form.
//
// Syncro calls: up to 3 searches (email filter; name query; the phone's
// last four digits as a query, then compared digit by digit).
func (c *feature) similarCustomers(ctx context.Context, vals map[string]string) ([]syncro.Customer, error) {
	seen := map[int64]bool{}
	var out []syncro.Customer
	add := func(list []syncro.Customer, keep func(*syncro.Customer) bool) {
		for i := range list {
			if !seen[list[i].ID] && keep(&list[i]) {
				seen[list[i].ID] = true
				out = append(out, list[i])
			}
		}
	}
	if e := vals[BlockCustEmail]; e != "" {
		list, _, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Email: e})
		if err != nil {
			return nil, err
		}
		add(list, func(cu *syncro.Customer) bool { return strings.EqualFold(cu.Email, e) })
	}
	if n := NormalizeBusinessName(vals[BlockCustBusiness]); n != "" {
		q := strings.Fields(n)[0]
		list, _, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Query: q})
		if err != nil {
			return nil, err
		}
		add(list, func(cu *syncro.Customer) bool { return NormalizeBusinessName(cu.BusinessName) == n })
	}
	for _, p := range []string{vals[BlockCustPhone], vals[BlockCustMobile]} {
		d := phoneDigits(p)
		if d == "" {
			continue
		}
		list, _, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Query: d[len(d)-4:]})
		if err != nil {
			return nil, err
		}
		add(list, func(cu *syncro.Customer) bool { return phoneDigits(cu.Phone) == d || phoneDigits(cu.Mobile) == d })
	}
	return out, nil
}

// createCustomer creates the customer of a submitted form; unless force, it
// first looks for similar customers and, finding some, asks instead.
func (c *feature) createCustomer(ctx context.Context, p pendingForm, force bool) commands.Reply {
	if !force {
		similar, err := c.similarCustomers(ctx, p.Values)
		if err != nil {
			return c.cfg.Failure(ctx, fmt.Errorf("look for similar customers: %w", err), "check for existing customers, so nothing was created")
		}
		if len(similar) > 0 {
			return similarReply(p, similar)
		}
	}
	req, _ := customerRequest(p.Values, nil)
	cu, _, err := c.cfg.Syncro.Customers.Create(ctx, req)
	c.logWrite(ctx, p.by, "customer create", customerID(cu), err)
	if err != nil {
		return c.formFailure(ctx, err, p, customerFields, "create the customer")
	}
	return commands.Reply{Text: fmt.Sprintf("Created customer %s (ID %d). See it with `%s customer %d`.", slackfmt.MrkdwnText(customerName(cu), 150), cu.ID, cmdline.SlashCommand, cu.ID)}
}

// similarReply lists existing customers like the one being created, with
// "Use this one" per customer and "Create anyway".
func similarReply(p pendingForm, similar []syncro.Customer) commands.Reply {
	name := p.Values[BlockCustBusiness]
	if name == "" { // a Residential customer: the person
		name = strings.TrimSpace(p.Values[BlockCustFirst] + " " + p.Values[BlockCustLast])
	}
	look := "look"
	if len(similar) == 1 {
		look = "looks"
	}
	text := fmt.Sprintf("Nothing created yet: %s already %s like %s.", commands.CountNoun(len(similar), "customer", "customers"), look, slackfmt.MrkdwnText(name, 150))
	blocks := []slack.Block{commands.TextSection(text)}
	for i := range similar {
		if i == customerPickMax {
			break
		}
		cu := &similar[i]
		line := fmt.Sprintf("*%s* (ID %d) · %s", commands.InlineMrkdwn(customerName(cu), commands.MaxCustomerLen), cu.ID, strings.Join(nonEmptyEscaped(cu.Email, cu.Phone, cu.City), " · "))
		blocks = append(blocks, slack.NewSectionBlock(commands.VerbatimMrkdwn(line), nil,
			slack.NewAccessory(slack.NewButtonBlockElement(ActionCustomerShow, strconv.FormatInt(cu.ID, 10), commands.Plain("Use this one")))))
	}
	if v := p.encodeButton(); v != "" {
		blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement(ActionCustomerCreateAnyway, v, commands.Plain("Create anyway"))))
	} else {
		blocks = append(blocks, commands.NoteContext("The form is too long to keep in a button; if it is really a new customer, shorten the notes and submit it again."))
	}
	return commands.Reply{Text: text, Blocks: blocks}
}

// nonEmptyEscaped is nonEmpty with each value made safe for mrkdwn.
func nonEmptyEscaped(ss ...string) []string {
	out := nonEmpty(ss...)
	for i := range out {
		out[i] = commands.InlineMrkdwn(out[i], 120)
	}
	return out
}

// editCustomer sends the changed fields of the edit form.
func (c *feature) editCustomer(ctx context.Context, p pendingForm) commands.Reply {
	req, n := customerRequest(p.Values, p.Meta.Orig)
	if n == 0 {
		return commands.Reply{Text: fmt.Sprintf("Nothing changed on customer %d; nothing was sent.", p.Meta.CustomerID)}
	}
	cu, _, err := c.cfg.Syncro.Customers.Update(ctx, p.Meta.CustomerID, req)
	cu, err = settleUpdate(ctx, c.cfg.Syncro.Customers.Get, p.Meta.CustomerID, req, cu, err)
	c.logWrite(ctx, p.by, "customer edit", p.Meta.CustomerID, err)
	var ue *unconfirmedError
	if errors.As(err, &ue) {
		return commands.Reply{Text: ue.sentence(fmt.Sprintf("customer %d", p.Meta.CustomerID))}
	}
	if err != nil {
		return c.formFailure(ctx, err, p, customerFields, fmt.Sprintf("update customer %d", p.Meta.CustomerID))
	}
	return commands.Reply{Text: fmt.Sprintf("Updated customer %s (ID %d): %s.", slackfmt.MrkdwnText(customerName(cu), 150), cu.ID, commands.CountNoun(n, "field", "fields"))}
}

// fieldForMessage is the block a Syncro validation message is about, or
// "" when it names no field of the form.
func fieldForMessage(msg string, fields []formField) string {
	key := strings.ToLower(strings.NewReplacer(" ", "", "_", "").Replace(msg))
	best, bestLen := "", 0
	for _, f := range fields {
		for _, m := range f.match {
			if strings.HasPrefix(key, m) && len(m) > bestLen {
				best, bestLen = f.block, len(m)
			}
		}
	}
	return best
}

// syncroFieldErrors maps Syncro's validation messages to form blocks;
// messages naming no field go under "".
func syncroFieldErrors(err error, fields []formField) map[string]string {
	var se *syncro.Error
	if !errors.As(err, &se) {
		return nil
	}
	out := map[string]string{}
	for _, m := range se.Messages {
		for _, part := range splitMessages(m) {
			b := fieldForMessage(part, fields)
			if out[b] != "" {
				out[b] += "; "
			}
			out[b] += part
		}
	}
	return out
}

// splitMessages splits the contacts' comma-joined "errors" string
// ("Name can't be blank, Email is not an email") into messages.
func splitMessages(m string) []string {
	var out []string
	for _, p := range strings.Split(m, ", ") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// formFailure answers a failed form write. A validation refusal repeats
// Syncro's words and offers "Fix the form", reopening it prefilled with
// each message under its field; anything else is a plain failure.
func (c *feature) formFailure(ctx context.Context, err error, p pendingForm, fields []formField, doing string) commands.Reply {
	if !errors.Is(err, syncro.ErrValidation) {
		r := c.cfg.Failure(ctx, err, doing)
		r.Text += " Nothing was saved."
		return r
	}
	p.Errors = syncroFieldErrors(err, fields)
	var msgs []string
	for _, f := range fields {
		if m := p.Errors[f.block]; m != "" {
			msgs = append(msgs, f.label+": "+m)
		}
	}
	if m := p.Errors[""]; m != "" {
		msgs = append(msgs, m)
	}
	slices.Sort(msgs)
	text := fmt.Sprintf("Syncro refused to %s, nothing was saved: %s", doing, slackfmt.MrkdwnLiteral(strings.Join(msgs, "; ")))
	blocks := []slack.Block{commands.TextSection(text)}
	if v := p.encodeButton(); v != "" {
		blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement(ActionCustomerFixForm, v, commands.Plain("Fix the form"))))
	}
	return commands.Reply{Text: text, Blocks: blocks}
}

// fixFormClick reopens a refused form prefilled, with Syncro's words under
// the fields. It writes nothing.
func (c *feature) fixFormClick(a commands.Action) commands.Reply {
	p, err := decodePending(a.Value)
	if err != nil {
		return commands.AsModal(commands.Reply{Text: "That button lost its form; please open the form again."}, "Syncro")
	}
	p.Meta.Channel = a.ChannelID
	switch p.Callback {
	case CallbackCustomerCreate:
		return commands.Reply{Modal: buildFormModal(p.Callback, "New customer", "Create", p.Meta, customerFields, p.Values, p.Errors, true)}
	case CallbackCustomerEdit:
		return commands.Reply{Modal: buildFormModal(p.Callback, "Edit customer", "Save", p.Meta, customerFields, p.Values, p.Errors, true)}
	case CallbackContactAdd:
		return commands.Reply{Modal: buildFormModal(p.Callback, "New contact", "Add", p.Meta, contactFields, p.Values, p.Errors, false)}
	case CallbackContactEdit:
		return commands.Reply{Modal: buildFormModal(p.Callback, "Edit contact", "Save", p.Meta, contactFields, p.Values, p.Errors, false)}
	}
	return commands.AsModal(commands.Reply{Text: "That button lost its form; please open the form again."}, "Syncro")
}

// createAnywayClick creates the customer (or contact) held in the button,
// or saves the contact edit, once per click (a double-click writes once).
func (c *feature) createAnywayClick(ctx context.Context, a commands.Action) commands.Reply {
	p, err := decodePending(a.Value)
	p.by = a.Actor
	switch {
	case err == nil && p.Callback == CallbackCustomerCreate:
		return c.cfg.Once(ctx, commands.ClickKey(a), func() commands.Reply { return c.createCustomer(ctx, p, true) }, commands.ClickedTwice)
	case err == nil && p.Callback == CallbackContactAdd:
		return c.cfg.Once(ctx, commands.ClickKey(a), func() commands.Reply { return c.createContact(ctx, p, true) }, commands.ClickedTwice)
	case err == nil && p.Callback == CallbackContactEdit:
		return c.cfg.Once(ctx, commands.ClickKey(a), func() commands.Reply { return c.editContact(ctx, p, true) }, commands.ClickedTwice)
	}
	return commands.Reply{Text: "That button lost its form; open the form again. Nothing was created."}
}
