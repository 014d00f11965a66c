package tickets

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The retype tests: a tech whose reply never came types the same write
// again (a new envelope, a new form). The bot asks before writing it a
// second time; Log it again writes it exactly once more, Don't writes
// nothing. Each checks what Syncro holds.

// retypeEntry is one way to make the same write twice on #32145 (NAS).
type retypeEntry struct {
	name string
	// first makes the write the tech retypes; do the i-th retype of it.
	first, do func(t *testing.T, f *storeFixture, i int) commands.Reply
	// body is the comment text each write adds; minutes its time.
	body    string
	minutes int
}

const retypeTicket = syncrotest.SeedTicketNAS

func retypeSlash(text string) func(t *testing.T, f *storeFixture, i int) commands.Reply {
	return func(t *testing.T, f *storeFixture, i int) commands.Reply {
		return f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: text, EnvelopeID: fmt.Sprint("env-retype-", i)})
	}
}

func retypeLogTime(minutes, notes string) func(t *testing.T, f *storeFixture, i int) commands.Reply {
	return func(t *testing.T, f *storeFixture, i int) commands.Reply {
		v := f.tk.logTimeModal(f.Ticket(t, retypeTicket).ID, retypeTicket, "C0TECHS").Modal
		return f.C.Submit(t.Context(), form(v, fmt.Sprint("V-retype-", i), typed(commands.BlockMinutes, minutes), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, notes)))
	}
}

func retypeEntries() []retypeEntry {
	comment := retypeSlash("comment 32145 --time 30m Swapped a disk.")
	plain := retypeSlash("comment 32145 Swapped a disk.")
	logTime := retypeLogTime("30", "Swapped a disk.")
	return []retypeEntry{
		{name: "slash comment with time", first: comment, do: comment, body: "Swapped a disk.", minutes: 30},
		{name: "plain slash comment", first: plain, do: plain, body: "Swapped a disk."},
		{name: "log time form", first: logTime, do: logTime, body: "Swapped a disk.", minutes: 30},
		// Time logged, then the bill form adds the same minutes again.
		{name: "bill form after log time", first: logTime, body: "Swapped a disk.", minutes: 30,
			do: func(t *testing.T, f *storeFixture, i int) commands.Reply {
				v := f.OpenModal(t, "bill 32145")
				return f.C.Submit(t.Context(), form(v, fmt.Sprint("V-bill-", i), typed(commands.BlockMinutes, "30"), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, "Swapped a disk.")))
			}},
	}
}

// holds is what #32145 holds of the entry: comments with its text and
// minutes in all.
func (f *storeFixture) holds(t *testing.T, body string) (comments, minutes int) {
	t.Helper()
	id := f.Ticket(t, retypeTicket).ID
	for _, c := range f.Srv.Comments(id) {
		if c.Body == body {
			comments++
		}
	}
	for _, tm := range f.Srv.Timers(id) {
		minutes += tm.Minutes()
	}
	return comments, minutes
}

// press clicks actionID of reply q as Dana, on message ts.
func (f *storeFixture) press(t *testing.T, q commands.Reply, actionID, ts string) commands.Reply {
	t.Helper()
	v := buttonValue(q.Blocks, actionID)
	if v == "" {
		t.Fatalf("no %s button in %q", actionID, q.Text)
	}
	return f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: actionID, Value: v, MessageTS: ts})
}

// retyped makes e's write, then its retype, and checks that the retype
// asked and wrote nothing. It returns the question and what Syncro held
// after the first write.
func retyped(t *testing.T, f *storeFixture, e retypeEntry) (q commands.Reply, comments, minutes int) {
	t.Helper()
	c0, m0 := f.holds(t, e.body)
	r := e.first(t, f, 1)
	comments, minutes = f.holds(t, e.body)
	if comments != c0+1 || minutes != m0+e.minutes {
		t.Fatalf("the first write left %d comments, %d min (before %d, %d): %q", comments, minutes, c0, m0, r.Text)
	}
	q = e.do(t, f, 2)
	if want := "You logged this less than a minute ago on #32145 — log it again?"; !strings.HasPrefix(q.Text, want) {
		t.Fatalf("retype answered %q, want the question %q", q.Text, want)
	}
	if c, m := f.holds(t, e.body); c != comments || m != minutes {
		t.Fatalf("the retype wrote before Dana answered: %d comments, %d min, want %d, %d", c, m, comments, minutes)
	}
	return q, comments, minutes
}

// eachRetype runs check on a fresh fixture for each way of retyping,
// once the retype asked; comments and minutes are what Syncro held then.
func eachRetype(t *testing.T, check func(t *testing.T, f *storeFixture, e retypeEntry, q commands.Reply, comments, minutes int)) {
	for _, e := range retypeEntries() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			f := newStoreFixture(t)
			q, comments, minutes := retyped(t, f, e)
			check(t, f, e, q, comments, minutes)
		})
	}
}

// TestRetype_LogItAgainWritesExactlyOnceMore: the same write retyped is
// asked about; Log it again, double-clicked and clicked again later,
// writes it exactly once more.
func TestRetype_LogItAgainWritesExactlyOnceMore(t *testing.T) {
	t.Parallel()
	eachRetype(t, func(t *testing.T, f *storeFixture, e retypeEntry, q commands.Reply, comments, minutes int) {
		var wg sync.WaitGroup
		replies := make([]commands.Reply, 2)
		for i := range replies {
			wg.Go(func() { replies[i] = f.press(t, q, ActionLogAgain, "ts-q") })
		}
		wg.Wait()
		replies = append(replies, f.press(t, q, ActionLogAgain, "ts-q"))
		if c, m := f.holds(t, e.body); c != comments+1 || m != minutes+e.minutes {
			t.Errorf("after Log it again: %d comments, %d min; want %d, %d; replies:\n%s", c, m, comments+1, minutes+e.minutes, replyTexts(replies))
		}
		if e.minutes > 0 && saidMinutes(replies[:1]) != e.minutes {
			t.Errorf("the reply does not say the %d min: %q", e.minutes, replies[0].Text)
		}
	})
}

// TestRetype_DontWritesNothing: Don't gives the retype up; Log it again
// pressed after it writes nothing either, and says why.
func TestRetype_DontWritesNothing(t *testing.T) {
	t.Parallel()
	eachRetype(t, func(t *testing.T, f *storeFixture, e retypeEntry, q commands.Reply, comments, minutes int) {
		r := f.press(t, q, ActionDontLogAgain, "ts-q")
		if r.Text != "OK, I didn't log it again; nothing was sent to Syncro." {
			t.Errorf("Don't answered %q", r.Text)
		}
		late := f.press(t, q, ActionLogAgain, "ts-q")
		if !strings.Contains(late.Text, "You chose not to log it again") {
			t.Errorf("Log it again after Don't answered %q", late.Text)
		}
		if c, m := f.holds(t, e.body); c != comments || m != minutes {
			t.Errorf("after Don't: %d comments, %d min; want %d, %d", c, m, comments, minutes)
		}
		if p := f.pendingFlows(t, f.Ticket(t, retypeTicket).ID); len(p) != 0 {
			t.Errorf("%d flows left unfinished", len(p))
		}
	})
}

// TestRetype_DontAfterLogItAgainUndoesNothing: Don't pressed after Log it
// again says the entry was logged again, and it was.
func TestRetype_DontAfterLogItAgainUndoesNothing(t *testing.T) {
	t.Parallel()
	e := retypeEntries()[0]
	f := newStoreFixture(t)
	q, comments, minutes := retyped(t, f, e)
	f.press(t, q, ActionLogAgain, "ts-q")
	if r := f.press(t, q, ActionDontLogAgain, "ts-q"); !strings.Contains(r.Text, "already chose Log it again") {
		t.Errorf("Don't after Log it again answered %q", r.Text)
	}
	if c, m := f.holds(t, e.body); c != comments+1 || m != minutes+e.minutes {
		t.Errorf("%d comments, %d min; want %d, %d", c, m, comments+1, minutes+e.minutes)
	}
}

// TestRetype_QuestionGolden pins the question's blocks.
func TestRetype_QuestionGolden(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	q, _, _ := retyped(t, f, retypeEntries()[0])
	commandstest.Golden(t, "retype_question.golden", commandstest.PrettyJSON(t, struct {
		Text   string       `json:"text"`
		Blocks slack.Blocks `json:"blocks"`
	}{q.Text, slack.Blocks{BlockSet: q.Blocks}}))
}

// TestRetype_OnlyTheSameWriteBySamePersonIsAsked: another tech typing the
// same words, or Dana other minutes, other labor or other words, is new
// work and written at once.
func TestRetype_OnlyTheSameWriteBySamePersonIsAsked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  commands.Request
	}{
		{"another tech", commands.Request{Actor: marcus, Text: "comment 32145 --time 30m Swapped a disk."}},
		{"other minutes", commands.Request{Actor: commandstest.Dana, Text: "comment 32145 --time 45m Swapped a disk."}},
		{"other labor", commands.Request{Actor: commandstest.Dana, Text: "comment 32145 --time 30m --labor onsite Swapped a disk."}},
		{"other words", commands.Request{Actor: commandstest.Dana, Text: "comment 32145 --time 30m Swapped the other disk."}},
		{"no time", commands.Request{Actor: commandstest.Dana, Text: "comment 32145 Swapped a disk."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newStoreFixture(t)
			id := f.Ticket(t, retypeTicket).ID
			retypeSlash("comment 32145 --time 30m Swapped a disk.")(t, f, 1)
			n := len(f.Srv.Comments(id))
			tc.req.ChannelID, tc.req.EnvelopeID = "C0TECHS", "env-other"
			r := f.C.Slash(t.Context(), tc.req)
			if strings.Contains(r.Text, "log it again?") || len(f.Srv.Comments(id)) != n+1 {
				t.Errorf("%s was not written at once: %q", tc.name, r.Text)
			}
		})
	}
}

// TestRetype_RememberedAcrossARestartForTenMinutes: the completed write is
// in the store, so a retype after a restart is asked about; its question
// is not told at start nor offered by the forms as unfinished work, and
// its Log it again works after another restart. Ten minutes later on the
// store's clock, the same words are new work.
func TestRetype_RememberedAcrossARestartForTenMinutes(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	clk := fakeclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	f.storeOpts = []store.Option{store.WithClock(clk.Now)}
	f.restart(t)
	e := retypeEntries()[0]
	c0, m0 := f.holds(t, e.body)
	e.first(t, f, 1)
	clk.Advance(2 * time.Minute)
	f.restart(t)
	q := e.do(t, f, 2)
	if want := "You logged this 2 minutes ago on #32145 — log it again?"; !strings.HasPrefix(q.Text, want) {
		t.Fatalf("retype after a restart answered %q, want %q", q.Text, want)
	}
	f.restart(t)
	if posts := f.tk.tellUnfinished(t.Context()); len(posts) != 0 {
		t.Errorf("start told %d unfinished flows, want none: %+v", len(posts), posts)
	}
	if v := f.OpenModal(t, "bill 32145"); v.CallbackID != commands.CallbackBill {
		t.Errorf("the bill form offered unfinished work instead of the form: %q", v.Title.Text)
	}
	f.press(t, q, ActionLogAgain, "ts-q")
	if c, m := f.holds(t, e.body); c != c0+2 || m != m0+2*e.minutes {
		t.Errorf("after Log it again: %d comments, %d min; want %d, %d", c, m, c0+2, m0+2*e.minutes)
	}
	clk.Advance(store.RecentWriteWindow)
	if r := e.do(t, f, 3); strings.Contains(r.Text, "log it again?") {
		t.Errorf("asked again after the window: %q", r.Text)
	}
	if c, _ := f.holds(t, e.body); c != c0+3 {
		t.Errorf("%d comments after the window, want %d", c, c0+3)
	}
}
