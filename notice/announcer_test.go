package notice

import (
	"errors"
	"testing"
	"time"
)

// memSet is an announced set in memory.
type memSet struct {
	seen map[int64]bool
	err  error
}

func (m *memSet) MarkAnnounced(id int64, _ time.Time) (bool, error) {
	if m.err != nil {
		return false, m.err
	}
	first := !m.seen[id]
	m.seen[id] = true
	return first, nil
}

func (m *memSet) WasAnnounced(id int64) (bool, error) { return m.seen[id], m.err }

func TestAnnouncer_OnlyTheFirstClaimPosts(t *testing.T) {
	t.Parallel()
	a := NewAnnouncer(&memSet{seen: map[int64]bool{}})
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, false, false} {
		if first, err := a.Claim(42, at); err != nil || first != want {
			t.Errorf("claim %d = %v, %v; want %v", i+1, first, err, want)
		}
	}
	if first, err := a.Claim(43, at); err != nil || !first {
		t.Errorf("another ticket's first claim = %v, %v", first, err)
	}
}

func TestAnnouncer_StoreErrorIsNotAClaim(t *testing.T) {
	t.Parallel()
	boom := errors.New("store closed")
	first, err := NewAnnouncer(&memSet{err: boom}).Claim(1, time.Now())
	if first || !errors.Is(err, boom) {
		t.Errorf("Claim = %v, %v; want false and the store's error", first, err)
	}
}

func TestNewAnnouncer_RefusesNoStore(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("NewAnnouncer(nil) did not panic")
		}
	}()
	NewAnnouncer(nil)
}
