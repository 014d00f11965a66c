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
// message text: unescaped, "<!channel>" would notify a whole channel and
// "<@U123>" would ping a person. Formatting characters are left alone, so
// it suits the bot's own text; text read from Syncro goes through
// MrkdwnLiteral, which escapes those too.
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

// MrkdwnText escapes s with MrkdwnLiteral and cuts it so the escaped
// result is at most n characters, without ever splitting an entity like
// "&amp;" (which Slack would show as a literal "&am"). A formatting
// character left at the cut is replaced too, since the ellipsis after it
// would let it close a span.
func MrkdwnText(s string, n int) string {
	if n <= 0 {
		return ""
	}
	esc := MrkdwnLiteral(s)
	if utf8.RuneCountInString(esc) <= n {
		return esc
	}
	// Every character escapes to the same length wherever it stands (a
	// lookalike is one character, like the character it replaces), so the
	// cut is found on the characters alone.
	used, cut := 0, 0
	for cut < len(s) {
		r, size := utf8.DecodeRuneInString(s[cut:])
		w := utf8.RuneCountInString(EscapeMrkdwn(string(r)))
		if used+w > n-1 {
			break
		}
		used += w
		cut += size
	}
	return strings.TrimRight(MrkdwnLiteral(s[:cut]), "\u200d") + Ellipsis
}

// MrkdwnLine is MrkdwnText for a value shown on one line (a subject, a
// name, a status): runs of whitespace, newlines too, become one space
// first, so the value cannot end a line inside the bot's *…* or a link's
// label.
func MrkdwnLine(s string, n int) string {
	return MrkdwnText(strings.Join(strings.Fields(s), " "), n)
}

// Lookalikes of Slack's formatting characters: they read the same, but
// Slack's mrkdwn parser does not know them (see docs/slack-limits.md,
// "Escaping").
const (
	lookalikeAsterisk   = "\u2217" // ∗ ASTERISK OPERATOR for *
	lookalikeUnderscore = "\u02cd" // ˍ MODIFIER LETTER LOW MACRON for _
	lookalikeTilde      = "\u223c" // ∼ TILDE OPERATOR for ~
	lookalikeBacktick   = "\u02cb" // ˋ MODIFIER LETTER GRAVE ACCENT for `
)

// MrkdwnLiteral escapes s to show as itself inside the bot's mrkdwn: &, <
// and > as EscapeMrkdwn does, and Slack's formatting characters replaced
// by lookalikes, because mrkdwn has no backslash escape. Unreplaced, a
// subject "*urgent" placed in the bot's "*#32150 …*" would pair with the
// bot's own asterisks and break its formatting. A *, _ or ~ between two
// letters or digits is kept ("snake_case", "john_doe@acme.com", "2*3"):
// Slack only opens or closes a span at a word boundary, so such a
// character cannot, and an email stays copyable. Backticks are always
// replaced; a code span needs no boundary.
func MrkdwnLiteral(s string) string {
	if !strings.ContainsAny(s, "&<>*_~`") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	prev := ' '
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '`':
			b.WriteString(lookalikeBacktick)
		case '*', '_', '~':
			next, _ := utf8.DecodeRuneInString(s[i+1:]) // the three are one byte each
			switch {
			case isWordRune(prev) && isWordRune(next):
				b.WriteRune(r)
			case r == '*':
				b.WriteString(lookalikeAsterisk)
			case r == '_':
				b.WriteString(lookalikeUnderscore)
			default:
				b.WriteString(lookalikeTilde)
			}
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// isWordRune reports a letter or digit: a formatting character between two
// of them is inside a word, where Slack does not format.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// WordBoundaryBefore reports whether s[:i] ends outside a word (or is
// empty): where Slack lets a formatting character open a span, so
// "*bold*" formats and "2*3*4" does not.
func WordBoundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

// WordBoundaryAfter reports whether s[i:] starts outside a word (or is
// empty): where Slack lets a formatting character close a span.
func WordBoundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r)
}
