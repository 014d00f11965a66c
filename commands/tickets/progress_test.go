package tickets

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestSlash_RateLimitedSaysSoOnceAndStillAnswers: Syncro answers 429 twice
// (Retry-After 30 s); the tech sees one progress line, then the real reply.
func TestSlash_RateLimitedSaysSoOnceAndStillAnswers(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	f.srv.Fail("GET", "/tickets", 2, syncrotest.FaultRateLimit)
	var lines []string
	r := f.c.Slash(t.Context(), commands.Request{Actor: marcus, ChannelID: "C0TECHS", Text: "ticket 32150", EnvelopeID: "env-rl",
		Progress: func(text string) { lines = append(lines, text) }})
	if len(lines) != 1 || lines[0] != "Syncro is rate limiting us; retrying in 30 s…" {
		t.Errorf("progress lines = %q, want exactly one naming the 30 s wait", lines)
	}
	if !strings.Contains(replyText(r), "Own cloud thing again") {
		t.Errorf("after the wait the ticket should show; got %q", replyText(r))
	}
}

// TestSlash_NoProgressWithoutRateLimit: an ordinary command says nothing
// extra.
func TestSlash_NoProgressWithoutRateLimit(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	called := false
	f.c.Slash(t.Context(), commands.Request{Actor: marcus, ChannelID: "C0TECHS", Text: "ticket 32150", EnvelopeID: "env-ok",
		Progress: func(string) { called = true }})
	if called {
		t.Error("progress was shown without any rate limiting")
	}
}

// replyText is everything a reply shows as text: the fallback and the
// JSON of its blocks (enough for "contains" checks).
func replyText(r commands.Reply) string {
	b, _ := json.Marshal(r.Blocks)
	return r.Text + "\n" + string(b)
}

// TestQuick_HelpAndUsageErrorsNeedNoSyncro: help and unparsable text are
// answered without Syncro (bot puts them in the ack), with exactly the
// reply Slash would give; anything else is not quick.
func TestQuick_HelpAndUsageErrorsNeedNoSyncro(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	for _, text := range []string{"help", "help comment", "tcket 32150", "ticket abc"} {
		f.srv.ResetLog()
		q, ok := f.c.Quick(text)
		if !ok {
			t.Errorf("Quick(%q) not answered", text)
			continue
		}
		if n := len(f.srv.Requests()); n != 0 {
			t.Errorf("Quick(%q) made %d Syncro calls", text, n)
		}
		if s := f.c.Slash(t.Context(), commands.Request{Actor: marcus, Text: text, EnvelopeID: "env-q"}); replyText(s) != replyText(q) {
			t.Errorf("Quick(%q) = %q, Slash = %q", text, replyText(q), replyText(s))
		}
	}
	for _, text := range []string{"", "ticket 32150", "mine", "comment 32150 hi"} {
		if _, ok := f.c.Quick(text); ok {
			t.Errorf("Quick(%q) answered; it needs Syncro", text)
		}
	}
}
