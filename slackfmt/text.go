package slackfmt

import (
	"strings"
	"unicode"
	"unicode/utf8"
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

// mrkdwnUnescaper is a single-pass Replacer, so "&amp;lt;" decodes to
// "&lt;", exactly once, as Slack meant.
var mrkdwnUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// UnescapeMrkdwn undoes EscapeMrkdwn: it decodes the three entities Slack
// uses (&amp;, &lt;, &gt;) and no others, as Slack does. Slack sends
// slash-command text escaped this way (so its own <@U…> and <!channel>
// syntax cannot be forged); without decoding, "R&D" would reach Syncro as
// "R&amp;D".
func UnescapeMrkdwn(s string) string {
	return mrkdwnUnescaper.Replace(s)
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
