package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Outcome is how an audited action ended.
type Outcome string

// Audit outcomes. Unknown is for writes whose result was lost (timeout,
// restart): someone must look in Syncro.
const (
	OutcomeOK      Outcome = "ok"      // Syncro confirmed the write
	OutcomeFailed  Outcome = "failed"  // Syncro refused or was never reached
	OutcomeUnknown Outcome = "unknown" // sent, but no answer came back
)

// Audit actions other packages read back: a ticket's status changed, and
// a ticket's fields (status among them, or not) changed. The end-of-day
// summary counts both as work on the ticket.
const (
	ActionStatus       = "status"        // the status alone changed
	ActionTicketUpdate = "ticket update" // several fields changed
)

// AuditEntry records who did what to which ticket through the bot, so a
// disputed invoice or a vanished time entry can be traced to a person.
type AuditEntry struct {
	At         time.Time `json:"at"`
	SlackUser  string    `json:"slack_user"`
	SyncroTech string    `json:"syncro_tech,omitempty"`
	// Ticket is the Syncro ticket number; 0 when the action has no ticket.
	Ticket  int64   `json:"ticket,omitempty"`
	Action  string  `json:"action"`
	Detail  string  `json:"detail,omitempty"`
	Outcome Outcome `json:"outcome"`
	Error   string  `json:"error,omitempty"`
}

// Audit appends e to the trail. A zero At is set to now. Entries are never
// changed afterwards; they are only swept after the audit retention.
func (s *Store) Audit(e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC()
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		// The sequence keeps entries with the same timestamp apart and in
		// insertion order.
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		key := concat(timeKey(e.At), u64(seq))
		if err := putJSON(b, key, e); err != nil {
			return err
		}
		return tx.Bucket(bucketAuditByTicket).Put(concat(u64(uint64(e.Ticket)), key), nil)
	})
	if err != nil {
		return fmt.Errorf("audit %s on #%d: %w", e.Action, e.Ticket, err)
	}
	return nil
}

// AuditForTicket returns up to limit entries for a ticket number, newest
// first; limit <= 0 means all.
func (s *Store) AuditForTicket(number int64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	prefix := u64(uint64(number))
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		c := tx.Bucket(bucketAuditByTicket).Cursor()
		// Index keys are ticket(8)|at(8)|seq(8); start just past this
		// ticket's last key and walk backwards.
		k, _ := c.Seek(u64(uint64(number) + 1))
		if k == nil || number == -1 {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
			if limit > 0 && len(out) >= limit {
				break
			}
			var e AuditEntry
			ok, err := getJSON(b, k[len(prefix):], &e)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("ticket index names missing audit entry %x", k)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit for ticket #%d: %w", number, err)
	}
	return out, nil
}

// AuditByUser returns slackUser's entries made in [from, to), oldest
// first. The trail is read by time, so a day costs that day's entries
// whoever made them; from is raised to the audit retention, so an entry
// a sweep has not reached yet is not returned either.
func (s *Store) AuditByUser(slackUser string, from, to time.Time) ([]AuditEntry, error) {
	from = auditFrom(from, s.now())
	var out []AuditEntry
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		end := timeKey(to)
		for k, v := c.Seek(timeKey(from)); k != nil && bytes.Compare(k[:8], end) < 0; k, v = c.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode %x: %w", k, err)
			}
			if e.SlackUser == slackUser {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit of %s since %s: %w", slackUser, from.Format(time.RFC3339), err)
	}
	return out, nil
}

// auditFrom is from, or the oldest moment the audit retention keeps as of
// now when from is older.
func auditFrom(from, now time.Time) time.Time {
	if oldest := now.Add(-AuditRetention); from.Before(oldest) {
		return oldest
	}
	return from
}

// sweepAudit deletes entries older than cutoff; keys are time-ordered, so it
// stops at the first young one.
func sweepAudit(tx *bolt.Tx, cutoff time.Time) (int, error) {
	b := tx.Bucket(bucketAudit)
	idx := tx.Bucket(bucketAuditByTicket)
	limit := timeKey(cutoff)
	type stale struct{ key, idx []byte }
	var old []stale
	c := b.Cursor()
	for k, v := c.First(); k != nil && bytes.Compare(k[:8], limit) < 0; k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return 0, fmt.Errorf("sweep audit: decode %x: %w", k, err)
		}
		key := bytes.Clone(k)
		old = append(old, stale{key, concat(u64(uint64(e.Ticket)), key)})
	}
	for _, o := range old {
		if err := b.Delete(o.key); err != nil {
			return 0, fmt.Errorf("sweep audit: %w", err)
		}
		if err := idx.Delete(o.idx); err != nil {
			return 0, fmt.Errorf("sweep audit: %w", err)
		}
	}
	return len(old), nil
}
