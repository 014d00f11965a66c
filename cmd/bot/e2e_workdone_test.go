package main

import (
	"context"
	"testing"
)

// Waiting for what the bot certainly does last. A test that checks
// "nothing was posted" right after a reply can pass while the post it
// forbids is still on its way (a thread post follows the reply), so it
// waits for the end of the envelope's work instead: at debug level the
// bot logs "work done" once everything an envelope led to (reply, thread
// post, card) is sent.

// startDebugBot is startE2EBot at debug level, for waitWorkDone.
func startDebugBot(ctx context.Context, t *testing.T, edit func(env map[string]string)) *e2eBot {
	t.Helper()
	fx := newFakes(t)
	if edit != nil {
		edit(fx.env)
	}
	return fx.start(ctx, t, "-debug")
}

// waitWorkDone waits until everything the envelope envelopeID led to is
// sent (a bot started with startDebugBot).
func (b *e2eBot) waitWorkDone(ctx context.Context, t *testing.T, envelopeID string) {
	t.Helper()
	if envelopeID == "" {
		t.Fatal("no envelope id to wait for")
	}
	b.waitLog(ctx, t, `"msg":"work done","component":"bot","envelope_id":"`+envelopeID+`"`)
}
