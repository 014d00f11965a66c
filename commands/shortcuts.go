package commands

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// Message shortcuts: the entries of the "…" menu Slack shows on every
// message. Like buttons and modals they are registry entries, routed by
// their callback_id (docs/registry.md), and the manifest names each one
// (features.shortcuts, type message).

// Shortcut answers one message shortcut.
type Shortcut struct {
	// CallbackID is the shortcut's callback_id in the manifest.
	CallbackID string
	// OpensModal is true when the shortcut answers with a modal: bot opens
	// the Loading view with the trigger (3 s) before any other call.
	OpensModal bool
	// Handle answers the shortcut.
	Handle func(ctx context.Context, m MessageAction) Reply
}

// MessageAction is a message shortcut: a person picked one of the bot's
// entries in a message's "…" menu.
type MessageAction struct {
	Actor Actor
	// CallbackID routes it (one of the Shortcut… constants).
	CallbackID string
	// ChannelID is where the message is; SharedChannel is true when that
	// channel is shared with another workspace (Slack Connect), or is a
	// DM someone outside the workspace may read; Sharing says which.
	ChannelID     string
	SharedChannel bool
	Sharing       Sharing
	// Message is the message the person picked.
	Message SlackMessage
}

// SlackMessage is a message as bot read it for a shortcut.
type SlackMessage struct {
	// TS is the message's timestamp; ThreadTS the thread it is a reply
	// in, "" for a message of the channel itself.
	TS, ThreadTS string
	// Text is the text as its author typed it: Slack's escapes decoded and
	// its link, mention and channel markup turned into plain words.
	Text string
	// Author is who wrote it.
	Author MessageAuthor
	// Files are the names of the files shared with it (their content
	// stays in Slack).
	Files []string
	// Permalink is Slack's link to the message; "" when Slack gave none.
	Permalink string
}

// MessageAuthor is the author of a message, as far as Slack told bot.
type MessageAuthor struct {
	// UserID and TeamID identify a person (U…, T…); TeamID differs from
	// the home workspace's for a person of another workspace.
	UserID, TeamID string
	// Name is their display or real name; Email their email, "" when
	// Slack did not share it.
	Name, Email string
	// External is true for a person of another workspace.
	External bool
	// BotID and BotName are set for another app's message (no person).
	BotID, BotName string
}

// Label is how a message's author is named to people: their name, a
// bot's name, or their Slack id when Slack gave nothing else.
func (a MessageAuthor) Label() string {
	switch {
	case a.Name != "":
		return a.Name
	case a.BotName != "":
		return a.BotName + " (a bot)"
	case a.BotID != "":
		return "a bot (" + a.BotID + ")"
	case a.UserID != "":
		return a.UserID
	}
	return "someone"
}

// MessageMeta is the message a form was opened from, kept in the form's
// private_metadata (ModalMeta.Msg): where it is, its link, its author and
// files as the ticket names them. Keys are short for Slack's 3000-character
// cap; the feature bounds the values.
type MessageMeta struct {
	Channel string   `json:"c"`
	TS      string   `json:"ts"`
	Link    string   `json:"l,omitempty"`
	Author  string   `json:"a,omitempty"`
	Files   []string `json:"f,omitempty"`
	// Shared: the channel was shared with another workspace.
	Shared bool `json:"s,omitempty"`
	// Cut is the message's length in characters when the form holds only
	// its start; 0 when it holds all of it.
	Cut int `json:"cut,omitempty"`
	// Was is the ticket the message became before, deleted in Syncro
	// since: 0 for a message that never became one.
	Was int64 `json:"was,omitempty"`
	// Root is the thread's parent when the message is a reply in a
	// thread; "" when it is a message of the channel itself.
	Root string `json:"rt,omitempty"`
}

// Thread is the ts a reply about the message hangs on: its thread's
// parent, since Slack threads hang on the parent and not on a reply
// (docs/slack-platform.md).
func (m *MessageMeta) Thread() string {
	if m.Root != "" {
		return m.Root
	}
	return m.TS
}

// ThreadPost is a reply in a message's thread, visible to the channel.
type ThreadPost struct {
	ChannelID, ThreadTS string
	// Text is the message's text; Blocks, when set, what Slack shows
	// instead (a notice's Block Kit: who, the invoice, the time, a link).
	Text   string
	Blocks []slack.Block
	// Neutral marks a line that names no customer, ticket detail or
	// person (“Ticket #32190 opened — we're on it”): the only kind bot
	// posts in a channel shared with another workspace. bot checks the
	// channel again before posting anything else.
	Neutral bool
}

// Shortcut registers a message shortcut.
func (r *Registry) Shortcut(s Shortcut) {
	if s.CallbackID == "" || s.Handle == nil {
		panic(fmt.Sprintf("commands: shortcut %q needs a callback id and Handle", s.CallbackID))
	}
	register(r.shortcuts, "shortcut", s.CallbackID, s)
}

// ShortcutIDs lists every registered message shortcut's callback_id,
// sorted: what bot routes to Shortcut.
func (c *Commands) ShortcutIDs() []string { return sortedKeys(c.reg.shortcuts) }

// ShortcutOpensModal reports whether the shortcut answers with a modal.
func (c *Commands) ShortcutOpensModal(callbackID string) bool {
	return c.reg.shortcuts[callbackID].OpensModal
}

// Shortcut answers a message shortcut.
func (c *Commands) Shortcut(ctx context.Context, m MessageAction) Reply {
	s, ok := c.reg.shortcuts[m.CallbackID]
	if !ok {
		return Reply{Text: "I don't know that shortcut; nothing was changed."}
	}
	return s.Handle(ctx, m)
}
