package commands

import (
	"context"
	"testing"

	"github.com/syncrobot/syncrobot/store"
)

func TestStoreDedup_SecondCallerWaitsForTheFirstsReply(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	d := NewStoreDedup(st)
	first, _, _ := d.Begin(t.Context(), "k")
	if !first {
		t.Fatal("first caller not first")
	}
	got := make(chan Reply)
	go func() {
		first, prior, finished := d.Begin(t.Context(), "k")
		if first || !finished {
			t.Errorf("second: first=%v finished=%v", first, finished)
		}
		got <- prior
	}()
	d.Done("k", Reply{Text: "done"})
	if r := <-got; r.Text != "done" {
		t.Errorf("prior = %q", r.Text)
	}
	ctx, cancel := context.WithCancel(t.Context())
	d.Begin(ctx, "other")
	cancel()
	if first, _, finished := d.Begin(ctx, "other"); first || finished {
		t.Error("a waiting duplicate must give up with its context")
	}
}

// TestOnce_AStoreThatCannotRecordIsNotCalledASecondDelivery: when the
// store cannot be asked (the database down), the reply says so and
// nothing ran; it is not answered as a repeat of work done once ("That
// form was submitted twice; I did the work once").
func TestOnce_AStoreThatCannotRecordIsNotCalledASecondDelivery(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Close() // every Claim now fails, as on a database that is down
	d := Deps{Dedup: NewStoreDedup(st)}
	ran := false
	r := d.Once(t.Context(), "k", func() Reply { ran = true; return Reply{Text: "written"} },
		func(prior Reply, finished bool) Reply { return duplicateReply(finished, prior) })
	if ran || r.Text != storeFailedReply.Text {
		t.Errorf("ran=%v, reply %q; want nothing run and %q", ran, r.Text, storeFailedReply.Text)
	}
}
