package customers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// Merging moves everything of the DUPLICATE customer onto PRIMARY as a
// recorded flow (commands/flow), one step after the other, in an order
// chosen so that a failure at any step loses nothing:
//
//  1. move its tickets (PUT ticket customer_id), then read the
//     duplicate's tickets back: none may be left;
//  2. repoint its contacts (PUT contact customer_id), read back the same
//     way;
//  3. append a merge note to the primary's notes;
//  4. only then, and only if asked, delete the duplicate (Syncro's DELETE
//     is a hard delete) and read it back as gone.
//
// Each step is recorded in the store before its write and after it. A
// failure stops the flow: the reply says what was done and what was not,
// with a Finish button that runs only the missing steps; the duplicate is
// never deleted before everything moved. A step cut off mid-write (a
// crash, an answer that never came) is settled by reading Syncro back
// before anything is written again, and after a restart the owner of a
// cut-off merge is told, with Finish (merge_flow.go).
//
// Syncro's API cannot move invoices between customers, so a duplicate with
// invoices is never deleted: they stay on its record. Nor can it archive a
// customer: the customer body of PUT /customers/{id} names no "disabled"
// field (docs/syncro-api.md, 4.6), so the choice is keep or delete.

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
	return c.cfg.Once(ctx, commands.ClickKey(a), func() commands.Reply {
		return c.startMerge(ctx, commands.ClickKey(a), p, d, mode, a.Actor, a.ChannelID)
	}, commands.ClickedTwice)
}
