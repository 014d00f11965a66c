package subscriptions

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// countingStore is a bbolt store that counts the poll's mark writes and
// can refuse them.
type countingStore struct {
	*store.Store
	calls int
	fail  error
}

func (s *countingStore) MarkNotified(marks []store.NoticeMark) ([]bool, error) {
	s.calls++
	if s.fail != nil {
		return nil, s.fail
	}
	return s.Store.MarkNotified(marks)
}

// TestListed_OnePollIsOneMarkWriteBeforeAnyNotice: ten subscriptions of
// #ops and five new tickets are one MarkNotified call, made before the
// notices are queued; the channel gets the five once; the same poll again
// (a redelivered list, or a restart's first poll) tells nothing; and a
// poll whose marks are refused queues nothing.
func TestListed_OnePollIsOneMarkWriteBeforeAnyNotice(t *testing.T) {
	t.Parallel()
	bolt, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bolt.Close() })
	st := &countingStore{Store: bolt}
	for range 10 {
		if _, err := st.AddSubscription(store.Subscription{Channel: "C0OPS", Events: []string{EventNew}}); err != nil {
			t.Fatal(err)
		}
	}
	since := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	listed := func(from int64) []syncro.Ticket {
		var out []syncro.Ticket
		for id := from; id < from+5; id++ {
			out = append(out, syncro.Ticket{ID: id, Number: syncro.Number(strconv.FormatInt(id, 10)), Status: "New",
				CreatedAt: syncro.Timestamp{Time: since.Add(time.Minute)}})
		}
		return out
	}
	var queued []string
	callsAtNotify := -1
	w := NewWatch(st, func(_ context.Context, ch string, msgs []commands.Message) error {
		callsAtNotify = st.calls
		for _, m := range msgs {
			queued = append(queued, ch+": "+m.Text)
		}
		return nil
	}, nil)

	w.Listed(t.Context(), listed(1), since)
	if st.calls != 1 || callsAtNotify != 1 {
		t.Errorf("one poll: %d MarkNotified calls, %d before the notices were queued; want 1 and 1", st.calls, callsAtNotify)
	}
	if len(queued) != 1 || queued[0] != "C0OPS: 5 ticket notices" {
		t.Errorf("queued %q; want one list of the 5 tickets in C0OPS", queued)
	}

	queued = nil
	NewWatch(st, w.notify, nil).Listed(t.Context(), listed(1), since)
	if len(queued) != 0 {
		t.Errorf("the same poll again queued %q; want nothing (each told once)", queued)
	}

	st.fail = errors.New("disk full")
	w.Listed(t.Context(), listed(100), since)
	if len(queued) != 0 {
		t.Errorf("marks refused, yet queued %q; want nothing posted that is not recorded", queued)
	}
}
