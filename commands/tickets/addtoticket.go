package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// "Add to ticket" on a message: the message becomes a comment on a
// ticket, with its author and link. The ticket is the one the message's
// thread belongs to (store.TicketThreads), else the tech picks one by
// number or words. The comment is hidden unless the tech makes it public,
// and one message reaches one ticket once, however often it is sent.

// Message shortcut, form, input and option ids of "Add to ticket"; the
// manifest names the shortcut (features.shortcuts).
const (
	// ShortcutAddToTicket is "Add to ticket" on a message.
	ShortcutAddToTicket = "syncro_add_to_ticket"
	// CallbackAddToTicket is the form it opens.
	CallbackAddToTicket = "syncro_add_to_ticket_form"
	// BlockTicket is the form's ticket picker (an external select whose
	// options are the tickets matching a number or words).
	BlockTicket = "ticket"
	// BlockVisibility holds the "public" checkbox.
	BlockVisibility = "visibility"
	// OptionPublic makes the comment public (the customer sees it).
	OptionPublic = "public"
)

// maxTicketOptions bounds the tickets a search offers in the picker.
const maxTicketOptions = 20

// addCommentSubject is the subject of a comment added from a message.
const addCommentSubject = "From Slack"

// registerAddToTicket adds "Add to ticket", its form and its picker.
func (c *feature) registerAddToTicket(r *commands.Registry) {
	r.Shortcut(commands.Shortcut{CallbackID: ShortcutAddToTicket, OpensModal: true, Handle: c.addToTicketForm})
	r.Modal(commands.Modal{CallbackID: CallbackAddToTicket, Validate: validateAddToTicket, Submit: c.submitAddToTicket})
	r.ExternalSelect(commands.ExternalSelect{ActionID: BlockTicket, Options: c.ticketOptions})
}

// addToTicketForm opens the form: the thread's ticket preselected when
// the message is in one, the message as the comment's text, hidden.
//
// Syncro calls: none (the thread's ticket is in the bot's store).
func (c *feature) addToTicketForm(ctx context.Context, m commands.MessageAction) commands.Reply {
	msg := m.Message
	picker := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, commands.Plain("Ticket number or words"), BlockTicket)
	one := 1
	picker.MinQueryLength = &one
	var notes []string
	root := msg.ThreadTS
	if root == "" {
		root = msg.TS
	}
	if th, ok, err := c.cfg.Store.TicketInThread(m.ChannelID, root); err != nil {
		c.cfg.Logger.WarnContext(ctx, "ticket of thread unreadable; the tech picks one", "channel", m.ChannelID, "ts", root, "err", err)
	} else if ok {
		n, _ := strconv.ParseInt(th.Number, 10, 64)
		picker.InitialOption = commands.Option(ticketview.TicketButtonValue(th.TicketID, n), "#"+th.Number)
		notes = append(notes, "Ticket #"+slackfmt.EscapeMrkdwn(th.Number)+" was made from this thread, so it is picked; pick another to add the message elsewhere.")
	}
	text, cut := cutRunes(strings.TrimSpace(msg.Text), maxIssueFromMessage)
	mm := &commands.MessageMeta{Channel: m.ChannelID, TS: msg.TS, Link: msg.Permalink, Author: authorLine(msg.Author),
		Files: boundedFiles(msg.Files), Shared: m.SharedChannel}
	from := "From a message by " + slackfmt.MrkdwnLine(mm.Author, 150) + "; its author and link are added below the text."
	if cut {
		mm.Cut = utf8.RuneCountInString(msg.Text)
		from += fmt.Sprintf(" The message has %d characters; the form holds the first %d, and the comment links to the whole message.", mm.Cut, maxIssueFromMessage)
	}
	notes = append(notes, from)
	public := slack.NewCheckboxGroupsBlockElement(BlockVisibility,
		commands.Option(OptionPublic, "Public: the customer can see it (and may be emailed)"))
	var blocks []slack.Block
	for _, n := range notes {
		blocks = append(blocks, commands.NoteContext(n))
	}
	blocks = append(blocks,
		commands.InputBlock(BlockTicket, "Ticket", "Type its number, or words of its subject or customer.", picker, false),
		commands.InputBlock(commands.BlockIssue, "Comment", "The message as written; edit it if you like.", commands.TextInput(commands.BlockIssue, "", text, true, slackfmt.MaxSectionText), true),
		commands.InputBlock(BlockVisibility, "Visibility", "Unchecked, the comment is hidden: techs only.", public, true),
	)
	meta := commands.ModalMeta{Channel: m.ChannelID, Msg: mm}
	return commands.Reply{Modal: commands.NewModal(CallbackAddToTicket, "Add to ticket", "Add comment", meta, blocks...)}
}

// validateAddToTicket wants a picked ticket and a comment Syncro takes.
func validateAddToTicket(s commands.Submission, errs commands.FieldErrors) {
	if _, _, err := ticketview.ParseTicketButtonValue(commands.SelectedValue(s, BlockTicket)); err != nil {
		errs[BlockTicket] = "Pick the ticket to add the message to."
	}
	commands.ValidateText(s, commands.BlockIssue, false, cmdline.MaxCommentLen, "comment", errs)
}

// addKey is the claim of "this message on this ticket": one comment
// however many forms are opened on the message and however often each
// is submitted.
func addKey(mm *commands.MessageMeta, ticketID int64) string {
	return "add-to-ticket:" + strconv.FormatInt(ticketID, 10) + ":" + mm.Channel + "/" + mm.TS
}

// submitAddToTicket adds the message to the picked ticket once.
//
// Syncro calls: as /syncro comment without time (the comments before,
// the comment); none for a message already added to that ticket.
func (c *feature) submitAddToTicket(ctx context.Context, s commands.Submission, meta commands.ModalMeta) commands.Reply {
	mm := meta.Msg
	id, number, err := ticketview.ParseTicketButtonValue(commands.SelectedValue(s, BlockTicket))
	if mm == nil || mm.Channel == "" || mm.TS == "" || err != nil {
		return commands.Reply{Text: "That form lost the message or the ticket, so nothing was added. Pick “Add to ticket” on the message again."}
	}
	body := commands.InputText(s, commands.BlockIssue)
	if body != "" {
		body += "\n\n"
	}
	body += messageFooter(mm)
	public := commands.CheckedOptions(s, BlockVisibility)[OptionPublic]
	p := flowParams{
		TicketID: id, Number: number, Subject: addCommentSubject, Body: body,
		Hidden: !public, DoNotEmail: !public, Channel: mm.Channel,
	}
	p.TechUserID, p.Tech = c.cachedTech(s.Actor)
	key := addKey(mm, id)
	write := func() commands.Reply {
		r := c.startFlow(ctx, key, flowComment, []string{stepComment}, p, s.Actor)
		r.ChannelID = mm.Channel
		return r
	}
	repeat := func(prior commands.Reply, finished bool) commands.Reply {
		if !finished {
			return commands.Reply{Text: fmt.Sprintf("That message is being added to #%d already; I didn't add it a second time.", number), ChannelID: mm.Channel}
		}
		return commands.Reply{Text: fmt.Sprintf("That message was added to #%d already; nothing new was added. ", number) + prior.Text,
			ChannelID: mm.Channel, Outcome: commands.OutcomeDuplicate}
	}
	// A failed add is a recorded flow: adding again runs its missing
	// step (reading Syncro back first) instead of replaying the failure.
	return c.cfg.OnceUntilDone(ctx, key, write, repeat)
}

// ticketOptions answers the picker: the ticket with the typed number, or
// the tickets matching the typed words, newest first.
//
// Syncro calls: 1 (by number, or the search), none from the mirror.
func (c *feature) ticketOptions(ctx context.Context, s commands.Suggestion) []*slack.OptionBlockObject {
	q := strings.TrimPrefix(strings.TrimSpace(s.Query), "#")
	option := func(t *syncro.Ticket) *slack.OptionBlockObject {
		n, _ := strconv.ParseInt(t.Number.String(), 10, 64)
		label := "#" + t.Number.String() + " " + t.Subject
		if t.CustomerBusinessThenName != "" {
			label += " · " + t.CustomerBusinessThenName
		}
		return commands.Option(ticketview.TicketButtonValue(t.ID, n), label)
	}
	if n, err := strconv.ParseInt(q, 10, 64); err == nil && n > 0 {
		t, err := c.findTicket(ctx, n)
		if err != nil {
			c.cfg.Logger.WarnContext(ctx, "ticket picker: no ticket by number", "number", n, "err", err)
			return nil
		}
		return []*slack.OptionBlockObject{option(t)}
	}
	found, err := c.cfg.Reads.Search(ctx, strings.Join(strings.Fields(q), " "))
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "ticket picker: search failed", "err", err)
		return nil
	}
	var out []*slack.OptionBlockObject
	for i := range found.Tickets {
		if len(out) == maxTicketOptions {
			break
		}
		out = append(out, option(&found.Tickets[i]))
	}
	return out
}
