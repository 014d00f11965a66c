package slackfake_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/slackfake"
)

func slackErr(err error) string {
	if e, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return e.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestWebAPI_AuthTestAndTokens(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	resp, err := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL())).AuthTestContext(ctx)
	if err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	if resp.TeamID != slackfake.DefaultTeamID || resp.UserID != f.BotUserID() || resp.BotID != slackfake.DefaultBotID || resp.URL == "" {
		t.Errorf("auth.test = %+v", resp)
	}
	_, err = slack.New("xoxb-wrong", slack.OptionAPIURL(f.APIURL())).AuthTestContext(ctx)
	if slackErr(err) != "invalid_auth" {
		t.Errorf("wrong token: %v", err)
	}
	calls := f.CallsTo("auth.test")
	if len(calls) != 2 || calls[0].Format != "form" || calls[0].Token != f.BotToken() || calls[1].Error != "invalid_auth" {
		t.Errorf("calls = %+v", calls)
	}
}

func TestWebAPI_UnknownMethod(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	resp, err := http.PostForm(f.APIURL()+"chat.teleport", url.Values{"token": {f.BotToken()}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool
		Error string
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.OK || body.Error != "unknown_method" {
		t.Errorf("body = %+v, %v", body, err)
	}
}

func TestWebAPI_PostUpdateEphemeralRecordedFromForm(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Ticket #1234*", false, false), nil, nil, slack.SectionBlockOptionBlockID("tkt_1234")))
	ch, ts, err := api.PostMessageContext(ctx, ops.ID, slack.MsgOptionText("Ticket #1234", false), blocks)
	if err != nil || ch != ops.ID || ts == "" {
		t.Fatalf("PostMessage = %q %q %v", ch, ts, err)
	}
	call, err := f.WaitCall(ctx, "chat.postMessage", nil)
	if err != nil {
		t.Fatal(err)
	}
	if call.Format != "form" || call.Param("channel") != ops.ID || call.Param("text") != "Ticket #1234" {
		t.Errorf("call = %+v", call)
	}
	decoded, ok := call.Params["blocks"].([]any)
	if !ok || len(decoded) != 1 || decoded[0].(map[string]any)["block_id"] != "tkt_1234" {
		t.Errorf("blocks param not decoded: %#v", call.Params["blocks"])
	}

	if _, _, _, err := api.UpdateMessageContext(ctx, ops.ID, ts, slack.MsgOptionText("Ticket #1234 (assigned)", false)); err != nil {
		t.Fatalf("UpdateMessage: %v", err)
	}
	m, ok := f.MessageAt(ops.ID, ts)
	if !ok || m.Text != "Ticket #1234 (assigned)" || m.Updates != 1 || !strings.Contains(string(m.Blocks), "tkt_1234") {
		t.Errorf("message = %+v (%s)", m, m.Blocks)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, ops.ID, "1.000000", slack.MsgOptionText("x", false)); slackErr(err) != "message_not_found" {
		t.Errorf("update unknown ts: %v", err)
	}

	if _, err := api.PostEphemeralContext(ctx, ops.ID, alice.ID, slack.MsgOptionText("Only you can see this", false)); err != nil {
		t.Fatalf("PostEphemeral: %v", err)
	}
	if e := f.Ephemerals(alice.ID); len(e) != 1 || e[0].Text != "Only you can see this" || e[0].Channel != ops.ID {
		t.Errorf("ephemerals = %+v", e)
	}
	if c := f.CallsTo("chat.postEphemeral"); len(c) != 1 || c[0].Param("user") != alice.ID {
		t.Errorf("postEphemeral calls = %+v", c)
	}

	// Accessors return copies.
	msgs := f.Messages(ops.ID)
	msgs[0].Blocks[0] = 'X'
	msgs[0].Text = "mutated"
	if again := f.Messages(ops.ID); again[0].Text == "mutated" || again[0].Blocks[0] == 'X' {
		t.Error("Messages returned shared state")
	}
}

func TestWebAPI_JSONFormatWithBearer(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	body := `{"channel":"C0OPS","text":"hi","blocks":[{"type":"divider","block_id":"d1"}]}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.APIURL()+"chat.postMessage", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+f.BotToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	call, err := f.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool { return c.Format == "json" })
	if err != nil {
		t.Fatal(err)
	}
	if call.Error != "" || call.Token != f.BotToken() || call.Param("text") != "hi" || !bytes.Equal(call.Body, []byte(body)) {
		t.Errorf("call = %+v", call)
	}
	if m := f.Messages(ops.ID); len(m) != 1 || !strings.Contains(string(m[0].Blocks), `"d1"`) {
		t.Errorf("messages = %+v", m)
	}

	// views.open sent as a form with token= works too.
	form := url.Values{"token": {f.BotToken()}, "trigger_id": {f.IssueTrigger(alice.ID)}, "view": {`{"type":"modal","callback_id":"cb"}`}}
	resp, err = http.PostForm(f.APIURL()+"views.open", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := f.CallsTo("views.open"); len(c) != 1 || c[0].Error != "" || c[0].Format != "form" {
		t.Errorf("views.open form call = %+v", c)
	}
	if v := f.OpenViews(alice.ID); len(v) != 1 || v[0].CallbackID != "cb" {
		t.Errorf("views = %+v", v)
	}
}

func testModal(callbackID string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: callbackID,
		Title:      slack.NewTextBlockObject(slack.PlainTextType, "Ticket", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, "Hello", false, false), nil, nil),
		}},
	}
}

func TestWebAPI_ViewsTriggerExpiryReuseUpdateAndPush(t *testing.T) {
	t.Parallel()
	clock := slackfake.NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	f := newFake(t, slackfake.WithClock(clock))
	ctx := testCtx(t)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))

	trig := f.IssueTrigger(alice.ID)
	resp, err := api.OpenViewContext(ctx, trig, testModal("syncro_new_ticket"))
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	if resp.View.ID == "" || resp.View.Hash == "" || resp.View.CallbackID != "syncro_new_ticket" || resp.View.TeamID != slackfake.DefaultTeamID {
		t.Errorf("view = %+v", resp.View)
	}
	call := f.CallsTo("views.open")[0]
	if call.Format != "json" || call.Param("trigger_id") != trig || call.Token != f.BotToken() {
		t.Errorf("views.open call = %+v", call)
	}
	if v, _ := call.Params["view"].(map[string]any); v["callback_id"] != "syncro_new_ticket" {
		t.Errorf("view param = %#v", call.Params["view"])
	}
	if _, err := api.OpenViewContext(ctx, trig, testModal("again")); slackErr(err) != "invalid_trigger_id" {
		t.Errorf("reused trigger: %v", err)
	}
	old := f.IssueTrigger(alice.ID)
	clock.Advance(slackfake.DefaultTriggerTTL + time.Second)
	if _, err := api.OpenViewContext(ctx, old, testModal("late")); slackErr(err) != "expired_trigger_id" {
		t.Errorf("expired trigger: %v", err)
	}

	up, err := api.UpdateViewContext(ctx, testModal("syncro_new_ticket_step2"), "", resp.View.Hash, resp.View.ID)
	if err != nil {
		t.Fatalf("UpdateView: %v", err)
	}
	if up.View.ID != resp.View.ID || up.View.Hash == resp.View.Hash || up.View.CallbackID != "syncro_new_ticket_step2" {
		t.Errorf("updated view = %+v", up.View)
	}
	if _, err := api.UpdateViewContext(ctx, testModal("x"), "", resp.View.Hash, resp.View.ID); slackErr(err) != "hash_conflict" {
		t.Errorf("stale hash: %v", err)
	}
	if _, err := api.UpdateViewContext(ctx, testModal("x"), "", "", "V404"); slackErr(err) != "not_found" {
		t.Errorf("unknown view: %v", err)
	}
	if c := f.CallsTo("views.update"); c[0].Param("view_id") != resp.View.ID || c[0].Param("hash") != resp.View.Hash {
		t.Errorf("views.update params = %+v", c[0].Params)
	}

	for i := 1; i < slackfake.ViewStackLimit; i++ {
		p, err := api.PushViewContext(ctx, f.IssueTrigger(alice.ID), testModal("pushed"))
		if err != nil {
			t.Fatalf("PushView %d: %v", i, err)
		}
		if p.View.RootViewID != resp.View.ID {
			t.Errorf("pushed root = %q, want %q", p.View.RootViewID, resp.View.ID)
		}
	}
	if _, err := api.PushViewContext(ctx, f.IssueTrigger(alice.ID), testModal("too deep")); slackErr(err) != "push_limit_reached" {
		t.Errorf("4th view: %v", err)
	}
	if v, ok := f.View(resp.View.ID); !ok || v.Updates != 1 || v.CallbackID != "syncro_new_ticket_step2" {
		t.Errorf("stored view = %+v", v)
	}
}

func TestWebAPI_UsersAndConversations(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))

	u, err := api.GetUserInfoContext(ctx, alice.ID)
	if err != nil {
		t.Fatalf("GetUserInfo: %v", err)
	}
	if u.ID != alice.ID || u.TeamID != slackfake.DefaultTeamID || u.Profile.Email != alice.Email || u.RealName != alice.RealName {
		t.Errorf("alice = %+v", u)
	}
	if c := f.CallsTo("users.info"); len(c) != 1 || c[0].Format != "form" || c[0].Param("user") != alice.ID {
		t.Errorf("users.info calls = %+v", c)
	}
	b, err := api.GetUserInfoContext(ctx, bob.ID)
	if err != nil || b.TeamID != "T0OTHER" || b.Profile.Email != bob.Email {
		t.Errorf("bob = %+v, %v", b, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U0NOBODY"); slackErr(err) != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}

	ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ext.ID})
	if err != nil || !ch.IsExtShared || ch.Name != ext.Name {
		t.Errorf("shared channel = %+v, %v", ch, err)
	}
	ch, err = api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ops.ID})
	if err != nil || ch.IsExtShared {
		t.Errorf("ops = %+v, %v", ch, err)
	}
	f.AddChannel(slackfake.Channel{ID: "C0PRIV", Name: "priv", IsPrivate: true, BotNotInChannel: true})
	if _, _, err := api.PostMessageContext(ctx, "C0PRIV", slack.MsgOptionText("x", false)); slackErr(err) != "not_in_channel" {
		t.Errorf("post to channel without bot: %v", err)
	}
}

func TestWebAPI_FaultInjection(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	f.InjectFault("chat.postMessage", slackfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second})
	_, _, err := api.PostMessageContext(ctx, ops.ID, slack.MsgOptionText("x", false))
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); !ok || rl.RetryAfter != 2*time.Second {
		t.Errorf("err = %v, want RateLimitedError 2s", err)
	}
	if _, _, err := api.PostMessageContext(ctx, ops.ID, slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("fault outlived Times: %v", err)
	}
}

func TestManualClockAdvances(t *testing.T) {
	t.Parallel()
	start := time.Unix(1700000000, 0)
	c := slackfake.NewManualClock(start)
	c.Advance(time.Minute)
	if got := c.Now(); !got.Equal(start.Add(time.Minute)) {
		t.Errorf("Now = %v", got)
	}
}

// TestResponseURL_ReplaceOriginalUpdatesAnEphemeralInPlace: a click on a
// button in an ephemeral message gives a response_url whose
// replace_original post changes that message for its user, as Slack
// does, rather than adding a new one.
func TestResponseURL_ReplaceOriginalUpdatesAnEphemeralInPlace(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	f.StartClient(t, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Request != nil && evt.Type == socketmode.EventTypeInteractive {
			_ = c.Ack(*evt.Request)
		}
	})
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	if _, err := api.PostEphemeralContext(ctx, ops.ID, alice.ID, slack.MsgOptionText("card: Make invoice", false)); err != nil {
		t.Fatal(err)
	}
	card := f.Ephemerals(alice.ID)[0]
	ack, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: alice.ID, ChannelID: ops.ID, MessageTS: card.TS, IsEphemeral: true,
		Actions: []slackfake.Action{slackfake.Button("bill", "b", "1")}})
	if err != nil || ack.ResponseURL == "" {
		t.Fatalf("click: %+v, %v", ack, err)
	}
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionReplaceOriginal(ack.ResponseURL), slack.MsgOptionText("card: Invoiced", false)); err != nil {
		t.Fatal(err)
	}
	got := f.Ephemerals(alice.ID)
	if len(got) != 1 || got[0].Text != "card: Invoiced" || got[0].Updates != 1 || got[0].TS != card.TS {
		t.Errorf("ephemerals after replace_original = %+v, want the card replaced in place", got)
	}
}
