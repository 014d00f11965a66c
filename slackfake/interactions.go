package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
)

// SlashCommand is a user typing a slash command. Empty fields get defaults:
// TeamID the user's team, Command "/syncro"; TriggerID and ResponseURL are
// minted unless set.
type SlashCommand struct {
	TeamID      string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	Command     string
	Text        string
	TriggerID   string
	ResponseURL string
}

// SelectOption is a select menu option (text and value).
type SelectOption struct {
	Text  string
	Value string
}

// SelectOptionGroup is a labelled group of options.
type SelectOptionGroup struct {
	Label   string
	Options []SelectOption
}

func (o SelectOption) toJSON() map[string]any {
	return map[string]any{
		"text":  map[string]any{"type": "plain_text", "text": o.Text, "emoji": true},
		"value": o.Value,
	}
}

// Action is one element interaction inside a block_actions payload.
type Action struct {
	Type           string // "button" when empty
	ActionID       string
	BlockID        string
	Value          string
	SelectedOption *SelectOption
	SelectedUser   string
	SelectedDate   string
	// URL is a link button's url: Slack opens it in the user's browser and
	// still sends the click, with the url in the action.
	URL string
}

// Button returns a button click Action.
func Button(actionID, blockID, value string) Action {
	return Action{Type: "button", ActionID: actionID, BlockID: blockID, Value: value}
}

// LinkButton returns a click on a button that carries url.
func LinkButton(actionID, blockID, url string) Action {
	return Action{Type: "button", ActionID: actionID, BlockID: blockID, URL: url}
}

// Input is the state of one input element in a view's state.values.
type Input struct {
	Type            string
	Value           string
	SelectedOption  *SelectOption
	SelectedOptions []SelectOption
	SelectedUser    string
	SelectedDate    string
}

// TextInput is a plain_text_input holding v.
func TextInput(v string) Input { return Input{Type: "plain_text_input", Value: v} }

// StaticSelectInput is a static_select with one option chosen.
func StaticSelectInput(text, value string) Input {
	return Input{Type: "static_select", SelectedOption: &SelectOption{Text: text, Value: value}}
}

// ExternalSelectInput is an external_select with one option chosen.
func ExternalSelectInput(text, value string) Input {
	return Input{Type: "external_select", SelectedOption: &SelectOption{Text: text, Value: value}}
}

// UsersSelectInput is a users_select with userID chosen.
func UsersSelectInput(userID string) Input { return Input{Type: "users_select", SelectedUser: userID} }

// DatePickerInput is a datepicker holding date (YYYY-MM-DD).
func DatePickerInput(date string) Input { return Input{Type: "datepicker", SelectedDate: date} }

// MarshalJSON renders the input as Slack puts it in state.values.
func (in Input) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": in.Type}
	switch in.Type {
	case "plain_text_input", "number_input", "email_text_input", "url_text_input", "rich_text_input":
		m["value"] = nilIfEmpty(in.Value)
	}
	if in.Value != "" {
		m["value"] = in.Value
	}
	if in.SelectedOption != nil {
		m["selected_option"] = in.SelectedOption.toJSON()
	}
	if in.SelectedOptions != nil {
		opts := make([]any, len(in.SelectedOptions))
		for i, o := range in.SelectedOptions {
			opts[i] = o.toJSON()
		}
		m["selected_options"] = opts
	}
	if in.SelectedUser != "" {
		m["selected_user"] = in.SelectedUser
	}
	if in.SelectedDate != "" {
		m["selected_date"] = in.SelectedDate
	}
	return json.Marshal(m)
}

// Values is view state: block_id → action_id → input.
type Values map[string]map[string]Input

// BlockAction is a user clicking or choosing something in a message (set
// ChannelID and MessageTS) or in a modal (set ViewID).
type BlockAction struct {
	TeamID      string
	UserID      string
	ChannelID   string
	MessageTS   string
	IsEphemeral bool
	ViewID      string
	Actions     []Action
	State       Values // input state of the modal, if ViewID is set
	TriggerID   string
	ResponseURL string
	// UnfurlURL makes it a click in the bot's preview (chat.unfurl) of
	// that link in the message at MessageTS: Slack sends such a click
	// from a message_attachment container marked is_app_unfurl.
	UnfurlURL string
}

// ViewSubmission is a user pressing a modal's submit button. ViewID names a
// view the bot opened; CallbackID, PrivateMetadata and Hash override what
// the fake knows about it.
type ViewSubmission struct {
	TeamID          string
	UserID          string
	ViewID          string
	CallbackID      string
	PrivateMetadata string
	Hash            string
	Values          Values
}

// ViewAck is the bot's answer to a view_submission.
type ViewAck struct {
	Ack
	ResponseAction string            // "", "errors", "update", "push" or "clear"
	Errors         map[string]string // block_id → message, for "errors"
	View           json.RawMessage   // the new view, for "update" and "push"
}

// BlockSuggestion is Slack asking for external_select options as the user
// types Value into the element ActionID/BlockID of modal ViewID.
type BlockSuggestion struct {
	TeamID     string
	UserID     string
	ViewID     string
	CallbackID string
	ActionID   string
	BlockID    string
	Value      string
}

// SuggestionAck is the bot's answer to a block_suggestion.
type SuggestionAck struct {
	Ack
	Options      []SelectOption
	OptionGroups []SelectOptionGroup
}

// Shortcut is a user running a global shortcut, or a message shortcut when
// ChannelID and MessageTS are set.
type Shortcut struct {
	TeamID     string
	UserID     string
	CallbackID string
	ChannelID  string
	MessageTS  string
}

func (f *Fake) userTeamLocked(userID, teamID string) string {
	if teamID != "" {
		return teamID
	}
	if u, ok := f.st.users[userID]; ok && u.TeamID != "" {
		return u.TeamID
	}
	return f.cfg.teamID
}

func (f *Fake) userNameLocked(userID string) string {
	if u, ok := f.st.users[userID]; ok && u.Name != "" {
		return u.Name
	}
	return userID
}

func (f *Fake) teamJSON(teamID string) map[string]any {
	domain := teamID
	if teamID == f.cfg.teamID {
		domain = f.cfg.teamDomain
	}
	return map[string]any{"id": teamID, "domain": domain}
}

func (f *Fake) userRefLocked(userID, teamID string) map[string]any {
	name := f.userNameLocked(userID)
	return map[string]any{"id": userID, "username": name, "name": name, "team_id": teamID}
}

func (f *Fake) newResponseURLLocked(channelID, userID, messageTS string) string {
	id := fmt.Sprintf("R%07d", f.nextSeqLocked())
	u := f.responseBaseLocked() + id
	f.st.responses[id] = &responseURL{id: id, url: u, channelID: channelID, userID: userID, messageTS: messageTS, issuedAt: f.cfg.clock.Now()}
	return u
}

func (f *Fake) channelNameLocked(id string) string {
	if c, ok := f.st.channels[id]; ok {
		return c.Name
	}
	return ""
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("slackfake: marshal payload: %v", err))
	}
	return b
}

// SlashCommand sends a slash_commands envelope and waits for its ack. A
// message in the ack payload is shown like Slack does: in the channel for
// response_type in_channel, otherwise ephemeral to the user.
func (f *Fake) SlashCommand(ctx context.Context, sc SlashCommand) (Ack, error) {
	if err := f.awaitSocket(ctx); err != nil {
		return Ack{}, err
	}
	f.mu.Lock()
	team := f.userTeamLocked(sc.UserID, sc.TeamID)
	if sc.Command == "" {
		sc.Command = "/syncro"
	}
	if sc.UserName == "" {
		sc.UserName = f.userNameLocked(sc.UserID)
	}
	if sc.ChannelName == "" {
		sc.ChannelName = f.channelNameLocked(sc.ChannelID)
	}
	if sc.TriggerID == "" {
		sc.TriggerID = f.issueTriggerLocked(sc.UserID, team, "")
	}
	if sc.ResponseURL == "" {
		sc.ResponseURL = f.newResponseURLLocked(sc.ChannelID, sc.UserID, "")
	}
	payload := map[string]any{
		"token": "fake-verification-token", "team_id": team, "team_domain": f.teamJSON(team)["domain"],
		"channel_id": sc.ChannelID, "channel_name": sc.ChannelName,
		"user_id": sc.UserID, "user_name": sc.UserName,
		"command": sc.Command, "text": sc.Text, "api_app_id": f.cfg.appID,
		"is_enterprise_install": "false",
		"response_url":          sc.ResponseURL, "trigger_id": sc.TriggerID,
	}
	f.mu.Unlock()
	d := &delivery{
		env:     Envelope{Type: EnvelopeSlashCommands, AcceptsResponsePayload: true, Payload: mustJSON(payload)},
		trigger: sc.TriggerID, respURL: sc.ResponseURL,
		onAck: func(a Ack) { f.showAckMessageLocked(a, sc.ChannelID, sc.UserID) },
	}
	return f.deliver(ctx, d)
}

// showAckMessageLocked shows a message carried by a slash-command ack.
func (f *Fake) showAckMessageLocked(a Ack, channelID, userID string) {
	var msg struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if a.Payload == nil || json.Unmarshal(a.Payload, &msg) != nil {
		return
	}
	if string(msg.Blocks) == "null" {
		msg.Blocks = nil
	}
	if msg.Text == "" && msg.Blocks == nil {
		return
	}
	m := Message{
		Channel: channelID, TS: f.tsLocked(), User: f.cfg.botUserID, Text: msg.Text, Blocks: msg.Blocks,
		Source: "ack", Time: f.cfg.clock.Now(),
	}
	if msg.ResponseType == "in_channel" {
		f.st.messages = append(f.st.messages, &m)
		return
	}
	f.st.ephemerals = append(f.st.ephemerals, &Ephemeral{Message: m, To: userID})
}

// viewPayloadLocked returns the stored view JSON for id with state values
// (and overrides) applied, or a minimal modal when the view is unknown.
func (f *Fake) viewPayloadLocked(id, callbackID, privateMetadata, hash string, values Values) map[string]any {
	m := map[string]any{}
	if v := f.st.findView(id); v != nil {
		_ = json.Unmarshal(v.JSON, &m)
	} else {
		m = map[string]any{"id": id, "type": "modal", "team_id": f.cfg.teamID, "app_id": f.cfg.appID, "bot_id": f.cfg.botID, "blocks": []any{}}
	}
	if callbackID != "" {
		m["callback_id"] = callbackID
	}
	if privateMetadata != "" {
		m["private_metadata"] = privateMetadata
	}
	if hash != "" {
		m["hash"] = hash
	}
	if values == nil {
		values = Values{}
	}
	m["state"] = map[string]any{"values": values}
	return m
}

func (f *Fake) actionsJSONLocked(actions []Action) []any {
	out := make([]any, len(actions))
	for i, a := range actions {
		typ := a.Type
		if typ == "" {
			typ = "button"
		}
		m := map[string]any{"type": typ, "action_id": a.ActionID, "block_id": a.BlockID, "action_ts": f.tsLocked()}
		if a.Value != "" {
			m["value"] = a.Value
		}
		if a.SelectedOption != nil {
			m["selected_option"] = a.SelectedOption.toJSON()
		}
		if a.SelectedUser != "" {
			m["selected_user"] = a.SelectedUser
		}
		if a.SelectedDate != "" {
			m["selected_date"] = a.SelectedDate
		}
		if a.URL != "" {
			m["url"] = a.URL
		}
		out[i] = m
	}
	return out
}

// BlockAction sends an interactive block_actions envelope and waits for its
// ack. For a message action the payload carries the stored message (if the
// fake has it) and a fresh response_url.
func (f *Fake) BlockAction(ctx context.Context, ba BlockAction) (Ack, error) {
	if err := f.awaitSocket(ctx); err != nil {
		return Ack{}, err
	}
	f.mu.Lock()
	team := f.userTeamLocked(ba.UserID, ba.TeamID)
	rootView := ""
	if ba.ViewID != "" {
		if v := f.st.findView(ba.ViewID); v != nil {
			rootView = v.RootViewID
		}
	}
	if ba.TriggerID == "" {
		ba.TriggerID = f.issueTriggerLocked(ba.UserID, team, rootView)
	}
	payload := map[string]any{
		"type": "block_actions", "api_app_id": f.cfg.appID, "token": "fake-verification-token",
		"team": f.teamJSON(team), "user": f.userRefLocked(ba.UserID, team),
		"trigger_id": ba.TriggerID, "actions": f.actionsJSONLocked(ba.Actions),
		"is_enterprise_install": false,
	}
	if ba.ViewID != "" {
		payload["container"] = map[string]any{"type": "view", "view_id": ba.ViewID}
		payload["view"] = f.viewPayloadLocked(ba.ViewID, "", "", "", ba.State)
		payload["state"] = map[string]any{"values": nonNilValues(ba.State)}
	} else {
		if ba.ResponseURL == "" {
			ba.ResponseURL = f.newResponseURLLocked(ba.ChannelID, ba.UserID, ba.MessageTS)
		}
		payload["container"] = map[string]any{
			"type": "message", "message_ts": ba.MessageTS, "channel_id": ba.ChannelID, "is_ephemeral": ba.IsEphemeral,
		}
		if ba.UnfurlURL != "" {
			payload["container"] = map[string]any{
				"type": "message_attachment", "message_ts": ba.MessageTS, "channel_id": ba.ChannelID, "attachment_id": 1,
				"is_ephemeral": false, "is_app_unfurl": true, "app_unfurl_url": ba.UnfurlURL,
			}
		}
		payload["channel"] = map[string]any{"id": ba.ChannelID, "name": f.channelNameLocked(ba.ChannelID)}
		msg := map[string]any{"type": "message", "ts": ba.MessageTS, "text": ""}
		if m := f.st.findMessage(ba.ChannelID, ba.MessageTS); m != nil {
			msg = f.messageJSON(m)
		}
		payload["message"] = msg
		payload["response_url"] = ba.ResponseURL
		payload["state"] = map[string]any{"values": nonNilValues(ba.State)}
	}
	f.mu.Unlock()
	return f.deliver(ctx, &delivery{
		env:     Envelope{Type: EnvelopeInteractive, Payload: mustJSON(payload)},
		trigger: ba.TriggerID, respURL: ba.ResponseURL,
	})
}

func nonNilValues(v Values) Values {
	if v == nil {
		return Values{}
	}
	return v
}

// ViewSubmission sends an interactive view_submission envelope, waits for
// its ack and applies its response_action to the fake's views: none closes
// the view, "update" replaces it, "push" stacks a new one, "clear" closes
// the stack, "errors" leaves it open.
func (f *Fake) ViewSubmission(ctx context.Context, vs ViewSubmission) (ViewAck, error) {
	if err := f.awaitSocket(ctx); err != nil {
		return ViewAck{}, err
	}
	f.mu.Lock()
	team := f.userTeamLocked(vs.UserID, vs.TeamID)
	rootView := vs.ViewID
	if v := f.st.findView(vs.ViewID); v != nil {
		rootView = v.RootViewID
	}
	trig := f.issueTriggerLocked(vs.UserID, team, rootView)
	payload := map[string]any{
		"type": "view_submission", "api_app_id": f.cfg.appID, "token": "fake-verification-token",
		"team": f.teamJSON(team), "user": f.userRefLocked(vs.UserID, team), "trigger_id": trig,
		"view":                  f.viewPayloadLocked(vs.ViewID, vs.CallbackID, vs.PrivateMetadata, vs.Hash, vs.Values),
		"response_urls":         []any{},
		"is_enterprise_install": false,
	}
	f.mu.Unlock()
	var va ViewAck
	d := &delivery{
		env:     Envelope{Type: EnvelopeInteractive, AcceptsResponsePayload: true, Payload: mustJSON(payload)},
		trigger: trig,
		onAck: func(a Ack) {
			va = decodeViewAck(a)
			f.applyViewAckLocked(va, vs.ViewID, vs.UserID, team)
		},
	}
	a, err := f.deliver(ctx, d)
	if err != nil {
		return ViewAck{Ack: a}, err
	}
	if a.Late {
		va = decodeViewAck(a)
	}
	va.Ack = a
	return va, nil
}

func decodeViewAck(a Ack) ViewAck {
	va := ViewAck{Ack: a}
	var body struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	if a.Payload != nil && json.Unmarshal(a.Payload, &body) == nil {
		va.ResponseAction, va.Errors, va.View = body.ResponseAction, body.Errors, body.View
	}
	return va
}

func (f *Fake) applyViewAckLocked(va ViewAck, viewID, userID, teamID string) {
	v := f.st.findView(viewID)
	if v == nil {
		return
	}
	switch va.ResponseAction {
	case "errors":
	case "update":
		_ = f.updateViewLocked(v, va.View)
	case "push":
		nv := &View{ID: f.newViewIDLocked(), UserID: userID, TeamID: teamID, RootViewID: v.RootViewID, PreviousViewID: v.ID, OpenedAt: f.cfg.clock.Now()}
		if f.buildViewLocked(va.View, nv) == "" {
			f.st.views = append(f.st.views, nv)
		}
	case "clear":
		for _, s := range f.stackLocked(v.RootViewID) {
			s.Closed = true
		}
	default:
		v.Closed = true
	}
}

// BlockSuggestion sends an interactive block_suggestion envelope and returns
// the options the bot acked with.
func (f *Fake) BlockSuggestion(ctx context.Context, bs BlockSuggestion) (SuggestionAck, error) {
	if err := f.awaitSocket(ctx); err != nil {
		return SuggestionAck{}, err
	}
	f.mu.Lock()
	team := f.userTeamLocked(bs.UserID, bs.TeamID)
	payload := map[string]any{
		"type": "block_suggestion", "action_id": bs.ActionID, "block_id": bs.BlockID, "value": bs.Value,
		"api_app_id": f.cfg.appID, "token": "fake-verification-token",
		"team": f.teamJSON(team), "user": f.userRefLocked(bs.UserID, team),
		"container": map[string]any{"type": "view", "view_id": bs.ViewID},
		"view":      f.viewPayloadLocked(bs.ViewID, bs.CallbackID, "", "", nil),
	}
	f.mu.Unlock()
	a, err := f.deliver(ctx, &delivery{
		env: Envelope{Type: EnvelopeInteractive, AcceptsResponsePayload: true, Payload: mustJSON(payload)},
	})
	sa := SuggestionAck{Ack: a}
	if err != nil {
		return sa, err
	}
	type jsonOption struct {
		Text  struct{ Text string } `json:"text"`
		Value string                `json:"value"`
	}
	var body struct {
		Options      []jsonOption `json:"options"`
		OptionGroups []struct {
			Label   struct{ Text string } `json:"label"`
			Options []jsonOption          `json:"options"`
		} `json:"option_groups"`
	}
	if a.Payload != nil {
		if err := json.Unmarshal(a.Payload, &body); err != nil {
			return sa, fmt.Errorf("slackfake: decode options ack: %w", err)
		}
	}
	for _, o := range body.Options {
		sa.Options = append(sa.Options, SelectOption{Text: o.Text.Text, Value: o.Value})
	}
	for _, g := range body.OptionGroups {
		og := SelectOptionGroup{Label: g.Label.Text}
		for _, o := range g.Options {
			og.Options = append(og.Options, SelectOption{Text: o.Text.Text, Value: o.Value})
		}
		sa.OptionGroups = append(sa.OptionGroups, og)
	}
	return sa, nil
}

// Shortcut sends an interactive shortcut (global) or message_action
// (message) envelope and waits for its ack.
func (f *Fake) Shortcut(ctx context.Context, sh Shortcut) (Ack, error) {
	if err := f.awaitSocket(ctx); err != nil {
		return Ack{}, err
	}
	f.mu.Lock()
	team := f.userTeamLocked(sh.UserID, sh.TeamID)
	trig := f.issueTriggerLocked(sh.UserID, team, "")
	payload := map[string]any{
		"type": "shortcut", "callback_id": sh.CallbackID, "trigger_id": trig, "action_ts": f.tsLocked(),
		"api_app_id": f.cfg.appID, "token": "fake-verification-token",
		"team": f.teamJSON(team), "user": f.userRefLocked(sh.UserID, team),
	}
	respURL := ""
	if sh.MessageTS != "" {
		respURL = f.newResponseURLLocked(sh.ChannelID, sh.UserID, sh.MessageTS)
		payload["type"] = "message_action"
		payload["is_enterprise_install"] = false
		payload["response_url"] = respURL
		payload["message_ts"] = sh.MessageTS
		payload["channel"] = map[string]any{"id": sh.ChannelID, "name": f.channelNameLocked(sh.ChannelID)}
		msg := map[string]any{"type": "message", "ts": sh.MessageTS, "text": ""}
		if m := f.st.findMessage(sh.ChannelID, sh.MessageTS); m != nil {
			msg = f.messageJSON(m)
		}
		payload["message"] = msg
	}
	f.mu.Unlock()
	return f.deliver(ctx, &delivery{
		env:     Envelope{Type: EnvelopeInteractive, Payload: mustJSON(payload)},
		trigger: trig, respURL: respURL,
	})
}

// Event sends an events_api envelope wrapping event (e.g.
// map[string]any{"type":"app_home_opened","user":"U1","tab":"home"}) in an
// event_callback and waits for its ack.
func (f *Fake) Event(ctx context.Context, event any) (Ack, error) {
	if err := f.awaitSocket(ctx); err != nil {
		return Ack{}, err
	}
	f.mu.Lock()
	n := f.nextSeqLocked()
	payload := map[string]any{
		"type": "event_callback", "token": "fake-verification-token", "team_id": f.cfg.teamID,
		"api_app_id": f.cfg.appID, "event_id": fmt.Sprintf("Ev%08d", n),
		"event_time": f.cfg.clock.Now().Unix(), "event": event,
	}
	f.mu.Unlock()
	return f.deliver(ctx, &delivery{env: Envelope{Type: EnvelopeEventsAPI, Payload: mustJSON(payload)}})
}
