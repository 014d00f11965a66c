package commands

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestActions_RouteTicketButtonsToModals(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	for id, callback := range map[string]string{ActionLogTime: CallbackLogTime, ActionClose: CallbackClose, ActionBill: CallbackBill} {
		if !f.c.ActionOpensModal(id) {
			t.Errorf("ActionOpensModal(%s) = false", id)
		}
		r := f.c.Action(t.Context(), Action{Actor: dana, ChannelID: "C0TECHS", ActionID: id, Value: TicketButtonValue(own.ID, own.Number), MessageTS: "1.2"})
		if r.Modal == nil || r.Modal.CallbackID != callback {
			t.Errorf("%s: reply %q, modal %+v", id, r.Text, r.Modal)
		}
	}
	if f.c.ActionOpensModal(ActionOpenInSyncro) {
		t.Error("the URL button opens no modal")
	}
	r := f.c.Action(t.Context(), Action{Actor: dana, ActionID: ActionClose, Value: "garbage"})
	if r.Modal == nil || !strings.Contains(r.Text, "doesn't say which ticket") {
		t.Errorf("bad value: %q", r.Text)
	}
}

func TestActions_LogTimeSubmitLogsTime(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	before := len(f.srv.Timers(own.ID))
	r := f.c.Action(t.Context(), Action{Actor: dana, ChannelID: "C0TECHS", ActionID: ActionLogTime, Value: TicketButtonValue(own.ID, own.Number)})
	got, reqs := f.submit(t, form(r.Modal, "V1", typed(BlockMinutes, "1:15"), picked(BlockLabor, "travel", "travel"), typed(BlockNotes, "Drove to site.")))
	if got.Text != "#32150: 75 min logged as Labor - Travel." || len(reqs) != 2 || got.ChannelID != "C0TECHS" {
		t.Errorf("reply %+v:%s", got, reqLines(reqs))
	}
	timers := f.srv.Timers(own.ID)
	if len(timers) != before+1 || timers[len(timers)-1].ProductID != syncrotest.ProductLaborTravel {
		t.Errorf("timers = %+v", timers)
	}
}
