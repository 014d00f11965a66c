package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
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

// TestSlash_QuickReplyGoesInTheAck: a reply commands can give without
// Syncro (help, usage errors) is the ack's payload; the handler's Slash is
// never called.
func TestSlash_QuickReplyGoesInTheAck(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	var slashCalls atomic.Int32
	h := &stub{
		quick: func(text string) (commands.Reply, bool) {
			return commands.Reply{Text: "usage: ticket N"}, text == "tcket 1"
		},
		slash: func(context.Context, commands.Request) commands.Reply {
			slashCalls.Add(1)
			return commands.Reply{Text: "slow path"}
		},
	}
	start(t, f, h, nil)
	ack := slash(ctx, t, f, alice.ID, ops.ID, "tcket 1")
	var payload struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := ack.Decode(&payload); err != nil || payload.Text != "usage: ticket N" || payload.ResponseType != "ephemeral" {
		t.Errorf("ack payload = %+v (%v), want the quick reply, ephemeral", payload, err)
	}
	// A command that is not quick still goes the slow way.
	slash(ctx, t, f, alice.ID, ops.ID, "ticket 1")
	if err := f.WaitUntil(ctx, func() bool { return slashCalls.Load() == 1 }); err != nil {
		t.Fatal(err)
	}
}
