package store

import "fmt"

var _ Unfurls = (*Postgres)(nil)

// MarkUnfurled implements Unfurls in one statement: a mark younger than
// UnfurlWindow (or from a clock set back since) is left as it is, and
// only a new or renewed mark is the caller's to unfurl, so two replicas
// answering the same link race to one preview.
func (s *Postgres) MarkUnfurled(channel, link string) (bool, error) {
	if channel == "" || link == "" || len(unfurlKey(channel, link)) > maxKeyLen {
		return false, fmt.Errorf("mark unfurled: %w: channel and link are required, %d bytes at most", ErrInvalid, maxKeyLen)
	}
	now := s.now()
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var first bool
	if err == nil {
		tag, e := q.Exec(ctx, `INSERT INTO unfurls (channel, link, at) VALUES ($1, $2, $3)
			ON CONFLICT (channel, link) DO UPDATE SET at = excluded.at WHERE unfurls.at <= $4`,
			channel, link, now, now.Add(-UnfurlWindow))
		first, err = tag.RowsAffected() == 1, e
	}
	if err != nil {
		return false, fmt.Errorf("mark %s unfurled in %s: %w", link, channel, err)
	}
	return first, nil
}
