package slackfake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/slackfake"
)

func TestWebAPI_UserGroupsUsersList(t *testing.T) {
	t.Parallel()
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{"S0TECHS": {alice.ID, "U0CAROL"}}))
	ctx := testCtx(t)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))

	got, err := api.GetUserGroupMembersContext(ctx, "S0TECHS")
	if err != nil || !slices.Equal(got, []string{alice.ID, "U0CAROL"}) {
		t.Fatalf("GetUserGroupMembers = %v, %v", got, err)
	}
	call, err := f.WaitCall(ctx, "usergroups.users.list", nil)
	if err != nil {
		t.Fatal(err)
	}
	if call.Format != "form" || call.Param("usergroup") != "S0TECHS" || call.Token != f.BotToken() {
		t.Errorf("call = %+v", call)
	}

	// Membership changes are seen by the next call.
	f.SetUserGroup("S0TECHS", []string{"U0CAROL"})
	if got, err := api.GetUserGroupMembers("S0TECHS"); err != nil || !slices.Equal(got, []string{"U0CAROL"}) {
		t.Errorf("after SetUserGroup = %v, %v", got, err)
	}
	f.SetUserGroup("S0EMPTY", nil)
	if got, err := api.GetUserGroupMembers("S0EMPTY"); err != nil || len(got) != 0 {
		t.Errorf("empty group = %v, %v", got, err)
	}

	if _, err := api.GetUserGroupMembers("S0NOPE"); slackErr(err) != slackfake.ErrCodeNoSuchSubteam {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := api.GetUserGroupMembers("S0TECHS", slack.GetUserGroupMembersOptionTeamID("T0OTHER")); slackErr(err) != slackfake.ErrCodeNoSuchSubteam {
		t.Errorf("other team: %v", err)
	}
	if got, err := api.GetUserGroupMembers("S0TECHS", slack.GetUserGroupMembersOptionTeamID(f.TeamID())); err != nil || len(got) != 1 {
		t.Errorf("home team: %v, %v", got, err)
	}

	f.InjectFault("usergroups.users.list", slackfake.Fault{Error: slackfake.ErrCodeMissingScope})
	if _, err := api.GetUserGroupMembers("S0TECHS"); slackErr(err) != "missing_scope" {
		t.Errorf("injected fault: %v", err)
	}
	if _, err := api.GetUserGroupMembers("S0TECHS"); err != nil {
		t.Errorf("after the fault: %v", err)
	}
}

func TestWebAPI_UserGroupsUsersListJSON(t *testing.T) {
	t.Parallel()
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{"S0TECHS": {alice.ID}}))
	ctx := testCtx(t)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.APIURL()+"usergroups.users.list", strings.NewReader(`{"usergroup":"S0TECHS"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.BotToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool     `json:"ok"`
		Users []string `json:"users"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !body.OK || !slices.Equal(body.Users, []string{alice.ID}) {
		t.Errorf("body = %+v, %v", body, err)
	}
}

func TestWebAPI_FaultDelay(t *testing.T) {
	t.Parallel()
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{"S0TECHS": {alice.ID}}))
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	const delay = 200 * time.Millisecond

	// Slow but successful.
	f.InjectFault("usergroups.users.list", slackfake.Fault{Delay: delay})
	start := time.Now()
	got, err := api.GetUserGroupMembers("S0TECHS")
	if err != nil || len(got) != 1 {
		t.Errorf("slow call = %v, %v", got, err)
	}
	if d := time.Since(start); d < delay {
		t.Errorf("slow call answered after %v, want ≥ %v", d, delay)
	}

	// Slow and failing.
	f.InjectFault("usergroups.users.list", slackfake.Fault{Delay: delay, Error: slackfake.ErrCodeMissingScope})
	start = time.Now()
	if _, err := api.GetUserGroupMembers("S0TECHS"); slackErr(err) != "missing_scope" {
		t.Errorf("slow fault: %v", err)
	}
	if d := time.Since(start); d < delay {
		t.Errorf("slow fault answered after %v, want ≥ %v", d, delay)
	}

	// The caller giving up ends the wait.
	f.InjectFault("usergroups.users.list", slackfake.Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(testCtx(t), 50*time.Millisecond)
	defer cancel()
	if _, err := api.GetUserGroupMembersContext(ctx, "S0TECHS"); err == nil {
		t.Error("call with an hour's delay returned without error")
	}
}

func TestWebAPI_FaultHoldAnswersOnlyOnRelease(t *testing.T) {
	t.Parallel()
	const method = "usergroups.users.list"
	f := newFake(t, slackfake.WithUserGroups(map[string][]string{"S0TECHS": {alice.ID}}))
	ctx := testCtx(t)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))

	for _, tc := range []struct {
		name     string
		fault    slackfake.Fault
		wantUser bool   // a normal answer after the release
		wantErr  string // else this error
	}{
		{"held then answered", slackfake.Fault{Hold: true}, true, ""},
		{"held then failed", slackfake.Fault{Hold: true, Error: slackfake.ErrCodeMissingScope}, false, slackfake.ErrCodeMissingScope},
	} {
		f.InjectFault(method, tc.fault)
		answered := len(f.CallsTo(method))
		type result struct {
			users []string
			err   error
		}
		done := make(chan result, 1)
		go func() {
			users, err := api.GetUserGroupMembersContext(ctx, "S0TECHS")
			done <- result{users, err}
		}()
		if err := f.WaitUntil(ctx, func() bool { return f.Held(method) == 1 }); err != nil {
			t.Fatalf("%s: never held: %v", tc.name, err)
		}
		select {
		case r := <-done:
			t.Fatalf("%s: answered while held: %+v", tc.name, r)
		default:
		}
		if n := len(f.CallsTo(method)); n != answered {
			t.Errorf("%s: %d calls recorded while held, want %d", tc.name, n, answered)
		}
		if n := f.Release(method); n != 1 {
			t.Errorf("%s: released %d, want 1", tc.name, n)
		}
		r := <-done
		if tc.wantUser && (r.err != nil || !slices.Equal(r.users, []string{alice.ID})) {
			t.Errorf("%s: after release = %v, %v", tc.name, r.users, r.err)
		}
		if !tc.wantUser && slackErr(r.err) != tc.wantErr {
			t.Errorf("%s: after release err = %v, want %s", tc.name, r.err, tc.wantErr)
		}
		if n := f.Held(method); n != 0 {
			t.Errorf("%s: %d still held after release", tc.name, n)
		}
	}

	// The caller giving up ends the hold.
	f.InjectFault(method, slackfake.Fault{Hold: true})
	cctx, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() {
		_, err := api.GetUserGroupMembersContext(cctx, "S0TECHS")
		gaveUp <- err
	}()
	if err := f.WaitUntil(ctx, func() bool { return f.Held(method) == 1 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-gaveUp; err == nil {
		t.Error("a held call the caller gave up on returned no error")
	}
	if err := f.WaitUntil(ctx, func() bool { return f.Held(method) == 0 }); err != nil {
		t.Errorf("the hold outlived its caller: %v", err)
	}
}
