package subscriptions

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Grouping: Slack takes about one message a second per channel, so a
// poll that brings many notices for one channel posts them as a few
// lists instead of a queue of single messages minutes long.
const (
	// groupAfter is the most notices one poll posts one by one in a
	// channel; more are grouped.
	groupAfter = 3
	// linesPerGroup bounds the tickets of one grouped message.
	linesPerGroup = 25
)

// Notify queues messages for a channel on the bot's rate-limited notice
// queue (bot.(*Bot).NotifyIn), which never posts into a shared channel.
type Notify func(ctx context.Context, channel string, msgs []commands.Message) error

// Watch turns the watcher's polls into the subscribed channels' notices.
// It keeps each ticket's last status seen, so a status change is told
// from the second poll that lists the ticket; a restart forgets them, so
// changes made while the bot was down are told as new or closed only.
type Watch struct {
	store  store.Subscriptions
	notify Notify
	log    *slog.Logger

	mu   sync.Mutex
	prev map[int64]string
}

// NewWatch returns a Watch posting through notify.
func NewWatch(st store.Subscriptions, notify Notify, log *slog.Logger) *Watch {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watch{store: st, notify: notify, log: log, prev: map[int64]string{}}
}

// Seed takes the open tickets as the bot found them at start (the
// open-ticket mirror), so a status change of one no poll has listed yet is
// told as one.
func (w *Watch) Seed(open []syncro.Ticket) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range open {
		if _, ok := w.prev[t.ID]; !ok {
			w.prev[t.ID] = t.Status
		}
	}
}

// notice is one event of one ticket for one subscription.
type notice struct {
	event string
	t     *syncro.Ticket
}

// subNotice is a notice for the channel of the subscription that matched.
type subNotice struct {
	channel string
	notice
}

// Listed takes the tickets one poll listed, changed since since
// (watcher.Config.OnListed), and queues each subscribed channel's
// notices: each event once per subscription, also across restarts, and
// once per channel however many of its subscriptions match.
func (w *Watch) Listed(ctx context.Context, listed []syncro.Ticket, since time.Time) {
	subs, err := w.store.AllSubscriptions()
	if err != nil {
		w.log.Error("subscriptions not read; their notices wait for the next poll", "err", err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// Every (subscription, event) of the poll is marked in one store
	// write before any is queued, as one mark each was: a crash between
	// the write and the post loses those notices rather than telling them
	// twice. One write, not one per pair: 100 subscriptions × 50 new
	// tickets were 5,000 commits under the lock before #ops was told.
	var marks []store.NoticeMark
	var pending []subNotice
	for i := range listed {
		t := &listed[i]
		before, known := w.prev[t.ID]
		if syncro.IsClosedStatus(t.Status) {
			delete(w.prev, t.ID)
		} else {
			w.prev[t.ID] = t.Status
		}
		event, key := eventOf(t, before, known, since)
		if event == "" {
			continue
		}
		for _, sub := range subs {
			if slices.Contains(sub.Events, event) && matches(sub, t) {
				marks = append(marks, store.NoticeMark{Subscription: sub.ID, Key: key})
				pending = append(pending, subNotice{channel: sub.Channel, notice: notice{event: event, t: t}})
			}
		}
	}
	if len(marks) == 0 {
		return
	}
	first, err := w.store.MarkNotified(marks)
	if err != nil {
		w.log.Error("subscription notices not recorded; not posted", "count", len(marks), "err", err)
		return
	}
	byChannel := map[string][]notice{}
	for i, p := range pending {
		// Two subscriptions of one channel matching the ticket are
		// one notice there: the channel reads it once.
		told := slices.ContainsFunc(byChannel[p.channel], func(n notice) bool { return n.t.ID == p.t.ID })
		if first[i] && !told {
			byChannel[p.channel] = append(byChannel[p.channel], p.notice)
		}
	}
	for _, ch := range slices.Sorted(maps.Keys(byChannel)) {
		if err := w.notify(ctx, ch, render(byChannel[ch])); err != nil {
			w.log.Error("subscription notices not queued", "channel", ch, "count", len(byChannel[ch]), "err", err)
		}
	}
}

// eventOf is what happened to t in the poll's window and the key that
// makes it told once: closed (it reached a closed status), status
// (another status than the last poll, or the start, saw), or new
// (created in the window).
func eventOf(t *syncro.Ticket, before string, known bool, since time.Time) (event, key string) {
	id := strconv.FormatInt(t.ID, 10)
	switch {
	case syncro.IsClosedStatus(t.Status) && (!known || !syncro.IsClosedStatus(before)):
		at := t.ResolvedAt.Time
		if at.IsZero() {
			at = t.UpdatedAt.Time
		}
		if at.Before(since) {
			return "", ""
		}
		return EventClosed, "closed:" + id + ":" + strconv.FormatInt(at.Unix(), 10)
	case known && !strings.EqualFold(before, t.Status) && !syncro.IsClosedStatus(t.Status):
		return EventStatus, "status:" + id + ":" + strings.ToLower(t.Status) + ":" + strconv.FormatInt(t.UpdatedAt.Unix(), 10)
	case !t.CreatedAt.Before(since):
		return EventNew, "new:" + id
	}
	return "", ""
}

// label is how a notice names its event.
func label(event string) string {
	switch event {
	case EventNew:
		return "New ticket"
	case EventClosed:
		return "Closed"
	}
	return "Status changed"
}

// render is one channel's notices of a poll as messages: one each up to
// groupAfter, else lists of up to linesPerGroup tickets.
func render(ns []notice) []commands.Message {
	if len(ns) <= groupAfter {
		out := make([]commands.Message, 0, len(ns))
		for _, n := range ns {
			text := "*" + label(n.event) + "*  " + commands.TicketLine(n.t)
			out = append(out, commands.Message{Text: text, Blocks: []slack.Block{commands.TextSection(text)}})
		}
		return out
	}
	var out []commands.Message
	for start := 0; start < len(ns); start += linesPerGroup {
		part := ns[start:min(start+linesPerGroup, len(ns))]
		title := "*" + strconv.Itoa(len(ns)) + " ticket notices*"
		if len(ns) > linesPerGroup {
			title += " (" + strconv.Itoa(start+1) + "–" + strconv.Itoa(start+len(part)) + ")"
		}
		lines := []string{title}
		for _, n := range part {
			lines = append(lines, "• "+label(n.event)+": "+commands.TicketLine(n.t))
		}
		var blocks []slack.Block
		for _, text := range commands.PackLines(lines, "\n") {
			blocks = append(blocks, commands.TextSection(text))
		}
		out = append(out, commands.Message{Text: strconv.Itoa(len(ns)) + " ticket notices", Blocks: blocks})
	}
	return out
}
