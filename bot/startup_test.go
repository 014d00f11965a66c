package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
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
