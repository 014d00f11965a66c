package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/mirror"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// msgNoFormState answers a view_submission whose view carries no state:
// without it there is nothing to validate or submit.
const msgNoFormState = "Slack sent this form without its fields, so nothing was changed. Please open the form again and resubmit it."

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

// quickAck is r as an ephemeral slash-command ack payload, and whether it
// fits in one ack frame.
func quickAck(r commands.Reply) (json.RawMessage, bool) {
	payload, err := json.Marshal(struct {
		ResponseType string        `json:"response_type"`
		Text         string        `json:"text"`
		Blocks       []slack.Block `json:"blocks,omitempty"`
	}{"ephemeral", r.Text, r.Blocks})
	if err != nil || len(payload) > slackfmt.MaxAckPayload {
		return nil, false
	}
	return payload, true
}

// spawn runs f in a goroutine tracked for shutdown. With a turn (from
// enter), f is an admitted interaction's work: it runs as a job, which
// shutdown stops or lets finish (shutdown.go), once the turn has its slot
// (a turn queued behind its user's own work waits for it here, before
// WorkTimeout starts), and its Syncro calls are made for its user, who
// takes turns with the others for Syncro's rate limit
// (syncro.WithRequester). A panic in f is recovered and logged with an
// error id, and onPanic (if set) tells the user. Call only from the event
// loop while not draining, so the WaitGroup and the jobs are never added
// to during shutdown.
func (b *Bot) spawn(env envelope, tn *turn, onPanic func(ctx context.Context, errID string), f func(ctx context.Context)) {
	b.wg.Add(1)
	ctx := b.workCtx
	var j *job
	if tn != nil {
		ctx, j = b.jobs.add(ctx)
		ctx = syncro.WithRequester(ctx, tn.user)
		ctx = mirror.WithSharedWait(ctx, b.lanes.park)
	}
	go func() {
		defer b.wg.Done()
		if tn != nil {
			defer b.jobs.remove(j)
			if !b.await(ctx, tn) {
				return
			}
			defer b.lanes.release(tn)
		}
		ctx, cancel := context.WithTimeout(ctx, b.cfg.WorkTimeout)
		defer cancel()
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			errID := b.logPanic("handler panicked", env, r)
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
		// Everything the work posts (reply, thread post, card) is sent by
		// now: the mark that its effects are complete, for whoever debugs
		// what one envelope led to.
		b.log.Debug("work done", "envelope_id", env.req.EnvelopeID, "type", env.kind)
	}()
}

// await waits for tn's slot. false means its work never runs (shutdown
// stopped it, or it waited MaxQueueWait), and its person has been told.
// A wait of QueueNoteAfter tells them it is queued.
func (b *Bot) await(ctx context.Context, tn *turn) bool {
	d := tn.door
	err := b.lanes.wait(ctx, tn, b.cfg.MaxQueueWait, b.cfg.QueueNoteAfter, func(ahead int) {
		d.refuseLater(ctx, queuedNote(ahead))
	})
	if err == nil {
		return true
	}
	text := msgRestarting
	if errors.Is(err, errWaitedTooLong) {
		text = msgWaitedTooLong
	}
	b.log.Info("queued "+d.kind+" not run", "id", d.id, "user", d.who.userID, "why", err.Error())
	d.refuseLater(ctx, text)
	return false
}

// logPanic logs r, a panic raised while handling env, with its stack and
// a new error id, and returns the id for the user's apology.
func (b *Bot) logPanic(msg string, env envelope, r any) (errID string) {
	errID = commands.NewErrorID()
	b.log.Error(msg, "error_id", errID, "type", env.kind, "envelope_id", env.req.EnvelopeID,
		"err", fmt.Sprint(r), "stack", string(debug.Stack()))
	return errID
}

// tell posts text to the user behind an interaction (no slot needed: it
// is one short Web API call), unless the bot is draining.
func (b *Bot) tell(env envelope, t *target, text string) {
	if b.draining.Load() {
		return
	}
	b.spawn(env, nil, nil, func(ctx context.Context) {
		b.send(ctx, t, commands.Reply{Text: text})
	})
}

// onSlash handles /syncro: refusals, "busy" and quick answers (help, usage
// errors) go in the ack; otherwise the ack is empty and the reply follows
// through the response_url (so does a refusal that needed a user-group
// lookup).
func (b *Bot) onSlash(env envelope, cmd slack.SlashCommand) {
	t := &target{channelID: cmd.ChannelID, userID: cmd.UserID, responseURL: cmd.ResponseURL}
	var viewID string
	inAck := func(text string) { b.ack(env, ephemeral(text)) }
	d := &door{
		kind:   "slash command",
		id:     cmd.Command,
		who:    caller{userID: cmd.UserID, teamID: cmd.TeamID, name: cmd.UserName, channelID: cmd.ChannelID},
		refuse: inAck,
		notNow: inAck,
		quick: func() bool {
			r, ok := b.cmds.Quick(cmd.Text)
			if !ok {
				return false
			}
			payload, fits := quickAck(r)
			if fits {
				b.ack(env, payload)
			}
			return fits
		},
		refuseLater: func(ctx context.Context, text string) { b.finish(ctx, t, viewID, commands.Reply{Text: text}) },
		// The trigger expires 3 s after the user pressed enter: open the
		// Loading view before any call but the (bounded) group lookup.
		prepare: func(ctx context.Context) bool {
			if !b.cmds.OpensModal(cmd.Text) {
				return true
			}
			var ok bool
			viewID, ok = b.openLoadingOrSay(ctx, env, t, cmd.TriggerID, false, "please run the command again")
			return ok
		},
		actor:  true,
		shared: true,
		// A command that opens a modal must use its trigger within 3 s.
		queue: !b.cmds.OpensModal(cmd.Text),
	}
	tn := b.enter(d)
	if tn == nil {
		return
	}
	b.ack(env, nil)
	b.spawn(env, tn, func(ctx context.Context, errID string) { b.apologize(ctx, t, viewID, errID) }, func(ctx context.Context) {
		adm, ok := b.admitted(ctx, d, tn.pending)
		if !ok {
			return
		}
		t.shared = adm.shared
		reply := b.cmds.Slash(ctx, commands.Request{
			Actor:         adm.actor,
			ChannelID:     cmd.ChannelID,
			SharedChannel: t.shared,
			Sharing:       adm.sharing,
			Text:          cmd.Text,
			EnvelopeID:    env.req.EnvelopeID,
			// An interim line ("Syncro is rate limiting…") while the
			// command waits, so a slow reply doesn't look like a dead bot.
			Progress: func(text string) { b.send(ctx, t, commands.Reply{Text: text}) },
		})
		// Before the reply: the person may open their Home as soon as
		// they read it.
		b.homeStale(adm.actor.SlackUserID)
		b.finish(ctx, t, viewID, told(ctx, reply))
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
func (b *Bot) openLoadingOrSay(ctx context.Context, env envelope, t *target, triggerID string, push bool, again string) (viewID string, ok bool) {
	id, err := b.openLoading(ctx, triggerID, push)
	if err != nil && env.req.RetryAttempt > 0 && triggerUsed(err) {
		// Slack delivered the envelope again, and its first delivery
		// spent the trigger opening the view the person has: nothing to
		// say, and nothing to do twice.
		b.log.Info("envelope delivered again; its first delivery opened the view", "type", env.kind,
			"envelope_id", env.req.EnvelopeID, "retry_attempt", env.req.RetryAttempt)
		return "", false
	}
	if err != nil {
		text := "Slack did not let me open the form (" + err.Error() + "); " + again + "."
		if stoppedByShutdown(ctx) {
			text = msgRestarting
		}
		b.send(ctx, t, commands.Reply{Text: text})
		return "", false
	}
	return id, true
}

// triggerUsed reports whether Slack refused a trigger_id as spent
// already (invalid_trigger_id, or exchanged_trigger_id as some of its
// documentation names it; docs/slack-platform.md).
func triggerUsed(err error) bool {
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	return ok && (se.Err == "invalid_trigger_id" || se.Err == "exchanged_trigger_id")
}

// finish shows reply: in the Loading modal when one was opened, else as
// messages; notices go to NotifyChannel and the thread post to its
// thread either way, after the reply.
func (b *Bot) finish(ctx context.Context, t *target, viewID string, reply commands.Reply) {
	b.notify(reply.Notices)
	defer b.postThread(ctx, reply.Thread)
	if viewID != "" {
		b.fillModal(ctx, viewID, reply)
		return
	}
	if reply.Modal != nil {
		b.log.Warn("handler returned a modal without asking for one; sending its text instead")
	}
	b.send(ctx, t, reply)
}

// onBlockActions routes a click by its action_id. A click on a link button
// ("Open in Syncro") only opened the link in the user's browser; Slack
// still sends it, and it is acked without a word.
func (b *Bot) onBlockActions(env envelope, cb slack.InteractionCallback) {
	if len(cb.ActionCallback.BlockActions) == 0 {
		b.unknown(env, "block_actions without actions")
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	if linkButton(env.req.Payload) || b.cmds.IsLink(act.ActionID) {
		b.log.Debug("link button clicked; nothing to do", "action_id", act.ActionID)
		b.ack(env, nil)
		return
	}
	if f, ok := b.routes.actions.lookup(act.ActionID); ok {
		f(env, click{cb: cb, act: act})
		return
	}
	b.unknown(env, "unknown action_id "+act.ActionID)
}

// linkButton reports whether the block_actions payload raw is a click on a
// button carrying a url. slack-go's BlockAction drops the url, so it is
// read from the raw payload.
func linkButton(raw json.RawMessage) bool {
	var p struct {
		Actions []struct {
			URL string `json:"url"`
		} `json:"actions"`
	}
	return json.Unmarshal(raw, &p) == nil && len(p.Actions) > 0 && p.Actions[0].URL != ""
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

// onClick acks a click (nothing useful fits in a block_actions ack) and
// runs Commands.Action in the background; refusals and "busy" follow as
// messages, and a click while draining is dropped.
func (b *Bot) onClick(env envelope, c click) {
	cb, act := c.cb, c.act
	b.ack(env, nil)

	who := interactionCaller(cb)
	t := &target{channelID: who.channelID, userID: who.userID, responseURL: cb.ResponseURL}
	var viewID string
	d := b.messageDoor(env, "action", act.ActionID, who, t, &viewID, func(ctx context.Context) (string, bool) {
		if !b.cmds.ActionOpensModal(act.ActionID) {
			return "", true
		}
		return b.openLoadingOrSay(ctx, env, t, cb.TriggerID, inModal(cb), "please click again")
	})
	d.queue = !b.cmds.ActionOpensModal(act.ActionID)
	tn := b.enter(d)
	if tn == nil {
		return
	}
	b.spawn(env, tn, func(ctx context.Context, errID string) { b.apologize(ctx, t, viewID, errID) }, func(ctx context.Context) {
		adm, ok := b.admitted(ctx, d, tn.pending)
		if !ok {
			return
		}
		t.shared = adm.shared
		msgTS := cb.Container.MessageTs
		if msgTS == "" {
			msgTS = cb.Message.Timestamp
		}
		reply := b.cmds.Action(ctx, commands.Action{
			Actor:           adm.actor,
			ChannelID:       who.channelID,
			SharedChannel:   t.shared,
			ActionID:        act.ActionID,
			BlockID:         act.BlockID,
			Value:           actionValue(act),
			MessageTS:       msgTS,
			ViewID:          modalID(cb),
			PrivateMetadata: cb.View.PrivateMetadata,
		})
		reply = told(ctx, reply)
		// A preview (unfurl) is inside someone else's message: its
		// response_url would replace their message, not the card.
		if viewID != "" && cb.View.ID == "" && cb.ResponseURL != "" && !cb.Container.IsAppUnfurl {
			// A form opened from a message: its submission may replace
			// that message (the ticket card) with how it reads now.
			b.cards.put(viewID, cb.ResponseURL, slackfmt.ResponseURLLifetime)
		}
		// A click inside a modal that answers with a modal replaces it.
		if viewID == "" && reply.Modal != nil && inModal(cb) {
			b.notify(reply.Notices)
			b.fillModal(ctx, cb.View.ID, reply)
			b.postThread(ctx, reply.Thread)
			return
		}
		b.finish(ctx, t, viewID, reply)
		if viewID == "" && cb.View.Type == slack.VTHomeTab {
			// A setting changed on the Home: the Home shows it.
			b.refreshHome(ctx, adm.actor)
		}
	})
}

// onViewSubmission routes a submitted modal by its callback_id.
func (b *Bot) onViewSubmission(env envelope, cb slack.InteractionCallback) {
	if f, ok := b.routes.views.lookup(cb.View.CallbackID); ok {
		f(env, cb)
		return
	}
	// A form nobody registered (from an older version of the bot, say):
	// keep it open with the person's input and say nothing was saved,
	// rather than closing it as if it had worked.
	b.log.Info("unknown form submitted", "callback_id", cb.View.CallbackID)
	b.ack(env, fieldErrorsOn(cb, "I don't know this form any more (it may be from before the bot was updated), so nothing was saved. Close it and start again."))
}

// fieldErrorsOn puts msg under the first input block of the submitted
// view, so the modal stays open with the user's input.
func fieldErrorsOn(cb slack.InteractionCallback, msg string) *slack.ViewSubmissionResponse {
	for _, blk := range cb.View.Blocks.BlockSet {
		if in, ok := blk.(*slack.InputBlock); ok && in.BlockID != "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{in.BlockID: msg})
		}
	}
	if cb.View.State != nil {
		for id := range cb.View.State.Values {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{id: msg})
		}
	}
	return slack.NewUpdateViewSubmissionResponse(messageModal(msg))
}

// onSubmission validates a submission (the answer must be in the ack),
// then acks to close the modal and runs Commands.Submit in the background.
// Refusals are shown in the modal; "busy" and "restarting" under its
// first field, so the user's input stays.
func (b *Bot) onSubmission(env envelope, cb slack.InteractionCallback) {
	if cb.View.State == nil {
		b.log.Warn("view_submission without view state; asking the user to resubmit",
			"callback_id", cb.View.CallbackID, "view_id", cb.View.ID, "user", cb.User.ID)
		b.ack(env, slack.NewUpdateViewSubmissionResponse(messageModal(msgNoFormState)))
		return
	}
	t := &target{userID: cb.User.ID}
	d := &door{
		kind:        "submission",
		id:          cb.View.CallbackID,
		who:         interactionCaller(cb),
		refuse:      func(text string) { b.ack(env, slack.NewUpdateViewSubmissionResponse(messageModal(text))) },
		notNow:      func(text string) { b.ack(env, fieldErrorsOn(cb, text)) },
		refuseLater: func(ctx context.Context, text string) { b.send(ctx, t, commands.Reply{Text: text}) },
		actor:       true,
	}
	tn := b.enter(d)
	if tn == nil {
		return
	}
	b.spawn(env, tn, func(ctx context.Context, errID string) {
		if b.ack(env, slack.NewUpdateViewSubmissionResponse(messageModal(apology(errID)))) {
			return
		}
		b.send(ctx, t, commands.Reply{Text: apology(errID)})
	}, func(ctx context.Context) {
		cardURL, fromCard := b.cards.get(cb.View.ID)
		sub := commands.Submission{
			Actor:           b.cachedActor(d.who),
			CallbackID:      cb.View.CallbackID,
			ViewID:          cb.View.ID,
			PrivateMetadata: cb.View.PrivateMetadata,
			Values:          cb.View.State.Values,
			FromMessage:     fromCard,
		}
		// Validate runs here, not on the event loop: it is meant to be
		// fast, but a slow one must not stall every other envelope.
		if fe := b.cmds.Validate(sub); len(fe) > 0 {
			b.ack(env, slack.NewErrorsViewSubmissionResponse(fe))
			return
		}
		// Stopped by a shutdown already: the form stays open with the
		// person's input, as it does for a submission while draining.
		if stoppedByShutdown(ctx) {
			b.ack(env, fieldErrorsOn(cb, msgRestarting))
			return
		}
		b.ack(env, nil)
		adm, ok := b.admitted(ctx, d, tn.pending)
		if !ok {
			return
		}
		sub.Actor = adm.actor
		reply := told(ctx, b.cmds.Submit(ctx, sub))
		b.cfg.Observer.Submitted(sub.CallbackID, reply)
		b.notify(reply.Notices)
		t.channelID = reply.ChannelID
		if reply.InChannel && t.channelID != "" {
			t.shared = b.sharedChannel(ctx, t.channelID)
		}
		b.send(ctx, t, reply)
		b.postThread(ctx, reply.Thread)
		if reply.Card != nil && fromCard {
			b.replaceCard(ctx, cardURL, *reply.Card)
		}
		b.refreshHome(ctx, sub.Actor)
	})
}

// onSuggestion answers an external select's search. The options must be
// in the ack, so this is the one ack that waits on the handler (and on a
// pending user-group lookup), for at most suggestTimeout; after that, and
// on any refusal, it acks with no options.
func (b *Bot) onSuggestion(env envelope, cb slack.InteractionCallback) {
	answer := func(opts []*slack.OptionBlockObject) {
		if len(opts) > slackfmt.MaxSelectOptions {
			opts = opts[:slackfmt.MaxSelectOptions]
		}
		b.ack(env, slack.OptionsResponse{Options: opts})
	}
	none := func(string) { answer(nil) }
	d := &door{
		kind:        "suggestion",
		id:          cb.ActionID,
		who:         interactionCaller(cb),
		refuse:      none,
		notNow:      none,
		refuseLater: func(context.Context, string) { answer(nil) },
	}
	tn := b.enter(d)
	if tn == nil {
		return
	}
	b.spawn(env, tn, func(context.Context, string) { answer(nil) }, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, suggestTimeout)
		defer cancel()
		late := time.AfterFunc(suggestTimeout, func() {
			b.log.Warn("suggestions too slow; answering with none", "action_id", cb.ActionID)
			answer(nil)
		})
		defer late.Stop()
		adm, ok := b.admitted(ctx, d, tn.pending)
		if !ok {
			return
		}
		answer(b.cmds.Suggest(ctx, commands.Suggestion{
			Actor:           adm.actor,
			ActionID:        cb.ActionID,
			BlockID:         cb.BlockID,
			Query:           cb.Value,
			PrivateMetadata: cb.View.PrivateMetadata,
		}))
	})
}
