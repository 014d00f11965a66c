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

// notAdminReply answers a delete or merge asked by someone not in
// ADMIN_USERS: those are the writes that cannot be undone.
var notAdminReply = Reply{Text: "Only admins can delete contacts or merge customers. Ask whoever runs the bot to add you to ADMIN_USERS."}

// contactAdd opens the new-contact form for a customer.
//
// Syncro calls: the customer lookup (1–2).
func (c *Commands) contactAdd(ctx context.Context, r Request, inv Invocation) Reply {
	cu, reply := c.resolveCustomer(ctx, inv.Text)
	if reply != nil {
		return asModal(*reply, "New contact")
	}
	meta := formMeta{Channel: r.ChannelID, CustomerID: cu.ID}
	v := buildFormModal(CallbackContactAdd, "New contact", "Add", meta, contactFields, nil, nil, false)
	v.Blocks.BlockSet = append([]slack.Block{noteContext(fmt.Sprintf("Adding a contact to *%s* (customer %d).", inlineMrkdwn(customerName(cu), maxCustomerLen), cu.ID))}, v.Blocks.BlockSet...)
	return Reply{Modal: v}
}

// contactValues are a contact's current values by block id.
func contactValues(ct *syncro.Contact) map[string]string {
	return map[string]string{
		BlockContactName: ct.Name, BlockContactEmail: ct.Email, BlockContactPhone: ct.Phone,
		BlockContactMobile: ct.Mobile, BlockContactTitle: contactTitle(ct), BlockContactNotes: ct.Notes,
	}
}

// getContact reads a contact, turning "not found" into a sentence.
func (c *Commands) getContact(ctx context.Context, id int64) (*syncro.Contact, *Reply) {
	ct, _, err := c.cfg.Syncro.Contacts.Get(ctx, id)
	if errors.Is(err, syncro.ErrNotFound) {
		return nil, &Reply{Text: fmt.Sprintf("No contact with ID %d in Syncro.", id)}
	}
	if err != nil {
		r := c.failure(ctx, fmt.Errorf("get contact %d: %w", id, err), fmt.Sprintf("read contact %d", id))
		return nil, &r
	}
	return ct, nil
}

// contactEdit opens the edit form prefilled with the contact's values.
//
// Syncro calls: 1.
func (c *Commands) contactEdit(ctx context.Context, r Request, inv Invocation) Reply {
	id, _ := strconv.ParseInt(firstArg(inv), 10, 64)
	ct, reply := c.getContact(ctx, id)
	if reply != nil {
		return asModal(*reply, "Edit contact")
	}
	vals := contactValues(ct)
	fields := editableFields(contactFields, vals)
	meta := formMeta{Channel: r.ChannelID, CustomerID: ct.CustomerID, ContactID: ct.ID, Orig: hashValues(vals, fields)}
	return Reply{Modal: buildFormModal(CallbackContactEdit, "Edit contact", "Save", meta, fields, vals, nil, false)}
}

// contactRequest builds a contact body like customerRequest. Name is
// always sent on update: Syncro's reference marks it required on PUT.
func contactRequest(vals, orig map[string]string) (*syncro.ContactRequest, int) {
	req := &syncro.ContactRequest{}
	f := formFields{vals: vals, orig: orig}
	set := f.set
	set(BlockContactName, &req.Name)
	set(BlockContactEmail, &req.Email)
	set(BlockContactPhone, &req.Phone)
	set(BlockContactMobile, &req.Mobile)
	set(BlockContactNotes, &req.Notes)
	set(BlockContactTitle, &req.Title)
	if orig != nil && req.Name == nil && f.n > 0 {
		name := vals[BlockContactName]
		req.Name = &name
	}
	return req, f.n
}

// contactsWithEmail lists contacts at any customer with this email (one
// contacts listing, all pages; the email filter is unconfirmed, §4.7).
func (c *Commands) contactsWithEmail(ctx context.Context, email string, except int64) ([]syncro.Contact, error) {
	var out []syncro.Contact
	for ct, err := range c.cfg.Syncro.Contacts.All(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if ct.ID != except && strings.EqualFold(strings.TrimSpace(ct.Email), email) {
			out = append(out, ct)
		}
	}
	return out, nil
}

// createContact adds the contact of a submitted form. Unless force, a
// contact with the same email at any customer stops it with a warning and
// an "Add anyway" button. Syncro takes title only on update, so a title is
// set with a second call.
func (c *Commands) createContact(ctx context.Context, p pendingForm, force bool) Reply {
	if e := p.Values[BlockContactEmail]; e != "" && !force {
		same, err := c.contactsWithEmail(ctx, e, 0)
		if err != nil {
			return c.failure(ctx, fmt.Errorf("look for contacts with %s: %w", e, err), "check for existing contacts, so nothing was added")
		}
		if len(same) > 0 {
			var lines []string
			for i := range same {
				lines = append(lines, fmt.Sprintf("%s at customer %d", contactLine(&same[i]), same[i].CustomerID))
			}
			text := "Nothing added yet: a contact with " + slackfmt.MrkdwnText(e, 150) + " already exists:\n" + strings.Join(lines, "\n")
			blocks := []slack.Block{textSection(text)}
			if v := p.encodeButton(); v != "" {
				blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement(ActionCustomerCreateAnyway, v, plain("Add anyway"))))
			}
			return Reply{Text: text, Blocks: blocks}
		}
	}
	req, _ := contactRequest(p.Values, nil)
	title := req.Title
	req.Title = nil
	cid := p.Meta.CustomerID
	req.CustomerID = &cid
	ct, _, err := c.cfg.Syncro.Contacts.Create(ctx, req)
	if err != nil {
		return c.formFailure(ctx, err, p, contactFields, "add the contact")
	}
	text := fmt.Sprintf("Added contact %s (ID %d) to customer %d.", slackfmt.MrkdwnText(ct.Name, 120), ct.ID, cid)
	if title != nil {
		name := ct.Name
		if _, _, err := c.cfg.Syncro.Contacts.Update(ctx, ct.ID, &syncro.ContactRequest{Name: &name, Title: title}); err != nil {
			text += fmt.Sprintf(" The title wasn't saved (%s); set it with `%s contact edit %d`.", syncroAnswer(err), SlashCommand, ct.ID)
		}
	}
	return Reply{Text: text}
}

// editContact sends the changed fields of the contact edit form.
func (c *Commands) editContact(ctx context.Context, p pendingForm) Reply {
	req, n := contactRequest(p.Values, p.Meta.Orig)
	if n == 0 {
		return Reply{Text: fmt.Sprintf("Nothing changed on contact %d; nothing was sent.", p.Meta.ContactID)}
	}
	ct, _, err := c.cfg.Syncro.Contacts.Update(ctx, p.Meta.ContactID, req)
	if err != nil {
		return c.formFailure(ctx, err, p, contactFields, fmt.Sprintf("update contact %d", p.Meta.ContactID))
	}
	return Reply{Text: fmt.Sprintf("Updated contact %s (ID %d): %s.", slackfmt.MrkdwnText(ct.Name, 120), ct.ID, countNoun(n, "field", "fields"))}
}

// contactDelete asks before deleting a contact, naming the open tickets
// that reference it (Syncro would leave them pointing at nobody).
//
// Syncro calls: 1 (contact) + the open tickets listing for it.
func (c *Commands) contactDelete(ctx context.Context, r Request, inv Invocation) Reply {
	if !r.Actor.CanAdmin {
		return notAdminReply
	}
	id, _ := strconv.ParseInt(firstArg(inv), 10, 64)
	ct, reply := c.getContact(ctx, id)
	if reply != nil {
		return *reply
	}
	open, err := syncro.Collect(c.cfg.Syncro.Tickets.All(ctx, &syncro.TicketListOptions{ContactID: id, Status: syncro.StatusNotClosed}))
	if err != nil {
		return c.failure(ctx, fmt.Errorf("open tickets of contact %d: %w", id, err), "check the contact's open tickets, so nothing was deleted")
	}
	text := fmt.Sprintf("Delete contact %s (ID %d) of customer %d?", slackfmt.MrkdwnText(ct.Name, 120), ct.ID, ct.CustomerID)
	confirmText := "The contact is deleted from Syncro for good."
	if len(open) == 0 {
		text += " No open tickets reference it."
	} else {
		var lines []string
		for i := range open {
			if i == 10 {
				lines = append(lines, fmt.Sprintf("…and %d more", len(open)-10))
				break
			}
			lines = append(lines, ticketLine(&open[i]))
		}
		text += fmt.Sprintf("\n:warning: %s reference it and would be left without a contact:\n%s", countNoun(len(open), "open ticket", "open tickets"), strings.Join(lines, "\n"))
		confirmText = fmt.Sprintf("%s will lose their contact. The contact is deleted from Syncro for good.", countNoun(len(open), "open ticket", "open tickets"))
	}
	btn := slack.NewButtonBlockElement(ActionContactDeleteConfirm, strconv.FormatInt(ct.ID, 10), plain("Delete contact"))
	btn.Style = slack.StyleDanger
	btn.Confirm = slack.NewConfirmationBlockObject(plain("Delete "+slackfmt.PlainText(ct.Name, 60)+"?"), plain(slackfmt.Truncate(confirmText, slackfmt.MaxConfirmText)), plain("Delete"), plain("Keep it"))
	btn.Confirm.Style = slack.StyleDanger
	return Reply{Text: text, Blocks: []slack.Block{textSection(text), slack.NewActionBlock("", btn)}}
}

// contactDeleteClick deletes the contact once the admin confirmed.
func (c *Commands) contactDeleteClick(ctx context.Context, a Action) Reply {
	if !a.Actor.CanAdmin {
		return notAdminReply
	}
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil || id <= 0 {
		return Reply{Text: "That button doesn't say which contact it is for; nothing was deleted."}
	}
	return c.once(ctx, clickKey(a), func() Reply {
		if _, err := c.cfg.Syncro.Contacts.Delete(ctx, id); err != nil {
			if errors.Is(err, syncro.ErrNotFound) {
				return Reply{Text: fmt.Sprintf("Contact %d is already gone from Syncro.", id)}
			}
			return c.failure(ctx, fmt.Errorf("delete contact %d: %w", id, err), fmt.Sprintf("delete contact %d", id))
		}
		return Reply{Text: fmt.Sprintf("Deleted contact %d.", id)}
	}, clickedTwice)
}
