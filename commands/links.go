package commands

import (
	"context"

	"github.com/syncrobot/syncrobot/store"
)

// ChannelLink is the customer channelID is linked to (/syncro link); ok is
// false when it has none, or when the store cannot say: that is logged,
// and the form or list then simply starts without a customer.
func (d Deps) ChannelLink(ctx context.Context, channelID string) (store.ChannelLink, bool) {
	if channelID == "" {
		return store.ChannelLink{}, false
	}
	l, ok, err := d.Store.ChannelLink(channelID)
	if err != nil {
		d.Logger.WarnContext(ctx, "channel link unreadable; no default customer", "channel", channelID, "err", err)
		return store.ChannelLink{}, false
	}
	return l, ok
}
