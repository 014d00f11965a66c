package commands

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Slack Block Kit limits, in characters unless named otherwise. They live
// here, in one place, so every renderer truncates against the same numbers.
// Source: docs/slack-platform.md §5.3–5.4 (Slack's block reference and the
// python-slack-sdk validators); MaxSectionFieldText is from Slack's section
// block reference.
const (
	MaxBlocksPerMessage = 50   // blocks in one message
	MaxBlocksPerModal   = 100  // blocks in a modal or Home tab
	MaxSectionText      = 3000 // section block text
	MaxSectionFields    = 10   // fields in a section block
	MaxSectionFieldText = 2000 // text of one section field
	MaxHeaderText       = 150  // header block plain_text
	MaxMarkdownText     = 12000
	MaxActionsElements  = 25 // elements in an actions block
	MaxContextElements  = 10 // elements in a context block
	MaxButtonText       = 75 // button label
	MaxButtonValue      = 2000
	MaxButtonURL        = 3000
	MaxOptionText       = 75  // option text and description
	MaxOptionValue      = 150 // option value
	MaxSelectOptions    = 100 // options (or option groups) in a select
	MaxOptionGroupLabel = 75
	MaxPlaceholder      = 150
	MaxActionID         = 255 // action_id and block_id
	MaxInputLabel       = 2000
	MaxConfirmTitle     = 100
	MaxConfirmText      = 300
	MaxConfirmButton    = 30
	MaxModalTitle       = 24 // modal title, submit and close labels
	MaxPrivateMetadata  = 3000
	MaxCallbackID       = 255
	MaxAttachments      = 100
	MaxAckBytes         = 20 * 1024 // a Socket Mode ack frame must stay under this
)

// Ellipsis marks text cut by Truncate, PlainText and MrkdwnText.
const Ellipsis = "…"

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// EscapeMrkdwn escapes &, < and > the way Slack requires for mrkdwn and
// message text. Anything read from Syncro (subjects, comments, names) must go
// through it: unescaped, "<!channel>" in a ticket subject would notify a
// whole channel and "<@U123>" would ping a person. Slack has no escape for
// *, _ and ~, so formatting characters are left alone.
func EscapeMrkdwn(s string) string {
	return mrkdwnEscaper.Replace(s)
}

// Truncate shortens s to at most n characters (runes), replacing the cut
// tail with an ellipsis, so a limit counted in characters is never exceeded
// and a multi-byte character is never split. A dangling zero-width joiner
// left at the cut is dropped so a half emoji sequence doesn't glue onto the
// ellipsis.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, i := 0, 0
	for i < len(s) && cut < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		cut++
	}
	return strings.TrimRight(s[:i], "\u200d") + Ellipsis
}

// PlainText prepares s for a one-line plain_text field (header, button,
// option, modal title): runs of whitespace including newlines become one
// space, the ends are trimmed, and the result is cut to n characters.
// plain_text is not parsed for mentions, so no escaping is needed. The
// result may be empty; Slack rejects empty text, so callers supply a
// fallback.
func PlainText(s string, n int) string {
	return Truncate(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "), n)
}

// MrkdwnText escapes s for mrkdwn and cuts it so the escaped result is at
// most n characters, without ever splitting an entity like "&amp;" (which
// Slack would show as a literal "&am").
func MrkdwnText(s string, n int) string {
	esc := EscapeMrkdwn(s)
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(esc) <= n {
		return esc
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		piece := EscapeMrkdwn(string(r))
		if used+utf8.RuneCountInString(piece) > n-1 {
			break
		}
		b.WriteString(piece)
		used += utf8.RuneCountInString(piece)
	}
	return strings.TrimRight(b.String(), "\u200d") + Ellipsis
}
