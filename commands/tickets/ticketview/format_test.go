package ticketview

import (
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt/slackfmttest"
	"github.com/syncrobot/syncrobot/syncro"
)

// formatNow is the clock of the formatting fuzz test.
var formatNow = time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)

// formatTicket is a ticket whose every text from Syncro is one of texts,
// in order: subject, customer, contact, status, tech, comment subject,
// comment author, comment body, line item name, invoice number.
func formatTicket(texts [10]string) (*syncro.Ticket, []syncro.Invoice) {
	uid, pid, li := int64(5), int64(999), int64(70)
	at := syncro.Timestamp{Time: formatNow.Add(-time.Hour)}
	t := &syncro.Ticket{
		ID: 1, Number: "32150", Subject: texts[0], Status: texts[3], Priority: texts[3],
		CustomerBusinessThenName: texts[1], ContactFullname: texts[2],
		UserID: &uid, User: &syncro.User{ID: uid, FullName: texts[4]},
		CreatedAt: at, UpdatedAt: at,
		Comments: []syncro.Comment{
			{ID: 1, Subject: texts[5], Tech: texts[6], Body: texts[7], UserID: &uid, Hidden: true, CreatedAt: at},
			{ID: 2, Subject: texts[5], Tech: texts[6], Body: texts[7], CreatedAt: at},
		},
		TicketTimers: []syncro.Timer{{ID: 1, StartTime: at, EndTime: syncro.Timestamp{Time: formatNow}, ActiveDuration: 3600, ProductID: &pid, TicketLineItemID: &li, Recorded: true}},
		LineItems:    []syncro.TicketLineItem{{ID: li, ProductID: &pid, Name: texts[8], Quantity: syncro.MoneyFromInt(1), PriceRetail: syncro.MoneyFromInt(90)}},
	}
	return t, []syncro.Invoice{{ID: 1, Number: syncro.Number(texts[9])}}
}

// FuzzRenderTicket_SyncroTextKeepsTheBotsFormatting renders a ticket's
// detail and a ticket list with arbitrary text from Syncro in every field
// and checks that Slack draws the same spans as for harmless text: a
// subject "*urgent" cannot pair with the bot's "*Comments*".
func FuzzRenderTicket_SyncroTextKeepsTheBotsFormatting(f *testing.F) {
	f.Add("*urgent* printer", "_Acme_", "~Bob~", "`New`", "Dana*", "*Re:", "_Ann", "fixed *it*\n_done", "Labor ~ remote", "7*")
	f.Add("a _b", "c* d", "e~", "_", "*", "```x", " ", "``", "x_", "_1")
	f.Fuzz(func(t *testing.T, subject, customer, contact, status, tech, csubject, author, body, item, invoice string) {
		got, gotInv := formatTicket([10]string{subject, customer, contact, status, tech, csubject, author, body, item, invoice})
		want, wantInv := formatTicket([10]string{"x", "x", "x", "x", "x", "x", "x", "x", "x", "1"})
		render := func(tk *syncro.Ticket, inv []syncro.Invoice) any {
			return RenderTicket(TicketView{Ticket: tk, Invoices: inv, Now: formatNow, Labor: labor.Default(), WebURL: "https://x.syncromsp.com", CanBill: true})
		}
		slackfmttest.SameFormatting(t, render(got, gotInv), render(want, wantInv))
		slackfmttest.SameFormatting(t, RenderTicketList("1 open ticket", "", []syncro.Ticket{*got}), RenderTicketList("1 open ticket", "", []syncro.Ticket{*want}))
	})
}
