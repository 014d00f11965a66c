package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	bolt "go.etcd.io/bbolt"
)

// bucketTechs holds each Slack user's Syncro user, keyed by Slack user id.
var bucketTechs = []byte("tech_matches")

// How a TechMatch was made.
const (
	// MatchedByEmail: the Slack email (users.info) is the Syncro user's.
	MatchedByEmail = "email"
	// MatchedByChoice: the tech picked their Syncro user from the bot's
	// one-time question.
	MatchedByChoice = "chosen"
	// MatchedByAdmin: an admin set it with /syncro whois.
	MatchedByAdmin = "admin"
)

// TechMatches is who each Slack user is in Syncro: the user their time is
// credited to. A match is made once (by email, by the tech's own choice or
// by an admin) and kept until an admin changes it or the Syncro user is
// gone; it never expires. One Syncro user is one Slack user's: the check
// that it is free and the save are one step, so of two Slack users taking
// one Syncro user at once exactly one gets it.
type TechMatches interface {
	// TechMatch returns the Slack user's match, ok false when there is
	// none yet.
	TechMatch(slackUser string) (m TechMatch, ok bool, err error)
	// SetTechMatch saves m, replacing the Slack user's earlier match,
	// unless another Slack user holds m.SyncroUser: then nothing changes
	// and the error is a *TechTakenError naming that match.
	SetTechMatch(m TechMatch) error
	// MoveTechMatch saves m, dropping in the same step the match of any
	// other Slack user to m.SyncroUser; from is that match (ok false when
	// there was none).
	MoveTechMatch(m TechMatch) (from TechMatch, ok bool, err error)
	// DropTechMatch removes slackUser's match if it is still to
	// syncroUser, and reports whether it did.
	DropTechMatch(slackUser string, syncroUser int64) (dropped bool, err error)
	// TechMatches returns every match, by Slack name.
	TechMatches() ([]TechMatch, error)
}

// ErrTechTaken means a Syncro user is another Slack user's match; the
// error that carries it is a *TechTakenError.
var ErrTechTaken = errors.New("store: that Syncro user is another Slack user's")

// TechTakenError is SetTechMatch's refusal: Holder is the match that holds
// the Syncro user.
type TechTakenError struct {
	Holder TechMatch
}

func (e *TechTakenError) Error() string {
	return fmt.Sprintf("Syncro user %d is Slack user %s's", e.Holder.SyncroUser, e.Holder.SlackUser)
}

// Is makes errors.Is(err, ErrTechTaken) true.
func (e *TechTakenError) Is(target error) bool { return target == ErrTechTaken }

// TechMatch ties a Slack user to the Syncro user their time belongs to.
type TechMatch struct {
	// SlackUser is the Slack user id (U…); SlackName their Slack name when
	// the match was made, for /syncro whois @name.
	SlackUser string `json:"slack_user"`
	SlackName string `json:"slack_name,omitempty"`
	// SyncroUser is the Syncro user id; SyncroName its full name then.
	SyncroUser int64  `json:"syncro_user"`
	SyncroName string `json:"syncro_name"`
	// How is MatchedByEmail, MatchedByChoice or MatchedByAdmin; By is the
	// Slack user who made it (the admin, for MatchedByAdmin); At when.
	How string    `json:"how"`
	By  string    `json:"by,omitempty"`
	At  time.Time `json:"at"`
}

// validMatch refuses a match with no Slack user or no Syncro user.
func validMatch(m TechMatch) error {
	if m.SlackUser == "" || m.SyncroUser <= 0 {
		return fmt.Errorf("save tech match: %w: need a Slack user and a Syncro user", ErrInvalid)
	}
	return nil
}

// SetTechMatch saves m under its Slack user if no other Slack user holds
// its Syncro user; bbolt's single writer makes the check and the save one
// step.
func (s *Store) SetTechMatch(m TechMatch) error {
	if err := validMatch(m); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTechs)
		if h, ok, err := holderOf(b, m); err != nil || ok {
			return cmp.Or(err, error(&TechTakenError{Holder: h}))
		}
		return putJSON(b, []byte(m.SlackUser), m)
	})
	if err != nil {
		return fmt.Errorf("save tech match of %s: %w", m.SlackUser, err)
	}
	return nil
}

// MoveTechMatch saves m, dropping another Slack user's match to its
// Syncro user in the same transaction.
func (s *Store) MoveTechMatch(m TechMatch) (TechMatch, bool, error) {
	if err := validMatch(m); err != nil {
		return TechMatch{}, false, err
	}
	var from TechMatch
	var ok bool
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTechs)
		var err error
		if from, ok, err = holderOf(b, m); err != nil {
			return err
		}
		if ok {
			if err := b.Delete([]byte(from.SlackUser)); err != nil {
				return err
			}
		}
		return putJSON(b, []byte(m.SlackUser), m)
	})
	if err != nil {
		return TechMatch{}, false, fmt.Errorf("move tech match to %s: %w", m.SlackUser, err)
	}
	return from, ok, nil
}

// holderOf is the match of a Slack user other than m's to m's Syncro
// user, if any.
func holderOf(b *bolt.Bucket, m TechMatch) (TechMatch, bool, error) {
	var h TechMatch
	var found bool
	err := b.ForEach(func(k, v []byte) error {
		if found || string(k) == m.SlackUser {
			return nil
		}
		var o TechMatch
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("decode %q: %w", k, err)
		}
		if o.SyncroUser == m.SyncroUser {
			h, found = o, true
		}
		return nil
	})
	return h, found, err
}

// DropTechMatch removes slackUser's match if it is still to syncroUser.
func (s *Store) DropTechMatch(slackUser string, syncroUser int64) (bool, error) {
	var dropped bool
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTechs)
		var m TechMatch
		ok, err := getJSON(b, []byte(slackUser), &m)
		if err != nil || !ok || m.SyncroUser != syncroUser {
			return err
		}
		dropped = true
		return b.Delete([]byte(slackUser))
	})
	if err != nil {
		return false, fmt.Errorf("drop tech match of %s: %w", slackUser, err)
	}
	return dropped, nil
}

// dropSharedTechMatches keeps, of the Slack users matched to one Syncro
// user (which only a bot from before SetTechMatch checked and saved in
// one step could make), the one matched first; the others are asked again
// at their next time entry. Migration 0007 does the same on PostgreSQL.
func dropSharedTechMatches(tx *bolt.Tx) error {
	b := tx.Bucket(bucketTechs)
	first := map[int64]TechMatch{}
	var drop []string
	err := b.ForEach(func(k, v []byte) error {
		var m TechMatch
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode tech match %q: %w", k, err)
		}
		f, ok := first[m.SyncroUser]
		switch {
		case !ok:
			first[m.SyncroUser] = m
		case matchedBefore(m, f):
			first[m.SyncroUser] = m
			drop = append(drop, f.SlackUser)
		default:
			drop = append(drop, m.SlackUser)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range drop {
		if err := b.Delete([]byte(k)); err != nil {
			return fmt.Errorf("drop shared tech match of %s: %w", k, err)
		}
	}
	return nil
}

// matchedBefore orders matches by when they were made, then Slack user.
func matchedBefore(a, b TechMatch) bool {
	return cmp.Or(a.At.Compare(b.At), strings.Compare(a.SlackUser, b.SlackUser)) < 0
}

// TechMatch returns the match saved for slackUser.
func (s *Store) TechMatch(slackUser string) (TechMatch, bool, error) {
	var m TechMatch
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bucketTechs), []byte(slackUser), &m)
		return err
	})
	if err != nil {
		return TechMatch{}, false, fmt.Errorf("read tech match of %s: %w", slackUser, err)
	}
	return m, ok, nil
}

// TechMatches returns every saved match, by Slack name then id.
func (s *Store) TechMatches() ([]TechMatch, error) {
	var out []TechMatch
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTechs).ForEach(func(k, v []byte) error {
			var m TechMatch
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode %q: %w", k, err)
			}
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read tech matches: %w", err)
	}
	sortMatches(out)
	return out, nil
}

// SetTechMatch implements TechMatches: migration 0007's unique index on
// the Syncro user refuses a second Slack user, also one saving at the same
// moment on another replica.
func (s *Postgres) SetTechMatch(m TechMatch) error {
	if err := validMatch(m); err != nil {
		return err
	}
	ctx, cancel := opCtx()
	defer cancel()
	err := s.pgPut(ctx, "tech_matches", "slack_user", m.SlackUser, m)
	if isUniqueViolation(err) {
		err = s.techTaken(ctx, m)
	}
	if err != nil {
		return fmt.Errorf("save tech match of %s: %w", m.SlackUser, err)
	}
	return nil
}

// techTaken is the *TechTakenError for m, whose save the unique index
// refused, naming who holds its Syncro user now.
func (s *Postgres) techTaken(ctx context.Context, m TechMatch) error {
	var h TechMatch
	ok, err := s.pgGet(ctx, &h, `SELECT body FROM tech_matches WHERE (body::jsonb)->>'syncro_user' = $1 AND slack_user <> $2`,
		strconv.FormatInt(m.SyncroUser, 10), m.SlackUser)
	if err != nil {
		return err
	}
	if !ok {
		// Dropped since the refusal: still not saved, and still named.
		h = TechMatch{SyncroUser: m.SyncroUser}
	}
	return &TechTakenError{Holder: h}
}

// isUniqueViolation reports PostgreSQL's unique_violation (23505).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// MoveTechMatch implements TechMatches in one transaction.
func (s *Postgres) MoveTechMatch(m TechMatch) (TechMatch, bool, error) {
	if err := validMatch(m); err != nil {
		return TechMatch{}, false, err
	}
	ctx, cancel := opCtx()
	defer cancel()
	var from TechMatch
	var ok bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var old string
		err := tx.QueryRow(ctx, `DELETE FROM tech_matches WHERE (body::jsonb)->>'syncro_user' = $1 AND slack_user <> $2 RETURNING body`,
			strconv.FormatInt(m.SyncroUser, 10), m.SlackUser).Scan(&old)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			ok = true
			if err := json.Unmarshal([]byte(old), &from); err != nil {
				return fmt.Errorf("decode the match moved: %w", err)
			}
		}
		return pgUpsert(ctx, tx, "tech_matches", "slack_user", m.SlackUser, m)
	})
	if isUniqueViolation(err) {
		err = s.techTaken(ctx, m) // another move took it meanwhile
	}
	if err != nil {
		return TechMatch{}, false, fmt.Errorf("move tech match to %s: %w", m.SlackUser, err)
	}
	return from, ok, nil
}

// DropTechMatch implements TechMatches.
func (s *Postgres) DropTechMatch(slackUser string, syncroUser int64) (bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	if err == nil {
		var tag pgconn.CommandTag
		tag, err = q.Exec(ctx, `DELETE FROM tech_matches WHERE slack_user = $1 AND (body::jsonb)->>'syncro_user' = $2`,
			slackUser, strconv.FormatInt(syncroUser, 10))
		if err == nil {
			return tag.RowsAffected() == 1, nil
		}
	}
	return false, fmt.Errorf("drop tech match of %s: %w", slackUser, err)
}

// TechMatch implements TechMatches.
func (s *Postgres) TechMatch(slackUser string) (TechMatch, bool, error) {
	ctx, cancel := opCtx()
	defer cancel()
	var m TechMatch
	ok, err := s.pgGet(ctx, &m, `SELECT body FROM tech_matches WHERE slack_user = $1`, slackUser)
	if err != nil {
		return TechMatch{}, false, fmt.Errorf("read tech match of %s: %w", slackUser, err)
	}
	return m, ok, nil
}

// TechMatches implements TechMatches.
func (s *Postgres) TechMatches() ([]TechMatch, error) {
	ctx, cancel := opCtx()
	defer cancel()
	q, err := s.q()
	var out []TechMatch
	if err == nil {
		out, err = pgJSON[TechMatch](ctx, q, `SELECT body FROM tech_matches`)
	}
	if err != nil {
		return nil, fmt.Errorf("read tech matches: %w", err)
	}
	sortMatches(out)
	return out, nil
}

// sortMatches orders matches by Slack name, then id.
func sortMatches(ms []TechMatch) {
	slices.SortFunc(ms, func(a, b TechMatch) int {
		if c := strings.Compare(strings.ToLower(a.SlackName), strings.ToLower(b.SlackName)); c != 0 {
			return c
		}
		return strings.Compare(a.SlackUser, b.SlackUser)
	})
}
