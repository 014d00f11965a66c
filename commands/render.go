package commands

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/htmltext"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// Rendering of read-side replies: pure functions from Syncro records to
// Block Kit, so golden files and benchmarks need no HTTP.
//
// Every mrkdwn text object here is verbatim: without it Slack "helpfully"
// turns a bare @channel or #general inside a Syncro comment into a mention
// or a link. Escaping (slackfmt.EscapeMrkdwn / slackfmt.MrkdwnText)
// handles the <!channel> and <@U…> forms; verbatim handles the bare ones.

// Bounds on single values from Syncro inside a summary line or a field,
// in characters after escaping, so one absurd subject cannot crowd out a
// whole section.
const (
	maxStatusLen   = 40
	maxCustomerLen = 80
	maxSubjectLen  = 200
	maxNameLen     = 80
	// maxCommentLen is how much of a comment body the ticket detail shows.
	maxCommentLen = 500
	// commentsShown is how many of a ticket's latest comments it shows.
	commentsShown = 5
	// maxCustomersShown caps a customer search; it is for finding one
	// customer, and more than this means the words were too vague.
	maxCustomersShown = 30
)

// verbatimMrkdwn is a verbatim mrkdwn text object (see the file comment).
func verbatimMrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

// boundedPlain is a plain_text object; Slack rejects empty text, so "" becomes a
// dash.
func boundedPlain(s string, n int) *slack.TextBlockObject {
	s = slackfmt.PlainText(s, n)
	if s == "" {
		s = "-"
	}
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// textSection is a section holding mrkdwn text, capped to Slack's limit.
func textSection(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(verbatimMrkdwn(capMrkdwn(s, slackfmt.MaxSectionText)), nil, nil)
}

// noteContext is a context block with one mrkdwn element.
func noteContext(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", verbatimMrkdwn(capMrkdwn(s, slackfmt.MaxSectionText)))
}

// capMrkdwn cuts already-escaped mrkdwn to n characters without leaving a
// half entity ("&am") or a dangling formatting line behind. It is the last
// guard; callers bound their parts so it rarely cuts.
func capMrkdwn(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := slackfmt.Truncate(s, n)
	body := strings.TrimSuffix(cut, slackfmt.Ellipsis)
	if amp := strings.LastIndexByte(body, '&'); amp >= 0 && !strings.Contains(body[amp:], ";") {
		body = body[:amp]
	}
	return body + slackfmt.Ellipsis
}

// inlineMrkdwn prepares one value from Syncro for a single mrkdwn line: runs of
// whitespace (newlines too) become one space, then it is escaped and
// bounded to n characters.
func inlineMrkdwn(s string, n int) string {
	if isPlainInline(s, n) {
		return s // the common case; rendering a list is mostly this
	}
	return slackfmt.MrkdwnText(strings.Join(strings.Fields(s), " "), n)
}

// isPlainInline reports whether inlineMrkdwn would return s unchanged: at
// most n characters, nothing to escape, single spaces only, no space at
// either end.
func isPlainInline(s string, n int) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	count := 0
	prevSpace := false
	for _, r := range s {
		count++
		switch {
		case r == '&' || r == '<' || r == '>':
			return false
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case unicode.IsSpace(r):
			return false
		}
		prevSpace = false
	}
	return count <= n
}

// dashIfBlank is s, or a dash when s is blank.
func dashIfBlank(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// ---- ticket lists ----

// sortTicketSummary orders a summary: by status name (alphabetically, so the
// same rule serves every list without a /tickets/settings call), then
// newest first, then by number so the order is total.
func sortTicketSummary(ts []syncro.Ticket) {
	slices.SortStableFunc(ts, func(a, b syncro.Ticket) int {
		if c := compareFold(a.Status, b.Status); c != 0 {
			return c
		}
		if c := b.CreatedAt.Compare(a.CreatedAt.Time); c != 0 {
			return c
		}
		return cmp.Compare(string(b.Number), string(a.Number))
	})
}

// compareFold compares a and b ignoring case, without allocating (a
// sort calls it n log n times).
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// ticketLine is one summary line: "#32164  New  Jerry Burger  Own cloud
// thing again", every part from Syncro escaped and bounded.
func ticketLine(t *syncro.Ticket) string {
	customer := t.CustomerBusinessThenName
	if customer == "" && t.Customer != nil {
		customer = t.Customer.BusinessThenName
	}
	return "#" + inlineMrkdwn(t.Number.String(), 20) +
		"  " + inlineMrkdwn(dashIfBlank(t.Status), maxStatusLen) +
		"  " + inlineMrkdwn(dashIfBlank(customer), maxCustomerLen) +
		"  " + inlineMrkdwn(dashIfBlank(t.Subject), maxSubjectLen)
}

// countNoun is "1 ticket" / "3 tickets".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// renderTicketList renders tickets as a summary under title (plain text,
// e.g. "34 open tickets"), sorted in place. note, when set, is a mrkdwn
// context line under the title (already escaped). The reply is split into
// further messages when Block Kit's limits require it.
func renderTicketList(title, note string, tickets []syncro.Ticket) Reply {
	sortTicketSummary(tickets)
	lines := make([]string, len(tickets))
	for i := range tickets {
		lines[i] = ticketLine(&tickets[i])
	}
	return splitReply(title, note, packLines(lines, "\n"))
}

// packLines joins lines into as few section texts as possible, each at
// most slackfmt.MaxSectionText characters, never splitting a line (lines are
// bounded well below the limit; one that is not is capped).
func packLines(lines []string, sep string) []string {
	var texts []string
	var b strings.Builder
	n := 0
	for _, l := range lines {
		l = capMrkdwn(l, slackfmt.MaxSectionText)
		ln := utf8.RuneCountInString(l)
		if n > 0 && n+len(sep)+ln > slackfmt.MaxSectionText {
			texts = append(texts, b.String())
			b.Reset()
			n = 0
		}
		if n > 0 {
			b.WriteString(sep)
			n += len(sep)
		}
		b.WriteString(l)
		n += ln
	}
	if n > 0 {
		texts = append(texts, b.String())
	}
	return texts
}

// splitReply lays out a header, an optional note and the section texts over
// as many messages as Block Kit's limits need: at most
// slackfmt.MaxBlocksPerMessage blocks and slackfmt.MaxMessageText
// characters each. Later messages open with a context line naming the part,
// so a reader who sees only one knows there are others.
func splitReply(title, note string, texts []string) Reply {
	title = slackfmt.PlainText(title, slackfmt.MaxHeaderText)
	type msg struct {
		blocks []slack.Block
		chars  int
	}
	first := msg{blocks: []slack.Block{slack.NewHeaderBlock(boundedPlain(title, slackfmt.MaxHeaderText))}, chars: utf8.RuneCountInString(title)}
	if note != "" {
		first.blocks = append(first.blocks, noteContext(note))
		first.chars += utf8.RuneCountInString(note)
	}
	msgs := []msg{first}
	// contChars reserves room for the "part i of n" context of a
	// continuation message.
	contChars := utf8.RuneCountInString(title) + 40
	for _, t := range texts {
		cur := &msgs[len(msgs)-1]
		tn := utf8.RuneCountInString(t)
		if len(cur.blocks)+1 > slackfmt.MaxBlocksPerMessage || cur.chars+tn > slackfmt.MaxMessageText {
			msgs = append(msgs, msg{blocks: []slack.Block{nil}, chars: contChars})
			cur = &msgs[len(msgs)-1]
		}
		cur.blocks = append(cur.blocks, textSection(t))
		cur.chars += tn
	}
	text := slackfmt.EscapeMrkdwn(title)
	r := Reply{Text: text, Blocks: msgs[0].blocks}
	for i, m := range msgs[1:] {
		part := fmt.Sprintf("%s (part %d of %d)", title, i+2, len(msgs))
		m.blocks[0] = noteContext(slackfmt.EscapeMrkdwn(part))
		r.More = append(r.More, Message{Text: slackfmt.EscapeMrkdwn(part), Blocks: m.blocks})
	}
	return r
}

// ---- ticket detail ----

// ticketView is everything the detail of one ticket shows, gathered by the
// handler.
type ticketView struct {
	Ticket *syncro.Ticket
	// Invoices made from the ticket; nil when none was looked up.
	Invoices []syncro.Invoice
	// Now decides whether dates need their year.
	Now time.Time
	// Labor names time entries by labor kind.
	Labor labor.Products
	// WebURL is Syncro's web app base; empty hides "Open in Syncro".
	WebURL string
	// CanBill shows the "Make invoice" button.
	CanBill bool
}

// renderTicket is the ticket detail: header, fields, the latest comments,
// time entries, billing status and buttons.
func renderTicket(v ticketView) Reply {
	t := v.Ticket
	title := "#" + t.Number.String() + " " + strings.Join(strings.Fields(t.Subject), " ")
	blocks := []slack.Block{
		slack.NewHeaderBlock(boundedPlain(title, slackfmt.MaxHeaderText)),
		slack.NewSectionBlock(nil, ticketFields(t, v.Now), nil),
	}
	blocks = append(blocks, ticketCommentBlocks(t, v.Now)...)
	blocks = append(blocks,
		slack.NewDividerBlock(),
		textSection(ticketTimeText(t, v.Labor, v.Now)),
		textSection(ticketBillingText(t, v.Invoices)),
		ticketButtons(t, v.WebURL, v.CanBill),
	)
	return Reply{Text: slackfmt.EscapeMrkdwn(slackfmt.PlainText(title, slackfmt.MaxHeaderText)), Blocks: blocks}
}

// ticketField is one "*Label*\nvalue" section field; value is already mrkdwn.
func ticketField(label, value string) *slack.TextBlockObject {
	return verbatimMrkdwn(capMrkdwn("*"+label+"*\n"+value, slackfmt.MaxSectionFieldText))
}

func ticketFields(t *syncro.Ticket, now time.Time) []*slack.TextBlockObject {
	customer := t.CustomerBusinessThenName
	if customer == "" && t.Customer != nil {
		customer = t.Customer.BusinessThenName
	}
	contact := t.ContactFullname
	if t.Contact != nil && t.Contact.Name != "" {
		contact = t.Contact.Name
	}
	tech := "Unassigned"
	if t.User != nil && t.User.FullName != "" {
		tech = t.User.FullName
	} else if t.UserID != nil {
		tech = "user " + strconv.FormatInt(*t.UserID, 10)
	}
	return []*slack.TextBlockObject{
		ticketField("Status", inlineMrkdwn(dashIfBlank(t.Status), maxStatusLen)),
		ticketField("Priority", inlineMrkdwn(dashIfBlank(t.Priority), maxStatusLen)),
		ticketField("Customer", inlineMrkdwn(dashIfBlank(customer), maxCustomerLen)),
		ticketField("Contact", inlineMrkdwn(dashIfBlank(contact), maxNameLen)),
		ticketField("Created", accountTime(t.CreatedAt, now)),
		ticketField("Due", accountTime(t.DueDate, now)),
		ticketField("Updated", accountTime(t.UpdatedAt, now)),
		ticketField("Assigned", inlineMrkdwn(tech, maxNameLen)),
	}
}

// accountTime renders a Syncro timestamp in the account's time zone: Syncro
// sends every timestamp with the account's offset, and Timestamp keeps it,
// so the wall clock is the account's without a /settings call. The year is
// added only when it isn't now's year; date-only values get no time.
func accountTime(ts syncro.Timestamp, now time.Time) string {
	if ts.IsZero() {
		return "-"
	}
	t := ts.Time
	dateOnly := t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	layout := "Jan 2"
	if t.Year() != now.In(t.Location()).Year() {
		layout += ", 2006"
	}
	if !dateOnly {
		layout += ", 3:04 PM"
	}
	return t.Format(layout)
}

// ticketCommentAuthor is the comment's author: the tech's name, or the customer
// (named when Syncro has a name) when no user wrote it.
func ticketCommentAuthor(c *syncro.Comment) string {
	name := strings.TrimSpace(c.Tech)
	switch {
	case c.UserID == nil && name == "":
		return "customer"
	case c.UserID == nil:
		return inlineMrkdwn(name, maxNameLen) + " (customer)"
	case name == "":
		return "tech"
	}
	return inlineMrkdwn(name, maxNameLen)
}

// ticketCommentBlocks shows the latest comments, newest first: HTML turned to
// text, long bodies cut, internal ones marked.
func ticketCommentBlocks(t *syncro.Ticket, now time.Time) []slack.Block {
	cs := slices.Clone(t.Comments)
	slices.SortStableFunc(cs, func(a, b syncro.Comment) int {
		if c := b.CreatedAt.Compare(a.CreatedAt.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if len(cs) == 0 {
		return []slack.Block{textSection("*Comments*\nNo comments yet.")}
	}
	head := "*Comments*"
	if len(cs) > commentsShown {
		head += fmt.Sprintf(" (latest %d of %d)", commentsShown, len(cs))
		cs = cs[:commentsShown]
	}
	out := []slack.Block{textSection(head)}
	for i := range cs {
		out = append(out, textSection(ticketCommentText(&cs[i], now)))
	}
	return out
}

// ticketCommentText is one comment: a line naming it, then its body quoted.
func ticketCommentText(c *syncro.Comment, now time.Time) string {
	var b strings.Builder
	subject := strings.TrimSpace(c.Subject)
	if subject == "" {
		subject = "Comment"
	}
	b.WriteString("*" + inlineMrkdwn(subject, 100) + "* · " + ticketCommentAuthor(c) + " · " + accountTime(c.CreatedAt, now))
	if c.Hidden {
		b.WriteString(" · 🔒 _internal_")
	}
	body := strings.TrimSpace(htmltext.ToText(c.Body))
	if body == "" {
		body = "(empty)"
	}
	for _, line := range strings.Split(slackfmt.MrkdwnText(body, maxCommentLen), "\n") {
		b.WriteString("\n>" + line)
	}
	return b.String()
}

// shownTimerMinutes is a timer's length in whole minutes (rounded), preferring
// Syncro's billable time, which may be rounded by account rules.
func shownTimerMinutes(tm *syncro.Timer) int {
	secs := tm.BillableTime
	if secs <= 0 {
		secs = tm.ActiveDuration
	}
	return int((secs + 30) / 60)
}

// timerLaborLabel is what a time entry is billed as: the labor kind when the
// product is in the labor map, else the charged line item's name, else the
// product id.
func timerLaborLabel(tm *syncro.Timer, t *syncro.Ticket, products labor.Products) string {
	if tm.ProductID == nil {
		return "no labor type"
	}
	if k, ok := products.Kind(*tm.ProductID); ok {
		return k
	}
	if li := ticketLineItemByID(t, tm.TicketLineItemID); li != nil && li.Name != "" {
		return inlineMrkdwn(li.Name, 60)
	}
	return "product " + strconv.FormatInt(*tm.ProductID, 10)
}

func ticketLineItemByID(t *syncro.Ticket, id *int64) *syncro.TicketLineItem {
	if id == nil {
		return nil
	}
	for i := range t.LineItems {
		if t.LineItems[i].ID == *id {
			return &t.LineItems[i]
		}
	}
	return nil
}

// ticketTimeText lists the time entries, newest first, with the total. Lines
// that would overflow the section are summarised.
func ticketTimeText(t *syncro.Ticket, products labor.Products, now time.Time) string {
	if len(t.TicketTimers) == 0 {
		return "*Time*\nNo time logged."
	}
	tms := slices.Clone(t.TicketTimers)
	slices.SortStableFunc(tms, func(a, b syncro.Timer) int {
		if c := b.StartTime.Compare(a.StartTime.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	total := 0
	var lines []string
	for i := range tms {
		tm := &tms[i]
		state := "charged"
		if !tm.Recorded {
			state = "not charged"
		}
		var line string
		if tm.EndTime.IsZero() {
			line = "• running since " + accountTime(tm.StartTime, now) + " · " + timerLaborLabel(tm, t, products)
		} else {
			m := shownTimerMinutes(tm)
			total += m
			line = "• " + FormatMinutes(m) + " · " + timerLaborLabel(tm, t, products) + " · " + accountTime(tm.StartTime, now) + " · " + state
		}
		lines = append(lines, line)
	}
	foot := "*Total: " + FormatMinutes(total) + "*"
	head := "*Time*"
	n := utf8.RuneCountInString(head) + utf8.RuneCountInString(foot) + 2
	shown := 0
	for _, l := range lines {
		// Leave room for the "…and N more" line.
		if n+utf8.RuneCountInString(l)+1 > slackfmt.MaxSectionText-40 {
			break
		}
		n += utf8.RuneCountInString(l) + 1
		shown++
	}
	out := head + "\n" + strings.Join(lines[:shown], "\n")
	if shown < len(lines) {
		out += fmt.Sprintf("\n…and %d more", len(lines)-shown)
	}
	return out + "\n" + foot
}

// ticketBillingText says what of the ticket's time is still to bill: minutes not
// charged yet, charges not invoiced yet, and the invoices made.
func ticketBillingText(t *syncro.Ticket, invoices []syncro.Invoice) string {
	unbilled := 0
	for i := range t.TicketTimers {
		tm := &t.TicketTimers[i]
		if !tm.Recorded && !tm.EndTime.IsZero() {
			unbilled += shownTimerMinutes(tm)
		}
	}
	var pending syncro.Money
	pendingItems, converted := 0, 0
	for _, li := range t.LineItems {
		if li.Converted {
			converted++
			continue
		}
		pending = pending.Add(li.Total())
		pendingItems++
	}
	lines := []string{"*Billing*"}
	if unbilled > 0 {
		lines = append(lines, "Not charged yet: "+FormatMinutes(unbilled)+" of time")
	}
	if pendingItems > 0 {
		lines = append(lines, fmt.Sprintf("Charged, not invoiced: %s totalling %s", countNoun(pendingItems, "line item", "line items"), pending))
	}
	switch {
	case len(invoices) > 0:
		var nums []string
		for _, inv := range invoices {
			s := "#" + inlineMrkdwn(inv.Number.String(), 20)
			if inv.IsPaid {
				s += " (paid)"
			} else {
				s += " (unpaid)"
			}
			nums = append(nums, s)
		}
		lines = append(lines, "Invoiced: "+strings.Join(nums, ", "))
	case converted > 0:
		lines = append(lines, "Invoiced: "+countNoun(converted, "line item", "line items"))
	}
	if len(lines) == 1 {
		lines = append(lines, "Nothing to bill.")
	}
	return strings.Join(lines, "\n")
}

// ticketButtons are the actions under a ticket. Each carries
// TicketButtonValue so the write side needs no lookup.
func ticketButtons(t *syncro.Ticket, webURL string, canBill bool) *slack.ActionBlock {
	number, _ := t.Number.Int64()
	value := TicketButtonValue(t.ID, number)
	els := []slack.BlockElement{
		slack.NewButtonBlockElement(ActionLogTime, value, boundedPlain("Log time", slackfmt.MaxButtonText)),
		slack.NewButtonBlockElement(ActionClose, value, boundedPlain("Close", slackfmt.MaxButtonText)),
	}
	if canBill {
		els = append(els, slack.NewButtonBlockElement(ActionBill, value, boundedPlain("Make invoice", slackfmt.MaxButtonText)))
	}
	if u := syncro.TicketURL(webURL, t.ID); u != "" {
		if len(u) <= slackfmt.MaxButtonURL {
			els = append(els, slack.NewButtonBlockElement(ActionOpenInSyncro, value, boundedPlain("Open in Syncro", slackfmt.MaxButtonText)).WithURL(u))
		}
	}
	return slack.NewActionBlock(ticketActionsBlockID, els...)
}

// ---- customers ----

// customerSummary is one customer of a search: name and open tickets, then
// main contact, email and phone.
func customerSummary(c *syncro.Customer, open int) string {
	name := c.BusinessThenName
	if name == "" {
		name = strings.TrimSpace(c.Fullname)
	}
	head := "*" + inlineMrkdwn(dashIfBlank(name), maxCustomerLen) + "* · " + countNoun(open, "open ticket", "open tickets")
	var parts []string
	contact := ""
	if c.BusinessName != "" {
		contact = strings.TrimSpace(c.Fullname)
	}
	if contact == "" && len(c.Contacts) > 0 && c.Contacts[0].Name != name {
		contact = c.Contacts[0].Name
	}
	if contact != "" {
		parts = append(parts, inlineMrkdwn(contact, maxNameLen))
	}
	if c.Email != "" {
		parts = append(parts, inlineMrkdwn(c.Email, 120))
	}
	phone := c.Phone
	if phone == "" {
		phone = c.Mobile
	}
	if phone != "" {
		parts = append(parts, inlineMrkdwn(phone, 40))
	}
	if len(parts) == 0 {
		return head + "\nNo contact details."
	}
	return head + "\n" + strings.Join(parts, " · ")
}

// renderCustomers lists customers found by a search with their open
// ticket counts (open maps customer id to count). total is how many
// matched in Syncro, which may exceed those given.
func renderCustomers(query string, customers []syncro.Customer, total int, open map[int64]int) Reply {
	title := fmt.Sprintf("%s matching “%s”", countNoun(total, "customer", "customers"), strings.Join(strings.Fields(query), " "))
	note := ""
	if len(customers) > maxCustomersShown {
		customers = customers[:maxCustomersShown]
	}
	if len(customers) < total {
		note = fmt.Sprintf("Showing the first %d; add words to narrow it down.", len(customers))
	}
	entries := make([]string, len(customers))
	for i := range customers {
		entries[i] = customerSummary(&customers[i], open[customers[i].ID])
	}
	return splitReply(title, note, packLines(entries, "\n\n"))
}
