package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// Dedup makes a write triggered from Slack happen once per key, so a
// double-click or a redelivered submission writes nothing the second time.
// StoreDedup implements it on the store's claims, so it survives
// restarts.
type Dedup interface {
	// Begin claims key. The first caller gets first=true and must call
	// Done when its write is over. Later callers get first=false and wait,
	// until ctx ends, for the first caller's reply: finished reports
	// whether it arrived.
	Begin(ctx context.Context, key string) (first bool, prior Reply, finished bool)
	// Done records the reply of the write made under key.
	Done(key string, r Reply)
	// Forget releases key without a reply, so the next Begin acquires it
	// again: for work that may simply be tried again (see OnceUntilDone).
	Forget(key string)
}

// SubmissionKey identifies one submission: the view plus a hash of what was
// typed, so the same form delivered twice has one key while a corrected
// resubmission of the same view (after field errors) has another.
func SubmissionKey(s Submission) string {
	vals, _ := json.Marshal(s.Values) // map keys are sorted: stable
	return "submit:" + hashParts(s.CallbackID, s.ViewID, string(vals))
}

// ClickKey identifies one button click: the action, the message holding
// the button and the button's value. Clicks that only open a modal write
// nothing and need no key; a click that writes must claim it.
func ClickKey(a Action) string {
	return "click:" + hashParts(a.ActionID, a.MessageTS, a.Value)
}

// hashParts hashes length-prefixed parts so ("ab","c") and ("a","bc")
// differ.
func hashParts(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		l := len(p)
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// duplicateReply answers the second delivery of a submission: the first
// delivery's outcome (kept by Dedup, across restarts with StoreDedup), so
// the tech sees what was done whichever reply reaches them. Notices are
// never repeated.
func duplicateReply(finished bool, prior Reply) Reply {
	r := Reply{Text: "That form is already being saved; I didn't start it a second time.", Outcome: OutcomeDuplicate}
	if finished {
		const head = "That form was submitted twice; I did the work once. Nothing was written twice."
		r.Text = head
		if prior.Text != "" {
			r.Text = head + " " + prior.Text
		}
		if prior.Text != "" && len(prior.Blocks) > 0 {
			r.Blocks = append([]slack.Block{slack.NewSectionBlock(Mrkdwn(head), nil, nil)}, prior.Blocks...)
		}
	}
	return r
}

// ValidateText checks a text field's presence and length (in characters).
func ValidateText(s Submission, block string, required bool, maxLen int, what string, errs FieldErrors) {
	v := InputText(s, block)
	switch {
	case required && v == "":
		errs[block] = "Please write the " + what + "."
	case cmdline.RuneLen(v) > maxLen:
		errs[block] = "The " + what + " can be at most " + cmdline.Commas(maxLen) + " characters (it has " + cmdline.Commas(cmdline.RuneLen(v)) + ")."
	}
}

// UsageMessage is a UsageError's sentence without the usage line.
func UsageMessage(err error) string {
	if ue, ok := err.(*cmdline.UsageError); ok {
		return ue.Message
	}
	return err.Error()
}

// submit does the Syncro work of a submission, once per submission.
func (c *Commands) submit(ctx context.Context, s Submission) Reply {
	meta, metaErr := DecodeMeta(s.PrivateMetadata)
	m, known := c.reg.modals[s.CallbackID]
	if errs := c.Validate(s); len(errs) > 0 {
		// bot acks with Validate's errors first; this guards direct calls.
		var msgs []string
		for _, m := range errs {
			msgs = append(msgs, m)
		}
		return Reply{Text: "Nothing was saved: " + strings.Join(msgs, " "), ChannelID: meta.Channel}
	}
	write := func() Reply {
		var r Reply
		switch {
		case metaErr != nil:
			r = c.cfg.Failure(ctx, metaErr, "read that form")
		case !known:
			r = Reply{Text: "I don't know that form (" + slackfmt.EscapeMrkdwn(slackfmt.Truncate(s.CallbackID, 40)) + "); nothing was saved."}
		default:
			r = m.Submit(ctx, s, meta)
		}
		if r.ChannelID == "" {
			r.ChannelID = meta.Channel
		}
		return r
	}
	repeat := func(prior Reply, finished bool) Reply {
		r := duplicateReply(finished, prior)
		r.ChannelID = prior.ChannelID
		if r.ChannelID == "" {
			r.ChannelID = meta.Channel
		}
		return r
	}
	return c.cfg.Once(ctx, SubmissionKey(s), write, repeat)
}
