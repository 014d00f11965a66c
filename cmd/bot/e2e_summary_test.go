package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// danaDM is Dana's direct-message channel with the bot in slackfake.
const danaDM = "D0DANA"

// waitDM waits for a direct message to Dana showing every want.
func (b *e2eBot) waitDM(ctx context.Context, t *testing.T, want ...string) slackfake.Message {
	t.Helper()
	var got slackfake.Message
	err := b.f.WaitUntil(ctx, func() bool {
		for _, m := range b.f.Messages(danaDM) {
			s := replyText(m)
			if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(s, w) }) {
				got = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no direct message to Dana showing %q: %v; messages %+v; stderr:\n%s", want, err, b.f.Messages(danaDM), b.stderr.String())
	}
	return got
}

// dmsWith counts Dana's direct messages holding s.
func (b *e2eBot) dmsWith(s string) int {
	n := 0
	for _, m := range b.f.Messages(danaDM) {
		if strings.Contains(replyText(m), s) {
			n++
		}
	}
	return n
}

// danaInChicago starts the fakes on a fake clock, both Syncro's and the
// bot's, set to hour:minute in Chicago on Monday 7 Dec 2026, with Dana a
// Slack user in that zone; it returns the clock and the zone for the test
// to move it on, and skips the test without time zone data.
func danaInChicago(t *testing.T, hour, minute int) (*e2eFakes, *fakeclock.Manual, *time.Location) {
	t.Helper()
	return danaIn(t, "America/Chicago", mondayAt(hour, minute))
}

// mondayAt is Monday 7 December 2026 at hour:minute in a place (danaIn).
func mondayAt(hour, minute int) func(*time.Location) time.Time {
	return func(loc *time.Location) time.Time { return time.Date(2026, 12, 7, hour, minute, 0, 0, loc) }
}

// TestE2E_SummaryAt17InTheTechsZoneOnceAcrossARestart: on a fake clock,
// Dana (in Chicago) gets her summary at 17:00 her time, naming the ticket
// she commented on with no time logged; a restart does not send it again;
// a day the bot was down at 17:00 is summarized the next morning, marked
// as yesterday's.
func TestE2E_SummaryAt17InTheTechsZoneOnceAcrossARestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 16, 58)
	tk := danasOpen(fx.srv)[0]
	worked := func() {
		t.Helper()
		if _, err := fx.srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Called the client back.", Tech: "Dana Whitfield", UserID: syncrotest.UserDana}); err != nil {
			t.Fatal(err)
		}
	}
	worked()
	b := fx.start(ctx, t)
	b.openHome(ctx, t)
	b.waitHome(ctx, t, 0, "End-of-day summary", "17:00", "America/Chicago")

	clk.Set(time.Date(2026, 12, 7, 17, 0, 30, 0, chicago))
	number := "#" + itoa64(tk.Number)
	b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Missing time?", number)

	b = b.restart(ctx, t)
	// Tuesday: Dana works, and the bot is down from 16:00 until
	// Wednesday 08:30.
	clk.Set(time.Date(2026, 12, 8, 15, 0, 0, 0, chicago))
	worked()
	clk.Set(time.Date(2026, 12, 8, 16, 0, 0, 0, chicago))
	b.shutdown(t)
	clk.Set(time.Date(2026, 12, 9, 8, 30, 0, 0, chicago))
	b = b.start(ctx, t)
	b.waitDM(ctx, t, "Yesterday's summary: Tue 8 Dec", "Missing time?", number)
	if n := b.dmsWith("Mon 7 Dec"); n != 1 {
		t.Errorf("Dana got Monday's summary %d times; want once across the restart", n)
	}
	if n := b.dmsWith("Tue 8 Dec"); n != 1 {
		t.Errorf("Dana got Tuesday's summary %d times; want once, the morning after", n)
	}
}
