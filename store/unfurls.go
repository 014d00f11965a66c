package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketUnfurls holds, per channel and link, when the bot last unfurled
// it (Unfurls).
var bucketUnfurls = []byte("unfurls")

// UnfurlWindow is how long a link unfurled in a channel is not unfurled
// there again: a link pasted again in a busy thread would otherwise add
// the same card each time (README, Unfurls).
const UnfurlWindow = 30 * time.Minute

// Unfurls remembers the links the bot unfurled lately, per channel, so
// the same link is not unfurled again within UnfurlWindow, across
// restarts too.
type Unfurls interface {
	// MarkUnfurled records that link is being unfurled in channel now and
	// reports whether it may be: false when it was within UnfurlWindow.
	MarkUnfurled(channel, link string) (first bool, err error)
}

var _ Unfurls = (*Store)(nil)

// unfurlMark is one link's last unfurl in one channel.
type unfurlMark struct {
	At time.Time `json:"at"`
}

// unfurlKey is the key of link's mark in channel.
func unfurlKey(channel, link string) []byte { return []byte(channel + " " + link) }

// MarkUnfurled implements Unfurls. The check and the mark are one
// transaction, so two events for the same link racing each other unfurl
// it once.
func (s *Store) MarkUnfurled(channel, link string) (bool, error) {
	key := unfurlKey(channel, link)
	if channel == "" || link == "" || len(key) > maxKeyLen {
		return false, fmt.Errorf("mark unfurled: %w: channel and link are required, %d bytes at most", ErrInvalid, maxKeyLen)
	}
	now := s.now()
	first := false
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUnfurls)
		var m unfurlMark
		ok, err := getJSON(b, key, &m)
		if err != nil {
			return err
		}
		// A clock set back since counts as just now: a card held back
		// costs less than a card twice.
		if ok && now.Sub(m.At) < UnfurlWindow {
			return nil
		}
		first = true
		return putJSON(b, key, unfurlMark{At: now})
	})
	if err != nil {
		return false, fmt.Errorf("mark %s unfurled in %s: %w", link, channel, err)
	}
	return first, nil
}

func sweepUnfurls(tx *bolt.Tx, cutoff time.Time) (int, error) {
	return deleteStale(tx.Bucket(bucketUnfurls), "unfurls", func(_ []byte, m unfurlMark) bool { return !m.At.After(cutoff) })
}
