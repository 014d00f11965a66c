package notice

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// How much of each value from Syncro or Slack a notice shows, in
// characters, so one absurd subject cannot crowd out the rest of the
// section (whose hard limit is slackfmt.MaxSectionText).
const (
	maxNumber     = 40
	maxSubject    = 150
	maxCustomer   = 150
	maxName       = 100 // who closed it, the ticket's tech
	maxStatus     = 100
	maxTime       = 200
	maxInvoice    = 100
	maxResolution = 2000
	// maxSummaryNumbers bounds the ticket numbers listed in an offline
	// summary; the rest are counted.
	maxSummaryNumbers = 30
)

// Notice is one rendered notice: the blocks, the fallback text Slack shows
// in notifications, and the ticket it is about (0 for a summary), so the
// poster can claim it with an Announcer.
type Notice struct {
	Text     string
	Blocks   []slack.Block
	TicketID int64
}

// Ticket is the closed ticket a notice names. Every string is raw text as
// read from Syncro or Slack; the renderers escape it.
type Ticket struct {
	// ID is Syncro's ticket id, the notice's TicketID.
	ID int64
	// Number is the ticket number technicians know.
	Number string
	// Subject is the ticket's subject.
	Subject string
	// Customer is the customer's business name, else their name; empty
	// shows "(no customer)".
	Customer string
	// URL is the ticket's page in Syncro's web app; empty leaves the
	// title unlinked.
	URL string
}

// SlackClose is what a close made with /syncro close adds to its notice.
type SlackClose struct {
	// By is who closed the ticket, by name (the notification text shows
	// it); empty shows "someone".
	By string
	// UserID is their Slack user id (U…): the notice mentions them.
	UserID string
	// Time says what time the close logged and the ticket's total.
	Time string
	// Resolution is the resolution the technician wrote, quoted under
	// the body.
	Resolution string
	// Finisher is who pressed Finish on the close when that was not who
	// closed it; the zero value shows none.
	Finisher Person
}

// Person is someone a notice credits: their name (the notification text
// shows it) and Slack user id (U…, the notice mentions them).
type Person struct {
	Name, UserID string
}

// finishedBy is the credit line's addition naming the finisher, in the
// blocks and in the fallback text; both "" when there is none.
func finishedBy(p Person) (mrkdwn, plain string) {
	if p == (Person{}) {
		return "", ""
	}
	return " · finished by " + credit(p.UserID, p.Name), " (finished by " + slackfmt.PlainText(someone(p.Name), maxName) + ")"
}

// ClosedFromSlack is the notice for t closed with /syncro close: who
// closed it (a mention), the time logged and the resolution.
func ClosedFromSlack(t Ticket, c SlackClose) Notice {
	fin, finText := finishedBy(c.Finisher)
	body := fmt.Sprintf("%s\n*Closed by:* %s%s\n*Time:* %s",
		head("Closed", t), credit(c.UserID, c.By), fin, slackfmt.MrkdwnLine(c.Time, maxTime))
	quote := "> " + strings.ReplaceAll(slackfmt.MrkdwnText(c.Resolution, maxResolution), "\n", "\n> ")
	return Notice{
		Text: fallback("Ticket #%s closed by %s%s: %s", slackfmt.PlainText(t.Number, maxNumber),
			slackfmt.PlainText(someone(c.By), maxName), finText, slackfmt.PlainText(t.Subject, maxSubject)),
		Blocks:   []slack.Block{section(body), section(quote)},
		TicketID: t.ID,
	}
}

// SlackBill is what a bill made with /syncro bill adds to its notice.
type SlackBill struct {
	// By is who billed the ticket, by name; empty shows "someone".
	By string
	// UserID is their Slack user id (U…): the notice mentions them.
	UserID string
	// Invoice names the invoice ("#1681 (total 337.50)").
	Invoice string
	// Time says what time the bill logged and what it charged.
	Time string
	// Finisher is who pressed Finish on the bill when that was not who
	// billed it; the zero value shows none.
	Finisher Person
}

// BilledFromSlack is the notice for t invoiced with /syncro bill, which
// set its closed status (Invoiced): who billed it (a mention), the
// invoice and the time.
func BilledFromSlack(t Ticket, b SlackBill) Notice {
	fin, finText := finishedBy(b.Finisher)
	body := fmt.Sprintf("%s\n*Invoiced by:* %s%s", head("Invoiced", t), credit(b.UserID, b.By), fin)
	if b.Invoice != "" {
		body += "\n*Invoice:* " + slackfmt.MrkdwnLine(b.Invoice, maxInvoice)
	}
	if b.Time != "" {
		body += "\n*Time:* " + slackfmt.MrkdwnLine(b.Time, maxTime)
	}
	return Notice{
		Text: fallback("Ticket #%s invoiced by %s%s: %s", slackfmt.PlainText(t.Number, maxNumber),
			slackfmt.PlainText(someone(b.By), maxName), finText, slackfmt.PlainText(t.Subject, maxSubject)),
		Blocks:   []slack.Block{section(body)},
		TicketID: t.ID,
	}
}

// credit names who did it: a mention of their Slack user, which Slack
// shows as their current name, else their name as text. Only a well-formed
// user id is put inside <@…>, so nothing else can be made to ping.
func credit(userID, name string) string {
	if slackUserID.MatchString(userID) {
		return "<@" + userID + ">"
	}
	return slackfmt.MrkdwnLine(someone(name), maxName)
}

// slackUserID is the form of a Slack user id: U or W, then capitals and
// digits.
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// someone is name, or "someone" for no name.
func someone(name string) string {
	if name == "" {
		return "someone"
	}
	return name
}

// ClosedInSyncro is the notice for t seen closed in Syncro (the web app, an
// e-mail rule, another integration) with status; tech names the ticket's
// technician when known.
func ClosedInSyncro(t Ticket, status, tech string) Notice {
	body := fmt.Sprintf("%s\n*Status:* %s", head("Closed", t), slackfmt.MrkdwnLine(status, maxStatus))
	ctxLine := "Closed in Syncro"
	if tech != "" {
		ctxLine += " · tech: " + slackfmt.MrkdwnLine(tech, maxName)
	}
	return Notice{
		Text: fallback("Ticket #%s closed (%s): %s, %s", slackfmt.PlainText(t.Number, maxNumber), slackfmt.PlainText(status, maxStatus),
			slackfmt.PlainText(t.Subject, maxSubject), slackfmt.PlainText(customer(t), maxCustomer)),
		Blocks: []slack.Block{
			section(body),
			slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, ctxLine, false, false)),
		},
		TicketID: t.ID,
	}
}

// OfflineSummary folds closes that happened long before the bot came back
// into one line listing their numbers (the first maxSummaryNumbers, then a
// count), so a weekend of downtime does not flood the channel.
func OfflineSummary(numbers []string) Notice {
	shown := make([]string, 0, min(len(numbers), maxSummaryNumbers))
	for _, n := range numbers[:cap(shown)] {
		shown = append(shown, "#"+slackfmt.MrkdwnLine(n, maxNumber))
	}
	list := strings.Join(shown, ", ")
	if rest := len(numbers) - len(shown); rest > 0 {
		list += fmt.Sprintf(" and %d more", rest)
	}
	noun := "tickets were"
	if len(numbers) == 1 {
		noun = "ticket was"
	}
	line := fmt.Sprintf("While the bot was offline, %d more %s closed: %s", len(numbers), noun, list)
	return Notice{Text: line, Blocks: []slack.Block{section(line)}}
}

// head is the lines every closed-ticket notice opens with: what happened
// (label), the ticket, linked when its URL is known, and its customer.
func head(label string, t Ticket) string {
	title := fmt.Sprintf("#%s %s", slackfmt.MrkdwnLine(t.Number, maxNumber), slackfmt.MrkdwnLine(t.Subject, maxSubject))
	if t.URL != "" {
		title = fmt.Sprintf("<%s|%s>", t.URL, title)
	}
	return fmt.Sprintf("*%s:* %s\n*Customer:* %s", label, title, slackfmt.MrkdwnLine(customer(t), maxCustomer))
}

// customer is the ticket's customer, or a placeholder for a ticket without
// one.
func customer(t Ticket) string {
	if t.Customer == "" {
		return "(no customer)"
	}
	return t.Customer
}

// fallback is a notice's text. Slack parses a message's text as mrkdwn
// (it is what notifications and screen readers show), so it is escaped
// like the blocks: text from Syncro must ping nobody here, nor format.
func fallback(format string, args ...any) string {
	return slackfmt.MrkdwnLiteral(fmt.Sprintf(format, args...))
}

// section is a section block of mrkdwn text.
func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}
