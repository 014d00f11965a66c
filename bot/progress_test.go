package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
)

// TestSlash_ProgressLineReachesTheTechBeforeTheReply: a handler slowed down
// by Syncro's rate limit says so through Request.Progress; the tech sees
// that line first, then the reply.
func TestSlash_ProgressLineReachesTheTechBeforeTheReply(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
		if r.Progress == nil {
			return commands.Reply{Text: "no progress callback"}
		}
		r.Progress("Syncro is rate limiting us; retrying in 30 s…")
		return commands.Reply{Text: "the ticket"}
	}}
	start(t, f, h, nil)
	slash(ctx, t, f, alice.ID, ops.ID, "ticket 32150")
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(alice.ID)) >= 2 }); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range f.Ephemerals(alice.ID) {
		texts = append(texts, e.Text)
	}
	if got, want := strings.Join(texts, " | "), "Syncro is rate limiting us; retrying in 30 s… | the ticket"; got != want {
		t.Errorf("tech saw %q, want %q", got, want)
	}
}
