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
