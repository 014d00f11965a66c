package cmdline_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/slackfmt"
)

func TestHelpBlocks_MatchGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "&amp;" readable in the golden file
	enc.SetIndent("", "  ")
	if err := enc.Encode(cmdline.HelpBlocks()); err != nil {
		t.Fatal(err)
	}
	commandstest.Golden(t, "help.golden", buf.Bytes())
}

func TestHelpText_MatchGolden(t *testing.T) {
	t.Parallel()
	commandstest.Golden(t, "help_text.golden", []byte(cmdline.HelpText()))
}

func TestHelp_ListsEveryCommandWithUsageAndDescription(t *testing.T) {
	t.Parallel()
	text := cmdline.HelpText()
	raw, _ := json.Marshal(cmdline.HelpBlocks())
	blocks := string(raw)
	for _, c := range cmdline.Table() {
		for _, want := range []string{cmdline.UsageLine(c), c.Description} {
			if !strings.Contains(text, want) {
				t.Errorf("HelpText lacks %q", want)
			}
		}
		if !strings.Contains(blocks, "`"+cmdline.UsageLine(c)+"`") {
			t.Errorf("HelpBlocks lacks usage of %q", c.Name)
		}
		for _, f := range c.Flags {
			if !strings.Contains(text, f.Help) {
				t.Errorf("HelpText lacks help for --%s of %q", f.Name, c.Name)
			}
		}
	}
	if !strings.Contains(text, "Needs billing permission") {
		t.Error("HelpText does not mark billing commands")
	}
}

func TestHelpBlocks_WithinSlackLimits(t *testing.T) {
	t.Parallel()
	blocks := cmdline.HelpBlocks()
	if len(blocks) > slackfmt.MaxBlocksPerMessage {
		t.Fatalf("%d blocks, Slack allows %d", len(blocks), slackfmt.MaxBlocksPerMessage)
	}
	for i, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if n := cmdline.RuneLen(b.Text.Text); n > slackfmt.MaxSectionText {
				t.Errorf("block %d: section text %d chars, limit %d", i, n, slackfmt.MaxSectionText)
			}
		case *slack.HeaderBlock:
			if n := cmdline.RuneLen(b.Text.Text); n > slackfmt.MaxHeaderText {
				t.Errorf("block %d: header %d chars, limit %d", i, n, slackfmt.MaxHeaderText)
			}
		case *slack.ContextBlock:
			if n := len(b.ContextElements.Elements); n > slackfmt.MaxContextElements {
				t.Errorf("block %d: %d context elements, limit %d", i, n, slackfmt.MaxContextElements)
			}
		}
	}
}

func TestCommandHelpText_AlignsFlags(t *testing.T) {
	t.Parallel()
	got := cmdline.Lookup(cmdline.NameComment).HelpText()
	want := "/syncro comment N [--time T] [--labor KIND] [--hidden] [--no-email] TEXT\n" +
		"    Add a comment to a ticket, optionally logging time.\n" +
		"    --time T      time spent, like 45m, 1h30m or 1.5h\n" +
		"    --labor KIND  labor kind for the time, like remote or onsite (default remote)\n" +
		"    --hidden      hide the comment from the customer\n" +
		"    --no-email    don't email the customer"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
