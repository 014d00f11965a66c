package tickets

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfmt/slackfmttest"
)

// billFromCard opens the bill form from 32145's card button and returns a
// filled submission of it.
func billFromCard(t *testing.T, f *writeFixture) commands.Submission {
	t.Helper()
	tk := f.Ticket(t, 32145)
	r := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ticketview.ActionBill, Value: ticketview.TicketButtonValue(tk.ID, tk.Number), MessageTS: "1.2"})
	if r.Modal == nil {
		t.Fatalf("no bill form: %q", r.Text)
	}
	return form(r.Modal, "V-card", typed(commands.BlockNotes, "Replaced the drive."))
}

func TestCard_ABillFromTheCardCarriesTheCardAsSyncroHoldsIt(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	s := billFromCard(t, f)
	s.FromMessage = true
	r, _ := f.Submit(t, s)
	if r.Card == nil {
		t.Fatalf("reply %q carries no card", r.Text)
	}
	shown := strings.Join(slackfmttest.MrkdwnTexts(t, r.Card.Blocks), "\n")
	if f.Ticket(t, 32145).Status != "Invoiced" || !strings.Contains(shown, "*Status*\nInvoiced") || !strings.Contains(shown, "Invoiced: #") {
		t.Errorf("the card does not show what Syncro holds (status %q):\n%s", f.Ticket(t, 32145).Status, shown)
	}
	if raw := string(commandstest.PrettyJSON(t, r.Card.Blocks)); strings.Contains(raw, ticketview.ActionBill) {
		t.Errorf("the refreshed card offers Make invoice on the invoiced ticket:\n%s", raw)
	}
}

// The card costs its reads only when there is a card to replace: the
// ticket and, once invoiced, its invoices.
func TestCard_OnlyAFormFromACardReadsTheCard(t *testing.T) {
	t.Parallel()
	plain, card := newWriteFixture(t), newWriteFixture(t)
	r, without := plain.Submit(t, billFromCard(t, plain))
	if r.Card != nil {
		t.Errorf("a submission not from a message carries a card")
	}
	s := billFromCard(t, card)
	s.FromMessage = true
	_, with := card.Submit(t, s)
	if extra := len(with) - len(without); extra != 2 {
		t.Errorf("the card cost %d requests, want 2 (the ticket, its invoices):%s", extra, commandstest.ReqLines(with[len(without):]))
	}
}
