package home

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// The Home's layout, in blocks: Slack refuses a Home tab of more than
// slackfmt.MaxBlocksPerModal, so the tickets get what the fixed parts
// leave, two blocks each (the line and its buttons).
const (
	// fixedBlocks is every block that is not a ticket's: header, updated
	// line, today's time, two dividers, two section titles, two "more
	// in Syncro" lines, the resolved list's note (resolved.go) and the
	// summary settings (settings.go).
	fixedBlocks = 10 + settingsBlockCount
	// blocksPerTicket is a ticket's line and its buttons.
	blocksPerTicket = 2
	// resolvedSlots is how many resolved tickets are shown at most, so
	// open tickets keep most of the room.
	resolvedSlots = 10
)

// Block ids of the Home's ticket buttons: a view's block ids must be
// unique, so each carries its ticket's id.
const (
	blockOpenPrefix     = "home_open_"
	blockResolvedPrefix = "home_resolved_"
)

// Render is the Home tab showing d; it holds at most
// slackfmt.MaxBlocksPerModal blocks whatever d holds, with a "more in
// Syncro" line for the tickets left out.
func Render(d Day) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(commands.BoundedPlain("Your day in Syncro", slackfmt.MaxHeaderText)),
		commands.NoteContext("Updated " + d.Now.Format("Mon 2 Jan 15:04") + " (" + commands.InlineMrkdwn(d.Now.Location().String(), 60) + ")"),
	}
	if d.Unmatched != "" {
		blocks = append(blocks, commands.TextSection(d.Unmatched))
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
	}
	blocks = append(blocks, commands.TextSection(timeText(d)), slack.NewDividerBlock())

	open := slices.Clone(d.Open)
	slices.SortFunc(open, func(a, b syncro.Ticket) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt.Time), cmp.Compare(b.ID, a.ID))
	})
	room := (slackfmt.MaxBlocksPerModal - fixedBlocks) / blocksPerTicket
	nResolved := min(len(d.Resolved), resolvedSlots)
	nOpen := min(len(open), room-nResolved)
	nResolved = min(len(d.Resolved), room-nOpen)

	title := "*Your open tickets*"
	switch {
	case d.OpenErr != "":
		blocks = append(blocks, commands.TextSection(title+"\n"+d.OpenErr))
	case len(open) == 0:
		blocks = append(blocks, commands.TextSection(withNote(title+"\nNo open tickets are assigned to you.", d.OpenNote)))
	default:
		blocks = append(blocks, commands.TextSection(withNote(title+" ("+strconv.Itoa(len(open))+")", d.OpenNote)))
		blocks = append(blocks, ticketBlocks(open[:nOpen], blockOpenPrefix, d.WebURL, true, d.CanBill)...)
		blocks = appendMore(blocks, len(open)-nOpen, "open ticket", "open tickets", d.WebURL)
	}
	blocks = append(blocks, slack.NewDividerBlock())

	title = "*Resolved, not invoiced yet*"
	switch {
	case d.ResolvedErr != "":
		blocks = append(blocks, commands.TextSection(title+"\n"+d.ResolvedErr))
	case len(d.Resolved) == 0 && d.ResolvedNote == "":
		blocks = append(blocks, commands.TextSection(title+"\nNone: every ticket you resolved is invoiced."))
	case len(d.Resolved) == 0:
		blocks = append(blocks, commands.TextSection(title+"\nNone among those I looked at."), commands.NoteContext(d.ResolvedNote))
	default:
		blocks = append(blocks, commands.TextSection(title+" ("+strconv.Itoa(len(d.Resolved))+")"))
		blocks = append(blocks, ticketBlocks(d.Resolved[:nResolved], blockResolvedPrefix, d.WebURL, false, d.CanBill)...)
		blocks = appendMore(blocks, len(d.Resolved)-nResolved, "resolved ticket", "resolved tickets", d.WebURL)
		if d.ResolvedNote != "" {
			blocks = append(blocks, commands.NoteContext(d.ResolvedNote))
		}
	}
	blocks = append(blocks, settingsBlocks(d)...)
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// timeText is today's time by labor type, with the total.
func timeText(d Day) string {
	const title = "*Your time today*"
	if d.TimeErr != "" {
		return title + "\n" + d.TimeErr
	}
	if len(d.Time) == 0 {
		return title + "\nNo time logged today."
	}
	lines := []string{title}
	total := 0
	for _, lm := range d.Time {
		lines = append(lines, "• "+commands.InlineMrkdwn(lm.Label, commands.MaxNameLen)+": "+cmdline.FormatMinutes(lm.Minutes))
		total += lm.Minutes
	}
	return strings.Join(append(lines, "Total: *"+cmdline.FormatMinutes(total)+"*"), "\n")
}

// withNote adds the mirror's staleness note under a title.
func withNote(s, note string) string {
	if note == "" {
		return s
	}
	return s + "\n_" + note + "_"
}

// ticketBlocks are each ticket's line and buttons (blocksPerTicket
// blocks): Close when canClose (open tickets; resolved ones are closed
// already), Make invoice when canBill.
func ticketBlocks(ts []syncro.Ticket, prefix, webURL string, canClose, canBill bool) []slack.Block {
	out := make([]slack.Block, 0, blocksPerTicket*len(ts))
	for i := range ts {
		t := &ts[i]
		out = append(out,
			commands.TextSection(commands.TicketLine(t)),
			ticketview.TicketButtons(prefix+strconv.FormatInt(t.ID, 10), t, webURL, canClose, canBill))
	}
	return out
}

// appendMore adds the line saying how many tickets did not fit, linking
// to Syncro's ticket list when its address is known.
func appendMore(blocks []slack.Block, left int, one, many, webURL string) []slack.Block {
	if left <= 0 {
		return blocks
	}
	return append(blocks, commands.NoteContext("…and "+commands.CountNoun(left, "more "+one, "more "+many)+" in "+syncroTickets(webURL)))
}
