package tickets

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// slashAs runs "/syncro text" as a with envelope env and returns the reply
// and the Syncro requests made by the time it returned.
func (f *writeFixture) slashAs(t *testing.T, a commands.Actor, env, text string) (commands.Reply, []syncrotest.Request) {
	t.Helper()
	f.Srv.ResetLog()
	r := f.C.Slash(t.Context(), commands.Request{Actor: a, ChannelID: "C0TECHS", Text: text, EnvelopeID: env})
	return r, f.Srv.Requests()
}

// kim is a tech whose Slack email is no Syncro user's.
var kim = commands.Actor{SlackUserID: "U0KIM", SlackTeamID: "T0BAYLINE", Name: "Kim", Email: "kim@contractor.example", CanBill: true}

// firstIndex is the index of the first request whose method and path
// start as given; -1 when none.
func firstIndex(reqs []syncrotest.Request, method, pathPrefix string) int {
	for i, r := range reqs {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			return i
		}
	}
	return -1
}

// The API key is Tom's. Marcus's very first time entry is already his: he
// is matched by email before anything is written, the match is kept, and
// his next entry costs no user lookup.
func TestWhoseTime_FirstEntryIsTheTechsNotTheKeysOwner(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t, syncrotest.WithMe(syncrotest.UserTom))
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	before := len(f.Srv.Timers(own.ID))

	r, reqs := f.slashAs(t, marcus, "env-m1", "comment 32150 --time 30m Replaced the dock.")
	if want := "Comment added to #32150 (Syncro emails it to the customer). 30 min logged as Labor - Remote Business."; r.Text != want {
		t.Errorf("first reply = %q", r.Text)
	}
	if u, c := firstIndex(reqs, "GET", "/users"), firstIndex(reqs, "POST", "/tickets/"); u < 0 || c < 0 || u > c {
		t.Errorf("the match was not made before the first write:%s", commandstest.ReqLines(reqs))
	}
	r, reqs = f.slashAs(t, marcus, "env-m2", "comment 32150 --time 15m Tested the dock.")
	if !strings.HasSuffix(r.Text, "15 min logged as Labor - Remote Business.") || countUsersReqs(reqs) != 0 {
		t.Errorf("second: %q, with user lookups:%s", r.Text, commandstest.ReqLines(reqs))
	}
	timers := f.Srv.Timers(own.ID)
	if len(timers) != before+2 {
		t.Fatalf("timers %d → %d", before, len(timers))
	}
	for _, tm := range timers[before:] {
		if tm.UserID != syncrotest.UserMarcus {
			t.Errorf("%d min credited to user %d, want Marcus (%d)", tm.Minutes(), tm.UserID, syncrotest.UserMarcus)
		}
	}
	for _, c := range f.Srv.Comments(own.ID)[len(f.Srv.Comments(own.ID))-2:] {
		if c.Tech != "Marcus Oyelaran" {
			t.Errorf("comment %q carries tech %q, want his Syncro name", c.Body, c.Tech)
		}
	}
	m, ok, err := f.tk.cfg.Store.TechMatch(marcus.SlackUserID)
	if err != nil || !ok || m.SyncroUser != syncrotest.UserMarcus || m.How != store.MatchedByEmail {
		t.Errorf("stored match = %+v, %v, %v", m, ok, err)
	}
}

// A comment without time never asks and never looks a user up.
func TestWhoseTime_CommentWithoutTimeNeedsNoMatch(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	r, reqs := f.slashAs(t, kim, "env-k0", "comment 32150 Called the vendor.")
	if !strings.HasPrefix(r.Text, "Comment added to #32150") || countUsersReqs(reqs) != 0 {
		t.Errorf("%q:%s", r.Text, commandstest.ReqLines(reqs))
	}
}

// Kim's email is no Syncro user's: her time is refused with the one-time
// question, nothing is written, she picks once, her next entry is in the
// picked name, and the question is not asked again.
func TestWhoseTime_UnmatchedTechIsAskedOnceAndTheAnswerCarries(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t, syncrotest.WithMe(syncrotest.UserTom))
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	comments, timers := len(f.Srv.Comments(own.ID)), len(f.Srv.Timers(own.ID))

	q, reqs := f.slashAs(t, kim, "env-k1", "comment 32150 --time 40m Patched the firewall.")
	if !strings.Contains(q.Text, "matches no Syncro user") || !strings.Contains(q.Text, "Nothing was sent to Syncro") {
		t.Errorf("question = %q", q.Text)
	}
	if n := commandstest.CountReqs(reqs, "POST", "/"); n != 0 {
		t.Errorf("%d writes before the answer:%s", n, commandstest.ReqLines(reqs))
	}
	opts := selectOptions(q.Blocks, ActionTechPick)
	// Every user but the API key's owner (Tom here): a pick of it would
	// credit Kim's time to the key.
	if len(opts) != len(f.Srv.Users())-1 {
		t.Fatalf("the menu offers %d users, Syncro has %d and one owns the key", len(opts), len(f.Srv.Users()))
	}
	if len(f.Srv.Comments(own.ID)) != comments || len(f.Srv.Timers(own.ID)) != timers {
		t.Fatal("the refused entry wrote to Syncro")
	}

	pick := func(id int64, ts string) commands.Reply {
		return f.C.Action(t.Context(), commands.Action{Actor: kim, ChannelID: "C0TECHS", ActionID: ActionTechPick, Value: strconv.FormatInt(id, 10), MessageTS: ts})
	}
	if a := pick(syncrotest.UserPriya, "ts-q1"); !strings.Contains(a.Text, "Priya Raman") || !strings.Contains(a.Text, "from now on") {
		t.Errorf("answer = %q", a.Text)
	}
	r, reqs := f.slashAs(t, kim, "env-k2", "comment 32150 --time 40m Patched the firewall.")
	if !strings.HasSuffix(r.Text, "40 min logged as Labor - Remote Business.") || countUsersReqs(reqs) != 0 {
		t.Errorf("after the answer: %q:%s", r.Text, commandstest.ReqLines(reqs))
	}
	all := f.Srv.Timers(own.ID)
	if len(all) != timers+1 || all[len(all)-1].UserID != syncrotest.UserPriya {
		t.Errorf("timers %d → %d, last %+v; want one, Priya's", timers, len(all), all[len(all)-1])
	}
	// Her pick is who she is for the rest of the bot too.
	if r, _ := f.slashAs(t, kim, "env-k3", "mine"); strings.Contains(r.Text, "couldn't match") {
		t.Errorf("mine after the pick = %q", r.Text)
	}
	// Asked once: an old menu does not change the answer.
	if a := pick(syncrotest.UserLena, "ts-q1"); !strings.Contains(a.Text, "already") {
		t.Errorf("second pick = %q", a.Text)
	}
	if m, _, _ := f.tk.cfg.Store.TechMatch(kim.SlackUserID); m.SyncroUser != syncrotest.UserPriya || m.How != store.MatchedByChoice {
		t.Errorf("match after a second pick = %+v", m)
	}
}

// A Syncro user matched to one Slack user cannot be picked by another.
func TestWhoseTime_NobodyPicksAnotherTechsUser(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	f.matched(t, marcus, syncrotest.UserMarcus, "Marcus Oyelaran")
	a := f.C.Action(t.Context(), commands.Action{Actor: kim, ActionID: ActionTechPick, Value: strconv.FormatInt(syncrotest.UserMarcus, 10)})
	if !strings.Contains(a.Text, "is already <@"+marcus.SlackUserID+">'s Syncro user") || !strings.Contains(a.Text, "whois --move") {
		t.Errorf("answer = %q; want it to name who holds it and how to move it", a.Text)
	}
	if _, ok, _ := f.tk.cfg.Store.TechMatch(kim.SlackUserID); ok {
		t.Error("Kim was matched to Marcus's user")
	}
}

// The bill's minutes are the biller's: an unmatched biller is asked
// before anything is billed.
func TestWhoseTime_BillMinutesAreTheBillers(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t, syncrotest.WithMe(syncrotest.UserTom))
	nas := f.Ticket(t, syncrotest.SeedTicketNAS)
	s := billForm(t, f, syncrotest.SeedTicketNAS, "V1", "60", "Rebuilt the array.")
	s.Actor = kim
	invoices := len(f.Srv.Invoices())
	q, reqs := f.Submit(t, s)
	if !strings.Contains(q.Text, "matches no Syncro user") || commandstest.CountReqs(reqs, "POST", "/") != 0 || len(f.Srv.Invoices()) != invoices {
		t.Fatalf("unmatched biller: %q:%s", q.Text, commandstest.ReqLines(reqs))
	}
	s = billForm(t, f, syncrotest.SeedTicketNAS, "V2", "60", "Rebuilt the array.")
	s.Actor = marcus
	r, _ := f.Submit(t, s)
	if !strings.HasPrefix(r.Text, "Invoiced #") {
		t.Fatalf("bill = %q", r.Text)
	}
	var found bool
	for _, tm := range f.Srv.Timers(nas.ID) {
		if tm.Minutes() == 60 && tm.Notes == "Rebuilt the array." {
			found = true
			if tm.UserID != syncrotest.UserMarcus {
				t.Errorf("the bill's 60 min are user %d's, want Marcus (%d)", tm.UserID, syncrotest.UserMarcus)
			}
		}
	}
	if !found {
		t.Error("the bill's 60 min are not in Syncro")
	}
}

// selectOptions are the options of the select with actionID in blocks.
func selectOptions(blocks []slack.Block, actionID string) []*slack.OptionBlockObject {
	for _, b := range blocks {
		ab, ok := b.(*slack.ActionBlock)
		if !ok || ab.Elements == nil {
			continue
		}
		for _, e := range ab.Elements.ElementSet {
			if s, ok := e.(*slack.SelectBlockElement); ok && s.ActionID == actionID {
				return s.Options
			}
		}
	}
	return nil
}

// countUsersReqs counts GET /users and GET /users/{id} requests.
func countUsersReqs(reqs []syncrotest.Request) int {
	n := 0
	for _, r := range reqs {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/users") {
			n++
		}
	}
	return n
}

// whois, for admins: shows a match, sets one by name or id (the next
// entry carries it), and refuses everyone else.
func TestWhois_AdminShowsAndCorrectsAMatch(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	admin := commandstest.Dana
	admin.CanAdmin = true
	f.matched(t, kim, syncrotest.UserLena, "Lena Kowalski") // a wrong pick
	whois := func(a commands.Actor, args string) string {
		r, _ := f.slashAs(t, a, "", "whois "+args)
		return r.Text
	}
	if got := whois(kim, "@Kim Priya Raman"); !strings.Contains(got, "Only admins") {
		t.Errorf("a non-admin's whois = %q", got)
	}
	if got := whois(admin, "@kim"); !strings.Contains(got, "Lena Kowalski (Syncro user 52390)") || !strings.Contains(got, "matched by their Slack email") {
		t.Errorf("show = %q", got)
	}
	if got := whois(admin, "@Kim priya"); !strings.Contains(got, "From now on Kim (U0KIM)'s time goes to Syncro as Priya Raman (Syncro user 52342), not Lena Kowalski") {
		t.Errorf("set = %q", got)
	}
	if got := whois(admin, "<@U0NEW|sam> 52377"); !strings.Contains(got, "Tom Becker") {
		t.Errorf("set by mention and id = %q", got)
	}
	if got := whois(admin, "U0OTHER"); !strings.Contains(got, "isn't matched to a Syncro user yet") {
		t.Errorf("show unmatched = %q", got)
	}
	if got := whois(admin, "@nobody"); !strings.Contains(got, "I don't know which Slack user") {
		t.Errorf("unknown = %q", got)
	}
	if got := whois(admin, "@Kim Zed"); !strings.Contains(got, "No Syncro user matches") {
		t.Errorf("no such Syncro user = %q", got)
	}
	r, _ := f.slashAs(t, kim, "env-k", "comment 32150 --time 20m Reset the VPN.")
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	all := f.Srv.Timers(own.ID)
	if !strings.HasSuffix(r.Text, "20 min logged as Labor - Remote Business.") || all[len(all)-1].UserID != syncrotest.UserPriya {
		t.Errorf("after whois: %q, last timer %+v; want Priya's", r.Text, all[len(all)-1])
	}
	if m, _, _ := f.tk.cfg.Store.TechMatch(kim.SlackUserID); m.How != store.MatchedByAdmin || m.By != admin.SlackUserID {
		t.Errorf("stored = %+v", m)
	}
}

// The session log says whose each minute is: the techs' Syncro names,
// never the API key's owner, who wrote every comment through the API.
func TestWhoseTime_SessionLogNamesEachTechsTime(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t, syncrotest.WithMe(syncrotest.UserTom))
	f.matched(t, kim, syncrotest.UserPriya, "Priya Raman")
	if r, _ := f.slashAs(t, marcus, "env-1", "comment 32150 --time 30m Replaced the dock."); !strings.HasSuffix(r.Text, "logged as Labor - Remote Business.") {
		t.Fatalf("Marcus: %q", r.Text)
	}
	if r, _ := f.slashAs(t, kim, "env-2", "comment 32150 --time 20m Reset the VPN."); !strings.HasSuffix(r.Text, "logged as Labor - Remote Business.") {
		t.Fatalf("Kim: %q", r.Text)
	}
	r, _ := f.slashAs(t, commandstest.Dana, "env-3", "log 32150")
	const rel = "clients/acme-corp/session-logs/2026-11-20-ticket-32150.md"
	data, err := os.ReadFile(filepath.Join(f.Logs, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("%v; reply %q", err, r.Text)
	}
	log := string(data)
	for _, want := range []string{`"Priya Raman": 20`, "Priya Raman 20 min", "Marcus Oyelaran "} {
		if !strings.Contains(log, want) {
			t.Errorf("session log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "Tom Becker") {
		t.Errorf("session log credits the API key's owner:\n%s", log)
	}
}

// A match whose Syncro user the kept list lacks (saved after the hourly
// read dropped the others: another replica's stale whois, say) is checked
// before the write: dropped, the tech asked saying why, nothing sent.
func TestWhoseTime_MatchToAUserGoneFromTheListIsDroppedAndAsked(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	f.Srv.RemoveUser(syncrotest.UserTom)
	if err := f.tk.cfg.Account.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.matched(t, kim, syncrotest.UserTom, "Tom Becker")
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	timers := len(f.Srv.Timers(own.ID))
	r, _ := f.slashAs(t, kim, "env-g1", "comment 32150 --time 20m Reset the VPN.")
	if !strings.Contains(r.Text, "(Tom Becker) is no longer in Syncro") {
		t.Errorf("reply = %q; want the question saying Tom Becker is gone", r.Text)
	}
	if n := len(f.Srv.Timers(own.ID)); n != timers {
		t.Errorf("%d timers reached Syncro for a gone user", n-timers)
	}
	if _, ok, _ := f.tk.cfg.Store.TechMatch(kim.SlackUserID); ok {
		t.Error("the match to the gone user is still stored")
	}
}
