package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// openHome opens Dana's Home tab, as clicking the app in Slack does.
func (b *e2eBot) openHome(ctx context.Context, t *testing.T) {
	t.Helper()
	if _, err := b.f.Event(ctx, map[string]any{"type": "app_home_opened", "user": e2eUser, "channel": "D0HOME", "tab": "home"}); err != nil {
		t.Fatalf("app_home_opened: %v", err)
	}
}

// waitHome waits until Dana's Home, published at least updates+1 times,
// shows every want, and returns it.
func (b *e2eBot) waitHome(ctx context.Context, t *testing.T, updates int, want ...string) slackfake.View {
	t.Helper()
	var home slackfake.View
	err := b.f.WaitUntil(ctx, func() bool {
		v, ok := b.f.HomeView(e2eUser)
		if !ok || v.Updates < updates {
			return false
		}
		home = v
		for _, w := range want {
			if !strings.Contains(string(v.JSON), w) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("Dana's Home never showed %q: %v; home:\n%s\nstderr:\n%s", want, err, home.JSON, b.stderr.String())
	}
	return home
}

// homeBlocks are the blocks of a published Home.
func homeBlocks(t *testing.T, home slackfake.View) []json.RawMessage {
	t.Helper()
	var v struct {
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(home.JSON, &v); err != nil {
		t.Fatal(err)
	}
	return v.Blocks
}

// homeButton is the button actionID in the Home's block blockID.
func homeButton(t *testing.T, home slackfake.View, blockID, actionID string) slackfake.Action {
	t.Helper()
	for _, raw := range homeBlocks(t, home) {
		var bl struct {
			BlockID  string `json:"block_id"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		}
		if json.Unmarshal(raw, &bl) != nil || bl.BlockID != blockID {
			continue
		}
		for _, e := range bl.Elements {
			if e.ActionID == actionID {
				return slackfake.Button(actionID, blockID, e.Value)
			}
		}
	}
	t.Fatalf("no %s button in the Home's block %s:\n%s", actionID, blockID, home.JSON)
	return slackfake.Action{}
}

// danasOpen are the open tickets Syncro has assigned to Dana.
func danasOpen(srv *syncrotest.Server) []syncrotest.Ticket {
	var out []syncrotest.Ticket
	for _, tk := range srv.Tickets() {
		if tk.UserID == syncrotest.UserDana && !syncro.IsClosedStatus(tk.Status) {
			out = append(out, tk)
		}
	}
	return out
}

// TestE2E_HomeShowsTheTechsDayAndRefreshesAfterTheirWrite: opening the
// Home tab publishes the tech's open tickets and today's time; time
// logged from the Home's Log time button shows on the Home once Syncro
// holds it.
func TestE2E_HomeShowsTheTechsDayAndRefreshesAfterTheirWrite(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	open := danasOpen(b.srv)
	if len(open) == 0 {
		t.Fatal("the seed assigns Dana no open ticket")
	}
	b.openHome(ctx, t)
	want := []string{"Your time today", "No time logged today.", "Resolved, not invoiced yet"}
	for _, tk := range open {
		want = append(want, "#"+itoa64(tk.Number))
	}
	home := b.waitHome(ctx, t, 0, want...)

	tk := open[0]
	before, _ := loggedMinutes(b.srv, tk.ID)
	blockID := "home_open_" + itoa64(tk.ID)
	if _, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: home.ID,
		Actions: []slackfake.Action{homeButton(t, home, blockID, ticketview.ActionLogTime)}}); err != nil {
		t.Fatal(err)
	}
	view := b.waitView(ctx, t, commands.CallbackLogTime)
	vals := textValues(t, view.JSON)
	vals[commands.BlockMinutes] = map[string]slackfake.Input{commands.BlockMinutes: slackfake.TextInput("45")}
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackLogTime, PrivateMetadata: view.PrivateMetadata, Values: vals})

	home = b.waitHome(ctx, t, home.Updates+1, "Total: *45m*")
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers-before != 45 {
		t.Errorf("Syncro holds %d new minutes of timers on #%d; the Home shows 45", timers-before, tk.Number)
	}

	// The summary's setting, changed on the Home, shows there.
	if _, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: home.ID,
		Actions: []slackfake.Action{homeButton(t, home, "home_summary_settings", "home_summary_toggle")}}); err != nil {
		t.Fatal(err)
	}
	b.waitHome(ctx, t, home.Updates+1, "Off. Turn it on")
}

// TestE2E_HomeOf500OpenTicketsStaysWithinSlacksBlocks: a tech with 500
// open tickets gets a Home Slack accepts (at most 100 blocks) that says
// how many more are in Syncro.
func TestE2E_HomeOf500OpenTicketsStaysWithinSlacksBlocks(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	cust := ticketByNumber(t, fx.srv, syncrotest.SeedTicketOwnCloud).CustomerID
	for range 500 {
		fx.srv.AddTicket(syncrotest.Ticket{Subject: "Backup check", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"})
	}
	b := fx.start(ctx, t)
	total := len(danasOpen(b.srv))
	b.openHome(ctx, t)
	home := b.waitHome(ctx, t, 0, "Your open tickets* ("+strconv.Itoa(total)+")", "more open tickets in")
	if n := len(homeBlocks(t, home)); n > slackfake.MaxHomeBlocks {
		t.Errorf("the Home holds %d blocks; Slack takes %d", n, slackfake.MaxHomeBlocks)
	}
}

// TestE2E_HomeOfSomeoneNotAllowedSaysSoAndShowsNoTickets: a person the
// bot does not serve sees why on the Home, and nothing of Syncro's.
func TestE2E_HomeOfSomeoneNotAllowedSaysSoAndShowsNoTickets(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) { env["ALLOWED_USERS"] = "U0SOMEONE" })
	b.openHome(ctx, t)
	home := b.waitHome(ctx, t, 0, "You are not on the list")
	if strings.Contains(string(home.JSON), "Your open tickets") {
		t.Errorf("the Home of someone not allowed shows tickets:\n%s", home.JSON)
	}
}
