package tickets

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// A flow runs under the work's deadline (bot's WorkTimeout). A step begun
// with too little of it left is cut off mid-write, its outcome in doubt,
// and the reply with Finish may not get out: so the runner starts no step
// without enough time, and says what is left, with Finish.

// movingDeadline is a context whose deadline a test moves, as a slow step
// uses up the work's time, without waiting for it.
type movingDeadline struct {
	context.Context
	mu sync.Mutex
	dl time.Time
}

func (m *movingDeadline) Deadline() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dl, true
}

func (m *movingDeadline) moveTo(dl time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dl = dl
}

// afterStep is a store that calls done once a step's outcome is recorded.
type afterStep struct {
	commands.Store
	done func(key string)
}

func (s afterStep) Complete(key string, outcome []byte) error {
	err := s.Store.Complete(key, outcome)
	s.done(key)
	return err
}

// TestFlow_StartsNoStepWithTooLittleTimeLeft: a bill whose work has only
// seconds left sends Syncro nothing and offers Finish; one whose time runs
// low after its comment stops there. Finish, with time, does the rest: the
// minutes once, one invoice.
func TestFlow_StartsNoStepWithTooLittleTimeLeft(t *testing.T) {
	t.Parallel()
	t.Run("at the start", func(t *testing.T) {
		t.Parallel()
		f := newStoreFixture(t)
		f.matchedDana(t) // else matching her is the first thing sent
		before := f.billState(t, syncrotest.SeedTicketNAS)
		s := f.billForm(t, syncrotest.SeedTicketNAS, "V1", "40")
		ctx, cancel := context.WithTimeout(t.Context(), stepReserve/2)
		defer cancel()
		f.Srv.ResetLog()
		r := f.C.Submit(ctx, s)
		if n := len(f.Srv.Requests()); n != 0 || finishButton(r) == "" {
			t.Fatalf("%d Syncro requests; reply %q (Finish %q)", n, r.Text, finishButton(r))
		}
		if want := "I ran out of time before the invoice check (nothing of it was sent). Press Finish to do only what is missing."; r.Text != want {
			t.Errorf("reply = %q\nwant %q", r.Text, want)
		}
		done := f.finish(t, finishButton(r), "ts-1")
		after := f.billState(t, syncrotest.SeedTicketNAS)
		if after.minutes-before.minutes != 40 || after.invoices != 1 {
			t.Errorf("before %+v after %+v; reply %q", before, after, done.Text)
		}
	})
	t.Run("after the comment", func(t *testing.T) {
		t.Parallel()
		// Time is a timer entry of its own, so the comment alone logs none.
		f := newStoreFixture(t, syncrotest.WithTimeMode(syncrotest.TimeIgnoredOnComments))
		f.matchedDana(t)
		before := f.billState(t, syncrotest.SeedTicketNAS)
		s := f.billForm(t, syncrotest.SeedTicketNAS, "V1", "40")
		ctx := &movingDeadline{Context: t.Context(), dl: time.Now().Add(time.Hour)}
		comment := store.Key(store.Key("flow", commands.SubmissionKey(s)), stepComment)
		f.C, f.tk = newCommands(t, commands.Deps{Syncro: f.client, Now: func() time.Time { return syncrotest.SeedNow }, Store: afterStep{
			Store: f.crash,
			done: func(key string) {
				if key == comment { // the comment took long: little time is left
					ctx.moveTo(time.Now().Add(stepReserve / 2))
				}
			},
		}})
		r := f.C.Submit(ctx, s)
		mid := f.billState(t, syncrotest.SeedTicketNAS)
		if mid.comments-before.comments != 1 || mid.timers != before.timers || mid.invoices != 0 || finishButton(r) == "" {
			t.Fatalf("before %+v after %+v; reply %q", before, mid, r.Text)
		}
		// The comment is in; the time entry was never sent, and Finish
		// logs it.
		if !strings.Contains(r.Text, "I ran out of time before the time entry (nothing of it was sent)") {
			t.Errorf("reply = %q", r.Text)
		}
		done := f.finish(t, finishButton(r), "ts-1")
		after := f.billState(t, syncrotest.SeedTicketNAS)
		if after.minutes-before.minutes != 40 || after.comments-before.comments != 1 || after.invoices != 1 || after.status != "Invoiced" {
			t.Errorf("before %+v after %+v; reply %q", before, after, done.Text)
		}
	})
}
