package slackfmt

import (
	"regexp"
	"strings"
)

// markupRE is Slack's markup in message text: <url>, <url|label>,
// <@U…>, <@U…|name>, <#C…|name>, <!here>, <!subteam^S…|@name>.
// Anything else between < and > is left as it stands.
var markupRE = regexp.MustCompile(`<((?:[@#!]|[a-zA-Z][a-zA-Z0-9+.-]*:)[^<>|]*)(?:\|([^<>]*))?>`)

// MessagePlainText is a message's text as its author typed it, for
// places outside Slack (a Syncro comment): Slack's markup becomes words
// (a link its label and address, a mention @name or @U…, a channel
// #name) and its three entities are decoded.
func MessagePlainText(s string) string {
	s = markupRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := markupRE.FindStringSubmatch(m)
		target, label := sub[1], sub[2]
		switch {
		case strings.HasPrefix(target, "@"):
			if label != "" {
				return "@" + strings.TrimPrefix(label, "@")
			}
			return target
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + label
			}
			return target
		case strings.HasPrefix(target, "!"):
			if label != "" {
				return label
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(target, "!"), "^")
			return "@" + name
		case label != "" && label != target && !strings.HasPrefix(target, "mailto:"):
			return label + " (" + target + ")"
		case label != "":
			return label
		}
		return target
	})
	return UnescapeMrkdwn(s)
}
