package slackfake

import (
	"encoding/json"
	"unicode/utf8"
)

// Limits the fake holds a message's blocks to, as Slack does (see
// docs/slack-limits.md): it answers invalid_blocks or msg_blocks_too_long,
// so a bot that renders past them fails in tests as it would in Slack.
const (
	// MaxMessageBlocks is the most blocks one message may hold.
	MaxMessageBlocks = 50
	// MaxSectionText is the longest text of a section block, and of one
	// context element.
	MaxSectionText = 3000
	// MaxHeaderText is the longest text of a header block.
	MaxHeaderText = 150
	// MaxMessageBlockText is roughly where Slack refuses a message for the
	// sum of its blocks' text (msg_blocks_too_long, observed near 13,000
	// characters; not documented).
	MaxMessageBlockText = 13000
)

// ErrCodeMsgBlocksTooLong is Slack's answer to a message whose blocks hold
// too much text in all.
const ErrCodeMsgBlocksTooLong = "msg_blocks_too_long"

// blockText is the part of a block the fake checks.
type blockText struct {
	Type string `json:"type"`
	Text *struct {
		Text string `json:"text"`
	} `json:"text"`
	Fields []struct {
		Text string `json:"text"`
	} `json:"fields"`
	Elements []struct {
		Type string          `json:"type"`
		Text json.RawMessage `json:"text"`
	} `json:"elements"`
}

// MessageBlocksError is the error code Slack answers a message's blocks
// (a JSON array) with, or "" when they are within its limits (or absent):
// what chat.postMessage, chat.postEphemeral and chat.update check, for a
// renderer's tests to check the same way.
func MessageBlocksError(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var blocks []blockText
	if json.Unmarshal(raw, &blocks) != nil || len(blocks) > MaxMessageBlocks {
		return ErrCodeInvalidBlocks
	}
	total := 0
	for _, b := range blocks {
		n := 0
		if b.Text != nil {
			n = utf8.RuneCountInString(b.Text.Text)
		}
		switch b.Type {
		case "section":
			if n > MaxSectionText {
				return ErrCodeInvalidBlocks
			}
		case "header":
			if n > MaxHeaderText {
				return ErrCodeInvalidBlocks
			}
		case "context":
			for _, e := range b.Elements {
				var s string
				if e.Type != "image" && json.Unmarshal(e.Text, &s) == nil {
					if utf8.RuneCountInString(s) > MaxSectionText {
						return ErrCodeInvalidBlocks
					}
					n += utf8.RuneCountInString(s)
				}
			}
		}
		for _, fl := range b.Fields {
			n += utf8.RuneCountInString(fl.Text)
		}
		total += n
	}
	if total > MaxMessageBlockText {
		return ErrCodeMsgBlocksTooLong
	}
	return ""
}
