// Package htmltext turns the HTML that Syncro (and Slack) hand us into clean
// plain text that a human can read in a Markdown file or a chat message.
//
// It is deliberately small: block elements become line breaks, lists become
// "- item" / "1. item" lines, links keep their target visible, and anything
// that is not meant to be read (scripts, styles, the document head) vanishes.
package htmltext

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ToText converts s to plain text.
//
// Input that does not look like HTML (no recognisable tag) is returned as is,
// apart from normalising CR and CRLF line endings to LF, because plain-text
// comments often carry meaningful spacing that HTML rules would destroy.
//
// HTML input is parsed leniently: paragraphs, <br> and <div> become line
// breaks, list items become "- item" or "1. item" lines, links become
// "text (url)" (or just the url when the text is the url), entities are
// decoded, <script>, <style> and <head> are dropped with their content and
// all other tags are stripped. Runs of blank lines collapse to one and the
// result is trimmed.
//
// The output is valid UTF-8 and never contains the sequence "<script" in any
// letter case: should decoded text spell one out, its "<" is written as
// "&lt;" so that no renderer downstream can mistake it for a tag.
func ToText(s string) string {
	var out string
	if looksLikeHTML(s) {
		out = fromHTML(s)
	} else {
		out = normalizeNewlines(s)
	}
	return defuseScript(strings.ToValidUTF8(out, "\uFFFD"))
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// looksLikeHTML reports whether s contains something that is unmistakably a
// tag: a known element name after "<" or "</", or a comment/doctype. Plain
// text such as "a < b" or "x<y" must not be run through the HTML parser,
// which would eat it.
func looksLikeHTML(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		rest := s[i+1:]
		if strings.HasPrefix(rest, "!--") || hasPrefixFold(rest, "!doctype") {
			return true
		}
		rest = strings.TrimPrefix(rest, "/")
		n := 0
		for n < len(rest) && isAlnum(rest[n]) {
			n++
		}
		if n == 0 || !isLetter(rest[0]) {
			continue
		}
		if n < len(rest) && !strings.ContainsRune(" \t\n\r\f/>", rune(rest[n])) {
			continue
		}
		if atom.Lookup([]byte(strings.ToLower(rest[:n]))) != 0 {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool  { return isLetter(c) || c >= '0' && c <= '9' }

// defuseScript rewrites every case-insensitive "<script" as "&lt;script".
// Replacing the "<" cannot create a new match, so one pass is enough.
func defuseScript(s string) string {
	const word = "script"
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && hasPrefixFold(s[i+1:], word) {
			if b.Len() == 0 {
				b.Grow(len(s) + 8)
			}
			b.WriteString(s[last:i])
			b.WriteString("&lt;")
			last = i + 1
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// dropped lists elements whose content is never meant to be read as text.
var dropped = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Template: true,
	atom.Noscript: true, atom.Title: true, atom.Iframe: true, atom.Object: true,
	atom.Svg: true, atom.Math: true, atom.Select: true,
}

// lineBlocks end the current line before and after themselves.
var lineBlocks = map[atom.Atom]bool{
	atom.Div: true, atom.Tr: true, atom.Dt: true, atom.Dd: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
	atom.Nav: true, atom.Aside: true, atom.Main: true, atom.Address: true,
	atom.Figure: true, atom.Figcaption: true, atom.Form: true, atom.Fieldset: true,
	atom.Legend: true, atom.Details: true, atom.Summary: true, atom.Caption: true,
	atom.Center: true, atom.Li: true,
}

// paraBlocks are separated from their surroundings by a blank line.
var paraBlocks = map[atom.Atom]bool{
	atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true,
	atom.Table: true, atom.Hr: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
}

func fromHTML(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		// The parser refuses documents nested deeper than 512 elements;
		// a flat pass over the tokens still strips every tag.
		return fromTokens(s)
	}
	w := &textWriter{}
	w.node(doc)
	return tidy(w.b.String())
}

// fromTokens converts s without building a tree: tags still shape lines
// and dropped elements still vanish, but lists lose their numbering and
// links their targets. It serves inputs the tree parser rejects.
func fromTokens(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	w := &textWriter{}
	skip := 0 // depth inside dropped elements
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidy(w.b.String())
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if dropped[a] && a != atom.Head { // <head> often lacks its end tag
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			switch {
			case skip > 0:
			case a == atom.Br:
				w.hardBreak()
			case a == atom.Li && tt == html.StartTagToken:
				w.breakLine()
				w.b.WriteString("- ")
				w.markerEnd = w.b.Len()
			case paraBlocks[a]:
				w.paragraph()
			case lineBlocks[a]:
				w.breakLine()
			}
		}
	}
}

// list is one open <ul> or <ol>.
type list struct {
	ordered bool
	next    int
}

// textWriter accumulates text with HTML's whitespace rules: runs of spaces
// collapse, and line structure only comes from elements.
type textWriter struct {
	b            strings.Builder
	pendingSpace bool
	pre          int      // depth of <pre>: whitespace is kept verbatim
	indent       []string // continuation indent of open list items
	lists        []list
	markerEnd    int // b.Len() right after a list marker; suppresses breaks
}

func (w *textWriter) atLineStart() bool {
	n := w.b.Len()
	return n == 0 || w.b.String()[n-1] == '\n'
}

// startLine writes the current list indentation if a new line begins.
func (w *textWriter) startLine() {
	if w.atLineStart() && len(w.indent) > 0 {
		w.b.WriteString(w.indent[len(w.indent)-1])
	}
}

// text writes HTML character data.
func (w *textWriter) text(s string) {
	if w.pre > 0 {
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				w.b.WriteByte('\n')
			}
			if line != "" {
				w.startLine()
				w.b.WriteString(line)
			}
		}
		w.pendingSpace = false
		return
	}
	s = strings.ReplaceAll(s, "\u00a0", " ")
	if s != "" && isSpace(s[0]) {
		w.pendingSpace = true
	}
	for _, word := range strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) }) {
		w.word(word, w.pendingSpace)
		w.pendingSpace = true
	}
	if s == "" || !isSpace(s[len(s)-1]) {
		w.pendingSpace = false
	}
}

// word writes a run of non-space text, preceded by one space if asked for
// and not at the start of a line.
func (w *textWriter) word(s string, space bool) {
	if space && !w.atLineStart() && w.b.Len() != w.markerEnd {
		w.b.WriteByte(' ')
	}
	w.startLine()
	w.b.WriteString(s)
	w.pendingSpace = false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// breakLine ends the current line unless one just ended.
func (w *textWriter) breakLine() {
	w.pendingSpace = false
	if w.atLineStart() || w.b.Len() == w.markerEnd {
		return
	}
	w.b.WriteByte('\n')
}

// hardBreak is a <br>: it always ends a line, even an empty one.
func (w *textWriter) hardBreak() {
	w.pendingSpace = false
	w.b.WriteByte('\n')
}

// paragraph makes sure a blank line separates what follows.
func (w *textWriter) paragraph() {
	w.pendingSpace = false
	if w.b.Len() == 0 || w.b.Len() == w.markerEnd {
		return
	}
	if !w.atLineStart() {
		w.b.WriteByte('\n')
	}
	if !strings.HasSuffix(w.b.String(), "\n\n") {
		w.b.WriteByte('\n')
	}
}

func (w *textWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.CommentNode, html.DoctypeNode, html.RawNode:
		return
	case html.ElementNode:
		w.element(n)
		return
	}
	w.children(n)
}

func (w *textWriter) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

func (w *textWriter) element(n *html.Node) {
	a := n.DataAtom
	if dropped[a] {
		return
	}
	switch a {
	case atom.Br:
		w.hardBreak()
		return
	case atom.Pre:
		w.paragraph()
		w.pre++
		w.children(n)
		w.pre--
		w.paragraph()
		return
	case atom.Ul, atom.Ol:
		l := list{ordered: a == atom.Ol, next: 1}
		if v, err := strconv.Atoi(attr(n, "start")); err == nil && v >= 0 && v < 1e9 {
			l.next = v
		}
		// A nested list belongs to its item: no blank line around it.
		if len(w.lists) == 0 {
			w.paragraph()
		} else {
			w.breakLine()
		}
		w.lists = append(w.lists, l)
		w.children(n)
		w.lists = w.lists[:len(w.lists)-1]
		if len(w.lists) == 0 {
			w.paragraph()
		} else {
			w.breakLine()
		}
		return
	case atom.Li:
		w.listItem(n)
		return
	case atom.A:
		w.link(n)
		return
	case atom.Td, atom.Th:
		if !w.atLineStart() {
			w.pendingSpace = true
		}
		w.children(n)
		w.pendingSpace = true
		return
	}
	switch {
	case paraBlocks[a]:
		w.paragraph()
		w.children(n)
		w.paragraph()
	case lineBlocks[a]:
		w.breakLine()
		w.children(n)
		w.breakLine()
	default:
		w.children(n)
	}
}

func (w *textWriter) listItem(n *html.Node) {
	w.breakLine()
	marker := "- "
	if k := len(w.lists); k > 0 && w.lists[k-1].ordered {
		marker = strconv.Itoa(w.lists[k-1].next) + ". "
		w.lists[k-1].next++
	}
	w.startLine()
	w.b.WriteString(marker)
	w.markerEnd = w.b.Len()
	parent := ""
	if len(w.indent) > 0 {
		parent = w.indent[len(w.indent)-1]
	}
	w.indent = append(w.indent, parent+strings.Repeat(" ", len(marker)))
	w.children(n)
	w.indent = w.indent[:len(w.indent)-1]
	w.breakLine()
}

// link writes the anchor text followed by its target, so the URL survives
// in plain text; the target is left out when it would only repeat the text.
func (w *textWriter) link(n *html.Node) {
	href := strings.TrimSpace(attr(n, "href"))
	if !usefulHref(href) {
		w.children(n)
		return
	}
	start := w.b.Len()
	w.children(n)
	shown := strings.Join(strings.Fields(w.b.String()[start:]), " ")
	switch {
	case shown == "":
		w.word(href, w.pendingSpace)
	case sameTarget(shown, href):
	default:
		w.word("("+href+")", true)
	}
	w.pendingSpace = false
}

// usefulHref rejects targets a reader cannot follow from a text file, and
// script URLs that have no business being copied anywhere.
func usefulHref(href string) bool {
	if href == "" || strings.HasPrefix(href, "#") {
		return false
	}
	lower := strings.ToLower(strings.Join(strings.Fields(href), ""))
	for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
		if strings.HasPrefix(lower, bad) {
			return false
		}
	}
	return true
}

func sameTarget(text, href string) bool {
	if text == href {
		return true
	}
	for _, scheme := range []string{"mailto:", "tel:"} {
		if rest, ok := strings.CutPrefix(href, scheme); ok && strings.EqualFold(rest, text) {
			return true
		}
	}
	return strings.TrimSuffix(text, "/") == strings.TrimSuffix(href, "/")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// tidy trims trailing space on every line, collapses runs of blank lines
// into one and trims blank lines at both ends.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
