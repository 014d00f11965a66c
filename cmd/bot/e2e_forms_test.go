package main

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
)

// What Dana does with the bot's buttons and forms, read from the blocks
// and views as Slack stores them.

// modalOption is one option of a select or checkbox group in a modal.
type modalOption struct {
	Text struct {
		Text string `json:"text"`
	} `json:"text"`
	Value string `json:"value"`
}

// modalInput is one input block of a modal: its element's action_id,
// type, options and initial value.
type modalInput struct {
	BlockID string
	Element struct {
		Type           string        `json:"type"`
		ActionID       string        `json:"action_id"`
		Options        []modalOption `json:"options"`
		InitialOption  *modalOption  `json:"initial_option"`
		InitialOptions []modalOption `json:"initial_options"`
		InitialDate    string        `json:"initial_date"`
		InitialValue   string        `json:"initial_value"`
	}
}

// modalInputs reads a modal's input blocks by block_id.
func modalInputs(t *testing.T, view json.RawMessage) map[string]modalInput {
	t.Helper()
	var v struct {
		Blocks []struct {
			Type    string          `json:"type"`
			BlockID string          `json:"block_id"`
			Element json.RawMessage `json:"element"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(view, &v); err != nil {
		t.Fatalf("decode view: %v\n%s", err, view)
	}
	in := map[string]modalInput{}
	for _, b := range v.Blocks {
		if b.Type != "input" {
			continue
		}
		mi := modalInput{BlockID: b.BlockID}
		if err := json.Unmarshal(b.Element, &mi.Element); err != nil {
			t.Fatalf("decode element of block %s: %v", b.BlockID, err)
		}
		in[b.BlockID] = mi
	}
	return in
}

// formState is what Slack would submit for a modal nobody touched: every
// select's and date's initial value (textValues adds the text inputs).
func formState(inputs map[string]modalInput) slackfake.Values {
	vals := slackfake.Values{}
	for id, in := range inputs {
		el := in.Element
		switch {
		case el.Type == "static_select" && el.InitialOption != nil:
			vals[id] = map[string]slackfake.Input{el.ActionID: slackfake.StaticSelectInput(el.InitialOption.Text.Text, el.InitialOption.Value)}
		case el.Type == "static_select":
			vals[id] = map[string]slackfake.Input{el.ActionID: {Type: "static_select"}}
		case el.Type == "datepicker":
			vals[id] = map[string]slackfake.Input{el.ActionID: slackfake.DatePickerInput(el.InitialDate)}
		}
	}
	return vals
}

// textValues is the state Slack submits for a form nobody touched, text
// inputs included.
func textValues(t *testing.T, view json.RawMessage) slackfake.Values {
	t.Helper()
	inputs := modalInputs(t, view)
	vals := formState(inputs)
	for id, in := range inputs {
		if in.Element.Type == "plain_text_input" {
			vals[id] = map[string]slackfake.Input{in.Element.ActionID: slackfake.TextInput(in.Element.InitialValue)}
		}
	}
	return vals
}

// submitView submits vs as Dana and fails on field errors.
func (b *e2eBot) submitView(ctx context.Context, t *testing.T, vs slackfake.ViewSubmission) slackfake.ViewAck {
	t.Helper()
	va, err := b.f.ViewSubmission(ctx, vs)
	if err != nil {
		t.Fatalf("view_submission %s: %v", vs.CallbackID, err)
	}
	if va.ResponseAction == "errors" {
		t.Fatalf("%s form refused: %+v", vs.CallbackID, va.Errors)
	}
	return va
}

// doubleSubmit submits vs twice at once, as a double click on Submit
// does, and fails on an error or field errors from either.
func (b *e2eBot) doubleSubmit(ctx context.Context, t *testing.T, vs slackfake.ViewSubmission) {
	t.Helper()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if va, err := b.f.ViewSubmission(ctx, vs); err != nil || va.ResponseAction == "errors" {
				t.Errorf("submit %s: %+v %v", vs.CallbackID, va, err)
			}
		})
	}
	wg.Wait()
}

// doubleClick clicks a in Dana's ephemeral rep twice at once.
func (b *e2eBot) doubleClick(ctx context.Context, t *testing.T, rep slackfake.Ephemeral, a slackfake.Action) {
	t.Helper()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			_, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel, MessageTS: rep.TS, IsEphemeral: true,
				Actions: []slackfake.Action{a}})
			if err != nil {
				t.Errorf("click %s: %v", a.ActionID, err)
			}
		})
	}
	wg.Wait()
}

// buttonsIn lists the buttons in a message's blocks: action_id → the
// click Slack would send for it.
func buttonsIn(t *testing.T, blocks json.RawMessage) map[string]slackfake.Action {
	t.Helper()
	out := map[string]slackfake.Action{}
	if len(blocks) == 0 {
		return out
	}
	var bs []struct {
		BlockID   string `json:"block_id"`
		Accessory *struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			URL      string `json:"url"`
		} `json:"accessory"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			URL      string `json:"url"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("decode blocks: %v\n%s", err, blocks)
	}
	add := func(blockID, typ, id, value, url string) {
		if typ != "button" {
			return
		}
		a := slackfake.Button(id, blockID, value)
		a.URL = url
		out[id] = a
	}
	for _, b := range bs {
		if a := b.Accessory; a != nil {
			add(b.BlockID, a.Type, a.ActionID, a.Value, a.URL)
		}
		for _, el := range b.Elements {
			add(b.BlockID, el.Type, el.ActionID, el.Value, el.URL)
		}
	}
	return out
}

// button is the click on the actionID button in blocks.
func button(t *testing.T, blocks json.RawMessage, actionID string) slackfake.Action {
	t.Helper()
	a, ok := buttonsIn(t, blocks)[actionID]
	if !ok {
		t.Fatalf("no %s button in %s", actionID, blocks)
	}
	return a
}

// click clicks a in Dana's ephemeral rep.
func (b *e2eBot) click(ctx context.Context, t *testing.T, rep slackfake.Ephemeral, a slackfake.Action) slackfake.Ack {
	t.Helper()
	return b.clickAs(ctx, t, e2eUser, rep, a)
}

// clickAs clicks a in user's ephemeral rep.
func (b *e2eBot) clickAs(ctx context.Context, t *testing.T, user string, rep slackfake.Ephemeral, a slackfake.Action) slackfake.Ack {
	t.Helper()
	ack, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: user, ChannelID: e2eChannel,
		MessageTS: rep.TS, IsEphemeral: true, Actions: []slackfake.Action{a}})
	if err != nil {
		t.Fatalf("click %s: %v", a.ActionID, err)
	}
	if ack.Payload != nil || ack.Late {
		t.Errorf("click %s: ack %s (late %v), want an empty ack in time", a.ActionID, ack.Payload, ack.Late)
	}
	return ack
}

// clickFinish clicks the Finish button of rep, as Dana.
func (b *e2eBot) clickFinish(ctx context.Context, t *testing.T, rep slackfake.Ephemeral) {
	t.Helper()
	b.click(ctx, t, rep, button(t, rep.Blocks, tickets.ActionFinish))
}

// openCloseForm runs /syncro close number and returns the close modal.
func (b *e2eBot) openCloseForm(ctx context.Context, t *testing.T, number int64) slackfake.View {
	t.Helper()
	b.slash(ctx, t, "close "+itoa64(number))
	return b.waitView(ctx, t, commands.CallbackClose)
}

// closeSubmission is what Slack sends when Dana types resolution into the
// close form, ticks options (commands.CloseOption…; the form's own ticks
// when none are given) and leaves every other field as it opened.
func closeSubmission(t *testing.T, view slackfake.View, resolution string, options ...string) slackfake.ViewSubmission {
	t.Helper()
	inputs := modalInputs(t, view.JSON)
	boxes, ok := inputs[commands.BlockCloseOptions]
	if !ok {
		t.Fatalf("close modal has no %q block: %s", commands.BlockCloseOptions, view.JSON)
	}
	ticked := boxes.Element.InitialOptions
	if len(options) > 0 {
		ticked = nil
		for _, o := range boxes.Element.Options {
			if slices.Contains(options, o.Value) {
				ticked = append(ticked, o)
			}
		}
	}
	sel := []slackfake.SelectOption{}
	for _, o := range ticked {
		sel = append(sel, slackfake.SelectOption{Text: o.Text.Text, Value: o.Value})
	}
	vals := formState(inputs)
	vals[commands.BlockResolution] = map[string]slackfake.Input{commands.BlockResolution: slackfake.TextInput(resolution)}
	vals[commands.BlockCloseOptions] = map[string]slackfake.Input{commands.BlockCloseOptions: {Type: "checkboxes", SelectedOptions: sel}}
	return slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackClose,
		PrivateMetadata: view.PrivateMetadata, Values: vals,
	}
}

// closeFromSlack closes ticket number from Slack as Dana: the close form,
// submitted with resolution and options as closeSubmission fills it. It
// returns the form as the bot offered it.
func (b *e2eBot) closeFromSlack(ctx context.Context, t *testing.T, number int64, resolution string, options ...string) slackfake.View {
	t.Helper()
	view := b.openCloseForm(ctx, t, number)
	b.submitView(ctx, t, closeSubmission(t, view, resolution, options...))
	return view
}

// billSubmission is the bill form as it opened, with minutes and notes.
func billSubmission(t *testing.T, view slackfake.View, minutes, notes string) slackfake.ViewSubmission {
	t.Helper()
	vals := textValues(t, view.JSON)
	vals[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: {Type: "number_input", Value: minutes}}
	vals[commands.BlockNotes] = map[string]slackfake.Input{commands.BlockNotes: slackfake.TextInput(notes)}
	return slackfake.ViewSubmission{UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackBill, PrivateMetadata: view.PrivateMetadata, Values: vals}
}
