package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
)

const (
	techsGroup   = "S0TECHS"
	billingGroup = "S0BILLING"
	groupMethod  = "usergroups.users.list"
	notOnList    = "not on the list"
)

// lastEphemeral sends /syncro text as user and waits for the one ephemeral
// it produces (a refusal in the ack, a refusal after a group lookup, or
// the handler's reply), returning its text.
func lastEphemeral(ctx context.Context, t *testing.T, f *slackfake.Fake, user, text string) string {
	t.Helper()
	n := len(f.Ephemerals(user))
	slash(ctx, t, f, user, ops.ID, text)
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(user)) > n }); err != nil {
		t.Fatalf("no answer to %s's /syncro %s: %v", user, text, err)
	}
	es := f.Ephemerals(user)
	return es[len(es)-1].Text
}

// countingStub counts Slash calls and sends each Actor on actors.
func countingStub(calls *atomic.Int32, actors chan commands.Actor) *stub {
	return &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
		calls.Add(1)
		if actors != nil {
			actors <- r.Actor
		}
		return commands.Reply{Text: "ok: " + r.Text}
	}}
}

func TestAccess_AllowedGroupServesMembersAndRefusesOthers(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{techsGroup: {alice.ID}}))
	var calls atomic.Int32
	got := make(chan commands.Action, 1)
	h := countingStub(&calls, nil)
	h.action = func(_ context.Context, a commands.Action) commands.Reply {
		got <- a
		return commands.Reply{Text: "clicked"}
	}
	hs := start(t, f, h, func(c *bot.Config) { c.AllowedUsers = []string{techsGroup} })

	// A group member: the ack is empty (the lookup runs after it) and the
	// handler answers.
	ack := slash(ctx, t, f, alice.ID, ops.ID, "mine")
	if ack.Payload != nil {
		t.Errorf("alice's ack = %s, want none", ack.Payload)
	}
	if p := waitPosts(ctx, t, f, 1)[0]; p.Text != "ok: mine" {
		t.Errorf("alice's reply = %+v", p)
	}
	if c, err := f.WaitCall(ctx, groupMethod, nil); err != nil || c.Param("usergroup") != techsGroup {
		t.Errorf("lookup = %+v, %v", c, err)
	}

	// Not a member: refused, never reaches the handler.
	if text := lastEphemeral(ctx, t, f, carol.ID, "mine"); !strings.Contains(text, notOnList) {
		t.Errorf("carol saw %q, want a refusal", text)
	}
	if _, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: carol.ID, ChannelID: ops.ID, MessageTS: "1700000000.000100",
		Actions: []slackfake.Action{slackfake.Button("syncro_assign", "tkt_1234", "1234")}}); err != nil {
		t.Fatal(err)
	}
	if err := f.WaitUntil(ctx, func() bool {
		es := f.Ephemerals(carol.ID)
		return len(es) == 2 && strings.Contains(es[1].Text, notOnList)
	}); err != nil {
		t.Errorf("carol's click: want a refusal, ephemerals %+v: %v", f.Ephemerals(carol.ID), err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1 (alice only)", n)
	}
	select {
	case a := <-got:
		t.Errorf("carol's click reached the handler: %+v", a)
	default:
	}

	// Within the TTL the membership is reused.
	if text := lastEphemeral(ctx, t, f, alice.ID, "again"); text != "ok: again" {
		t.Errorf("alice's second reply = %q", text)
	}
	if n := len(f.CallsTo(groupMethod)); n != 1 {
		t.Errorf("%d %s calls, want 1 (cached)", n, groupMethod)
	}
	if strings.Contains(hs.logs.String(), `"level":"WARN"`) {
		t.Errorf("warning logged without a failure:\n%s", hs.logs)
	}
}

func TestAccess_GroupMembershipChangeSeenAfterTTL(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{techsGroup: {alice.ID}}))
	var calls atomic.Int32
	start(t, f, countingStub(&calls, nil), func(c *bot.Config) {
		c.AllowedUsers = []string{techsGroup}
		c.GroupCacheTTL = 20 * time.Millisecond
	})
	if text := lastEphemeral(ctx, t, f, alice.ID, "mine"); text != "ok: mine" {
		t.Fatalf("alice before removal: %q", text)
	}
	f.SetUserGroup(techsGroup, []string{carol.ID})
	// Each command waits for its answer; the loop ends once the cached
	// membership expired (bounded by ctx, not by a sleep).
	for i := 0; ; i++ {
		text := lastEphemeral(ctx, t, f, alice.ID, "mine")
		if strings.Contains(text, notOnList) {
			t.Logf("refused after %d more commands", i+1)
			break
		}
		if text != "ok: mine" {
			t.Fatalf("alice after removal: %q", text)
		}
	}
	if text := lastEphemeral(ctx, t, f, carol.ID, "mine"); text != "ok: mine" {
		t.Errorf("carol after being added: %q", text)
	}
	if n := len(f.CallsTo(groupMethod)); n < 2 {
		t.Errorf("%d %s calls, want a new lookup after the TTL", n, groupMethod)
	}
}

func TestAccess_BillingGroupGrantsCanBillToMembersOnly(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{billingGroup: {alice.ID}}))
	var calls atomic.Int32
	actors := make(chan commands.Actor, 1)
	start(t, f, countingStub(&calls, actors), func(c *bot.Config) {
		c.BillingUsers = []string{billingGroup}
	})
	for _, tc := range []struct {
		user      string
		bill, adm bool
	}{{alice.ID, true, true}, {carol.ID, false, false}} {
		slash(ctx, t, f, tc.user, ops.ID, "mine")
		a := <-actors
		if a.SlackUserID != tc.user || a.CanBill != tc.bill || a.CanAdmin != tc.adm {
			t.Errorf("actor = %+v, want CanBill %v CanAdmin %v (ADMIN empty follows BILLING)", a, tc.bill, tc.adm)
		}
	}

	// Groups and user ids mix; AdminUsers has its own list.
	f2 := newFake(t, slackfake.WithUserGroups(map[string][]string{billingGroup: {carol.ID}}))
	start(t, f2, countingStub(&calls, actors), func(c *bot.Config) {
		c.BillingUsers = []string{alice.ID, billingGroup}
		c.AdminUsers = []string{alice.ID}
	})
	for _, tc := range []struct {
		user      string
		bill, adm bool
	}{{alice.ID, true, true}, {carol.ID, true, false}} {
		slash(ctx, t, f2, tc.user, ops.ID, "mine")
		a := <-actors
		if a.SlackUserID != tc.user || a.CanBill != tc.bill || a.CanAdmin != tc.adm {
			t.Errorf("actor = %+v, want CanBill %v CanAdmin %v", a, tc.bill, tc.adm)
		}
	}
}

func TestAccess_GroupLookupFailureRefusesAndNamesTheScope(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{techsGroup: {alice.ID}, billingGroup: {alice.ID}}))
	var calls atomic.Int32
	hs := start(t, f, countingStub(&calls, nil), func(c *bot.Config) {
		c.AllowedUsers = []string{techsGroup}
	})
	f.InjectFault(groupMethod, slackfake.Fault{Error: slackfake.ErrCodeMissingScope})
	if text := lastEphemeral(ctx, t, f, alice.ID, "mine"); !strings.Contains(text, notOnList) {
		t.Errorf("alice saw %q, want a refusal (fail closed)", text)
	}
	if calls.Load() != 0 {
		t.Error("handler ran although the group lookup failed")
	}
	if c := f.CallsTo(groupMethod); len(c) != 1 || c[0].Error != slackfake.ErrCodeMissingScope {
		t.Errorf("lookups = %+v", c)
	}
	logs := hs.logs.String()
	if !strings.Contains(logs, `"level":"WARN"`) || !strings.Contains(logs, "lacks the usergroups:read scope") || !strings.Contains(logs, techsGroup) {
		t.Errorf("no warning naming usergroups:read and the group:\n%s", logs)
	}

	// A failing billing lookup fails closed too.
	f2 := newFake(t, slackfake.WithUserGroups(map[string][]string{billingGroup: {alice.ID}}))
	actors := make(chan commands.Actor, 1)
	hs2 := start(t, f2, countingStub(&calls, actors), func(c *bot.Config) {
		c.BillingUsers = []string{billingGroup}
	})
	f2.InjectFault(groupMethod, slackfake.Fault{Error: slackfake.ErrCodeMissingScope})
	slash(ctx, t, f2, alice.ID, ops.ID, "mine")
	if a := <-actors; a.CanBill || a.CanAdmin {
		t.Errorf("actor = %+v, want no billing or admin when the lookup fails", a)
	}
	if !strings.Contains(hs2.logs.String(), "usergroups:read") {
		t.Errorf("no warning naming usergroups:read:\n%s", hs2.logs)
	}
}

func TestAccess_AckDoesNotWaitForGroupLookup(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{techsGroup: {alice.ID}}))
	var calls atomic.Int32
	start(t, f, countingStub(&calls, nil), func(c *bot.Config) {
		c.AllowedUsers = []string{techsGroup}
	})
	// Slack holds the lookup until the test releases it, so an ack that
	// waited for the lookup would never come: the structure is tested,
	// not how fast the ack is.
	f.InjectFault(groupMethod, slackfake.Fault{Hold: true})
	ack := slash(ctx, t, f, alice.ID, ops.ID, "mine")
	if ack.Payload != nil {
		t.Errorf("ack payload %s: the ack must come first, empty", ack.Payload)
	}
	if n := len(f.CallsTo(groupMethod)); n != 0 {
		t.Fatalf("%d lookups answered before the ack arrived, want 0", n)
	}
	// The lookup did start (after the ack) and waits on Slack.
	if err := f.WaitUntil(ctx, func() bool { return f.Held(groupMethod) == 1 }); err != nil {
		t.Fatalf("the bot never asked Slack for the group: %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the handler ran %d times before the lookup answered", n)
	}
	f.Release(groupMethod)
	if p := waitPosts(ctx, t, f, 1)[0]; p.Text != "ok: mine" {
		t.Errorf("reply after the held lookup = %+v", p)
	}
	c := f.CallsTo(groupMethod)
	if len(c) != 1 || c[0].Error != "" {
		t.Errorf("lookups = %+v", c)
	}
}
