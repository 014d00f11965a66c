package bot

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/syncrobot/syncrobot/commands"
)

// startup posts, once Run is up, what the commands have to tell people
// before anyone asks (Commands.Startup: the Finish messages of work a
// crash cut off). Each post goes to its person only: ephemeral in its
// channel, else as a DM; its Sent hears whether Slack accepted it. It runs beside the event loop, tracked by wg so
// shutdown waits for it like for any handler.
func (b *Bot) startup() {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("start hook panicked", "error_id", commands.NewErrorID(), "err", fmt.Sprint(r), "stack", string(debug.Stack()))
			}
		}()
		ctx, cancel := context.WithTimeout(b.workCtx, b.cfg.WorkTimeout)
		defer cancel()
		posts := b.cmds.Startup(ctx)
		refused := 0
		for _, p := range posts {
			b.notify(p.Reply.Notices)
			err := b.send(ctx, &target{channelID: p.Reply.ChannelID, userID: p.UserID}, p.Reply)
			if err != nil {
				refused++
			}
			if p.Sent != nil {
				p.Sent(err)
			}
		}
		b.log.Info("start messages sent", "count", len(posts)-refused, "refused", refused)
	}()
}
