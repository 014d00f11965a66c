package bot

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
)

// negativeTTL is how long a failed users.info or conversations.info is
// remembered, so a flapping Slack API is not asked on every command.
const negativeTTL = time.Minute

// idSet is a set of Slack ids.
type idSet map[string]struct{}

func newIDSet(ids []string) idSet {
	s := make(idSet, len(ids))
	for _, id := range ids {
		s[id] = struct{}{}
	}
	return s
}

// ttlCache remembers values for a while. Safe for concurrent use.
type ttlCache[V any] struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[V any](ttl time.Duration) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, now: time.Now, m: map[string]ttlEntry[V]{}}
}

func (c *ttlCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || c.now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(key string, v V, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	// Drop expired entries now and then so the map stays the size of the
	// active team, not of everyone who ever typed /syncro.
	if len(c.m) > 1024 {
		for k, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, k)
			}
		}
	}
	c.m[key] = ttlEntry[V]{v: v, expires: now.Add(ttl)}
}

// userInfo is what users.info tells bot about a user.
type userInfo struct {
	name, email, teamID string
	tz                  string // IANA zone from users.info ("America/Chicago")
	ok                  bool   // false: users.info failed; use payload data
}

// actor builds the commands.Actor for who, with the email from users.info
// (cached). It runs in work goroutines, never on the ack path. A non-empty
// refusal means users.info says the user is not from the home workspace
// after all.
func (b *Bot) actor(ctx context.Context, who caller) (commands.Actor, string) {
	a := commands.Actor{
		SlackUserID: who.userID,
		SlackTeamID: who.teamID,
		Name:        who.name,
		CanBill:     b.permits(ctx, b.billing, who.userID),
		CanAdmin:    b.permits(ctx, b.admin, who.userID),
	}
	u := b.userInfo(ctx, who.userID)
	if u.ok {
		if u.name != "" {
			a.Name = u.name
		}
		a.Email, a.TimeZone = u.email, u.tz
		if u.teamID != "" && u.teamID != b.homeTeam {
			return a, b.otherWorkspace()
		}
	}
	return a, ""
}

// cachedActor is actor without the network: what Validate and Suggest get
// (the email only if an earlier interaction fetched it; CanBill and
// CanAdmin true through a group only if its members are cached).
func (b *Bot) cachedActor(who caller) commands.Actor {
	a := commands.Actor{
		SlackUserID: who.userID, SlackTeamID: who.teamID, Name: who.name,
		CanBill:  b.cachedVerdict(b.billing, who.userID) == listed,
		CanAdmin: b.cachedVerdict(b.admin, who.userID) == listed,
	}
	if u, ok := b.users.get(who.userID); ok && u.ok {
		if u.name != "" {
			a.Name = u.name
		}
		a.Email, a.TimeZone = u.email, u.tz
	}
	return a
}

func (b *Bot) userInfo(ctx context.Context, userID string) userInfo {
	if u, ok := b.users.get(userID); ok {
		return u
	}
	su, err := b.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		b.log.Warn("users.info failed; continuing without email", "user", userID, "err", err)
		b.users.put(userID, userInfo{}, negativeTTL)
		return userInfo{}
	}
	u := userInfo{email: su.Profile.Email, teamID: su.TeamID, tz: su.TZ, ok: true}
	switch {
	case su.Profile.DisplayName != "":
		u.name = su.Profile.DisplayName
	case su.RealName != "":
		u.name = su.RealName
	default:
		u.name = su.Name
	}
	b.users.put(userID, u, b.cfg.UserCacheTTL)
	return u
}

// sharedChannel reports whether channelID is shared with another workspace
// (conversations.info is_ext_shared, cached). When Slack cannot say, the
// answer is true: replies then go ephemeral, which is always safe.
func (b *Bot) sharedChannel(ctx context.Context, channelID string) bool {
	if channelID == "" {
		return false
	}
	if v, ok := b.channels.get(channelID); ok {
		return v
	}
	ch, err := b.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channelID})
	if err != nil {
		b.log.Info("conversations.info failed; treating channel as shared", "channel", channelID, "err", err)
		b.channels.put(channelID, true, negativeTTL)
		return true
	}
	shared := ch.IsExtShared || ch.IsPendingExtShared
	b.channels.put(channelID, shared, b.cfg.ChannelCacheTTL)
	return shared
}
