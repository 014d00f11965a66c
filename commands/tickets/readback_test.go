package tickets

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
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
			f.crashAt(stepComment)
			if _, crashed := f.doCrashing(t, func() commands.Reply {
				return f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "comment 32150 --time 20m " + body, EnvelopeID: "env-busy"})
			}); !crashed {
				t.Fatal("did not crash")
			}
			f.restart(t)
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
			f.crashAt(stepComment)
			if _, crashed := f.doCrashing(t, do); !crashed {
				t.Fatal("did not crash")
			}
			f.restart(t)
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
