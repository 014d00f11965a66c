package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
)

// Accounts users.info describes as someone the bot does not serve by
// default (README, Security).
var (
	guest       = slackfake.User{ID: "U0GUEST", Name: "guest", Email: "it@client.example", IsRestricted: true}
	singleGuest = slackfake.User{ID: "U0SINGLE", Name: "single", IsUltraRestricted: true}
	gone        = slackfake.User{ID: "U0GONE", Name: "gone", Deleted: true}
	robot       = slackfake.User{ID: "U0ROBOT", Name: "robot", IsBot: true}
)

// everyKindCounted is a stub that counts every command it runs and offers
// one suggestion.
func everyKindCounted(calls *atomic.Int32) *stub {
	return &stub{
		slash: func(context.Context, commands.Request) commands.Reply {
			calls.Add(1)
			return commands.Reply{Text: "served"}
		},
		action: func(context.Context, commands.Action) commands.Reply {
			calls.Add(1)
			return commands.Reply{Text: "served"}
		},
		submit: func(context.Context, commands.Submission) commands.Reply {
			calls.Add(1)
			return commands.Reply{Text: "served"}
		},
		suggest: func(context.Context, commands.Suggestion) []*slack.OptionBlockObject {
			calls.Add(1)
			return []*slack.OptionBlockObject{slack.NewOptionBlockObject("1", slack.NewTextBlockObject("plain_text", "Acme", false, false), nil)}
		},
	}
}

// TestAdmission_GuestsDeactivatedAndBotsAreRefused: in an MSP's Slack,
// guests are often the clients' own staff. With the defaults (everyone
// allowed), a guest, a deactivated account and a bot user are refused at
// every door, and no command runs for them.
func TestAdmission_GuestsDeactivatedAndBotsAreRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		user slackfake.User
		want string
	}{
		{guest, "Guest accounts can't use /syncro"},
		{singleGuest, "Guest accounts can't use /syncro"},
		{gone, "deactivated"},
		{robot, "from people only"},
	}
	for _, tc := range tests {
		t.Run(tc.user.Name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			f := newFake(t, slackfake.WithUsers(tc.user))
			var calls atomic.Int32
			start(t, f, everyKindCounted(&calls), nil)

			slash(ctx, t, f, tc.user.ID, ops.ID, "customers acme")
			if p := waitPosts(ctx, t, f, 1)[0]; !strings.Contains(p.Text, tc.want) || p.ResponseType != "ephemeral" {
				t.Errorf("slash command: reply = %+v, want %q, ephemeral", p, tc.want)
			}
			if _, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: tc.user.ID, ChannelID: ops.ID, MessageTS: "1.2",
				Actions: []slackfake.Action{slackfake.Button("syncro_assign", "tkt_1", "1")}}); err != nil {
				t.Fatal(err)
			}
			if p := waitPosts(ctx, t, f, 2)[1]; !strings.Contains(p.Text, tc.want) {
				t.Errorf("click: reply = %+v, want %q", p, tc.want)
			}
			if _, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: tc.user.ID, ViewID: "V0FORM", CallbackID: "syncro_create",
				Values: slackfake.Values{"subject_b": {"subject": slackfake.TextInput("x")}}}); err != nil {
				t.Fatal(err)
			}
			sa, err := f.BlockSuggestion(ctx, slackfake.BlockSuggestion{UserID: tc.user.ID, ViewID: "V0FORM", ActionID: "customer", Value: "acm"})
			if err != nil || len(sa.Options) != 0 {
				t.Errorf("suggestion: options = %+v (%v), want none", sa.Options, err)
			}
			// The submission's refusal reaches the person by direct message.
			dm := func() bool {
				for _, c := range f.CallsTo("chat.postMessage") {
					if strings.Contains(c.Param("text"), tc.want) {
						return true
					}
				}
				return false
			}
			if err := f.WaitUntil(ctx, dm); err != nil {
				t.Fatalf("submission: no refusal reached %s: %v", tc.user.Name, err)
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("commands ran %d times for %s", n, tc.user.Name)
			}
		})
	}
}

// TestAdmission_AllowGuestsGrantsNoDefaultRights: with AllowGuests a
// guest is served, but empty BillingUsers and AdminUsers ("everyone")
// give them neither right; a list naming them does.
func TestAdmission_AllowGuestsGrantsNoDefaultRights(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		billing       []string
		user          string
		bill, isAdmin bool
	}{
		{"member, no lists", nil, alice.ID, true, true},
		{"guest, no lists", nil, guest.ID, false, false},
		{"guest named by BILLING_USERS", []string{guest.ID}, guest.ID, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			f := newFake(t, slackfake.WithUsers(guest))
			got := make(chan commands.Actor, 1)
			h := &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
				got <- r.Actor
				return commands.Reply{Text: "served"}
			}}
			start(t, f, h, func(c *bot.Config) { c.AllowGuests, c.BillingUsers = true, tc.billing })
			slash(ctx, t, f, tc.user, ops.ID, "mine")
			a := <-got
			if a.CanBill != tc.bill || a.CanAdmin != tc.isAdmin {
				t.Errorf("actor = %+v, want CanBill %v CanAdmin %v", a, tc.bill, tc.isAdmin)
			}
		})
	}
}

// TestAdmission_UsersInfoFailureRefuses: when Slack cannot say who the
// user is, the bot refuses (fail closed) instead of serving a stranger.
func TestAdmission_UsersInfoFailureRefuses(t *testing.T) {
	t.Parallel()
	ctx, f, served := botWithUsersInfoDown(t)
	slash(ctx, t, f, alice.ID, ops.ID, "mine")
	if p := waitPosts(ctx, t, f, 1)[0]; !strings.Contains(p.Text, "couldn't check your Slack account") {
		t.Errorf("reply = %+v, want the refusal", p)
	}
	if n := served(); n != 0 {
		t.Errorf("commands ran %d times for a user users.info could not describe", n)
	}
}

// botWithUsersInfoDown starts a bot whose next users.info fails, and
// returns how to count the commands it ran.
func botWithUsersInfoDown(t *testing.T) (context.Context, *slackfake.Fake, func() int32) {
	t.Helper()
	f := newFake(t)
	var calls atomic.Int32
	start(t, f, everyKindCounted(&calls), nil)
	f.InjectFault("users.info", slackfake.Fault{Error: "fatal_error"})
	return testCtx(t), f, calls.Load
}

// TestAdmission_PayloadWithoutWorkspaceRefused: a payload naming no
// workspace is refused in its ack, even when users.info would fail too.
func TestAdmission_PayloadWithoutWorkspaceRefused(t *testing.T) {
	t.Parallel()
	ctx, f, served := botWithUsersInfoDown(t)
	payload, err := json.Marshal(map[string]any{
		"command": "/syncro", "text": "mine", "user_id": carol.ID, "user_name": "carol",
		"channel_id": ops.ID, "response_url": f.BaseURL() + "response/none", "trigger_id": "1.2.3",
	})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := f.Send(ctx, slackfake.Envelope{Type: slackfake.EnvelopeSlashCommands, AcceptsResponsePayload: true, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if got := ackText(t, ack); !strings.Contains(got, "only serves members of") {
		t.Errorf("ack = %q, want the other-workspace refusal", got)
	}
	if n := served(); n != 0 {
		t.Errorf("commands ran %d times for a payload without a workspace", n)
	}
}
