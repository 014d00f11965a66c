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

// Fresh eyes on the edges of "Whose time it is" (README): each test here
// tries to get a minute credited to the wrong Syncro user, or a person
// told a match the store doesn't hold.

// startWhoseHourly is startWhose with the account's hourly refresh run
// by hour, which returns once that hour's read, and all it tells, is over
// (the refresh takes a tick only between reads, so the second tick taken
// means the first's read is done).
func startWhoseHourly(t *testing.T) (ctx context.Context, b *e2eBot, tk syncrotest.Ticket, skip int, hour func()) {
	t.Helper()
	ctx = testContext(t)
	fx := whoseFakes(t)
	hourly := make(chan time.Time)
	fx.clock = runClock{now: time.Now, accountTicks: hourly}
	b = fx.start(ctx, t)
	tk = ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	hour = func() {
		t.Helper()
		for range 2 {
			select {
			case hourly <- time.Now():
			case <-ctx.Done():
				t.Fatal("the account's refresh never took the hour's tick")
			}
		}
	}
	return ctx, b, tk, len(b.srv.Timers(tk.ID)), hour
}

// TestE2E_Break20c_PickDoubleClickedWithTwoUsersTellsOneMatch: Kim, whom
// no Syncro user's email matches, changes the one-time question's menu
// twice in a row (Priya, then Tom) before either answer comes: both picks'
// reads of the users are held and let go together. She must be told at
// most one "from now on", the one the store holds, and her next entry
// must go to the user she was told.
func TestE2E_Break20c_PickDoubleClickedWithTwoUsersTellsOneMatch(t *testing.T) {
	t.Parallel()
	ctx, b, tk, skip := startWhose(t)
	n := itoa64(tk.Number)

	b.slashAs(ctx, t, e2eKim, "comment "+n+" --time 15m Kim's work")
	q := b.waitReplyTo(ctx, t, e2eKim, 0, "matches no Syncro user", tickets.ActionTechPick)

	b.srv.Fail("GET", "/users", 2, syncrotest.FaultHang)
	for _, p := range []struct {
		id   int64
		name string
	}{{syncrotest.UserPriya, "Priya Raman"}, {syncrotest.UserTom, "Tom Becker"}} {
		go func() {
			_, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eKim, ChannelID: e2eChannel,
				MessageTS: q.TS, IsEphemeral: true, Actions: []slackfake.Action{pickAction(p.id, p.name)}})
			if err != nil {
				t.Errorf("Kim's pick of %s: %v", p.name, err)
			}
		}()
	}
	if err := poll(ctx, func() bool { return b.srv.Held() == 2 }); err != nil {
		t.Fatalf("Syncro holds %d of the 2 picks' reads: %v", b.srv.Held(), err)
	}
	b.srv.ReleaseHangs()
	b.waitReplyTo(ctx, t, e2eKim, 2, "")

	var told []string
	for _, r := range b.f.Ephemerals(e2eKim)[1:] {
		if strings.Contains(r.Text, "from now on") {
			told = append(told, r.Text)
		}
	}
	if len(told) != 1 {
		t.Errorf("Kim was told %d times that her time goes to a Syncro user from now on (%q); want once, naming the one the store holds", len(told), told)
	}
	held := b.whoisShows(ctx, t, e2eKim)
	b.logMinutes(ctx, t, e2eKim, n, 15, "Kim's work")
	ts := newTimers(b.srv, tk.ID, skip)
	if len(ts) != 1 {
		t.Fatalf("Syncro holds %d of Kim's timers, want 1", len(ts))
	}
	for _, s := range told {
		for _, u := range []struct {
			id   int64
			name string
		}{{syncrotest.UserPriya, "Priya Raman"}, {syncrotest.UserTom, "Tom Becker"}} {
			if strings.Contains(s, u.name) && (ts[0].UserID != u.id || !strings.Contains(held, u.name)) {
				t.Errorf("Kim was told %q, but her entry went to Syncro user %d and whois shows %q", s, ts[0].UserID, held)
			}
		}
	}
}

// TestE2E_Break20c_FinishAfterTheTechsSyncroUserIsGoneLogsNothingInItsName:
// Marcus's entry stops at its timer (Syncro 500, nothing written), so the
// reply offers Finish. His Syncro user is then deleted and the hourly read
// drops his match. His Finish must not post the 20 min in the deleted
// user's name (README: "nothing is logged in the gone user's name").
func TestE2E_Break20c_FinishAfterTheTechsSyncroUserIsGoneLogsNothingInItsName(t *testing.T) {
	t.Parallel()
	ctx, b, tk, skip, hour := startWhoseHourly(t)
	n := itoa64(tk.Number)

	b.srv.Fail("POST", "/tickets/*/timer_entry", 1, syncrotest.FaultServerError)
	b.slashAs(ctx, t, e2eMarcus, "comment "+n+" --time 20m Swapped the fuser")
	rep := b.waitReplyTo(ctx, t, e2eMarcus, 0, tickets.ActionFinish)

	b.srv.RemoveUser(syncrotest.UserMarcus)
	hour()
	if s := b.whoisShows(ctx, t, e2eMarcus); !strings.Contains(s, "isn't matched to a Syncro user yet") {
		t.Fatalf("after the hourly read whois shows %q; want Marcus unmatched", s)
	}

	b.clickAs(ctx, t, e2eMarcus, rep, button(t, rep.Blocks, tickets.ActionFinish))
	told := b.waitReplyTo(ctx, t, e2eMarcus, 1, "")
	if !strings.Contains(told.Text, "no longer in Syncro") || strings.Contains(told.Text, "min logged") {
		t.Errorf("Marcus's Finish told him %q; want that his gone Syncro user got none of the 20 min", told.Text)
	}
	for _, tm := range newTimers(b.srv, tk.ID, skip) {
		if tm.UserID == syncrotest.UserMarcus {
			t.Errorf("Finish posted %d min (%q) as Syncro user %d, deleted before it; Marcus was told %q", tm.Minutes(), tm.Notes, tm.UserID, told.Text)
		}
	}
}

// TestE2E_Break20c_EmptyUserListDropsNoMatch: an empty GET /users is no
// news of anyone deleted (Syncro always has the API key's user). Kim picks
// a Syncro user added after the bot's start, so the kept list lacks it and
// her next entry reads the users once more; that read comes back empty.
// Her match must stay (whois), and her entry must not be turned into the
// "no longer in Syncro" question. The hourly read answering empty, or cut
// off mid-body, drops no match either.
func TestE2E_Break20c_EmptyUserListDropsNoMatch(t *testing.T) {
	t.Parallel()
	ctx, b, tk, _, hour := startWhoseHourly(t)
	n := itoa64(tk.Number)

	b.logMinutes(ctx, t, e2eMarcus, n, 10, "Marcus before")
	b.srv.Fail("GET", "/users", 1, syncrotest.FaultCommitThenGarbage)
	hour()
	all := b.srv.Users()
	for _, u := range all {
		b.srv.RemoveUser(u.ID)
	}
	hour()
	for _, u := range all {
		b.srv.AddUser(u)
	}
	if s := b.whoisShows(ctx, t, e2eMarcus); !strings.Contains(s, "Marcus Oyelaran") {
		t.Errorf("after hourly reads answering a cut-off body and an empty list, whois shows %q; want Marcus still matched", s)
	}

	const kimLee int64 = 52450
	b.srv.AddUser(syncrotest.User{ID: kimLee, FullName: "Kim Lee", Email: "kim.lee@baylineit.com"})
	b.slashAs(ctx, t, e2eKim, "comment "+n+" --time 15m Kim's work")
	q := b.waitReplyTo(ctx, t, e2eKim, 0, "matches no Syncro user", "Kim Lee")
	b.clickAs(ctx, t, e2eKim, q, pickAction(kimLee, "Kim Lee"))
	b.waitReplyTo(ctx, t, e2eKim, 1, "from now on")

	all = b.srv.Users()
	for _, u := range all {
		b.srv.RemoveUser(u.ID)
	}
	b.slashAs(ctx, t, e2eKim, "comment "+n+" --time 15m Kim's work")
	r := b.waitReplyTo(ctx, t, e2eKim, 2, "")
	for _, u := range all {
		b.srv.AddUser(u)
	}
	if strings.Contains(r.Text, "no longer in Syncro") {
		t.Errorf("an empty user list told Kim %q", r.Text)
	}
	if s := b.whoisShows(ctx, t, e2eKim); !strings.Contains(s, "Kim Lee") {
		t.Errorf("after an empty user list at her entry, whois shows %q; want Kim still matched to Kim Lee", s)
	}
}

// TestE2E_Break20c_UsersReadNamesOnlyWhatTheOpenAPINames: Syncro's OpenAPI
// names no parameter for GET /users (docs/syncro-api.md: users is one of
// the lists with no meta), so every read of the users the bot makes — at
// start, to match a tech by email, for the pick list — carries none.
func TestE2E_Break20c_UsersReadNamesOnlyWhatTheOpenAPINames(t *testing.T) {
	t.Parallel()
	ctx, b, tk, _ := startWhose(t)
	n := itoa64(tk.Number)
	b.logMinutes(ctx, t, e2eMarcus, n, 10, "Marcus's work")
	b.slashAs(ctx, t, e2eKim, "comment "+n+" --time 15m Kim's work")
	b.waitReplyTo(ctx, t, e2eKim, 0, "matches no Syncro user", tickets.ActionTechPick)
	reads := 0
	for _, r := range b.srv.Requests() {
		if r.Method == "GET" && r.Path == "/users" {
			reads++
			if r.Query != "" {
				t.Errorf("GET /users?%s: the OpenAPI names no parameter for it", r.Query)
			}
		}
	}
	if reads == 0 {
		t.Error("no GET /users was seen")
	}
}

// TestE2E_Break20c_MoveWhileTheHoldersEntryIsInFlight: Tom's entry is at
// Syncro (its timer POST held) when an admin moves Tom's Syncro user to
// Kim. The minutes Tom asked for while it was his stay his (the user he
// was then), he is told so, and from the move on Kim's time is that user's
// and Tom is asked: no entry is split, lost or doubled.
func TestE2E_Break20c_MoveWhileTheHoldersEntryIsInFlight(t *testing.T) {
	t.Parallel()
	ctx, b, tk, skip := startWhose(t)
	n := itoa64(tk.Number)

	b.srv.Fail("POST", "/tickets/*/timer_entry", 1, syncrotest.FaultHang)
	b.slashAs(ctx, t, e2eTom, "comment "+n+" --time 15m Tom in flight")
	if err := poll(ctx, func() bool { return b.srv.Held() == 1 }); err != nil {
		t.Fatalf("Tom's timer never reached Syncro: %v", err)
	}
	b.slash(ctx, t, "whois --move "+e2eKim+" 52377")
	b.waitReply(ctx, t, 0, "From now on", "moved from <@"+e2eTom+">")
	b.srv.ReleaseHangs()
	b.waitReplyTo(ctx, t, e2eTom, 0, "15 min logged")

	b.logMinutes(ctx, t, e2eKim, n, 20, "Kim after the move")
	b.slashAs(ctx, t, e2eTom, "comment "+n+" --time 5m Tom after the move")
	b.waitReplyTo(ctx, t, e2eTom, 1, tickets.ActionTechPick)

	var got []string
	for _, tm := range newTimers(b.srv, tk.ID, skip) {
		got = append(got, fmt.Sprintf("%s=%d", tm.Notes, tm.UserID))
	}
	if want := fmt.Sprintf("[Tom in flight=%d Kim after the move=%d]", syncrotest.UserTom, syncrotest.UserTom); fmt.Sprint(got) != want {
		t.Errorf("Syncro holds %v, want %s", got, want)
	}
}
