package tickets

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// The contact field of the create form is a free-text name, not a select of
// the chosen customer's contacts: a modal cannot refresh one select from
// another without a block_actions round trip and views.update racing the
// user's typing. Submit resolves the name against the customer's contacts
// (exact, then unique prefix); a name that matches nobody creates the ticket
// without a contact and says so, so a typo never loses the ticket.

// create opens the new-ticket form, pre-filled with the subject typed and,
// in a channel linked to a customer, that customer.
//
// Syncro calls: none (problem types, priorities and techs from
// Deps.Account). A failed lookup only leaves its select out.
func (c *feature) create(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	p := createPrefill{Subject: inv.Text}
	if l, ok := c.cfg.ChannelLink(ctx, r.ChannelID); ok {
		p.CustomerID, p.CustomerName = l.CustomerID, l.CustomerName
		p.Notes = append(p.Notes, "Customer from this channel's link ("+cmdline.Code(cmdline.SlashCommand+" links")+"); change it if the ticket is for someone else.")
	}
	return c.createForm(ctx, commands.CallbackCreate, commands.ModalMeta{Channel: r.ChannelID}, p)
}

// createPrefill is what the create form starts with.
type createPrefill struct {
	Subject, Issue string
	// CustomerID and CustomerName preselect the customer; Contact fills
	// the contact name.
	CustomerID   int64
	CustomerName string
	Contact      string
	// Notes are shown above the fields: how the customer was found, what
	// the form holds.
	Notes []string
	// IssueHint replaces the initial issue's hint.
	IssueHint string
}

// createForm builds the new-ticket form with callbackID and meta, filled
// from p.
func (c *feature) createForm(ctx context.Context, callbackID string, meta commands.ModalMeta, p createPrefill) commands.Reply {
	var problemTypes, priorities []string
	if as, err := c.cfg.Account.Settings(ctx, nil); err == nil {
		problemTypes, priorities = as.Ticket.ProblemTypes, as.Ticket.Priorities
	} else {
		c.cfg.Logger.WarnContext(ctx, "create form without problem types and priorities", "err", err)
	}
	var users []syncro.UserRef
	if ts, err := c.cfg.Account.TicketSettings(ctx, nil); err == nil {
		users = ts.Users
	} else {
		c.cfg.Logger.WarnContext(ctx, "create form without techs", "err", err)
	}

	minQ := commands.CustomerMinQuery
	cust := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, commands.Plain("Search customers"), commands.ActionCustomerSearch)
	cust.MinQueryLength = &minQ
	if p.CustomerID > 0 {
		cust.InitialOption = commands.Option(strconv.FormatInt(p.CustomerID, 10), p.CustomerName)
	}
	var blocks []slack.Block
	for _, n := range p.Notes {
		blocks = append(blocks, commands.NoteContext(n))
	}
	issueHint := p.IssueHint
	if issueHint == "" {
		issueHint = "What the customer reported. Becomes the ticket's first comment."
	}
	blocks = append(blocks,
		commands.InputBlock(commands.BlockCustomer, "Customer", "Type at least two letters of the business or person.", cust, false),
		commands.InputBlock(commands.BlockContact, "Contact", "Name of a contact at that customer; leave empty for none.", commands.TextInput(commands.BlockContact, "Rhonda Birch", p.Contact, false, cmdline.MaxShortTextLen), true),
		commands.InputBlock(commands.BlockSubject, "Subject", "", commands.TextInput(commands.BlockSubject, "Printer offline in accounting", p.Subject, false, cmdline.MaxShortTextLen), false),
	)
	if opts := stringOptions(problemTypes); len(opts) > 0 {
		blocks = append(blocks, commands.InputBlock(commands.BlockProblemType, "Problem type", "", commands.StaticSelect(commands.BlockProblemType, "Problem type", opts, ""), true))
	}
	if opts := stringOptions(priorities); len(opts) > 0 {
		blocks = append(blocks, commands.InputBlock(commands.BlockPriority, "Priority", "", commands.StaticSelect(commands.BlockPriority, "Priority", opts, ""), true))
	}
	blocks = append(blocks, commands.InputBlock(commands.BlockDue, "Due date", "", slack.NewDatePickerBlockElement(commands.BlockDue), true))
	if len(users) > 0 {
		var opts []*slack.OptionBlockObject
		for _, u := range users {
			opts = append(opts, commands.Option(strconv.FormatInt(u.ID, 10), u.Name))
		}
		blocks = append(blocks, commands.InputBlock(commands.BlockTech, "Tech", "Leave empty to leave it unassigned.", commands.StaticSelect(commands.BlockTech, "Assign to", opts, ""), true))
	}
	blocks = append(blocks, commands.InputBlock(commands.BlockIssue, "Initial issue", issueHint, commands.TextInput(commands.BlockIssue, "", p.Issue, true, slackfmt.MaxSectionText), true))
	return commands.Reply{Modal: commands.NewModal(callbackID, "New ticket", "Create", meta, blocks...)}
}

// stringOptions makes select options of non-empty strings.
func stringOptions(list []string) []*slack.OptionBlockObject {
	var opts []*slack.OptionBlockObject
	for _, s := range list {
		if strings.TrimSpace(s) != "" {
			opts = append(opts, commands.Option(s, s))
		}
	}
	return opts
}

// validateCreate checks the create form.
func (c *feature) validateCreate(s commands.Submission, errs commands.FieldErrors) {
	if id, err := strconv.ParseInt(commands.SelectedValue(s, commands.BlockCustomer), 10, 64); err != nil || id <= 0 {
		errs[commands.BlockCustomer] = "Pick a customer."
	}
	commands.ValidateText(s, commands.BlockSubject, true, cmdline.MaxShortTextLen, "subject", errs)
	commands.ValidateText(s, commands.BlockContact, false, cmdline.MaxShortTextLen, "contact name", errs)
	commands.ValidateText(s, commands.BlockIssue, false, cmdline.MaxCommentLen, "initial issue", errs)
	validateDue(s, errs)
}

// matchContact finds the contact named: exact name, else a unique prefix,
// ignoring case.
func matchContact(name string, contacts []syncro.Contact) (*syncro.Contact, bool) {
	want := strings.ToLower(strings.TrimSpace(name))
	var hits []*syncro.Contact
	for i := range contacts {
		n := strings.ToLower(contacts[i].Name)
		if n == want {
			return &contacts[i], true
		}
		if strings.HasPrefix(n, want) {
			hits = append(hits, &contacts[i])
		}
	}
	if len(hits) == 1 {
		return hits[0], true
	}
	return nil, false
}

// submitCreate creates the ticket with its initial issue as the first
// comment.
//
// Syncro calls: 1 (create), plus 1 to resolve a contact name.
func (c *feature) submitCreate(ctx context.Context, s commands.Submission, _ commands.ModalMeta) commands.Reply {
	t, notes, failed := c.createFromForm(ctx, s, "")
	if failed != nil {
		return *failed
	}
	return commands.Reply{Text: c.createdText(t, notes)}
}

// createFromForm creates the ticket a create form describes; footer, when
// set, ends the initial issue (where a ticket made from a message names
// it). notes say what the form asked that Syncro did not get.
func (c *feature) createFromForm(ctx context.Context, s commands.Submission, footer string) (*syncro.Ticket, []string, *commands.Reply) {
	customerID, _ := strconv.ParseInt(commands.SelectedValue(s, commands.BlockCustomer), 10, 64)
	subject := commands.InputText(s, commands.BlockSubject)
	issue := commands.InputText(s, commands.BlockIssue)
	if issue == "" && footer == "" {
		issue = subject
	}
	if footer != "" {
		issue = strings.TrimSpace(issue + "\n\n" + footer)
	}
	req := &syncro.TicketRequest{
		CustomerID: &customerID,
		Subject:    &subject,
		Comments: []syncro.CommentRequest{{
			Subject: initialIssueSubject, Body: issue, DoNotEmail: true, Tech: s.Actor.Name,
		}},
	}
	if v := commands.SelectedValue(s, commands.BlockProblemType); v != "" {
		req.ProblemType = &v
	}
	if v := commands.SelectedValue(s, commands.BlockPriority); v != "" {
		req.Priority = &v
	}
	if v := commands.SelectedValue(s, commands.BlockTech); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			req.UserID = &id
		}
	}
	if d, _ := commands.SubmissionValue(s, commands.BlockDue); d.SelectedDate != "" {
		ds := d.SelectedDate
		req.DueDate = &ds
	}
	var notes []string
	if name := commands.InputText(s, commands.BlockContact); name != "" {
		contacts, err := syncro.Collect(c.cfg.Syncro.Contacts.All(ctx, &syncro.ContactListOptions{CustomerID: customerID}))
		switch ct, ok := matchContact(name, contacts); {
		case err != nil:
			notes = append(notes, fmt.Sprintf("I couldn't look up the contact %s (%s), so the ticket has none; set it in Syncro.", cmdline.Code(name), commands.SyncroAnswer(err)))
		case ok:
			req.ContactID = &ct.ID
		default:
			notes = append(notes, fmt.Sprintf("No contact matching %s at that customer, so the ticket has none.", cmdline.Code(name)))
		}
	}
	t, err := c.createTicket(ctx, req)
	c.auditCreate(ctx, s.Actor, t, req, err)
	if err != nil {
		r := c.writeFailure(ctx, err, "create the ticket")
		// Syncro answered, or was read back, without the ticket: nothing
		// was made, so the same message may try again (OnceUntilDone). An
		// outcome no one could check stays recorded, lest it make two.
		if !errors.As(err, new(*unknownOutcomeError)) {
			r.Outcome = commands.OutcomeFailed
		}
		return nil, nil, &r
	}
	return t, notes, nil
}

// createdPrefix starts every createdText: a recorded reply that starts
// so tells of a ticket made.
const createdPrefix = "Created #"

// createdText is the tech's reply to a created ticket: number, customer,
// subject, its link and the notes.
func (c *feature) createdText(t *syncro.Ticket, notes []string) string {
	text := fmt.Sprintf(createdPrefix+"%s for %s: %s", slackfmt.EscapeMrkdwn(t.Number.String()), slackfmt.MrkdwnText(t.CustomerBusinessThenName, 150), slackfmt.MrkdwnText(t.Subject, 255))
	if u := c.ticketURL(t.ID); u != "" {
		text += fmt.Sprintf(" (<%s|open in Syncro>)", u)
	}
	text += "."
	for _, n := range notes {
		text += " " + n
	}
	return text
}

// createTicket posts the ticket. On an unknown outcome it reads the
// customer's newest tickets back: one with this subject made in the last
// minutes is the one created.
func (c *feature) createTicket(ctx context.Context, req *syncro.TicketRequest) (*syncro.Ticket, error) {
	t, _, err := c.cfg.Syncro.Tickets.Create(ctx, req)
	if err == nil || !errors.Is(err, syncro.ErrOutcomeUnknown) {
		return t, err
	}
	now := c.cfg.Now()
	t, rerr := c.createdSince(ctx, *req.CustomerID, *req.Subject, now.Add(-recentWindow), func(t *syncro.Ticket) bool { return near(t.CreatedAt.Time, now) })
	switch {
	case rerr != nil:
		return nil, &unknownOutcomeError{what: "the ticket", err: err}
	case t != nil:
		return t, nil
	}
	return nil, err
}

// createdSince reads back the customer's tickets created after since and
// returns the newest (madeAfter) with subject that is also mine; nil
// when none is.
// Newest by created_at, not by place in the list: Syncro's lists come
// newest first in practice, but that is UNCONFIRMED (docs/syncro-api.md),
// and a same-subject ticket made earlier in the web app must not be
// taken for the one just created.
func (c *feature) createdSince(ctx context.Context, customerID int64, subject string, since time.Time, mine func(*syncro.Ticket) bool) (*syncro.Ticket, error) {
	list, _, err := c.cfg.Syncro.Tickets.List(ctx, &syncro.TicketListOptions{CustomerID: customerID, CreatedAfter: since})
	if err != nil {
		return nil, err
	}
	var newest *syncro.Ticket
	for i := range list {
		t := &list[i]
		if t.Subject == subject && (newest == nil || madeAfter(t, newest)) && mine(t) {
			newest = t
		}
	}
	return newest, nil
}

// madeAfter reports whether ticket a was made after b: by created_at, and
// for one created_at (two creates in one instant) by number, which
// Syncro gives in sequence (docs/syncro-api.md, "Ticket number vs id").
func madeAfter(a, b *syncro.Ticket) bool {
	if !a.CreatedAt.Equal(b.CreatedAt.Time) {
		return a.CreatedAt.After(b.CreatedAt.Time)
	}
	an, aok := a.Number.Int64()
	bn, bok := b.Number.Int64()
	return aok && bok && an > bn
}
