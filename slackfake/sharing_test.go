package slackfake_test

import (
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/slackfake"
)

// ShareChannel and UnshareChannel reach slack-go as the channel_shared
// and channel_unshared events Slack documents, and conversations.info
// follows; a channel the bot is not in changes with no event.
func TestShareChannel_EventsAndConversationsInfoFollow(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	got := make(chan any, 4)
	client := f.StartClient(t, func(c *socketmode.Client, evt socketmode.Event) {
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok && evt.Type == socketmode.EventTypeEventsAPI {
			got <- ev.InnerEvent.Data
		}
		slackfake.AckAll(c, evt)
	})
	isExtShared := func() bool {
		t.Helper()
		ch, err := client.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ops.ID})
		if err != nil {
			t.Fatal(err)
		}
		return ch.IsExtShared
	}

	ack, err := f.ShareChannel(ctx, ops.ID, "T0OTHER")
	if err != nil || ack == nil || ack.EnvelopeID == "" {
		t.Fatalf("ShareChannel = %+v, %v; want the event's ack", ack, err)
	}
	if ev, ok := (<-got).(*slackevents.ChannelSharedEvent); !ok || ev.Type != "channel_shared" || ev.Channel != ops.ID || ev.ConnectedTeamID != "T0OTHER" || ev.EventTs == "" {
		t.Errorf("event = %+v, want channel_shared of %s with T0OTHER", ev, ops.ID)
	}
	if !isExtShared() {
		t.Error("conversations.info says the shared channel is not is_ext_shared")
	}

	if _, err := f.UnshareChannel(ctx, ops.ID, "T0OTHER"); err != nil {
		t.Fatal(err)
	}
	if ev, ok := (<-got).(*slackevents.ChannelUnsharedEvent); !ok || ev.Type != "channel_unshared" || ev.Channel != ops.ID || ev.PreviouslyConnectedTeamID != "T0OTHER" || ev.IsExtShared {
		t.Errorf("event = %+v, want channel_unshared of %s from T0OTHER", ev, ops.ID)
	}
	if isExtShared() {
		t.Error("conversations.info still says is_ext_shared after the unshare")
	}

	f.AddChannel(slackfake.Channel{ID: "C0AWAY", Name: "away", BotNotInChannel: true})
	if ack, err := f.ShareChannel(ctx, "C0AWAY", "T0OTHER"); err != nil || ack != nil {
		t.Errorf("sharing a channel the bot is not in = %+v, %v; want no event", ack, err)
	}
	if _, err := f.ShareChannel(ctx, "C0NONE", "T0OTHER"); err == nil {
		t.Error("shared a channel Slack does not have")
	}
}

// conversations.info reports each way a channel is shared as Slack does:
// pending and org-shared on their own flags, is_shared for ext- and
// org-shared channels too.
func TestConversationsInfo_SharedFlags(t *testing.T) {
	t.Parallel()
	f := newFake(t,
		slackfake.WithChannels(
			slackfake.Channel{ID: "C0PEND", IsPendingExtShared: true},
			slackfake.Channel{ID: "C0ORG", IsOrgShared: true},
			slackfake.Channel{ID: "C0ISSH", IsShared: true},
		))
	ctx := testCtx(t)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	for _, tt := range []struct {
		id                           string
		ext, pending, org, anyShared bool
	}{
		{ops.ID, false, false, false, false},
		{ext.ID, true, false, false, true},
		{"C0PEND", false, true, false, false},
		{"C0ORG", false, false, true, true},
		{"C0ISSH", false, false, false, true},
	} {
		ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: tt.id})
		if err != nil {
			t.Fatal(err)
		}
		if ch.IsExtShared != tt.ext || ch.IsPendingExtShared != tt.pending || ch.IsOrgShared != tt.org || ch.IsShared != tt.anyShared {
			t.Errorf("%s: ext %v pending %v org %v shared %v; want %v %v %v %v", tt.id,
				ch.IsExtShared, ch.IsPendingExtShared, ch.IsOrgShared, ch.IsShared, tt.ext, tt.pending, tt.org, tt.anyShared)
		}
	}
}
