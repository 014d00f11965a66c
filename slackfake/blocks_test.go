package slackfake_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/slackfake"
)

// TestWebAPI_MessagesPastBlockKitLimitsAreRefused: a message Slack would
// refuse for its blocks (too many, a section or header too long, too much
// text in all) is refused and not recorded, on chat.postMessage,
// chat.postEphemeral and chat.update alike; one at the limits is taken.
func TestWebAPI_MessagesPastBlockKitLimitsAreRefused(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := testCtx(t)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	section := func(n int) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("é", n), false, true), nil, nil)
	}
	sections := func(count, each int) []slack.Block {
		var out []slack.Block
		for range count {
			out = append(out, section(each))
		}
		return out
	}
	header := func(n int) slack.Block {
		return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", n), false, false))
	}
	context := func(n int) slack.Block {
		return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("c", n), false, true))
	}
	for _, tc := range []struct {
		name   string
		blocks []slack.Block
		want   string
	}{
		{"50 blocks", sections(slackfake.MaxMessageBlocks, 10), ""},
		{"51 blocks", sections(slackfake.MaxMessageBlocks+1, 10), slackfake.ErrCodeInvalidBlocks},
		{"a section of 3000", []slack.Block{section(slackfake.MaxSectionText)}, ""},
		{"a section of 3001", []slack.Block{section(slackfake.MaxSectionText + 1)}, slackfake.ErrCodeInvalidBlocks},
		{"a header of 151", []slack.Block{header(slackfake.MaxHeaderText + 1)}, slackfake.ErrCodeInvalidBlocks},
		{"a context of 3001", []slack.Block{context(slackfake.MaxSectionText + 1)}, slackfake.ErrCodeInvalidBlocks},
		{"13,000 in all", append(sections(4, 3000), context(1000)), ""},
		{"13,001 in all", append(sections(4, 3000), context(1001)), slackfake.ErrCodeMsgBlocksTooLong},
	} {
		before := len(f.Messages(ops.ID))
		_, ts, err := api.PostMessageContext(ctx, ops.ID, slack.MsgOptionText("x", false), slack.MsgOptionBlocks(tc.blocks...))
		if got := slackErr(err); got != tc.want {
			t.Errorf("%s: chat.postMessage answered %q, want %q", tc.name, got, tc.want)
		}
		if tc.want != "" && len(f.Messages(ops.ID)) != before {
			t.Errorf("%s: a refused message was recorded", tc.name)
		}
		if _, err := api.PostEphemeralContext(ctx, ops.ID, alice.ID, slack.MsgOptionText("x", false), slack.MsgOptionBlocks(tc.blocks...)); slackErr(err) != tc.want {
			t.Errorf("%s: chat.postEphemeral answered %v, want %q", tc.name, err, tc.want)
		}
		if tc.want == "" {
			continue
		}
		_, ts, err = api.PostMessageContext(ctx, ops.ID, slack.MsgOptionText("x", false))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := api.UpdateMessageContext(ctx, ops.ID, ts, slack.MsgOptionBlocks(tc.blocks...)); slackErr(err) != tc.want {
			t.Errorf("%s: chat.update answered %v, want %q", tc.name, err, tc.want)
		}
		if m, _ := f.MessageAt(ops.ID, ts); m.Updates != 0 {
			t.Errorf("%s: a refused update changed the message", tc.name)
		}
	}
}
