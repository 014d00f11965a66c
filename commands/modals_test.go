package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// writeFixture is a Commands wired to a seeded in-memory Syncro, both
// reading syncrotest.SeedNow, with session logs going to a temp dir.
type writeFixture struct {
	srv  *syncrotest.Server
	c    *Commands
	logs string
}

// seedLaborNames names the seed's labor products, as Config.LaborNames.
var seedLaborNames = map[int64]string{
	syncrotest.ProductLaborRemote:    "Labor - Remote Business",
	syncrotest.ProductLaborOnsite:    "Labor - Onsite Business",
	syncrotest.ProductLaborEmergency: "Labor - Emergency",
	syncrotest.ProductLaborProject:   "Labor - Project",
	syncrotest.ProductLaborInternal:  "Labor - Internal",
	syncrotest.ProductLaborTravel:    "Labor - Travel",
	syncrotest.ProductLaborWebsite:   "Labor - Website",
}

// dana is the seed's billing admin, asking in most write tests.
var dana = Actor{SlackUserID: "U0DANA", SlackTeamID: "T0BAYLINE", Name: "Dana Whitfield", Email: "dana@baylineit.com", CanBill: true}

func newWriteFixture(t *testing.T, opts ...syncrotest.Option) *writeFixture {
	t.Helper()
	return newWriteFixtureNames(t, seedLaborNames, opts...)
}

func newWriteFixtureNames(t *testing.T, names map[int64]string, opts ...syncrotest.Option) *writeFixture {
	t.Helper()
	now := func() time.Time { return syncrotest.SeedNow }
	srv := syncrotest.NewServer(t, append([]syncrotest.Option{syncrotest.WithClock(now)}, opts...)...)
	client, err := syncro.NewClient(syncro.Config{
		BaseURL:       srv.URL(),
		APIKey:        syncrotest.DefaultAPIKey,
		RatePerMinute: 100000,
		Sleep:         func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := t.TempDir()
	c := New(Config{
		Syncro: client, WebURL: "https://bayline.syncromsp.com", Now: now,
		SessionLogs: &sessionlog.Writer{Root: logs, Now: now},
		LaborNames:  names,
	})
	return &writeFixture{srv: srv, c: c, logs: logs}
}

// slash runs "/syncro text" as dana and returns the reply and the Syncro
// requests it made.
func (f *writeFixture) slash(t *testing.T, text string) (Reply, []syncrotest.Request) {
	t.Helper()
	f.srv.ResetLog()
	r := f.c.Slash(t.Context(), Request{Actor: dana, ChannelID: "C0TECHS", Text: text, EnvelopeID: "env-1"})
	return r, f.srv.Requests()
}

// submit submits s and returns the reply and the Syncro requests it made.
func (f *writeFixture) submit(t *testing.T, s Submission) (Reply, []syncrotest.Request) {
	t.Helper()
	if errs := f.c.Validate(s); len(errs) > 0 {
		t.Fatalf("Validate: %v", errs)
	}
	f.srv.ResetLog()
	r := f.c.Submit(t.Context(), s)
	return r, f.srv.Requests()
}

// ticket is the seed ticket with number n.
func (f *writeFixture) ticket(t *testing.T, n int64) syncrotest.Ticket {
	t.Helper()
	tk, ok := f.srv.TicketByNumber(n)
	if !ok {
		t.Fatalf("no seed ticket #%d", n)
	}
	return tk
}

// openModal runs a modal-opening slash command and returns its modal.
func (f *writeFixture) openModal(t *testing.T, text string) *slack.ModalViewRequest {
	t.Helper()
	r, reqs := f.slash(t, text)
	if r.Modal == nil {
		t.Fatalf("%q: no modal; reply %q%s", text, r.Text, reqLines(reqs))
	}
	return r.Modal
}

// reqLines summarises a request log for failure messages.
func reqLines(reqs []syncrotest.Request) string {
	var b strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&b, "\n  %s %s?%s → %d %s", r.Method, r.Path, r.Query, r.Status, slackfmt.Truncate(r.Body, 120))
	}
	return b.String()
}

// countReqs counts requests with method and a path matching pred.
func countReqs(reqs []syncrotest.Request, method, suffix string) int {
	n := 0
	for _, r := range reqs {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
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

// prettyJSON is v indented, with &, < and > kept readable.
func prettyJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
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

// checkModal checks Slack's limits and our conventions on a modal.
func checkModal(t *testing.T, v *slack.ModalViewRequest) {
	t.Helper()
	if n := runeLen(v.Title.Text); n > slackfmt.MaxModalTitle || n == 0 {
		t.Errorf("title %q has %d chars", v.Title.Text, n)
	}
	if v.Submit != nil && runeLen(v.Submit.Text) > slackfmt.MaxModalTitle {
		t.Errorf("submit %q too long", v.Submit.Text)
	}
	if n := runeLen(v.PrivateMetadata); n > slackfmt.MaxPrivateMetadata {
		t.Errorf("private_metadata has %d chars", n)
	}
	inputs := 0
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok {
			continue
		}
		inputs++
		raw, _ := json.Marshal(in.Element)
		var el struct {
			ActionID string `json:"action_id"`
			Options  []any  `json:"options"`
		}
		_ = json.Unmarshal(raw, &el)
		if el.ActionID != in.BlockID {
			t.Errorf("block %s: action id %q, want the block id", in.BlockID, el.ActionID)
		}
		if len(el.Options) > slackfmt.MaxSelectOptions {
			t.Errorf("block %s: %d options", in.BlockID, len(el.Options))
		}
	}
	if inputs > 0 && v.Submit == nil {
		t.Error("a modal with inputs must define submit")
	}
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
	m := modalMeta{TicketID: 1, Number: 2, Channel: "C1", UserName: long, Status: long, Priority: long, TargetStatus: long}
	if n := runeLen(m.encode()); n > slackfmt.MaxPrivateMetadata {
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
