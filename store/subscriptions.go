package store

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the channels' ticket subscriptions and the events each told.
var (
	bucketSubscriptions = []byte("subscriptions")
	bucketSubNotified   = []byte("subscription_notified")
)

// Subscription is one channel's standing request for ticket notices:
// which tickets (every filter that is set must match) and which events.
type Subscription struct {
	// ID is assigned by AddSubscription; people unsubscribe by it.
	ID      int64  `json:"id"`
	Channel string `json:"channel"`
	// Customer, Priority, Status and Tech filter the tickets; "" is any.
	Customer string `json:"customer,omitempty"`
	Priority string `json:"priority,omitempty"`
	Status   string `json:"status,omitempty"`
	Tech     string `json:"tech,omitempty"`
	// Events are the events told: "new", "status", "closed".
	Events []string `json:"events"`
	// CreatedBy is the Slack user who subscribed; CreatedAt when.
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Subscriptions keeps the channels' ticket subscriptions and which events
// each has told, so a notice goes out once, also across restarts.
type Subscriptions interface {
	// AddSubscription stores s under a new id and returns it.
	AddSubscription(s Subscription) (Subscription, error)
	// ChannelSubscriptions lists one channel's subscriptions, by id.
	ChannelSubscriptions(channel string) ([]Subscription, error)
	// AllSubscriptions lists every subscription, by id.
	AllSubscriptions() ([]Subscription, error)
	// RemoveSubscription deletes subscription id of channel and reports
	// whether there was one.
	RemoveSubscription(channel string, id int64) (bool, error)
	// MarkNotified records, in one transaction, that each mark's
	// subscription told its event, and reports per mark whether this was
	// the first time (a mark repeated in marks is first once). On error
	// none is recorded.
	MarkNotified(marks []NoticeMark) (first []bool, err error)
}

// NoticeMark is one event told by one subscription: Key names the event
// (the watch's "new:42", "closed:42:…").
type NoticeMark struct {
	Subscription int64
	Key          string
}

// checkNoticeMarks refuses a batch holding a key no backend can store:
// empty, longer than a key (with the subscription's 8 bytes), or with a
// NUL byte PostgreSQL's text refuses.
func checkNoticeMarks(marks []NoticeMark) error {
	for _, m := range marks {
		if m.Key == "" || len(m.Key)+8 > maxKeyLen || strings.ContainsRune(m.Key, 0) {
			return fmt.Errorf("mark notified: %w: key %q", ErrInvalid, m.Key)
		}
	}
	return nil
}

var _ Subscriptions = (*Store)(nil)

// AddSubscription implements Subscriptions.
func (s *Store) AddSubscription(sub Subscription) (Subscription, error) {
	if sub.Channel == "" || len(sub.Channel) > maxKeyLen {
		return Subscription{}, fmt.Errorf("add subscription: %w: channel %q", ErrInvalid, sub.Channel)
	}
	sub.CreatedAt = s.now()
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		sub.ID = int64(n)
		return putJSON(b, u64(n), sub)
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("add subscription in %s: %w", sub.Channel, err)
	}
	return sub, nil
}

// ChannelSubscriptions implements Subscriptions.
func (s *Store) ChannelSubscriptions(channel string) ([]Subscription, error) {
	all, err := s.AllSubscriptions()
	return slices.DeleteFunc(all, func(sub Subscription) bool { return sub.Channel != channel }), err
}

// AllSubscriptions implements Subscriptions.
func (s *Store) AllSubscriptions() ([]Subscription, error) {
	var out []Subscription
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		return b.ForEach(func(k, _ []byte) error {
			var sub Subscription
			if _, err := getJSON(b, k, &sub); err != nil {
				return err
			}
			out = append(out, sub)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read subscriptions: %w", err)
	}
	return out, nil
}

// RemoveSubscription implements Subscriptions. A channel removes only its
// own subscriptions.
func (s *Store) RemoveSubscription(channel string, id int64) (bool, error) {
	if id <= 0 {
		return false, nil
	}
	var found bool
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		var sub Subscription
		ok, err := getJSON(b, u64(uint64(id)), &sub)
		if err != nil || !ok || sub.Channel != channel {
			return err
		}
		found = true
		return b.Delete(u64(uint64(id)))
	})
	if err != nil {
		return false, fmt.Errorf("remove subscription %d: %w", id, err)
	}
	return found, nil
}

// MarkNotified implements Subscriptions.
func (s *Store) MarkNotified(marks []NoticeMark) ([]bool, error) {
	if err := checkNoticeMarks(marks); err != nil {
		return nil, err
	}
	first := make([]bool, len(marks))
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubNotified)
		at := []byte(strconv.FormatInt(s.now().Unix(), 10))
		for i, m := range marks {
			k := concat(u64(uint64(m.Subscription)), []byte(m.Key))
			if b.Get(k) != nil {
				continue
			}
			first[i] = true
			if err := b.Put(k, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mark %d subscription notices: %w", len(marks), err)
	}
	return first, nil
}
