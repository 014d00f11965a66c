package sessionlog

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestYAMLString_RoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\path`, `"C:\\path"`},
		{"two\nlines", `"two\nlines"`},
		{"---", `"---"`},
		{"# not a comment", `"# not a comment"`},
		{"yes", `"yes"`},
		{"bell\x07", `"bell\x07"`},
		{"nel\u0085ls\u2028", `"nel\x85ls\u2028"`},
		{"bom\ufeff", `"bom\ufeff"`},
		{"é ünïcode 🎉", `"é ünïcode 🎉"`},
	}
	for _, tt := range tests {
		got := yamlString(tt.in)
		if got != tt.want {
			t.Errorf("yamlString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := yaml.Unmarshal([]byte("v: "+got), &map[string]*string{"v": &back}); err != nil {
			t.Errorf("yamlString(%q) = %s does not parse: %v", tt.in, got, err)
		}
	}
}

func TestEscapeBlockStart(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain words", "plain words"},
		{"# heading", `\# heading`},
		{"> quote", `\> quote`},
		{"---", `\---`},
		{"===", `\===`},
		{"-5 degrees", `\-5 degrees`},
		{"+1 555", `\+1 555`},
		{"* * *", `\* \* \*`},
		{"1999. year", `1999\. year`},
		{"2) x", `2\) x`},
		{"```go", "\\`\\`\\`go"},
		{"~~~", `\~\~\~`},
		{"<div>", `\<div>`},
		{"[ref]: http://x", `\[ref\]: http://x`},
		{"a | b", `a \| b`},
		{"snake_case *bold*", `snake\_case \*bold\*`},
		{"AT&T &amp; &#169;", `AT&T \&amp; \&#169;`},
		{`back\slash`, `back\\slash`},
		{"$5 and $10", `\$5 and \$10`},
	}
	for _, tt := range tests {
		if got := escapeBlockStart(tt.in); got != tt.want {
			t.Errorf("escapeBlockStart(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownBody(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"lines keep hard breaks", "one\ntwo", "one\\\ntwo\n"},
		{"paragraphs", "one\n\n\n\ntwo", "one\n\ntwo\n"},
		{"indent never becomes code", "    code?\n\tTabbed", "code?\\\nTabbed\n"},
		{"list after paragraph gets a blank line", "steps:\n- a\n- b", "steps:\n\n- a\n- b\n"},
		{"nested list keeps its indent", "- a\n  - b\n    - c", "- a\n  - b\n    - c\n"},
		{"over-indented item is pulled in", "- a\n        - b", "- a\n  - b\n"},
		{"first item cannot start indented", "      - a", "- a\n"},
		{"paragraph after list", "- a\nafter", "- a\n\nafter\n"},
		{"continuation inside item", "1. first\n   more", "1. first\\\n   more\n"},
		{"marker content escaped", "- # not a heading", "- \\# not a heading\n"},
		{"setext underline escaped", "Title\n---", "Title\\\n\\---\n"},
		{"bare marker escaped", "text\n-", "text\\\n\\-\n"},
		{"CRLF and controls", "a\r\nb\x00c", "a\\\nbc\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := markdownBody(tt.in); got != tt.want {
				t.Errorf("markdownBody(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFollowUps(t *testing.T) {
	t.Parallel()
	got := followUps([]string{"Call back Monday", ""},
		"Fixed.\ntodo: replace toner\n- Follow-up: check backups\nFollow up with Jane\nFollowups pending\nTodoist is unrelated\nnothing TODO here\ncall back monday")
	want := []string{"Call back Monday", "todo: replace toner", "Follow-up: check backups", "Follow up with Jane", "Followups pending"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("followUps = %q, want %q", got, want)
	}
}

func TestCommitAuthorAndMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		u    SlackUser
		want string
	}{
		{SlackUser{ID: "U1", Name: "Bob Tech"}, "Bob Tech <U1@users.noreply.slack>"},
		{SlackUser{ID: "U1", Name: "Bob", Email: "bob@msp.example"}, "Bob <bob@msp.example>"},
		{SlackUser{ID: "U1"}, "U1 <U1@users.noreply.slack>"},
		{SlackUser{Name: "Eve <evil>\n"}, "Eve evil <unknown@users.noreply.slack>"},
		{SlackUser{ID: "../U 2", Email: "a b"}, "../U 2 <..U2@users.noreply.slack>"},
	}
	for _, tt := range tests {
		if got := commitAuthor(tt.u); got != tt.want {
			t.Errorf("commitAuthor(%+v) = %q, want %q", tt.u, got, tt.want)
		}
	}
	rec := plainRecord(mustZone(t))
	if got, want := commitMessage(&rec), "session log: #32164 Acme Corp — Printer offline"; got != want {
		t.Errorf("commitMessage = %q, want %q", got, want)
	}
	rec.Subject = strings.Repeat("x", 300) + "\nsecond line"
	if got := commitMessage(&rec); strings.Contains(got, "\n") || len([]rune(got)) > maxCommitSubject {
		t.Errorf("commitMessage not one bounded line: %q", got)
	}
}
