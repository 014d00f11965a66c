package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/syncrobot/syncrobot/commands"
)

// noticeQueueLen bounds the notices waiting for one channel; beyond it new
// ones are dropped (and logged) rather than piling up in memory while
// Slack is rate limiting.
const noticeQueueLen = 256

// notifier posts notices to channels at most one per interval per channel
// (Slack's chat.postMessage budget), in the order they were queued, with
// retries on 429. Each channel has its own queue and goroutine.
type notifier struct {
	api      slackAPI
	log      *slog.Logger
	interval time.Duration
	posted   func() // called after each notice posted; set before start
	// share says who can read a channel (Bot.conversation); notices are
	// posted only where Slack says the home workspace alone. Set before
	// start.
	share func(ctx context.Context, channel string) conversation

	mu     sync.Mutex
	ctx    context.Context
	queues map[string]chan commands.Message
	closed bool
	wg     sync.WaitGroup
}

func newNotifier(api slackAPI, log *slog.Logger, interval time.Duration) *notifier {
	return &notifier{api: api, log: log, interval: interval, queues: map[string]chan commands.Message{}}
}

// start sets the context the posting goroutines run under.
func (n *notifier) start(ctx context.Context) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ctx = ctx
}

// post queues msgs for channel without waiting and says how many it took.
func (n *notifier) post(channel string, msgs []commands.Message) (queued int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed || n.ctx == nil {
		n.log.Warn("notifier stopped; dropping notices", "channel", channel, "count", len(msgs))
		return 0
	}
	q, ok := n.queues[channel]
	if !ok {
		q = make(chan commands.Message, noticeQueueLen)
		n.queues[channel] = q
		n.wg.Add(1)
		go n.run(n.ctx, channel, q)
	}
	for _, m := range msgs {
		select {
		case q <- m:
			queued++
		default:
			n.log.Error("notice queue full; dropping notice", "channel", channel, "ticket_id", m.TicketID, commands.LogText("text", m.Text))
		}
	}
	return queued
}

// run posts one channel's notices until its queue is closed and empty.
func (n *notifier) run(ctx context.Context, channel string, q chan commands.Message) {
	defer n.wg.Done()
	lim := rate.NewLimiter(rate.Every(n.interval), 1)
	// unreadable: Slack could not describe the channel last time, and the
	// operator has been warned once for this spell.
	unreadable := false
	for m := range q {
		if err := lim.Wait(ctx); err != nil {
			n.log.Error("notice not posted: shutting down", "channel", channel, "ticket_id", m.TicketID, commands.LogText("text", m.Text))
			continue
		}
		// Notices name tickets and customers; README promises none of
		// that reaches a channel another workspace reads.
		if n.share != nil {
			if !n.shareable(ctx, channel, m, &unreadable) {
				continue
			}
		}
		opts := msgOptions(m.Text, m.Blocks)
		err := retry429(ctx, func() error {
			_, _, err := n.api.PostMessageContext(ctx, channel, opts...)
			return err
		})
		if err != nil {
			n.log.Error("notice not posted", "channel", channel, "ticket_id", m.TicketID, commands.LogText("text", m.Text), "err", err)
		} else if n.posted != nil {
			n.posted()
		}
	}
}

// shareable reports whether m may be posted to channel: only while Slack
// says the home workspace alone reads it (conversations.go). Each dropped
// notice is logged with its ticket id and why; a spell of "Slack cannot
// say" is warned once, and its end said, through *unreadable.
func (n *notifier) shareable(ctx context.Context, channel string, m commands.Message, unreadable *bool) bool {
	c := n.share(ctx, channel)
	if c.audience == audienceUnknown && !*unreadable {
		*unreadable = true
		n.log.Warn("Slack cannot describe a channel of ticket notices (NOTIFY_CHANNEL or a subscription's; conversations.info fails); its notices are dropped until Slack can say the channel is not shared",
			"channel", channel)
	}
	if !c.internal() {
		n.log.Error("notice dropped", "channel", channel, "ticket_id", m.TicketID, "why", c.why)
		return false
	}
	if *unreadable {
		*unreadable = false
		n.log.Info("channel of ticket notices readable again; its notices are posted", "channel", channel)
	}
	return true
}

// close stops taking notices; queued ones are still posted.
func (n *notifier) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	n.closed = true
	for _, q := range n.queues {
		close(q)
	}
}

// wait waits until every queue is drained or over fires.
func (n *notifier) wait(over <-chan time.Time) {
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-over:
		n.log.Warn("shutdown grace over with notices still queued")
	}
}

// Notify queues m for NotifyChannel on the same per-channel, rate-limited
// queue as Reply.Notices; the closed-ticket watcher posts through it. It
// waits until Run has started the queue (or ctx ends); the caller has
// already claimed m.TicketID (notice.Announcer).
func (b *Bot) Notify(ctx context.Context, m commands.Message) error {
	if b.cfg.NotifyChannel == "" {
		return errors.New("bot: notify: no NotifyChannel configured")
	}
	select {
	case <-b.started:
	case <-ctx.Done():
		return fmt.Errorf("bot: notify: %w", ctx.Err())
	}
	if b.notices.post(b.cfg.NotifyChannel, []commands.Message{m}) == 0 {
		return errors.New("bot: notify: notice dropped (shutting down or queue full)")
	}
	return nil
}

// NotifyIn queues msgs for channel on its rate-limited notice queue,
// like Notify (the channels' ticket subscriptions post through it); a
// channel shared with another workspace gets none of them.
func (b *Bot) NotifyIn(ctx context.Context, channel string, msgs []commands.Message) error {
	select {
	case <-b.started:
	case <-ctx.Done():
		return fmt.Errorf("bot: notify %s: %w", channel, ctx.Err())
	}
	if n := b.notices.post(channel, msgs); n < len(msgs) {
		return fmt.Errorf("bot: notify %s: %d of %d notices dropped (shutting down or queue full)", channel, len(msgs)-n, len(msgs))
	}
	return nil
}

// checkNotifyChannel says at start, in the log, when NotifyChannel is
// shared with another workspace: its notices will be dropped while it is.
// It asks Slack directly, not through the cache, so a channel that cannot
// be read yet does not count as shared for a minute.
func (b *Bot) checkNotifyChannel(ctx context.Context) {
	if b.cfg.NotifyChannel == "" {
		return
	}
	c, err := b.describe(ctx, b.cfg.NotifyChannel)
	switch {
	case err != nil:
		b.log.Warn("cannot read NOTIFY_CHANNEL; notices are posted only once Slack confirms it is not shared",
			"channel", b.cfg.NotifyChannel, "err", err)
	case !c.internal():
		b.log.Error("NOTIFY_CHANNEL is shared with another workspace; closed-ticket notices are dropped while it is (choose a channel only this workspace reads)",
			"channel", b.cfg.NotifyChannel, "why", c.why)
	}
}
