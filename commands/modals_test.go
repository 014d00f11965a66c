package commands

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// writeFixture is a Commands wired to a seeded in-memory Syncro, both
// reading syncrotest.SeedNow, with session logs going to a temp dir.
type writeFixture struct {
	*fixture
	tk *ticketsFeature
}

func newWriteFixture(t *testing.T, opts ...syncrotest.Option) *writeFixture {
	t.Helper()
	return newWriteFixtureNames(t, seedLaborNames, opts...)
}

func newWriteFixtureNames(t *testing.T, names map[int64]string, opts ...syncrotest.Option) *writeFixture {
	t.Helper()
	var tk *ticketsFeature
	f := newFixture(t, names, []Feature{
		func(r *Registry, d Deps) { tk = newTicketsFeature(d); tk.register(r) },
		registerCustomers,
	}, opts...)
	return &writeFixture{fixture: f, tk: tk}
}

// form builds a Submission for view v with the given values.
func form(v *slack.ModalViewRequest, viewID string, vals ...map[string]slack.BlockAction) Submission {
	s := Submission{Actor: dana, CallbackID: v.CallbackID, ViewID: viewID, PrivateMetadata: v.PrivateMetadata, Values: map[string]map[string]slack.BlockAction{}}
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
	return map[string]slack.BlockAction{block: {ActionID: block, BlockID: block, SelectedOption: slack.OptionBlockObject{Value: value, Text: plain(text)}}}
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
func writeReplyJSON(t *testing.T, r Reply) []byte {
	t.Helper()
	return prettyJSON(t, struct {
		Text      string    `json:"text"`
		ChannelID string    `json:"channel_id,omitempty"`
		Notices   []Message `json:"notices,omitempty"`
	}{r.Text, r.ChannelID, r.Notices})
}

func TestModals_Golden(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	logTime := f.c.Action(t.Context(), Action{Actor: dana, ChannelID: "C0TECHS", ActionID: ActionLogTime, Value: TicketButtonValue(own.ID, own.Number), MessageTS: "1.2"})
	for _, tc := range []struct {
		file, callback string
		modal          *slack.ModalViewRequest
	}{
		{"modal_create.golden", CallbackCreate, f.openModal(t, "create Printer offline in accounting")},
		{"modal_update.golden", CallbackUpdate, f.openModal(t, "update 32150")},
		{"modal_close.golden", CallbackClose, f.openModal(t, "close 32150")},
		{"modal_bill.golden", CallbackBill, f.openModal(t, "bill 32150")},
		{"modal_log_time.golden", CallbackLogTime, logTime.Modal},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if tc.modal == nil {
				t.Fatal("no modal")
			}
			if tc.modal.CallbackID != tc.callback {
				t.Errorf("callback = %q, want %q", tc.modal.CallbackID, tc.callback)
			}
			checkModal(t, tc.modal)
			golden(t, tc.file, prettyJSON(t, tc.modal))
		})
	}
}

func TestModals_MetadataCarriesIDs(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	v := f.openModal(t, "bill 32150")
	m, err := decodeMeta(v.PrivateMetadata)
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
	m := ModalMeta{TicketID: 1, Number: 2, Channel: "C1", UserName: long, Status: long, Priority: long, TargetStatus: long}
	if n := runeLen(m.encode()); n > MaxPrivateMetadata {
		t.Errorf("encoded metadata has %d chars", n)
	}
}

func TestModals_OpenFailureIsANoticeModal(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	for _, text := range []string{"close 99999", "bill 99999", "update 99999"} {
		r, _ := f.slash(t, text)
		if r.Modal == nil || r.Modal.Submit != nil || !strings.Contains(r.Text, "#99999 doesn't exist") {
			t.Errorf("%s: reply %q, modal %+v", text, r.Text, r.Modal)
		}
	}
}

func TestModals_AlreadyInvoicedBillShowsTheInvoice(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	r, _ := f.slash(t, "bill 32120")
	if r.Modal == nil || r.Modal.Submit != nil || !strings.Contains(r.Text, "already on invoice #") {
		t.Errorf("reply %q, modal %+v", r.Text, r.Modal)
	}
}
