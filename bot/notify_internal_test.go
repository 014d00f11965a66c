package bot

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
)

// TestNotifier_UnreadableChannelIsWarnedOncePerSpell: while Slack cannot
// describe the channel every notice is dropped, with one WARN for the
// spell; when Slack answers again an INFO line says so and the notice
// goes out; a second spell is warned again.
func TestNotifier_UnreadableChannelIsWarnedOncePerSpell(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	n := newNotifier(nil, slog.New(slog.NewJSONHandler(&logs, nil)), 0)
	unknown := conversation{why: "Slack cannot say whether the channel is shared"}
	answers := []conversation{unknown, unknown, unknown, {audience: audienceInternal}, unknown,
		{audience: audienceShared, why: "the channel is shared with another workspace"}}
	n.share = func(context.Context, string) conversation {
		a := answers[0]
		answers = answers[1:]
		return a
	}
	unreadable := false
	var got []bool
	for i := range 6 {
		got = append(got, n.shareable(t.Context(), "C0NOTIFY", commands.Message{TicketID: int64(i + 1)}, &unreadable))
	}
	if want := []bool{false, false, false, true, false, false}; !slices.Equal(got, want) {
		t.Errorf("posted %v, want %v", got, want)
	}
	out := logs.String()
	for what, want := range map[string]int{
		`"level":"WARN"`: 2,
		`"msg":"channel of ticket notices readable again`: 1,
		`"msg":"notice dropped"`:                          5,
		`"why":"the channel is shared with`:               1,
	} {
		if n := strings.Count(out, what); n != want {
			t.Errorf("%d log lines with %s, want %d:\n%s", n, what, want, out)
		}
	}
}
