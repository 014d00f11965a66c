package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the conversation features: channels linked to customers, and
// the Slack thread each ticket created from a message lives in.
var (
	bucketChannelLinks  = []byte("channel_links")
	bucketTicketThreads = []byte("ticket_threads")
	// bucketThreadsByMessage indexes bucketTicketThreads by the message
	// (channel and the message's own ts) a ticket was created from.
	bucketThreadsByMessage = []byte("threads_by_message")
	// bucketThreadsByParent indexes bucketTicketThreads by the thread
	// (channel and its parent's ts) the ticket's message is in: the
	// ticket made last from any message of the thread.
	bucketThreadsByParent = []byte("threads_by_parent")
)

// ChannelLinks ties Slack channels to Syncro customers (/syncro link), so
// forms and lists in a linked channel start from its customer.
type ChannelLinks interface {
	// LinkChannel saves l, replacing the channel's earlier link, which it
	// returns (ok false when there was none).
	LinkChannel(l ChannelLink) (previous ChannelLink, ok bool, err error)
	// UnlinkChannel removes the channel's link and returns it, or
	// ErrNotFound.
	UnlinkChannel(channel string) (ChannelLink, error)
	// ChannelLink returns the channel's link, ok false when it has none.
	ChannelLink(channel string) (l ChannelLink, ok bool, err error)
	// ChannelLinks returns every link, by customer name then channel.
	ChannelLinks() ([]ChannelLink, error)
}

// ChannelLink is one channel's customer.
type ChannelLink struct {
	// Channel is the Slack channel id (C…, G…).
	Channel string `json:"channel"`
	// CustomerID and CustomerName are the Syncro customer, its name as it
	// was when linked.
	CustomerID   int64  `json:"customer_id"`
	CustomerName string `json:"customer_name"`
	// Acknowledge lets the bot tell a shared channel, in the message's
	// thread, that a ticket was opened (a neutral line, no details).
	Acknowledge bool `json:"acknowledge,omitempty"`
	// LinkedBy is the Slack user who linked it; LinkedAt when.
	LinkedBy string    `json:"linked_by"`
	LinkedAt time.Time `json:"linked_at"`
}

// TicketThreads remembers the Slack message each ticket was created
// from, so later news about the ticket goes to that message's thread, a
// second "Create Syncro ticket" on the message finds the first ticket,
// and "Add to ticket" in the thread finds the thread's ticket.
type TicketThreads interface {
	// SetTicketThread records th; a ticket has one thread, a message one
	// ticket, and a later record replaces an earlier one (of the message,
	// and as the thread's ticket).
	SetTicketThread(th TicketThread) error
	// TicketThread returns the thread of the ticket with Syncro id
	// ticketID, ok false when it was not created from a message.
	TicketThread(ticketID int64) (th TicketThread, ok bool, err error)
	// ThreadTicket returns the ticket created from the message at
	// channel and ts, the message's own ts (a reply's, not its
	// parent's), ok false when there is none.
	ThreadTicket(channel, ts string) (th TicketThread, ok bool, err error)
	// TicketInThread returns the ticket created last from a message of
	// the thread whose parent is at channel and parentTS (the parent
	// itself or any reply), ok false when there is none.
	TicketInThread(channel, parentTS string) (th TicketThread, ok bool, err error)
}

// TicketThread is a ticket and the Slack message it was created from.
type TicketThread struct {
	TicketID int64  `json:"ticket_id"`
	Number   string `json:"number"`
	// Channel and TS are the thread, TS its parent's ts: where news about
	// the ticket goes, since Slack threads hang on the parent.
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	// MessageTS is the message's own ts: a reply's differs from TS.
	// Records from before it was kept (made from a reply, they name the
	// parent only) read as MessageTS = TS, and so does SetTicketThread
	// without it.
	MessageTS string `json:"message_ts,omitempty"`
	// fromOldVersion: the record was read without MessageTS, as the
	// version before threads_by_parent writes it (ticketInThread).
	fromOldVersion bool
	// Shared records that the channel was shared with another workspace
	// when the ticket was made: nothing about the ticket goes there.
	Shared    bool      `json:"shared,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// The bbolt Store keeps both.
var (
	_ ChannelLinks  = (*Store)(nil)
	_ TicketThreads = (*Store)(nil)
)

// LinkChannel implements ChannelLinks.
func (s *Store) LinkChannel(l ChannelLink) (ChannelLink, bool, error) {
	if l.Channel == "" || l.CustomerID <= 0 {
		return ChannelLink{}, false, fmt.Errorf("link channel: %w: channel and customer are required", ErrInvalid)
	}
	if l.LinkedAt.IsZero() {
		l.LinkedAt = s.now()
	}
	var prev ChannelLink
	var had bool
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChannelLinks)
		var err error
		if had, err = getJSON(b, []byte(l.Channel), &prev); err != nil {
			return err
		}
		return putJSON(b, []byte(l.Channel), l)
	})
	if err != nil {
		return ChannelLink{}, false, fmt.Errorf("link channel %s: %w", l.Channel, err)
	}
	return prev, had, nil
}

// UnlinkChannel implements ChannelLinks.
func (s *Store) UnlinkChannel(channel string) (ChannelLink, error) {
	var l ChannelLink
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChannelLinks)
		ok, err := getJSON(b, []byte(channel), &l)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		return b.Delete([]byte(channel))
	})
	if err != nil {
		return ChannelLink{}, fmt.Errorf("unlink channel %s: %w", channel, err)
	}
	return l, nil
}

// ChannelLink implements ChannelLinks.
func (s *Store) ChannelLink(channel string) (ChannelLink, bool, error) {
	var l ChannelLink
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bucketChannelLinks), []byte(channel), &l)
		return err
	})
	if err != nil {
		return ChannelLink{}, false, fmt.Errorf("read link of channel %s: %w", channel, err)
	}
	return l, ok, nil
}

// ChannelLinks implements ChannelLinks.
func (s *Store) ChannelLinks() ([]ChannelLink, error) {
	var out []ChannelLink
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketChannelLinks).ForEach(func(_, v []byte) error {
			var l ChannelLink
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
			out = append(out, l)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list channel links: %w", err)
	}
	sortLinks(out)
	return out, nil
}

// sortLinks orders links by customer name, then channel.
func sortLinks(links []ChannelLink) {
	slices.SortFunc(links, func(a, b ChannelLink) int {
		if c := strings.Compare(strings.ToLower(a.CustomerName), strings.ToLower(b.CustomerName)); c != 0 {
			return c
		}
		return strings.Compare(a.Channel, b.Channel)
	})
}

// messageKey is the index key of a message: channel and ts.
func messageKey(channel, ts string) []byte { return []byte(channel + "/" + ts) }

// ticketKey is the key of a ticket's thread record.
func ticketKey(id int64) []byte { return []byte(strconv.FormatInt(id, 10)) }

// readThread fills what a record from before MessageTS leaves out.
func (th *TicketThread) readThread() {
	if th.MessageTS == "" {
		th.MessageTS = th.TS
		th.fromOldVersion = true
	}
}

// checkTicketThread refuses a record without its ticket or message and
// fills MessageTS and CreatedAt.
func checkTicketThread(th *TicketThread, now time.Time) error {
	if th.TicketID <= 0 || th.Channel == "" || th.TS == "" {
		return fmt.Errorf("set ticket thread: %w: ticket, channel and ts are required", ErrInvalid)
	}
	th.readThread()
	if th.CreatedAt.IsZero() {
		th.CreatedAt = now
	}
	return nil
}

// SetTicketThread implements TicketThreads.
func (s *Store) SetTicketThread(th TicketThread) error {
	if err := checkTicketThread(&th, s.now()); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketTicketThreads), ticketKey(th.TicketID), th); err != nil {
			return err
		}
		if err := tx.Bucket(bucketThreadsByParent).Put(messageKey(th.Channel, th.TS), ticketKey(th.TicketID)); err != nil {
			return err
		}
		return tx.Bucket(bucketThreadsByMessage).Put(messageKey(th.Channel, th.MessageTS), ticketKey(th.TicketID))
	})
	if err != nil {
		return fmt.Errorf("set thread of ticket %d: %w", th.TicketID, err)
	}
	return nil
}

// TicketThread implements TicketThreads.
func (s *Store) TicketThread(ticketID int64) (TicketThread, bool, error) {
	var th TicketThread
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bucketTicketThreads), ticketKey(ticketID), &th)
		return err
	})
	if err != nil {
		return TicketThread{}, false, fmt.Errorf("read thread of ticket %d: %w", ticketID, err)
	}
	th.readThread()
	return th, ok, nil
}

// ThreadTicket implements TicketThreads.
func (s *Store) ThreadTicket(channel, ts string) (TicketThread, bool, error) {
	return s.indexedThread(bucketThreadsByMessage, "message", channel, ts, messageTSOf)
}

// TicketInThread implements TicketThreads.
func (s *Store) TicketInThread(channel, parentTS string) (TicketThread, bool, error) {
	return ticketInThread(func(byParent bool) (TicketThread, bool, error) {
		index := bucketThreadsByMessage
		if byParent {
			index = bucketThreadsByParent
		}
		return s.indexedThread(index, "thread", channel, parentTS, threadTSOf)
	})
}

// indexedThread reads the record index names at channel and ts, ok false
// when there is none or it is stale (stillAt); of names the index in the
// error.
func (s *Store) indexedThread(index []byte, of, channel, ts string, at func(TicketThread) string) (TicketThread, bool, error) {
	var th TicketThread
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(index).Get(messageKey(channel, ts))
		if id == nil {
			return nil
		}
		var err error
		ok, err = getJSON(tx.Bucket(bucketTicketThreads), id, &th)
		return err
	})
	return stillAt(th, ok, err, of, channel, ts, at)
}

// stillAt is an index's hit th (found ok, read with err) when the record
// still names channel and ts (at returns the ts it names there); ok false
// when the ticket's record moved to another message since, so the index
// entry is stale. of names the index (message, thread) in the error.
func stillAt(th TicketThread, ok bool, err error, of, channel, ts string, at func(TicketThread) string) (TicketThread, bool, error) {
	if err != nil {
		return TicketThread{}, false, fmt.Errorf("read ticket of %s %s/%s: %w", of, channel, ts, err)
	}
	if !ok {
		return TicketThread{}, false, nil
	}
	th.readThread()
	if th.Channel != channel || at(th) != ts {
		return TicketThread{}, false, nil
	}
	return th, true, nil
}

// ticketInThread is TicketInThread over a backend's read of the record
// one index names at the parent's ts, still naming that thread (the
// thread index when byParent, else the message index): the thread
// index's, unless the message index names a later record of the version
// before threads_by_parent (migration 0009). That version indexes a
// ticket made from a reply under the parent's ts in the message index
// only; a replica of it keeps doing so during a rolling upgrade (README,
// "Rolling upgrade") and after a rollback, and the thread index, filled
// once at the upgrade, misses what it writes. This version's records
// are in the thread index, whose last write is the thread's latest
// ticket whatever the replicas' clocks say.
func ticketInThread(read func(byParent bool) (TicketThread, bool, error)) (TicketThread, bool, error) {
	th, ok, err := read(true)
	if err != nil {
		return TicketThread{}, false, err
	}
	old, okOld, err := read(false)
	if err != nil {
		return TicketThread{}, false, err
	}
	if okOld && old.fromOldVersion && (!ok || old.CreatedAt.After(th.CreatedAt)) {
		return old, true, nil
	}
	return th, ok, nil
}

// messageTSOf and threadTSOf are the ts a record names in the message
// index and in the thread index.
func messageTSOf(th TicketThread) string { return th.MessageTS }
func threadTSOf(th TicketThread) string  { return th.TS }

// indexThreadsByParent fills bucketThreadsByParent when it is new: a
// file from before it keyed bucketThreadsByMessage by the thread's
// parent, which is what the new index holds (and, read as MessageTS =
// TS, still right as the message index).
func indexThreadsByParent(tx *bolt.Tx) error {
	if tx.Bucket(bucketThreadsByParent) != nil {
		return nil
	}
	by, err := tx.CreateBucket(bucketThreadsByParent)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketThreadsByParent, err)
	}
	old := tx.Bucket(bucketThreadsByMessage)
	if old == nil {
		return nil
	}
	return old.ForEach(func(k, v []byte) error {
		if err := by.Put(k, v); err != nil {
			return fmt.Errorf("index thread %s: %w", k, err)
		}
		return nil
	})
}
