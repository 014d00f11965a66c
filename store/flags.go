package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SetFlag saves a small named setting the bot learned at run time (for
// example which time-logging path this Syncro account accepts), so it is
// not relearned by trial after every restart. Flags do not expire.
func (s *Store) SetFlag(name, value string) error {
	if name == "" {
		return fmt.Errorf("set flag: %w: empty name", ErrInvalid)
	}
	err := s.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketFlags), []byte(name), value)
	})
	if err != nil {
		return fmt.Errorf("set flag %s: %w", name, err)
	}
	return nil
}

// Flag returns the value saved by SetFlag and whether there was one.
func (s *Store) Flag(name string) (string, bool, error) {
	var v string
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bucketFlags), []byte(name), &v)
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("read flag %s: %w", name, err)
	}
	return v, ok, nil
}
