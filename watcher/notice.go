package watcher

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// notice is one ticket's closed notice: a section with the ticket (linked
// when WebURL is set), customer and status, a context line naming the
// technician, and a plain-text fallback for notifications. Everything read
// from Syncro is escaped, so a subject like "<!channel>" pings nobody.
func (w *Watcher) notice(t *syncro.Ticket) commands.Message {
	number := ticketNumber(t)
	title := fmt.Sprintf("#%s %s", slackfmt.MrkdwnText(number, 40), slackfmt.MrkdwnText(t.Subject, 150))
	if u := w.ticketURL(t.ID); u != "" {
		title = fmt.Sprintf("<%s|%s>", u, title)
	}
	customer := t.CustomerBusinessThenName
	if customer == "" {
		customer = "(no customer)"
	}
	body := fmt.Sprintf("*Closed:* %s\n*Customer:* %s\n*Status:* %s",
		title, slackfmt.MrkdwnText(customer, 150), slackfmt.MrkdwnText(t.Status, 100))
	ctxLine := "Closed in Syncro"
	if tech := w.techName(t); tech != "" {
		ctxLine = fmt.Sprintf("Closed in Syncro · tech: %s", slackfmt.MrkdwnText(tech, 100))
	}
	text := fmt.Sprintf("Ticket #%s closed (%s): %s, %s", slackfmt.PlainText(number, 40),
		slackfmt.PlainText(t.Status, 100), slackfmt.PlainText(t.Subject, 150), slackfmt.PlainText(customer, 150))
	return commands.Message{
		Text: slackfmt.EscapeMrkdwn(text),
		Blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, body, false, false), nil, nil),
			slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, ctxLine, false, false)),
		},
		TicketID: t.ID,
	}
}

// summaryNotice folds closes older than Backlog into one line listing their
// numbers (the first maxSummaryNumbers, then a count).
func summaryNotice(ts []syncro.Ticket) commands.Message {
	nums := make([]string, 0, min(len(ts), maxSummaryNumbers))
	for i := range ts {
		if i == maxSummaryNumbers {
			break
		}
		nums = append(nums, "#"+slackfmt.MrkdwnText(ticketNumber(&ts[i]), 40))
	}
	list := strings.Join(nums, ", ")
	if rest := len(ts) - len(nums); rest > 0 {
		list += fmt.Sprintf(" and %d more", rest)
	}
	noun := "tickets were"
	if len(ts) == 1 {
		noun = "ticket was"
	}
	line := fmt.Sprintf("While the bot was offline, %d more %s closed: %s", len(ts), noun, list)
	return commands.Message{
		Text:   line,
		Blocks: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, line, false, false), nil, nil)},
	}
}

// ticketNumber is the number technicians know; the id when Syncro sent none.
func ticketNumber(t *syncro.Ticket) string {
	if t.Number != "" {
		return string(t.Number)
	}
	return fmt.Sprint(t.ID)
}

// techName is the ticket's technician: the embedded user, else the name
// from the settings' user list.
func (w *Watcher) techName(t *syncro.Ticket) string {
	if t.User != nil && t.User.FullName != "" {
		return t.User.FullName
	}
	if t.UserID != nil {
		return w.userName(*t.UserID)
	}
	return ""
}

// ticketURL links a ticket in Syncro's web app; "" when WebURL is unset.
func (w *Watcher) ticketURL(id int64) string { return syncro.TicketURL(w.cfg.WebURL, id) }
