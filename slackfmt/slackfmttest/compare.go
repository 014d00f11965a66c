package slackfmttest

import (
	"encoding/json"
	"testing"
)

// MrkdwnTexts returns every mrkdwn text object's text in v (blocks, a
// reply, a view) as Slack receives it, in document order.
func MrkdwnTexts(t testing.TB, v any) []string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("unmarshal %T: %v", v, err)
	}
	var out []string
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			if n["type"] == "mrkdwn" {
				if s, ok := n["text"].(string); ok {
					out = append(out, s)
				}
			}
			for _, c := range n {
				walk(c)
			}
		case []any:
			for _, c := range n {
				walk(c)
			}
		}
	}
	walk(doc)
	return out
}

// SameFormatting fails t unless got, rendered from text of Syncro's,
// formats exactly as want, the same rendering from harmless text: the same
// spans in every mrkdwn text and no formatting character left dangling.
// Text rendered as mrkdwn (Reply.Text, say) can be passed as a string.
func SameFormatting(t testing.TB, got, want any) {
	t.Helper()
	g, w := texts(t, got), texts(t, want)
	if len(g) != len(w) {
		t.Fatalf("%d mrkdwn texts, want %d:\n%q\nwant\n%q", len(g), len(w), g, w)
	}
	for i := range g {
		fg, fw := Parse(g[i]), Parse(w[i])
		if fg.Markers() != fw.Markers() || fg.Dangling != fw.Dangling {
			t.Fatalf("mrkdwn text %d formats as spans %q with %d dangling, want %q with %d:\n%s\nwant\n%s",
				i, fg.Markers(), fg.Dangling, fw.Markers(), fw.Dangling, g[i], w[i])
		}
	}
}

// texts is v's mrkdwn texts, or v itself when it is a string.
func texts(t testing.TB, v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	return MrkdwnTexts(t, v)
}
