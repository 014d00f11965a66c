package tickets

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
)

func TestValidate_FieldErrorsByBlockID(t *testing.T) {
	t.Parallel()
	c, _ := newCommands(t, commands.Deps{})
	meta := func(m commands.ModalMeta) string { return m.Encode() }
	sub := func(cb, md string, vals ...map[string]slack.BlockAction) commands.Submission {
		return form(&slack.ModalViewRequest{CallbackID: cb, PrivateMetadata: md}, "V", vals...)
	}
	for _, tc := range []struct {
		name string
		s    commands.Submission
		want commands.FieldErrors
	}{
		{"close ok", sub(commands.CallbackClose, meta(commands.ModalMeta{}), typed(commands.BlockResolution, "Fixed.")), nil},
		{"close empty resolution", sub(commands.CallbackClose, meta(commands.ModalMeta{}), typed(commands.BlockResolution, "  ")),
			commands.FieldErrors{commands.BlockResolution: "Please write the resolution."}},
		{"close resolution too long", sub(commands.CallbackClose, meta(commands.ModalMeta{}), typed(commands.BlockResolution, strings.Repeat("x", cmdline.MaxCommentLen+1))),
			commands.FieldErrors{commands.BlockResolution: "The resolution can be at most 10,000 characters (it has 10,001)."}},
		{"close bad minutes", sub(commands.CallbackClose, meta(commands.ModalMeta{}), typed(commands.BlockResolution, "ok"), typed(commands.BlockMinutes, "lots")),
			commands.FieldErrors{commands.BlockMinutes: "lots isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30."}},
		{"close absurd minutes", sub(commands.CallbackClose, meta(commands.ModalMeta{}), typed(commands.BlockResolution, "ok"), typed(commands.BlockMinutes, "1441")),
			commands.FieldErrors{commands.BlockMinutes: "Time can't be more than 24 hours (you gave 24h1m)."}},
		{"close bad labor", sub(commands.CallbackClose, meta(commands.ModalMeta{}), typed(commands.BlockResolution, "ok"), typed(commands.BlockMinutes, "30"), picked(commands.BlockLabor, "remot", "remot")),
			commands.FieldErrors{commands.BlockLabor: "Unknown labor kind remot. Did you mean remote? Valid kinds: emergency, internal, onsite, project, remote, travel, website."}},
		{"bill needs minutes when nothing is logged", sub(commands.CallbackBill, meta(commands.ModalMeta{}), typed(commands.BlockMinutes, "")),
			commands.FieldErrors{commands.BlockMinutes: "Enter the time spent, like 45 or 1h30m."}},
		{"bill minutes optional with uncharged time", sub(commands.CallbackBill, meta(commands.ModalMeta{Uncharged: 45}), typed(commands.BlockMinutes, "")), nil},
		{"bill minutes optional with charges", sub(commands.CallbackBill, meta(commands.ModalMeta{Uncharged: -1})), nil},
		{"bill zero", sub(commands.CallbackBill, meta(commands.ModalMeta{}), typed(commands.BlockMinutes, "0")),
			commands.FieldErrors{commands.BlockMinutes: "Time must be more than 0 minutes."}},
		{"log time required", sub(commands.CallbackLogTime, meta(commands.ModalMeta{})), commands.FieldErrors{commands.BlockMinutes: "Enter the time spent, like 45 or 1h30m."}},
		{"log time ok", sub(commands.CallbackLogTime, meta(commands.ModalMeta{}), typed(commands.BlockMinutes, "1h30m"), picked(commands.BlockLabor, "onsite", "onsite")), nil},
		{"create empty", sub(commands.CallbackCreate, meta(commands.ModalMeta{})),
			commands.FieldErrors{commands.BlockCustomer: "Pick a customer.", commands.BlockSubject: "Please write the subject."}},
		{"create long subject", sub(commands.CallbackCreate, meta(commands.ModalMeta{}), picked(commands.BlockCustomer, "31200013", "Acme"), typed(commands.BlockSubject, strings.Repeat("s", 256))),
			commands.FieldErrors{commands.BlockSubject: "The subject can be at most 255 characters (it has 256)."}},
		{"create ok", sub(commands.CallbackCreate, meta(commands.ModalMeta{}), picked(commands.BlockCustomer, "31200013", "Acme"), typed(commands.BlockSubject, "Printer 🖨️"), dated(commands.BlockDue, "2026-12-01")), nil},
		{"update bad date", sub(commands.CallbackUpdate, meta(commands.ModalMeta{}), dated(commands.BlockDue, "12/01/2026")), commands.FieldErrors{commands.BlockDue: "Pick a date from the calendar."}},
		{"unknown callback", sub("nope", ""), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Validate(tc.s)
			if len(got) != len(tc.want) {
				t.Fatalf("Validate = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestSubmissionKeys(t *testing.T) {
	t.Parallel()
	a := form(&slack.ModalViewRequest{CallbackID: commands.CallbackBill}, "V1", typed(commands.BlockMinutes, "60"))
	b := form(&slack.ModalViewRequest{CallbackID: commands.CallbackBill}, "V1", typed(commands.BlockMinutes, "60"))
	c := form(&slack.ModalViewRequest{CallbackID: commands.CallbackBill}, "V1", typed(commands.BlockMinutes, "90"))
	if commands.SubmissionKey(a) != commands.SubmissionKey(b) || commands.SubmissionKey(a) == commands.SubmissionKey(c) {
		t.Error("same view and values must share a key; other values must not")
	}
	if commands.ClickKey(commands.Action{ActionID: "x", MessageTS: "1.2", Value: "ab"}) == commands.ClickKey(commands.Action{ActionID: "x", MessageTS: "1.2a", Value: "b"}) {
		t.Error("click key parts must not run together")
	}
}

func TestSubmit_UnknownCallbackWritesNothing(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	r, reqs := f.Submit(t, form(&slack.ModalViewRequest{CallbackID: "nope", PrivateMetadata: `{"ch":"C1"}`}, "V1"))
	if !strings.Contains(r.Text, "nothing was saved") || len(reqs) != 0 || r.ChannelID != "C1" {
		t.Errorf("reply %+v, %d calls", r, len(reqs))
	}
}
