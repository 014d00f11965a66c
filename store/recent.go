package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RecentWrite is a write a person completed lately, remembered under a key
// that names who wrote what on which ticket (RecentWrites).
type RecentWrite struct {
	// Ticket is the ticket number people use, for the question.
	Ticket int64 `json:"ticket"`
	// Flow is the id of the flow that made the write.
	Flow string `json:"flow,omitempty"`
	// At is when the write completed, on the store's clock; RememberWrite
	// sets it.
	At time.Time `json:"at"`
	// Ago is how long before the lookup the write completed, on the same
	// clock; RecentWrite sets it.
	Ago time.Duration `json:"-"`
}

// RememberWrite records that the write under key completed now. A later
// write under the same key replaces it, so the window counts from the
// latest.
func (s *Store) RememberWrite(key string, w RecentWrite) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("remember write: %w: key length %d", ErrInvalid, len(key))
	}
	w.At, w.Ago = s.now(), 0
	err := s.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketRecent), []byte(key), w)
	})
	if err != nil {
		return fmt.Errorf("remember write on ticket %d: %w", w.Ticket, err)
	}
	return nil
}

// RecentWrite returns the write remembered under key if it completed less
// than RecentWriteWindow ago on the store's clock; an older one is
// forgotten, as if never written.
func (s *Store) RecentWrite(key string) (RecentWrite, bool, error) {
	var w RecentWrite
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bucketRecent), []byte(key), &w)
		return err
	})
	if err != nil {
		return RecentWrite{}, false, fmt.Errorf("look up a recent write: %w", err)
	}
	w, ok = recentAt(w, ok, s.now())
	return w, ok, nil
}

// recentAt is w, if found, as seen at now, and whether it is still
// within RecentWriteWindow. A clock set back since counts as just now:
// asking once too often costs a click, forgetting costs a doubled entry.
func recentAt(w RecentWrite, found bool, now time.Time) (RecentWrite, bool) {
	if !found {
		return RecentWrite{}, false
	}
	w.Ago = max(now.Sub(w.At), 0)
	if w.Ago >= RecentWriteWindow {
		return RecentWrite{}, false
	}
	return w, true
}

func sweepRecent(tx *bolt.Tx, cutoff time.Time) (int, error) {
	return deleteStale(tx.Bucket(bucketRecent), "recent writes", func(_ []byte, w RecentWrite) bool { return !w.At.After(cutoff) })
}
