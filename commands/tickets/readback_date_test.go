package tickets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestFlow_ReadBackWhateverSyncrosDateSays: a comment, or the timer entry
// of a time entry, is cut off by a crash, before its POST or after it
// landed; twenty minutes later, while the bot is down, the same words or
// the same minutes (same labor, notes and start) are written in the web
// app; the bot starts and Dana presses Finish. Whatever Syncro's Date
// header says (missing, unparseable, hours behind or ahead of the bot's
// clock), Finish neither takes the web app's record for the tech's write
// nor writes the tech's a second time (README, "Nothing lost, nothing
// twice").
func TestFlow_ReadBackWhateverSyncrosDateSays(t *testing.T) {
	t.Parallel()
	for _, d := range []struct {
		name string
		date string
		skew time.Duration
		// seen has the bot see one Date before Syncro's answers lose it.
		seen bool
		// skip names a fault left as it is, of a write cut off before
		// its POST.
		skip string
	}{
		{name: "3h behind", skew: -3 * time.Hour},
		{name: "3h ahead", skew: 3 * time.Hour},
		{name: "missing", date: "-"},
		{name: "unparseable", date: "yesterday-ish"},
		{name: "missing after one showed 3h behind", date: "-", skew: -3 * time.Hour, seen: true},
		{name: "missing after one showed 3h ahead", date: "-", skew: 3 * time.Hour, seen: true},
		// With no Date ever, the newest record on the ticket shows Syncro's
		// clock ahead of the bot's at least that far.
		{name: "never seen, 3h ahead", date: "-", skew: 3 * time.Hour},
		{name: "never seen, 3h behind", date: "-", skew: -3 * time.Hour,
			skip: "no Date ever and Syncro's clock hours behind the bot's: the bot places Syncro's clock by its own, and takes the same words or minutes typed in the web app within those hours for a write that never happened (the tech's is not written)"},
	} {
		for _, step := range []string{stepComment, stepTime} {
			for _, point := range []crashPoint{crashBeforeWrite, crashAfterWrite} {
				t.Run(fmt.Sprintf("%s/%s %s", d.name, point, step), func(t *testing.T) {
					t.Parallel()
					if d.skip != "" && point == crashBeforeWrite {
						t.Skip(d.skip)
					}
					mode, minutes := syncrotest.TimeFromComments, 0
					if step == stepTime {
						mode, minutes = syncrotest.TimeIgnoredOnComments, 30
					}
					r := newSkewedChaosRig(t, mode, d.skew)
					if step == stepTime {
						r.tk.setTimerPath(t.Context())
					}
					r.learnNames()
					ct := r.newTicket(11)
					if d.seen {
						r.comment(commandstest.Dana, ct, "Checked the backups.", 0, deliverOnce, nil)
					}
					r.tr.date = d.date
					r.cs.arm(step, point)
					res := r.comment(commandstest.Dana, ct, chaosText, minutes, deliverOnce, nil)
					if !res.crashed {
						r.cs.disarm()
						t.Fatalf("did not crash: %q", shownTexts(res.replies))
					}
					r.clk.Advance(20 * time.Minute)
					r.webLookalike(ct, step, res.flow)
					r.restart(time.Minute)
					r.settle(3)
					for _, p := range r.final() {
						t.Error(p)
					}
					if t.Failed() {
						t.Log(r.summary())
					}
				})
			}
		}
	}
}

// webLookalike writes in the web app what flow's step writes: its
// comment, or its timer entry (minutes, labor, notes and start) for the
// same user.
func (r *chaosRig) webLookalike(ct chaosTicket, step, flow string) {
	r.t.Helper()
	if step == stepComment {
		r.webComment(ct, commentSubject, chaosText, 0, 0)
		return
	}
	f, err := r.st.GetFlow(flow)
	if err != nil {
		r.t.Fatal(err)
	}
	var b stepBefore
	if i := slices.IndexFunc(f.Steps, func(s store.Step) bool { return s.Name == stepTime }); i < 0 || json.Unmarshal(f.Steps[i].Before, &b) != nil || b.TimerStart.IsZero() {
		r.t.Fatalf("the time step recorded no start before its write: %s", stepStates(f))
	}
	if _, _, err := r.web.Timers.Add(r.t.Context(), ct.id, &syncro.TimerEntryRequest{
		StartAt: &b.TimerStart, DurationMinutes: syncro.Ptr(30), ProductID: syncro.Ptr(r.tk.cfg.Labor["remote"]), Notes: notesHead(chaosText),
	}); err != nil {
		r.t.Fatal(err)
	}
	r.led.observe("web", "web")
}

// TestSyncroClock_PlacesAnAnswerWithoutADate: an answer's Date is
// Syncro's clock, and shows how far it is from the bot's; an answer
// without one (or with one that does not parse) is placed by the bot's
// clock and the offset the last Date showed, never left unknown.
func TestSyncroClock_PlacesAnAnswerWithoutADate(t *testing.T) {
	t.Parallel()
	bot := syncrotest.SeedNow
	answer := func(date string) *syncro.Response {
		h := http.Header{}
		if date != "" {
			h.Set("Date", date)
		}
		return &syncro.Response{Response: &http.Response{Header: h}}
	}
	var k syncroClock
	if got := k.answered(answer(""), bot); !got.Equal(bot) {
		t.Errorf("no Date seen yet: %v, want the bot's clock %v", got, bot)
	}
	ahead := bot.Add(3 * time.Hour)
	if got := k.answered(answer(ahead.UTC().Format(http.TimeFormat)), bot); !got.Equal(ahead) {
		t.Errorf("with a Date: %v, want it, %v", got, ahead)
	}
	later := bot.Add(time.Minute)
	for _, date := range []string{"", "yesterday-ish"} {
		if got := k.answered(answer(date), later); !got.Equal(later.Add(3 * time.Hour)) {
			t.Errorf("Date %q after one 3 h ahead: %v, want %v", date, got, later.Add(3*time.Hour))
		}
	}
}
