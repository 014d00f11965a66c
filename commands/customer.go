package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

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

// addCustomerCommands registers the customer and contact handlers; New
// calls it so commands.go holds one line for this whole area.
func (c *Commands) addCustomerCommands() {
	for name, h := range map[string]slashHandler{
		NameCustomersDuplicate: c.customersDuplicates,
		NameCustomer:           c.customer,
		NameCustomerCreate:     c.customerCreate,
		NameCustomerEdit:       c.customerEdit,
		NameCustomerMerge:      c.customerMerge,
		NameContacts:           c.contacts,
		NameContactAdd:         c.contactAdd,
		NameContactEdit:        c.contactEdit,
		NameContactDelete:      c.contactDelete,
	} {
		c.slash[name] = h
	}
}

// customerAction answers the customer and contact buttons; ok is false for
// any other button, which the write side's action handles.
func (c *Commands) customerAction(ctx context.Context, a Action) (Reply, bool) {
	switch a.ActionID {
	case ActionCustomerMerge:
		p, d, _, err := ParseMergeButtonValue(a.Value)
		if err != nil {
			return Reply{Text: "That Merge button doesn't say which customers it is for; run `" + SlashCommand + " customers duplicates` again."}, true
		}
		return c.mergePreview(ctx, a.Actor, p, d), true
	case ActionCustomerMergeConfirm:
		return c.mergeClick(ctx, a), true
	case ActionCustomerShow:
		id, err := strconv.ParseInt(a.Value, 10, 64)
		if err != nil || id <= 0 {
			return Reply{Text: "That button doesn't say which customer it is for."}, true
		}
		return c.customerDetail(ctx, id), true
	case ActionCustomerCreateAnyway:
		return c.createAnywayClick(ctx, a), true
	case ActionCustomerFixForm:
		return c.fixFormClick(a), true
	case ActionContactDeleteConfirm:
		return c.contactDeleteClick(ctx, a), true
	}
	return Reply{}, false
}

// resolveCustomer finds the customer a tech named by id or name. A name
// matching several customers returns them as a pick list reply instead.
func (c *Commands) resolveCustomer(ctx context.Context, text string) (*syncro.Customer, *Reply) {
	text = strings.Join(strings.Fields(text), " ")
	if id, err := strconv.ParseInt(strings.TrimPrefix(text, "#"), 10, 64); err == nil && id > 0 {
		cu, _, err := c.cfg.Syncro.Customers.Get(ctx, id)
		if errors.Is(err, syncro.ErrNotFound) {
			return nil, &Reply{Text: fmt.Sprintf("No customer with ID %d in Syncro.", id)}
		}
		if err != nil {
			r := c.failure(ctx, fmt.Errorf("get customer %d: %w", id, err), fmt.Sprintf("read customer %d", id))
			return nil, &r
		}
		return cu, nil
	}
	found, _, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Query: text})
	if err != nil {
		r := c.failure(ctx, fmt.Errorf("find customer %q: %w", text, err), "find that customer")
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
		return nil, &Reply{Text: "No customer matches “" + slackfmt.EscapeMrkdwn(text) + "”."}
	case 1:
		return &found[0], nil
	}
	r := customerPickList(text, found)
	return nil, &r
}

// customerPickList is the short list a name matching several customers
// gives, each with a Show button.
func customerPickList(text string, found []syncro.Customer) Reply {
	title := fmt.Sprintf("%s match “%s”; pick one:", countNoun(len(found), "customer", "customers"), slackfmt.EscapeMrkdwn(text))
	blocks := []slack.Block{textSection(title)}
	for i := range found {
		if i == customerPickMax {
			blocks = append(blocks, noteContext(fmt.Sprintf("…and %d more; type more of the name or the ID.", len(found)-customerPickMax)))
			break
		}
		cu := &found[i]
		line := fmt.Sprintf("*%s* (ID %d)", inlineMrkdwn(customerName(cu), maxCustomerLen), cu.ID)
		if cu.City != "" {
			line += " · " + inlineMrkdwn(cu.City, 60)
		}
		blocks = append(blocks, slack.NewSectionBlock(verbatimMrkdwn(line), nil,
			slack.NewAccessory(slack.NewButtonBlockElement(ActionCustomerShow, strconv.FormatInt(cu.ID, 10), plain("Show")))))
	}
	return Reply{Text: title, Blocks: blocks}
}

// customer answers "customer ID-or-name" with the customer's detail.
//
// Syncro calls: 1 (detail) by id; 1 more (search) by name.
func (c *Commands) customer(ctx context.Context, r Request, inv Invocation) Reply {
	cu, reply := c.resolveCustomer(ctx, inv.Text)
	if reply != nil {
		return *reply
	}
	if cu.TicketLinks == nil && cu.InvoiceLinks == nil {
		// Found by name: the list item lacks the detail's links.
		return c.customerDetail(ctx, cu.ID)
	}
	return renderCustomerDetail(cu, c.cfg.WebURL)
}

// customerDetail reads and renders one customer.
func (c *Commands) customerDetail(ctx context.Context, id int64) Reply {
	cu, _, err := c.cfg.Syncro.Customers.Get(ctx, id)
	if errors.Is(err, syncro.ErrNotFound) {
		return Reply{Text: fmt.Sprintf("No customer with ID %d in Syncro.", id)}
	}
	if err != nil {
		return c.failure(ctx, fmt.Errorf("get customer %d: %w", id, err), fmt.Sprintf("read customer %d", id))
	}
	return renderCustomerDetail(cu, c.cfg.WebURL)
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
func renderCustomerDetail(cu *syncro.Customer, webURL string) Reply {
	name := customerName(cu)
	title := fmt.Sprintf("%s (customer %d)", name, cu.ID)
	var info []*slack.TextBlockObject
	field := func(label, value string) {
		if strings.TrimSpace(value) != "" && len(info) < slackfmt.MaxSectionFields {
			info = append(info, mrkdwn("*"+label+"*\n"+slackfmt.MrkdwnText(value, 500)))
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
	blocks := []slack.Block{slack.NewHeaderBlock(boundedPlain(title, slackfmt.MaxHeaderText))}
	if len(info) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(nil, info, nil))
	}
	if n := strings.TrimSpace(cu.Notes); n != "" {
		blocks = append(blocks, textSection("*Notes*\n"+slackfmt.MrkdwnText(n, 1000)))
	}
	// The client does not read referred_by or tax_rate_id, and the detail
	// has no asset list: said plainly rather than left out silently.
	blocks = append(blocks, noteContext("Referral source and tax rate: not read by this bot. Assets: not exposed by Syncro's customer detail."))

	var contacts []string
	for i := range cu.Contacts {
		contacts = append(contacts, contactLine(&cu.Contacts[i]))
	}
	if len(contacts) == 0 {
		contacts = []string{"No contacts."}
	}
	blocks = append(blocks, textSection("*Contacts*\n"+strings.Join(contacts, "\n")))

	var tickets []string
	for i, t := range cu.TicketLinks {
		if i == customerTicketsShown {
			tickets = append(tickets, fmt.Sprintf("…and %d older.", len(cu.TicketLinks)-customerTicketsShown))
			break
		}
		tickets = append(tickets, fmt.Sprintf("#%s · %s · %s", slackfmt.EscapeMrkdwn(t.Number.String()), inlineMrkdwn(dashIfBlank(t.Status), 40), inlineMrkdwn(dashIfBlank(t.Subject), 120)))
	}
	if len(tickets) == 0 {
		tickets = []string{"No tickets."}
	}
	blocks = append(blocks, textSection("*Recent tickets*\n"+strings.Join(tickets, "\n")))

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
		invoices = append(invoices, fmt.Sprintf("#%s · %s · $%s · %s", slackfmt.EscapeMrkdwn(inv.Number.String()), date, slackfmt.EscapeMrkdwn(inv.Total.String()), paid))
	}
	if len(invoices) == 0 {
		invoices = []string{"No invoices."}
	}
	blocks = append(blocks, textSection("*Invoices*\n"+strings.Join(invoices, "\n")))
	if u := syncro.CustomerURL(webURL, cu.ID); u != "" {
		blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement("", "", plain("Open in Syncro")).WithURL(u)))
	}
	return Reply{Text: slackfmt.EscapeMrkdwn(title), Blocks: blocks}
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
	parts := []string{fmt.Sprintf("*%s* (ID %d)", inlineMrkdwn(dashIfBlank(ct.Name), maxNameLen), ct.ID)}
	for _, v := range nonEmpty(contactTitle(ct), ct.Email, strings.Join(nonEmpty(ct.Phone, ct.Mobile), " / ")) {
		parts = append(parts, inlineMrkdwn(v, 120))
	}
	return strings.Join(parts, " · ")
}

// contacts answers "contacts CUSTOMER": the customer's contacts with title,
// email and phone.
//
// Syncro calls: customer lookup (1–2), then the contacts listing.
func (c *Commands) contacts(ctx context.Context, r Request, inv Invocation) Reply {
	cu, reply := c.resolveCustomer(ctx, inv.Text)
	if reply != nil {
		return *reply
	}
	list, err := syncro.Collect(c.cfg.Syncro.Contacts.All(ctx, &syncro.ContactListOptions{CustomerID: cu.ID}))
	if err != nil {
		return c.failure(ctx, fmt.Errorf("list contacts of %d: %w", cu.ID, err), "list the contacts")
	}
	title := fmt.Sprintf("%s of %s (customer %d)", countNoun(len(list), "contact", "contacts"), customerName(cu), cu.ID)
	if len(list) == 0 {
		return Reply{Text: slackfmt.EscapeMrkdwn(title) + ". Add one with `" + SlashCommand + " contact add " + strconv.FormatInt(cu.ID, 10) + "`."}
	}
	lines := make([]string, len(list))
	for i := range list {
		lines[i] = contactLine(&list[i])
	}
	return splitReply(title, "", packLines(lines, "\n"))
}
