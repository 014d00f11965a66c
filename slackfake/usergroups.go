package slackfake

import (
	"net/http"
	"slices"
)

// WithUserGroups seeds user groups for usergroups.users.list: group id
// (S…) → member user ids.
func WithUserGroups(groups map[string][]string) Option {
	return func(c *config) {
		if c.userGroups == nil {
			c.userGroups = map[string][]string{}
		}
		for id, members := range groups {
			c.userGroups[id] = slices.Clone(members)
		}
	}
}

// SetUserGroup adds a user group or replaces its members; later
// usergroups.users.list calls see the new membership.
func (f *Fake) SetUserGroup(id string, members []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.userGroups[id] = slices.Clone(members)
	f.bumpLocked()
}

// apiUserGroupsUsersList answers usergroups.users.list (params usergroup
// and, optionally, team_id, which must be the home team). Simulate a
// missing usergroups:read scope with InjectFault and ErrCodeMissingScope.
func (f *Fake) apiUserGroupsUsersList(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	if team := r.str("team_id"); team != "" && team != f.cfg.teamID {
		return nil, ErrCodeNoSuchSubteam
	}
	members, ok := f.st.userGroups[r.str("usergroup")]
	if !ok {
		return nil, ErrCodeNoSuchSubteam
	}
	users := slices.Clone(members)
	if users == nil {
		users = []string{}
	}
	return map[string]any{"users": users}, ""
}
