package ticketview

import (
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// maxUnfurlSubject bounds the subject in an unfurl's one line, so the
// preview stays compact whatever the ticket's subject.
const maxUnfurlSubject = 150

// RenderUnfurl is the preview of a link to t: one line with the number
// and subject, the status, customer and assignee, and the ticket card's
// buttons (Make invoice only while nothing of it is invoiced; the click
// still checks who may bill). Everything from Syncro is escaped.
func RenderUnfurl(t *syncro.Ticket, webURL string) commands.Message {
	number := t.Number.String()
	subject := strings.Join(strings.Fields(t.Subject), " ")
	customer := t.CustomerName()
	tech := "Unassigned"
	if t.User != nil && t.User.FullName != "" {
		tech = t.User.FullName
	}
	head := "*#" + number + "* " + commands.InlineMrkdwn(commands.DashIfBlank(subject), maxUnfurlSubject)
	facts := strings.Join([]string{
		"*Status:* " + commands.InlineMrkdwn(commands.DashIfBlank(t.Status), commands.MaxStatusLen),
		"*Customer:* " + commands.InlineMrkdwn(commands.DashIfBlank(customer), commands.MaxCustomerLen),
		"*Assigned:* " + commands.InlineMrkdwn(tech, commands.MaxNameLen),
	}, "   ")
	return commands.Message{
		Text: slackfmt.MrkdwnLiteral(slackfmt.PlainText("#"+number+" "+subject, slackfmt.MaxHeaderText)),
		Blocks: []slack.Block{
			commands.TextSection(head + "\n" + facts),
			ticketButtons(t, webURL, !invoiced(t, nil)),
		},
	}
}
