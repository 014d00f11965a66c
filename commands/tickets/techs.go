package tickets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Whose time it is (README): every minute the bot logs is a timer entry in
// the Syncro user of the Slack user who asked. The match lives in the store
// (store.TechMatches), made before the tech's first time entry: by their
// Slack email, else by their own answer to a one-time question, and an
// admin corrects it with /syncro whois. Time is never logged without it,
// so nothing is credited to the API key's owner by default.

// ActionTechPick is the menu of Syncro users in the one-time question; its
// selected value is the Syncro user id.
const ActionTechPick = "tech_pick"

// tech is the Syncro user time is credited to, and the name comments carry.
type tech struct {
	UserID int64
	Name   string
}

// whoseTime sets whose the flow's work is. Time is credited to a's matched
// Syncro user, matched first (the reply, when not nil, is the one-time
// question or a failure, and nothing may be written); a flow without time
// only needs the name its comment carries, as far as known.
func (c *feature) whoseTime(ctx context.Context, a commands.Actor, p *flowParams) *commands.Reply {
	if p.Minutes <= 0 {
		p.TechUserID, p.Tech = c.cachedTech(a)
		return nil
	}
	t, r := c.timeTech(ctx, a)
	if r != nil {
		return r
	}
	p.TechUserID, p.Tech, p.TimeAsTimer = t.UserID, t.Name, true
	return nil
}

// storedTech is a's match as the store holds it, without a Syncro call.
func (c *feature) storedTech(a commands.Actor) (store.TechMatch, bool) {
	if a.SlackUserID == "" {
		return store.TechMatch{}, false
	}
	m, ok, err := c.cfg.Store.TechMatch(a.SlackUserID)
	if err != nil {
		c.cfg.Logger.Warn("read tech match", "slack_user", a.SlackUserID, "err", err)
		return store.TechMatch{}, false
	}
	return m, ok
}

// cachedTech is the Syncro tech acting for a without a Syncro call: the
// user id (0 when not matched yet) and the name comments carry — the
// Syncro full name when matched, else the Slack name.
func (c *feature) cachedTech(a commands.Actor) (id int64, name string) {
	if m, ok := c.storedTech(a); ok {
		return m.SyncroUser, m.SyncroName
	}
	if techEmailKey(a.Email) == "" {
		return 0, a.Name
	}
	id, name, ok := c.techs.lookup(a.Email)
	if !ok || id == 0 {
		return 0, a.Name
	}
	if name == "" {
		name = a.Name
	}
	return id, name
}

// errTechTaken means a's Slack email is a Syncro user another Slack user
// is matched to already: as with a pick (pickTech), one Syncro user is one
// Slack user's (store.TechMatches), so a second one with the same email is
// asked, never credited silently in the first one's name.
var errTechTaken = errors.New("that Syncro user is another Slack user's")

// matchTech is a's match: from the store, else made now by a's Slack
// email (GET /users, then each user until one has it) and saved, so it is
// made once. ok is false when no Syncro user has that email; the error is
// errTechTaken when the user with it is another Slack user's.
func (c *feature) matchTech(ctx context.Context, a commands.Actor) (m store.TechMatch, ok bool, err error) {
	if m, ok := c.storedTech(a); ok {
		return m, true, nil
	}
	id, err := c.techByEmail(ctx, a.Email)
	if err != nil || id == 0 {
		return store.TechMatch{}, false, err
	}
	_, name, _ := c.techs.lookup(a.Email)
	m = store.TechMatch{SlackUser: a.SlackUserID, SlackName: a.Name, SyncroUser: id, SyncroName: cmp.Or(name, a.Name), How: store.MatchedByEmail, At: c.cfg.Now()}
	if a.SlackUserID == "" {
		return m, true, nil // a direct call, with no one to keep it for
	}
	switch err := c.cfg.Store.SetTechMatch(m); {
	case errors.Is(err, store.ErrTechTaken):
		return store.TechMatch{}, false, errTechTaken
	case err != nil:
		// The write goes on in the right name; the match is made again
		// next time.
		c.cfg.Logger.ErrorContext(ctx, "tech match not saved", "slack_user", m.SlackUser, "syncro_user", m.SyncroUser, "err", err)
	default:
		c.logMatch(ctx, m)
	}
	return m, true, nil
}

// logMatch logs a match made.
func (c *feature) logMatch(ctx context.Context, m store.TechMatch) {
	c.cfg.Logger.InfoContext(ctx, "tech matched to a Syncro user", "slack_user", m.SlackUser, "syncro_user", m.SyncroUser, "how", m.How, "by", m.By)
}

// matchedTechID is a's Syncro user id (0 for none), for features that
// show a tech their own (commands.Registry.TechFinder).
func (c *feature) matchedTechID(ctx context.Context, a commands.Actor) (int64, error) {
	m, _, err := c.matchTech(ctx, a)
	if errors.Is(err, errTechTaken) {
		return 0, nil
	}
	return m.SyncroUser, err
}

// timeTech is the Syncro user a's time goes to, matched before the write
// (matchTech) and still in the account's user list. When nothing matches,
// or the match's user is gone from Syncro (the match is then dropped), the
// reply is the one-time question and nothing may be written; an error is a
// reply too, saying nothing was sent.
func (c *feature) timeTech(ctx context.Context, a commands.Actor) (tech, *commands.Reply) {
	m, ok, err := c.matchTech(ctx, a)
	if errors.Is(err, errTechTaken) {
		r := c.techQuestion(ctx, a, "your Slack email ("+slackfmt.EscapeMrkdwn(strings.TrimSpace(a.Email))+") is the Syncro user of another Slack user")
		return tech{}, &r
	}
	var gone bool
	if err == nil && ok {
		gone, err = c.syncroUserGone(ctx, m.SyncroUser)
	}
	if err != nil {
		r := c.cfg.Failure(ctx, fmt.Errorf("match %s to a Syncro user: %w", a.SlackUserID, err), "find your Syncro user (nothing was sent, so no time was logged)")
		return tech{}, &r
	}
	if gone {
		c.dropMatch(ctx, m)
		r := c.techQuestion(ctx, a, "the Syncro user your time went to ("+slackfmt.MrkdwnLiteral(m.SyncroName)+") is no longer in Syncro")
		return tech{}, &r
	}
	if !ok {
		r := c.techQuestion(ctx, a, "")
		return tech{}, &r
	}
	return tech{UserID: m.SyncroUser, Name: m.SyncroName}, nil
}

// syncroUserGone reports whether the account's users no longer have id:
// the list account.Info keeps (read at start and hourly), read once more
// when it lacks id. Before any list was read there is no news of anyone
// gone, and no read is added to the entry: the next hourly read checks.
func (c *feature) syncroUserGone(ctx context.Context, id int64) (bool, error) {
	has := func(users []syncro.UserRef) bool { return hasUser(users, id) }
	if last, ok := c.cfg.Account.LastUsers(); !ok || has(last) {
		return false, nil
	}
	users, err := c.cfg.Account.Users(ctx, has)
	if err != nil {
		return false, fmt.Errorf("list Syncro users: %w", err)
	}
	// An empty list is no news of anyone gone, as in dropGoneTechs:
	// Syncro always has the API key's user.
	return len(users) > 0 && !has(users), nil
}

// dropGoneTechs drops the match of every tech whose Syncro user the
// account's hourly list (account.Info.OnUsers) no longer has, so they are
// asked again at their next time entry and no time goes to a user Syncro
// no longer has. An empty list is no news of anyone: Syncro always has
// the API key's user.
func (c *feature) dropGoneTechs(ctx context.Context, users []syncro.UserRef) {
	if len(users) == 0 {
		return
	}
	c.techs.keepOnly(users)
	all, err := c.cfg.Store.TechMatches()
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "read tech matches to drop those of users gone from Syncro", "err", err)
		return
	}
	for _, m := range all {
		if !hasUser(users, m.SyncroUser) {
			c.dropMatch(ctx, m)
		}
	}
}

// dropMatch drops m, a match whose Syncro user is gone, unless it changed
// meanwhile.
func (c *feature) dropMatch(ctx context.Context, m store.TechMatch) {
	dropped, err := c.cfg.Store.DropTechMatch(m.SlackUser, m.SyncroUser)
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "tech match of a user gone from Syncro not dropped", "slack_user", m.SlackUser, "syncro_user", m.SyncroUser, "err", err)
		return
	}
	if dropped {
		c.cfg.Logger.InfoContext(ctx, "tech match dropped: the Syncro user is gone; the tech is asked at their next time entry", "slack_user", m.SlackUser, "syncro_user", m.SyncroUser)
	}
}

// hasUser reports whether users has Syncro user id.
func hasUser(users []syncro.UserRef, id int64) bool {
	return slices.ContainsFunc(users, func(u syncro.UserRef) bool { return u.ID == id })
}

// syncroUsers lists the account's users (GET /users), by name.
func (c *feature) syncroUsers(ctx context.Context) ([]syncro.UserRef, error) {
	users, err := syncro.Collect(c.cfg.Syncro.Users.All(ctx))
	if err != nil {
		return nil, fmt.Errorf("list Syncro users: %w", err)
	}
	slices.SortFunc(users, func(a, b syncro.UserRef) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return users, nil
}

// pickableUsers are the account's users (syncroUsers) and which of them
// is the API key's own (keyUser), the one no tech may pick as themselves.
func (c *feature) pickableUsers(ctx context.Context) (users []syncro.UserRef, key int64, err error) {
	if users, err = c.syncroUsers(ctx); err != nil {
		return nil, 0, err
	}
	key, err = c.keyUser(ctx)
	return users, key, err
}

// techQuestion asks a, once, which Syncro user they are: a menu of the
// account's users but the API key's owner (a pick of it would credit
// their time to the key, which the rule exists to prevent). Until they
// answer, their time is refused. why says why they are asked; "" for
// their email matching no one.
func (c *feature) techQuestion(ctx context.Context, a commands.Actor, why string) commands.Reply {
	switch e := strings.TrimSpace(a.Email); {
	case why != "":
	case e != "":
		why = "your Slack email (" + slackfmt.EscapeMrkdwn(e) + ") matches no Syncro user"
	default:
		why = "Slack didn't share your email with me"
	}
	text := "Before I log time for you I need to know who you are in Syncro: " + why +
		". Pick yourself below, once; from then on your time goes to Syncro in that name. Nothing was sent to Syncro: after you pick, send it again."
	users, key, err := c.pickableUsers(ctx)
	if err != nil {
		return c.cfg.Failure(ctx, err, "list the Syncro users to pick from (nothing was sent, so no time was logged)")
	}
	var opts []*slack.OptionBlockObject
	for _, u := range users {
		if u.ID == key {
			continue
		}
		opts = append(opts, commands.Option(strconv.FormatInt(u.ID, 10), u.Name))
	}
	if len(opts) > slackfmt.MaxSelectOptions {
		text += " Not in the list? Ask an admin to set it with `" + cmdline.SlashCommand + " whois`."
	}
	pick := commands.StaticSelect(ActionTechPick, "Your Syncro user", opts, "")
	return commands.Reply{Text: text, Blocks: []slack.Block{
		commands.TextSection(text),
		slack.NewActionBlock("tech_question", pick),
	}}
}

// pickTech answers the one-time question: a's pick becomes their match,
// unless they have one already (an admin changes it) or the Syncro user is
// someone else's.
func (c *feature) pickTech(ctx context.Context, a commands.Action) commands.Reply {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil || id <= 0 {
		return commands.Reply{Text: "That menu didn't say which Syncro user you picked; nothing was changed."}
	}
	if r, ok := c.alreadyMatched(a.Actor, id); ok {
		return r
	}
	users, key, err := c.pickableUsers(ctx)
	if err != nil {
		return c.cfg.Failure(ctx, err, "check the Syncro user you picked (nothing was changed)")
	}
	// The check of a's own match and the save are one step: two picks of
	// one menu (changed twice before the first answer) would otherwise both
	// pass the check, the later save replacing the earlier, and each be
	// told it is theirs.
	c.picks.Lock()
	defer c.picks.Unlock()
	if r, ok := c.alreadyMatched(a.Actor, id); ok {
		return r
	}
	i := slices.IndexFunc(users, func(u syncro.UserRef) bool { return u.ID == id })
	if i >= 0 && id == key {
		return commands.Reply{Text: slackfmt.MrkdwnLiteral(users[i].Name) + " is the bot's own Syncro user (its API key's), so nothing was changed: pick yourself, or ask an admin to set it with `" + cmdline.SlashCommand + " whois`."}
	}
	if i < 0 {
		return commands.Reply{Text: "That Syncro user no longer exists; nothing was changed. Log your time again to get the current list."}
	}
	name := cmp.Or(users[i].Name, a.Actor.Name)
	m := store.TechMatch{SlackUser: a.Actor.SlackUserID, SlackName: a.Actor.Name, SyncroUser: id, SyncroName: name, How: store.MatchedByChoice, At: c.cfg.Now()}
	var taken *store.TechTakenError
	switch err := c.cfg.Store.SetTechMatch(m); {
	case errors.As(err, &taken):
		return commands.Reply{Text: heldBy(name, id, taken.Holder) + ", so nothing was changed: one Syncro user is one Slack user's. Pick yourself; if you are " + slackfmt.MrkdwnLiteral(name) +
			" in Syncro, ask an admin to move it to you with `" + cmdline.SlashCommand + " whois --move @you " + strconv.FormatInt(id, 10) + "`."}
	case err != nil:
		return c.cfg.Failure(ctx, err, "save the Syncro user you picked (nothing was changed)")
	}
	c.logMatch(ctx, m)
	return commands.Reply{Text: "Thanks: your time goes to Syncro as " + slackfmt.MrkdwnLiteral(name) + " from now on. Send your entry again; nothing of it was sent before."}
}

// alreadyMatched is the answer to a's pick of Syncro user id when a has
// a match already: a pick never changes one (an admin does).
func (c *feature) alreadyMatched(a commands.Actor, id int64) (commands.Reply, bool) {
	m, ok := c.storedTech(a)
	switch {
	case !ok:
		return commands.Reply{}, false
	case m.SyncroUser == id:
		return commands.Reply{Text: "Your time goes to Syncro as " + slackfmt.MrkdwnLiteral(m.SyncroName) + ". Send your entry again; nothing of it was sent before."}, true
	}
	return commands.Reply{Text: "You're already " + slackfmt.MrkdwnLiteral(m.SyncroName) + " in Syncro, so nothing was changed; an admin can change it with `" + cmdline.SlashCommand + " whois`."}, true
}

// heldBy says that Syncro user id (name) is h's: the Slack user's mention
// and how they got it.
func heldBy(name string, id int64, h store.TechMatch) string {
	s := fmt.Sprintf("%s (Syncro user %d) is already ", slackfmt.MrkdwnLiteral(name), id)
	if h.SlackUser == "" {
		return s + "another Slack user's Syncro user"
	}
	s += "<@" + h.SlackUser + ">'s Syncro user"
	if h.How != "" {
		s += " (" + howMatched(h.How) + ")"
	}
	return s
}

// errNoSuchUser means whois named a Syncro user the account doesn't have,
// or more than one.
var errNoSuchUser = errors.New("no such Syncro user")

// findSyncroUser is the Syncro user named by text: an id ("52318" or
// "#52318"), a full name, or a part of exactly one user's name.
func findSyncroUser(users []syncro.UserRef, text string) (syncro.UserRef, []syncro.UserRef, error) {
	text = strings.TrimSpace(text)
	if id, err := strconv.ParseInt(strings.TrimPrefix(text, "#"), 10, 64); err == nil {
		for _, u := range users {
			if u.ID == id {
				return u, nil, nil
			}
		}
		return syncro.UserRef{}, nil, errNoSuchUser
	}
	var part []syncro.UserRef
	for _, u := range users {
		if strings.EqualFold(u.Name, text) {
			return u, nil, nil
		}
		if strings.Contains(strings.ToLower(u.Name), strings.ToLower(text)) {
			part = append(part, u)
		}
	}
	if len(part) == 1 {
		return part[0], nil, nil
	}
	return syncro.UserRef{}, part, errNoSuchUser
}
