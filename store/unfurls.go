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
	// ReleaseUnfurl forgets link's mark in channel, so the next paste may
	// unfurl it: the caller marked it and then showed no preview (the
	// read or chat.unfurl failed), and a window spent on nothing would
	// hide the link for half an hour. Releasing an unmarked link is no
	// error.
	ReleaseUnfurl(channel, link string) error
}

var _ Unfurls = (*Store)(nil)

// unfurlMark is one link's last unfurl in one channel.
type unfurlMark struct {
	At time.Time `json:"at"`
}

// unfurlKey is the key of link's mark in channel.
func unfurlKey(channel, link string) []byte { return []byte(channel + " " + link) }

// checkUnfurlKey refuses, for op, a mark without a channel or a link or
// with a key too long for every backend.
func checkUnfurlKey(op, channel, link string) error {
	if channel == "" || link == "" || len(unfurlKey(channel, link)) > maxKeyLen {
		return fmt.Errorf("%s: %w: channel and link are required, %d bytes at most", op, ErrInvalid, maxKeyLen)
	}
	return nil
}

// MarkUnfurled implements Unfurls. The check and the mark are one
// transaction, so two events for the same link racing each other unfurl
// it once.
func (s *Store) MarkUnfurled(channel, link string) (bool, error) {
	if err := checkUnfurlKey("mark unfurled", channel, link); err != nil {
		return false, err
	}
	key := unfurlKey(channel, link)
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

// ReleaseUnfurl implements Unfurls.
func (s *Store) ReleaseUnfurl(channel, link string) error {
	if err := checkUnfurlKey("release unfurl", channel, link); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketUnfurls).Delete(unfurlKey(channel, link)) })
	if err != nil {
		return fmt.Errorf("release unfurl of %s in %s: %w", link, channel, err)
	}
	return nil
}

func sweepUnfurls(tx *bolt.Tx, cutoff time.Time) (int, error) {
	return deleteStale(tx.Bucket(bucketUnfurls), "unfurls", func(_ []byte, m unfurlMark) bool { return !m.At.After(cutoff) })
}
