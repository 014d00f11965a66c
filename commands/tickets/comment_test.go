package tickets

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// commentBody decodes the JSON body of the POST …/comment in reqs.
func commentBody(t *testing.T, reqs []testRequest) map[string]any {
	t.Helper()
	for _, r := range reqs {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/comment") {
			var m map[string]any
			if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatal("no comment was posted")
	return nil
}

type testRequest = syncrotest.Request

// Every comment first reads the ticket's comments (the comments before),
// so a read-back can tell it from an identical one.
func TestComment_Table(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Checked the sync client logs. ", 100) // 3,000 characters
	for _, tc := range []struct {
		name, text  string
		wantCalls   int
		wantReply   string
		wantBody    string
		wantHidden  bool
		wantNoEmail bool
		wantMinutes int
		wantProduct int64
	}{
		{name: "without time", text: "comment 32150 Restarted the sync client.", wantCalls: 3,
			wantReply: "Comment added to #32150 (Syncro emails it to the customer).", wantBody: "Restarted the sync client."},
		// With time, for a tech already matched: find, the comments
		// before, comment, the ticket's timers before, timer_entry in the
		// tech's name; the labor product's name was read at start
		// (Deps.Account).
		{name: "with time", text: "comment 32150 --time 45m Restarted the sync client.", wantCalls: 5,
			wantReply: "Comment added to #32150 (Syncro emails it to the customer). 45 min logged as Labor - Remote Business.",
			wantBody:  "Restarted the sync client.", wantMinutes: 45, wantProduct: syncrotest.ProductLaborRemote},
		{name: "labor onsite", text: "comment 32150 --time 1h30m --labor onsite --no-email Swapped the switch.", wantCalls: 5,
			wantReply: "Comment added to #32150 (not emailed). 90 min logged as Labor - Onsite Business.",
			wantBody:  "Swapped the switch.", wantNoEmail: true, wantMinutes: 90, wantProduct: syncrotest.ProductLaborOnsite},
		{name: "hidden implies no email", text: "comment 32150 --hidden Password is in the vault.", wantCalls: 3,
			wantReply: "Comment added to #32150 (hidden from the customer).", wantBody: "Password is in the vault.", wantHidden: true, wantNoEmail: true},
		{name: "3000 characters", text: "comment 32150 --no-email " + long, wantCalls: 3,
			wantReply: "Comment added to #32150 (not emailed).", wantBody: strings.TrimSpace(long), wantNoEmail: true},
		{name: "emoji and RTL", text: "comment 32150 --no-email 🎉 fixed — תוקן בהצלחה 👍🏽", wantCalls: 3,
			wantReply: "Comment added to #32150 (not emailed).", wantBody: "🎉 fixed — תוקן בהצלחה 👍🏽", wantNoEmail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newWriteFixture(t)
			f.matchedDana(t)
			own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
			before := len(f.Srv.Comments(own.ID))
			timersBefore := len(f.Srv.Timers(own.ID))
			r, reqs := f.Slash(t, tc.text)
			if r.Text != tc.wantReply {
				t.Errorf("reply = %q\nwant    %q", r.Text, tc.wantReply)
			}
			if len(reqs) != tc.wantCalls {
				t.Errorf("%d Syncro calls, want %d:%s", len(reqs), tc.wantCalls, commandstest.ReqLines(reqs))
			}
			body := commentBody(t, reqs)
			if body["subject"] != commentSubject || body["hidden"] != tc.wantHidden || body["do_not_email"] != tc.wantNoEmail {
				t.Errorf("wire: subject %v hidden %v do_not_email %v", body["subject"], body["hidden"], body["do_not_email"])
			}
			cs := f.Srv.Comments(own.ID)
			if len(cs) != before+1 || cs[len(cs)-1].Body != tc.wantBody {
				t.Fatalf("comments %d → %d; last body %q", before, len(cs), cs[len(cs)-1].Body)
			}
			timers := f.Srv.Timers(own.ID)
			if tc.wantMinutes == 0 {
				if len(timers) != timersBefore || body["minutes_spent"] != nil {
					t.Errorf("time logged without --time: %d timers, minutes_spent %v", len(timers), body["minutes_spent"])
				}
				return
			}
			// A comment cannot name its user: the time is never on it.
			if body["minutes_spent"] != nil || body["product_id"] != nil || body["tech"] != "Dana Whitfield" {
				t.Errorf("comment on the wire: %v", body)
			}
			if len(timers) != timersBefore+1 {
				t.Fatalf("timers %d → %d", timersBefore, len(timers))
			}
			last := timers[len(timers)-1]
			if last.Minutes() != tc.wantMinutes || last.ProductID != tc.wantProduct || last.UserID != syncrotest.UserDana || last.Recorded {
				t.Errorf("timer = %+v", last)
			}
		})
	}
}

func TestComment_RejectedBeforeAnythingIsSent(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	for _, tc := range []struct{ text, want string }{
		{"comment 32150 --time 45m --labor remotee Fixed.", "Did you mean `remote`? Valid kinds: emergency, internal, onsite, project, remote, travel, website."},
		{"comment 32150 --time 100h Fixed.", "more than 24 hours"},
		{"comment 32150 --time 0 Fixed.", "more than 0 minutes"},
		{"comment 32150 --labor onsite Fixed.", "`--labor` only says what kind of time"},
	} {
		r, reqs := f.Slash(t, tc.text)
		if !strings.Contains(r.Text, tc.want) {
			t.Errorf("%s: reply %q, want it to contain %q", tc.text, r.Text, tc.want)
		}
		if len(reqs) != 0 {
			t.Errorf("%s: %d Syncro calls, want none:%s", tc.text, len(reqs), commandstest.ReqLines(reqs))
		}
	}
}

// Time is a timer entry in the tech's name whether or not the account
// logs time from comments: the comment never carries it, so no account's
// rule can credit it to the API key's user.
func TestComment_TimeIsATimerEntryOnEveryAccount(t *testing.T) {
	t.Parallel()
	for _, mode := range []syncrotest.TimeMode{syncrotest.TimeIgnoredOnComments, syncrotest.TimeFromComments} {
		f := newWriteFixture(t, syncrotest.WithTimeMode(mode))
		f.matchedDana(t)
		own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
		timersBefore := len(f.Srv.Timers(own.ID))
		for _, text := range []string{"comment 32150 --time 45m Restarted the sync client.\nSecond line.", "comment 32150 --time 30m --labor onsite Onsite follow-up."} {
			r, reqs := f.Slash(t, text)
			if !strings.HasPrefix(r.Text, "Comment added to #32150 (Syncro emails it to the customer). ") || !strings.Contains(r.Text, " min logged as Labor - ") {
				t.Errorf("mode %v: reply = %q", mode, r.Text)
			}
			// find, the comments before, comment, the ticket's timers
			// before, timer_entry; the labor's name was read at start.
			if len(reqs) != 5 || commandstest.CountReqs(reqs, "POST", "/timer_entry") != 1 || commandstest.CountReqs(reqs, "GET", "/tickets/"+strconv.FormatInt(own.ID, 10)) != 1 {
				t.Errorf("mode %v: %d calls:%s", mode, len(reqs), commandstest.ReqLines(reqs))
			}
			if body := commentBody(t, reqs); body["minutes_spent"] != nil || body["product_id"] != nil {
				t.Errorf("mode %v: the comment sent time fields: %v", mode, body)
			}
		}
		timers := f.Srv.Timers(own.ID)
		if len(timers) != timersBefore+2 {
			t.Fatalf("mode %v: timers %d → %d", mode, timersBefore, len(timers))
		}
		for _, tm := range timers[timersBefore:] {
			if tm.UserID != syncrotest.UserDana || tm.CommentID != 0 {
				t.Errorf("mode %v: timer = %+v, want Dana's, not the comment's", mode, tm)
			}
		}
		if tm := timers[timersBefore]; tm.Minutes() != 45 || tm.ProductID != syncrotest.ProductLaborRemote || tm.Notes != "Restarted the sync client." {
			t.Errorf("mode %v: timer = %+v", mode, tm)
		}
	}
}

// The labor names read at start cost a comment with time no call.
func TestComment_LaborNameReadAtStartCostsNoCall(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	f.matchedDana(t)
	for _, text := range []string{"comment 32150 --time 45m Done.", "comment 32150 --time 15m --labor onsite Done again."} {
		r, reqs := f.Slash(t, text)
		if len(reqs) != 5 || commandstest.CountReqs(reqs, "GET", "/products/") != 0 || !strings.Contains(r.Text, "logged as Labor - ") {
			t.Errorf("%s: %q, %d calls:%s", text, r.Text, len(reqs), commandstest.ReqLines(reqs))
		}
	}
}

// A bot that could not read the labor names at start (Syncro was down)
// looks one up the first time a reply names it, once.
func TestComment_LaborNameUnreadAtStartIsFetchedOnce(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return syncrotest.SeedNow }
	srv := syncrotest.NewServer(t, syncrotest.WithClock(now))
	client, err := syncro.NewClient(syncro.Config{BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newCommands(t, commands.Deps{Syncro: client, Now: now}) // the account is never read
	slash := func(text string) (commands.Reply, []syncrotest.Request) {
		srv.ResetLog()
		return c.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: text}), srv.Requests()
	}
	// The first also matches Dana by her email (GET /users, then hers).
	_, reqs := slash("comment 32150 --time 45m Done.")
	if len(reqs) != 8 || commandstest.CountReqs(reqs, "GET", "/products/1190473") != 1 {
		t.Errorf("first: %d calls:%s", len(reqs), commandstest.ReqLines(reqs))
	}
	r, reqs := slash("comment 32150 --time 15m Done again.")
	if len(reqs) != 5 || !strings.HasSuffix(r.Text, "15 min logged as Labor - Remote Business.") {
		t.Errorf("second: %q, %d calls:%s", r.Text, len(reqs), commandstest.ReqLines(reqs))
	}
}

func TestComment_CommitThenFailIsReadBackNotRepeated(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	before := len(f.Srv.Comments(own.ID))
	f.Srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultCommitThenFail)
	r, _ := f.Slash(t, "comment 32150 --time 20m Landed anyway.")
	if !strings.HasPrefix(r.Text, "Comment added to #32150") || !strings.HasSuffix(r.Text, "20 min logged as Labor - Remote Business.") {
		t.Errorf("reply = %q", r.Text)
	}
	if n := len(f.Srv.Comments(own.ID)); n != before+1 {
		t.Errorf("comments %d → %d, want exactly one more", before, n)
	}
}

func TestComment_ServerErrorIsReadBackAndReported(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	before := len(f.Srv.Comments(own.ID))
	f.Srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultServerError)
	r, reqs := f.Slash(t, "comment 32150 Lost?")
	if !strings.HasPrefix(r.Text, "Sorry, I couldn't add the comment to #32150.") {
		t.Errorf("reply = %q", r.Text)
	}
	if commandstest.CountReqs(reqs, "POST", "/comment") != 1 || commandstest.CountReqs(reqs, "GET", "/comments") != 2 {
		t.Errorf("want the comments before, one POST and one read-back:%s", commandstest.ReqLines(reqs))
	}
	if n := len(f.Srv.Comments(own.ID)); n != before {
		t.Errorf("comments %d → %d", before, n)
	}
}

func TestComment_ReplyGolden(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	r, _ := f.Slash(t, "comment 32150 --time 45m --no-email Restarted the sync client.")
	commandstest.Golden(t, "comment_reply.golden", writeReplyJSON(t, r))
}
