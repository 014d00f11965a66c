package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

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

func TestNotices_CloseAlreadyAnnouncedIsSkippedAndRecorded(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	st := openStore(t)
	// The watcher saw ticket 42 close first.
	if first, err := st.MarkAnnounced(42, time.Now()); err != nil || !first {
		t.Fatal(first, err)
	}
	h := &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
		if r.Text == "close again" {
			return commands.Reply{Text: "ok", Notices: []commands.Message{
				{Text: "#41 closed again", TicketID: 41}, {Text: "end"},
			}}
		}
		return commands.Reply{Text: "ok", Notices: []commands.Message{
			{Text: "#41 closed", TicketID: 41}, {Text: "#42 closed", TicketID: 42}, {Text: "not about a ticket"},
		}}
	}}
	hs := start(t, newFake(t), h, func(c *bot.Config) { c.NotifyChannel = noticeCh.ID; c.Store = st })

	slash(ctx, t, hs.fake, alice.ID, ops.ID, "close 41 42")
	// The queue keeps order, so once the last notice is there the skipped
	// one would have been posted before it.
	if got := strings.Join(noticeTexts(ctx, t, hs, 2), ","); got != "#41 closed,not about a ticket" {
		t.Errorf("notices = %s, want #42 skipped (already announced)", got)
	}
	if ok, err := st.WasAnnounced(41); err != nil || !ok {
		t.Errorf("ticket 41 not recorded as announced: %v %v", ok, err)
	}

	slash(ctx, t, hs.fake, alice.ID, ops.ID, "close again")
	if got := strings.Join(noticeTexts(ctx, t, hs, 3), ","); got != "#41 closed,not about a ticket,end" {
		t.Errorf("notices = %s, want the second close of 41 skipped", got)
	}
}

func TestNotices_WithoutStorePostEverything(t *testing.T) {
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

func TestNotify_PostsToNotifyChannelWithoutConsultingStore(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	st := openStore(t)
	if _, err := st.MarkAnnounced(9, time.Now()); err != nil { // as the watcher does before Notify
		t.Fatal(err)
	}
	hs := start(t, newFake(t), &stub{}, func(c *bot.Config) { c.NotifyChannel = noticeCh.ID; c.Store = st })
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
