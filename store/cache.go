package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

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

type cacheEntry struct {
	Value   json.RawMessage `json:"value"`
	Expires time.Time       `json:"expires"`
}

// PutCache saves v (JSON-encoded) under key until ttl passes, for lookups
// that are slow to repeat, such as Slack user to Syncro user id.
func (s *Store) PutCache(key string, v any, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put cache: %w", err)
	}
	if ttl <= 0 {
		return fmt.Errorf("put cache %s: %w: ttl %s", key, ErrInvalid, ttl)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("put cache %s: encode: %w", key, err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketCache), []byte(key), cacheEntry{Value: data, Expires: s.now().Add(ttl)})
	})
	if err != nil {
		return fmt.Errorf("put cache %s: %w", key, err)
	}
	return nil
}

// GetCache decodes the value under key into v and reports whether a live
// (unexpired) entry was found; an expired entry reads as absent.
func (s *Store) GetCache(key string, v any) (bool, error) {
	var e cacheEntry
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bucketCache), []byte(key), &e)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("get cache %s: %w", key, err)
	}
	if !ok || !s.now().Before(e.Expires) {
		return false, nil
	}
	if err := json.Unmarshal(e.Value, v); err != nil {
		return false, fmt.Errorf("get cache %s: decode: %w", key, err)
	}
	return true, nil
}

// DeleteCache removes key, for when the cached fact is known to be wrong.
func (s *Store) DeleteCache(key string) error {
	err := s.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketCache).Delete([]byte(key)) })
	if err != nil {
		return fmt.Errorf("delete cache %s: %w", key, err)
	}
	return nil
}

func sweepCache(tx *bolt.Tx, now time.Time) (int, error) {
	b := tx.Bucket(bucketCache)
	var stale [][]byte
	err := b.ForEach(func(k, _ []byte) error {
		var e cacheEntry
		if _, err := getJSON(b, k, &e); err != nil {
			return err
		}
		if !now.Before(e.Expires) {
			stale = append(stale, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep cache: %w", err)
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("sweep cache: %w", err)
		}
	}
	return len(stale), nil
}
