package doctor

import (
	"slices"
	"testing"

	"github.com/syncrobot/syncrobot/config"
)

func TestBotScopesFor_UserGroupsNeedUsergroupsRead(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  config.Config
		want bool
	}{
		{"no lists", config.Config{}, false},
		{"user ids only", config.Config{AllowedUsers: config.SlackIDs{"U0ALICE"}, BillingUsers: config.SlackIDs{"W0BOB"}}, false},
		{"a group in ALLOWED_USERS", config.Config{AllowedUsers: config.SlackIDs{"U0ALICE", "S0TECHS"}}, true},
		{"a group in ADMIN_USERS", config.Config{AdminUsers: config.SlackIDs{"S0ADMINS"}}, true},
	} {
		got := slices.Contains(botScopesFor(&tt.cfg), "usergroups:read")
		if got != tt.want {
			t.Errorf("%s: usergroups:read required = %v, want %v", tt.name, got, tt.want)
		}
		if !slices.Contains(botScopesFor(&tt.cfg), "users:read.email") {
			t.Errorf("%s: the base scopes went missing", tt.name)
		}
	}
}
