package tickets

import (
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Formatting characters in Syncro's text, as techs type them into the web
// app: none of them means formatting there.
const (
	starSubject  = "*URGENT* printer_queue `stuck` ~maybe~ _again"
	starCustomer = "*Star* _Networks_"
	// starShown is starSubject as Slack must show it: the lookalikes
	// slackfmt.MrkdwnLiteral puts in, the underscore inside a word kept.
	starShown = "∗URGENT∗ printer_queue ˋstuckˋ ∼maybe∼ ˍagain"
)

// TestSyncroFormattingCharacters_ShowAsTyped opens a ticket whose subject,
// customer and comment are full of Slack's formatting characters, and
// checks each reply that puts them inside the bot's own formatting (the
// detail, a search, the bill and close forms): they show as typed, and the
// goldens hold the rest.
func TestSyncroFormattingCharacters_ShowAsTyped(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	cu := f.Srv.AddCustomer(syncrotest.Customer{BusinessName: starCustomer, FirstName: "Ann", LastName: "Lee"})
	tk := f.Srv.AddTicket(syncrotest.Ticket{Number: 40001, Subject: starSubject, CustomerID: cu.ID, Status: "In Progress"})
	if _, err := f.Srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "_Re:_ *help*", Body: "try `lpq` *now*", Tech: "Bob_", UserID: 1}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ golden, text string }{
		{"formatting_ticket.golden", "ticket 40001"},
		{"formatting_search.golden", "search printer_queue"},
		{"formatting_bill.golden", "bill 40001"},
		{"formatting_close.golden", "close 40001"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			r, _ := f.Slash(t, tc.text)
			var got []byte
			if r.Modal != nil {
				commandstest.CheckModal(t, r.Modal)
				got = commandstest.PrettyJSON(t, r.Modal)
			} else {
				got = replyJSON(t, r)
			}
			if !strings.Contains(string(got), starShown) {
				t.Errorf("the subject is not shown as %q:\n%s", starShown, got)
			}
			commandstest.Golden(t, tc.golden, got)
		})
	}
}

// TestAuditLine_FormattingCharactersShowAsTyped checks the audit, which
// repeats Syncro's statuses and error messages.
func TestAuditLine_FormattingCharactersShowAsTyped(t *testing.T) {
	t.Parallel()
	e := store.AuditEntry{At: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC), SlackUser: "dana", SyncroTech: "Dana_", Action: "close", Detail: "status → *Done*", Outcome: store.OutcomeFailed, Error: "Syncro said `no` ~twice~"}
	want := "2025-03-14 09:30 Danaˍ (dana): close — status → ∗Done∗ (failed: Syncro said ˋnoˋ ∼twice∼)"
	if got := auditLine(e, time.UTC); got != want {
		t.Errorf("auditLine = %q, want %q", got, want)
	}
}
