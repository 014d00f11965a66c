package notice

import (
	"errors"
	"testing"
	"time"
)

// memSet is an announced set in memory.
type memSet struct {
	seen    map[int64]bool
	closing map[int64]string
	err     error
}

func (m *memSet) MarkAnnounced(id int64, _ time.Time) (bool, error) {
	if m.err != nil {
		return false, m.err
	}
	first := !m.seen[id]
	m.seen[id] = true
	delete(m.closing, id)
	return first, nil
}

func (m *memSet) MarkBillAnnounced(id int64, at time.Time) (bool, error) {
	return m.MarkAnnounced(-id, at) // a bill's own key, apart from the close's
}

func (m *memSet) MarkSeenClosed(id int64, at time.Time) (first, closing bool, err error) {
	if _, ok := m.closing[id]; ok && !m.seen[id] {
		return false, true, m.err
	}
	first, err = m.MarkAnnounced(id, at)
	return first, false, err
}

func (m *memSet) MarkClosing(id int64, flow string) error {
	if !m.seen[id] {
		m.closing[id] = flow
	}
	return m.err
}

func (m *memSet) ClearClosing(id int64, flow string) error {
	if m.closing[id] == flow {
		delete(m.closing, id)
	}
	return m.err
}

func newMemSet() *memSet { return &memSet{seen: map[int64]bool{}, closing: map[int64]string{}} }

func (m *memSet) WasAnnounced(id int64) (bool, error) { return m.seen[id], m.err }

func TestAnnouncer_OnlyTheFirstClaimPosts(t *testing.T) {
	t.Parallel()
	a := NewAnnouncer(newMemSet())
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

// The watcher yields to a close the bot is making, and takes the ticket
// once the bot released it without announcing.
func TestAnnouncer_WatcherYieldsToTheBotsCloseUntilReleased(t *testing.T) {
	t.Parallel()
	a := NewAnnouncer(newMemSet())
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := a.Closing(42, "flow-1"); err != nil {
		t.Fatal(err)
	}
	if got, err := a.ClaimSeen(42, at); err != nil || got != SeenClosing {
		t.Fatalf("ClaimSeen while closing = %v, %v; want SeenClosing", got, err)
	}
	if err := a.Release(42, "flow-1"); err != nil {
		t.Fatal(err)
	}
	for i, want := range []Seen{SeenFirst, SeenBefore} {
		if got, err := a.ClaimSeen(42, at); err != nil || got != want {
			t.Errorf("ClaimSeen %d after release = %v, %v; want %v", i+1, got, err, want)
		}
	}
	if err := a.Closing(43, "flow-2"); err != nil {
		t.Fatal(err)
	}
	if first, err := a.Claim(43, at); err != nil || !first {
		t.Fatalf("the flow's Claim = %v, %v", first, err)
	}
	if got, err := a.ClaimSeen(43, at); err != nil || got != SeenBefore {
		t.Errorf("ClaimSeen after the flow announced = %v, %v; want SeenBefore", got, err)
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
