package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
)

// What users read when the bot cannot take their request.
const (
	msgRestarting = "The Syncro bot is restarting; try again in a moment."
	msgBusy       = "The Syncro bot is busy right now; try again in a moment."
	// maxOptions is Slack's cap on options in one external select answer.
	maxOptions = 100
)

// apology is what a user sees when a handler panicked; errID ties it to
// the log line holding the details.
func apology(errID string) string {
	return fmt.Sprintf("Sorry, something went wrong on our side (error id %s). It has been logged; please try again.", errID)
}

// ephemeralAck is a slash-command ack payload showing text to the user only.
type ephemeralAck struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

func ephemeral(text string) ephemeralAck { return ephemeralAck{ResponseType: "ephemeral", Text: text} }

// maxAckPayload keeps an ack under Socket Mode's 20 KB frame limit (slack-go
// refuses frames of 20,480 bytes or more), with room for the envelope id.
const maxAckPayload = 19 * 1024

// quickAck is r as an ephemeral slash-command ack payload, and whether it
// fits in one ack frame.
func quickAck(r commands.Reply) (json.RawMessage, bool) {
	payload, err := json.Marshal(struct {
		ResponseType string        `json:"response_type"`
		Text         string        `json:"text"`
		Blocks       []slack.Block `json:"blocks,omitempty"`
	}{"ephemeral", r.Text, r.Blocks})
	if err != nil || len(payload) > maxAckPayload {
		return nil, false
	}
	return payload, true
}

// tryAcquire takes a work slot without waiting; false means the bot is at
// MaxInFlight and the caller should answer "busy".
func (b *Bot) tryAcquire() bool {
	select {
	case b.sem <- struct{}{}:
		return true
	default:
		return false
	}
}

// spawn runs f in a goroutine tracked for shutdown, holding a slot taken
// by tryAcquire. A panic in f is recovered and logged with an error id,
// and onPanic (if set) tells the user. Call only from the event loop while
// not draining, so the WaitGroup is never added to during shutdown's Wait.
func (b *Bot) spawn(env envelope, slot bool, onPanic func(ctx context.Context, errID string), f func(ctx context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		if slot {
			defer func() { <-b.sem }()
		}
		ctx, cancel := context.WithTimeout(b.workCtx, b.cfg.WorkTimeout)
		defer cancel()
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			errID := commands.NewErrorID()
			b.log.Error("handler panicked", "error_id", errID, "type", env.kind,
				"envelope_id", env.req.EnvelopeID, "err", fmt.Sprint(r), "stack", string(debug.Stack()))
			if onPanic == nil {
				return
			}
			defer func() {
				if r := recover(); r != nil {
					b.log.Error("apology panicked", "error_id", errID, "err", fmt.Sprint(r))
				}
			}()
			onPanic(context.WithoutCancel(ctx), errID)
		}()
		f(ctx)
	}()
}

// tell posts text to the user behind an interaction (no slot needed: it
// is one short Web API call), unless the bot is draining.
func (b *Bot) tell(env envelope, t *target, text string) {
	if b.draining.Load() {
		return
	}
	b.spawn(env, false, nil, func(ctx context.Context) {
		b.send(ctx, t, commands.Reply{Text: text})
	})
}

// onSlash handles /syncro: refusals and "busy" go in the ack; otherwise
// the ack is empty and the reply follows through the response_url (so
// does a refusal that needed a user-group lookup).
func (b *Bot) onSlash(env envelope, data any) {
	cmd := data.(slack.SlashCommand)
	refusal, pending := b.admit(cmd.UserID, cmd.TeamID)
	if refusal != "" {
		b.log.Info("refused slash command", "user", cmd.UserID, "team", cmd.TeamID)
		b.ack(env, ephemeral(refusal))
		return
	}
	if b.draining.Load() {
		b.ack(env, ephemeral(msgRestarting))
		return
	}
	// Help and usage errors need no Syncro call: answer inside the ack,
	// unless the user's access still depends on a group lookup.
	if !pending {
		if r, ok := b.cmds.Quick(cmd.Text); ok {
			if payload, fits := quickAck(r); fits {
				b.ack(env, payload)
				return
			}
		}
	}
	if !b.tryAcquire() {
		b.log.Warn("at MaxInFlight; refusing slash command", "max_in_flight", b.cfg.MaxInFlight)
		b.ack(env, ephemeral(msgBusy))
		return
	}
	b.ack(env, nil)

	t := &target{channelID: cmd.ChannelID, userID: cmd.UserID, responseURL: cmd.ResponseURL}
	var viewID string
	b.spawn(env, true, func(ctx context.Context, errID string) { b.apologize(ctx, t, viewID, errID) }, func(ctx context.Context) {
		if pending {
			if refusal := b.admitMember(ctx, cmd.UserID); refusal != "" {
				b.log.Info("refused slash command", "user", cmd.UserID, "team", cmd.TeamID, "why", "not in an allowed user group")
				b.send(ctx, t, commands.Reply{Text: refusal})
				return
			}
		}
		// The trigger expires 3 s after the user pressed enter: open the
		// Loading view before any other call but the (bounded) group
		// lookup above.
		if b.cmds.OpensModal(cmd.Text) {
			var ok bool
			if viewID, ok = b.openLoadingOrSay(ctx, t, cmd.TriggerID, false, "please run the command again"); !ok {
				return
			}
		}
		actor, refusal := b.actor(ctx, cmd.UserID, cmd.TeamID, cmd.UserName)
		if refusal != "" {
			b.finish(ctx, t, viewID, commands.Reply{Text: refusal})
			return
		}
		t.shared = b.sharedChannel(ctx, cmd.ChannelID)
		reply := b.cmds.Slash(ctx, commands.Request{
			Actor:         actor,
			ChannelID:     cmd.ChannelID,
			SharedChannel: t.shared,
			Text:          cmd.Text,
			EnvelopeID:    env.req.EnvelopeID,
			// An interim line ("Syncro is rate limiting…") while the
			// command waits, so a slow reply doesn't look like a dead bot.
			Progress: func(text string) { b.send(ctx, t, commands.Reply{Text: text}) },
		})
		b.finish(ctx, t, viewID, reply)
	})
}

// apologize tells the person that their work failed (errID is in the log)
// where they are looking: the Loading modal when one was opened, else a
// message.
func (b *Bot) apologize(ctx context.Context, t *target, viewID, errID string) {
	if viewID != "" {
		b.showMessageModal(ctx, viewID, apology(errID))
		return
	}
	b.send(ctx, t, commands.Reply{Text: apology(errID)})
}

// openLoadingOrSay opens the Loading view with the trigger; when Slack
// refuses, it tells the person why and what to do (again) and reports false.
func (b *Bot) openLoadingOrSay(ctx context.Context, t *target, triggerID string, push bool, again string) (viewID string, ok bool) {
	id, err := b.openLoading(ctx, triggerID, push)
	if err != nil {
		b.send(ctx, t, commands.Reply{Text: "Slack did not let me open the form (" + err.Error() + "); " + again + "."})
		return "", false
	}
	return id, true
}

// finish shows reply: in the Loading modal when one was opened, else as
// messages; notices go to NotifyChannel either way.
func (b *Bot) finish(ctx context.Context, t *target, viewID string, reply commands.Reply) {
	b.notify(reply.Notices)
	if viewID != "" {
		b.fillModal(ctx, viewID, reply)
		return
	}
	if reply.Modal != nil {
		b.log.Warn("handler returned a modal without asking for one; sending its text instead")
	}
	b.send(ctx, t, reply)
}

// actionData is a block action with the interaction carrying it.
type actionData struct {
	cb  slack.InteractionCallback
	act *slack.BlockAction
}

// onBlockActions routes a click by its action_id.
func (b *Bot) onBlockActions(env envelope, data any) {
	cb := data.(slack.InteractionCallback)
	if len(cb.ActionCallback.BlockActions) == 0 {
		b.unknown(env, "block_actions without actions")
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	if f, ok := b.routes.lookup(kindAction, act.ActionID); ok {
		f(env, actionData{cb: cb, act: act})
		return
	}
	b.unknown(env, "unknown action_id "+act.ActionID)
}

// interactionChannel is the channel an interaction happened in, if any.
func interactionChannel(cb slack.InteractionCallback) string {
	if cb.Channel.ID != "" {
		return cb.Channel.ID
	}
	return cb.Container.ChannelID
}

// actionValue is what the user chose: a button's value or a select's pick.
func actionValue(a *slack.BlockAction) string {
	switch {
	case a.Value != "":
		return a.Value
	case a.SelectedOption.Value != "":
		return a.SelectedOption.Value
	case a.SelectedUser != "":
		return a.SelectedUser
	case a.SelectedDate != "":
		return a.SelectedDate
	}
	return ""
}

// actionToCommands acks a click (nothing useful fits in a block_actions
// ack) and runs Commands.Action in the background.
func (b *Bot) actionToCommands(env envelope, data any) {
	ad := data.(actionData)
	cb, act := ad.cb, ad.act
	b.ack(env, nil)

	ch := interactionChannel(cb)
	t := &target{channelID: ch, userID: cb.User.ID, responseURL: cb.ResponseURL}
	refusal, pending := b.admit(cb.User.ID, interactionTeam(cb))
	if refusal != "" {
		b.log.Info("refused action", "user", cb.User.ID, "action_id", act.ActionID)
		b.tell(env, t, refusal)
		return
	}
	if b.draining.Load() {
		b.log.Info("draining; dropping action", "action_id", act.ActionID)
		return
	}
	if !b.tryAcquire() {
		b.tell(env, t, msgBusy)
		return
	}
	var viewID string
	b.spawn(env, true, func(ctx context.Context, errID string) { b.apologize(ctx, t, viewID, errID) }, func(ctx context.Context) {
		if pending {
			if refusal := b.admitMember(ctx, cb.User.ID); refusal != "" {
				b.log.Info("refused action", "user", cb.User.ID, "action_id", act.ActionID, "why", "not in an allowed user group")
				b.send(ctx, t, commands.Reply{Text: refusal})
				return
			}
		}
		if b.cmds.ActionOpensModal(act.ActionID) {
			var ok bool
			if viewID, ok = b.openLoadingOrSay(ctx, t, cb.TriggerID, cb.View.ID != "", "please click again"); !ok {
				return
			}
		}
		actor, refusal := b.actor(ctx, cb.User.ID, interactionTeam(cb), cb.User.Name)
		if refusal != "" {
			b.finish(ctx, t, viewID, commands.Reply{Text: refusal})
			return
		}
		t.shared = b.sharedChannel(ctx, ch)
		msgTS := cb.Container.MessageTs
		if msgTS == "" {
			msgTS = cb.Message.Timestamp
		}
		reply := b.cmds.Action(ctx, commands.Action{
			Actor:           actor,
			ChannelID:       ch,
			SharedChannel:   t.shared,
			ActionID:        act.ActionID,
			BlockID:         act.BlockID,
			Value:           actionValue(act),
			MessageTS:       msgTS,
			ViewID:          cb.View.ID,
			PrivateMetadata: cb.View.PrivateMetadata,
		})
		// A click inside a modal that answers with a modal replaces it.
		if viewID == "" && reply.Modal != nil && cb.View.ID != "" {
			b.notify(reply.Notices)
			b.fillModal(ctx, cb.View.ID, reply)
			return
		}
		b.finish(ctx, t, viewID, reply)
	})
}

// onViewSubmission routes a submitted modal by its callback_id.
func (b *Bot) onViewSubmission(env envelope, data any) {
	cb := data.(slack.InteractionCallback)
	if f, ok := b.routes.lookup(kindView, cb.View.CallbackID); ok {
		f(env, cb)
		return
	}
	b.unknown(env, "unknown view callback_id "+cb.View.CallbackID)
}

// fieldErrorsOn puts msg under the first input block of the submitted
// view, so the modal stays open with the user's input.
func fieldErrorsOn(cb slack.InteractionCallback, msg string) *slack.ViewSubmissionResponse {
	for _, blk := range cb.View.Blocks.BlockSet {
		if in, ok := blk.(*slack.InputBlock); ok && in.BlockID != "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{in.BlockID: msg})
		}
	}
	for id := range cb.View.State.Values {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{id: msg})
	}
	return slack.NewUpdateViewSubmissionResponse(messageModal(msg))
}

// submitToCommands validates a submission (the answer must be in the ack),
// then acks to close the modal and runs Commands.Submit in the background.
func (b *Bot) submitToCommands(env envelope, data any) {
	cb := data.(slack.InteractionCallback)
	team := interactionTeam(cb)
	refusal, pending := b.admit(cb.User.ID, team)
	if refusal != "" {
		b.ack(env, slack.NewUpdateViewSubmissionResponse(messageModal(refusal)))
		return
	}
	if b.draining.Load() {
		b.ack(env, fieldErrorsOn(cb, msgRestarting))
		return
	}
	if !b.tryAcquire() {
		b.ack(env, fieldErrorsOn(cb, msgBusy))
		return
	}
	sub := commands.Submission{
		Actor:           b.cachedActor(cb.User.ID, team, cb.User.Name),
		CallbackID:      cb.View.CallbackID,
		ViewID:          cb.View.ID,
		PrivateMetadata: cb.View.PrivateMetadata,
		Values:          cb.View.State.Values,
	}
	t := &target{userID: cb.User.ID}
	var once sync.Once
	ackOnce := func(payload any) bool {
		first := false
		once.Do(func() { b.ack(env, payload); first = true })
		return first
	}
	b.spawn(env, true, func(ctx context.Context, errID string) {
		if ackOnce(slack.NewUpdateViewSubmissionResponse(messageModal(apology(errID)))) {
			return
		}
		b.send(ctx, t, commands.Reply{Text: apology(errID)})
	}, func(ctx context.Context) {
		// Validate runs here, not on the event loop: it is meant to be
		// fast, but a slow one must not stall every other envelope.
		if fe := b.cmds.Validate(sub); len(fe) > 0 {
			ackOnce(slack.NewErrorsViewSubmissionResponse(fe))
			return
		}
		ackOnce(nil)
		if pending {
			if refusal := b.admitMember(ctx, cb.User.ID); refusal != "" {
				b.log.Info("refused submission", "user", cb.User.ID, "callback_id", sub.CallbackID, "why", "not in an allowed user group")
				b.send(ctx, t, commands.Reply{Text: refusal})
				return
			}
		}
		actor, refusal := b.actor(ctx, cb.User.ID, team, cb.User.Name)
		if refusal != "" {
			b.send(ctx, t, commands.Reply{Text: refusal})
			return
		}
		sub.Actor = actor
		reply := b.cmds.Submit(ctx, sub)
		b.cfg.Observer.Submitted(sub.CallbackID, reply)
		b.notify(reply.Notices)
		t.channelID = reply.ChannelID
		if reply.InChannel && t.channelID != "" {
			t.shared = b.sharedChannel(ctx, t.channelID)
		}
		b.send(ctx, t, reply)
	})
}

// onSuggestion answers an external select's search. The options must be
// in the ack, so this is the one ack that waits on the handler (and on a
// pending user-group lookup), for at most suggestTimeout; after that it
// acks with no options.
func (b *Bot) onSuggestion(env envelope, data any) {
	cb := data.(slack.InteractionCallback)
	team := interactionTeam(cb)
	refusal, pending := b.admit(cb.User.ID, team)
	if refusal != "" || b.draining.Load() || !b.tryAcquire() {
		b.ack(env, slack.OptionsResponse{})
		return
	}
	var once sync.Once
	ackOnce := func(opts []*slack.OptionBlockObject) {
		once.Do(func() {
			if len(opts) > maxOptions {
				opts = opts[:maxOptions]
			}
			b.ack(env, slack.OptionsResponse{Options: opts})
		})
	}
	s := commands.Suggestion{
		Actor:           b.cachedActor(cb.User.ID, team, cb.User.Name),
		ActionID:        cb.ActionID,
		BlockID:         cb.BlockID,
		Query:           cb.Value,
		PrivateMetadata: cb.View.PrivateMetadata,
	}
	b.spawn(env, true, func(context.Context, string) { ackOnce(nil) }, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, suggestTimeout)
		defer cancel()
		late := time.AfterFunc(suggestTimeout, func() {
			b.log.Warn("suggestions too slow; answering with none", "action_id", cb.ActionID)
			ackOnce(nil)
		})
		defer late.Stop()
		if pending && b.admitMember(ctx, cb.User.ID) != "" {
			ackOnce(nil)
			return
		}
		ackOnce(b.cmds.Suggest(ctx, s))
	})
}
