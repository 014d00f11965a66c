package store

import "fmt"

var _ Unfurls = (*Postgres)(nil)

// MarkUnfurled implements Unfurls in one statement: a mark younger than
// UnfurlWindow (or from a clock set back since) is left as it is, and
// only a new or renewed mark is the caller's to unfurl, so two replicas
// answering the same link race to one preview.
func (s *Postgres) MarkUnfurled(channel, link string) (bool, error) {
	if err := checkUnfurlKey("mark unfurled", channel, link); err != nil {
		return false, err
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

// ReleaseUnfurl implements Unfurls.
func (s *Postgres) ReleaseUnfurl(channel, link string) error {
	if err := checkUnfurlKey("release unfurl", channel, link); err != nil {
		return err
	}
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	if err == nil {
		_, err = q.Exec(ctx, `DELETE FROM unfurls WHERE channel = $1 AND link = $2`, channel, link)
	}
	if err != nil {
		return fmt.Errorf("release unfurl of %s in %s: %w", link, channel, err)
	}
	return nil
}
