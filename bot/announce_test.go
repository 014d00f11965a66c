package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
)

// noticeTexts waits for n messages in the notice channel and returns their
// texts in order.
func noticeTexts(ctx context.Context, t *testing.T, h *harness, n int) []string {
	t.Helper()
	if err := h.fake.WaitUntil(ctx, func() bool { return len(h.fake.Messages(noticeCh.ID)) >= n }); err != nil {
		t.Fatalf("waiting for %d notices: %v", n, err)
	}
	var out []string
	for _, m := range h.fake.Messages(noticeCh.ID) {
		out = append(out, m.Text)
	}
	return out
}

// Notices are posted as the commands gave them: the commands claimed
// their tickets (notice.Announcer) before handing them out.
func TestNotices_ArePostedAsGiven(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	h := &stub{slash: func(context.Context, commands.Request) commands.Reply {
		return commands.Reply{Text: "ok", Notices: []commands.Message{{Text: "#7 closed", TicketID: 7}}}
	}}
	hs := start(t, newFake(t), h, func(c *bot.Config) { c.NotifyChannel = noticeCh.ID })
	slash(ctx, t, hs.fake, alice.ID, ops.ID, "close 7")
	slash(ctx, t, hs.fake, alice.ID, ops.ID, "close 7")
	if got := noticeTexts(ctx, t, hs, 2); len(got) != 2 {
		t.Errorf("notices = %v, want both", got)
	}
}

func TestNotify_PostsToNotifyChannel(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	hs := start(t, newFake(t), &stub{}, func(c *bot.Config) { c.NotifyChannel = noticeCh.ID })
	if err := hs.bot.Notify(ctx, commands.Message{Text: "Ticket #9 closed (Resolved)", TicketID: 9}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if got := noticeTexts(ctx, t, hs, 1); got[0] != "Ticket #9 closed (Resolved)" {
		t.Errorf("notice = %q", got[0])
	}
}

func TestNotify_ErrorsWithoutChannelOrBeforeRunWhenCtxEnds(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	mk := func(channel string) *bot.Bot {
		b, err := bot.New(bot.Config{
			BotToken: secret(f.BotToken()), AppToken: secret(f.AppToken()), APIURL: f.APIURL(),
			Commands: &stub{}, NotifyChannel: channel,
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if err := mk("").Notify(t.Context(), commands.Message{Text: "x"}); err == nil {
		t.Error("Notify without NotifyChannel succeeded")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := mk(noticeCh.ID).Notify(ctx, commands.Message{Text: "x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Notify before Run with an ended ctx = %v, want context.Canceled", err)
	}
}

// TestNotices_NeverPostedToASharedChannel: a NotifyChannel shared with
// another workspace gets no notice, from a command or the watcher's
// Notify; each dropped notice is an error in the log, and the start says
// so once.
func TestNotices_NeverPostedToASharedChannel(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	h := &stub{slash: func(context.Context, commands.Request) commands.Reply {
		return commands.Reply{Text: "ok", Notices: []commands.Message{{Text: "#7 closed", TicketID: 7}}}
	}}
	hs := start(t, newFake(t), h, func(c *bot.Config) { c.NotifyChannel = ext.ID })
	slash(ctx, t, hs.fake, alice.ID, ops.ID, "close 7")
	if err := hs.bot.Notify(ctx, commands.Message{Text: "Ticket #9 closed (Resolved)", TicketID: 9}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	for _, id := range []string{`"ticket_id":7`, `"ticket_id":9`} {
		if err := hs.logs.WaitFor(ctx, `"channel":"C0SHARED",`+id); err != nil {
			t.Fatalf("no log line dropping the notice with %s: %v\n%s", id, err, hs.logs.String())
		}
	}
	if msgs := hs.fake.Messages(ext.ID); len(msgs) != 0 {
		t.Errorf("the shared channel got %d notices: %+v", len(msgs), msgs)
	}
	if !strings.Contains(hs.logs.String(), "NOTIFY_CHANNEL is shared with another workspace") {
		t.Error("the start did not log that NOTIFY_CHANNEL is shared")
	}
}
