package slackfmt

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeMrkdwn_DefusesMentionsAndRoundTrips(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"<!channel> printer down": "&lt;!channel&gt; printer down",
		"ping <@U123>":            "ping &lt;@U123&gt;",
		"R&D":                     "R&amp;D",
		"already &amp;":           "already &amp;amp;",
		"*bold* _it_":             "*bold* _it_",
	}
	for in, want := range tests {
		if got := EscapeMrkdwn(in); got != want {
			t.Errorf("EscapeMrkdwn(%q) = %q, want %q", in, got, want)
		}
		if back := UnescapeMrkdwn(want); back != in {
			t.Errorf("UnescapeMrkdwn(%q) = %q, want %q", want, back, in)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"héllo wörld", 4, "hél…"},
		{"日本語テキスト", 3, "日本…"},
		{"a👨‍👩‍👧", 3, "a👨…"}, // ZWJ left dangling at the cut is dropped
		{"", 3, ""},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.n)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > max(tt.n, 0) {
			t.Errorf("Truncate(%q, %d) = %q: invalid or too long", tt.in, tt.n, got)
		}
	}
}

func TestPlainText_OneLineWithinLimit(t *testing.T) {
	t.Parallel()
	if got := PlainText("  Printer\n\tdown  again ", 100); got != "Printer down again" {
		t.Errorf("got %q", got)
	}
	if got := PlainText(strings.Repeat("ab ", 100), MaxButtonText); utf8.RuneCountInString(got) != MaxButtonText || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("got %d runes: %q", utf8.RuneCountInString(got), got)
	}
}

func TestMrkdwnText_NeverSplitsAnEntity(t *testing.T) {
	t.Parallel()
	if got := MrkdwnText("a<b", 10); got != "a&lt;b" {
		t.Errorf("short text: got %q", got)
	}
	got := MrkdwnText("ab&cd", 5)
	if got != "ab…" {
		t.Errorf("got %q, want %q", got, "ab…")
	}
	long := MrkdwnText(strings.Repeat("<&>", 2000), MaxSectionText)
	if n := utf8.RuneCountInString(long); n > MaxSectionText {
		t.Errorf("%d runes, limit %d", n, MaxSectionText)
	}
	if strings.Contains(long, "<") || strings.HasSuffix(strings.TrimSuffix(long, Ellipsis), "&") {
		t.Errorf("unescaped or split entity at the end: %q", long[len(long)-12:])
	}
}

func TestUnescapeMrkdwn_DecodesOnlySlacksThreeEntities(t *testing.T) {
	t.Parallel()
	if got := UnescapeMrkdwn("&amp;lt;"); got != "&lt;" {
		t.Errorf("decoded %q, want one level only", got)
	}
	if got := UnescapeMrkdwn("&quot;kept&quot; &#60;"); got != "&quot;kept&quot; &#60;" {
		t.Errorf("decoded %q, want entities Slack does not use left alone", got)
	}
}

// FuzzMrkdwnText checks what every caller relies on: the result fits the
// limit, pings nobody (no < or > survives), never ends in a split entity,
// and escaping round-trips.
func FuzzMrkdwnText(f *testing.F) {
	for _, s := range []string{"", "<!channel> printer down", "R&D <@U123>", "日本語&テキスト", "a👨‍👩‍👧&", "&amp;lt;"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n %= 200
		if got := UnescapeMrkdwn(EscapeMrkdwn(s)); got != s {
			t.Fatalf("UnescapeMrkdwn(EscapeMrkdwn(%q)) = %q", s, got)
		}
		got := MrkdwnText(s, n)
		if c := utf8.RuneCountInString(got); c > max(n, 0) {
			t.Fatalf("MrkdwnText(%q, %d) = %q: %d runes", s, n, got, c)
		}
		if strings.ContainsAny(got, "<>") {
			t.Fatalf("MrkdwnText(%q, %d) = %q: unescaped markup", s, n, got)
		}
		for i := strings.IndexByte(got, '&'); i >= 0; i = strings.IndexByte(got, '&') {
			rest := got[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Fatalf("MrkdwnText(%q, %d) = %q: split or foreign entity at %q", s, n, got, rest)
			}
			got = rest[1:]
		}
	})
}

// FuzzPlainText checks that a plain_text value is one line within the
// limit and that a valid string stays valid (no character is split).
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"", "  Printer\n\tdown  again ", "héllo wörld", "a👨‍👩‍👧"} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n %= 200
		got := PlainText(s, n)
		if c := utf8.RuneCountInString(got); c > max(n, 0) {
			t.Fatalf("PlainText(%q, %d) = %q: %d runes", s, n, got, c)
		}
		if strings.ContainsAny(got, "\n\r\t") {
			t.Fatalf("PlainText(%q, %d) = %q: not one line", s, n, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(Truncate(s, n)) {
			t.Fatalf("Truncate(%q, %d) split a character", s, n)
		}
	})
}

func TestMrkdwnLiteral_ReplacesFormattingCharactersAtWordBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"*urgent* printer", "∗urgent∗ printer"},
		{"_x_ and ~y~", "ˍxˍ and ∼y∼"},
		{"run `ipconfig`", "run ˋipconfigˋ"},
		{"```block```", "ˋˋˋblockˋˋˋ"},
		{"john_doe@acme.com", "john_doe@acme.com"},
		{"snake_case_name 2*3", "snake_case_name 2*3"},
		{"a_ _b a*", "aˍ ˍb a∗"},
		{"R&D <@U1>", "R&amp;D &lt;@U1&gt;"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := MrkdwnLiteral(tt.in); got != tt.want {
			t.Errorf("MrkdwnLiteral(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMrkdwnText_ReplacesAFormattingCharacterLeftAtTheCut(t *testing.T) {
	t.Parallel()
	// Kept whole, "snake_case" keeps its underscore; cut after it, the
	// ellipsis would let the underscore close an italic span.
	if got := MrkdwnText("snake_case", 7); got != "snakeˍ…" {
		t.Errorf("got %q, want %q", got, "snakeˍ…")
	}
	if got := MrkdwnText("snake_case", 20); got != "snake_case" {
		t.Errorf("got %q, want %q", got, "snake_case")
	}
}
