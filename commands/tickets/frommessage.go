package tickets

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// From conversation to ticket: the "Create Syncro ticket" message
// shortcut opens the create form filled from the message (subject from
// its first line, the text as the initial issue, the customer found for
// the tech); the ticket remembers the message's thread
// (store.TicketThreads), the tech gets the summary privately, and the
// thread hears of it: the summary in an internal channel, in a shared one
// only a neutral line and only when the channel's link allows it.

// Message shortcut and form ids of this file; the manifest names the
// shortcut (features.shortcuts).
const (
	// ShortcutCreateFromMessage is "Create Syncro ticket" on a message.
	ShortcutCreateFromMessage = "syncro_ticket_from_message"
	// CallbackCreateFromMessage is the create form it opens.
	CallbackCreateFromMessage = "syncro_create_from_message"
)

// Bounds of what the form takes from a message.
const (
	// maxSubjectFromMessage bounds the subject taken from a message's
	// first line: a subject is read in lists, one line each.
	maxSubjectFromMessage = 100
	// maxIssueFromMessage is what the initial issue input holds
	// (plain_text_input's limit, slackfmt.MaxSectionText); a longer
	// message is cut there, and the ticket links to the whole of it.
	maxIssueFromMessage = slackfmt.MaxSectionText
	// maxFilesNamed bounds the attachments named on the ticket.
	maxFilesNamed = 10
	// maxDomainCandidates bounds the customers whose contacts are read to
	// find an email (one Syncro call each).
	maxDomainCandidates = 3
)

// registerConversations adds the message shortcuts and their forms.
func (c *feature) registerConversations(r *commands.Registry) {
	r.Shortcut(commands.Shortcut{CallbackID: ShortcutCreateFromMessage, OpensModal: true, Handle: c.createFromMessage})
	r.Modal(commands.Modal{CallbackID: CallbackCreateFromMessage, Validate: c.validateCreate, Submit: c.submitFromMessage})
}

// createFromMessage opens the create form for the message, or says which
// ticket the message already became.
//
// Syncro calls: the create form's two, plus up to 1+maxDomainCandidates
// to find the customer by the author's email (1, the linked customer, in a
// linked channel); for a message that became a ticket, 1 (is it still in
// Syncro?) and none more while it is.
func (c *feature) createFromMessage(ctx context.Context, m commands.MessageAction) commands.Reply {
	msg := m.Message
	var gone string
	var was int64
	if th, ok, err := c.cfg.Store.ThreadTicket(m.ChannelID, msg.TS); err == nil && ok {
		if !c.ticketDeleted(ctx, th.TicketID) {
			text := fmt.Sprintf("This message is already ticket #%s (created by <@%s> on %s); nothing new was made.",
				slackfmt.EscapeMrkdwn(th.Number), th.CreatedBy, th.CreatedAt.Format("2006-01-02"))
			if u := c.ticketURL(th.TicketID); u != "" {
				text += fmt.Sprintf(" <%s|Open it in Syncro>.", u)
			}
			return commands.AsModal(commands.Reply{Text: text}, "Create Syncro ticket")
		}
		// The ticket it became was deleted in Syncro: the message may
		// become one again, under a claim of its own (messageKey).
		was = th.TicketID
		gone = "This message was ticket #" + slackfmt.EscapeMrkdwn(th.Number) + ", which Syncro no longer has (deleted there); Create makes a new one."
	} else if err != nil {
		c.cfg.Logger.WarnContext(ctx, "ticket of message unreadable; offering the form", "channel", m.ChannelID, "ts", msg.TS, "err", err)
	}
	found := c.customerForMessage(ctx, m.ChannelID, msg.Author)
	p := createPrefill{
		Subject:      subjectFromMessage(msg),
		CustomerID:   found.customerID,
		CustomerName: found.customerName,
		Contact:      found.contact,
		Notes:        []string{found.how},
		IssueHint:    "The message as written. Its author, link and attachments' names are added below it on the ticket.",
	}
	issue, cut := cutRunes(strings.TrimSpace(msg.Text), maxIssueFromMessage)
	p.Issue = issue
	meta := commands.ModalMeta{Channel: m.ChannelID, Msg: &commands.MessageMeta{
		Channel: m.ChannelID, TS: msg.TS, Link: msg.Permalink, Author: authorLine(msg.Author),
		Files: boundedFiles(msg.Files), Shared: m.SharedChannel, Was: was, Root: msg.ThreadTS,
	}}
	from := "From a message by " + slackfmt.MrkdwnLine(authorLine(msg.Author), 150) + "."
	if len(msg.Files) > 0 {
		from += " Attachments (named on the ticket; the files stay in Slack): " + slackfmt.MrkdwnLine(strings.Join(meta.Msg.Files, ", "), 500) + "."
	}
	if cut {
		meta.Msg.Cut = utf8.RuneCountInString(msg.Text)
		from += fmt.Sprintf(" The message has %d characters; the form holds the first %d, and the ticket links to the whole message.", meta.Msg.Cut, maxIssueFromMessage)
	}
	if m.SharedChannel {
		if l, ok := c.cfg.ChannelLink(ctx, m.ChannelID); ok && l.Acknowledge {
			from += " " + m.Sharing.Place() + ": only “Ticket #N opened — we're on it” goes to the message's thread."
		} else {
			from += " " + m.Sharing.Place() + ": nothing about the ticket is posted in it."
		}
	}
	p.Notes = append(p.Notes, from)
	if gone != "" {
		p.Notes = append([]string{gone}, p.Notes...)
	}
	return c.createForm(ctx, CallbackCreateFromMessage, meta, p)
}

// ticketDeleted reports whether Syncro says ticket id does not exist;
// any other answer (a failure too) keeps the ticket the bot remembers.
func (c *feature) ticketDeleted(ctx context.Context, id int64) bool {
	_, _, err := c.cfg.Syncro.Tickets.Get(ctx, id)
	return errors.Is(err, syncro.ErrNotFound)
}

// subjectFromMessage is the message's first non-empty line, cut at a word
// to maxSubjectFromMessage; without text, the first file's name, else who
// wrote it.
func subjectFromMessage(m commands.SlackMessage) string {
	for line := range strings.SplitSeq(m.Text, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) <= maxSubjectFromMessage {
			return line
		}
		cut, _ := cutRunes(line, maxSubjectFromMessage-1)
		if i := strings.LastIndexByte(cut, ' '); i > maxSubjectFromMessage/2 {
			cut = cut[:i]
		}
		return cut + slackfmt.Ellipsis
	}
	if len(m.Files) > 0 {
		return slackfmt.Truncate("File from "+m.Author.Label()+": "+m.Files[0], maxSubjectFromMessage)
	}
	return slackfmt.Truncate("Message from "+m.Author.Label(), maxSubjectFromMessage)
}

// cutRunes is s cut to at most n characters, and whether it was cut.
func cutRunes(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i], true
}

// authorLine names a message's author for the ticket: name and email, a
// bot, and "(another workspace)" for a person outside the MSP.
func authorLine(a commands.MessageAuthor) string {
	s := a.Label()
	if a.Email != "" {
		s += " <" + a.Email + ">"
	}
	if a.External {
		s += " (another workspace)"
	}
	return slackfmt.Truncate(s, 150)
}

// boundedFiles is at most maxFilesNamed file names, each bounded.
func boundedFiles(files []string) []string {
	var out []string
	for i, f := range files {
		if i == maxFilesNamed {
			out = append(out, fmt.Sprintf("and %d more", len(files)-maxFilesNamed))
			break
		}
		out = append(out, slackfmt.Truncate(f, 80))
	}
	return out
}

// messageFooter ends a ticket's initial issue with where it came from.
func messageFooter(mm *commands.MessageMeta) string {
	lines := []string{"— From Slack: " + mm.Author}
	if mm.Link != "" {
		lines = append(lines, "Message: "+mm.Link)
	}
	if mm.Cut > 0 {
		lines = append(lines, fmt.Sprintf("(The message has %d characters; the rest is in Slack.)", mm.Cut))
	}
	if len(mm.Files) > 0 {
		lines = append(lines, "Attachments (in Slack): "+strings.Join(mm.Files, ", "))
	}
	return strings.Join(lines, "\n")
}

// messageKey is the claim of "a ticket from this message": however many
// forms are opened on one message, one ticket is made from it; once that
// ticket is deleted in Syncro, one more (each deleted ticket frees one).
func messageKey(mm *commands.MessageMeta) string {
	key := "ticket-from-message:" + mm.Channel + "/" + mm.TS
	if mm.Was != 0 {
		key += "/after-" + strconv.FormatInt(mm.Was, 10)
	}
	return key
}

// submitFromMessage creates the ticket once per message, remembers its
// thread and tells the thread.
//
// Syncro calls: as submitCreate.
func (c *feature) submitFromMessage(ctx context.Context, s commands.Submission, meta commands.ModalMeta) commands.Reply {
	mm := meta.Msg
	if mm == nil || mm.Channel == "" || mm.TS == "" {
		return commands.Reply{Text: "That form lost the message it came from, so nothing was created. Pick “Create Syncro ticket” on the message again."}
	}
	if mm.Root == "" {
		// A form opened before the metadata named the thread: a reply's
		// permalink names it (?thread_ts=).
		mm.Root = threadOfLink(mm.Link, mm.TS)
	}
	write := func() commands.Reply {
		t, notes, failed := c.createFromForm(ctx, s, messageFooter(mm))
		if failed != nil {
			return *failed
		}
		notes = append(notes, c.recordThread(ctx, t, mm, s.Actor)...)
		return commands.Reply{Text: c.createdText(t, notes), ChannelID: mm.Channel, Thread: c.threadPost(ctx, t, mm, s.Actor)}
	}
	repeat := func(prior commands.Reply, finished bool) commands.Reply {
		if !finished {
			return commands.Reply{Text: "A ticket is being made from that message already; I didn't start a second one.", ChannelID: mm.Channel}
		}
		return commands.Reply{Text: "That message was made into a ticket already; nothing new was created. " + prior.Text, ChannelID: mm.Channel, Outcome: commands.OutcomeDuplicate}
	}
	settle := func(prior commands.Reply, finished bool) commands.Reply {
		// A recorded "Created #N" made the ticket, though this version's
		// index may not know it (the previous version's replica made it
		// from a reply, during a rolling upgrade): nothing to settle.
		if finished && !strings.HasPrefix(prior.Text, createdPrefix) {
			if r, ok := c.settleUnconfirmed(ctx, s, mm, write, repeat); ok {
				return r
			}
		}
		return repeat(prior, finished)
	}
	// A create that failed made no ticket: the message may become one.
	return c.cfg.OnceUntilDone(ctx, messageKey(mm), write, settle)
}

// settleUnconfirmed answers a message tried again whose create is
// recorded but named no ticket: Syncro didn't confirm it and could not be
// read back then. Syncro is
// read back now: a ticket with the form's subject made since the message
// and not another message's is the message's, and is recorded as such;
// none lets one more create run, under a claim of its own
// (messageKey/unconfirmed), so the message becomes one ticket. ok false
// when the message's ticket is recorded, or Syncro still can't tell:
// the recorded answer stands.
//
// Syncro calls: 1 (the customer's tickets since the message), plus the
// create's when none is there.
func (c *feature) settleUnconfirmed(ctx context.Context, s commands.Submission, mm *commands.MessageMeta, write func() commands.Reply,
	repeat func(commands.Reply, bool) commands.Reply) (commands.Reply, bool) {
	if _, ok, err := c.cfg.Store.ThreadTicket(mm.Channel, mm.TS); err != nil || ok {
		return commands.Reply{}, false
	}
	customerID, _ := strconv.ParseInt(commands.SelectedValue(s, commands.BlockCustomer), 10, 64)
	secs, err := strconv.ParseFloat(mm.TS, 64)
	if customerID <= 0 || err != nil {
		return commands.Reply{}, false
	}
	posted := time.Unix(int64(secs), 0).Add(-time.Minute)
	t, err := c.createdSince(ctx, customerID, commands.InputText(s, commands.BlockSubject), posted, func(t *syncro.Ticket) bool {
		_, other, err := c.cfg.Store.TicketThread(t.ID)
		return err == nil && !other
	})
	switch {
	case err != nil:
		c.cfg.Logger.WarnContext(ctx, "unconfirmed ticket from a message still unreadable", "channel", mm.Channel, "ts", mm.TS, "err", err)
		return commands.Reply{}, false
	case t != nil:
		return commands.Reply{Text: "Syncro holds the ticket made from that message, though it didn't confirm it then; nothing new was created. " +
			c.createdText(t, c.recordThread(ctx, t, mm, s.Actor)), ChannelID: mm.Channel, Outcome: commands.OutcomeDuplicate}, true
	}
	return c.cfg.OnceUntilDone(ctx, messageKey(mm)+"/unconfirmed", write, repeat), true
}

// recordThread records that ticket t was made from the message mm names
// (news about it goes to the message's thread, and the message and its
// thread find it again); the note to add to the reply when the store
// could not record it.
func (c *feature) recordThread(ctx context.Context, t *syncro.Ticket, mm *commands.MessageMeta, by commands.Actor) []string {
	th := store.TicketThread{TicketID: t.ID, Number: t.Number.String(), Channel: mm.Channel, TS: mm.Thread(), MessageTS: mm.TS,
		Shared: mm.Shared, CreatedBy: by.SlackUserID}
	if err := c.cfg.Store.SetTicketThread(th); err != nil {
		c.cfg.Logger.ErrorContext(ctx, "ticket made from a message; its thread not recorded", "ticket", t.Number.String(), "err", err)
		return []string{"I couldn't record the message's thread, so later news about the ticket won't go there."}
	}
	return nil
}

// threadOfLink is the thread's parent named by a reply's permalink
// (?thread_ts=, Slack's chat.getPermalink), "" when the link names none
// or names the message itself.
func threadOfLink(link, ts string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if root := u.Query().Get("thread_ts"); root != ts {
		return root
	}
	return ""
}

// threadPost is what the message's thread hears of the new ticket: the
// summary in an internal channel; in a shared one the neutral line when
// the channel's link has --acknowledge, else nothing.
func (c *feature) threadPost(ctx context.Context, t *syncro.Ticket, mm *commands.MessageMeta, by commands.Actor) *commands.ThreadPost {
	number := slackfmt.EscapeMrkdwn(t.Number.String())
	if mm.Shared {
		if l, ok := c.cfg.ChannelLink(ctx, mm.Channel); ok && l.Acknowledge {
			return &commands.ThreadPost{ChannelID: mm.Channel, ThreadTS: mm.Thread(), Neutral: true,
				Text: "Ticket #" + number + " opened — we're on it."}
		}
		return nil
	}
	text := fmt.Sprintf("Ticket #%s created from this message by <@%s>: *%s* · %s · %s",
		number, by.SlackUserID, slackfmt.MrkdwnLine(t.Subject, 150),
		slackfmt.MrkdwnLine(commands.DashIfBlank(t.CustomerBusinessThenName), commands.MaxCustomerLen),
		slackfmt.MrkdwnLine(commands.DashIfBlank(t.Status), commands.MaxStatusLen))
	if u := c.ticketURL(t.ID); u != "" {
		text += fmt.Sprintf(" (<%s|open in Syncro>)", u)
	}
	return &commands.ThreadPost{ChannelID: mm.Channel, ThreadTS: mm.Thread(), Text: text}
}

// customerMatch is the customer the form starts from and how it was
// found, in a sentence for the form.
type customerMatch struct {
	customerID   int64
	customerName string
	contact      string
	how          string
}

// customerForMessage finds the customer of a message: the channel's
// link, else the author's email as a customer's or one of its contacts'
// (among the customers sharing the email's domain), else the email's
// domain as a single customer's. Syncro's API cannot search contacts by
// email, so a contact is found only at a customer whose own email shares
// its domain.
func (c *feature) customerForMessage(ctx context.Context, channelID string, a commands.MessageAuthor) customerMatch {
	email := strings.ToLower(strings.TrimSpace(a.Email))
	if l, ok := c.cfg.ChannelLink(ctx, channelID); ok {
		// The link outlives the customer when it is deleted in Syncro: a
		// form preselecting it would end in a ticket Syncro refuses.
		if _, _, err := c.cfg.Syncro.Customers.Get(ctx, l.CustomerID); errors.Is(err, syncro.ErrNotFound) {
			c.cfg.Logger.InfoContext(ctx, "channel linked to a customer Syncro no longer has", "channel", channelID, "customer_id", l.CustomerID)
			return customerMatch{how: "This channel is linked to " + slackfmt.MrkdwnLine(l.CustomerName, commands.MaxCustomerLen) +
				", which Syncro no longer has; pick the customer (and " + cmdline.Code(cmdline.SlashCommand+" link") + " the channel again)."}
		}
		m := customerMatch{customerID: l.CustomerID, customerName: l.CustomerName,
			how: "Customer from this channel's link (" + cmdline.Code(cmdline.SlashCommand+" links") + ")."}
		if ct := c.contactWithEmail(ctx, l.CustomerID, email); ct != nil {
			m.contact = ct.Name
			m.how = "Customer from this channel's link, contact from the author's email (" + slackfmt.MrkdwnLine(email, 120) + ")."
		}
		return m
	}
	switch {
	case a.BotID != "":
		return customerMatch{how: "A bot wrote this message, so there is no email to find the customer by; pick one."}
	case email == "":
		return customerMatch{how: "Slack didn't share the author's email, so pick the customer (or link this channel to one: " + cmdline.Code(cmdline.SlashCommand+" link") + ")."}
	}
	if found, _, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Email: email}); err == nil && len(found) == 1 && strings.EqualFold(found[0].Email, email) {
		cu := &found[0]
		m := customerMatch{customerID: cu.ID, customerName: customerLabel(cu), how: "Customer from the author's email (" + slackfmt.MrkdwnLine(email, 120) + "), the customer's own."}
		if ct := c.contactWithEmail(ctx, cu.ID, email); ct != nil {
			m.contact = ct.Name
			m.how = "Customer and contact from the author's email (" + slackfmt.MrkdwnLine(email, 120) + ")."
		}
		return m
	} else if err != nil {
		c.cfg.Logger.WarnContext(ctx, "customer by email not looked up", "err", err)
	}
	domain := customers.EmailDomain(email)
	if domain == "" {
		return customerMatch{how: "No customer has the author's email (" + slackfmt.MrkdwnLine(email, 120) + "), and its domain is a public mail provider; pick the customer."}
	}
	list, _, err := c.cfg.Syncro.Customers.List(ctx, &syncro.CustomerListOptions{Query: domain})
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "customers by email domain not looked up", "err", err)
		return customerMatch{how: "Syncro couldn't be asked for customers at " + slackfmt.MrkdwnLine(domain, 120) + " (" + commands.SyncroAnswer(err) + "); pick the customer."}
	}
	var same []syncro.Customer
	for _, cu := range list {
		if customers.EmailDomain(cu.Email) == domain {
			same = append(same, cu)
		}
	}
	for i := range same {
		if i == maxDomainCandidates {
			break
		}
		if ct := c.contactWithEmail(ctx, same[i].ID, email); ct != nil {
			return customerMatch{customerID: same[i].ID, customerName: customerLabel(&same[i]), contact: ct.Name,
				how: fullStop("Customer and contact from the author's email (" + slackfmt.MrkdwnLine(email, 120) + "), a contact of " + slackfmt.MrkdwnLine(customerLabel(&same[i]), commands.MaxCustomerLen))}
		}
	}
	switch len(same) {
	case 0:
		return customerMatch{how: "No customer has the author's email (" + slackfmt.MrkdwnLine(email, 120) + ") or its domain; pick the customer."}
	case 1:
		return customerMatch{customerID: same[0].ID, customerName: customerLabel(&same[0]),
			how: "Customer from the email domain " + slackfmt.MrkdwnLine(domain, 120) + " (no contact has " + slackfmt.MrkdwnLine(email, 120) + " yet)."}
	}
	names := make([]string, 0, len(same))
	for i := range same {
		names = append(names, customerLabel(&same[i]))
	}
	return customerMatch{how: "Several customers use " + slackfmt.MrkdwnLine(domain, 120) + " (" + slackfmt.MrkdwnLine(strings.Join(names, ", "), 300) + "); pick one."}
}

// fullStop ends a sentence with one full stop, also after a name that
// ends in one ("Acme Corp.").
func fullStop(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// contactWithEmail is the customer's contact with email, nil when none
// (or the contacts could not be read, which is logged).
func (c *feature) contactWithEmail(ctx context.Context, customerID int64, email string) *syncro.Contact {
	if email == "" {
		return nil
	}
	contacts, err := syncro.Collect(c.cfg.Syncro.Contacts.All(ctx, &syncro.ContactListOptions{CustomerID: customerID}))
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "contacts not read to match an email", "customer_id", customerID, "err", err)
		return nil
	}
	for i := range contacts {
		if strings.EqualFold(strings.TrimSpace(contacts[i].Email), email) {
			return &contacts[i]
		}
	}
	return nil
}

// customerLabel is how the form names a customer: business, else person.
func customerLabel(cu *syncro.Customer) string {
	if cu.BusinessThenName != "" {
		return cu.BusinessThenName
	}
	if cu.BusinessName != "" {
		return cu.BusinessName
	}
	return strings.TrimSpace(cu.Fullname)
}
