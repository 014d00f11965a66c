package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The edges of "Whose time it is" (README): one Syncro user is one Slack
// user's, whoever takes it (a pick, whois) and however many at once, and
// no time goes to a Syncro user the account no longer has.

// Two of e2eTechs, matched by their Slack emails.
const (
	e2eMarcus = "U0MARCUSO"
	e2eTom    = "U0TOMBECK"
)

// pickAction is the one-time question's menu set to Syncro user id.
func pickAction(id int64, name string) slackfake.Action {
	return slackfake.Action{Type: "static_select", ActionID: tickets.ActionTechPick, BlockID: "tech_question",
		SelectedOption: &slackfake.SelectOption{Text: name, Value: itoa64(id)}}
}

// whoisShows is what `whois USER` shows Dana (an admin: ADMIN_USERS is
// empty), the match the store holds as a person sees it.
func (b *e2eBot) whoisShows(ctx context.Context, t *testing.T, slackUser string) string {
	t.Helper()
	seen := len(b.f.Ephemerals(e2eUser))
	b.slash(ctx, t, "whois "+slackUser)
	return b.waitReply(ctx, t, seen, slackUser).Text
}

// logMinutes has user log minutes on ticket n with note, and waits until
// they are told it was logged.
func (b *e2eBot) logMinutes(ctx context.Context, t *testing.T, user, n string, minutes int, note string) {
	t.Helper()
	seen := len(b.f.Ephemerals(user))
	b.slashAs(ctx, t, user, fmt.Sprintf("comment %s --time %dm %s", n, minutes, note))
	b.waitReplyTo(ctx, t, user, seen, fmt.Sprintf("%d min logged", minutes))
}

// TestE2E_ConcurrentPicksOfOneSyncroUserExactlyOneWins: six techs whose
// emails are no Syncro user's pick Tom Becker at the same moment (their
// picks' reads of the users are held and let go together, so every
// "is it free?" comes before any save). Exactly one is told it is theirs;
// each other is told who holds it and what to do. The store holds the
// one (whois), the winner's next entry is Tom's, and the others are asked
// again with nothing of theirs in Syncro.
func TestE2E_ConcurrentPicksOfOneSyncroUserExactlyOneWins(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := whoseFakes(t)
	var techs []string
	for i := range 6 {
		id := fmt.Sprintf("U0CONTR%02d", i)
		fx.f.AddUser(slackfake.User{ID: id, Name: fmt.Sprintf("contractor%d", i), Email: fmt.Sprintf("c%d@contractor.example", i)})
		techs = append(techs, id)
	}
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	skip := len(b.srv.Timers(tk.ID))
	n := itoa64(tk.Number)

	questions := map[string]slackfake.Ephemeral{}
	for _, u := range techs {
		b.slashAs(ctx, t, u, "comment "+n+" --time 15m Work of "+u)
		questions[u] = b.waitReplyTo(ctx, t, u, 0, "matches no Syncro user", tickets.ActionTechPick, "Tom Becker")
	}
	b.srv.Fail("GET", "/users", len(techs), syncrotest.FaultHang)
	for _, u := range techs {
		go func() {
			_, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: u, ChannelID: e2eChannel,
				MessageTS: questions[u].TS, IsEphemeral: true, Actions: []slackfake.Action{pickAction(syncrotest.UserTom, "Tom Becker")}})
			if err != nil {
				t.Errorf("%s's pick: %v", u, err)
			}
		}()
	}
	if err := poll(ctx, func() bool { return b.srv.Held() == len(techs) }); err != nil {
		t.Fatalf("Syncro holds %d of the %d picks' reads: %v", b.srv.Held(), len(techs), err)
	}
	b.srv.ReleaseHangs()

	var winners []string
	for _, u := range techs {
		r := b.waitReplyTo(ctx, t, u, 1, "Tom Becker")
		if strings.Contains(r.Text, "from now on") {
			winners = append(winners, u)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d techs were told Tom Becker is theirs (%v), want exactly one", len(winners), winners)
	}
	won := winners[0]
	for _, u := range techs {
		if u == won {
			continue
		}
		r := b.f.Ephemerals(u)[1]
		if !strings.Contains(r.Text, "is already <@"+won+">'s Syncro user") || !strings.Contains(r.Text, "whois --move") {
			t.Errorf("%s was told %q; want who holds Tom Becker (<@%s>) and how an admin moves it", u, r.Text, won)
		}
		if s := b.whoisShows(ctx, t, u); !strings.Contains(s, "isn't matched to a Syncro user yet") {
			t.Errorf("whois %s = %q; the store holds a match for a tech who was refused", u, s)
		}
	}
	if s := b.whoisShows(ctx, t, won); !strings.Contains(s, "goes to Syncro as Tom Becker") {
		t.Errorf("whois %s = %q, want Tom Becker", won, s)
	}

	for _, u := range techs {
		seen := len(b.f.Ephemerals(u))
		b.slashAs(ctx, t, u, "comment "+n+" --time 15m Work of "+u)
		if u == won {
			b.waitReplyTo(ctx, t, u, seen, "15 min logged")
		} else {
			b.waitReplyTo(ctx, t, u, seen, "matches no Syncro user", tickets.ActionTechPick)
		}
	}
	timers := newTimers(b.srv, tk.ID, skip)
	if len(timers) != 1 || timers[0].UserID != syncrotest.UserTom || timers[0].Notes != "Work of "+won {
		t.Errorf("Syncro holds %+v; want one timer, %s's, as Tom (%d)", timers, won, syncrotest.UserTom)
	}
}

// TestE2E_TechWhoseSyncroUserIsGoneIsAskedAgainNotCreditedToIt: Marcus is
// matched by his email and logs time; then his Syncro user is deleted.
// The account's next hourly read of the users drops his match, and his
// next entry is the one-time question saying why, without his old user
// on the list, and nothing reaches Syncro in the deleted user's name.
func TestE2E_TechWhoseSyncroUserIsGoneIsAskedAgainNotCreditedToIt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := whoseFakes(t)
	hourly := make(chan time.Time)
	fx.clock = runClock{now: time.Now, accountTicks: hourly}
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	skip := len(b.srv.Timers(tk.ID))
	n := itoa64(tk.Number)

	b.logMinutes(ctx, t, e2eMarcus, n, 10, "Before the change")

	b.srv.RemoveUser(syncrotest.UserMarcus)
	// The refresh takes a tick only between reads: the second tick taken
	// means the hour's read, and all it tells, is over.
	for range 2 {
		select {
		case hourly <- time.Now():
		case <-ctx.Done():
			t.Fatal("the account's refresh never took the hour's tick")
		}
	}
	if s := b.whoisShows(ctx, t, e2eMarcus); !strings.Contains(s, "isn't matched to a Syncro user yet") {
		t.Errorf("after the hourly read whois shows %q; want Marcus unmatched", s)
	}

	b.slashAs(ctx, t, e2eMarcus, "comment "+n+" --time 20m After the change")
	q := b.waitReplyTo(ctx, t, e2eMarcus, 1, tickets.ActionTechPick)
	if strings.Contains(string(q.Blocks), "Marcus Oyelaran") {
		t.Error("the question offers the deleted Syncro user")
	}
	for _, tm := range newTimers(b.srv, tk.ID, skip) {
		if tm.Notes == "After the change" || tm.Minutes() == 20 {
			t.Errorf("%q (%d min) reached Syncro as user %d after Marcus's user was deleted", tm.Notes, tm.Minutes(), tm.UserID)
		}
	}
	b.clickAs(ctx, t, e2eMarcus, q, pickAction(syncrotest.UserPriya, "Priya Raman"))
	b.waitReplyTo(ctx, t, e2eMarcus, 2, "from now on")
	b.logMinutes(ctx, t, e2eMarcus, n, 20, "After the change")
	ts := newTimers(b.srv, tk.ID, skip)
	if len(ts) != 2 || ts[0].UserID != syncrotest.UserMarcus || ts[1].UserID != syncrotest.UserPriya {
		t.Errorf("Syncro holds %+v; want Marcus's 10 min before, then 20 as his new pick", ts)
	}
}

// TestE2E_WhoisRefusesATakenSyncroUserAndTheKeyOwnerAndMovesOnlyWhenTold:
// Tom is matched by his email. An admin's whois giving Tom's Syncro user
// to Kim is refused, naming Tom and how to move it; giving her the API
// key's owner is refused, --move or not. Kim's time is then still asked
// for, not credited. With --move she gets Tom's user, her next entry is
// his, and Tom is asked at his next entry instead of sharing it.
func TestE2E_WhoisRefusesATakenSyncroUserAndTheKeyOwnerAndMovesOnlyWhenTold(t *testing.T) {
	t.Parallel()
	ctx, b, tk, skip := startWhose(t)
	n := itoa64(tk.Number)

	b.logMinutes(ctx, t, e2eTom, n, 15, "Tom's own work")

	b.slash(ctx, t, "whois "+e2eKim+" Tom Becker")
	b.waitReply(ctx, t, 0, "Tom Becker (Syncro user 52377) is already <@"+e2eTom+">'s Syncro user", "nothing was changed", "whois --move "+e2eKim+" 52377")
	b.slash(ctx, t, "whois "+e2eKim+" Bayline Automation")
	b.waitReply(ctx, t, 1, "the bot's own Syncro user", "nothing was changed")
	b.slash(ctx, t, "whois --move "+e2eKim+" Bayline Automation")
	b.waitReply(ctx, t, 2, "the bot's own Syncro user", "nothing was changed")

	b.slashAs(ctx, t, e2eKim, "comment "+n+" --time 20m Kim's work")
	b.waitReplyTo(ctx, t, e2eKim, 0, "matches no Syncro user", tickets.ActionTechPick)
	for _, tm := range newTimers(b.srv, tk.ID, skip) {
		if tm.Notes == "Kim's work" {
			t.Errorf("Kim's %d min reached Syncro as user %d though whois was refused", tm.Minutes(), tm.UserID)
		}
	}

	b.slash(ctx, t, "whois --move "+e2eKim+" 52377")
	b.waitReply(ctx, t, 3, "From now on", "Tom Becker (Syncro user 52377)", "moved from <@"+e2eTom+">")
	b.logMinutes(ctx, t, e2eKim, n, 20, "Kim's work")
	b.slashAs(ctx, t, e2eTom, "comment "+n+" --time 5m Tom again")
	b.waitReplyTo(ctx, t, e2eTom, 1, "is the Syncro user of another Slack user", tickets.ActionTechPick)

	var got []string
	for _, tm := range newTimers(b.srv, tk.ID, skip) {
		got = append(got, fmt.Sprintf("%s=%d", tm.Notes, tm.UserID))
	}
	if want := fmt.Sprintf("[Tom's own work=%d Kim's work=%d]", syncrotest.UserTom, syncrotest.UserTom); fmt.Sprint(got) != want {
		t.Errorf("Syncro holds %v, want %s: Tom's before the move, Kim's after, none of Tom's after", got, want)
	}
}

// TestE2E_TechWhoseSyncroUserWasDeletedWhileTheBotWasDownIsAsked: Marcus's
// user is deleted while the bot is down. The list read at start lacks it,
// so his first entry after the restart is the question, never time in the
// deleted user's name, however the start's read and his entry interleave.
func TestE2E_TechWhoseSyncroUserWasDeletedWhileTheBotWasDownIsAsked(t *testing.T) {
	t.Parallel()
	ctx, b, tk, skip := startWhose(t)
	n := itoa64(tk.Number)
	b.logMinutes(ctx, t, e2eMarcus, n, 10, "Before the change")

	b.shutdown(t)
	b.srv.RemoveUser(syncrotest.UserMarcus)
	b = b.e2eFakes.start(ctx, t)
	b.slashAs(ctx, t, e2eMarcus, "comment "+n+" --time 20m After the change")
	b.waitReplyTo(ctx, t, e2eMarcus, 1, "Before I log time for you", tickets.ActionTechPick)
	if ts := newTimers(b.srv, tk.ID, skip); len(ts) != 1 {
		t.Errorf("Syncro holds %d of Marcus's timers, want only the one from before the deletion", len(ts))
	}
}
