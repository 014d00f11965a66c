package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

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
// by an admin) and kept until an admin changes it; it never expires.
type TechMatches interface {
	// TechMatch returns the Slack user's match, ok false when there is
	// none yet.
	TechMatch(slackUser string) (m TechMatch, ok bool, err error)
	// SetTechMatch saves m, replacing the Slack user's earlier match.
	SetTechMatch(m TechMatch) error
	// TechMatches returns every match, by Slack name.
	TechMatches() ([]TechMatch, error)
}

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

// SetTechMatch saves m under its Slack user.
func (s *Store) SetTechMatch(m TechMatch) error {
	if m.SlackUser == "" || m.SyncroUser <= 0 {
		return fmt.Errorf("save tech match: %w: need a Slack user and a Syncro user", ErrInvalid)
	}
	err := s.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketTechs), []byte(m.SlackUser), m)
	})
	if err != nil {
		return fmt.Errorf("save tech match of %s: %w", m.SlackUser, err)
	}
	return nil
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

// SetTechMatch implements TechMatches.
func (s *Postgres) SetTechMatch(m TechMatch) error {
	if m.SlackUser == "" || m.SyncroUser <= 0 {
		return fmt.Errorf("save tech match: %w: need a Slack user and a Syncro user", ErrInvalid)
	}
	ctx, cancel := opCtx()
	defer cancel()
	if err := s.pgPut(ctx, "tech_matches", "slack_user", m.SlackUser, m); err != nil {
		return fmt.Errorf("save tech match of %s: %w", m.SlackUser, err)
	}
	return nil
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
