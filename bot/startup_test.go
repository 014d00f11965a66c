package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
)

// TestStartup_PostsGoToTheirPersonOnly: what the commands have to tell at
// start reaches each person without anyone asking: ephemeral in the
// channel the post names, else as a DM; nobody else sees it.
func TestStartup_PostsGoToTheirPersonOnly(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := &stub{startup: func(context.Context) []commands.Post {
		return []commands.Post{
			{UserID: alice.ID, Reply: commands.Reply{Text: "Your bill on #1 is not finished.", ChannelID: ops.ID}},
			{UserID: carol.ID, Reply: commands.Reply{Text: "Your close of #2 is not finished."}},
		}
	}}
	start(t, f, h, nil)
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(alice.ID)) == 1 && len(f.AllMessages()) == 1 }); err != nil {
		t.Fatalf("start posts not delivered: %v; ephemerals %+v, messages %+v", err, f.Ephemerals(alice.ID), f.AllMessages())
	}
	if e := f.Ephemerals(alice.ID)[0]; e.Channel != ops.ID || e.Text != "Your bill on #1 is not finished." {
		t.Errorf("alice's post = %+v", e)
	}
	if m := f.AllMessages()[0]; !strings.HasPrefix(m.Channel, "D") || m.Text != "Your close of #2 is not finished." {
		t.Errorf("carol's DM = %+v", m)
	}
}

// TestStartup_EachPostHearsWhetherSlackAcceptedIt: a start post's Sent
// hears nil once Slack accepted it, and Slack's refusal when it refused
// it everywhere (in the channel and as a DM), so the hook that made it
// tells it again at the next start.
func TestStartup_EachPostHearsWhetherSlackAcceptedIt(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	f.InjectFault("chat.postEphemeral", slackfake.Fault{Error: slackfake.ErrCodeChannelNotFound})
	f.InjectFault("chat.postMessage", slackfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Minute})
	heard := make(chan string, 2)
	sent := func(who string) func(error) {
		return func(err error) { heard <- fmt.Sprintf("%s: %v", who, err) }
	}
	h := &stub{startup: func(context.Context) []commands.Post {
		return []commands.Post{
			{UserID: alice.ID, Reply: commands.Reply{Text: "Your bill on #1 is not finished.", ChannelID: ops.ID}, Sent: sent("alice")},
			{UserID: carol.ID, Reply: commands.Reply{Text: "Your close of #2 is not finished.", ChannelID: ops.ID}, Sent: sent("carol")},
		}
	}}
	start(t, f, h, nil)
	var got []string
	for range 2 {
		select {
		case s := <-heard:
			got = append(got, s)
		case <-ctx.Done():
			t.Fatalf("Sent not called for every post: heard %q", got)
		}
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "alice: ") || !strings.Contains(got[0], "rate limit") || got[1] != "carol: <nil>" {
		t.Errorf("heard %q, want alice refused (rate limited) then carol accepted", got)
	}
	if len(f.Ephemerals(alice.ID)) != 0 || len(f.AllMessages()) != 0 || len(f.Ephemerals(carol.ID)) != 1 {
		t.Errorf("Slack shows alice %d ephemerals, %d messages in all, carol %d ephemerals; want 0, 0, 1",
			len(f.Ephemerals(alice.ID)), len(f.AllMessages()), len(f.Ephemerals(carol.ID)))
	}
}
