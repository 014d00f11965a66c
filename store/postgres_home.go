package store

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

var (
	_ Summaries     = (*Postgres)(nil)
	_ Subscriptions = (*Postgres)(nil)
)

// SummarySettings implements Summaries.
func (s *Postgres) SummarySettings(userID string) (SummarySettings, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var v SummarySettings
	ok, err := s.pgGet(ctx, &v, `SELECT body FROM summary_settings WHERE user_id = $1`, userID)
	if err != nil {
		return SummarySettings{}, false, fmt.Errorf("read summary settings of %s: %w", userID, err)
	}
	return v, ok, nil
}

// PutSummarySettings implements Summaries.
func (s *Postgres) PutSummarySettings(userID string, v SummarySettings) error {
	if userID == "" || len(userID) > maxKeyLen {
		return fmt.Errorf("save summary settings: %w: user id %q", ErrInvalid, userID)
	}
	ctx, cancel := opCtx()
	defer cancel()
	if err := s.pgPut(ctx, "summary_settings", "user_id", userID, v); err != nil {
		return fmt.Errorf("save summary settings of %s: %w", userID, err)
	}
	return nil
}

// AllSummarySettings implements Summaries.
func (s *Postgres) AllSummarySettings() (map[string]SummarySettings, error) {
	ctx, cancel := opCtx()
	defer cancel()
	out := map[string]SummarySettings{}
	q, err := s.q()
	if err == nil {
		var rows pgx.Rows
		rows, err = q.Query(ctx, `SELECT user_id, body FROM summary_settings`)
		if err == nil {
			var user, body string
			_, err = pgx.ForEachRow(rows, []any{&user, &body}, func() error {
				var v SummarySettings
				if err := json.Unmarshal([]byte(body), &v); err != nil {
					return err
				}
				out[user] = v
				return nil
			})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read summary settings: %w", err)
	}
	return out, nil
}

// ClaimSummary implements Summaries: one row per person holds the last
// day claimed, moved forward only.
func (s *Postgres) ClaimSummary(userID, day string) (bool, error) {
	if userID == "" || len(userID) > maxKeyLen || len(day) != len("2006-01-02") {
		return false, fmt.Errorf("claim summary: %w: user %q day %q", ErrInvalid, userID, day)
	}
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var tag interface{ RowsAffected() int64 }
	if err == nil {
		tag, err = q.Exec(ctx, `INSERT INTO summary_sent (user_id, day) VALUES ($1, $2)
			ON CONFLICT (user_id) DO UPDATE SET day = excluded.day WHERE summary_sent.day < excluded.day`, userID, day)
	}
	if err != nil {
		return false, fmt.Errorf("claim summary of %s for %s: %w", userID, day, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseSummary implements Summaries.
func (s *Postgres) ReleaseSummary(userID, day string) error {
	before, err := dayBefore(day)
	if err != nil || userID == "" || len(userID) > maxKeyLen {
		return fmt.Errorf("release summary: %w: user %q day %q", ErrInvalid, userID, day)
	}
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	if err == nil {
		_, err = q.Exec(ctx, `UPDATE summary_sent SET day = $3 WHERE user_id = $1 AND day = $2`, userID, day, before)
	}
	if err != nil {
		return fmt.Errorf("release summary of %s for %s: %w", userID, day, err)
	}
	return nil
}

// AddSubscription implements Subscriptions.
func (s *Postgres) AddSubscription(sub Subscription) (Subscription, error) {
	if sub.Channel == "" || len(sub.Channel) > maxKeyLen {
		return Subscription{}, fmt.Errorf("add subscription: %w: channel %q", ErrInvalid, sub.Channel)
	}
	sub.CreatedAt = s.now()
	ctx, cancel := opCtx()
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO subscriptions (channel, body) VALUES ($1, '') RETURNING id`, sub.Channel).Scan(&sub.ID); err != nil {
			return err
		}
		body, err := json.Marshal(sub)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE subscriptions SET body = $2 WHERE id = $1`, sub.ID, string(body))
		return err
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("add subscription in %s: %w", sub.Channel, err)
	}
	return sub, nil
}

// ChannelSubscriptions implements Subscriptions.
func (s *Postgres) ChannelSubscriptions(channel string) ([]Subscription, error) {
	return s.subscriptions(`SELECT body FROM subscriptions WHERE channel = $1`, channel)
}

// AllSubscriptions implements Subscriptions.
func (s *Postgres) AllSubscriptions() ([]Subscription, error) {
	return s.subscriptions(`SELECT body FROM subscriptions`)
}

// subscriptions reads the subscriptions sql selects, by id.
func (s *Postgres) subscriptions(sql string, args ...any) ([]Subscription, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var out []Subscription
	if err == nil {
		out, err = pgJSON[Subscription](ctx, q, sql, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("read subscriptions: %w", err)
	}
	slices.SortFunc(out, func(a, b Subscription) int { return int(a.ID - b.ID) })
	return out, nil
}

// RemoveSubscription implements Subscriptions.
func (s *Postgres) RemoveSubscription(channel string, id int64) (bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var tag interface{ RowsAffected() int64 }
	if err == nil {
		tag, err = q.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1 AND channel = $2`, id, channel)
	}
	if err != nil {
		return false, fmt.Errorf("remove subscription %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// MarkNotified implements Subscriptions: one INSERT of every mark, which
// returns the rows it added, so a mark already held is not first.
func (s *Postgres) MarkNotified(marks []NoticeMark) ([]bool, error) {
	if err := checkNoticeMarks(marks); err != nil {
		return nil, err
	}
	first := make([]bool, len(marks))
	if len(marks) == 0 {
		return first, nil
	}
	ids, keys := make([]int64, len(marks)), make([]string, len(marks))
	for i, m := range marks {
		ids[i], keys[i] = m.Subscription, m.Key
	}
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	added := map[NoticeMark]bool{}
	if err == nil {
		var rows pgx.Rows
		rows, err = q.Query(ctx, `INSERT INTO subscription_notified (subscription, key, at)
			SELECT id, key, $3 FROM unnest($1::bigint[], $2::text[]) AS m(id, key)
			ON CONFLICT DO NOTHING RETURNING subscription, key`, ids, keys, s.now())
		if err == nil {
			var m NoticeMark
			_, err = pgx.ForEachRow(rows, []any{&m.Subscription, &m.Key}, func() error {
				added[m] = true
				return nil
			})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("mark %d subscription notices: %w", len(marks), err)
	}
	for i, m := range marks {
		// A mark repeated in the batch was added once: its first occurrence.
		first[i] = added[m]
		delete(added, m)
	}
	return first, nil
}
