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
