package main

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/store"
)

// Slack sends channel_shared and channel_unshared to one replica only
// (README, Running two replicas). That replica writes sharingFlag; each
// replica looks at it every sharingPoll and, when it changed, forgets
// what it knew of who reads each conversation (bot.ForgetConversations),
// so a channel just shared gets no ticket posts from any replica.

// sharingFlag is the store flag a replica writes when Slack told it a
// channel's sharing changed: the channel and the time, unique per change.
const sharingFlag = "channel-sharing-changed"

// sharingPoll is how often a replica looks at sharingFlag: one small
// database read, and the longest a replica Slack did not tell may post in
// a channel just shared.
const sharingPoll = 2 * time.Second

// sharingRelay passes Slack's word on a channel's sharing between
// replicas through the store.
type sharingRelay struct {
	st  store.Flags
	log *slog.Logger

	mu   sync.Mutex
	last string // sharingFlag as this replica last saw or wrote it
}

// newSharingRelay is the relay for st when replicas share it, nil for a
// lone bot (bbolt), whom Slack tells everything itself.
func newSharingRelay(st store.Backend, log *slog.Logger) *sharingRelay {
	if _, ok := st.(leader); !ok {
		return nil
	}
	return &sharingRelay{st: st, log: log}
}

// changed records that Slack said channel's sharing changed
// (bot.Config.SharingChanged); nil for a lone bot.
func (r *sharingRelay) changed() func(context.Context, string) {
	if r == nil {
		return nil
	}
	return func(_ context.Context, channel string) {
		v := channel + " " + strconv.FormatInt(time.Now().UnixNano(), 10)
		r.mu.Lock()
		r.last = v // this replica knows already
		r.mu.Unlock()
		if err := r.st.SetFlag(sharingFlag, v); err != nil {
			r.log.Error("cannot tell the other replicas a channel's sharing changed; they go by their last answer from Slack for up to 10 minutes",
				"channel", channel, "err", err)
		}
	}
}

// start looks at sharingFlag every interval until ctx ends and calls
// forget when another replica changed it. A lone bot's relay does
// nothing. The returned stop cancels it and waits.
func (r *sharingRelay) start(ctx context.Context, forget func(), interval time.Duration) (stop func()) {
	if r == nil {
		return func() {}
	}
	r.mu.Lock()
	r.last, _, _ = r.st.Flag(sharingFlag)
	r.mu.Unlock()
	return background(ctx, func(ctx context.Context) {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		failing := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			v, _, err := r.st.Flag(sharingFlag)
			if err != nil {
				if !failing && ctx.Err() == nil {
					r.log.Warn("cannot read whether another replica heard a channel shared; retrying", "err", err)
				}
				failing = true
				continue
			}
			failing = false
			r.mu.Lock()
			news := v != r.last
			r.last = v
			r.mu.Unlock()
			if news {
				forget()
			}
		}
	})
}
