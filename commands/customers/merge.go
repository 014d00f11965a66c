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

// Merging moves everything of the DUPLICATE customer onto PRIMARY, in an
// order chosen so that a failure at any step loses nothing:
//
//  1. repoint the duplicate's contacts (PUT contact customer_id);
//  2. move its tickets (PUT ticket customer_id);
//  3. read both lists back: the duplicate must have no contact and no
//     ticket left;
//  4. append a merge note to the primary's notes;
//  5. only then, and only if asked, delete the duplicate (Syncro's DELETE
//     is a hard delete) and read it back as gone.
//
// A failure stops the sequence and the reply says what moved; the
// duplicate is never deleted after a failure. Every step reads what is
// still on the duplicate, so clicking Merge again (or running the command
// again) resumes where it stopped, also after a restart. It is not yet
// recorded in the store-backed flow log other writes use.
//
// Syncro's API cannot move invoices between customers, so a duplicate with
// invoices is never deleted: they stay on its record.

// Merge modes, the last part of an ActionCustomerMergeConfirm value.
const (
	mergeDelete = "delete" // delete the duplicate once everything moved
	mergeKeep   = "keep"   // leave the emptied duplicate in place
)

// customerMerge answers "customer merge PRIMARY DUPLICATE" with a preview.
func (c *feature) customerMerge(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	if len(inv.Args) != 2 {
		return commands.Reply{Text: "Usage: `" + cmdline.SlashCommand + " customer merge PRIMARY DUPLICATE`."}
	}
	p, _ := strconv.ParseInt(inv.Args[0], 10, 64)
	d, _ := strconv.ParseInt(inv.Args[1], 10, 64)
	if p == d {
		return commands.Reply{Text: "PRIMARY and DUPLICATE are the same customer; nothing to merge."}
	}
	return c.mergePreview(ctx, r.Actor, p, d)
}

// mergeInventory is what sits on the duplicate.
type mergeInventory struct {
	primary, dup *syncro.Customer
	tickets      []syncro.Ticket
	contacts     []syncro.Contact
}

// inventory reads both customers and what is on the duplicate.
//
// Syncro calls: 2 details, the duplicate's tickets and contacts listings.
func (c *feature) inventory(ctx context.Context, p, d int64) (*mergeInventory, error) {
	inv := &mergeInventory{}
	var err error
	if inv.primary, _, err = c.cfg.Syncro.Customers.Get(ctx, p); err != nil {
		return nil, fmt.Errorf("read primary customer %d: %w", p, err)
	}
	if inv.dup, _, err = c.cfg.Syncro.Customers.Get(ctx, d); err != nil {
		return nil, fmt.Errorf("read duplicate customer %d: %w", d, err)
	}
	if inv.tickets, err = syncro.Collect(c.cfg.Syncro.Tickets.All(ctx, &syncro.TicketListOptions{CustomerID: d})); err != nil {
		return nil, fmt.Errorf("list tickets of %d: %w", d, err)
	}
	if inv.contacts, err = syncro.Collect(c.cfg.Syncro.Contacts.All(ctx, &syncro.ContactListOptions{CustomerID: d})); err != nil {
		return nil, fmt.Errorf("list contacts of %d: %w", d, err)
	}
	return inv, nil
}

// mergePreview says what a merge would move and offers the confirmation
// buttons. Admins only.
func (c *feature) mergePreview(ctx context.Context, actor commands.Actor, p, d int64) commands.Reply {
	if !actor.CanAdmin {
		return notAdminReply
	}
	inv, err := c.inventory(ctx, p, d)
	if err != nil {
		if errors.Is(err, syncro.ErrNotFound) {
			return commands.Reply{Text: fmt.Sprintf("Customer %d or %d doesn't exist in Syncro; nothing to merge.", p, d)}
		}
		return c.cfg.Failure(ctx, err, "prepare the merge")
	}
	text := fmt.Sprintf("Merge *%s* (ID %d) into *%s* (ID %d)?\n• tickets to move to the primary: %s\n• contacts to repoint to the primary: %s\n• invoices staying on the duplicate (Syncro's API can't move them): %s",
		commands.InlineMrkdwn(customerName(inv.dup), commands.MaxCustomerLen), d, commands.InlineMrkdwn(customerName(inv.primary), commands.MaxCustomerLen), p,
		strconv.Itoa(len(inv.tickets)), strconv.Itoa(len(inv.contacts)), strconv.Itoa(len(inv.dup.InvoiceLinks)))
	blocks := []slack.Block{commands.TextSection(text)}
	keep := slack.NewButtonBlockElement(ActionCustomerMergeConfirm, MergeButtonValue(p, d)+":"+mergeKeep, commands.Plain("Merge, keep duplicate"))
	keep.Style = slack.StylePrimary
	elems := []slack.BlockElement{keep}
	if len(inv.dup.InvoiceLinks) == 0 {
		del := slack.NewButtonBlockElement(ActionCustomerMergeConfirm, MergeButtonValue(p, d)+":"+mergeDelete, commands.Plain("Merge and delete duplicate"))
		del.Style = slack.StyleDanger
		del.Confirm = slack.NewConfirmationBlockObject(commands.Plain("Merge and delete?"),
			commands.Plain(slackfmt.Truncate(fmt.Sprintf("Moves everything of %s to %s, checks it moved, then deletes %s from Syncro for good.", slackfmt.PlainText(customerName(inv.dup), 60), slackfmt.PlainText(customerName(inv.primary), 60), slackfmt.PlainText(customerName(inv.dup), 60)), slackfmt.MaxConfirmText)),
			commands.Plain("Merge and delete"), commands.Plain("Cancel"))
		del.Confirm.Style = slack.StyleDanger
		elems = append(elems, del)
	} else {
		blocks = append(blocks, commands.NoteContext("The duplicate has invoices, so it can't be deleted; it will be kept, emptied of tickets and contacts."))
	}
	blocks = append(blocks, slack.NewActionBlock("", elems...))
	return commands.Reply{Text: text, Blocks: blocks}
}

// mergeClick runs a confirmed merge, once per click.
func (c *feature) mergeClick(ctx context.Context, a commands.Action) commands.Reply {
	if !a.Actor.CanAdmin {
		return notAdminReply
	}
	p, d, mode, err := ParseMergeButtonValue(a.Value)
	if err != nil || (mode != mergeDelete && mode != mergeKeep) {
		return commands.Reply{Text: "That button doesn't say which customers to merge; nothing was changed."}
	}
	return c.cfg.Once(ctx, commands.ClickKey(a), func() commands.Reply { return c.runMerge(ctx, p, d, mode, a.Actor) }, commands.ClickedTwice)
}

// runMerge performs the merge steps (see the file comment).
func (c *feature) runMerge(ctx context.Context, p, d int64, mode string, by commands.Actor) commands.Reply {
	inv, err := c.inventory(ctx, p, d)
	if err != nil {
		return c.cfg.Failure(ctx, err, "start the merge; nothing was changed")
	}
	var moved []string
	nContacts, nTickets := 0, 0
	stopped := func(err error, doing string) commands.Reply {
		r := c.cfg.Failure(ctx, err, doing)
		did := "nothing had moved yet."
		if len(moved) > 0 {
			did = "already moved to the primary: " + strings.Join(moved, ", ") + "."
		}
		r.Text += fmt.Sprintf(" The merge stopped there; %s The duplicate (ID %d) was NOT deleted. Run `%s customer merge %d %d` again to finish it.", did, d, cmdline.SlashCommand, p, d)
		return r
	}
	pid := p
	for i := range inv.contacts {
		ct := &inv.contacts[i]
		name := ct.Name
		_, _, err := c.cfg.Syncro.Contacts.Update(ctx, ct.ID, &syncro.ContactRequest{CustomerID: &pid, Name: &name})
		c.logWrite(ctx, by, "merge: move contact", ct.ID, err)
		if err != nil {
			return stopped(err, fmt.Sprintf("repoint contact %d", ct.ID))
		}
		nContacts++
		moved = append(moved, "contact "+strconv.FormatInt(ct.ID, 10))
	}
	for i := range inv.tickets {
		t := &inv.tickets[i]
		_, _, err := c.cfg.Syncro.Tickets.Update(ctx, t.ID, &syncro.TicketRequest{CustomerID: &pid})
		c.logWrite(ctx, by, "merge: move ticket", t.ID, err)
		if err != nil {
			return stopped(err, "move ticket #"+t.Number.String())
		}
		nTickets++
		moved = append(moved, "ticket #"+t.Number.String())
	}
	// Read back: nothing may be left on the duplicate.
	left, err := syncro.Collect(c.cfg.Syncro.Tickets.All(ctx, &syncro.TicketListOptions{CustomerID: d}))
	if err == nil && len(left) > 0 {
		err = fmt.Errorf("%s still on the duplicate after moving", commands.CountNoun(len(left), "ticket", "tickets"))
	}
	if err != nil {
		return stopped(err, "verify the tickets moved")
	}
	leftC, err := syncro.Collect(c.cfg.Syncro.Contacts.All(ctx, &syncro.ContactListOptions{CustomerID: d}))
	if err == nil && len(leftC) > 0 {
		err = fmt.Errorf("%s still on the duplicate after repointing", commands.CountNoun(len(leftC), "contact", "contacts"))
	}
	if err != nil {
		return stopped(err, "verify the contacts moved")
	}
	note := fmt.Sprintf("Merged customer %s (ID %d) into this one on %s by %s via Slack: %s, %s moved.",
		customerName(inv.dup), d, c.cfg.Now().Format("2006-01-02"), commands.DashIfBlank(by.Name), commands.CountNoun(nTickets, "ticket", "tickets"), commands.CountNoun(nContacts, "contact", "contacts"))
	notes := strings.TrimSpace(strings.TrimSpace(inv.primary.Notes) + "\n" + note)
	_, _, err = c.cfg.Syncro.Customers.Update(ctx, p, &syncro.CustomerRequest{Notes: &notes})
	c.logWrite(ctx, by, "merge: note on primary", p, err)
	if err != nil {
		return stopped(err, "note the merge on the primary")
	}
	summary := fmt.Sprintf("Merged %s (ID %d) into %s (ID %d): %s and %s moved, checked by reading them back; noted on the primary.",
		slackfmt.MrkdwnText(customerName(inv.dup), 150), d, slackfmt.MrkdwnText(customerName(inv.primary), 150), p, commands.CountNoun(nTickets, "ticket", "tickets"), commands.CountNoun(nContacts, "contact", "contacts"))
	switch {
	case mode == mergeKeep:
		return commands.Reply{Text: summary + " The duplicate was kept, as asked."}
	case len(inv.dup.InvoiceLinks) > 0:
		return commands.Reply{Text: summary + fmt.Sprintf(" The duplicate was kept: it has %s, which Syncro's API can't move.", commands.CountNoun(len(inv.dup.InvoiceLinks), "invoice", "invoices"))}
	}
	_, err = c.cfg.Syncro.Customers.Delete(ctx, d)
	c.logWrite(ctx, by, "merge: delete duplicate", d, err)
	if err != nil {
		r := c.cfg.Failure(ctx, err, fmt.Sprintf("delete the duplicate (ID %d)", d))
		r.Text = summary + " " + r.Text
		return r
	}
	if _, _, err := c.cfg.Syncro.Customers.Get(ctx, d); !errors.Is(err, syncro.ErrNotFound) {
		return commands.Reply{Text: summary + fmt.Sprintf(" Syncro accepted deleting the duplicate (ID %d) but it still reads back; check it in Syncro.", d)}
	}
	return commands.Reply{Text: summary + " The duplicate was deleted."}
}
