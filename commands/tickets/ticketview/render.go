package ticketview

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
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
// or a link. Escaping (MrkdwnLiteral / MrkdwnText) handles the <!channel>
// and <@U…> forms and Slack's formatting characters; verbatim handles the
// bare ones.

// ---- ticket lists ----

// sortTicketSummary orders a summary: open tickets before done ones
// (syncro.IsClosedStatus), then by status name (alphabetically, so the same
// rule serves every list without a /tickets/settings call), then newest
// first, then by number so the order is total.
func sortTicketSummary(ts []syncro.Ticket) {
	// Whether a ticket is done is worked out once per ticket rather than
	// twice per comparison, and an index is sorted rather than the tickets
	// (over 500 bytes each, which a stable sort would move many times):
	// the list is rendered once per /syncro, 200 at a standup.
	closed := make([]bool, len(ts))
	order := make([]int, len(ts))
	for i := range ts {
		closed[i] = syncro.IsClosedStatus(ts[i].Status)
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := &ts[i], &ts[j]
		// Open before done: a search shows what still needs work first.
		if closed[i] != closed[j] {
			if closed[i] {
				return 1
			}
			return -1
		}
		if c := commands.CompareFold(a.Status, b.Status); c != 0 {
			return c
		}
		if c := b.CreatedAt.Compare(a.CreatedAt.Time); c != 0 {
			return c
		}
		return cmp.Compare(string(b.Number), string(a.Number))
	})
	permute(ts, order)
}

// permute reorders ts in place so that ts[k] becomes the old ts[order[k]],
// following each cycle of the permutation once; order is used up.
func permute(ts []syncro.Ticket, order []int) {
	for start := range order {
		if order[start] == start {
			continue
		}
		held := ts[start]
		k := start
		for order[k] != start {
			next := order[k]
			ts[k] = ts[next]
			order[k] = k
			k = next
		}
		ts[k] = held
		order[k] = k
	}
}

// RenderTicketList renders tickets as a summary under title (plain text,
// e.g. "34 open tickets"), sorted in place. note, when set, is a mrkdwn
// context line under the title (already escaped). The reply is split into
// further messages when Block Kit's limits require it.
func RenderTicketList(title, note string, tickets []syncro.Ticket) commands.Reply {
	sortTicketSummary(tickets)
	lines := make([]string, len(tickets))
	for i := range tickets {
		lines[i] = commands.TicketLine(&tickets[i])
	}
	return commands.SplitReply(title, note, commands.PackLines(lines, "\n"))
}

// ---- ticket detail ----

// TicketView is everything the detail of one ticket shows, gathered by the
// handler.
type TicketView struct {
	Ticket *syncro.Ticket
	// Invoices made from the ticket; nil when none was looked up.
	Invoices []syncro.Invoice
	// Now decides whether dates need their year.
	Now time.Time
	// Labor names time entries by labor kind.
	Labor labor.Products
	// WebURL is Syncro's web app base; empty hides "Open in Syncro".
	WebURL string
	// CanBill shows the "Make invoice" button to a tech who may bill, on
	// a ticket not invoiced yet.
	CanBill bool
	// Currency is the account's, for the amounts to bill.
	Currency account.Currency
}

// RenderTicket is the ticket detail: header, fields, the latest comments,
// time entries, billing status and buttons.
func RenderTicket(v TicketView) commands.Reply {
	t := v.Ticket
	title := "#" + t.Number.String() + " " + strings.Join(strings.Fields(t.Subject), " ")
	blocks := []slack.Block{
		slack.NewHeaderBlock(commands.BoundedPlain(title, slackfmt.MaxHeaderText)),
		slack.NewSectionBlock(nil, ticketFields(t, v.Now), nil),
	}
	blocks = append(blocks, ticketCommentBlocks(t, v.Now)...)
	blocks = append(blocks,
		slack.NewDividerBlock(),
		commands.TextSection(TicketTimeText(t, v.Labor, v.Now)),
		commands.TextSection(TicketBillingText(t, v.Invoices, v.Currency)),
		ticketButtons(t, v.WebURL, v.CanBill && !invoiced(t, v.Invoices)),
	)
	return commands.Reply{Text: slackfmt.MrkdwnLiteral(slackfmt.PlainText(title, slackfmt.MaxHeaderText)), Blocks: blocks}
}

// ticketField is one "*Label*\nvalue" section field; value is already mrkdwn.
func ticketField(label, value string) *slack.TextBlockObject {
	return commands.VerbatimMrkdwn(commands.CapMrkdwn("*"+label+"*\n"+value, slackfmt.MaxSectionFieldText))
}

func ticketFields(t *syncro.Ticket, now time.Time) []*slack.TextBlockObject {
	customer := t.CustomerName()
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
		ticketField("Status", commands.InlineMrkdwn(commands.DashIfBlank(t.Status), commands.MaxStatusLen)),
		ticketField("Priority", commands.InlineMrkdwn(commands.DashIfBlank(t.Priority), commands.MaxStatusLen)),
		ticketField("Customer", commands.InlineMrkdwn(commands.DashIfBlank(customer), commands.MaxCustomerLen)),
		ticketField("Contact", commands.InlineMrkdwn(commands.DashIfBlank(contact), commands.MaxNameLen)),
		ticketField("Created", AccountTime(t.CreatedAt, now)),
		ticketField("Due", DueDate(t.DueDate, now)),
		ticketField("Updated", AccountTime(t.UpdatedAt, now)),
		ticketField("Assigned", commands.InlineMrkdwn(tech, commands.MaxNameLen)),
	}
}

// AccountTime renders a Syncro timestamp in the account's time zone: Syncro
// sends every timestamp with the account's offset, and Timestamp keeps it,
// so the wall clock is the account's without a /settings call. The year is
// added only when it isn't now's year; date-only values get no time.
func AccountTime(ts syncro.Timestamp, now time.Time) string {
	return formatAt(ts, now, ts.Time.Location() == time.UTC && isMidnight(ts.Time))
}

// DueDate is a ticket's due date. Syncro stores a due date as midnight in
// the account's zone (or UTC), which is a day, not a time: "Dec 10", never
// "Dec 10, 12:00 AM".
func DueDate(ts syncro.Timestamp, now time.Time) string {
	return formatAt(ts, now, isMidnight(ts.Time))
}

// formatAt shows ts on the account's wall clock, with the year only when it
// is not now's, and without the time of day when dateOnly.
func formatAt(ts syncro.Timestamp, now time.Time, dateOnly bool) string {
	if ts.IsZero() {
		return "-"
	}
	t := ts.Time
	layout := "Jan 2"
	if t.Year() != now.In(t.Location()).Year() {
		layout += ", 2006"
	}
	if !dateOnly {
		layout += ", 3:04 PM"
	}
	return t.Format(layout)
}

// isMidnight reports a time at 00:00:00 exactly: how Syncro stores a day.
func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// ticketCommentAuthor is the comment's author: the tech's name, or the customer
// (named when Syncro has a name) when no user wrote it.
func ticketCommentAuthor(c *syncro.Comment) string {
	name := strings.TrimSpace(c.Tech)
	switch {
	case c.UserID == nil && name == "":
		return "customer"
	case c.UserID == nil:
		return commands.InlineMrkdwn(name, commands.MaxNameLen) + " (customer)"
	case name == "":
		return "tech"
	}
	return commands.InlineMrkdwn(name, commands.MaxNameLen)
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
		return []slack.Block{commands.TextSection("*Comments*\nNo comments yet.")}
	}
	head := "*Comments*"
	if len(cs) > commentsShown {
		head += fmt.Sprintf(" (latest %d of %d)", commentsShown, len(cs))
		cs = cs[:commentsShown]
	}
	out := []slack.Block{commands.TextSection(head)}
	for i := range cs {
		out = append(out, commands.TextSection(TicketCommentText(&cs[i], now)))
	}
	return out
}

// TicketCommentText is one comment: a line naming it, then its body quoted.
func TicketCommentText(c *syncro.Comment, now time.Time) string {
	var b strings.Builder
	subject := strings.TrimSpace(c.Subject)
	if subject == "" {
		subject = "Comment"
	}
	b.WriteString("*" + commands.InlineMrkdwn(subject, 100) + "* · " + ticketCommentAuthor(c) + " · " + AccountTime(c.CreatedAt, now))
	if c.Hidden {
		b.WriteString(" · 🔒 _internal_")
	}
	body := strings.TrimSpace(htmltext.ToText(c.Body))
	if body == "" {
		return b.String() // a comment without text (time only, say) is its header
	}
	for _, line := range strings.Split(slackfmt.MrkdwnText(body, maxCommentLen), "\n") {
		b.WriteString("\n>" + line)
	}
	return b.String()
}

// TimerMinutes is a timer's length in whole minutes (rounded), preferring
// Syncro's billable time, which may be rounded by account rules.
func TimerMinutes(tm *syncro.Timer) int {
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
		return commands.InlineMrkdwn(li.Name, 60)
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

// TicketTimeText lists the time entries, newest first, with the total. Lines
// that would overflow the section are summarised.
func TicketTimeText(t *syncro.Ticket, products labor.Products, now time.Time) string {
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
			line = "• running since " + AccountTime(tm.StartTime, now) + " · " + timerLaborLabel(tm, t, products)
		} else {
			m := TimerMinutes(tm)
			total += m
			line = "• " + cmdline.FormatMinutes(m) + " · " + timerLaborLabel(tm, t, products) + " · " + AccountTime(tm.StartTime, now) + " · " + state
		}
		lines = append(lines, line)
	}
	foot := "*Total: " + cmdline.FormatMinutes(total) + "*"
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

// TicketBillingText says what of the ticket's time is still to bill: minutes not
// charged yet, charges not invoiced yet (in the account's currency), and
// the invoices made.
func TicketBillingText(t *syncro.Ticket, invoices []syncro.Invoice, cur account.Currency) string {
	unbilled := 0
	for i := range t.TicketTimers {
		tm := &t.TicketTimers[i]
		if !tm.Recorded && !tm.EndTime.IsZero() {
			unbilled += TimerMinutes(tm)
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
		lines = append(lines, "Not charged yet: "+cmdline.FormatMinutes(unbilled)+" of time")
	}
	if pendingItems > 0 {
		lines = append(lines, fmt.Sprintf("Charged, not invoiced: %s totalling %s", commands.CountNoun(pendingItems, "line item", "line items"), cur.Mrkdwn(pending)))
	}
	switch {
	case len(invoices) > 0:
		var nums []string
		for _, inv := range invoices {
			s := "#" + commands.InlineMrkdwn(inv.Number.String(), 20)
			if inv.IsPaid {
				s += " (paid)"
			} else {
				s += " (unpaid)"
			}
			nums = append(nums, s)
		}
		lines = append(lines, "Invoiced: "+strings.Join(nums, ", "))
	case converted > 0:
		lines = append(lines, "Invoiced: "+commands.CountNoun(converted, "line item", "line items"))
	}
	if len(lines) == 1 {
		lines = append(lines, "Nothing to bill.")
	}
	return strings.Join(lines, "\n")
}

// invoiced reports a ticket already on an invoice: the bill flow makes no
// second one (it names the first), so the card offers no "Make invoice".
func invoiced(t *syncro.Ticket, invoices []syncro.Invoice) bool {
	return len(invoices) > 0 || slices.ContainsFunc(t.LineItems, func(li syncro.TicketLineItem) bool { return li.Converted })
}

// ticketButtons are the actions under a ticket's detail.
func ticketButtons(t *syncro.Ticket, webURL string, canBill bool) *slack.ActionBlock {
	return TicketButtons(ticketActionsBlockID, t, webURL, true, canBill)
}

// TicketButtons are the actions under a ticket, as block blockID (unique
// in its view): Log time, Close when canClose, Make invoice when canBill,
// and Open in Syncro. Each carries TicketButtonValue so the write side
// needs no lookup.
func TicketButtons(blockID string, t *syncro.Ticket, webURL string, canClose, canBill bool) *slack.ActionBlock {
	number, _ := t.Number.Int64()
	value := TicketButtonValue(t.ID, number)
	els := []slack.BlockElement{
		slack.NewButtonBlockElement(ActionLogTime, value, commands.BoundedPlain("Log time", slackfmt.MaxButtonText)),
	}
	if canClose {
		els = append(els, slack.NewButtonBlockElement(ActionClose, value, commands.BoundedPlain("Close", slackfmt.MaxButtonText)))
	}
	if canBill {
		els = append(els, slack.NewButtonBlockElement(ActionBill, value, commands.BoundedPlain("Make invoice", slackfmt.MaxButtonText)))
	}
	if u := syncro.TicketURL(webURL, t.ID); u != "" {
		if len(u) <= slackfmt.MaxButtonURL {
			els = append(els, slack.NewButtonBlockElement(ActionOpenInSyncro, value, commands.BoundedPlain("Open in Syncro", slackfmt.MaxButtonText)).WithURL(u))
		}
	}
	return slack.NewActionBlock(blockID, els...)
}

// ---- customers ----

// The ticket detail's comments.
const (
	// maxCommentLen is how much of a comment body the ticket detail shows.
	maxCommentLen = 500
	// commentsShown is how many of a ticket's latest comments it shows.
	commentsShown = 5
)
