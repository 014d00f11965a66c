package cmdline

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// helpTitle heads the help listing.
const helpTitle = "Syncro commands"

// helpTips closes the listing with the syntax rules techs trip over.
var helpTips = []string{
	"Ticket numbers can be written 32164 or #32164.",
	`Put values with spaces in quotes: --tech "Ann Lee". Flags can go anywhere; put -- before comment text that starts with --.`,
}

// HelpText is the plain-text listing of every subcommand, grouped, with its
// usage, description and flags. It is generated from the table, so it
// cannot drift from what Parse accepts.
func HelpText() string {
	var b strings.Builder
	b.WriteString(helpTitle + "\n")
	for _, g := range groups {
		b.WriteString("\n" + g.String() + "\n")
		for _, c := range commandTable.list {
			if c.Group != g {
				continue
			}
			for _, line := range strings.Split(c.HelpText(), "\n") {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	b.WriteString("\n" + strings.Join(helpTips, "\n") + "\n")
	return b.String()
}

// HelpText is the plain-text help for one command: its usage line, its
// description, and one aligned line per flag. The help handler uses it for
// "/syncro help comment".
func (c *Command) HelpText() string {
	var b strings.Builder
	b.WriteString(UsageLine(c) + "\n    " + c.description())
	width := 0
	for _, f := range c.Flags {
		width = max(width, len(flagUsage(f)))
	}
	for _, f := range c.Flags {
		fmt.Fprintf(&b, "\n    %-*s  %s", width, flagUsage(f), f.Help)
	}
	return b.String()
}

// HelpBlocks is the help listing as Block Kit: a header, one mrkdwn section
// per group (split if a group outgrows a section), and a context block of
// tips.
func HelpBlocks() []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, helpTitle, false, false)),
	}
	for _, g := range groups {
		heading := "*" + slackfmt.EscapeMrkdwn(g.String()) + "*"
		text := heading
		for _, c := range commandTable.list {
			if c.Group != g {
				continue
			}
			entry := c.helpMrkdwn()
			if len([]rune(text))+1+len([]rune(entry)) > slackfmt.MaxSectionText {
				blocks = append(blocks, mrkdwnSection(text))
				text = heading + " (continued)"
			}
			text += "\n" + entry
		}
		blocks = append(blocks, mrkdwnSection(text))
	}
	var tips []slack.MixedElement
	for _, t := range helpTips {
		tips = append(tips, slack.NewTextBlockObject(slack.MarkdownType, slackfmt.EscapeMrkdwn(t), false, false))
	}
	return append(blocks, slack.NewContextBlock("", tips...))
}

// helpMrkdwn is one command's entry in the Block Kit help.
func (c *Command) helpMrkdwn() string {
	s := "`" + UsageLine(c) + "`\n" + slackfmt.EscapeMrkdwn(c.description())
	for _, f := range c.Flags {
		s += "\n        `" + flagUsage(f) + "` " + slackfmt.EscapeMrkdwn(f.Help)
	}
	return s
}

func mrkdwnSection(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

// description is the help line, with the permission note generated from
// NeedsBilling so it cannot be forgotten.
func (c *Command) description() string {
	if c.NeedsBilling {
		return c.Description + " Needs billing permission."
	}
	return c.Description
}

// flagUsage is a flag as shown in help: "--time T" or "--hidden".
func flagUsage(f FlagSpec) string {
	if f.Kind == FlagBool {
		return "--" + f.Name
	}
	return "--" + f.Name + " " + f.Value
}
