package sessionlog

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// yamlString renders s as a YAML double-quoted scalar. Double quotes are the
// only YAML style in which every string, including one that looks like a
// number, a bool, "---" or a comment, stays a plain string on one line.
func yamlString(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if yamlPrintable(r) {
				b.WriteRune(r)
				continue
			}
			if r <= 0xff {
				b.WriteString(`\x`)
				b.WriteString(hex2(int(r)))
			} else if r <= 0xffff {
				b.WriteString(`\u`)
				b.WriteString(hex2(int(r>>8)) + hex2(int(r&0xff)))
			} else {
				b.WriteString(`\U`)
				b.WriteString(strings.Repeat("0", 8-len(strconv.FormatInt(int64(r), 16))) + strconv.FormatInt(int64(r), 16))
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hex2(v int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>4&0xf], digits[v&0xf]})
}

// yamlPrintable follows the YAML 1.2 c-printable production, minus the
// characters YAML treats as line breaks (NEL, LS, PS) and the BOM, which
// must be escaped to keep a value on its line.
func yamlPrintable(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0x7e:
		return true
	case r == 0x85, r == 0x2028, r == 0x2029, r == 0xfeff:
		return false
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// cleanText makes user text safe to put in a Markdown file: valid UTF-8,
// LF line endings, tabs expanded, no control characters.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\r', r == 0x85, r == 0x2028, r == 0x2029:
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r == 0xfeff:
			// Control characters carry no meaning in a log and some
			// renderers choke on them.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneLine flattens text meant for a single line (names, subjects).
func oneLine(s string) string {
	return strings.Join(strings.Fields(cleanText(s)), " ")
}

// escapeInline backslash-escapes characters that Markdown (CommonMark plus
// GitHub's tables and strikethrough) treats as syntax anywhere in a line,
// so that text from tickets is shown exactly as typed. $ is included
// because GitHub renders $...$ as math.
func escapeInline(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '_', '[', ']', '<', '|', '~', '$':
			b.WriteByte('\\')
		case '&':
			// Only an entity reference (&name; or &#123;) changes what
			// & shows; "AT&T" stays readable.
			if entityAt(s[i+1:]) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// entityAt reports whether s (what follows an &) completes a character
// reference.
func entityAt(s string) bool {
	j := 0
	if j < len(s) && s[j] == '#' {
		j++
	}
	k := j
	for k < len(s) && (isASCIILetter(s[k]) || isDigit(s[k])) {
		k++
	}
	return k > j && k < len(s) && s[k] == ';'
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool       { return c >= '0' && c <= '9' }

// escapeBlockStart escapes s (which has no leading space) for the start of a
// line, where #, >, -, +, = and "12." would open a heading, quote, list,
// setext heading or thematic break the author never meant.
func escapeBlockStart(s string) string {
	if s == "" {
		return ""
	}
	switch s[0] {
	case '#', '>', '-', '+', '=':
		return `\` + escapeInline(s)
	}
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	if n > 0 && n < len(s) && (s[n] == '.' || s[n] == ')') {
		return s[:n] + `\` + escapeInline(s[n:])
	}
	return escapeInline(s)
}

// escapeHeadingEnd escapes a trailing # of heading text, which Markdown
// would otherwise take for the heading's closing sequence and drop.
func escapeHeadingEnd(e string) string {
	if strings.HasSuffix(e, "#") && !strings.HasSuffix(e, `\#`) {
		e = e[:len(e)-1] + `\#`
	}
	return e
}

// listMarker recognises a list item the author meant: a bullet or a short
// ordered marker followed by a space and some text. HTML lists arrive in
// this shape from htmltext. Ordered numbers are capped at two digits
// because "2024. was a good year" is a sentence, not a list.
func listMarker(s string) (marker, rest string, ok bool) {
	if len(s) >= 3 && strings.ContainsRune("-*+", rune(s[0])) && s[1] == ' ' {
		rest = strings.TrimLeft(s[2:], " ")
		return s[:2], rest, rest != ""
	}
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	if n == 0 || n > 2 || n+2 > len(s) || (s[n] != '.' && s[n] != ')') || s[n+1] != ' ' {
		return "", "", false
	}
	rest = strings.TrimLeft(s[n+2:], " ")
	return s[:n+2], rest, rest != ""
}

// lineKind classifies rendered body lines for paragraph and list handling.
type lineKind int

const (
	kindBlank lineKind = iota
	kindPara           // flush-left paragraph text
	kindItem           // a list item's first line
	kindCont           // indented text continuing a list item
)

type bodyLine struct {
	text string
	kind lineKind
}

// markdownBody renders plain text as Markdown that displays the same lines:
// every syntax character is escaped, list items the author typed stay
// lists, indentation never turns into a code block, and line breaks inside
// a paragraph are kept with a trailing backslash (CommonMark's hard break),
// because techs write one step per line.
func markdownBody(text string) string {
	var out []bodyLine
	listCont := 0 // content column of the last list item; 0 outside lists
	prev := kindBlank
	for _, raw := range strings.Split(cleanText(text), "\n") {
		l := strings.TrimRight(raw, " ")
		if l == "" {
			if prev != kindBlank && len(out) > 0 {
				out = append(out, bodyLine{"", kindBlank})
			}
			prev = kindBlank
			continue
		}
		s := strings.TrimLeft(l, " ")
		indent := utf8.RuneCountInString(l) - utf8.RuneCountInString(s)
		if marker, rest, ok := listMarker(s); ok {
			indent = min(indent, listCont)
			if prev == kindPara {
				out = append(out, bodyLine{"", kindBlank})
			}
			out = append(out, bodyLine{strings.Repeat(" ", indent) + marker + escapeBlockStart(rest), kindItem})
			listCont = indent + len(marker)
			prev = kindItem
			continue
		}
		if listCont > 0 && indent > 0 {
			indent = min(indent, listCont)
			out = append(out, bodyLine{strings.Repeat(" ", indent) + escapeBlockStart(s), kindCont})
			prev = kindCont
			continue
		}
		if prev == kindItem || prev == kindCont {
			out = append(out, bodyLine{"", kindBlank})
		}
		listCont = 0
		out = append(out, bodyLine{escapeBlockStart(s), kindPara})
		prev = kindPara
	}
	for len(out) > 0 && out[len(out)-1].kind == kindBlank {
		out = out[:len(out)-1]
	}
	var b strings.Builder
	for i, l := range out {
		b.WriteString(l.text)
		if l.kind != kindBlank && i+1 < len(out) && (out[i+1].kind == kindPara || out[i+1].kind == kindCont) {
			b.WriteByte('\\')
		}
		b.WriteByte('\n')
	}
	return b.String()
}
