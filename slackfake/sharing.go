package slackfake

import (
	"context"
	"fmt"
)

// Sharing a channel with another workspace, as Slack Connect does: the
// channel's conversations.info changes, and Slack tells the app with a
// channel_shared or channel_unshared event over Socket Mode. Slack sends
// these bot events only for channels the bot is in, so neither is sent
// for a channel with BotNotInChannel.

// ShareChannel shares channel id with the workspace teamID: from then on
// conversations.info says is_ext_shared, and the app gets channel_shared.
// It waits for the event's ack, returned; nil when no event was sent.
func (f *Fake) ShareChannel(ctx context.Context, id, teamID string) (*Ack, error) {
	return f.changeSharing(ctx, id, true, map[string]any{"type": "channel_shared", "connected_team_id": teamID})
}

// UnshareChannel ends channel id's sharing with the workspace teamID (the
// fake keeps one: the channel is no longer is_ext_shared) and sends
// channel_unshared, as ShareChannel sends channel_shared.
func (f *Fake) UnshareChannel(ctx context.Context, id, teamID string) (*Ack, error) {
	return f.changeSharing(ctx, id, false, map[string]any{"type": "channel_unshared", "previously_connected_team_id": teamID, "is_ext_shared": false})
}

// changeSharing sets channel id's is_ext_shared and sends event, filled
// in with the channel and the time, when the bot is in the channel.
func (f *Fake) changeSharing(ctx context.Context, id string, shared bool, event map[string]any) (*Ack, error) {
	f.mu.Lock()
	c, ok := f.st.channels[id]
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("slackfake: %s: %s", event["type"], ErrCodeChannelNotFound)
	}
	c.IsExtShared = shared
	c.IsPendingExtShared = false
	f.st.channels[id] = c
	event["channel"], event["event_ts"] = id, f.tsLocked()
	f.bumpLocked()
	f.mu.Unlock()
	if c.BotNotInChannel {
		return nil, nil
	}
	ack, err := f.Event(ctx, event)
	if err != nil {
		return nil, fmt.Errorf("slackfake: %s for %s: %w", event["type"], id, err)
	}
	return &ack, nil
}
