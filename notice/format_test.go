package notice

import (
	"testing"

	"github.com/syncrobot/syncrobot/slackfmt/slackfmttest"
)

// FuzzNotices_SyncroTextKeepsTheBotsFormatting renders every notice with
// arbitrary text from Syncro (and Slack's name of the closer) and checks
// that Slack draws the same spans as for harmless text: a subject
// "*urgent" cannot pair with the bot's "*Customer:*".
func FuzzNotices_SyncroTextKeepsTheBotsFormatting(f *testing.F) {
	f.Add("32150", "*urgent* printer", "_Acme_ ~Corp~", "`Dana`", "Resolved*", "Bob_", "fixed\n*it*")
	f.Add("1*", "a _b", "c* d", "e~", "_", "*", "```x")
	f.Fuzz(func(t *testing.T, number, subject, customer, who, status, tech, resolution string) {
		const url = "https://x.syncromsp.com/tickets/7"
		got := Ticket{ID: 7, Number: number, Subject: subject, Customer: customer, URL: url}
		want := Ticket{ID: 7, Number: "1", Subject: "x", Customer: "x", URL: url}
		plain := func(s string) string {
			if s == "" {
				return ""
			}
			return "x"
		}
		slackfmttest.SameFormatting(t,
			ClosedFromSlack(got, SlackClose{By: who, Time: status, Resolution: resolution}).Blocks,
			ClosedFromSlack(want, SlackClose{By: plain(who), Time: "x", Resolution: "x"}).Blocks)
		slackfmttest.SameFormatting(t,
			ClosedFromSlack(got, SlackClose{By: who, Time: status, Resolution: resolution}).Text,
			ClosedFromSlack(want, SlackClose{By: plain(who), Time: "x", Resolution: "x"}).Text)
		slackfmttest.SameFormatting(t, ClosedInSyncro(got, status, tech).Blocks, ClosedInSyncro(want, "x", plain(tech)).Blocks)
		slackfmttest.SameFormatting(t, ClosedInSyncro(got, status, tech).Text, ClosedInSyncro(want, "x", plain(tech)).Text)
		slackfmttest.SameFormatting(t, OfflineSummary([]string{number, subject}).Blocks, OfflineSummary([]string{"1", "2"}).Blocks)
	})
}
