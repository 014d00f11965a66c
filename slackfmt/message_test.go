package slackfmt

import (
	"strings"
	"testing"
)

func TestMessagePlainText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"Printer &lt;3F&gt; down &amp; out", "Printer <3F> down & out"},
		{"see <https://acme.example/x?a=1&amp;b=2>", "see https://acme.example/x?a=1&b=2"},
		{"see <https://acme.example/x|the doc>", "see the doc (https://acme.example/x)"},
		{"mail <mailto:a@b.example|a@b.example>", "mail a@b.example"},
		{"hi <@U0DANA> and <@U0BOB|bob>", "hi @U0DANA and @bob"},
		{"in <#C0OPS|ops> and <#C0X>", "in #ops and #C0X"},
		{"<!here> <!channel> <!subteam^S0TECH|@techs>", "@here @channel @techs"},
		{"a < b and c > d unescaped", "a < b and c > d unescaped"},
		{"", ""},
	} {
		if got := MessagePlainText(tt.in); got != tt.want {
			t.Errorf("MessagePlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzMessagePlainText: any message text comes out without Slack's
// entities left encoded in text that had no markup, and never panics.
func FuzzMessagePlainText(f *testing.F) {
	for _, s := range []string{"<https://x|y>", "&lt;&amp;&gt;", "<@U1|a>", "<<>>", "<|>", "<!x^y|z>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := MessagePlainText(s)
		if !strings.ContainsAny(s, "<>") && out != UnescapeMrkdwn(s) {
			t.Errorf("text without markup changed beyond its entities: %q → %q", s, out)
		}
	})
}
