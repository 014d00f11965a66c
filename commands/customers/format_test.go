package customers

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/slackfmt/slackfmttest"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// formatCustomer is a customer whose every text from Syncro is one of
// texts, in order: business name, first name, last name, address, email,
// notes, contact name, contact email, ticket status, ticket subject,
// invoice number.
func formatCustomer(texts [11]string) *syncro.Customer {
	return &syncro.Customer{
		ID: 9, BusinessName: texts[0], Firstname: texts[1], Lastname: texts[2],
		Address: texts[3], Email: texts[4], Notes: texts[5],
		Contacts:     []syncro.Contact{{ID: 3, Name: texts[6], Email: texts[7]}},
		TicketLinks:  []syncro.TicketLink{{ID: 1, Number: "32150", Status: texts[8], Subject: texts[9]}},
		InvoiceLinks: []syncro.InvoiceLink{{ID: 2, Number: syncro.Number(texts[10]), Total: syncro.MoneyFromInt(90)}},
	}
}

// FuzzCustomerDetail_SyncroTextKeepsTheBotsFormatting renders a customer's
// detail and a contact line with arbitrary text from Syncro and checks that
// Slack draws the same spans as for harmless text: a business name
// "_Acme" cannot pair with the bot's italics or bold.
func FuzzCustomerDetail_SyncroTextKeepsTheBotsFormatting(f *testing.F) {
	f.Add("*Acme*", "_Ann", "Lee_", "1 ~Main~ St", "a_b@c.com", "`notes`", "*Bob", "x*@y.z", "Open*", "_printer_", "7`")
	f.Fuzz(func(t *testing.T, business, first, last, address, email, notes, contact, cemail, status, subject, invoice string) {
		texts := [11]string{business, first, last, address, email, notes, contact, cemail, status, subject, invoice}
		harmless := [11]string{"Acme", "Ann", "Lee", "x", "x", "x", "x", "x", "x", "x", "1"}
		for i, s := range texts {
			// A blank field is left out of the detail, so the harmless
			// rendering would have one more; both leave it out.
			if strings.TrimSpace(s) == "" {
				texts[i], harmless[i] = "", ""
			}
		}
		if texts[0] == "" || texts[1] == "" || texts[2] == "" || strings.TrimSpace(first+" "+last) == strings.TrimSpace(business) {
			return // the title and "Person" follow other rules without a name
		}
		got, want := formatCustomer(texts), formatCustomer(harmless)
		slackfmttest.SameFormatting(t, renderCustomerDetail(got, "https://x.syncromsp.com", "$"), renderCustomerDetail(want, "https://x.syncromsp.com", "$"))
		slackfmttest.SameFormatting(t, contactLine(&got.Contacts[0]), contactLine(&want.Contacts[0]))
	})
}

// TestCustomerDetail_FormattingCharactersShowAsTyped shows a customer
// whose name, notes and ticket are full of Slack's formatting characters:
// they show as typed (lookalikes), and the bot's own bold labels stay bold.
func TestCustomerDetail_FormattingCharactersShowAsTyped(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	cu := f.Srv.AddCustomer(syncrotest.Customer{BusinessName: "*Star* _Networks_", FirstName: "Ann", LastName: "Lee", Email: "ann_lee@star.example", Notes: "Gate code `4412` ~old~"})
	f.Srv.AddTicket(syncrotest.Ticket{Number: 40002, Subject: "*URGENT* printer", CustomerID: cu.ID})
	r, _ := f.Slash(t, "customer "+itoa(cu.ID))
	got := customerReplyJSON(t, r)
	for _, want := range []string{`∗Star∗ ˍNetworksˍ`, `ann_lee@star.example`, `Gate code ˋ4412ˋ ∼old∼`, `∗URGENT∗ printer`, `*Notes*`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("detail lacks %s:\n%s", want, got)
		}
	}
	commandstest.Golden(t, "customer_detail_formatting.golden", got)
}

// TestCustomerDetail_InvoicesInTheAccountsCurrency: the invoice history
// shows totals with the account's symbol, or none while it is unknown;
// never a hard-coded "$".
func TestCustomerDetail_InvoicesInTheAccountsCurrency(t *testing.T) {
	t.Parallel()
	cu := formatCustomer([11]string{"Acme", "Ann", "Lee", "x", "x", "x", "x", "x", "x", "x", "1681"})
	for cur, want := range map[account.Currency]string{"€": "#1681 · - · €90.00 · unpaid", "": "#1681 · - · 90.00 · unpaid"} {
		got := strings.Join(slackfmttest.MrkdwnTexts(t, renderCustomerDetail(cu, "", cur).Blocks), "\n")
		if !strings.Contains(got, want) {
			t.Errorf("currency %q: detail lacks %q:\n%s", cur, want, got)
		}
	}
}
