package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_SummaryFollowsTheHourAndDaysSetOnTheHomeAndItsLogTimeLogs:
// Dana picks 09:00 and every day on the Home; Monday's summary comes at
// 09:00, not 17:00, and Sunday's comes too (not a default day). Log time
// on the summary's "Missing time?" ticket opens the form, and the
// minutes saved are what Syncro holds for her on that ticket.
func TestE2E_SummaryFollowsTheHourAndDaysSetOnTheHomeAndItsLogTimeLogs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, clk, chicago := danaInChicago(t, 7, 0)
	b, tk := danaWorkedThenHome(ctx, t, fx)
	hv := b.waitHome(ctx, t, 0, "End-of-day summary", "17:00", "Mon–Fri")
	// pickOnHome waits for the bot's "home published" before each pick, as
	// a person cannot click a Home in the moment between Slack showing it
	// and the bot recording it; without that wait the pick raced it.
	hv = b.pickOnHome(ctx, t, hv, home.ActionSummaryHour, "09:00", "9")
	b.pickOnHome(ctx, t, hv, home.ActionSummaryDays, "Every day", "127")

	clk.Set(time.Date(2026, 12, 7, 9, 0, 30, 0, chicago))
	number := "#" + itoa64(tk.Number)
	b.waitDM(ctx, t, "Your day in Syncro: Mon 7 Dec", "Missing time?", number)

	clk.Set(time.Date(2026, 12, 13, 8, 30, 0, 0, chicago)) // a Sunday
	danaWorkedOn(t, fx.srv, tk)
	clk.Set(time.Date(2026, 12, 13, 9, 0, 30, 0, chicago))
	dm := b.waitDM(ctx, t, "Your day in Syncro: Sun 13 Dec", "Missing time?", number)

	before, _ := loggedMinutes(b.srv, tk.ID)
	blocks := slackfake.View{JSON: json.RawMessage(`{"blocks":` + string(dm.Blocks) + `}`)}
	click := homeButton(t, blocks, "summary_missing_"+itoa64(tk.ID), ticketview.ActionLogTime)
	if _, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: danaDM, MessageTS: dm.TS, Actions: []slackfake.Action{click}}); err != nil {
		t.Fatal(err)
	}
	view := b.waitView(ctx, t, commands.CallbackLogTime)
	vals := textValues(t, view.JSON)
	vals[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: slackfake.TextInput("25")}
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackLogTime, PrivateMetadata: view.PrivateMetadata, Values: vals})
	if err := poll(ctx, func() bool { after, _ := loggedMinutes(b.srv, tk.ID); return after-before == 25 }); err != nil {
		after, _ := loggedMinutes(b.srv, tk.ID)
		t.Fatalf("Syncro holds %d new minutes on %s after Log time from the summary; want 25; stderr:\n%s", after-before, number, b.stderr.String())
	}
	for _, tm := range b.srv.Timers(tk.ID) {
		if tm.Minutes() == 25 && tm.UserID != syncrotest.UserDana {
			t.Errorf("the 25 minutes are logged for user %d; want Dana's (%d)", tm.UserID, syncrotest.UserDana)
		}
	}
}
