package bot

import (
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestTTLCache_AnAnswerFetchedBeforeAForgetIsNotStored: a value looked up
// while its key was forgotten (Slack said the channel changed meanwhile)
// is dropped rather than cached; one looked up after is kept.
func TestTTLCache_AnAnswerFetchedBeforeAForgetIsNotStored(t *testing.T) {
	t.Parallel()
	c := newTTLCache[string](time.Hour)
	c.put("C0OPS", "internal", time.Hour)
	era := c.era()
	c.forget("C0OPS")
	if v, ok := c.get("C0OPS"); ok {
		t.Fatalf("forgotten key still answers %q", v)
	}
	c.putSince("C0OPS", "internal", time.Hour, era)
	if v, ok := c.get("C0OPS"); ok {
		t.Errorf("an answer fetched before the forget was stored: %q", v)
	}
	c.putSince("C0OPS", "shared", time.Hour, c.era())
	if v, ok := c.get("C0OPS"); !ok || v != "shared" {
		t.Errorf("an answer fetched after the forget = %q, %v; want shared", v, ok)
	}
}

// TestReadableOutside_EachFlagAloneMakesAChannelShared: each flag Slack
// sets on a channel people outside the workspace read counts on its own;
// a channel with none is internal.
func TestReadableOutside_EachFlagAloneMakesAChannelShared(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		set  func(*slack.Channel)
		want bool
	}{
		{"no flag", func(*slack.Channel) {}, false},
		{"is_ext_shared", func(c *slack.Channel) { c.IsExtShared = true }, true},
		{"is_pending_ext_shared", func(c *slack.Channel) { c.IsPendingExtShared = true }, true},
		{"is_org_shared", func(c *slack.Channel) { c.IsOrgShared = true }, true},
		{"is_shared", func(c *slack.Channel) { c.IsShared = true }, true},
	} {
		var ch slack.Channel
		tt.set(&ch)
		if got := readableOutside(&ch); got != tt.want {
			t.Errorf("%s: readableOutside = %v, want %v", tt.name, got, tt.want)
		}
	}
}
