package tickets

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The read-back tests: a write whose outcome is unclear (a 500, a crash
// right after it, a restart days later) is settled by reading Syncro back,
// and the read-back must take only what this write added. Each test checks
// what Syncro holds against what the replies told the techs.

// timeModes are the two ways an account logs time (docs/syncro-api.md §4.2).
var timeModes = []struct {
	name string
	mode syncrotest.TimeMode
}{
	{"comment-time", syncrotest.TimeFromComments},
	{"timer-entry", syncrotest.TimeIgnoredOnComments},
}

var loggedMinutes = regexp.MustCompile(`(\d+) min logged`)

// claimedMinutes is what a reply says was logged: "30 min logged" → 30.
func claimedMinutes(r commands.Reply) int {
	m := loggedMinutes.FindStringSubmatch(r.Text)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// settle presses Finish while the reply offers it, as a tech would.
func (f *storeFixture) settle(t *testing.T, r commands.Reply) commands.Reply {
	t.Helper()
	for i := 0; i < 3 && finishButton(r) != ""; i++ {
		r = f.finish(t, finishButton(r), fmt.Sprint("ts-settle-", i))
	}
	return r
}

// crashAndRestart runs do with the bot killed right after step's Syncro
// write (before it records it), then restarts the bot.
func (f *storeFixture) crashAndRestart(t *testing.T, step string, do func() commands.Reply) {
	t.Helper()
	f.crashAt(step)
	if _, crashed := f.doCrashing(t, do); !crashed {
		t.Fatal("did not crash")
	}
	f.restart(t)
}

// finishPending finishes every unfinished flow on a ticket (by Syncro id),
// as the techs would after a restart, and returns the replies.
func (f *storeFixture) finishPending(t *testing.T, ticketID int64) []commands.Reply {
	t.Helper()
	var out []commands.Reply
	for i, fl := range f.pendingFlows(t, ticketID) {
		out = append(out, f.settle(t, f.finish(t, fl.ID, fmt.Sprint("ts-pending-", i))))
	}
	return out
}

// syncroHolds is what one ticket holds now: its comments with a text and
// its timers' minutes.
func (f *storeFixture) syncroHolds(t *testing.T, ticketID int64, subject, body string) (comments, minutes int) {
	t.Helper()
	comments = countComments(f.Srv.Comments(ticketID), subject, body)
	for _, tm := range f.Srv.Timers(ticketID) {
		minutes += tm.Minutes()
	}
	return comments, minutes
}

// sameTextEntry is one way two techs write the same text with time.
type sameTextEntry struct {
	name          string
	subject, body string
	// do runs the i-th entry (a new form or envelope each time).
	do func(t *testing.T, f *storeFixture, i int) commands.Reply
}

func sameTextEntries(number int64) []sameTextEntry {
	// The i-th entry's tech: Dana first, then Marcus (the same tech typing
	// it again is asked first: retype_test.go).
	tech := func(i int) commands.Actor {
		if i == 1 {
			return commandstest.Dana
		}
		return marcus
	}
	return []sameTextEntry{
		{"log time form without notes", logTimeSubject, "Logged 30 min.", func(t *testing.T, f *storeFixture, i int) commands.Reply {
			v := f.tk.logTimeModal(f.Ticket(t, number).ID, number, "C0TECHS").Modal
			s := form(v, fmt.Sprint("V-same-", i), typed(commands.BlockMinutes, "30"), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, ""))
			s.Actor = tech(i)
			return f.C.Submit(t.Context(), s)
		}},
		{"slash comment typed twice", commentSubject, "Rebooted the router.", func(t *testing.T, f *storeFixture, i int) commands.Reply {
			return f.C.Slash(t.Context(), commands.Request{Actor: tech(i), ChannelID: "C0TECHS",
				Text: fmt.Sprintf("comment %d --time 30m Rebooted the router.", number), EnvelopeID: fmt.Sprint("env-same-", i)})
		}},
	}
}

// sameTextTwice has two techs make the same entry on one ticket (each way
// of sameTextEntries), the second meeting a 500 on POST path that wrote
// nothing, either right away or with the bot dying right after that step
// and the flow finished after a restart; check gets what Syncro holds new
// and the replies.
func sameTextTwice(t *testing.T, mode syncrotest.TimeMode, path, step string, check func(t *testing.T, newComments, newMinutes int, replies []commands.Reply)) {
	const number = syncrotest.SeedTicketOwnCloud
	for _, e := range sameTextEntries(number) {
		for _, crash := range []bool{false, true} {
			name := e.name
			if crash {
				name += "/crash"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := newStoreFixture(t, syncrotest.WithTimeMode(mode))
				id := f.Ticket(t, number).ID
				comments0, minutes0 := f.syncroHolds(t, id, e.subject, e.body)
				replies := []commands.Reply{e.do(t, f, 1)}
				f.Srv.Fail("POST", path, 1, syncrotest.FaultServerError)
				if crash {
					f.crashAndRestart(t, step, func() commands.Reply { return e.do(t, f, 2) })
					replies = append(replies, f.finishPending(t, id)...)
				} else {
					replies = append(replies, f.settle(t, e.do(t, f, 2)))
				}
				comments, minutes := f.syncroHolds(t, id, e.subject, e.body)
				check(t, comments-comments0, minutes-minutes0, replies)
			})
		}
	}
}

// saidMinutes is what the replies say was logged, in all.
func saidMinutes(replies []commands.Reply) int {
	n := 0
	for _, r := range replies {
		n += claimedMinutes(r)
	}
	return n
}

// TestReadBack_SameTextIsNotTakenForAnEarlierComment: two techs log 30 min
// with the same text; the second POST /comment answers 500 having written
// nothing. Its read-back must not take the first tech's comment for its
// own — in either time mode, right away or when finished after a restart —
// and no reply may claim minutes Syncro does not hold.
func TestReadBack_SameTextIsNotTakenForAnEarlierComment(t *testing.T) {
	t.Parallel()
	for _, tm := range timeModes {
		t.Run(tm.name, func(t *testing.T) {
			t.Parallel()
			sameTextTwice(t, tm.mode, "/tickets/*/comment", stepComment, func(t *testing.T, comments, minutes int, replies []commands.Reply) {
				if said := saidMinutes(replies); minutes != said || comments != said/30 {
					t.Errorf("Syncro holds %d new comments and %d new minutes, the replies say %d min (one comment per 30):\n%s", comments, minutes, said, replyTexts(replies))
				}
			})
		})
	}
}

// TestReadBack_TimerTiedToACommentMustHoldItsMinutes: while a flow's
// comment is in doubt, a tech posts the same text in the web UI with other
// minutes. Whichever comment the read-back settles on, the timer Syncro
// tied to it holds 45 min, not the flow's 30: it is not the flow's time.
func TestReadBack_TimerTiedToACommentMustHoldItsMinutes(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	id := f.Ticket(t, syncrotest.SeedTicketOwnCloud).ID
	const body = "Rebooted the router."
	_, minutes0 := f.syncroHolds(t, id, commentSubject, body)
	f.Srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultServerError)
	f.crashAndRestart(t, stepComment, func() commands.Reply {
		return f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "comment 32150 --time 30m " + body, EnvelopeID: "env-tied"})
	})
	// The web UI's comment form, with 45 min.
	if _, _, err := f.client.Tickets.PostComment(t.Context(), id, &syncro.CommentRequest{Subject: commentSubject, Body: body,
		ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), MinutesSpent: syncro.Ptr(45)}); err != nil {
		t.Fatal(err)
	}
	replies := f.finishPending(t, id)
	_, minutes := f.syncroHolds(t, id, commentSubject, body)
	// The web UI showed its tech 45 min.
	if said := 45 + saidMinutes(replies); minutes-minutes0 != said {
		t.Errorf("Syncro holds %d new minutes, the techs were told %d:\n%s", minutes-minutes0, said, replyTexts(replies))
	}
}

// TestReadBack_TimerEntryDoesNotAdoptAnEarlierFlowsTimer: on the
// timer-entry path two techs log 30 min (remote) on one ticket; the second
// POST timer_entry answers 500 having written nothing. Its read-back must
// not take the first tech's timer for its own, right away or when finished
// after a restart.
func TestReadBack_TimerEntryDoesNotAdoptAnEarlierFlowsTimer(t *testing.T) {
	t.Parallel()
	sameTextTwice(t, syncrotest.TimeIgnoredOnComments, "/tickets/*/timer_entry", stepTime, func(t *testing.T, _, minutes int, replies []commands.Reply) {
		if said := saidMinutes(replies); minutes != said {
			t.Errorf("Syncro holds %d new minutes, the replies say %d:\n%s", minutes, said, replyTexts(replies))
		}
	})
}

// TestReadBack_WebUITimerIsNeverTakenForTheBots: a flow's timer entry is
// in doubt when the bot dies; meanwhile another tech logs 30 min of the
// same labor in the web UI, untied to any comment: with other notes at
// another time, or with the very notes and start the bot's entry has.
// Finish must not take that timer for the flow's, whether the bot's entry
// landed (the POST committed, then failed) or not.
func TestReadBack_WebUITimerIsNeverTakenForTheBots(t *testing.T) {
	t.Parallel()
	const text = "Rebooted the router."
	for _, fault := range []syncrotest.Fault{syncrotest.FaultServerError, syncrotest.FaultCommitThenFail} {
		for _, web := range []struct {
			name  string
			notes string
			start time.Time
		}{
			{"other notes and start", "Phone support", syncrotest.SeedNow.Add(-45 * time.Minute)},
			// The bot posts start_at now less the minutes (stepBefore.TimerStart).
			{"same notes and start", text, syncrotest.SeedNow.Add(-30 * time.Minute)},
		} {
			t.Run(fault.String()+"/"+web.name, func(t *testing.T) {
				t.Parallel()
				f := newStoreFixture(t, syncrotest.WithTimeMode(syncrotest.TimeIgnoredOnComments))
				f.Slash(t, "comment 32150 --time 10m Learns the timer path.")
				id := f.Ticket(t, syncrotest.SeedTicketOwnCloud).ID
				_, minutes0 := f.syncroHolds(t, id, "", "")
				f.Srv.Fail("POST", "/tickets/*/timer_entry", 1, fault)
				f.crashAndRestart(t, stepTime, func() commands.Reply {
					return f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "comment 32150 --time 30m " + text, EnvelopeID: "env-web"})
				})
				// The web UI's "add time", by another tech.
				webTimer, _, err := f.client.Timers.Add(t.Context(), id, &syncro.TimerEntryRequest{StartAt: &web.start, DurationMinutes: syncro.Ptr(30),
					ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), Notes: web.notes, UserID: syncro.Ptr(syncrotest.UserMarcus)})
				if err != nil {
					t.Fatal(err)
				}
				replies := f.finishPending(t, id)
				_, minutes := f.syncroHolds(t, id, "", "")
				// The web UI showed its tech 30 min.
				if said := 30 + saidMinutes(replies); minutes-minutes0 != said {
					t.Errorf("Syncro holds %d new minutes, the techs were told %d:\n%s", minutes-minutes0, said, replyTexts(replies))
				}
				if f.ownedTimers(t, id)[webTimer.ID] {
					t.Errorf("the bot took the web UI's timer %d for its own; replies:\n%s", webTimer.ID, replyTexts(replies))
				}
			})
		}
	}
}

// ownedTimers is the timers the ticket's flows recorded as theirs.
func (f *storeFixture) ownedTimers(t *testing.T, ticketID int64) map[int64]bool {
	t.Helper()
	fr := &flowRun{st: f.st, p: flowParams{TicketID: ticketID}}
	return fr.ownedByOthers().timers
}

// TestReadBack_StepInDoubtIsReadBackAfterTheClaimExpired: the bot dies
// right after a bill step's write and Finish comes more than a week later,
// when the step's claim has expired (or was lost): the flow itself says
// the step is in doubt, so it is read back, not written again.
func TestReadBack_StepInDoubtIsReadBackAfterTheClaimExpired(t *testing.T) {
	t.Parallel()
	for _, tm := range timeModes {
		for _, step := range []string{stepComment, stepTime, stepCharge, stepInvoice, stepStatus} {
			for _, lost := range []string{"swept", "lost"} {
				t.Run(tm.name+"/"+step+"/"+lost, func(t *testing.T) {
					t.Parallel()
					f := newStoreFixture(t, syncrotest.WithTimeMode(tm.mode))
					id := f.Ticket(t, syncrotest.SeedTicketNAS).ID
					before := f.billState(t, syncrotest.SeedTicketNAS)
					s := f.billForm(t, syncrotest.SeedTicketNAS, "V1", "50")
					f.crashAndRestart(t, step, func() commands.Reply { return f.C.Submit(t.Context(), s) })
					if lost == "swept" {
						if _, err := f.st.Sweep(time.Now().Add(store.ClaimTTL + 24*time.Hour)); err != nil {
							t.Fatal(err)
						}
					} else {
						f.crash.forgetClaims()
					}
					replies := f.finishPending(t, id)
					after := f.billState(t, syncrotest.SeedTicketNAS)
					if after.minutes-before.minutes != 50 || after.comments-before.comments != 1 || after.invoices != 1 || after.status != "Invoiced" {
						t.Errorf("before %+v after %+v; replies:\n%s", before, after, replyTexts(replies))
					}
				})
			}
		}
	}
}

// TestReadBack_SessionLogIsWrittenOnceAcrossACrash: the bot dies right
// after a close's session log is filed, before it records that; Finish
// after the restart finds the file, and neither writes a second one (-2)
// nor says another path.
func TestReadBack_SessionLogIsWrittenOnceAcrossACrash(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	v := f.OpenModal(t, "close 32150")
	s := form(v, "V-log", typed(commands.BlockResolution, "Re-linked the account."), ticked(commands.BlockCloseOptions, commands.CloseOptionSessionLog))
	f.crashAndRestart(t, stepSessionLog, func() commands.Reply { return f.C.Submit(t.Context(), s) })
	replies := f.finishPending(t, f.Ticket(t, syncrotest.SeedTicketOwnCloud).ID)
	logs, err := filepath.Glob(filepath.Join(f.Logs, "clients", "*", "session-logs", "*-ticket-32150*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 {
		t.Fatalf("session logs %q, want one; replies:\n%s", logs, replyTexts(replies))
	}
	rel, _ := filepath.Rel(f.Logs, logs[0])
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "Session log: `"+filepath.ToSlash(rel)+"`.") {
		t.Errorf("replies:\n%s", replyTexts(replies))
	}
}

// TestReadBack_CommentOnABusyTicketIsFoundPastThePage: a comment that
// landed just before a crash is read back when Finish runs after more than
// a page of newer comments arrived; it is found, not posted again.
func TestReadBack_CommentOnABusyTicketIsFoundPastThePage(t *testing.T) {
	t.Parallel()
	for _, tm := range timeModes {
		t.Run(tm.name, func(t *testing.T) {
			t.Parallel()
			f := newStoreFixture(t, syncrotest.WithTimeMode(tm.mode))
			id := f.Ticket(t, syncrotest.SeedTicketOwnCloud).ID
			const body = "Checked the logs."
			comments0, minutes0 := f.syncroHolds(t, id, commentSubject, body)
			f.crashAndRestart(t, stepComment, func() commands.Reply {
				return f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "comment 32150 --time 20m " + body, EnvelopeID: "env-busy"})
			})
			// The customer and the web UI keep the ticket busy meanwhile.
			for i := range syncrotest.MaxPerPage + 20 {
				if _, err := f.Srv.AddComment(syncrotest.Comment{TicketID: id, Subject: "Reply", Body: fmt.Sprint("Still broken? ", i),
					CreatedAt: syncrotest.SeedNow.Add(time.Minute + time.Duration(i)*time.Second)}); err != nil {
					t.Fatal(err)
				}
			}
			replies := f.finishPending(t, id)
			comments, minutes := f.syncroHolds(t, id, commentSubject, body)
			if comments-comments0 != 1 || minutes-minutes0 != 20 {
				t.Errorf("Syncro holds %d new comments and %d new minutes, want 1 and 20; replies:\n%s", comments-comments0, minutes-minutes0, replyTexts(replies))
			}
			if len(replies) != 1 || claimedMinutes(replies[0]) != 20 {
				t.Errorf("replies:\n%s", replyTexts(replies))
			}
		})
	}
}

// TestReadBack_UnknownOutcomeNeverSaysNothingWasSaved: when a write's
// outcome is unknown and the read-back fails too, the reply says so and
// offers Finish; it never claims that nothing was saved (or billed).
func TestReadBack_UnknownOutcomeNeverSaysNothingWasSaved(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"comment", "log time", "bill"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newStoreFixture(t)
			id := f.Ticket(t, syncrotest.SeedTicketNAS).ID
			comments0 := len(f.Srv.Comments(id))
			do := map[string]func() commands.Reply{
				"comment": func() commands.Reply {
					return f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "comment 32145 --time 20m Swapped a disk.", EnvelopeID: "env-unknown"})
				},
				"log time": func() commands.Reply {
					v := f.tk.logTimeModal(id, syncrotest.SeedTicketNAS, "C0TECHS").Modal
					return f.C.Submit(t.Context(), form(v, "V-unknown", typed(commands.BlockMinutes, "20"), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, "Swapped a disk.")))
				},
				"bill": func() commands.Reply {
					return f.C.Submit(t.Context(), f.billForm(t, syncrotest.SeedTicketNAS, "V-unknown", "20"))
				},
			}[kind]
			f.crashAndRestart(t, stepComment, do)
			f.Srv.Fail("GET", "/tickets/*/comments", 10, syncrotest.FaultServerError)
			pending := f.pendingFlows(t, id)
			if len(pending) != 1 {
				t.Fatalf("%d pending flows, want 1", len(pending))
			}
			r := f.finish(t, pending[0].ID, "ts-unknown")
			if strings.Contains(r.Text, "Nothing was") || strings.Contains(r.Text, "NOT added") {
				t.Errorf("the comment landed, but the reply says %q", r.Text)
			}
			if !strings.Contains(r.Text, "didn't confirm") || finishButton(r) == "" {
				t.Errorf("reply %q should say the outcome is unknown and offer Finish", r.Text)
			}
			f.Srv.ClearFaults()
			r = f.settle(t, r)
			if n := len(f.Srv.Comments(id)) - comments0; n != 1 || claimedMinutes(r) != 20 {
				t.Errorf("%d new comments; final reply %q", n, r.Text)
			}
		})
	}
}

func replyTexts(rs []commands.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %q\n", r.Text)
	}
	return b.String()
}

// TestWriteUntil_BoundsByTheWorksTimeOnSyncrosClock: a read-back's upper
// bound is Syncro's Date plus a second (the header's rounding), the
// write's window (the work's time left, at most maxWriteWindow) and
// Syncro's lag in applying what it received (an answer without a Date
// is placed by syncroClock).
func TestWriteUntil_BoundsByTheWorksTimeOnSyncrosClock(t *testing.T) {
	t.Parallel()
	answered := syncrotest.SeedNow.Add(-3 * time.Minute)
	short, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	long, cancel2 := context.WithTimeout(t.Context(), time.Hour)
	defer cancel2()
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		answered time.Time
		min, max time.Duration // of Until less answered
	}{
		{"no deadline", t.Context(), answered, time.Second + maxWriteWindow + syncroLag, time.Second + maxWriteWindow + syncroLag},
		{"2 min left", short, answered, time.Second + time.Minute + syncroLag, time.Second + 2*time.Minute + syncroLag},
		{"an hour left", long, answered, time.Second + maxWriteWindow + syncroLag, time.Second + maxWriteWindow + syncroLag},
	} {
		got := writeUntil(tc.ctx, tc.answered)
		if d := got.Sub(tc.answered); d < tc.min || d > tc.max {
			t.Errorf("%s: Until = Date + %v, want %v..%v", tc.name, d, tc.min, tc.max)
		}
	}
}
