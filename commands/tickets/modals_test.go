package tickets

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfmt"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// writeFixture is a Commands wired to a seeded in-memory Syncro, both
// reading syncrotest.SeedNow, with session logs going to a temp dir.
type writeFixture struct {
	*commandstest.Fixture
	tk *feature
}

func newWriteFixture(t *testing.T, opts ...syncrotest.Option) *writeFixture {
	t.Helper()
	var tk *feature
	f := commandstest.NewFixture(t, []commands.Feature{
		func(r *commands.Registry, d commands.Deps) { tk = newFeature(d); tk.register(r) },
		customers.Register,
	}, opts...)
	return &writeFixture{Fixture: f, tk: tk}
}

// form builds a Submission for view v with the given values.
func form(v *slack.ModalViewRequest, viewID string, vals ...map[string]slack.BlockAction) commands.Submission {
	s := commands.Submission{Actor: commandstest.Dana, CallbackID: v.CallbackID, ViewID: viewID, PrivateMetadata: v.PrivateMetadata, Values: map[string]map[string]slack.BlockAction{}}
	for _, m := range vals {
		for k, a := range m {
			s.Values[k] = map[string]slack.BlockAction{k: a}
		}
	}
	return s
}

func typed(block, v string) map[string]slack.BlockAction {
	return map[string]slack.BlockAction{block: {ActionID: block, BlockID: block, Value: v}}
}

func picked(block, value, text string) map[string]slack.BlockAction {
	return map[string]slack.BlockAction{block: {ActionID: block, BlockID: block, SelectedOption: slack.OptionBlockObject{Value: value, Text: commands.Plain(text)}}}
}

func dated(block, d string) map[string]slack.BlockAction {
	return map[string]slack.BlockAction{block: {ActionID: block, BlockID: block, SelectedDate: d}}
}

func ticked(block string, values ...string) map[string]slack.BlockAction {
	a := slack.BlockAction{ActionID: block, BlockID: block}
	for _, v := range values {
		a.SelectedOptions = append(a.SelectedOptions, slack.OptionBlockObject{Value: v})
	}
	return map[string]slack.BlockAction{block: a}
}

// writeReplyJSON is the golden form of a write reply.
func writeReplyJSON(t *testing.T, r commands.Reply) []byte {
	t.Helper()
	return commandstest.PrettyJSON(t, struct {
		Text      string             `json:"text"`
		ChannelID string             `json:"channel_id,omitempty"`
		Notices   []commands.Message `json:"notices,omitempty"`
	}{r.Text, r.ChannelID, r.Notices})
}

func TestModals_Golden(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	logTime := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ticketview.ActionLogTime, Value: ticketview.TicketButtonValue(own.ID, own.Number), MessageTS: "1.2"})
	for _, tc := range []struct {
		file, callback string
		modal          *slack.ModalViewRequest
	}{
		{"modal_create.golden", commands.CallbackCreate, f.OpenModal(t, "create Printer offline in accounting")},
		{"modal_update.golden", commands.CallbackUpdate, f.OpenModal(t, "update 32150")},
		{"modal_close.golden", commands.CallbackClose, f.OpenModal(t, "close 32150")},
		{"modal_bill.golden", commands.CallbackBill, f.OpenModal(t, "bill 32150")},
		{"modal_log_time.golden", commands.CallbackLogTime, logTime.Modal},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if tc.modal == nil {
				t.Fatal("no modal")
			}
			if tc.modal.CallbackID != tc.callback {
				t.Errorf("callback = %q, want %q", tc.modal.CallbackID, tc.callback)
			}
			commandstest.CheckModal(t, tc.modal)
			commandstest.Golden(t, tc.file, commandstest.PrettyJSON(t, tc.modal))
		})
	}
}

func TestModals_MetadataCarriesIDs(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	v := f.OpenModal(t, "bill 32150")
	m, err := commands.DecodeMeta(v.PrivateMetadata)
	if err != nil {
		t.Fatal(err)
	}
	if m.TicketID != own.ID || m.Number != 32150 || m.CustomerID != own.CustomerID || m.Channel != "C0TECHS" || m.TargetStatus != "Invoiced" || m.Uncharged != 45 {
		t.Errorf("meta = %+v", m)
	}
}

func TestModals_MetadataStaysUnderSlackLimit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ü", 3000)
	m := commands.ModalMeta{TicketID: 1, Number: 2, Channel: "C1", UserName: long, Status: long, Priority: long, TargetStatus: long}
	if n := cmdline.RuneLen(m.Encode()); n > slackfmt.MaxPrivateMetadata {
		t.Errorf("encoded metadata has %d chars", n)
	}
}

func TestModals_OpenFailureIsANoticeModal(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	for _, text := range []string{"close 99999", "bill 99999", "update 99999"} {
		r, _ := f.Slash(t, text)
		if r.Modal == nil || r.Modal.Submit != nil || !strings.Contains(r.Text, "#99999 doesn't exist") {
			t.Errorf("%s: reply %q, modal %+v", text, r.Text, r.Modal)
		}
	}
}

func TestModals_AlreadyInvoicedBillShowsTheInvoice(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	r, _ := f.Slash(t, "bill 32120")
	if r.Modal == nil || r.Modal.Submit != nil || !strings.Contains(r.Text, "already on invoice #") {
		t.Errorf("reply %q, modal %+v", r.Text, r.Modal)
	}
}

// matched records a's Syncro user as the store would after their first
// time entry, so a test counts the calls of a tech already matched.
func (f *writeFixture) matched(t *testing.T, a commands.Actor, id int64, name string) {
	t.Helper()
	if err := f.tk.cfg.Store.SetTechMatch(store.TechMatch{SlackUser: a.SlackUserID, SlackName: a.Name, SyncroUser: id, SyncroName: name, How: store.MatchedByEmail, At: syncrotest.SeedNow}); err != nil {
		t.Fatal(err)
	}
}

// matchedDana is matched for commandstest.Dana, the seed's Dana Whitfield.
func (f *writeFixture) matchedDana(t *testing.T) {
	t.Helper()
	f.matched(t, commandstest.Dana, syncrotest.UserDana, "Dana Whitfield")
}
