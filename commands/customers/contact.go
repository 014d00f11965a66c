package customers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// notAdminReply answers a delete or merge asked by someone not in
// ADMIN_USERS: those are the writes that cannot be undone.
var notAdminReply = commands.Reply{Text: "Only admins can delete contacts or merge customers. Ask whoever runs the bot to add you to ADMIN_USERS."}

// contactAdd opens the new-contact form for a customer.
//
// Syncro calls: the customer lookup (1–2).
func (c *feature) contactAdd(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	cu, reply := c.resolveCustomer(ctx, inv.Text)
	if reply != nil {
		return commands.AsModal(*reply, "New contact")
	}
	meta := formMeta{Channel: r.ChannelID, CustomerID: cu.ID}
	v := buildFormModal(CallbackContactAdd, "New contact", "Add", meta, contactFields, nil, nil, false)
	v.Blocks.BlockSet = append([]slack.Block{commands.NoteContext(fmt.Sprintf("Adding a contact to *%s* (customer %d).", commands.InlineMrkdwn(customerName(cu), commands.MaxCustomerLen), cu.ID))}, v.Blocks.BlockSet...)
	return commands.Reply{Modal: v}
}

// contactValues are a contact's current values by block id.
func contactValues(ct *syncro.Contact) map[string]string {
	return map[string]string{
		BlockContactName: ct.Name, BlockContactEmail: ct.Email, BlockContactPhone: ct.Phone,
		BlockContactMobile: ct.Mobile, BlockContactTitle: contactTitle(ct), BlockContactNotes: ct.Notes,
	}
}

// getContact reads a contact, turning "not found" into a sentence.
func (c *feature) getContact(ctx context.Context, id int64) (*syncro.Contact, *commands.Reply) {
	ct, _, err := c.cfg.Syncro.Contacts.Get(ctx, id)
	if errors.Is(err, syncro.ErrNotFound) {
		return nil, &commands.Reply{Text: fmt.Sprintf("No contact with ID %d in Syncro.", id)}
	}
	if err != nil {
		r := c.cfg.Failure(ctx, fmt.Errorf("get contact %d: %w", id, err), fmt.Sprintf("read contact %d", id))
		return nil, &r
	}
	return ct, nil
}

// contactEdit opens the edit form prefilled with the contact's values.
//
// Syncro calls: 1.
func (c *feature) contactEdit(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	id, _ := strconv.ParseInt(firstArg(inv), 10, 64)
	ct, reply := c.getContact(ctx, id)
	if reply != nil {
		return commands.AsModal(*reply, "Edit contact")
	}
	vals := contactValues(ct)
	fields := editableFields(contactFields, vals)
	meta := formMeta{Channel: r.ChannelID, CustomerID: ct.CustomerID, ContactID: ct.ID, Orig: hashValues(vals, fields)}
	return commands.Reply{Modal: buildFormModal(CallbackContactEdit, "Edit contact", "Save", meta, fields, vals, nil, false)}
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
func (c *feature) contactsWithEmail(ctx context.Context, email string, except int64) ([]syncro.Contact, error) {
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

// emailInUse stops a contact form whose email already belongs to another
// contact than except, at any customer: the reply names them, with a
// button (anyway) that submits the form once more without the check.
// Nothing is written; done says what was not ("added", "saved").
func (c *feature) emailInUse(ctx context.Context, p pendingForm, email string, except int64, done, anyway string) (commands.Reply, bool) {
	same, err := c.contactsWithEmail(ctx, email, except)
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("look for contacts with %s: %w", email, err), "check for existing contacts, so nothing was "+done), true
	}
	if len(same) == 0 {
		return commands.Reply{}, false
	}
	var lines []string
	for i := range same {
		lines = append(lines, fmt.Sprintf("%s at customer %d", contactLine(&same[i]), same[i].CustomerID))
	}
	text := "Nothing " + done + " yet: a contact with " + slackfmt.MrkdwnText(email, 150) + " already exists:\n" + strings.Join(lines, "\n")
	blocks := []slack.Block{commands.TextSection(text)}
	if v := p.encodeButton(); v != "" {
		blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement(ActionCustomerCreateAnyway, v, commands.Plain(anyway))))
	}
	return commands.Reply{Text: text, Blocks: blocks}, true
}

// createContact adds the contact of a submitted form. Unless force, a
// contact with the same email at any customer stops it with a warning and
// an "Add anyway" button. Syncro takes title only on update, so a title is
// set with a second call.
func (c *feature) createContact(ctx context.Context, p pendingForm, force bool) commands.Reply {
	if e := p.Values[BlockContactEmail]; e != "" && !force {
		if r, stop := c.emailInUse(ctx, p, e, 0, "added", "Add anyway"); stop {
			return r
		}
	}
	req, _ := contactRequest(p.Values, nil)
	title := req.Title
	req.Title = nil
	cid := p.Meta.CustomerID
	req.CustomerID = &cid
	ct, _, err := c.cfg.Syncro.Contacts.Create(ctx, req)
	c.logWrite(ctx, p.by, "contact add", contactID(ct), err)
	if err != nil {
		return c.formFailure(ctx, err, p, contactFields, "add the contact")
	}
	text := fmt.Sprintf("Added contact %s (ID %d) to customer %d.", slackfmt.MrkdwnText(ct.Name, 120), ct.ID, cid)
	if title != nil {
		name := ct.Name
		treq := &syncro.ContactRequest{Name: &name, Title: title}
		titled, _, err := c.cfg.Syncro.Contacts.Update(ctx, ct.ID, treq)
		_, err = settleUpdate(ctx, c.cfg.Syncro.Contacts.Get, ct.ID, treq, titled, err)
		switch {
		case errors.As(err, new(*unconfirmedError)):
			text += fmt.Sprintf(" I couldn't confirm the title was saved (Syncro's answer couldn't be read); look in Syncro, or set it with `%s contact edit %d`.", cmdline.SlashCommand, ct.ID)
		case err != nil:
			text += fmt.Sprintf(" The title wasn't saved (%s); set it with `%s contact edit %d`.", commands.SyncroAnswer(err), cmdline.SlashCommand, ct.ID)
		}
	}
	return commands.Reply{Text: text}
}

// editContact sends the changed fields of the contact edit form. Unless
// force, an email changed to one another contact has stops it as on add,
// with a "Save anyway" button.
func (c *feature) editContact(ctx context.Context, p pendingForm, force bool) commands.Reply {
	if e := p.Values[BlockContactEmail]; e != "" && !force {
		if h, ok := p.Meta.Orig[BlockContactEmail]; ok && h != fieldHash(e) {
			if r, stop := c.emailInUse(ctx, p, e, p.Meta.ContactID, "saved", "Save anyway"); stop {
				return r
			}
		}
	}
	req, n := contactRequest(p.Values, p.Meta.Orig)
	if n == 0 {
		return commands.Reply{Text: fmt.Sprintf("Nothing changed on contact %d; nothing was sent.", p.Meta.ContactID)}
	}
	ct, _, err := c.cfg.Syncro.Contacts.Update(ctx, p.Meta.ContactID, req)
	ct, err = settleUpdate(ctx, c.cfg.Syncro.Contacts.Get, p.Meta.ContactID, req, ct, err)
	c.logWrite(ctx, p.by, "contact edit", p.Meta.ContactID, err)
	var ue *unconfirmedError
	if errors.As(err, &ue) {
		return commands.Reply{Text: ue.sentence(fmt.Sprintf("contact %d", p.Meta.ContactID))}
	}
	if err != nil {
		return c.formFailure(ctx, err, p, contactFields, fmt.Sprintf("update contact %d", p.Meta.ContactID))
	}
	return commands.Reply{Text: fmt.Sprintf("Updated contact %s (ID %d): %s.", slackfmt.MrkdwnText(ct.Name, 120), ct.ID, commands.CountNoun(n, "field", "fields"))}
}

// contactDelete asks before deleting a contact, naming the open tickets
// that reference it (Syncro would leave them pointing at nobody).
//
// Syncro calls: 1 (contact) + the open tickets listing for it.
func (c *feature) contactDelete(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	if !r.Actor.CanAdmin {
		return notAdminReply
	}
	id, _ := strconv.ParseInt(firstArg(inv), 10, 64)
	ct, reply := c.getContact(ctx, id)
	if reply != nil {
		return *reply
	}
	open, err := syncro.Collect(c.cfg.Syncro.Tickets.AllOpen(ctx, &syncro.TicketListOptions{ContactID: id}))
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("open tickets of contact %d: %w", id, err), "check the contact's open tickets, so nothing was deleted")
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
			lines = append(lines, commands.TicketLine(&open[i]))
		}
		text += fmt.Sprintf("\n:warning: %s reference it and would be left without a contact:\n%s", commands.CountNoun(len(open), "open ticket", "open tickets"), strings.Join(lines, "\n"))
		confirmText = fmt.Sprintf("%s will lose their contact. The contact is deleted from Syncro for good.", commands.CountNoun(len(open), "open ticket", "open tickets"))
	}
	btn := slack.NewButtonBlockElement(ActionContactDeleteConfirm, strconv.FormatInt(ct.ID, 10), commands.Plain("Delete contact"))
	btn.Style = slack.StyleDanger
	btn.Confirm = slack.NewConfirmationBlockObject(commands.Plain("Delete "+slackfmt.PlainText(ct.Name, 60)+"?"), commands.Plain(slackfmt.Truncate(confirmText, slackfmt.MaxConfirmText)), commands.Plain("Delete"), commands.Plain("Keep it"))
	btn.Confirm.Style = slack.StyleDanger
	return commands.Reply{Text: text, Blocks: []slack.Block{commands.TextSection(text), slack.NewActionBlock("", btn)}}
}

// contactDeleteClick deletes the contact once the admin confirmed.
func (c *feature) contactDeleteClick(ctx context.Context, a commands.Action) commands.Reply {
	if !a.Actor.CanAdmin {
		return notAdminReply
	}
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil || id <= 0 {
		return commands.Reply{Text: "That button doesn't say which contact it is for; nothing was deleted."}
	}
	return c.cfg.Once(ctx, commands.ClickKey(a), func() commands.Reply {
		_, err := c.cfg.Syncro.Contacts.Delete(ctx, id)
		if errors.Is(err, syncro.ErrOutcomeUnknown) {
			return c.deleteLanded(ctx, a.Actor, id, err)
		}
		c.logWrite(ctx, a.Actor, "contact delete", id, err)
		if err != nil {
			if errors.Is(err, syncro.ErrNotFound) {
				return commands.Reply{Text: fmt.Sprintf("Contact %d is already gone from Syncro.", id)}
			}
			return c.cfg.Failure(ctx, fmt.Errorf("delete contact %d: %w", id, err), fmt.Sprintf("delete contact %d", id))
		}
		return commands.Reply{Text: fmt.Sprintf("Deleted contact %d.", id)}
	}, commands.ClickedTwice)
}

// deleteLanded reads contact id back after a delete whose outcome delErr
// left unknown (Syncro's answer was not JSON), logs the delete as Syncro
// shows it and tells it: gone, deleted; still there, not deleted; not
// readable, not confirmed. The delete is never sent again unasked.
func (c *feature) deleteLanded(ctx context.Context, by commands.Actor, id int64, delErr error) commands.Reply {
	_, _, err := c.cfg.Syncro.Contacts.Get(ctx, id)
	switch {
	case errors.Is(err, syncro.ErrNotFound):
		c.logWrite(ctx, by, "contact delete", id, nil)
		return commands.Reply{Text: fmt.Sprintf("Deleted contact %d.", id)}
	case err == nil:
		c.logWrite(ctx, by, "contact delete", id, fmt.Errorf("read back, still there (the delete's answer: %v)", delErr))
		return commands.Reply{Text: fmt.Sprintf("Syncro's answer to the delete of contact %d couldn't be read, and contact %d is still in Syncro, so it was not deleted. Delete it again, or in Syncro.", id, id)}
	}
	c.logWrite(ctx, by, "contact delete", id, fmt.Errorf("%w (read back: %w)", delErr, err))
	return commands.Reply{Text: fmt.Sprintf("Syncro's answer to the delete of contact %d couldn't be read, and reading it back failed, so I can't confirm it was deleted. Look at contact %d in Syncro before deleting it again.", id, id)}
}
