package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The small records on PostgreSQL: cursors, the announced set and closing
// marks, flags, recent writes, channel links and ticket threads. The
// announcement marks of one ticket change under a transaction advisory
// lock on the ticket, so a watcher on one replica and a flow on another
// decide "first" and "closing" one after the other, as bbolt's single
// writer does.

// pgGet reads one JSON body with sql into v and reports whether a row was
// there.
func (s *Postgres) pgGet(ctx context.Context, v any, sql string, args ...any) (bool, error) {
	q, err := s.q()
	if err != nil {
		return false, err
	}
	var body string
	err = q.QueryRow(ctx, sql, args...).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal([]byte(body), v)
}

// pgPut upserts v's JSON as the body of table's row whose key column is
// key.
func (s *Postgres) pgPut(ctx context.Context, table, keyColumn string, key, v any) error {
	q, err := s.q()
	if err != nil {
		return err
	}
	return pgUpsert(ctx, q, table, keyColumn, key, v)
}

// pgUpsert is pgPut through q, such as a transaction.
func pgUpsert(ctx context.Context, q querier, table, keyColumn string, key, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO `+table+` (`+keyColumn+`, body) VALUES ($1, $2)
		ON CONFLICT (`+keyColumn+`) DO UPDATE SET body = excluded.body`, key, string(body))
	return err
}

// Cursor implements Cursors.
func (s *Postgres) Cursor(name string) (time.Time, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var t time.Time
	ok, err := s.pgGet(ctx, &t, `SELECT body FROM cursors WHERE name = $1`, name)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read cursor %s: %w", name, err)
	}
	return t, ok, nil
}

// SetCursor implements Cursors.
func (s *Postgres) SetCursor(name string, t time.Time) error {
	if name == "" {
		return fmt.Errorf("set cursor: %w: empty name", ErrInvalid)
	}
	ctx, cancel := opCtx()
	defer cancel()
	if err := s.pgPut(ctx, "cursors", "name", name, t); err != nil {
		return fmt.Errorf("set cursor %s: %w", name, err)
	}
	return nil
}

// Announcement events: a ticket's close, and its bill made from Slack.
const (
	eventClosed = "closed"
	eventBilled = "billed"
)

// lockTicketTx takes ticket's announcement lock for tx.
func lockTicketTx(ctx context.Context, tx pgx.Tx, ticket int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '/' || $2))`, lockTicket, strconv.FormatInt(ticket, 10))
	return err
}

// announce adds ticket's event, reporting whether it was not there yet.
func (s *Postgres) announce(ctx context.Context, tx pgx.Tx, ticket int64, event string, updatedAt time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO announced (ticket, event, updated_at, announced_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (ticket, event) DO NOTHING`, ticket, event, updatedAt, s.now())
	return tag.RowsAffected() == 1, err
}

// MarkAnnounced implements Announcements.
func (s *Postgres) MarkAnnounced(ticketID int64, updatedAt time.Time) (bool, error) {
	first, _, err := s.markAnnounced(ticketID, updatedAt, false)
	if err != nil {
		return false, fmt.Errorf("mark ticket %d announced: %w", ticketID, err)
	}
	return first, nil
}

// MarkSeenClosed implements Announcements.
func (s *Postgres) MarkSeenClosed(ticketID int64, updatedAt time.Time) (first, closing bool, err error) {
	first, closing, err = s.markAnnounced(ticketID, updatedAt, true)
	if err != nil {
		return false, false, fmt.Errorf("mark ticket %d announced: %w", ticketID, err)
	}
	return first, closing, nil
}

// markAnnounced is the bbolt Store's markAnnounced under the ticket's
// lock.
func (s *Postgres) markAnnounced(ticketID int64, updatedAt time.Time, yieldToClosing bool) (first, closing bool, err error) {
	ctx, cancel := opCtx()
	defer cancel()
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockTicketTx(ctx, tx, ticketID); err != nil {
			return err
		}
		if yieldToClosing {
			var m closingMark
			err := tx.QueryRow(ctx, `SELECT flow, marked_at FROM closing WHERE ticket = $1`, ticketID).Scan(&m.Flow, &m.MarkedAt)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			var announced bool
			if err == nil && !m.expired(s.now()) {
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM announced WHERE ticket = $1 AND event = $2)`,
					ticketID, eventClosed).Scan(&announced); err != nil {
					return err
				}
				closing = !announced
				return errNoChange
			}
		}
		var err error
		if first, err = s.announce(ctx, tx, ticketID, eventClosed, updatedAt); err != nil || !first {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM closing WHERE ticket = $1`, ticketID)
		return err
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return false, false, err
	}
	return first, closing, nil
}

// MarkBillAnnounced implements Announcements.
func (s *Postgres) MarkBillAnnounced(ticketID int64, updatedAt time.Time) (first bool, err error) {
	ctx, cancel := opCtx()
	defer cancel()
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockTicketTx(ctx, tx, ticketID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM closing WHERE ticket = $1`, ticketID); err != nil {
			return err
		}
		if _, err := s.announce(ctx, tx, ticketID, eventClosed, updatedAt); err != nil {
			return err
		}
		first, err = s.announce(ctx, tx, ticketID, eventBilled, updatedAt)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("mark ticket %d bill announced: %w", ticketID, err)
	}
	return first, nil
}

// MarkClosing implements Announcements.
func (s *Postgres) MarkClosing(ticketID int64, flow string) error {
	if flow == "" {
		return fmt.Errorf("mark ticket %d closing: %w: empty flow", ticketID, ErrInvalid)
	}
	ctx, cancel := opCtx()
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockTicketTx(ctx, tx, ticketID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO closing (ticket, flow, marked_at)
			SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM announced WHERE ticket = $1 AND event = $4)
			ON CONFLICT (ticket) DO UPDATE SET flow = excluded.flow, marked_at = excluded.marked_at`,
			ticketID, flow, s.now(), eventClosed)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark ticket %d closing: %w", ticketID, err)
	}
	return nil
}

// ClearClosing implements Announcements.
func (s *Postgres) ClearClosing(ticketID int64, flow string) error {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	if err == nil {
		_, err = q.Exec(ctx, `DELETE FROM closing WHERE ticket = $1 AND flow = $2`, ticketID, flow)
	}
	if err != nil {
		return fmt.Errorf("clear ticket %d closing: %w", ticketID, err)
	}
	return nil
}

// WasAnnounced implements Announcements.
func (s *Postgres) WasAnnounced(ticketID int64) (bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var ok bool
	if err == nil {
		err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM announced WHERE ticket = $1 AND event = $2)`,
			ticketID, eventClosed).Scan(&ok)
	}
	if err != nil {
		return false, fmt.Errorf("check ticket %d announced: %w", ticketID, err)
	}
	return ok, nil
}

// SetFlag implements Flags.
func (s *Postgres) SetFlag(name, value string) error {
	if name == "" {
		return fmt.Errorf("set flag: %w: empty name", ErrInvalid)
	}
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	if err == nil {
		_, err = q.Exec(ctx, `INSERT INTO flags (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	}
	if err != nil {
		return fmt.Errorf("set flag %s: %w", name, err)
	}
	return nil
}

// Flag implements Flags.
func (s *Postgres) Flag(name string) (string, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var v string
	if err == nil {
		err = q.QueryRow(ctx, `SELECT value FROM flags WHERE name = $1`, name).Scan(&v)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read flag %s: %w", name, err)
	}
	return v, true, nil
}

// RememberWrite implements RecentWrites.
func (s *Postgres) RememberWrite(key string, w RecentWrite) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("remember write: %w: key length %d", ErrInvalid, len(key))
	}
	w.At, w.Ago = s.now(), 0
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	if err == nil {
		var body []byte
		if body, err = json.Marshal(w); err == nil {
			_, err = q.Exec(ctx, `INSERT INTO recent_writes (key, at, body) VALUES ($1, $2, $3)
				ON CONFLICT (key) DO UPDATE SET at = excluded.at, body = excluded.body`, key, w.At, string(body))
		}
	}
	if err != nil {
		return fmt.Errorf("remember write on ticket %d: %w", w.Ticket, err)
	}
	return nil
}

// RecentWrite implements RecentWrites.
func (s *Postgres) RecentWrite(key string) (RecentWrite, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var w RecentWrite
	ok, err := s.pgGet(ctx, &w, `SELECT body FROM recent_writes WHERE key = $1`, key)
	if err != nil {
		return RecentWrite{}, false, fmt.Errorf("look up a recent write: %w", err)
	}
	w, ok = recentAt(w, ok, s.now())
	return w, ok, nil
}

// LinkChannel implements ChannelLinks.
func (s *Postgres) LinkChannel(l ChannelLink) (ChannelLink, bool, error) {
	if l.Channel == "" || l.CustomerID <= 0 {
		return ChannelLink{}, false, fmt.Errorf("link channel: %w: channel and customer are required", ErrInvalid)
	}
	if l.LinkedAt.IsZero() {
		l.LinkedAt = s.now()
	}
	ctx, cancel := opCtx()
	defer cancel()
	var prev ChannelLink
	var had bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var body string
		err := tx.QueryRow(ctx, `SELECT body FROM channel_links WHERE channel = $1 FOR UPDATE`, l.Channel).Scan(&body)
		switch {
		case err == nil:
			had = true
			if err := json.Unmarshal([]byte(body), &prev); err != nil {
				return err
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		nb, err := json.Marshal(l)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO channel_links (channel, body) VALUES ($1, $2)
			ON CONFLICT (channel) DO UPDATE SET body = excluded.body`, l.Channel, string(nb))
		return err
	})
	if err != nil {
		return ChannelLink{}, false, fmt.Errorf("link channel %s: %w", l.Channel, err)
	}
	return prev, had, nil
}

// UnlinkChannel implements ChannelLinks.
func (s *Postgres) UnlinkChannel(channel string) (ChannelLink, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var l ChannelLink
	if err == nil {
		var body string
		err = q.QueryRow(ctx, `DELETE FROM channel_links WHERE channel = $1 RETURNING body`, channel).Scan(&body)
		if errors.Is(err, pgx.ErrNoRows) {
			err = ErrNotFound
		}
		if err == nil {
			err = json.Unmarshal([]byte(body), &l)
		}
	}
	if err != nil {
		return ChannelLink{}, fmt.Errorf("unlink channel %s: %w", channel, err)
	}
	return l, nil
}

// ChannelLink implements ChannelLinks.
func (s *Postgres) ChannelLink(channel string) (ChannelLink, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var l ChannelLink
	ok, err := s.pgGet(ctx, &l, `SELECT body FROM channel_links WHERE channel = $1`, channel)
	if err != nil {
		return ChannelLink{}, false, fmt.Errorf("read link of channel %s: %w", channel, err)
	}
	return l, ok, nil
}

// ChannelLinks implements ChannelLinks.
func (s *Postgres) ChannelLinks() ([]ChannelLink, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var out []ChannelLink
	if err == nil {
		out, err = pgJSON[ChannelLink](ctx, q, `SELECT body FROM channel_links`)
	}
	if err != nil {
		return nil, fmt.Errorf("list channel links: %w", err)
	}
	sortLinks(out)
	return out, nil
}

// SetTicketThread implements TicketThreads.
func (s *Postgres) SetTicketThread(th TicketThread) error {
	if err := checkTicketThread(&th, s.now()); err != nil {
		return err
	}
	ctx, cancel := opCtx()
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		body, err := json.Marshal(th)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ticket_threads (ticket_id, body) VALUES ($1, $2)
			ON CONFLICT (ticket_id) DO UPDATE SET body = excluded.body`, th.TicketID, string(body)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO threads_by_parent (channel, ts, ticket_id) VALUES ($1, $2, $3)
			ON CONFLICT (channel, ts) DO UPDATE SET ticket_id = excluded.ticket_id`, th.Channel, th.TS, th.TicketID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO threads_by_message (channel, ts, ticket_id) VALUES ($1, $2, $3)
			ON CONFLICT (channel, ts) DO UPDATE SET ticket_id = excluded.ticket_id`, th.Channel, th.MessageTS, th.TicketID)
		return err
	})
	if err != nil {
		return fmt.Errorf("set thread of ticket %d: %w", th.TicketID, err)
	}
	return nil
}

// TicketThread implements TicketThreads.
func (s *Postgres) TicketThread(ticketID int64) (TicketThread, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var th TicketThread
	ok, err := s.pgGet(ctx, &th, `SELECT body FROM ticket_threads WHERE ticket_id = $1`, ticketID)
	if err != nil {
		return TicketThread{}, false, fmt.Errorf("read thread of ticket %d: %w", ticketID, err)
	}
	th.readThread()
	return th, ok, nil
}

// The records the message index and the thread index name at a channel
// and ts ($1, $2).
const (
	pgThreadByMessage = `SELECT t.body FROM threads_by_message m JOIN ticket_threads t USING (ticket_id)
		WHERE m.channel = $1 AND m.ts = $2`
	pgThreadByParent = `SELECT t.body FROM threads_by_parent p JOIN ticket_threads t USING (ticket_id)
		WHERE p.channel = $1 AND p.ts = $2`
)

// ThreadTicket implements TicketThreads.
func (s *Postgres) ThreadTicket(channel, ts string) (TicketThread, bool, error) {
	return s.indexedThread(pgThreadByMessage, "message", channel, ts, messageTSOf)
}

// TicketInThread implements TicketThreads.
func (s *Postgres) TicketInThread(channel, parentTS string) (TicketThread, bool, error) {
	return ticketInThread(func(byParent bool) (TicketThread, bool, error) {
		query := pgThreadByMessage
		if byParent {
			query = pgThreadByParent
		}
		return s.indexedThread(query, "thread", channel, parentTS, threadTSOf)
	})
}

// indexedThread reads the record the index query (channel, ts) names,
// ok false when there is none or it is stale (stillAt); of names the
// index in the error.
func (s *Postgres) indexedThread(query, of, channel, ts string, at func(TicketThread) string) (TicketThread, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var th TicketThread
	ok, err := s.pgGet(ctx, &th, query, channel, ts)
	return stillAt(th, ok, err, of, channel, ts, at)
}
