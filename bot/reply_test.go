package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
)

// TestReply_SentWhenTheWorkEndsJustBeforeItsTimeout: the work takes
// nearly all of WorkTimeout and Slack is slow to take the reply (the reply
// of a flow that stopped, with its Finish button): Slack holds it until
// the work's deadline has passed. The reply must not be cut off by that
// deadline: it is sent with time of its own.
func TestReply_SentWhenTheWorkEndsJustBeforeItsTimeout(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	const (
		// workTimeout leaves what comes before the handler (users.info)
		// ample time on a loaded machine.
		workTimeout = 5 * time.Second
		// left is what the work has left when it returns, and how long
		// Slack still holds the reply past the work's deadline.
		left = 300 * time.Millisecond
		text = "The comment was added to #1. But the time was NOT logged. Press Finish."
	)
	h := &stub{submit: func(ctx context.Context, _ commands.Submission) commands.Reply {
		dl, _ := ctx.Deadline()
		select { // the work runs until just before its deadline
		case <-time.After(time.Until(dl) - left):
		case <-ctx.Done():
		}
		f.InjectFault("chat.postEphemeral", slackfake.Fault{Delay: max(time.Until(dl)+left, left)})
		return commands.Reply{Text: text, ChannelID: ops.ID}
	}}
	hs := start(t, f, h, func(c *bot.Config) { c.WorkTimeout = workTimeout })
	if _, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: alice.ID, ViewID: "V0FORM", CallbackID: "syncro_note"}); err != nil {
		t.Fatal(err)
	}
	// Slack keeps what it was sent, even from a caller that gave up: what
	// tells is whether the bot waited for the answer.
	if err := f.WaitUntil(ctx, func() bool {
		return slices.ContainsFunc(f.Ephemerals(alice.ID), func(e slackfake.Ephemeral) bool { return e.Text == text })
	}); err != nil {
		t.Fatalf("no reply %q: %v; logs:\n%s", text, err, hs.logs.String())
	}
	hs.stop() // Run returns once the handler has sent its reply
	err := <-hs.done
	hs.done <- err
	if logs := hs.logs.String(); strings.Contains(logs, "could not deliver reply") || strings.Contains(logs, "ephemeral post failed") {
		t.Errorf("the work's deadline cut the reply off:\n%s", logs)
	}
}
