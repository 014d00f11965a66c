package slackfake_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/slackfake"
)

// startInteractionClient connects a client that acks everything and
// hands over each interaction it receives.
func startInteractionClient(t *testing.T, f *slackfake.Fake) (*socketmode.Client, <-chan slack.InteractionCallback) {
	got := make(chan slack.InteractionCallback, 1)
	client := f.StartClient(t, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeInteractive {
			got <- evt.Data.(slack.InteractionCallback)
		}
		slackfake.AckAll(c, evt)
	})
	return client, got
}

// A message shortcut on a client's message in a shared channel reaches
// slack-go as a message_action with the message as Slack stores it: the
// author and their team, the text escaped with links marked up, and the
// files' names; chat.getPermalink links to it.
func TestMessageShortcut_CarriesTheMessageAsSlackStoresIt(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	client, got := startInteractionClient(t, f)
	msg, ls, err := f.Post(ctx, slackfake.PersonMessage{
		Channel: ext.ID, User: bob.ID, Text: "Printer <down> & https://example.com/x?a=1&b=2",
		Files: []slackfake.File{{ID: "F1", Name: "error.png", Title: "Error screen", Mimetype: "image/png"}},
	})
	if err != nil || ls != nil {
		t.Fatalf("Post: %v, link_shared %+v (no unfurl domain configured)", err, ls)
	}
	if _, err := f.Shortcut(ctx, slackfake.Shortcut{UserID: alice.ID, CallbackID: "ticket_from_message", ChannelID: ext.ID, MessageTS: msg.TS}); err != nil {
		t.Fatalf("Shortcut: %v", err)
	}
	cb := <-got
	if cb.Type != slack.InteractionTypeMessageAction || cb.CallbackID != "ticket_from_message" || cb.TriggerID == "" || cb.ResponseURL == "" {
		t.Errorf("interaction = type %q callback %q trigger %q response_url %q", cb.Type, cb.CallbackID, cb.TriggerID, cb.ResponseURL)
	}
	m := cb.Message
	wantText := "Printer &lt;down&gt; &amp; <https://example.com/x?a=1&amp;b=2>"
	if m.Timestamp != msg.TS || m.User != bob.ID || m.Team != bob.TeamID || m.Text != wantText || m.BotID != "" {
		t.Errorf("message = ts %q user %q team %q text %q bot %q; want %q %q %q %q", m.Timestamp, m.User, m.Team, m.Text, m.BotID, msg.TS, bob.ID, bob.TeamID, wantText)
	}
	if len(m.Files) != 1 || m.Files[0].Name != "error.png" || m.Files[0].Title != "Error screen" {
		t.Errorf("files = %+v", m.Files)
	}
	if cb.Channel.ID != ext.ID || cb.User.ID != alice.ID {
		t.Errorf("channel %q user %q", cb.Channel.ID, cb.User.ID)
	}
	link, err := client.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: ext.ID, Ts: msg.TS})
	if want := "https://home.slack.com/archives/C0SHARED/p" + strings.Replace(msg.TS, ".", "", 1); err != nil || link != want {
		t.Errorf("permalink = %q, %v; want %q", link, err, want)
	}
	if _, err := client.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: ext.ID, Ts: "1.000001"}); err == nil || !strings.Contains(err.Error(), slackfake.ErrCodeMessageNotFound) {
		t.Errorf("permalink of an unknown message: %v", err)
	}
}

// Another app's message is a bot_message with the bot's id; a reply's
// permalink names its thread.
func TestPost_BotMessageAndThreadReply(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	client, got := startInteractionClient(t, f)
	root, _, err := f.Post(ctx, slackfake.PersonMessage{Channel: ops.ID, User: alice.ID, Text: "root"})
	if err != nil {
		t.Fatal(err)
	}
	bot, _, err := f.Post(ctx, slackfake.PersonMessage{Channel: ops.ID, BotID: "B0MONITOR", BotName: "monitor", Text: "disk full", ThreadTS: root.TS})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Shortcut(ctx, slackfake.Shortcut{UserID: alice.ID, CallbackID: "x", ChannelID: ops.ID, MessageTS: bot.TS}); err != nil {
		t.Fatal(err)
	}
	m := (<-got).Message
	if m.SubType != "bot_message" || m.BotID != "B0MONITOR" || m.Username != "monitor" || m.ThreadTimestamp != root.TS {
		t.Errorf("bot message = %+v", m.Msg)
	}
	link, err := client.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: ops.ID, Ts: bot.TS})
	if err != nil || !strings.HasSuffix(link, "?thread_ts="+root.TS+"&cid="+ops.ID) {
		t.Errorf("reply permalink = %q, %v", link, err)
	}
	if th := f.Thread(ops.ID, root.TS); len(th) != 1 || th[0].TS != bot.TS {
		t.Errorf("thread = %+v", th)
	}
}

// A link to an unfurl domain makes Slack send link_shared with the links
// of that domain only; chat.unfurl attaches previews to exactly those
// links, and refuses a link the message did not share.
func TestLinkShared_ThenUnfurl(t *testing.T) {
	t.Parallel()
	f := newFake(t, slackfake.WithUnfurlDomains("syncromsp.com"))
	ctx := testCtx(t)
	events := make(chan *slackevents.LinkSharedEvent, 1)
	client := f.StartClient(t, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeEventsAPI {
			if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
				if ls, ok := ev.InnerEvent.Data.(*slackevents.LinkSharedEvent); ok {
					events <- ls
				}
			}
		}
		slackfake.AckAll(c, evt)
	})
	ticket := "https://acme.syncromsp.com/tickets/123"
	msg, ls, err := f.Post(ctx, slackfake.PersonMessage{Channel: ops.ID, User: alice.ID, Text: "see " + ticket + " and https://example.com/y"})
	if err != nil || ls == nil {
		t.Fatalf("Post: %v, link_shared %+v", err, ls)
	}
	ev := <-events
	if ev.Channel != ops.ID || ev.MessageTimeStamp != msg.TS || ev.User != alice.ID || len(ev.Links) != 1 ||
		ev.Links[0].URL != ticket || ev.Links[0].Domain != "acme.syncromsp.com" {
		t.Errorf("link_shared = %+v", ev)
	}
	preview := slack.Attachment{Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*#123* Printer", false, false), nil, nil)}}}
	if _, _, _, err := client.UnfurlMessageContext(ctx, ops.ID, msg.TS, map[string]slack.Attachment{ticket: preview}); err != nil {
		t.Fatalf("chat.unfurl: %v", err)
	}
	if _, _, _, err := client.UnfurlMessageContext(ctx, ops.ID, msg.TS, map[string]slack.Attachment{"https://acme.syncromsp.com/tickets/999": preview}); err == nil || !strings.Contains(err.Error(), slackfake.ErrCodeCannotUnfurlURL) {
		t.Errorf("unfurl of a link the message did not share: %v", err)
	}
	us := f.Unfurls()
	if len(us) != 1 || us[0].URL != ticket || us[0].TS != msg.TS || !strings.Contains(string(us[0].Attachment), "Printer") {
		t.Fatalf("unfurls = %+v", us)
	}
	shown, _ := f.MessageAt(ops.ID, msg.TS)
	var a map[string]any
	if err := json.Unmarshal(shown.Unfurls[ticket], &a); err != nil || a["blocks"] == nil {
		t.Errorf("message's unfurl = %s, %v", shown.Unfurls[ticket], err)
	}
}
