package commands

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// Bounds on single values from Syncro inside a summary line or a field,
// in characters after escaping, so one absurd subject cannot crowd out a
// whole section.
const (
	MaxStatusLen   = 40
	MaxCustomerLen = 80
	maxSubjectLen  = 200
	MaxNameLen     = 80
)

// VerbatimMrkdwn is a verbatim mrkdwn text object (see the file comment).
func VerbatimMrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

// BoundedPlain is a plain_text object; Slack rejects empty text, so "" becomes a
// dash.
func BoundedPlain(s string, n int) *slack.TextBlockObject {
	s = slackfmt.PlainText(s, n)
	if s == "" {
		s = "-"
	}
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// TextSection is a section holding mrkdwn text, capped to Slack's limit.
func TextSection(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(VerbatimMrkdwn(CapMrkdwn(s, slackfmt.MaxSectionText)), nil, nil)
}

// NoteContext is a context block with one mrkdwn element.
func NoteContext(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", VerbatimMrkdwn(CapMrkdwn(s, slackfmt.MaxSectionText)))
}

// CapMrkdwn cuts already-escaped mrkdwn to n characters without leaving a
// half entity ("&am") or a dangling formatting line behind. It is the last
// guard; callers bound their parts so it rarely cuts.
func CapMrkdwn(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := slackfmt.Truncate(s, n)
	body := strings.TrimSuffix(cut, slackfmt.Ellipsis)
	if amp := strings.LastIndexByte(body, '&'); amp >= 0 && !strings.Contains(body[amp:], ";") {
		body = body[:amp]
	}
	return body + slackfmt.Ellipsis
}

// InlineMrkdwn prepares one value from Syncro for a single mrkdwn line: runs of
// whitespace (newlines too) become one space, then it is escaped
// (slackfmt.MrkdwnText: formatting characters too, so it can sit inside the
// bot's *…* or _…_) and bounded to n characters.
func InlineMrkdwn(s string, n int) string {
	if isPlainInline(s, n) {
		return s // the common case; rendering a list is mostly this
	}
	return slackfmt.MrkdwnLine(s, n)
}

// isPlainInline reports whether InlineMrkdwn would return s unchanged: at
// most n characters, nothing to escape (no formatting character either),
// single spaces only, no space at either end.
func isPlainInline(s string, n int) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	count := 0
	prevSpace := false
	for _, r := range s {
		count++
		switch {
		case r == '&' || r == '<' || r == '>' || r == '*' || r == '_' || r == '~' || r == '`':
			return false
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case unicode.IsSpace(r):
			return false
		}
		prevSpace = false
	}
	return count <= n
}

// DashIfBlank is s, or a dash when s is blank.
func DashIfBlank(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// CompareFold compares a and b ignoring case, without allocating (a
// sort calls it n log n times).
func CompareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// TicketLine is one summary line: "#32164  New  Jerry Burger  Own cloud
// thing again", every part from Syncro escaped and bounded.
func TicketLine(t *syncro.Ticket) string {
	customer := t.CustomerName()
	return "#" + InlineMrkdwn(t.Number.String(), 20) +
		"  " + InlineMrkdwn(DashIfBlank(t.Status), MaxStatusLen) +
		"  " + InlineMrkdwn(DashIfBlank(customer), MaxCustomerLen) +
		"  " + InlineMrkdwn(DashIfBlank(t.Subject), maxSubjectLen)
}

// CountNoun is "1 ticket" / "3 tickets".
func CountNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// PackLines joins lines into as few section texts as possible, each at
// most slackfmt.MaxSectionText characters, never splitting a line (lines are
// bounded well below the limit; one that is not is capped).
func PackLines(lines []string, sep string) []string {
	var texts []string
	var b strings.Builder
	n := 0
	for _, l := range lines {
		l = CapMrkdwn(l, slackfmt.MaxSectionText)
		ln := utf8.RuneCountInString(l)
		if n > 0 && n+len(sep)+ln > slackfmt.MaxSectionText {
			texts = append(texts, b.String())
			b.Reset()
			n = 0
		}
		if n > 0 {
			b.WriteString(sep)
			n += len(sep)
		}
		b.WriteString(l)
		n += ln
	}
	if n > 0 {
		texts = append(texts, b.String())
	}
	return texts
}

// SplitReply lays out a header, an optional note and the section texts over
// as many messages as Block Kit's limits need: at most
// slackfmt.MaxBlocksPerMessage blocks and slackfmt.MaxMessageText characters each. Later
// messages open with a context line naming the part, so a reader who sees
// only one knows there are others.
func SplitReply(title, note string, texts []string) Reply {
	title = slackfmt.PlainText(title, slackfmt.MaxHeaderText)
	type msg struct {
		blocks []slack.Block
		chars  int
	}
	first := msg{blocks: []slack.Block{slack.NewHeaderBlock(BoundedPlain(title, slackfmt.MaxHeaderText))}, chars: utf8.RuneCountInString(title)}
	if note != "" {
		first.blocks = append(first.blocks, NoteContext(note))
		first.chars += utf8.RuneCountInString(note)
	}
	msgs := []msg{first}
	// contChars reserves room for the "part i of n" context of a
	// continuation message.
	contChars := utf8.RuneCountInString(title) + 40
	for _, t := range texts {
		cur := &msgs[len(msgs)-1]
		tn := utf8.RuneCountInString(t)
		if len(cur.blocks)+1 > slackfmt.MaxBlocksPerMessage || cur.chars+tn > slackfmt.MaxMessageText {
			msgs = append(msgs, msg{blocks: []slack.Block{nil}, chars: contChars})
			cur = &msgs[len(msgs)-1]
		}
		cur.blocks = append(cur.blocks, TextSection(t))
		cur.chars += tn
	}
	text := slackfmt.EscapeMrkdwn(title)
	r := Reply{Text: text, Blocks: msgs[0].blocks}
	for i, m := range msgs[1:] {
		part := fmt.Sprintf("%s (part %d of %d)", title, i+2, len(msgs))
		m.blocks[0] = NoteContext(slackfmt.EscapeMrkdwn(part))
		r.More = append(r.More, Message{Text: slackfmt.EscapeMrkdwn(part), Blocks: m.blocks})
	}
	return r
}

// CustomerLabel is how a customer reads in the picker: "Business (Name)",
// or the person's name for customers without a business.
func CustomerLabel(business, fullname string) string {
	business, fullname = strings.TrimSpace(business), strings.TrimSpace(fullname)
	if fullname == "(empty)" {
		fullname = "" // Syncro's placeholder for a blank name
	}
	switch {
	case business != "" && fullname != "":
		return business + " (" + fullname + ")"
	case business != "":
		return business
	}
	return fullname
}
