package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// One person cannot lock everyone out (README "Security"): their commands
// run a few at a time, the rest wait behind their own, and Syncro's rate
// limit is shared out in turn between the people waiting for it, with
// the watcher's poll still getting through.

// floodRate is the Syncro budget of the flood test: high enough that the
// test is quick, low enough that 200 searches take the throttle 20 s, far
// longer than anything else the test waits for.
const floodRate = "600"

// ephemeralTexts is the text of every ephemeral user has been shown.
func ephemeralTexts(f *slackfake.Fake, user string) []string {
	var out []string
	for _, e := range f.Ephemerals(user) {
		out = append(out, e.Text+"\n"+string(e.Blocks))
	}
	return out
}

// answers counts the replies among texts: not the notes saying a command
// waits behind its person's own.
func answers(texts []string) int {
	n := 0
	for _, s := range texts {
		if !strings.HasPrefix(s, "Queued behind your") {
			n++
		}
	}
	return n
}

func TestE2E_OnePersonsFloodDoesNotLockOthersOut(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t, syncrotest.WithRateLimit(0))
	fx.env["SYNCRO_RATE_LIMIT"] = floodRate
	fx.env["SYNCRO_POLL_INTERVAL"] = "1s"
	b := fx.start(ctx, t)
	b.waitLog(ctx, t, "open-ticket mirror filled")
	const bob = "U0BOB"
	b.f.AddUser(slackfake.User{ID: bob, Name: "bob", RealName: "Bob Tran", Email: "bob@baylineit.com"})
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)

	// Dana sends 200 searches, one Syncro request each: every one is
	// taken (an empty ack), none is "busy".
	for i := range 200 {
		ack := b.slash(ctx, t, fmt.Sprintf("search flood%03d", i))
		if ack.Payload != nil {
			t.Fatalf("search %d acked %s, want an empty ack (queued behind Dana's own)", i, ack.Payload)
		}
	}
	sentBob := len(b.srv.Requests())
	ack, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: bob, ChannelID: e2eChannel, Text: "ticket " + itoa64(tk.Number)})
	if err != nil || ack.Payload != nil {
		t.Fatalf("bob's command during the flood: ack %s, %v; want an empty ack", ack.Payload, err)
	}
	var danaThen []string
	if err := b.f.WaitUntil(ctx, func() bool {
		danaThen = ephemeralTexts(b.f, e2eUser)
		return slices.ContainsFunc(ephemeralTexts(b.f, bob), func(s string) bool { return strings.Contains(s, tk.Subject) })
	}); err != nil {
		t.Fatalf("bob never saw ticket #%d during Dana's flood: %v; bob was told %q", tk.Number, err, ephemeralTexts(b.f, bob))
	}
	answeredBob := time.Now()

	// Long before the flood is done: in Syncro's log, between bob's
	// command and his last request, Dana's requests are the few already
	// on their way and about one per request of his (they take turns).
	reqs := b.srv.Requests()
	lastBob, bobReqs := -1, 0
	for i, r := range reqs {
		if i >= sentBob && strings.HasPrefix(r.Path, "/tickets/"+itoa64(tk.ID)) {
			lastBob, bobReqs = i, bobReqs+1
		}
	}
	if lastBob < 0 {
		t.Fatalf("bob's reply was not read from Syncro; requests since his command:%s", reqLines(b.srv))
	}
	danaBetween := 0
	for _, r := range reqs[sentBob:lastBob] {
		if strings.Contains(r.Query, "flood") {
			danaBetween++
		}
	}
	if most := 6 + 2*bobReqs + 3; danaBetween > most {
		t.Errorf("%d of Dana's searches reached Syncro between bob's command and his last of %d requests, want at most %d", danaBetween, bobReqs, most)
	}
	if n := answers(danaThen); n >= 100 {
		t.Errorf("Dana had %d of her 200 answers when bob was answered, want far fewer", n)
	}

	// The watcher's poll still gets through while Dana's searches wait.
	b.waitPollAfter(ctx, t, answeredBob)
	if n := answers(ephemeralTexts(b.f, e2eUser)); n >= 200 {
		t.Errorf("the flood was over (%d answers) before the watcher polled, want a poll during it", n)
	}
	t.Logf("bob answered after %d of Dana's answers, %d of her searches between his command and his last of %d requests; %d Syncro requests in all",
		answers(danaThen), danaBetween, bobReqs, len(b.srv.Requests()))
}
