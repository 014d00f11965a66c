package bot

import (
	"context"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
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
	// forgets counts forget calls, so that an answer fetched before one
	// is not stored after it (putSince).
	forgets uint64
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
	c.putLocked(key, v, ttl)
}

// era is the count of forgets so far, to pass to putSince.
func (c *ttlCache[V]) era() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.forgets
}

// putSince is put, unless a key was forgotten since era: the value was
// read from a world that has changed since, and is dropped.
func (c *ttlCache[V]) putSince(key string, v V, ttl time.Duration, era uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets == era {
		c.putLocked(key, v, ttl)
	}
}

// forget drops key's value, and any value being fetched meanwhile.
func (c *ttlCache[V]) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	c.forgets++
}

// forgetAll drops every value, and any value being fetched meanwhile.
func (c *ttlCache[V]) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.forgets++
}

func (c *ttlCache[V]) putLocked(key string, v V, ttl time.Duration) {
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
	// guest is a multi- or single-channel guest (is_restricted,
	// is_ultra_restricted); deleted a deactivated account; bot a bot or
	// app user.
	guest, deleted, bot bool
	ok                  bool // false: users.info failed; the user is refused
}

// Refusals for people users.info describes as someone the bot does not
// serve, or cannot describe at all (README, Security).
const (
	msgUnverified = "I couldn't check your Slack account with Slack just now, so I can't run this. Please try again in a moment."
	msgGuest      = "Guest accounts can't use " + cmdline.SlashCommand + ". Ask whoever runs the Syncro bot if you need it."
	msgDeleted    = "This Slack account is deactivated, so it can't use " + cmdline.SlashCommand + "."
	msgBotUser    = "The Syncro bot takes commands from people only, not from bots or apps."
)

// vet decides from users.info whether the bot serves who: a member of the
// home workspace, not deactivated, not a bot, and not a guest unless
// AllowGuests. It fails closed: a user users.info cannot describe is
// refused. refusal is the sentence to show, why the reason to log.
func (b *Bot) vet(who caller, u userInfo) (refusal, why string) {
	team := u.teamID
	if team == "" {
		team = who.teamID
	}
	switch {
	case !u.ok:
		return msgUnverified, "users.info failed; cannot tell who the user is"
	case team != b.homeTeam:
		return b.otherWorkspace(), "users.info places the user in another workspace"
	case u.deleted:
		return msgDeleted, "deactivated account"
	case u.bot:
		return msgBotUser, "bot user"
	case u.guest && !b.cfg.AllowGuests:
		return msgGuest, "guest account (ALLOW_GUESTS is off)"
	}
	return "", ""
}

// actor builds the commands.Actor for who, with the email from users.info
// (cached). It runs in work goroutines, never on the ack path. A non-empty
// refusal (and why, for the log) means the bot does not serve who (vet).
func (b *Bot) actor(ctx context.Context, who caller) (a commands.Actor, refusal, why string) {
	u := b.userInfo(ctx, who.userID)
	if refusal, why := b.vet(who, u); refusal != "" {
		return commands.Actor{}, refusal, why
	}
	a = commands.Actor{
		SlackUserID: who.userID,
		SlackTeamID: who.teamID,
		Name:        who.name,
		Email:       u.email,
		TimeZone:    u.tz,
		CanBill:     b.grants(ctx, b.billing, who.userID, u.guest),
		CanAdmin:    b.grants(ctx, b.admin, who.userID, u.guest),
	}
	if u.name != "" {
		a.Name = u.name
	}
	return a, "", ""
}

// grants reports whether the right list p gives userID the right. An
// empty list gives it to everyone but guests: a guest (often a client's
// own staff) bills or merges customers only when a list names them.
func (b *Bot) grants(ctx context.Context, p principals, userID string, guest bool) bool {
	if guest && p.empty() {
		return false
	}
	return b.permits(ctx, p, userID)
}

// cachedActor is actor without the network: what Validate and Suggest get
// (the email only if an earlier interaction fetched it; CanBill and
// CanAdmin true through a group only if its members are cached, and for
// someone users.info has not described as a member yet, only when a list
// names them).
func (b *Bot) cachedActor(who caller) commands.Actor {
	u, known := b.users.get(who.userID)
	// Unknown or not served counts as a guest: no right from a default.
	guest := !known || !u.ok || u.guest
	right := func(p principals) bool {
		return !(guest && p.empty()) && b.cachedVerdict(p, who.userID) == listed
	}
	a := commands.Actor{
		SlackUserID: who.userID, SlackTeamID: who.teamID, Name: who.name,
		CanBill: right(b.billing), CanAdmin: right(b.admin),
	}
	if known && u.ok {
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
		b.log.Warn("users.info failed; refusing the user until Slack can describe them", "user", userID, "err", err)
		// A call cut off by its own context says nothing about Slack.
		if ctx.Err() == nil {
			b.users.put(userID, userInfo{}, negativeTTL)
		}
		return userInfo{}
	}
	u := userInfo{email: su.Profile.Email, teamID: su.TeamID, tz: su.TZ, ok: true,
		guest: su.IsRestricted || su.IsUltraRestricted, deleted: su.Deleted, bot: su.IsBot}
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
