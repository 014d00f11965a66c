package tickets

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestCreateFromMessage_FindsTheCustomerAndSaysHow: each way of finding
// the customer, and each way of not finding one, shows in the form with
// the customer and contact it preselects.
func TestCreateFromMessage_FindsTheCustomerAndSaysHow(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	f.srv.AddCustomer(syncrotest.Customer{BusinessName: "Acme West", Email: "west@acmecorp.example"})
	tests := []struct {
		name                 string
		author               commands.MessageAuthor
		wantCustomer, wantCt string
		wantHow              string
	}{
		{"a customer's own email", commands.MessageAuthor{Name: "Pete", Email: "pete@cgbrew.example"},
			"Columbia Gorge Brewing", "Pete Lamb", "Customer and contact from the author's email"},
		{"a contact at the domain's customer", commands.MessageAuthor{Name: "Ian", Email: "IPruitt@cascadedental.example"},
			"Cascade Dental Group", "Dr. Ian Pruitt", "a contact of Cascade Dental Group"},
		{"the domain alone", commands.MessageAuthor{Name: "New", Email: "newhire@northwind.example"},
			"Northwind Traders", "", "Customer from the email domain northwind.example"},
		{"a domain two customers use", commands.MessageAuthor{Name: "X", Email: "x@acmecorp.example"},
			"", "", "Several customers use acmecorp.example"},
		{"a public mail provider", commands.MessageAuthor{Name: "Y", Email: "y@gmail.com"},
			"", "", "public mail provider"},
		{"no email", commands.MessageAuthor{Name: "Z", External: true}, "", "", "Slack didn't share the author's email"},
		{"a bot", commands.MessageAuthor{BotID: "B1", BotName: "monitor"}, "", "", "A bot wrote this message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.c.Shortcut(t.Context(), commands.MessageAction{Actor: marcus, CallbackID: ShortcutCreateFromMessage, ChannelID: "C0TECHS",
				Message: commands.SlackMessage{TS: "1.000001", Text: "help", Author: tt.author}})
			if r.Modal == nil {
				t.Fatalf("no form: %q", r.Text)
			}
			form := string(replyJSON(t, commands.Reply{Blocks: r.Modal.Blocks.BlockSet}))
			if !strings.Contains(form, tt.wantHow) {
				t.Errorf("the form does not say %q:\n%s", tt.wantHow, form)
			}
			var cust, contact string
			for _, b := range r.Modal.Blocks.BlockSet {
				in, ok := b.(*slack.InputBlock)
				if !ok {
					continue
				}
				switch el := in.Element.(type) {
				case *slack.SelectBlockElement:
					if in.BlockID == commands.BlockCustomer && el.InitialOption != nil {
						cust = el.InitialOption.Text.Text
					}
				case *slack.PlainTextInputBlockElement:
					if in.BlockID == commands.BlockContact {
						contact = el.InitialValue
					}
				}
			}
			if cust != tt.wantCustomer || contact != tt.wantCt {
				t.Errorf("customer %q contact %q, want %q %q", cust, contact, tt.wantCustomer, tt.wantCt)
			}
		})
	}
}
