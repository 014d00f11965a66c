package home

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// Bounds of one summary, so it stays one message (Slack's 50 blocks) and
// a few Syncro calls.
const (
	// summaryTickets is how many tickets each list of the summary shows.
	summaryTickets = 10
	// commentChecks bounds the tickets whose comments are read to see
	// whether the tech worked on them (GET /tickets/{id}/comments each).
	commentChecks = 15
	// updatedPages bounds the pages of tickets updated that day read.
	updatedPages = 5
)

// Block id prefixes of the summary's ticket buttons (unique per message).
const (
	blockMissingPrefix  = "summary_missing_"
	blockUnbilledPrefix = "summary_resolved_"
)

// Summary is one tech's end-of-day summary, gathered by Feature.Summary.
type Summary struct {
	// Day is midnight of the day summarized, in the tech's zone.
	Day time.Time
	// Late marks a summary sent the morning after, because the bot was
	// not running at the tech's hour that day.
	Late bool
	// Time is the day's minutes by labor type; ByTicket by ticket.
	Time     []LaborMinutes
	ByTicket []TicketMinutes
	// Missing are tickets the tech worked on that day with none of their
	// time logged on them.
	Missing []syncro.Ticket
	// Resolved are the tech's resolved tickets not invoiced yet.
	Resolved []syncro.Ticket
	// Errs are the parts Syncro could not give, as sentences.
	Errs    []string
	CanBill bool
	WebURL  string
}

// TicketMinutes is the time logged on one ticket.
type TicketMinutes struct {
	Ticket  syncro.Ticket
	Minutes int
}

// Empty reports a summary with nothing to say: no time, nothing missing,
// nothing to invoice, and nothing that failed.
func (s Summary) Empty() bool {
	return len(s.Time) == 0 && len(s.Missing) == 0 && len(s.Resolved) == 0 && len(s.Errs) == 0
}

// errNoTech says the person matches no Syncro user, so there is nothing of
// theirs to summarize.
var errNoTech = errors.New("no Syncro user matches the person")

// Summary gathers a's summary of the day starting at day (midnight in
// their zone); late marks it as sent the morning after.
func (f *Feature) Summary(ctx context.Context, a commands.Actor, day time.Time, late bool) (Summary, error) {
	s := Summary{Day: day, Late: late, CanBill: a.CanBill, WebURL: f.cfg.WebURL}
	tech, err := f.reg.Tech(ctx, a)
	if err != nil {
		return s, fmt.Errorf("find tech %s: %w", a.Email, err)
	}
	if tech == 0 {
		return s, errNoTech
	}
	end := day.AddDate(0, 0, 1)
	timers, err := syncro.Collect(f.cfg.Syncro.Timers.All(ctx, &syncro.TimerListOptions{CreatedAfter: day, CreatedBefore: end}))
	if err != nil {
		s.Errs = append(s.Errs, f.failure(ctx, fmt.Errorf("list timers of %s: %w", day.Format(time.DateOnly), err), "read the day's time"))
	}
	timed := map[int64]int{}
	byLabor := map[string]int{}
	for _, tm := range timers {
		if tm.UserID != tech || tm.CreatedAt.Before(day) || !tm.CreatedAt.Before(end) {
			continue
		}
		timed[tm.TicketID] += ticketview.TimerMinutes(&tm)
		byLabor[f.laborLabel(tm.ProductID)] += ticketview.TimerMinutes(&tm)
	}
	s.Time = sortedLabor(byLabor)
	updated, err := f.updated(ctx, day, end)
	if err != nil {
		s.Errs = append(s.Errs, f.failure(ctx, err, "list the day's changed tickets"))
	}
	byID := map[int64]syncro.Ticket{}
	for _, t := range updated {
		byID[t.ID] = t
	}
	for id, m := range timed {
		t, ok := byID[id]
		if !ok {
			tp, err := f.cfg.Reads.Ticket(ctx, id)
			if err != nil {
				s.Errs = append(s.Errs, f.failure(ctx, fmt.Errorf("read ticket %d: %w", id, err), "read a ticket you logged time on"))
				continue
			}
			t = *tp
		}
		s.ByTicket = append(s.ByTicket, TicketMinutes{Ticket: t, Minutes: m})
	}
	slices.SortFunc(s.ByTicket, func(a, b TicketMinutes) int {
		return cmp.Or(cmp.Compare(b.Minutes, a.Minutes), cmp.Compare(a.Ticket.ID, b.Ticket.ID))
	})
	missing, err := f.missing(ctx, tech, updated, timed, day, end)
	if err != nil {
		s.Errs = append(s.Errs, f.failure(ctx, err, "check the day's tickets for missing time"))
	}
	s.Missing = missing
	if s.Resolved, err = f.resolved(ctx, tech); err != nil {
		s.Errs = append(s.Errs, f.failure(ctx, err, "list your resolved tickets"))
	}
	return s, nil
}

// sortedLabor is minutes by label, largest first.
func sortedLabor(by map[string]int) []LaborMinutes {
	out := make([]LaborMinutes, 0, len(by))
	for label, m := range by {
		out = append(out, LaborMinutes{Label: label, Minutes: m})
	}
	slices.SortFunc(out, func(a, b LaborMinutes) int {
		return cmp.Or(cmp.Compare(b.Minutes, a.Minutes), strings.Compare(a.Label, b.Label))
	})
	return out
}

// updated is the tickets changed in [day, end), newest first: Syncro's
// since_updated_at filter, checked again here (it may be coarse).
func (f *Feature) updated(ctx context.Context, day, end time.Time) ([]syncro.Ticket, error) {
	var out []syncro.Ticket
	for page := 1; page <= updatedPages; page++ {
		ts, resp, err := f.cfg.Syncro.Tickets.List(ctx, &syncro.TicketListOptions{SinceUpdatedAt: day, ListOptions: syncro.ListOptions{Page: page}})
		if err != nil {
			return out, fmt.Errorf("list tickets updated since %s: %w", day.Format(time.RFC3339), err)
		}
		for _, t := range ts {
			if !t.UpdatedAt.Before(day) && t.UpdatedAt.Before(end) {
				out = append(out, t)
			}
		}
		if resp == nil || resp.Meta == nil || resp.Meta.TotalPages <= page {
			break
		}
	}
	slices.SortFunc(out, func(a, b syncro.Ticket) int { return b.UpdatedAt.Compare(a.UpdatedAt.Time) })
	return out, nil
}

// missing is the tickets tech worked on in [day, end) with none of their
// time on them: assigned to them and resolved that day, or carrying a
// comment of theirs from that day. Only tickets assigned to them are
// read for comments (at most commentChecks), so the check costs a few
// calls however busy the account was.
func (f *Feature) missing(ctx context.Context, tech int64, updated []syncro.Ticket, timed map[int64]int, day, end time.Time) ([]syncro.Ticket, error) {
	var out []syncro.Ticket
	checks := 0
	for _, t := range updated {
		if timed[t.ID] > 0 || t.UserID == nil || *t.UserID != tech {
			continue
		}
		if !t.ResolvedAt.IsZero() && !t.ResolvedAt.Before(day) && t.ResolvedAt.Before(end) {
			out = append(out, t)
			continue
		}
		if checks >= commentChecks {
			continue
		}
		checks++
		cs, err := syncro.Collect(f.cfg.Syncro.Tickets.AllComments(ctx, t.ID, nil))
		if err != nil {
			return out, fmt.Errorf("list comments of ticket %d: %w", t.ID, err)
		}
		if slices.ContainsFunc(cs, func(c syncro.Comment) bool {
			return c.UserID != nil && *c.UserID == tech && !c.CreatedAt.Before(day) && c.CreatedAt.Before(end)
		}) {
			out = append(out, t)
		}
	}
	return out, nil
}

// RenderSummary is the summary's direct message, one message within
// Slack's 50 blocks.
func RenderSummary(s Summary) commands.Message {
	title := "Your day in Syncro: " + s.Day.Format("Mon 2 Jan")
	if s.Late {
		title = "Yesterday's summary: " + s.Day.Format("Mon 2 Jan")
	}
	blocks := []slack.Block{slack.NewHeaderBlock(commands.BoundedPlain(title, slackfmt.MaxHeaderText))}
	if s.Late {
		blocks = append(blocks, commands.NoteContext("The bot was not running at your hour that day, so this comes the morning after."))
	}
	lines := []string{"*Time logged*"}
	if len(s.Time) == 0 {
		lines = append(lines, "None.")
	}
	total := 0
	for _, lm := range s.Time {
		lines = append(lines, "• "+commands.InlineMrkdwn(lm.Label, commands.MaxNameLen)+": "+cmdline.FormatMinutes(lm.Minutes))
		total += lm.Minutes
	}
	if total > 0 {
		lines = append(lines, "Total: *"+cmdline.FormatMinutes(total)+"*", "", "*By ticket*")
		for i, tm := range s.ByTicket {
			if i == summaryTickets {
				lines = append(lines, "…and "+commands.CountNoun(len(s.ByTicket)-i, "more ticket", "more tickets"))
				break
			}
			lines = append(lines, "• "+commands.TicketLine(&tm.Ticket)+": "+cmdline.FormatMinutes(tm.Minutes))
		}
	}
	blocks = append(blocks, commands.TextSection(strings.Join(lines, "\n")))
	if len(s.Missing) > 0 {
		blocks = append(blocks, slack.NewDividerBlock(), commands.TextSection("*Missing time?* You worked on these with no time logged:"))
		blocks = append(blocks, summaryTicketBlocks(s.Missing, blockMissingPrefix, s, false)...)
	}
	if len(s.Resolved) > 0 {
		blocks = append(blocks, slack.NewDividerBlock(), commands.TextSection("*Resolved, not invoiced yet*"))
		blocks = append(blocks, summaryTicketBlocks(s.Resolved, blockUnbilledPrefix, s, s.CanBill)...)
	}
	for _, e := range s.Errs {
		blocks = append(blocks, commands.NoteContext(e))
	}
	text := title
	if total > 0 {
		text += ": " + cmdline.FormatMinutes(total) + " logged"
	}
	return commands.Message{Text: text, Blocks: blocks}
}

// summaryTicketBlocks are up to summaryTickets tickets, each its line
// and Log time (and Make invoice when canBill), with a count of the rest.
func summaryTicketBlocks(ts []syncro.Ticket, prefix string, s Summary, canBill bool) []slack.Block {
	var out []slack.Block
	for i := range ts {
		if i == summaryTickets {
			out = append(out, commands.NoteContext("…and "+commands.CountNoun(len(ts)-i, "more ticket", "more tickets")+" in Syncro"))
			break
		}
		t := &ts[i]
		out = append(out, commands.TextSection(commands.TicketLine(t)),
			ticketview.TicketButtons(prefix+strconv.FormatInt(t.ID, 10), t, s.WebURL, false, canBill))
	}
	return out
}
