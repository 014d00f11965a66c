package commands

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeMrkdwn_DefusesMentions(t *testing.T) {
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
