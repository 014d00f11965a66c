// Package slackfmttest reads back the formatting Slack would draw for the
// mrkdwn the bot renders, so tests can check that text from Syncro never
// changes it: whatever a subject holds, the spans the bot opens are the
// spans it closes.
//
// The rules are Slack's as the demo renders them (demo/mrkdwn.go): code
// spans first, then *bold*, _italic_ and ~strike~ whose markers sit at a
// word boundary, on one line.
package slackfmttest

import (
	"slices"
	"strings"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// Span is one formatted run of text: its marker and where it opens.
type Span struct {
	// Marker is '*', '_', '~' or '`'.
	Marker byte
	// Start is the byte offset of the opening marker.
	Start int
}

// Format is the formatting of one mrkdwn text.
type Format struct {
	// Spans are the formatted runs, in the order they open.
	Spans []Span
	// Dangling counts formatting characters at a word boundary that open
	// or close nothing: a character that would pair with the next one
	// like it.
	Dangling int
}

// Markers is the markers of f's spans in order, like "*_": what two
// renderings must share for their formatting to be the same.
func (f Format) Markers() string {
	b := make([]byte, len(f.Spans))
	for i, s := range f.Spans {
		b[i] = s.Marker
	}
	return string(b)
}

// Parse reads the formatting of the mrkdwn text s.
func Parse(s string) Format {
	var f Format
	// Code first: nothing inside a code block or span is formatted, so it
	// is blanked out for the other markers.
	plain := []byte(s)
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "```") {
			if end := strings.Index(s[i+3:], "```"); end >= 0 {
				f.Spans = append(f.Spans, Span{Marker: '`', Start: i})
				blank(plain, i, i+3+end+3)
				i += 3 + end + 3
				continue
			}
		}
		if end := strings.IndexByte(s[i+1:], '`'); end > 0 && !strings.Contains(s[i+1:i+1+end], "\n") {
			f.Spans = append(f.Spans, Span{Marker: '`', Start: i})
			blank(plain, i, i+1+end+1)
			i += 1 + end + 1
			continue
		}
		f.Dangling++
		plain[i] = ' '
		i++
	}
	for _, m := range []byte{'*', '_', '~'} {
		spans, dangling := emphasis(string(plain), m)
		f.Spans = append(f.Spans, spans...)
		f.Dangling += dangling
	}
	slices.SortFunc(f.Spans, func(a, b Span) int { return a.Start - b.Start })
	return f
}

// blank replaces s[from:to] with letters, which neither format nor end a
// word: the markers around a code span see what they would in Slack.
func blank(s []byte, from, to int) {
	for i := from; i < to; i++ {
		s[i] = 'x'
	}
}

// emphasis finds the spans marked by m in s, one line at a time, and
// counts the markers at a word boundary that pair with nothing.
func emphasis(s string, m byte) (spans []Span, dangling int) {
	for i := 0; i < len(s); i++ {
		if s[i] != m {
			continue
		}
		if !opens(s, i) {
			if slackfmt.WordBoundaryBefore(s, i) || slackfmt.WordBoundaryAfter(s, i+1) {
				dangling++
			}
			continue
		}
		j := -1
		for k := i + 1; k < len(s) && s[k] != '\n'; k++ {
			if s[k] == m && closes(s, k) {
				j = k
				break
			}
		}
		if j < 0 {
			dangling++
			continue
		}
		spans = append(spans, Span{Marker: m, Start: i})
		i = j
	}
	return spans, dangling
}

// opens reports whether the marker at i can open a span: a word boundary
// before it and text (not space, not the same marker) after it.
func opens(s string, i int) bool {
	return slackfmt.WordBoundaryBefore(s, i) && i+1 < len(s) && !isSpace(s[i+1]) && s[i+1] != s[i]
}

// closes reports whether the marker at k can close a span: text before it
// and a word boundary after it.
func closes(s string, k int) bool {
	return !isSpace(s[k-1]) && slackfmt.WordBoundaryAfter(s, k+1)
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' }
