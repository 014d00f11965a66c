package bot

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// Retries after Slack's 429 (Slack's own limits are slackfmt's constants).
const (
	// max429Attempts and max429Wait bound retries after Slack's 429: past
	// them the reply is dropped (and logged) rather than held forever.
	max429Attempts = 4
	max429Wait     = 30 * time.Second
)

// target is where the replies to one interaction go.
type target struct {
	channelID   string
	userID      string
	responseURL string
	// shared forces ephemeral replies (Slack Connect channel).
	shared bool
	// urlPosts counts posts made to responseURL.
	urlPosts int
}

// messages splits a reply into the messages to send: the first, then More.
func messages(r commands.Reply) []commands.Message {
	out := make([]commands.Message, 0, 1+len(r.More))
	if r.Text != "" || len(r.Blocks) > 0 {
		out = append(out, commands.Message{Text: r.Text, Blocks: r.Blocks})
	}
	for _, m := range r.More {
		if m.Text != "" || len(m.Blocks) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// send delivers reply to t, message by message, in order. Each message
// goes through the response_url while it has posts left, else through
// chat.postMessage (in_channel) or chat.postEphemeral, else as a DM. The
// reply of work that shutdown cut off is still sent (replyContext). It
// returns why a message could not be delivered (the rest are not sent),
// for a caller that acts on it (startup); the error is logged here.
func (b *Bot) send(ctx context.Context, t *target, reply commands.Reply) error {
	ctx, cancel := replyContext(ctx)
	defer cancel()
	inChannel := reply.InChannel && !t.shared
	for _, m := range messages(reply) {
		if err := b.sendOne(ctx, t, m, inChannel); err != nil {
			b.log.Error("could not deliver reply", "user", t.userID, "channel", t.channelID, "err", err)
			return err
		}
	}
	return nil
}

// msgOptions post text, and blocks when there are any (Slack shows them,
// the text is their fallback), with extra.
func msgOptions(text string, blocks []slack.Block, extra ...slack.MsgOption) []slack.MsgOption {
	opts := append([]slack.MsgOption{slack.MsgOptionText(text, false)}, extra...)
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	return opts
}

func (b *Bot) sendOne(ctx context.Context, t *target, m commands.Message, inChannel bool) error {
	opts := msgOptions(m.Text, m.Blocks)
	var errs []error
	if t.responseURL != "" && t.urlPosts < slackfmt.MaxResponseURLPosts {
		t.urlPosts++
		kind := slack.ResponseTypeEphemeral
		if inChannel {
			kind = slack.ResponseTypeInChannel
		}
		err := retry429(ctx, func() error {
			_, _, err := b.api.PostMessageContext(ctx, "", append(opts, slack.MsgOptionResponseURL(t.responseURL, kind))...)
			return err
		})
		if err == nil {
			return nil
		}
		b.log.Warn("response_url post failed; falling back to the Web API", "err", err)
		errs = append(errs, err)
	}
	if t.channelID != "" && inChannel {
		err := retry429(ctx, func() error {
			_, _, err := b.api.PostMessageContext(ctx, t.channelID, opts...)
			return err
		})
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	if t.channelID != "" {
		err := retry429(ctx, func() error {
			_, err := b.api.PostEphemeralContext(ctx, t.channelID, t.userID, opts...)
			return err
		})
		if err == nil {
			return nil
		}
		b.log.Info("ephemeral post failed; sending a DM instead", "channel", t.channelID, "err", err)
		errs = append(errs, err)
	}
	if err := b.dm(ctx, t.userID, opts); err != nil {
		return errors.Join(append(errs, err)...)
	}
	return nil
}

// replaceCard replaces the message a form was opened from with card,
// through the response_url of the click that opened it (an ephemeral
// card can be changed no other way; docs/slack-platform.md). A failure
// (the url expired, say) leaves the old card and is only logged: the
// reply already told the person what was done.
func (b *Bot) replaceCard(ctx context.Context, responseURL string, card commands.Message) {
	ctx, cancel := replyContext(ctx)
	defer cancel()
	opts := msgOptions(card.Text, card.Blocks, slack.MsgOptionReplaceOriginal(responseURL))
	err := retry429(ctx, func() error {
		_, _, err := b.api.PostMessageContext(ctx, "", opts...)
		return err
	})
	if err != nil {
		b.log.Warn("could not refresh the card the form was opened from", "err", err)
	}
}

// dm posts a direct message to userID (conversations.open, then
// chat.postMessage): the fallback when the user cannot be reached where
// they acted.
func (b *Bot) dm(ctx context.Context, userID string, opts []slack.MsgOption) error {
	var ch *slack.Channel
	err := retry429(ctx, func() error {
		var err error
		ch, _, _, err = b.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
		return err
	})
	if err != nil {
		return err
	}
	return retry429(ctx, func() error {
		_, _, err := b.api.PostMessageContext(ctx, ch.ID, opts...)
		return err
	})
}

// retry429 runs f again while Slack answers 429, waiting Retry-After.
func retry429(ctx context.Context, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		var rl *slack.RateLimitedError
		if err == nil || !errors.As(err, &rl) || attempt >= max429Attempts || rl.RetryAfter > max429Wait {
			return err
		}
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// plain returns a plain_text object.
func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// loadingModal is shown the moment the trigger arrives, while the handler
// calls Syncro.
func loadingModal() slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: LoadingCallbackID,
		Title:      plain("Syncro"),
		Close:      plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, ":hourglass_flowing_sand: Loading…", false, false), nil, nil),
		}},
	}
}

// messageModal is a modal that only shows text (errors, refusals).
func messageModal(text string) *slack.ModalViewRequest {
	return &slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: LoadingCallbackID,
		Title:      plain("Syncro"),
		Close:      plain("Close"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, slackfmt.Truncate(text, slackfmt.MaxSectionText), false, false), nil, nil),
		}},
	}
}

// openLoading opens (or, from inside a modal, pushes) the Loading view
// with triggerID and returns its view id.
func (b *Bot) openLoading(ctx context.Context, triggerID string, push bool) (string, error) {
	open := b.api.OpenViewContext
	if push {
		open = b.api.PushViewContext
	}
	resp, err := open(ctx, triggerID, loadingModal())
	if err != nil {
		b.log.Warn("could not open the loading view", "push", push, "err", err)
		return "", err
	}
	return resp.ID, nil
}

// fillModal replaces the view viewID with the handler's modal, or with its
// text when it returned none (an error message instead of a form).
func (b *Bot) fillModal(ctx context.Context, viewID string, reply commands.Reply) {
	if reply.Modal == nil {
		text := reply.Text
		if text == "" {
			text = "Nothing to show."
		}
		b.showMessageModal(ctx, viewID, text)
		return
	}
	m := *reply.Modal
	if m.Title != nil {
		m.Title = plain(slackfmt.Truncate(m.Title.Text, slackfmt.MaxModalTitle))
	}
	if err := b.updateView(ctx, viewID, m); err != nil {
		b.log.Error("views.update with the handler's modal failed", "view_id", viewID, "err", err)
		b.showMessageModal(ctx, viewID, "Slack refused this form ("+err.Error()+"). The error has been logged.")
	}
}

// showMessageModal replaces the view viewID with a text-only modal.
func (b *Bot) showMessageModal(ctx context.Context, viewID, text string) {
	if err := b.updateView(ctx, viewID, *messageModal(text)); err != nil {
		b.log.Error("views.update with a message failed", "view_id", viewID, "err", err)
	}
}

// updateView replaces the view viewID with v, also for work that shutdown
// cut off (replyContext).
func (b *Bot) updateView(ctx context.Context, viewID string, v slack.ModalViewRequest) error {
	ctx, cancel := replyContext(ctx)
	defer cancel()
	if len(v.Blocks.BlockSet) > slackfmt.MaxBlocksPerModal {
		v.Blocks.BlockSet = v.Blocks.BlockSet[:slackfmt.MaxBlocksPerModal]
	}
	return retry429(ctx, func() error {
		_, err := b.api.UpdateViewContext(ctx, v, "", "", viewID)
		return err
	})
}

// notify queues notices for NotifyChannel; without one they are dropped.
func (b *Bot) notify(msgs []commands.Message) {
	if len(msgs) == 0 {
		return
	}
	if b.cfg.NotifyChannel == "" {
		b.log.Debug("no NOTIFY_CHANNEL; dropping notices", "count", len(msgs))
		return
	}
	b.notices.post(b.cfg.NotifyChannel, msgs)
}
