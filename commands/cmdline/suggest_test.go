package cmdline

import "testing"

func TestSuggest(t *testing.T) {
	t.Parallel()
	cands := []string{"ticket", "tickets", "comment", "customer", "customers", "search", "log", "mine", "In Progress", "Resolved"}
	tests := []struct {
		word, want string
		ok         bool
	}{
		{"tcket", "ticket", true},
		{"tikcet", "ticket", true}, // transposition is one edit
		{"TICKET", "ticket", true}, // case-insensitive, returns the candidate's spelling
		{"comemnt", "comment", true},
		{"lgo", "log", true},
		{"in progres", "In Progress", true},
		{"resolvd", "Resolved", true},
		{"x", "", false},
		{"zzzz", "", false},
		{"", "", false},
		{"customerss", "customers", true},
		{"srch", "", false}, // two edits is too many for a four-letter word
	}
	for _, tt := range tests {
		got, ok := Suggest(tt.word, cands)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Suggest(%q) = %q, %v; want %q, %v", tt.word, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := Suggest("tickte", []string{"tickets", "ticket"}); !ok || got != "ticket" {
		t.Errorf("closest wins over earlier: got %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"héllo", "hello", 1}, {"ca", "abc", 3}}
	for _, tt := range tests {
		if got := editDistance([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
