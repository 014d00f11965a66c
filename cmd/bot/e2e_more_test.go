package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// modalOption is one option of a select in a modal as Slack renders it.
type modalOption struct {
	Text struct {
		Text string `json:"text"`
	} `json:"text"`
	Value string `json:"value"`
}

// modalInputs reads a modal's input blocks: for each block_id, its
// element's action_id, type, options and initial value.
type modalInput struct {
	BlockID string
	Element struct {
		Type          string        `json:"type"`
		ActionID      string        `json:"action_id"`
		Options       []modalOption `json:"options"`
		InitialOption *modalOption  `json:"initial_option"`
		InitialDate   string        `json:"initial_date"`
	}
}

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
// input's initial value.
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

func TestE2E_UpdateViaModal(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	before := ticketByNumber(t, b.srv, 32151)

	b.slash(ctx, t, "update 32151")
	var view slackfake.View
	err := b.f.WaitUntil(ctx, func() bool {
		for _, v := range b.f.Views() {
			if v.UserID == e2eUser && v.CallbackID == commands.CallbackUpdate && !v.Closed {
				view = v
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no update modal opened: %v; views %+v; ephemerals %+v; stderr:\n%s", err, b.f.Views(), b.f.Ephemerals(e2eUser), b.stderr.String())
	}
	opens := b.f.CallsTo("views.open")
	if len(opens) != 1 {
		t.Fatalf("views.open called %d times, want 1 (the Loading view)", len(opens))
	}
	if s := opens[0].Param("view"); !strings.Contains(s, "Loading") || strings.Contains(s, commands.CallbackUpdate) {
		t.Errorf("the first view opened is not the Loading view: %s", s)
	}
	if view.Updates < 1 {
		t.Errorf("the update form was not shown by updating the Loading view (updates %d)", view.Updates)
	}
	if view.PrivateMetadata == "" {
		t.Fatal("update modal has no private_metadata")
	}

	inputs := modalInputs(t, view.JSON)
	status, ok := inputs[commands.BlockStatus]
	if !ok {
		t.Fatalf("update modal has no %q input: %s", commands.BlockStatus, view.JSON)
	}
	if status.Element.InitialOption == nil || status.Element.InitialOption.Value != before.Status {
		t.Errorf("status select does not preselect %q: %+v", before.Status, status.Element.InitialOption)
	}
	var pick modalOption
	for _, o := range status.Element.Options {
		if o.Value == "Waiting on Customer" {
			pick = o
		}
	}
	if pick.Value == "" {
		t.Fatalf("status select offers no Waiting on Customer: %+v", status.Element.Options)
	}

	vals := formState(inputs)
	vals[commands.BlockStatus] = map[string]slackfake.Input{status.Element.ActionID: slackfake.StaticSelectInput(pick.Text.Text, pick.Value)}
	va, err := b.f.ViewSubmission(ctx, slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackUpdate,
		PrivateMetadata: view.PrivateMetadata, Values: vals,
	})
	if err != nil {
		t.Fatalf("view_submission: %v", err)
	}
	if va.ResponseAction == "errors" {
		t.Fatalf("form refused: %+v", va.Errors)
	}
	if va.Late {
		t.Error("view_submission ack was late")
	}

	var rep slackfake.Ephemeral
	err = b.f.WaitUntil(ctx, func() bool {
		for _, e := range b.f.Ephemerals(e2eUser) {
			if strings.Contains(replyText(e.Message), pick.Value) {
				rep = e
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no confirmation mentioning %q: %v; ephemerals %+v; stderr:\n%s", pick.Value, err, b.f.Ephemerals(e2eUser), b.stderr.String())
	}
	if s := replyText(rep.Message); !strings.Contains(s, "32151") {
		t.Errorf("confirmation does not name the ticket: %q", s)
	}
	if got := ticketByNumber(t, b.srv, 32151); got.Status != pick.Value {
		t.Errorf("Syncro status = %q, want %q", got.Status, pick.Value)
	}
	if n := b.srv.Count("PUT", "/tickets"); n != 1 {
		t.Errorf("%d PUTs to Syncro, want 1", n)
	}
}

func TestE2E_OtherWorkspaceRefused(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	const other = "U0BOB"
	b.f.AddUser(slackfake.User{ID: other, TeamID: "T0OTHER", Name: "bob", RealName: "Bob Other", Email: "bob@other.example"})
	b.srv.ResetLog()

	ack, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{TeamID: "T0OTHER", UserID: other, ChannelID: e2eChannel, Text: "ticket 32150"})
	if err != nil {
		t.Fatalf("/syncro ticket 32150: %v", err)
	}
	if ack.Late {
		t.Error("ack was late")
	}
	if err := b.f.WaitUntil(ctx, func() bool { return len(b.f.Ephemerals(other)) >= 1 }); err != nil {
		t.Fatalf("no refusal shown to Bob: %v; stderr:\n%s", err, b.stderr.String())
	}
	want := "This bot only serves members of " + slackfake.DefaultTeamName + "."
	if got := b.f.Ephemerals(other)[0].Text; got != want {
		t.Errorf("refusal = %q, want %q", got, want)
	}
	// Anything the bot would do for Bob starts before it reads Dana's
	// command, sent after his: once she has her answer, Bob's would show.
	b.slash(ctx, t, "ticket 32151")
	if s := replyText(b.waitReply(ctx, t, 1).Message); !strings.Contains(s, "32151") {
		t.Errorf("Dana's reply does not show #32151: %q", s)
	}
	bobs := fmt.Sprintf("/tickets/%d", ticketByNumber(t, b.srv, 32150).ID)
	for _, r := range b.srv.Requests() {
		if q, _ := url.ParseQuery(r.Query); q.Get("number") == "32150" || strings.HasPrefix(r.Path, bobs) {
			t.Errorf("Syncro saw a request for a user of another workspace: %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
	if n := len(b.f.Ephemerals(other)); n != 1 {
		t.Errorf("Bob got %d messages, want only the refusal", n)
	}
}

func TestE2E_ReconnectsAfterDisconnect(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)

	b.slash(ctx, t, "ticket 32150")
	if s := replyText(b.waitReply(ctx, t, 1).Message); !strings.Contains(s, "32150") {
		t.Errorf("first reply does not show #32150: %q", s)
	}

	total := b.f.TotalConnections()
	if n := b.f.Disconnect("refresh_requested"); n < 1 {
		t.Fatalf("Disconnect told %d sockets", n)
	}
	if err := b.f.WaitConnections(ctx, total+1); err != nil {
		t.Fatalf("bot did not reconnect after disconnect: %v; stderr:\n%s", err, b.stderr.String())
	}

	ack := b.slash(ctx, t, "ticket 32151")
	if ack.Late {
		t.Error("ack after reconnect was late")
	}
	if s := replyText(b.waitReply(ctx, t, 2).Message); !strings.Contains(s, "32151") {
		t.Errorf("reply after reconnect does not show #32151: %q", s)
	}
}

func TestE2E_SIGTERMFinishesInFlightWork(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	b.srv.Fail("GET", "/tickets", 1, syncrotest.FaultHang)

	ack := b.slash(ctx, t, "ticket 32150")
	if ack.Late {
		t.Error("ack was late")
	}
	b.waitHeld(ctx, t)
	b.stop() // SIGTERM
	if err := b.stderr.WaitFor(ctx, "waiting for in-flight work"); err != nil {
		t.Fatalf("the bot never said it waits for in-flight work: %v; stderr:\n%s", err, b.stderr.String())
	}
	select {
	case <-b.finished:
		t.Fatalf("run returned (%d) with a command in flight; stderr:\n%s", b.code, b.stderr.String())
	default:
	}
	if n := len(b.f.Ephemerals(e2eUser)); n != 0 {
		t.Fatalf("%d replies while Syncro held the lookup", n)
	}

	b.srv.ReleaseHangs()
	rep := b.waitReply(ctx, t, 1)
	s := replyText(rep.Message)
	if !strings.Contains(s, "32150") || strings.HasPrefix(rep.Text, "Sorry") {
		t.Errorf("in-flight reply is not the ticket: %q", s)
	}

	select {
	case <-b.finished:
		if b.code != exitOK {
			t.Errorf("run exited %d, want %d; stderr:\n%s", b.code, exitOK, b.stderr.String())
		}
	case <-ctx.Done():
		t.Fatalf("run did not return after in-flight work finished; stderr:\n%s", b.stderr.String())
	}
}

// TestE2E_BadInputAnsweredInTheAck: text that doesn't parse gets the usage
// sentence straight in the ack, and Syncro is never asked.
func TestE2E_BadInputAnsweredInTheAck(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	b.srv.ResetLog()
	for _, tt := range []struct{ text, want string }{
		{"ticket abc", "isn't a ticket number"},
		{"tcket 32150", "Did you mean `ticket`?"},
		{"comment 32150 --time 25h fixed it", "24 hours"},
	} {
		ack := b.slash(ctx, t, tt.text)
		var payload struct {
			Text string `json:"text"`
		}
		if err := ack.Decode(&payload); err != nil || !strings.Contains(payload.Text, tt.want) {
			t.Errorf("/syncro %s: ack text %q (%v), want it to contain %q", tt.text, payload.Text, err, tt.want)
		}
	}
	if reqs := b.srv.Requests(); len(reqs) != 0 {
		t.Errorf("Syncro saw %d requests for bad input", len(reqs))
	}
}
