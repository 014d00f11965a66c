package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// groupLookupTimeout bounds one usergroups.users.list call. Admission runs
// it before the Loading modal opens, and the trigger expires 3 s after the
// user acted; a slower lookup counts as "not a member".
const groupLookupTimeout = 1500 * time.Millisecond

// groupScope is the OAuth scope usergroups.users.list needs.
const groupScope = "usergroups:read"

// isGroupID reports whether id names a Slack user group (S…).
func isGroupID(id string) bool { return strings.HasPrefix(id, "S") }

// principals is one of AllowedUsers, BillingUsers and AdminUsers: user ids
// match as they are; user-group ids match the group's members. An empty
// list matches everyone.
type principals struct {
	users  idSet
	groups []string
}

func newPrincipals(ids []string) principals {
	p := principals{users: idSet{}}
	for _, id := range ids {
		if isGroupID(id) {
			p.groups = append(p.groups, id)
		} else {
			p.users[id] = struct{}{}
		}
	}
	return p
}

// empty reports whether p lists nobody, which grants everyone.
func (p principals) empty() bool { return len(p.users) == 0 && len(p.groups) == 0 }

// groupMembers is a user group's membership as usergroups.users.list
// reported it; a failed lookup is cached as no members.
type groupMembers struct{ ids idSet }

func (g groupMembers) has(userID string) bool {
	_, ok := g.ids[userID]
	return ok
}

// verdict is what the cached data says about a user and a list.
type verdict int

const (
	notListed verdict = iota
	listed
	unknown // a group must be looked up to know
)

// cachedVerdict decides from the list and cached group members alone: no
// network, so it may run on the ack path.
func (b *Bot) cachedVerdict(p principals, userID string) verdict {
	if p.empty() {
		return listed
	}
	if _, ok := p.users[userID]; ok {
		return listed
	}
	v := notListed
	for _, g := range p.groups {
		m, ok := b.groups.get(g)
		switch {
		case !ok:
			v = unknown
		case m.has(userID):
			return listed
		}
	}
	return v
}

// permits reports whether userID is in p, looking up the members of groups
// missing from the cache. It calls the Web API: work goroutines only. A
// failed lookup counts as "not a member" (fail closed).
func (b *Bot) permits(ctx context.Context, p principals, userID string) bool {
	switch b.cachedVerdict(p, userID) {
	case listed:
		return true
	case notListed:
		return false
	}
	for _, g := range p.groups {
		if b.groupMembers(ctx, g).has(userID) {
			return true
		}
	}
	return false
}

// groupMembers returns the members of user group id (usergroups.users.list,
// cached for GroupCacheTTL; failures for at most negativeTTL).
func (b *Bot) groupMembers(ctx context.Context, id string) groupMembers {
	if m, ok := b.groups.get(id); ok {
		return m
	}
	lctx, cancel := context.WithTimeout(ctx, groupLookupTimeout)
	defer cancel()
	ids, err := b.api.GetUserGroupMembersContext(lctx, id)
	if err != nil {
		if ctx.Err() != nil {
			// Cut off by its caller (a shutdown, the work's own end): not
			// Slack's answer, so not cached and not blamed on a scope.
			b.log.Info("usergroups.users.list cut off; treating the user as not a member this time", "group", id, "err", err)
			return groupMembers{}
		}
		if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && se.Err == "missing_scope" {
			b.log.Warn("cannot read user-group members: the Slack app lacks the "+groupScope+
				" scope (add it to the app and reinstall); treating the user as not a member",
				"group", id, "scope", groupScope, "err", err)
		} else {
			b.log.Warn("usergroups.users.list failed; treating the user as not a member "+
				"(it needs the "+groupScope+" scope)", "group", id, "scope", groupScope, "err", err)
		}
		b.groups.put(id, groupMembers{}, min(negativeTTL, b.cfg.GroupCacheTTL))
		return groupMembers{}
	}
	m := groupMembers{ids: newIDSet(ids)}
	b.groups.put(id, m, b.cfg.GroupCacheTTL)
	return m
}
