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
		ctx, cancel := context.WithTimeout(b.workCtx, b.cfg.WorkTimeout)
		defer cancel()
		sent, refused := b.tellStart(ctx)
		b.log.Info("start messages sent", "count", sent, "refused", refused)
	}()
}

// TellUnfinished posts again what a start posts (Commands.Startup), once
// Run is up: among replicas, their leader calls it every interval, so the
// owner of work a replica left when it died is told with Finish though no
// replica starts (store.Flows.AdoptFlow keeps that to one message, whoever
// looks). It returns when the posts were sent, or ctx ended.
func (b *Bot) TellUnfinished(ctx context.Context) {
	select {
	case <-b.started:
	case <-ctx.Done():
		return
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WorkTimeout)
	defer cancel()
	sent, refused := b.tellStart(ctx)
	if sent+refused > 0 {
		b.log.Info("unfinished work of a stopped replica told", "count", sent, "refused", refused)
		return
	}
	b.log.Debug("looked for unfinished work of stopped replicas; none untold")
}

// tellStart sends what the start hooks return and counts what Slack
// accepted and refused; a hook's panic is logged, not the process's end.
func (b *Bot) tellStart(ctx context.Context) (sent, refused int) {
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("start hook panicked", "error_id", commands.NewErrorID(), "err", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	for _, p := range b.cmds.Startup(ctx) {
		b.notify(p.Reply.Notices)
		err := b.send(ctx, &target{channelID: p.Reply.ChannelID, userID: p.UserID}, p.Reply)
		if err != nil {
			refused++
		} else {
			sent++
		}
		if p.Sent != nil {
			p.Sent(err)
		}
	}
	return sent, refused
}
