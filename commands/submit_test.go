package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestValidate_FieldErrorsByBlockID(t *testing.T) {
	t.Parallel()
	c, _ := newCommands(Deps{})
	meta := func(m ModalMeta) string { return m.encode() }
	sub := func(cb, md string, vals ...map[string]slack.BlockAction) Submission {
		return form(&slack.ModalViewRequest{CallbackID: cb, PrivateMetadata: md}, "V", vals...)
	}
	for _, tc := range []struct {
		name string
		s    Submission
		want FieldErrors
	}{
		{"close ok", sub(CallbackClose, meta(ModalMeta{}), typed(BlockResolution, "Fixed.")), nil},
		{"close empty resolution", sub(CallbackClose, meta(ModalMeta{}), typed(BlockResolution, "  ")),
			FieldErrors{BlockResolution: "Please write the resolution."}},
		{"close resolution too long", sub(CallbackClose, meta(ModalMeta{}), typed(BlockResolution, strings.Repeat("x", MaxCommentLen+1))),
			FieldErrors{BlockResolution: "The resolution can be at most 10,000 characters (it has 10,001)."}},
		{"close bad minutes", sub(CallbackClose, meta(ModalMeta{}), typed(BlockResolution, "ok"), typed(BlockMinutes, "lots")),
			FieldErrors{BlockMinutes: "lots isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30."}},
		{"close absurd minutes", sub(CallbackClose, meta(ModalMeta{}), typed(BlockResolution, "ok"), typed(BlockMinutes, "1441")),
			FieldErrors{BlockMinutes: "Time can't be more than 24 hours (you gave 24h1m)."}},
		{"close bad labor", sub(CallbackClose, meta(ModalMeta{}), typed(BlockResolution, "ok"), typed(BlockMinutes, "30"), picked(BlockLabor, "remot", "remot")),
			FieldErrors{BlockLabor: "Unknown labor kind remot. Did you mean remote? Valid kinds: emergency, internal, onsite, project, remote, travel, website."}},
		{"bill needs minutes when nothing is logged", sub(CallbackBill, meta(ModalMeta{}), typed(BlockMinutes, "")),
			FieldErrors{BlockMinutes: "Enter the time spent, like 45 or 1h30m."}},
		{"bill minutes optional with uncharged time", sub(CallbackBill, meta(ModalMeta{Uncharged: 45}), typed(BlockMinutes, "")), nil},
		{"bill minutes optional with charges", sub(CallbackBill, meta(ModalMeta{Uncharged: -1})), nil},
		{"bill zero", sub(CallbackBill, meta(ModalMeta{}), typed(BlockMinutes, "0")),
			FieldErrors{BlockMinutes: "Time must be more than 0 minutes."}},
		{"log time required", sub(CallbackLogTime, meta(ModalMeta{})), FieldErrors{BlockMinutes: "Enter the time spent, like 45 or 1h30m."}},
		{"log time ok", sub(CallbackLogTime, meta(ModalMeta{}), typed(BlockMinutes, "1h30m"), picked(BlockLabor, "onsite", "onsite")), nil},
		{"create empty", sub(CallbackCreate, meta(ModalMeta{})),
			FieldErrors{BlockCustomer: "Pick a customer.", BlockSubject: "Please write the subject."}},
		{"create long subject", sub(CallbackCreate, meta(ModalMeta{}), picked(BlockCustomer, "31200013", "Acme"), typed(BlockSubject, strings.Repeat("s", 256))),
			FieldErrors{BlockSubject: "The subject can be at most 255 characters (it has 256)."}},
		{"create ok", sub(CallbackCreate, meta(ModalMeta{}), picked(BlockCustomer, "31200013", "Acme"), typed(BlockSubject, "Printer 🖨️"), dated(BlockDue, "2026-12-01")), nil},
		{"update bad date", sub(CallbackUpdate, meta(ModalMeta{}), dated(BlockDue, "12/01/2026")), FieldErrors{BlockDue: "Pick a date from the calendar."}},
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

func TestMemoryDedup_SecondCallerWaitsForTheFirstsReply(t *testing.T) {
	t.Parallel()
	d := NewMemoryDedup(time.Minute)
	first, _, _ := d.Begin(t.Context(), "k")
	if !first {
		t.Fatal("first caller not first")
	}
	got := make(chan Reply)
	go func() {
		first, prior, finished := d.Begin(t.Context(), "k")
		if first || !finished {
			t.Errorf("second: first=%v finished=%v", first, finished)
		}
		got <- prior
	}()
	d.Done("k", Reply{Text: "done"})
	if r := <-got; r.Text != "done" {
		t.Errorf("prior = %q", r.Text)
	}
	ctx, cancel := context.WithCancel(t.Context())
	d.Begin(ctx, "other")
	cancel()
	if first, _, finished := d.Begin(ctx, "other"); first || finished {
		t.Error("a waiting duplicate must give up with its context")
	}
}

func TestSubmissionKeys(t *testing.T) {
	t.Parallel()
	a := form(&slack.ModalViewRequest{CallbackID: CallbackBill}, "V1", typed(BlockMinutes, "60"))
	b := form(&slack.ModalViewRequest{CallbackID: CallbackBill}, "V1", typed(BlockMinutes, "60"))
	c := form(&slack.ModalViewRequest{CallbackID: CallbackBill}, "V1", typed(BlockMinutes, "90"))
	if submissionKey(a) != submissionKey(b) || submissionKey(a) == submissionKey(c) {
		t.Error("same view and values must share a key; other values must not")
	}
	if clickKey(Action{ActionID: "x", MessageTS: "1.2", Value: "ab"}) == clickKey(Action{ActionID: "x", MessageTS: "1.2a", Value: "b"}) {
		t.Error("click key parts must not run together")
	}
}

func TestSubmit_UnknownCallbackWritesNothing(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	r, reqs := f.submit(t, form(&slack.ModalViewRequest{CallbackID: "nope", PrivateMetadata: `{"ch":"C1"}`}, "V1"))
	if !strings.Contains(r.Text, "nothing was saved") || len(reqs) != 0 || r.ChannelID != "C1" {
		t.Errorf("reply %+v, %d calls", r, len(reqs))
	}
}
