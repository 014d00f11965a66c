package tickets

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestActions_RouteTicketButtonsToModals(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	for id, callback := range map[string]string{ticketview.ActionLogTime: commands.CallbackLogTime, ticketview.ActionClose: commands.CallbackClose, ticketview.ActionBill: commands.CallbackBill} {
		if !f.C.ActionOpensModal(id) {
			t.Errorf("ActionOpensModal(%s) = false", id)
		}
		r := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: id, Value: ticketview.TicketButtonValue(own.ID, own.Number), MessageTS: "1.2"})
		if r.Modal == nil || r.Modal.CallbackID != callback {
			t.Errorf("%s: reply %q, modal %+v", id, r.Text, r.Modal)
		}
	}
	if f.C.ActionOpensModal(ticketview.ActionOpenInSyncro) {
		t.Error("the URL button opens no modal")
	}
	r := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ActionID: ticketview.ActionClose, Value: "garbage"})
	if r.Modal == nil || !strings.Contains(r.Text, "doesn't say which ticket") {
		t.Errorf("bad value: %q", r.Text)
	}
}

func TestActions_LogTimeSubmitLogsTime(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	f.matchedDana(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	before := len(f.Srv.Timers(own.ID))
	r := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ticketview.ActionLogTime, Value: ticketview.TicketButtonValue(own.ID, own.Number)})
	got, reqs := f.Submit(t, form(r.Modal, "V1", typed(commands.BlockMinutes, "1:15"), picked(commands.BlockLabor, "travel", "travel"), typed(commands.BlockNotes, "Drove to site.")))
	// the comments before, comment, the timers before, timer_entry
	// (travel's name was read at start).
	if got.Text != "#32150: 75 min logged as Labor - Travel." || len(reqs) != 4 || got.ChannelID != "C0TECHS" {
		t.Errorf("reply %+v:%s", got, commandstest.ReqLines(reqs))
	}
	timers := f.Srv.Timers(own.ID)
	if len(timers) != before+1 || timers[len(timers)-1].ProductID != syncrotest.ProductLaborTravel || timers[len(timers)-1].UserID != syncrotest.UserDana {
		t.Errorf("timers = %+v", timers)
	}
}
