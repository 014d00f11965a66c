package tickets

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The ways back to a flow that a crash cut off (resume.go): the message
// at start, and the forms that offer Finish instead of opening fresh.

// modalButton is the value of the first button with actionID in modal m;
// "" when it has none.
func modalButton(t *testing.T, m *slack.ModalViewRequest, actionID string) string {
	t.Helper()
	if m == nil {
		return ""
	}
	return buttonValue(m.Blocks.BlockSet, actionID)
}

// crashBill submits a 50-minute bill of the NAS ticket that dies right
// after the step's Syncro write, and restarts the bot.
func (f *storeFixture) crashBill(t *testing.T, viewID, step string) {
	t.Helper()
	f.crashAt(step)
	if _, crashed := f.submitCrashing(t, f.billForm(t, syncrotest.SeedTicketNAS, viewID, "50")); !crashed {
		t.Fatal("did not crash")
	}
	f.restart(t)
}

// finishCutOffBill presses the Finish of crashBill's flow id and checks
// the NAS ticket then holds, since before, the bill once: 50 minutes, one
// comment, one invoice, Invoiced.
func (f *storeFixture) finishCutOffBill(t *testing.T, id string, before billState) {
	t.Helper()
	r := f.finish(t, id, "ts-told")
	after := f.billState(t, syncrotest.SeedTicketNAS)
	if after.minutes-before.minutes != 50 || after.comments-before.comments != 1 || after.invoices != 1 || after.status != "Invoiced" {
		t.Errorf("before %+v after %+v; reply %q", before, after, r.Text)
	}
}

// TestResume_StartTellsTheOwnerOfACutOffBillOnce: after the restart Dana
// is told, in the channel she billed from, what the bill did and what is
// left, with Finish; Finish completes it without a minute twice; a later
// restart tells nothing again.
func TestResume_StartTellsTheOwnerOfACutOffBillOnce(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	before := f.billState(t, syncrotest.SeedTicketNAS)
	f.crashBill(t, "V1", stepCharge)

	posts := commandstest.Accepted(f.C.Startup(t.Context()))
	if len(posts) != 1 {
		t.Fatalf("%d posts at start, want 1: %+v", len(posts), posts)
	}
	p := posts[0]
	if p.UserID != commandstest.Dana.SlackUserID || p.Reply.ChannelID != "C0TECHS" {
		t.Errorf("told %s in %q, want Dana in C0TECHS", p.UserID, p.Reply.ChannelID)
	}
	want := "I was restarted, and your bill on #32145 is not finished. 50 min logged on #32145 as Labor - Remote Business; I was restarted before Syncro confirmed the charge; Finish checks Syncro before writing anything again. Press Finish to do only what is missing."
	if p.Reply.Text != want {
		t.Errorf("post = %q\nwant %q", p.Reply.Text, want)
	}
	id := finishButton(p.Reply)
	if id == "" {
		t.Fatalf("no Finish button: %+v", p.Reply)
	}
	f.restart(t)
	if again := f.C.Startup(t.Context()); len(again) != 0 {
		t.Errorf("a second start tells %d flows again: %+v", len(again), again)
	}
	f.finishCutOffBill(t, id, before)
}

// TestResume_AStartMessageSlackDidNotAcceptIsToldAtTheNextStart: the
// start's message about a cut-off bill counts only once Slack accepted
// it. Never sent (the bot stopped first) or refused (channel and DM
// both), the next start tells Dana again; accepted, no start tells it
// again; Finish then bills the minutes once.
func TestResume_AStartMessageSlackDidNotAcceptIsToldAtTheNextStart(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	before := f.billState(t, syncrotest.SeedTicketNAS)
	f.crashBill(t, "V1", stepCharge)

	first := f.C.Startup(t.Context())
	if len(first) != 1 {
		t.Fatalf("%d posts at start, want 1", len(first))
	}
	f.restart(t) // before the post went out
	refused := f.C.Startup(t.Context())
	if len(refused) != 1 || refused[0].Reply.Text != first[0].Reply.Text {
		t.Fatalf("after a start that never posted: %+v, want the same message again", refused)
	}
	refused[0].Sent(errors.New("channel_not_found"))
	f.restart(t)
	told := commandstest.Accepted(f.C.Startup(t.Context()))
	if len(told) != 1 || told[0].Reply.Text != first[0].Reply.Text || told[0].UserID != commandstest.Dana.SlackUserID {
		t.Fatalf("after a start whose post Slack refused: %+v, want the same message again", told)
	}
	f.restart(t)
	if again := f.C.Startup(t.Context()); len(again) != 0 {
		t.Errorf("a start after the accepted post tells %d flows again", len(again))
	}
	f.finishCutOffBill(t, finishButton(told[0].Reply), before)
}

// TestResume_FormsOfferFinishInsteadOfOpeningFresh: while a cut-off bill
// is unfinished, the bill, close and log-time forms of its ticket offer
// its Finish (the fresh bill form would bill the 50 minutes again); the
// offer's "new form anyway" opens the form; Finish pressed in the offer
// shows its outcome there, and then the forms open as usual.
func TestResume_FormsOfferFinishInsteadOfOpeningFresh(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	nas := f.Ticket(t, syncrotest.SeedTicketNAS)
	before := f.billState(t, syncrotest.SeedTicketNAS)
	f.crashBill(t, "V1", stepTime)
	flows := f.pendingFlows(t, nas.ID)
	if len(flows) != 1 {
		t.Fatalf("%d pending flows, want 1", len(flows))
	}
	value := ticketview.TicketButtonValue(nas.ID, syncrotest.SeedTicketNAS)
	click := func(actionID, value string, m *slack.ModalViewRequest) commands.Reply {
		return f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ActionID: actionID, Value: value, ViewID: "V-offer", PrivateMetadata: m.PrivateMetadata})
	}
	offers := map[string]commands.Reply{
		formBill:    f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "bill 32145", EnvelopeID: "e-bill"}),
		formClose:   f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "close 32145", EnvelopeID: "e-close"}),
		formLogTime: f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ticketview.ActionLogTime, Value: value}),
	}
	callbacks := map[string]string{formBill: commands.CallbackBill, formClose: commands.CallbackClose, formLogTime: commands.CallbackLogTime}
	for form, r := range offers {
		if r.Modal == nil || r.Modal.CallbackID != "" {
			t.Fatalf("%s: not an offer: %+v", form, r)
		}
		if got := modalButton(t, r.Modal, ActionFinish); got != flows[0].ID {
			t.Errorf("%s: Finish for %q, want %q", form, got, flows[0].ID)
		}
		anyway := click(ActionNewForm, modalButton(t, r.Modal, ActionNewForm), r.Modal)
		if anyway.Modal == nil || anyway.Modal.CallbackID != callbacks[form] {
			t.Errorf("%s: new form anyway = %+v", form, anyway)
		} else if meta, _ := commands.DecodeMeta(anyway.Modal.PrivateMetadata); meta.Channel != "C0TECHS" {
			t.Errorf("%s: the form anyway replies in %q, want C0TECHS", form, meta.Channel)
		}
	}

	done := click(ActionFinish, flows[0].ID, offers[formBill].Modal)
	blocks, _ := json.Marshal(done.Modal)
	if done.Modal == nil || !strings.Contains(string(blocks), "Invoiced #32145: 50 min logged") {
		t.Errorf("Finish in the offer shows %s (reply %q)", blocks, done.Text)
	}
	after := f.billState(t, syncrotest.SeedTicketNAS)
	if after.minutes-before.minutes != 50 || after.comments-before.comments != 1 || after.invoices != 1 {
		t.Errorf("before %+v after %+v", before, after)
	}
	if r, _ := f.Slash(t, "close 32145"); r.Modal == nil || r.Modal.CallbackID != commands.CallbackClose {
		t.Errorf("finished: close opens %+v, want its form", r)
	}
}

// TestResume_WorkThatWroteNothingIsNeitherToldNorOffered: a bill whose
// invoice check failed outright wrote nothing, and its reply said so
// without Finish; billing again is the way, so neither a start nor the
// form brings it up.
func TestResume_WorkThatWroteNothingIsNeitherToldNorOffered(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	s := f.billForm(t, syncrotest.SeedTicketNAS, "V1", "30")
	f.Srv.Fail("GET", "/invoices", 5, syncrotest.FaultServerError)
	if r := f.C.Submit(t.Context(), s); finishButton(r) != "" || !strings.Contains(r.Text, "nothing was billed") {
		t.Fatalf("reply = %q", r.Text)
	}
	f.restart(t)
	if posts := f.C.Startup(t.Context()); len(posts) != 0 {
		t.Errorf("start tells %+v", posts)
	}
	if v := f.OpenModal(t, "bill 32145"); v.CallbackID != commands.CallbackBill {
		t.Errorf("bill opens %q, want the form", v.CallbackID)
	}
}

// TestResume_StartSaysWhatIsLeftOfACloseCutOffAfterItsStatus: a close cut
// off at its session log is told as closed, with only the log left (a
// step that writes nothing to Syncro, so no read-back is promised).
func TestResume_StartSaysWhatIsLeftOfACloseCutOffAfterItsStatus(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	v := f.OpenModal(t, "close 32151")
	s := form(v, "V1", typed(commands.BlockResolution, "Replaced the fuser."), ticked(commands.BlockCloseOptions, commands.CloseOptionSessionLog))
	f.crashAt(stepSessionLog)
	if _, crashed := f.submitCrashing(t, s); !crashed {
		t.Fatal("did not crash")
	}
	f.restart(t)
	posts := f.C.Startup(t.Context())
	if len(posts) != 1 {
		t.Fatalf("%d posts at start, want 1", len(posts))
	}
	want := "I was restarted, and your close on #32151 is not finished. Closed #32151 (Resolved). But I was restarted before the session log was done. Press Finish to do only what is missing."
	if got := posts[0].Reply.Text; got != want {
		t.Errorf("post = %q\nwant %q", got, want)
	}
}
