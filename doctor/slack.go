package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/syncrobot/syncrobot/config"
)

// requiredBotScopes are manifest.yaml's bot scopes the bot cannot work
// without; chat:write.public is checked with NOTIFY_CHANNEL, where it
// matters.
var requiredBotScopes = []string{"commands", "chat:write", "users:read", "users:read.email", "channels:read", "groups:read"}

// botScopesFor is requiredBotScopes plus usergroups:read when an access
// list names a user group (S…), which bot expands into its members.
func botScopesFor(cfg *config.Config) []string {
	scopes := slices.Clone(requiredBotScopes)
	for _, list := range []config.SlackIDs{cfg.AllowedUsers, cfg.BillingUsers, cfg.AdminUsers} {
		for _, id := range list {
			if strings.HasPrefix(id, "S") {
				return append(scopes, "usergroups:read")
			}
		}
	}
	return scopes
}

// slackChecker calls Slack's Web API directly (not through slack-go) so it
// can read the X-OAuth-Scopes header and the error's needed/provided
// fields, which slack-go drops.
type slackChecker struct {
	http    *http.Client
	base    string
	timeout time.Duration
	botName string // learned from auth.test, for the /invite advice
}

// slackAnswer is the part of a Web API answer the checks read.
type slackAnswer struct {
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
	Needed   string `json:"needed"`
	Provided string `json:"provided"`
	URL      string `json:"url"`
	Team     string `json:"team"`
	TeamID   string `json:"team_id"`
	User     string `json:"user"`
	UserID   string `json:"user_id"`
	Channel  struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		IsPrivate  bool   `json:"is_private"`
		IsMember   bool   `json:"is_member"`
		IsArchived bool   `json:"is_archived"`
		// Read outside this workspace, the bot's rule (README, "Where
		// data does not go"): shared with another workspace (Slack
		// Connect) or about to be, across an Enterprise Grid org, or
		// in any other way Slack marks.
		IsExtShared        bool `json:"is_ext_shared"`
		IsPendingExtShared bool `json:"is_pending_ext_shared"`
		IsOrgShared        bool `json:"is_org_shared"`
		IsShared           bool `json:"is_shared"`
	} `json:"channel"`

	status int
	scopes []string // from X-OAuth-Scopes; nil when Slack did not send it
}

// call POSTs a form to method with token and decodes the answer. A non-nil
// error means no usable answer (network, non-JSON).
func (s *slackChecker) call(ctx context.Context, method string, token config.Secret, form url.Values) (*slackAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+method, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token.Reveal())
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach Slack: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read Slack's answer: %w", err)
	}
	a := &slackAnswer{status: resp.StatusCode}
	if h, ok := resp.Header["X-Oauth-Scopes"]; ok {
		a.scopes = []string{}
		for sc := range strings.SplitSeq(strings.Join(h, ","), ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				a.scopes = append(a.scopes, sc)
			}
		}
	}
	if err := json.Unmarshal(body, a); err != nil {
		return nil, fmt.Errorf("Slack answered HTTP %d without JSON", resp.StatusCode)
	}
	if !a.OK && a.Error == "" {
		a.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return a, nil
}

// authFailure is true for the error codes meaning the token itself is bad.
func authFailure(code string) bool {
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "not_allowed_token_type":
		return true
	}
	return false
}

// botToken checks SLACK_BOT_TOKEN with auth.test and, when Slack reports
// them, its scopes. It returns the scopes (nil when unknown) for the
// channel check.
func (s *slackChecker) botToken(ctx context.Context, tok config.Secret, required []string) (Check, []string) {
	c := Check{Name: "Slack bot token"}
	a, err := s.call(ctx, "auth.test", tok, nil)
	if err != nil {
		c.Detail = err.Error() + "."
		c.Fix = "check network access to SLACK_API_URL (" + s.base + ")."
		return c, nil
	}
	if !a.OK {
		c.Detail = fmt.Sprintf("Slack refused it (%s).", a.Error)
		c.Fix = "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN; reinstall the app to the workspace if the token was revoked."
		return c, nil
	}
	s.botName = a.User
	c.Detail = fmt.Sprintf("authenticated as @%s in %s (%s).", a.User, a.Team, a.TeamID)
	if a.scopes != nil {
		var missing []string
		for _, sc := range required {
			if !slices.Contains(a.scopes, sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			c.Detail = fmt.Sprintf("authenticated as @%s in %s (%s), but the token lacks the scopes %s.", a.User, a.Team, a.TeamID, strings.Join(missing, ", "))
			c.Fix = "add them under OAuth & Permissions › Bot Token Scopes (or apply manifest.yaml), reinstall the app and update SLACK_BOT_TOKEN if it changed."
			return c, a.scopes
		}
	}
	c.OK = true
	return c, a.scopes
}

// appToken checks SLACK_APP_TOKEN with apps.connections.open. The returned
// WebSocket URL is single-use and is not dialed: Slack counts an open
// socket as a live connection, and the running bot may hold the others.
func (s *slackChecker) appToken(ctx context.Context, tok config.Secret) Check {
	c := Check{Name: "Slack app token"}
	a, err := s.call(ctx, "apps.connections.open", tok, nil)
	if err != nil {
		c.Detail = err.Error() + "."
		c.Fix = "check network access to SLACK_API_URL (" + s.base + ")."
		return c
	}
	switch {
	case a.OK && a.URL != "":
		c.OK = true
		c.Detail = "Socket Mode connections can be opened (the URL was not dialed)."
	case a.OK:
		c.Detail = "Slack answered without a Socket Mode URL."
		c.Fix = "enable Socket Mode under the app's Socket Mode page."
	case a.status == http.StatusNotFound || authFailure(a.Error):
		c.Detail = fmt.Sprintf("Slack refused it (%s).", a.Error)
		c.Fix = "create an app-level token with the connections:write scope under Basic Information › App-Level Tokens and set SLACK_APP_TOKEN (xapp-…); make sure Socket Mode is enabled."
	case a.Error == "missing_scope":
		c.Detail = "the token lacks connections:write."
		c.Fix = "create an app-level token with the connections:write scope under Basic Information › App-Level Tokens and set SLACK_APP_TOKEN."
	default:
		c.Detail = fmt.Sprintf("Slack could not open a connection (%s).", a.Error)
		c.Fix = "make sure Socket Mode is enabled for the app; if Slack is having an incident, retry later."
	}
	return c
}

// notifyChannel checks that NOTIFY_CHANNEL exists and the bot can post
// there: it is a member, or the channel is public and the bot has
// chat:write.public. No message is posted (see the package comment).
func (s *slackChecker) notifyChannel(ctx context.Context, tok config.Secret, channel string, scopes []string, botOK bool) Check {
	c := Check{Name: "NOTIFY_CHANNEL"}
	if channel == "" {
		c.OK, c.Unchecked = true, true
		c.Detail = "not set; closed-ticket notices are off."
		return c
	}
	if !botOK {
		c.Detail = "not checked: the bot token failed."
		c.Fix = "fix SLACK_BOT_TOKEN first."
		return c
	}
	a, err := s.call(ctx, "conversations.info", tok, url.Values{"channel": {channel}})
	if err != nil {
		c.Detail = err.Error() + "."
		c.Fix = "check network access to SLACK_API_URL (" + s.base + ")."
		return c
	}
	if !a.OK {
		switch a.Error {
		case "channel_not_found":
			c.Detail = fmt.Sprintf("Slack knows no channel %s the bot can see.", channel)
			c.Fix = "copy the id from the channel's details (bottom of the About tab) into NOTIFY_CHANNEL; for a private channel, /invite the bot there first."
		case "missing_scope":
			need := a.Needed
			if need == "" {
				need = "channels:read, groups:read"
			}
			c.Detail = fmt.Sprintf("the bot token lacks the scope to read channel info (needed: %s).", need)
			c.Fix = "add channels:read and groups:read under OAuth & Permissions › Bot Token Scopes (or apply manifest.yaml) and reinstall the app."
		default:
			c.Detail = fmt.Sprintf("conversations.info failed (%s).", a.Error)
			c.Fix = "check NOTIFY_CHANNEL is a channel id (C… or G…)."
		}
		return c
	}
	name := "#" + a.Channel.Name
	if a.Channel.Name == "" {
		name = channel
	}
	hasPublic := slices.Contains(scopes, "chat:write.public")
	switch {
	case a.Channel.IsArchived:
		c.Detail = name + " is archived; posts would fail."
		c.Fix = "unarchive it or choose another channel for NOTIFY_CHANNEL."
	case a.Channel.IsExtShared || a.Channel.IsPendingExtShared || a.Channel.IsOrgShared || a.Channel.IsShared:
		c.Detail = name + " is shared with another workspace (Slack Connect, or across your org); closed-ticket notices name tickets and customers, so the bot drops them while it is shared."
		c.Fix = "choose a channel only your own workspace can read for NOTIFY_CHANNEL."
	case a.Channel.IsMember:
		c.OK = true
		c.Detail = name + " exists and the bot is a member, so it can post there."
	case a.Channel.IsPrivate:
		c.Detail = name + " is private and the bot is not a member."
		c.Fix = "type /invite @" + s.botName + " in " + name + "."
	case scopes == nil:
		c.OK = true
		c.Detail = name + " is public; the bot is not a member, so posting relies on chat:write.public (the manifest grants it; Slack did not report the token's scopes to confirm)."
	case hasPublic:
		c.OK = true
		c.Detail = name + " is public and the bot has chat:write.public, so it can post without joining."
	default:
		c.Detail = name + " is public, but the bot is not a member and lacks chat:write.public."
		c.Fix = "type /invite @" + s.botName + " in " + name + ", or add the chat:write.public scope and reinstall the app."
	}
	return c
}
