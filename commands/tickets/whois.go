package tickets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
)

// slackMentionRE matches a Slack user as a mention (<@U…> or <@U…|name>)
// or as a bare member id (U…, W…).
var slackMentionRE = regexp.MustCompile(`^(?:<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|([UW][A-Z0-9]{5,}))$`)

// whois answers /syncro whois @USER [SYNCRO-USER], for admins: which
// Syncro user the Slack user's time goes to, and with SYNCRO-USER (a name
// or an id) sets it. @USER is a mention, a Slack member id, or the Slack
// name of a tech the bot has matched. Time logged before stays as it is.
//
// Setting follows the one-time question's rule: never the API key's
// owner, never a Syncro user another Slack user has, unless --move takes
// it from them (store.TechMatches.MoveTechMatch).
//
// Syncro calls: none to show; GET /users (and GET /me once a process) to
// set.
func (c *feature) whois(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	if !r.Actor.CanAdmin {
		return commands.Reply{Text: "Only admins (`ADMIN_USERS`) can use `" + cmdline.SlashCommand + " whois`. If your time goes to the wrong Syncro user, ask one of them."}
	}
	matches, err := c.cfg.Store.TechMatches()
	if err != nil {
		return c.cfg.Failure(ctx, err, "read who is who (nothing was changed)")
	}
	slackUser, name, rest, ok := whoisTarget(inv.Text, matches)
	if !ok {
		return commands.Reply{Text: "I don't know which Slack user " + cmdline.Code(inv.Text) + " is. Mention them (`@name`), or give their Slack member ID (from their profile, like `U0123ABCD`)."}
	}
	var cur store.TechMatch
	var matched bool
	for _, m := range matches {
		if m.SlackUser == slackUser {
			cur, matched = m, true
			name = m.SlackName
		}
	}
	who := slackfmt.MrkdwnLiteral(slackUser)
	if name != "" {
		who = slackfmt.MrkdwnLiteral(name + " (" + slackUser + ")")
	}
	if rest == "" {
		if !matched {
			return commands.Reply{Text: who + " isn't matched to a Syncro user yet: their first time entry matches them by their Slack email, or asks them once. To set it now: `" + cmdline.SlashCommand + " whois " + slackUser + " SYNCRO-USER`."}
		}
		return commands.Reply{Text: fmt.Sprintf("%s's time goes to Syncro as %s (Syncro user %d), %s on %s.", who, slackfmt.MrkdwnLiteral(cur.SyncroName), cur.SyncroUser, howMatched(cur.How), cur.At.Format("2006-01-02"))}
	}
	users, err := c.syncroUsers(ctx)
	if err != nil {
		return c.cfg.Failure(ctx, err, "list the Syncro users (nothing was changed)")
	}
	u, several, err := findSyncroUser(users, rest)
	if errors.Is(err, errNoSuchUser) {
		if len(several) > 1 {
			var names []string
			for _, s := range several {
				names = append(names, fmt.Sprintf("%s (%d)", s.Name, s.ID))
			}
			return commands.Reply{Text: "More than one Syncro user matches " + cmdline.Code(rest) + ": " + slackfmt.MrkdwnLiteral(strings.Join(names, ", ")) + ". Give the full name or the id; nothing was changed."}
		}
		return commands.Reply{Text: "No Syncro user matches " + cmdline.Code(rest) + "; nothing was changed."}
	}
	// The same rule as the one-time question: never the API key's owner
	// (their time would be no tech's), never another Slack user's.
	key, err := c.keyUser(ctx)
	if err != nil {
		return c.cfg.Failure(ctx, err, "check whose the bot's API key is (nothing was changed)")
	}
	if u.ID == key {
		return commands.Reply{Text: fmt.Sprintf("%s (Syncro user %d) is the bot's own Syncro user (its API key's), so nothing was changed: time logged in its name is no tech's. Give %s their own Syncro user.", slackfmt.MrkdwnLiteral(u.Name), u.ID, who)}
	}
	m := store.TechMatch{SlackUser: slackUser, SlackName: name, SyncroUser: u.ID, SyncroName: u.Name, How: store.MatchedByAdmin, By: r.Actor.SlackUserID, At: c.cfg.Now()}
	var from store.TechMatch
	var moved bool
	if inv.Bool(cmdline.FlagMove) {
		from, moved, err = c.cfg.Store.MoveTechMatch(m)
	} else {
		err = c.cfg.Store.SetTechMatch(m)
	}
	var taken *store.TechTakenError
	if errors.As(err, &taken) {
		return commands.Reply{Text: heldBy(u.Name, u.ID, taken.Holder) + ", so nothing was changed: one Syncro user is one Slack user's. To move it to " + who + ": `" +
			cmdline.SlashCommand + " whois --move " + slackUser + " " + strconv.FormatInt(u.ID, 10) + "`; the Slack user who has it now is then asked for their Syncro user at their next time entry."}
	}
	if err != nil {
		return c.cfg.Failure(ctx, err, "save who is who (nothing was changed)")
	}
	c.logMatch(ctx, m)
	text := fmt.Sprintf("From now on %s's time goes to Syncro as %s (Syncro user %d)", who, slackfmt.MrkdwnLiteral(u.Name), u.ID)
	if matched && cur.SyncroUser != u.ID {
		text += ", not " + slackfmt.MrkdwnLiteral(cur.SyncroName)
	}
	if moved {
		text += "; moved from <@" + from.SlackUser + ">, who is asked for their Syncro user at their next time entry"
	}
	return commands.Reply{Text: text + ". Time logged before stays as it was in Syncro."}
}

// howMatched says how a match was made, for whois.
func howMatched(how string) string {
	switch how {
	case store.MatchedByEmail:
		return "matched by their Slack email"
	case store.MatchedByChoice:
		return "picked by them"
	case store.MatchedByAdmin:
		return "set by an admin"
	}
	return "matched"
}

// whoisTarget reads the Slack user at the start of text: a mention or
// member id, else "@name" (or "name") of a tech already matched, the
// longest such name winning. rest is the text after it.
func whoisTarget(text string, matches []store.TechMatch) (slackUser, name, rest string, ok bool) {
	text = strings.TrimSpace(text)
	first, after, _ := strings.Cut(text, " ")
	if sm := slackMentionRE.FindStringSubmatch(first); sm != nil {
		return sm[1] + sm[2], "", strings.TrimSpace(after), true
	}
	lower := strings.ToLower(strings.TrimPrefix(text, "@"))
	best := -1
	for i, m := range matches {
		n := strings.ToLower(m.SlackName)
		if n == "" || !strings.HasPrefix(lower, n) || (len(lower) > len(n) && lower[len(n)] != ' ') {
			continue
		}
		if best < 0 || len(n) > len(matches[best].SlackName) {
			best = i
		}
	}
	if best < 0 {
		return "", "", "", false
	}
	m := matches[best]
	orig := strings.TrimPrefix(text, "@")
	if len(orig) < len(m.SlackName) {
		orig = lower // lowercasing changed the length: the rest as lowered
	}
	return m.SlackUser, m.SlackName, strings.TrimSpace(orig[len(m.SlackName):]), true
}
