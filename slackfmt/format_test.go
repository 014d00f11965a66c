package slackfmt_test

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/slackfmt/slackfmttest"
)

// FuzzMrkdwnLiteral_KeepsTheBotsFormatting checks the promise of
// MrkdwnLiteral and MrkdwnText: whatever Syncro's text holds, placed in the
// bot's bold span and beside its italic one, Slack draws exactly those two
// spans and no formatting character is left to pair with a later one.
func FuzzMrkdwnLiteral_KeepsTheBotsFormatting(f *testing.F) {
	for _, s := range []string{"*urgent*", "_x_", "~x~", "`x`", "```x```", "a*", "*a", "snake_case", "x_ _y", "2*3*4", "**", "_", "`"} {
		f.Add(s, 40)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		s = strings.Join(strings.Fields(s), " ")
		if s == "" {
			return
		}
		n = 2 + abs(n%200)
		for _, lit := range []string{slackfmt.MrkdwnLiteral(s), slackfmt.MrkdwnText(s, n)} {
			want := "*x* · y · _internal_"
			got := "*" + lit + "* · " + lit + " · _internal_"
			slackfmttest.SameFormatting(t, got, want)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
