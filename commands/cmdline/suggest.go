package cmdline

import (
	"strings"
	"unicode/utf8"
)

// Suggest returns the candidate closest to word, for "Did you mean …?"
// replies to typos in subcommands, flags, labor kinds and (later) ticket
// statuses. Matching ignores case and counts a swapped pair of letters as one
// edit, since that is the commonest typing slip. The allowed distance grows
// with the word's length (1 up to 4 letters, 2 up to 8, then 3) so short
// words don't "match" unrelated ones. Ties go to the earlier candidate, so
// callers control preference by ordering. ok is false when nothing is close
// enough.
func Suggest(word string, candidates []string) (best string, ok bool) {
	w := []rune(strings.ToLower(word))
	if len(w) == 0 {
		return "", false
	}
	limit := maxEdits(len(w))
	bestDist := limit + 1
	for _, c := range candidates {
		if c == "" {
			continue
		}
		cr := []rune(strings.ToLower(c))
		if abs(len(cr)-len(w)) >= bestDist {
			continue // the length difference alone is already too far
		}
		if d := editDistance(w, cr); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, bestDist <= limit
}

// maxEdits is the largest edit distance still worth suggesting for a word of
// n runes.
func maxEdits(n int) int {
	switch {
	case n <= 4:
		return 1
	case n <= 8:
		return 2
	default:
		return 3
	}
}

// editDistance is the optimal-string-alignment distance between a and b:
// Levenshtein plus transposition of adjacent runes.
func editDistance(a, b []rune) int {
	// Three rolling rows: two back (for transpositions), previous, current.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// RuneLen is the length users and Slack count: characters, not bytes.
func RuneLen(s string) int { return utf8.RuneCountInString(s) }
