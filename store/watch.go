package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Cursor returns the watcher position saved under name (for example
// "closed-tickets": the updated_at of the newest ticket already seen), and
// false if none was saved yet.
func (s *Store) Cursor(name string) (time.Time, bool, error) {
	var t time.Time
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bucketCursors), []byte(name), &t)
		return err
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read cursor %s: %w", name, err)
	}
	return t, ok, nil
}

// SetCursor saves the watcher position under name. It does not refuse to
// move backwards, so a watcher may rewind deliberately.
func (s *Store) SetCursor(name string, t time.Time) error {
	if name == "" {
		return fmt.Errorf("set cursor: %w: empty name", ErrInvalid)
	}
	err := s.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketCursors), []byte(name), t)
	})
	if err != nil {
		return fmt.Errorf("set cursor %s: %w", name, err)
	}
	return nil
}

type announcement struct {
	UpdatedAt   time.Time `json:"updated_at"`
	AnnouncedAt time.Time `json:"announced_at"`
}

// MarkAnnounced records that a closed-ticket notice is being posted for
// ticketID and reports whether this call was the first. Both the path that
// closes a ticket from Slack and the watcher call it, and only the one that
// gets true posts, so a ticket is never announced twice. The mark is per
// ticket, not per updatedAt (the two paths see different timestamps for the
// same close); a ticket reopened and closed again within the announced
// retention is therefore not announced again.
func (s *Store) MarkAnnounced(ticketID int64, updatedAt time.Time) (first bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAnnounced)
		key := u64(uint64(ticketID))
		if b.Get(key) != nil {
			return errNoChange
		}
		first = true
		return putJSON(b, key, announcement{UpdatedAt: updatedAt, AnnouncedAt: s.now()})
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return false, fmt.Errorf("mark ticket %d announced: %w", ticketID, err)
	}
	return first, nil
}

// WasAnnounced reports whether ticketID is in the announced set.
func (s *Store) WasAnnounced(ticketID int64) (bool, error) {
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketAnnounced).Get(u64(uint64(ticketID))) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("check ticket %d announced: %w", ticketID, err)
	}
	return ok, nil
}

func sweepAnnounced(tx *bolt.Tx, cutoff time.Time) (int, error) {
	return deleteStale(tx.Bucket(bucketAnnounced), "announced", func(_ []byte, a announcement) bool { return a.AnnouncedAt.Before(cutoff) })
}
