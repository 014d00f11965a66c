package commands

import (
	"context"
	"testing"

	"github.com/syncrobot/syncrobot/store"
)

// TestOnce_WorkStoppedForTheRestartRunsAgainAfterIt: a write that bot
// stopped for a restart (context cause ErrRestarting) clicked nothing, so
// its key is not spent: the same click after the restart does the work
// instead of answering "already done".
func TestOnce_WorkStoppedForTheRestartRunsAgainAfterIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Dedup: NewStoreDedup(st)}
	ctx, stop := context.WithCancelCause(t.Context())
	clicked := false
	d.Once(ctx, "click", func() Reply {
		clicked = true
		stop(ErrRestarting) // while waiting for Syncro's rate limiter
		return Reply{Text: "Sorry, Syncro didn't answer in time."}
	}, ClickedTwice)
	if !clicked {
		t.Fatal("the first click did not run")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = store.Open(dir) // the next process
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	d = Deps{Dedup: NewStoreDedup(st)}
	ran := false
	r := d.Once(t.Context(), "click", func() Reply { ran = true; return Reply{Text: "saved"} }, ClickedTwice)
	if !ran || r.Text != "saved" {
		t.Errorf("after the restart: ran=%v reply %q, want the write to run", ran, r.Text)
	}
}
