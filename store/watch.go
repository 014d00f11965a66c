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
// ticketID and reports whether this call was the first. The bot's own close
// or bill calls it, and only a caller that gets true posts, so a ticket is
// never announced twice; it settles the ticket's closing mark, if any. The
// mark is per ticket and event (this is the close; MarkBillAnnounced the
// bill), not per updatedAt (the two paths see different timestamps for the
// same close); a ticket reopened and closed again within the announced
// retention is therefore not announced again.
func (s *Store) MarkAnnounced(ticketID int64, updatedAt time.Time) (first bool, err error) {
	first, _, err = s.markAnnounced(ticketID, updatedAt, false)
	if err != nil {
		return false, fmt.Errorf("mark ticket %d announced: %w", ticketID, err)
	}
	return first, nil
}

// MarkBillAnnounced records that the notice of a bill made from Slack is
// being posted for ticketID and reports whether this call was the first
// for its bill. Announcements are kept per ticket and event: a bill is
// announced once, also after the ticket's close was, and the bill counts
// as the ticket's close too (its status is Invoiced), so neither the
// watcher nor a later close announces that again. It settles the ticket's
// closing mark, in the same transaction.
func (s *Store) MarkBillAnnounced(ticketID int64, updatedAt time.Time) (first bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAnnounced)
		closedKey := u64(uint64(ticketID))
		billedKey := concat(closedKey, billedSuffix)
		if err := tx.Bucket(bucketClosing).Delete(closedKey); err != nil {
			return err
		}
		a := announcement{UpdatedAt: updatedAt, AnnouncedAt: s.now()}
		if b.Get(closedKey) == nil {
			if err := putJSON(b, closedKey, a); err != nil {
				return err
			}
		}
		if b.Get(billedKey) != nil {
			return nil
		}
		first = true
		return putJSON(b, billedKey, a)
	})
	if err != nil {
		return false, fmt.Errorf("mark ticket %d bill announced: %w", ticketID, err)
	}
	return first, nil
}

// billedSuffix follows the ticket id in the key of a bill's announcement;
// the bare ticket id keys its close's.
var billedSuffix = []byte("/billed")

// MarkSeenClosed is MarkAnnounced for a close the watcher saw in Syncro,
// unless a flow's closing mark is on the ticket (MarkClosing): then it
// records nothing and reports closing, leaving the notice to that flow,
// which says who did it.
func (s *Store) MarkSeenClosed(ticketID int64, updatedAt time.Time) (first, closing bool, err error) {
	first, closing, err = s.markAnnounced(ticketID, updatedAt, true)
	if err != nil {
		return false, false, fmt.Errorf("mark ticket %d announced: %w", ticketID, err)
	}
	return first, closing, nil
}

// markAnnounced adds ticketID to the announced set and drops its closing
// mark, in one transaction; yieldToClosing leaves a marked ticket alone.
func (s *Store) markAnnounced(ticketID int64, updatedAt time.Time, yieldToClosing bool) (first, closing bool, err error) {
	key := u64(uint64(ticketID))
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAnnounced)
		if b.Get(key) != nil {
			return errNoChange
		}
		cb := tx.Bucket(bucketClosing)
		if yieldToClosing {
			var m closingMark
			ok, err := getJSON(cb, key, &m)
			if err != nil {
				return err
			}
			if ok && !m.expired(s.now()) {
				closing = true
				return errNoChange
			}
		}
		first = true
		if err := cb.Delete(key); err != nil {
			return err
		}
		return putJSON(b, key, announcement{UpdatedAt: updatedAt, AnnouncedAt: s.now()})
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return false, false, err
	}
	return first, closing, nil
}

// closingMark names the flow about to set a ticket's closed status.
type closingMark struct {
	Flow     string    `json:"flow"`
	MarkedAt time.Time `json:"marked_at"`
}

// expired reports whether the mark is past ClosingMarkTTL at now.
func (m closingMark) expired(now time.Time) bool { return now.Sub(m.MarkedAt) > ClosingMarkTTL }

// MarkClosing records, before the status write, that flow is about to set
// ticketID's closed status, so the watcher leaves the announcement to the
// flow (MarkSeenClosed reports closing) however soon it sees the close. A
// ticket already announced gets no mark. The mark goes when the flow
// announces the ticket (MarkAnnounced) or clears it (ClearClosing). A
// crash keeps it for the flow's Finish, which announces the close as made
// from Slack; the next Open drops it if the flow is finished or gone, and
// the watcher ignores it after ClosingMarkTTL, so a flow nobody finishes
// cannot hide a close for good.
func (s *Store) MarkClosing(ticketID int64, flow string) error {
	if flow == "" {
		return fmt.Errorf("mark ticket %d closing: %w: empty flow", ticketID, ErrInvalid)
	}
	key := u64(uint64(ticketID))
	err := s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAnnounced).Get(key) != nil {
			return errNoChange
		}
		return putJSON(tx.Bucket(bucketClosing), key, closingMark{Flow: flow, MarkedAt: s.now()})
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("mark ticket %d closing: %w", ticketID, err)
	}
	return nil
}

// dropClosingLeftovers deletes, inside tx, the closing marks that no pass
// will settle: their flow is finished or gone, or the mark is past
// ClosingMarkTTL. No flow runs before Open returns, so every mark on disk
// was left by a process that died mid-pass.
func (s *Store) dropClosingLeftovers(tx *bolt.Tx) error {
	flows := tx.Bucket(bucketFlows)
	_, err := deleteStale(tx.Bucket(bucketClosing), "closing mark", func(_ []byte, m closingMark) bool {
		if m.expired(s.now()) {
			return true
		}
		var f Flow
		ok, err := getJSON(flows, []byte(m.Flow), &f)
		return err != nil || !ok || f.Finished()
	})
	if err != nil {
		return fmt.Errorf("drop closing marks: %w", err)
	}
	return nil
}

// ClearClosing removes ticketID's closing mark if flow made it: the flow
// ended without announcing the ticket, so the watcher may.
func (s *Store) ClearClosing(ticketID int64, flow string) error {
	key := u64(uint64(ticketID))
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketClosing)
		var m closingMark
		ok, err := getJSON(b, key, &m)
		if err != nil {
			return err
		}
		if !ok || m.Flow != flow {
			return errNoChange
		}
		return b.Delete(key)
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("clear ticket %d closing: %w", ticketID, err)
	}
	return nil
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
