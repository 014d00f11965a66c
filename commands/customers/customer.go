package customers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/flow"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// Customer and contact data is personal data: every reply of these
// commands is ephemeral (Reply.InChannel stays false), whatever the channel.

// Action ids of the customer and contact buttons, routed by customerAction.
const (
	// ActionCustomerShow shows a customer (value: its id): the "use this
	// one" button of the create form's duplicate warning and pick lists.
	ActionCustomerShow = "syncro_customer_show"
	// ActionCustomerCreateAnyway creates the customer from the submission
	// carried in its value (see pendingCustomer).
	ActionCustomerCreateAnyway = "syncro_customer_create_anyway"
	// ActionCustomerFixForm reopens the create or edit form prefilled from
	// its value, with Syncro's refusal shown under the field it concerns.
	ActionCustomerFixForm = "syncro_customer_fix_form"
	// ActionCustomerMergeConfirm runs a merge (value: "primary:duplicate:mode",
	// mode "delete" or "keep").
	ActionCustomerMergeConfirm = "syncro_customer_merge_confirm"
	// ActionContactDeleteConfirm deletes a contact (value: its id).
	ActionContactDeleteConfirm = "syncro_contact_delete_confirm"
	// ActionCustomerOpenInSyncro is the URL button to the customer in
	// Syncro's web app; its block_actions needs only an empty ack.
	ActionCustomerOpenInSyncro = "customer_open_in_syncro"
)

// Limits of the customer views.
const (
	// customerTicketsShown and customerInvoicesShown bound the detail's
	// recent tickets and invoice history.
	customerTicketsShown  = 10
	customerInvoicesShown = 10
	// customerPickMax caps the pick list a name matching several
	// customers gives.
	customerPickMax = 10
)

// feature answers the customer and contact commands, buttons and
// forms.
type feature struct {
	cfg commands.Deps
	// merges serializes the merges of one duplicate, and the look-up and
	// record of a new merge, across every replica sharing the store.
	merges flow.Locks
}

// registerCustomers adds the customer and contact commands, their buttons,
// forms and the create form's customer search.
func Register(r *commands.Registry, d commands.Deps) {
	c := &feature{cfg: d}
	c.merges.Shared = d.Store
	c.register(r)
}

// register adds c's interactions to r.
func (c *feature) register(r *commands.Registry) {
	always := func(cmdline.Invocation) bool { return true }
	for _, e := range []commands.Slash{
		{Name: cmdline.NameCustomers, Handle: c.customers},
		{Name: cmdline.NameCustomersDuplicate, Handle: c.customersDuplicates},
		{Name: cmdline.NameCustomer, Handle: c.customer},
		{Name: cmdline.NameCustomerCreate, Handle: c.customerCreate, OpensModal: always},
		{Name: cmdline.NameCustomerEdit, Handle: c.customerEdit, OpensModal: always},
		{Name: cmdline.NameCustomerMerge, Handle: c.customerMerge},
		{Name: cmdline.NameContacts, Handle: c.contacts},
		{Name: cmdline.NameContactAdd, Handle: c.contactAdd, OpensModal: always},
		{Name: cmdline.NameContactEdit, Handle: c.contactEdit, OpensModal: always},
		{Name: cmdline.NameContactDelete, Handle: c.contactDelete},
	} {
		r.Slash(e)
	}
	c.registerLinks(r)

	r.Button(commands.Button{ActionID: ActionCustomerMerge, Handle: func(ctx context.Context, a commands.Action) commands.Reply {
		p, d, _, err := ParseMergeButtonValue(a.Value)
		if err != nil {
			return commands.Reply{Text: "That Merge button doesn't say which customers it is for; run `" + cmdline.SlashCommand + " customers duplicates` again."}
		}
		return c.mergePreview(ctx, a.Actor, p, d)
	}})
	r.Button(commands.Button{ActionID: ActionCustomerMergeConfirm, Handle: c.mergeClick})
	r.Button(commands.Button{ActionID: ActionCustomerMergeFinish, Handle: c.finishClick})
	r.Button(commands.Button{ActionID: ActionCustomerMergeAbandon, Handle: c.abandonClick})
	r.OnStart(c.tellUnfinishedMerges)
	r.Button(commands.Button{ActionID: ActionCustomerShow, Handle: func(ctx context.Context, a commands.Action) commands.Reply {
		id, err := strconv.ParseInt(a.Value, 10, 64)
		if err != nil || id <= 0 {
			return commands.Reply{Text: "That button doesn't say which customer it is for."}
		}
		return c.customerDetail(ctx, id)
	}})
	r.Button(commands.Button{ActionID: ActionCustomerCreateAnyway, Handle: c.createAnywayClick})
	r.Button(commands.Button{ActionID: ActionCustomerFixForm, OpensModal: true, Handle: func(_ context.Context, a commands.Action) commands.Reply { return c.fixFormClick(a) }})
	r.Button(commands.Button{ActionID: ActionContactDeleteConfirm, Handle: c.contactDeleteClick})
	r.Button(commands.Button{ActionID: ActionCustomerOpenInSyncro, Link: true})

	for _, id := range []string{CallbackCustomerCreate, CallbackCustomerEdit, CallbackContactAdd, CallbackContactEdit} {
		r.Modal(commands.Modal{CallbackID: id, Validate: validateCustomerForms, Submit: c.submitCustomerForms})
	}
	r.ExternalSelect(commands.ExternalSelect{ActionID: commands.ActionCustomerSearch, Options: c.suggest})
}

// resolveCustomer finds the customer a tech named by id or name. A name
// matching several customers returns them as a pick list reply instead.
func (c *feature) resolveCustomer(ctx context.Context, text string) (*syncro.Customer, *commands.Reply) {
	text = strings.Join(strings.Fields(text), " ")
	if id, err := strconv.ParseInt(strings.TrimPrefix(text, "#"), 10, 64); err == nil && id > 0 {
		cu, _, err := c.cfg.Syncro.Customers.Get(ctx, id)
		if errors.Is(err, syncro.ErrNotFound) {
			return nil, &commands.Reply{Text: fmt.Sprintf("No customer with ID %d in Syncro.", id)}
		}
		if err != nil {
			r := c.cfg.Failure(ctx, fmt.Errorf("get customer %d: %w", id, err), fmt.Sprintf("read customer %d", id))
			return nil, &r
		}
		return cu, nil
	}
	found, _, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Query: text})
	if err != nil {
		r := c.cfg.Failure(ctx, fmt.Errorf("find customer %q: %w", text, err), "find that customer")
		return nil, &r
	}
	// An exact name (ignoring case and suffixes) wins over looser matches.
	var exact []syncro.Customer
	for _, cu := range found {
		if strings.EqualFold(customerName(&cu), text) || NormalizeBusinessName(cu.BusinessName) == NormalizeBusinessName(text) && cu.BusinessName != "" {
			exact = append(exact, cu)
		}
	}
	if len(exact) == 1 {
		found = exact
	}
	switch len(found) {
	case 0:
		return nil, &commands.Reply{Text: "No customer matches “" + slackfmt.EscapeMrkdwn(text) + "”."}
	case 1:
		return &found[0], nil
	}
	r := customerPickList(text, found)
	return nil, &r
}

// customerPickList is the short list a name matching several customers
// gives, each with a Show button.
func customerPickList(text string, found []syncro.Customer) commands.Reply {
	title := fmt.Sprintf("%s match “%s”; pick one:", commands.CountNoun(len(found), "customer", "customers"), slackfmt.EscapeMrkdwn(text))
	blocks := []slack.Block{commands.TextSection(title)}
	for i := range found {
		if i == customerPickMax {
			blocks = append(blocks, commands.NoteContext(fmt.Sprintf("…and %d more; type more of the name or the ID.", len(found)-customerPickMax)))
			break
		}
		cu := &found[i]
		line := fmt.Sprintf("*%s* (ID %d)", commands.InlineMrkdwn(customerName(cu), commands.MaxCustomerLen), cu.ID)
		if cu.City != "" {
			line += " · " + commands.InlineMrkdwn(cu.City, 60)
		}
		blocks = append(blocks, slack.NewSectionBlock(commands.VerbatimMrkdwn(line), nil,
			slack.NewAccessory(slack.NewButtonBlockElement(ActionCustomerShow, strconv.FormatInt(cu.ID, 10), commands.Plain("Show")))))
	}
	return commands.Reply{Text: title, Blocks: blocks}
}

// customer answers "customer ID-or-name" with the customer's detail.
//
// Syncro calls: 1 (detail) by id; 1 more (search) by name.
func (c *feature) customer(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	cu, reply := c.resolveCustomer(ctx, inv.Text)
	if reply != nil {
		return *reply
	}
	if cu.TicketLinks == nil && cu.InvoiceLinks == nil {
		// Found by name: the list item lacks the detail's links.
		return c.customerDetail(ctx, cu.ID)
	}
	return renderCustomerDetail(cu, c.cfg.WebURL, c.cfg.Account.Currency())
}

// customerDetail reads and renders one customer.
func (c *feature) customerDetail(ctx context.Context, id int64) commands.Reply {
	cu, _, err := c.cfg.Syncro.Customers.Get(ctx, id)
	if errors.Is(err, syncro.ErrNotFound) {
		return commands.Reply{Text: fmt.Sprintf("No customer with ID %d in Syncro.", id)}
	}
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("get customer %d: %w", id, err), fmt.Sprintf("read customer %d", id))
	}
	return renderCustomerDetail(cu, c.cfg.WebURL, c.cfg.Account.Currency())
}

// customerType is the customer's "Customer Type" property (see
// customerTypeProperty), "" when unset.
func customerType(cu *syncro.Customer) string {
	if v, ok := cu.Properties[customerTypeProperty]; ok {
		return strings.TrimSpace(fmt.Sprint(v))
	}
	return ""
}

// renderCustomerDetail renders the detail: business info, contacts,
// recent tickets and invoice history, all from the one detail response
// (ticket_links, invoice_links), never one call per item.
func renderCustomerDetail(cu *syncro.Customer, webURL string, cur account.Currency) commands.Reply {
	name := customerName(cu)
	title := fmt.Sprintf("%s (customer %d)", name, cu.ID)
	var info []*slack.TextBlockObject
	field := func(label, value string) {
		if strings.TrimSpace(value) != "" && len(info) < slackfmt.MaxSectionFields {
			info = append(info, commands.Mrkdwn("*"+label+"*\n"+slackfmt.MrkdwnText(value, 500)))
		}
	}
	person := strings.TrimSpace(cu.Firstname + " " + cu.Lastname)
	if person != name {
		field("Person", person)
	}
	addr := strings.Join(nonEmpty(cu.Address, cu.Address2, strings.Join(nonEmpty(cu.City, strings.TrimSpace(cu.State+" "+cu.Zip)), ", ")), "\n")
	field("Address", addr)
	field("Phone", strings.Join(nonEmpty(cu.Phone, cu.Mobile), " · "))
	field("Email", cu.Email)
	field("Type", customerType(cu))
	if cu.Disabled {
		field("Status", "Disabled")
	}
	blocks := []slack.Block{slack.NewHeaderBlock(commands.BoundedPlain(title, slackfmt.MaxHeaderText))}
	if len(info) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(nil, info, nil))
	}
	if n := strings.TrimSpace(cu.Notes); n != "" {
		blocks = append(blocks, commands.TextSection("*Notes*\n"+slackfmt.MrkdwnText(n, 1000)))
	}

	var contacts []string
	for i := range cu.Contacts {
		contacts = append(contacts, contactLine(&cu.Contacts[i]))
	}
	if len(contacts) == 0 {
		contacts = []string{"No contacts."}
	}
	blocks = append(blocks, commands.TextSection("*Contacts*\n"+strings.Join(contacts, "\n")))

	var tickets []string
	for i, t := range cu.TicketLinks {
		if i == customerTicketsShown {
			tickets = append(tickets, fmt.Sprintf("…and %d older.", len(cu.TicketLinks)-customerTicketsShown))
			break
		}
		tickets = append(tickets, fmt.Sprintf("#%s · %s · %s", slackfmt.MrkdwnLiteral(t.Number.String()), commands.InlineMrkdwn(commands.DashIfBlank(t.Status), 40), commands.InlineMrkdwn(commands.DashIfBlank(t.Subject), 120)))
	}
	if len(tickets) == 0 {
		tickets = []string{"No tickets."}
	}
	blocks = append(blocks, commands.TextSection("*Recent tickets*\n"+strings.Join(tickets, "\n")))

	var invoices []string
	for i, inv := range cu.InvoiceLinks {
		if i == customerInvoicesShown {
			invoices = append(invoices, fmt.Sprintf("…and %d older.", len(cu.InvoiceLinks)-customerInvoicesShown))
			break
		}
		paid := "unpaid"
		if inv.TookPayment {
			paid = "paid"
		}
		date := "-"
		if !inv.Date.Time.IsZero() {
			date = inv.Date.Time.Format("2006-01-02")
		}
		invoices = append(invoices, fmt.Sprintf("#%s · %s · %s · %s", slackfmt.MrkdwnLiteral(inv.Number.String()), date, cur.Mrkdwn(inv.Total), paid))
	}
	if len(invoices) == 0 {
		invoices = []string{"No invoices."}
	}
	blocks = append(blocks, commands.TextSection("*Invoices*\n"+strings.Join(invoices, "\n")))
	if u := syncro.CustomerURL(webURL, cu.ID); u != "" {
		blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement(ActionCustomerOpenInSyncro, "", commands.Plain("Open in Syncro")).WithURL(u)))
	}
	return commands.Reply{Text: slackfmt.MrkdwnLiteral(title), Blocks: blocks}
}

// nonEmpty keeps the non-blank strings, trimmed.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// contactTitle is the contact's title, kept by Syncro in properties.title.
func contactTitle(ct *syncro.Contact) string {
	if v, ok := ct.Properties["title"]; ok && v != nil {
		return strings.TrimSpace(fmt.Sprint(v))
	}
	return ""
}

// contactLine is one contact: name (ID), title, email, phone.
func contactLine(ct *syncro.Contact) string {
	parts := []string{fmt.Sprintf("*%s* (ID %d)", commands.InlineMrkdwn(commands.DashIfBlank(ct.Name), commands.MaxNameLen), ct.ID)}
	for _, v := range nonEmpty(contactTitle(ct), ct.Email, strings.Join(nonEmpty(ct.Phone, ct.Mobile), " / ")) {
		parts = append(parts, commands.InlineMrkdwn(v, 120))
	}
	return strings.Join(parts, " · ")
}

// contacts answers "contacts CUSTOMER": the customer's contacts with title,
// email and phone.
//
// Syncro calls: customer lookup (1–2), then the contacts listing.
func (c *feature) contacts(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	cu, reply := c.resolveCustomer(ctx, inv.Text)
	if reply != nil {
		return *reply
	}
	list, err := syncro.Collect(c.cfg.Syncro.Contacts.All(ctx, &syncro.ContactListOptions{CustomerID: cu.ID}))
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("list contacts of %d: %w", cu.ID, err), "list the contacts")
	}
	title := fmt.Sprintf("%s of %s (customer %d)", commands.CountNoun(len(list), "contact", "contacts"), customerName(cu), cu.ID)
	if len(list) == 0 {
		return commands.Reply{Text: slackfmt.EscapeMrkdwn(title) + ". Add one with `" + cmdline.SlashCommand + " contact add " + strconv.FormatInt(cu.ID, 10) + "`."}
	}
	lines := make([]string, len(list))
	for i := range list {
		lines[i] = contactLine(&list[i])
	}
	return commands.SplitReply(title, "", commands.PackLines(lines, "\n"))
}

// customers lists customers matching the words with their open tickets;
// without words, the channel's linked customer.
func (c *feature) customers(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	words := strings.Join(strings.Fields(inv.Text), " ")
	if words == "" {
		if l, ok := c.cfg.ChannelLink(ctx, r.ChannelID); ok {
			return c.customerDetail(ctx, l.CustomerID)
		}
		return commands.Reply{Text: "Type some words of the customer's name, email or phone: " + cmdline.Code(cmdline.SlashCommand+" customers acme") + ". In a channel linked to a customer, " + cmdline.Code(cmdline.SlashCommand+" customers") + " alone shows that customer."}
	}
	found, resp, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Query: words})
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("search customers: %w", err), "search the customers")
	}
	if len(found) == 0 {
		return commands.Reply{Text: "No customers match “" + slackfmt.EscapeMrkdwn(words) + "”."}
	}
	total := len(found)
	if resp != nil && resp.Meta != nil && resp.Meta.TotalEntries > total {
		total = resp.Meta.TotalEntries
	}
	// One listing of open tickets, counted per customer, instead of one
	// call per customer.
	open := map[int64]int{}
	tickets, note, err := c.cfg.OpenTickets(ctx, nil, &syncro.TicketListOptions{})
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("count open tickets: %w", err), "search the customers")
	}
	for _, t := range tickets {
		open[t.CustomerID]++
	}
	return renderCustomers(words, found, total, open, note)
}

// customerSummary is one customer of a search: name and open tickets, then
// main contact, email and phone.
func customerSummary(c *syncro.Customer, open int) string {
	name := c.BusinessThenName
	if name == "" {
		name = strings.TrimSpace(c.Fullname)
	}
	head := "*" + commands.InlineMrkdwn(commands.DashIfBlank(name), commands.MaxCustomerLen) + "* · " + commands.CountNoun(open, "open ticket", "open tickets")
	var parts []string
	contact := ""
	if c.BusinessName != "" {
		contact = strings.TrimSpace(c.Fullname)
	}
	if contact == "" && len(c.Contacts) > 0 && c.Contacts[0].Name != name {
		contact = c.Contacts[0].Name
	}
	if contact != "" {
		parts = append(parts, commands.InlineMrkdwn(contact, commands.MaxNameLen))
	}
	if c.Email != "" {
		parts = append(parts, commands.InlineMrkdwn(c.Email, 120))
	}
	phone := c.Phone
	if phone == "" {
		phone = c.Mobile
	}
	if phone != "" {
		parts = append(parts, commands.InlineMrkdwn(phone, 40))
	}
	if len(parts) == 0 {
		return head + "\nNo contact details."
	}
	return head + "\n" + strings.Join(parts, " · ")
}

// renderCustomers lists customers found by a search with their open
// ticket counts (open maps customer id to count). total is how many
// matched in Syncro, which may exceed those given.
func renderCustomers(query string, customers []syncro.Customer, total int, open map[int64]int, stale string) commands.Reply {
	title := fmt.Sprintf("%s matching “%s”", commands.CountNoun(total, "customer", "customers"), strings.Join(strings.Fields(query), " "))
	note := stale
	if len(customers) > maxCustomersShown {
		customers = customers[:maxCustomersShown]
	}
	if len(customers) < total {
		note = strings.TrimSpace(fmt.Sprintf("Showing the first %d; add words to narrow it down. %s", len(customers), stale))
	}
	entries := make([]string, len(customers))
	for i := range customers {
		entries[i] = customerSummary(&customers[i], open[customers[i].ID])
	}
	return commands.SplitReply(title, note, commands.PackLines(entries, "\n\n"))
}

// maxCustomersShown caps a customer search; it is for finding one
// customer, and more than this means the words were too vague.
const maxCustomersShown = 30

// logWrite is the log line of a customer or contact write, like the ticket
// side's audit line: who asked, what was written to which record (a
// customer, contact or ticket id), and how it went.
func (c *feature) logWrite(ctx context.Context, by commands.Actor, action string, id int64, err error) {
	outcome := "ok"
	switch {
	case errors.Is(err, syncro.ErrOutcomeUnknown):
		outcome = "unknown"
	case err != nil:
		outcome = "failed"
	}
	c.cfg.Logger.InfoContext(ctx, "syncro write", "action", action, "id", id, "outcome", outcome,
		"slack_user", by.SlackUserID, "err", err)
}

// customerID is cu's id, or 0 when Syncro gave none.
func customerID(cu *syncro.Customer) int64 {
	if cu == nil {
		return 0
	}
	return cu.ID
}

// contactID is ct's id, or 0 when Syncro gave none.
func contactID(ct *syncro.Contact) int64 {
	if ct == nil {
		return 0
	}
	return ct.ID
}
