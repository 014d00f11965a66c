package tickets

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
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

func TestResolveTechs_NextTimerEntryCarriesTheTech(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t, syncrotest.WithTimeMode(syncrotest.TimeIgnoredOnComments))
	f.tk.cfg.ResolveTechs = true
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	before := len(f.Srv.Timers(own.ID))

	r, reqs := f.slashAs(t, marcus, "env-m1", "comment 32150 --time 30m Replaced the dock.")
	if want := "Comment added to #32150 (Syncro emails it to the customer). 30 min logged as Labor - Remote Business."; r.Text != want {
		t.Errorf("first reply = %q", r.Text)
	}
	// The flow itself never waits on the tech lookup: find, the comments
	// before, comment, read-back, timer_entry (the labor's name was read at
	// start); users calls, if any yet, come from the background.
	if n := len(reqs) - countUsersReqs(reqs); n != 5 {
		t.Errorf("first comment: %d flow calls:%s", n, commandstest.ReqLines(reqs))
	}
	f.techsIdle(t)
	if n := f.Srv.Count("GET", "/users"); n == 0 {
		t.Errorf("no GET /users after the background resolution")
	}
	if id, _, _ := f.tk.techs.cached(marcus.Email, syncrotest.SeedNow); id != syncrotest.UserMarcus {
		t.Fatalf("after background resolution, cached id = %d, want %d", id, syncrotest.UserMarcus)
	}

	r, reqs = f.slashAs(t, marcus, "env-m2", "comment 32150 --time 30m Tested the dock.")
	if want := "Comment added to #32150 (Syncro emails it to the customer). 30 min logged as Labor - Remote Business."; r.Text != want {
		t.Errorf("second reply = %q", r.Text)
	}
	if len(reqs) != 5 || commandstest.CountReqs(reqs, "POST", "/timer_entry") != 1 || countUsersReqs(reqs) != 0 {
		t.Errorf("second comment: %d calls, want find, the comments before, comment, the timers before, timer_entry:%s", len(reqs), commandstest.ReqLines(reqs))
	}
	f.techsIdle(t) // nothing started: the id is cached

	timers := f.Srv.Timers(own.ID)
	if len(timers) != before+2 {
		t.Fatalf("timers %d → %d", before, len(timers))
	}
	if got := timers[len(timers)-2].UserID; got == syncrotest.UserMarcus {
		t.Errorf("first timer already carried Marcus (%d): the lookup ran on the flow's path", got)
	}
	if got := timers[len(timers)-1].UserID; got != syncrotest.UserMarcus {
		t.Errorf("second timer user = %d, want %d", got, syncrotest.UserMarcus)
	}
	comments := f.Srv.Comments(own.ID)
	if got := comments[len(comments)-1].Tech; got != "Marcus Oyelaran" {
		t.Errorf("second comment tech = %q, want the Syncro name", got)
	}
	if got := comments[len(comments)-2].Tech; got != "Marcus" {
		t.Errorf("first comment tech = %q, want the Slack name", got)
	}
}

func TestResolveTechs_OffNeverListsUsers(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t, syncrotest.WithTimeMode(syncrotest.TimeIgnoredOnComments))
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	users := 0
	for _, env := range []string{"env-o1", "env-o2"} {
		r, _ := f.slashAs(t, marcus, env, "comment 32150 --time 30m Dock work "+env+".")
		if r.Text == "" {
			t.Fatalf("%s: empty reply", env)
		}
		f.techsIdle(t)
		users += f.Srv.Count("GET", "/users")
	}
	if n := users; n != 0 {
		t.Errorf("GET /users called %d times with ResolveTechs off", n)
	}
	timers := f.Srv.Timers(own.ID)
	if got := timers[len(timers)-1].UserID; got == syncrotest.UserMarcus {
		t.Errorf("timer carried Marcus with ResolveTechs off")
	}
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

// techsIdle waits until no background tech resolution is running: what a
// tech's next write waits for to carry their Syncro user.
func (f *writeFixture) techsIdle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.tk.resolver.mu.Lock()
		n := len(f.tk.resolver.inflight)
		f.tk.resolver.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d tech resolutions still running after 10 s", n)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}
