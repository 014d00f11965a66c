package commands

import (
	"github.com/slack-go/slack"
)

// This file is the contract between package bot (Socket Mode, Web API) and
// package commands (deciding, calling Syncro, building Block Kit). bot
// decodes an envelope into one of the request types below, calls the
// matching method of *Commands, and sends the Reply. commands never sees a
// socket, a token or an envelope; bot never calls Syncro.

// Actor is the person behind a Slack interaction, as far as bot knows them.
type Actor struct {
	// SlackUserID and SlackTeamID identify the Slack user (U…, T…).
	SlackUserID string
	SlackTeamID string
	// Name is the user's display or real name, for audit lines and notices.
	Name string
	// Email comes from users.info (users:read.email); empty when Slack did
	// not give one. commands maps it to the Syncro tech.
	Email string
	// TimeZone is the user's IANA time zone from Slack ("America/Chicago");
	// empty when Slack did not say. Times shown to them use it.
	TimeZone string
	// CanBill is false when BILLING_USERS is set and the user is not in it.
	CanBill bool
	// CanAdmin is false when ADMIN_USERS is set and the user is not in it
	// (merging and deleting customers).
	CanAdmin bool
}

// Request is a /syncro slash command.
type Request struct {
	Actor Actor
	// ChannelID is where the command was typed; replies and follow-ups
	// (posted after a modal is submitted) go there.
	ChannelID string
	// SharedChannel is true when the channel is shared with another
	// workspace (Slack Connect), or is a DM someone outside the workspace
	// may read: customer and ticket data must then go to the tech
	// ephemerally, never to the channel. Sharing says which.
	SharedChannel bool
	Sharing       Sharing
	// Text is everything after "/syncro".
	Text string
	// EnvelopeID is Slack's envelope id; the base of idempotency keys for
	// writes the command makes, so a redelivered envelope writes nothing.
	EnvelopeID string
	// Progress, when set, shows the person an interim line while the
	// command is still working (bot posts it ephemerally); commands uses it
	// at most once per command, to say Syncro is rate limiting.
	Progress func(text string)
}

// Sharing is how people outside the workspace may read a conversation
// bot treats as shared; it decides what a sentence calls the place.
type Sharing int

const (
	// SharingChannel: a channel shared with another workspace. It is
	// the zero value.
	SharingChannel Sharing = iota
	// SharingDM: a DM with someone outside the workspace.
	SharingDM
	// SharingGroupDM: a group DM, whose members bot cannot check.
	SharingGroupDM
	// SharingUnknown: a conversation Slack could not describe (or a DM
	// whose other person it could not), shared for want of knowing.
	SharingUnknown
)

// Place is the sentence's start that says what the shared conversation
// is, as in "This channel is shared with another workspace".
func (s Sharing) Place() string {
	switch s {
	case SharingDM:
		return "This is a conversation with someone outside your workspace"
	case SharingGroupDM:
		return "This group DM may include someone outside your workspace"
	case SharingUnknown:
		return "Slack couldn't say whether this conversation is shared, so it counts as shared"
	}
	return "This channel is shared with another workspace"
}

// Action is a click on a button (or a select) in a message or a modal.
type Action struct {
	Actor         Actor
	ChannelID     string
	SharedChannel bool
	// ActionID routes the click (one of the Action* constants); Value is
	// the button's value (for ticket buttons: the ticket id and number).
	ActionID string
	BlockID  string
	Value    string
	// MessageTS is the timestamp of the message holding the button; with
	// ActionID and Value it makes the idempotency key of a click, so a
	// double-click writes once.
	MessageTS string
	// ViewID is set when the click happened inside a modal.
	ViewID string
	// PrivateMetadata is the modal's private_metadata, when in a modal.
	PrivateMetadata string
}

// Submission is a submitted modal (view_submission).
type Submission struct {
	Actor Actor
	// CallbackID routes the submission (one of the Callback* constants).
	CallbackID string
	// ViewID plus a hash of Values make the idempotency key: Slack or a
	// double click delivering the same submission twice writes once.
	ViewID string
	// PrivateMetadata is what the modal was built with (ticket id and
	// number, customer id, channel to reply in), set by commands.
	PrivateMetadata string
	// Values are the input blocks' values: block id → action id → value.
	Values map[string]map[string]slack.BlockAction
	// FromMessage is true when a button on a message (the ticket card)
	// opened the form and bot can replace that message: the reply may then
	// carry Card.
	FromMessage bool
}

// Suggestion is a block_suggestion: the user is typing in an external
// select (customer search in the create modal).
type Suggestion struct {
	Actor           Actor
	ActionID        string
	BlockID         string
	Query           string
	PrivateMetadata string
}

// Reply is what bot shows after commands did its work.
type Reply struct {
	// Text is the plain-text fallback (notifications, screen readers) and
	// the whole reply when Blocks is empty.
	Text string
	// Blocks is the Block Kit body of the first message.
	Blocks []slack.Block
	// More holds further messages when one reply would break Block Kit's
	// limits (50 blocks, 3000 characters per text).
	More []Message
	// InChannel makes the reply visible to the channel; the default is
	// ephemeral, and bot forces ephemeral in shared channels.
	InChannel bool
	// Modal, when set, is the view to show (bot has already opened a
	// "Loading…" view with the trigger and updates it with this one).
	Modal *slack.ModalViewRequest
	// ChannelID, when set, is where a reply to a submission goes (taken
	// from the modal's private metadata); otherwise the request's channel.
	ChannelID string
	// Notices are closed-ticket notifications to post to NOTIFY_CHANNEL.
	Notices []Message
	// Thread, when set, is posted in a message's thread for the channel
	// to see (a ticket made from that message), once, with the reply.
	Thread *ThreadPost
	// Card, for a submission FromMessage, is the message the form was
	// opened from as it reads now (the ticket card after the write): bot
	// replaces that message with it, so it never shows what Syncro no
	// longer holds.
	Card *Message
	// Outcome says how a recorded write (bill, close) ended, for metrics;
	// empty for replies that are not the end of one (errors count as
	// not done).
	Outcome Outcome
}

// Outcome is how a recorded write ended.
type Outcome string

const (
	// OutcomeDone: every step was done.
	OutcomeDone Outcome = "done"
	// OutcomeFailed: a step failed, or there was nothing to do; the reply
	// says what was and was not done.
	OutcomeFailed Outcome = "failed"
	// OutcomeDuplicate: the work had been done already (a repeated
	// submission, or a ticket already invoiced); nothing was written.
	OutcomeDuplicate Outcome = "duplicate"
)

// Message is one Slack message: blocks plus the plain-text fallback.
type Message struct {
	Text   string
	Blocks []slack.Block
	// TicketID is the ticket a closed-ticket notice is about (0 for other
	// messages), so bot can record it as announced and the watcher does
	// not announce the same close again.
	TicketID int64
}

// FieldErrors maps an input block id to the message shown under it; bot
// answers a view_submission with them inside the ack.
type FieldErrors map[string]string
