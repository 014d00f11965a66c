package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Slack ids are an upper-case type letter followed by upper-case letters and
// digits (U0123ABCD, W…, S…, C…, G…).
var (
	slackPrincipalID = regexp.MustCompile(`^[UWS][A-Z0-9]{6,}$`)
	slackChannelID   = regexp.MustCompile(`^[CG][A-Z0-9]{6,}$`)
)

// SlackIDs is a comma list of Slack user (U…/W…) and user-group (S…) ids,
// as in ALLOWED_USERS; nil means "no restriction".
type SlackIDs []string

// Contains reports whether id is listed literally; bot expands user-group
// ids into their members (usergroups.users.list).
func (s SlackIDs) Contains(id string) bool { return slices.Contains(s, id) }

// Decode parses a comma list of ids; it implements envconfig.Decoder. Empty
// entries are skipped; every malformed id is named in the one error.
func (s *SlackIDs) Decode(value string) error {
	var out SlackIDs
	var bad []string
	for id := range strings.SplitSeq(value, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
		case slackPrincipalID.MatchString(id):
			if !out.Contains(id) {
				out = append(out, id)
			}
		default:
			bad = append(bad, fmt.Sprintf("%q", id))
		}
	}
	if len(bad) > 0 {
		verb := "is not a Slack user (U…/W…) or user-group (S…) id"
		if len(bad) > 1 {
			verb = "are not Slack user (U…/W…) or user-group (S…) ids"
		}
		return fmt.Errorf("%s %s; use ids, not names", strings.Join(bad, ", "), verb)
	}
	*s = out
	return nil
}
