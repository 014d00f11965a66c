package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the end-of-day summaries' settings and the last day sent.
var (
	bucketSummarySettings = []byte("summary_settings")
	bucketSummarySent     = []byte("summary_sent")
)

// SummarySettings is one person's end-of-day summary: whether it is on,
// at which hour of which weekdays in their time zone, and who they were
// when they last opened the Home tab (the summary is built for them as
// that person).
type SummarySettings struct {
	On bool `json:"on"`
	// Hour is the local hour (0–23) the summary is sent at.
	Hour int `json:"hour"`
	// Weekdays holds bit 1<<time.Weekday for each day it is sent.
	Weekdays uint8 `json:"weekdays"`
	// TimeZone is the person's IANA zone from Slack.
	TimeZone string `json:"tz"`
	// Email, Name and CanBill are the person as the bot last saw them.
	Email   string `json:"email"`
	Name    string `json:"name"`
	CanBill bool   `json:"can_bill"`
	// Since is when the settings were first saved: no day before it is
	// summarized.
	Since time.Time `json:"since"`
}

// Sends reports whether the summary goes out on day d.
func (s SummarySettings) Sends(d time.Weekday) bool { return s.Weekdays&(1<<d) != 0 }

// Summaries keeps each person's end-of-day summary settings and the last
// day a summary was sent to them, so it goes out once per day across
// restarts.
type Summaries interface {
	// SummarySettings returns userID's settings and whether they have any.
	SummarySettings(userID string) (SummarySettings, bool, error)
	// PutSummarySettings saves userID's settings.
	PutSummarySettings(userID string, s SummarySettings) error
	// AllSummarySettings returns everyone's settings by Slack user id.
	AllSummarySettings() (map[string]SummarySettings, error)
	// ClaimSummary records that userID's summary of day (YYYY-MM-DD) is
	// being sent, and reports false when that day, or a later one, was
	// claimed before.
	ClaimSummary(userID, day string) (first bool, err error)
	// ReleaseSummary undoes ClaimSummary of day while it is still the
	// last day claimed (Slack refused that day's message), so the day
	// can be claimed again; a later day claimed meanwhile stays.
	ReleaseSummary(userID, day string) error
}

var _ Summaries = (*Store)(nil)

// SummarySettings implements Summaries.
func (s *Store) SummarySettings(userID string) (SummarySettings, bool, error) {
	var v SummarySettings
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bucketSummarySettings), []byte(userID), &v)
		return err
	})
	if err != nil {
		return SummarySettings{}, false, fmt.Errorf("read summary settings of %s: %w", userID, err)
	}
	return v, ok, nil
}

// PutSummarySettings implements Summaries.
func (s *Store) PutSummarySettings(userID string, v SummarySettings) error {
	if userID == "" || len(userID) > maxKeyLen {
		return fmt.Errorf("save summary settings: %w: user id %q", ErrInvalid, userID)
	}
	err := s.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketSummarySettings), []byte(userID), v)
	})
	if err != nil {
		return fmt.Errorf("save summary settings of %s: %w", userID, err)
	}
	return nil
}

// AllSummarySettings implements Summaries.
func (s *Store) AllSummarySettings() (map[string]SummarySettings, error) {
	out := map[string]SummarySettings{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummarySettings)
		return b.ForEach(func(k, _ []byte) error {
			var v SummarySettings
			if _, err := getJSON(b, k, &v); err != nil {
				return err
			}
			out[string(k)] = v
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read summary settings: %w", err)
	}
	return out, nil
}

// ClaimSummary implements Summaries. Days are written YYYY-MM-DD, so they
// compare as strings; one record per person holds the last day claimed.
func (s *Store) ClaimSummary(userID, day string) (first bool, err error) {
	if userID == "" || len(userID) > maxKeyLen || len(day) != len("2006-01-02") {
		return false, fmt.Errorf("claim summary: %w: user %q day %q", ErrInvalid, userID, day)
	}
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummarySent)
		var last string
		if _, err := getJSON(b, []byte(userID), &last); err != nil {
			return err
		}
		if last >= day {
			return nil
		}
		first = true
		return putJSON(b, []byte(userID), day)
	})
	if err != nil {
		return false, fmt.Errorf("claim summary of %s for %s: %w", userID, day, err)
	}
	return first, nil
}

// ReleaseSummary implements Summaries.
func (s *Store) ReleaseSummary(userID, day string) error {
	before, err := dayBefore(day)
	if err != nil || userID == "" || len(userID) > maxKeyLen {
		return fmt.Errorf("release summary: %w: user %q day %q", ErrInvalid, userID, day)
	}
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummarySent)
		var last string
		if _, err := getJSON(b, []byte(userID), &last); err != nil || last != day {
			return err
		}
		return putJSON(b, []byte(userID), before)
	})
	if err != nil {
		return fmt.Errorf("release summary of %s for %s: %w", userID, day, err)
	}
	return nil
}

// dayBefore is the YYYY-MM-DD day before day.
func dayBefore(day string) (string, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "", err
	}
	return d.AddDate(0, 0, -1).Format(time.DateOnly), nil
}
