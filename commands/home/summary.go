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
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
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
	// changedReads bounds the tickets the tech changed through the bot
	// that are read by number because the day's list of theirs lacks
	// them (not assigned to them): a lookup and a read each.
	changedReads = 10
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
	// TimeErr, when set, says why the day's time could not be read: it
	// is then unknown, never shown as none.
	TimeErr string
	// Missing are tickets the tech worked on that day with none of their
	// time logged on them.
	Missing []syncro.Ticket
	// Unchecked is how many of the day's tickets were not read for the
	// tech's time: assigned to them past commentChecks, or changed
	// through the bot by them past changedReads. They are not in Missing
	// whatever they hold: the summary says so instead of reading as
	// complete.
	Unchecked int
	// Resolved are the tech's resolved tickets not invoiced yet;
	// ResolvedNote says what the search could not tell (see Day).
	Resolved     []syncro.Ticket
	ResolvedNote string
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
// nothing to invoice or left unlooked at, and nothing that failed.
func (s Summary) Empty() bool {
	return len(s.Time) == 0 && s.TimeErr == "" && len(s.Missing) == 0 && s.Unchecked == 0 && len(s.Resolved) == 0 && s.ResolvedNote == "" && len(s.Errs) == 0
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
	end := addDays(day, 1)
	timers, err := syncro.Collect(f.cfg.Syncro.Timers.All(ctx, &syncro.TimerListOptions{CreatedAfter: day, CreatedBefore: end}))
	if err != nil {
		s.TimeErr = f.failure(ctx, fmt.Errorf("list timers of %s: %w", day.Format(time.DateOnly), err), "read the day's time")
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
	updated, err := f.updated(ctx, tech, day, end)
	if err != nil {
		s.Errs = append(s.Errs, f.failure(ctx, err, "list the day's changed tickets"))
	}
	byID := map[int64]syncro.Ticket{}
	for _, t := range updated {
		byID[t.ID] = t
	}
	// Tickets that could not be read are said in one sentence, however
	// many: a summary has room for a few sentences, not one per ticket.
	var unread []int64
	var readErr error
	for id, m := range timed {
		t, ok := byID[id]
		if !ok {
			tp, err := f.cfg.Reads.Ticket(ctx, id)
			if err != nil {
				unread, readErr = append(unread, id), cmp.Or(readErr, err)
				continue
			}
			t = *tp
		}
		s.ByTicket = append(s.ByTicket, TicketMinutes{Ticket: t, Minutes: m})
	}
	if len(unread) > 0 {
		slices.Sort(unread)
		s.Errs = append(s.Errs, f.failure(ctx, fmt.Errorf("read tickets %v: %w", unread, readErr),
			"read "+commands.CountNoun(len(unread), "ticket", "tickets")+" you logged time on"))
	}
	slices.SortFunc(s.ByTicket, func(a, b TicketMinutes) int {
		return cmp.Or(cmp.Compare(b.Minutes, a.Minutes), cmp.Compare(a.Ticket.ID, b.Ticket.ID))
	})
	// The audit trail and Syncro's comments may both fail; either way the
	// tech reads it once.
	changed, changedErr := f.changed(a, day, end)
	missing, unchecked, missingErr := f.missing(ctx, tech, f.techName(a, tech), updated, changed, timed, day, end)
	if err := errors.Join(changedErr, missingErr); err != nil {
		s.Errs = append(s.Errs, f.failure(ctx, err, "check the day's tickets for missing time"))
	}
	s.Missing, s.Unchecked = missing, unchecked
	if s.Resolved, s.ResolvedNote, err = f.resolved(ctx, tech); err != nil {
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

// updated is tech's tickets changed in [day, end), newest first:
// Syncro's since_updated_at filter, checked again here (it may be
// coarse). Only theirs (user_id): on a busy day the account's other
// changes pushed the tech's own past the pages read, and their missing
// time went unasked.
func (f *Feature) updated(ctx context.Context, tech int64, day, end time.Time) ([]syncro.Ticket, error) {
	var out []syncro.Ticket
	_, err := walkPages(updatedPages, func(page int) ([]syncro.Ticket, *syncro.Response, error) {
		ts, resp, err := f.cfg.Syncro.Tickets.List(ctx, &syncro.TicketListOptions{SinceUpdatedAt: day, UserID: tech, ListOptions: syncro.ListOptions{Page: page}})
		if err != nil {
			return nil, nil, fmt.Errorf("list tickets of user %d updated since %s: %w", tech, day.Format(time.RFC3339), err)
		}
		return ts, resp, nil
	}, ticketID, func(t syncro.Ticket) {
		if !t.UpdatedAt.Before(day) && t.UpdatedAt.Before(end) {
			out = append(out, t)
		}
	})
	slices.SortFunc(out, func(a, b syncro.Ticket) int { return b.UpdatedAt.Compare(a.UpdatedAt.Time) })
	return out, err
}

// techName is the Syncro name the bot writes a's comments in (the
// tickets feature's match, store.TechMatch), "" when the match is not
// tech's or cannot be read.
func (f *Feature) techName(a commands.Actor, tech int64) string {
	m, ok, err := f.cfg.Store.TechMatch(a.SlackUserID)
	if err != nil || !ok || m.SyncroUser != tech {
		return ""
	}
	return strings.TrimSpace(m.SyncroName)
}

// changed is the numbers of the tickets a changed through the bot in
// [day, end), most recent first: status changes and ticket updates
// Syncro confirmed or whose answer was lost (outcome unknown: Syncro may
// hold the change, and she worked on the ticket either way), from the
// audit trail; not those Syncro refused. Syncro does not say who changed
// a ticket (docs/syncro-api.md), so a change made in its web app is not
// among them.
func (f *Feature) changed(a commands.Actor, day, end time.Time) ([]string, error) {
	entries, err := f.cfg.Store.AuditByUser(a.SlackUserID, day, end)
	if err != nil {
		return nil, fmt.Errorf("read the audit trail of %s: %w", a.SlackUserID, err)
	}
	var out []string
	for _, e := range slices.Backward(entries) {
		n := strconv.FormatInt(e.Ticket, 10)
		if e.Ticket > 0 && (e.Outcome == store.OutcomeOK || e.Outcome == store.OutcomeUnknown) && (e.Action == store.ActionStatus || e.Action == store.ActionTicketUpdate) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// missing is the tickets tech worked on in [day, end) with none of their
// time on them: assigned to them and resolved that day, changed through
// the bot by them that day (changed, ticket numbers), or carrying a
// comment of theirs from that day. A comment is theirs when its user is,
// or when it is in their name (name): Syncro credits a comment the bot
// writes for them to the API key's owner, with their name as its tech
// (README, Time is never silently lost). Only tickets assigned to them
// are read for comments (at most commentChecks), and at most
// changedReads changed tickets not assigned to them are read, so the
// check costs a few calls however busy the account was; unchecked is
// how many tickets those bounds left unread. A read Syncro fails ends
// the comment reads, not the check: err says it, once.
func (f *Feature) missing(ctx context.Context, tech int64, name string, updated []syncro.Ticket, changed []string, timed map[int64]int, day, end time.Time) (out []syncro.Ticket, unchecked int, err error) {
	theirs := func(c syncro.Comment) bool {
		return c.UserID != nil && *c.UserID == tech || name != "" && strings.EqualFold(strings.TrimSpace(c.Tech), name)
	}
	checks := 0
	listed := map[string]bool{}
	for _, t := range updated {
		listed[t.Number.String()] = true
		if timed[t.ID] > 0 {
			continue
		}
		if slices.Contains(changed, t.Number.String()) {
			out = append(out, t)
			continue
		}
		if t.UserID == nil || *t.UserID != tech {
			continue
		}
		if !t.ResolvedAt.IsZero() && !t.ResolvedAt.Before(day) && t.ResolvedAt.Before(end) {
			out = append(out, t)
			continue
		}
		if err != nil {
			// Syncro failed a comments read: the rest would likely fail
			// too, and the error already says the check is incomplete.
			continue
		}
		if checks >= commentChecks {
			unchecked++
			continue
		}
		checks++
		cs, readErr := syncro.Collect(f.cfg.Syncro.Tickets.AllComments(ctx, t.ID, nil))
		if readErr != nil {
			// The tickets known without a read (resolved, changed through
			// the bot) are still asked about.
			err = fmt.Errorf("list comments of ticket %d: %w", t.ID, readErr)
			continue
		}
		if slices.ContainsFunc(cs, func(c syncro.Comment) bool {
			return theirs(c) && !c.CreatedAt.Before(day) && c.CreatedAt.Before(end)
		}) {
			out = append(out, t)
		}
	}
	more, notRead, elsewhereErr := f.changedElsewhere(ctx, changed, listed, timed)
	return append(out, more...), unchecked + notRead, cmp.Or(err, elsewhereErr)
}

// changedElsewhere is the tickets of changed that are not listed (the
// day's tickets assigned to the tech) and hold none of the tech's time
// of the day (timed, by id): read by number, at most changedReads, the
// rest counted in unchecked. A ticket deleted in Syncro since is left
// out: there is nothing to log time on. One that cannot be read is left
// out too, and the first such error returned, so the rest are still
// asked about.
func (f *Feature) changedElsewhere(ctx context.Context, changed []string, listed map[string]bool, timed map[int64]int) (out []syncro.Ticket, unchecked int, firstErr error) {
	reads := 0
	for _, n := range changed {
		if listed[n] {
			continue
		}
		if reads >= changedReads {
			unchecked++
			continue
		}
		reads++
		id, err := f.cfg.Reads.TicketID(ctx, n)
		if err == nil && timed[id] > 0 {
			continue
		}
		var t *syncro.Ticket
		if err == nil {
			t, err = f.cfg.Reads.Ticket(ctx, id)
		}
		if errors.Is(err, syncro.ErrNotFound) {
			continue
		}
		if err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("read ticket #%s the tech changed: %w", n, err))
			continue
		}
		out = append(out, *t)
	}
	return out, unchecked, firstErr
}

// RenderSummary is the summary's direct message: one message within
// Slack's limits (slackfmt.MaxBlocksPerMessage blocks, MaxSectionText per
// section, MaxMessageText in all) whatever s holds. The time and the
// parts Syncro could not give are always shown; the two ticket lists get
// the room left, each cut to whole tickets with a "more in Syncro" line.
func RenderSummary(s Summary) commands.Message {
	title := "Your day in Syncro: " + s.Day.Format("Mon 2 Jan")
	if s.Late {
		title = "Yesterday's summary: " + s.Day.Format("Mon 2 Jan")
	}
	head := []slack.Block{slack.NewHeaderBlock(commands.BoundedPlain(title, slackfmt.MaxHeaderText))}
	if s.Late {
		head = append(head, commands.NoteContext("The bot was not running at your hour that day, so this comes the morning after."))
	}
	total := 0
	for _, lm := range s.Time {
		total += lm.Minutes
	}
	head = append(head, commands.TextSection(loggedText(s.Time, total, s.TimeErr)))
	if total > 0 && len(s.ByTicket) > 0 {
		head = append(head, commands.TextSection(byTicketText(s)))
	}
	var tail []slack.Block
	if len(s.Errs) > 0 {
		tail = append(tail, commands.NoteContext(errsText(s.Errs)))
	}
	room := slackfmt.MaxBlocksPerMessage - len(head) - len(tail)
	chars := slackfmt.MaxMessageText - blocksText(head) - blocksText(tail)
	missing := ticketBlocks(s.Missing[:min(len(s.Missing), summaryTickets)], blockMissingPrefix, s.WebURL, false, false)
	resolved := ticketBlocks(s.Resolved[:min(len(s.Resolved), summaryTickets)], blockUnbilledPrefix, s.WebURL, false, s.CanBill)
	nMissing, nResolved := len(missing)/blocksPerTicket, len(resolved)/blocksPerTicket
	// With none to ask about, only the tickets left unchecked are said
	// under the title: "You worked on these" would head an empty list.
	missingTitle := "*Missing time?* You worked on these with no time logged:"
	if len(s.Missing) == 0 {
		missingTitle = "*Missing time?*"
	}
	var lists []slack.Block
	for {
		lists = append(listBlocks(missingTitle, missing[:nMissing*blocksPerTicket], len(s.Missing), s.WebURL, uncheckedNote(s.Unchecked)),
			listBlocks("*Resolved, not invoiced yet*", resolved[:nResolved*blocksPerTicket], len(s.Resolved), s.WebURL, s.ResolvedNote)...)
		if len(lists) <= room && blocksText(lists) <= chars || nMissing+nResolved == 0 {
			break
		}
		// Missing time is what the summary is for: the invoicing list
		// gives way first.
		if nResolved > 0 && nResolved >= nMissing {
			nResolved--
		} else {
			nMissing--
		}
	}
	text := title
	if total > 0 {
		text += ": " + cmdline.FormatMinutes(total) + " logged"
	}
	return commands.Message{Text: text, Blocks: slices.Concat(head, lists, tail)}
}

// uncheckedNote says how many of the day's tickets were not checked for
// time (Summary.Unchecked), "" when none.
func uncheckedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("I did not check %d more of that day's tickets for your time: look at them in Syncro.", n)
}

// loggedText is the day's minutes by labor type with the total, the
// labor types cut to whole lines so the section fits; why it is unknown
// when timeErr says so.
func loggedText(by []LaborMinutes, total int, timeErr string) string {
	switch {
	case timeErr != "":
		return "*Time logged*\n" + timeErr
	case total == 0:
		return "*Time logged*\nNone."
	}
	var lines []string
	for _, lm := range by {
		lines = append(lines, "• "+commands.InlineMrkdwn(lm.Label, commands.MaxNameLen)+": "+cmdline.FormatMinutes(lm.Minutes))
	}
	totalLine := "Total: *" + cmdline.FormatMinutes(total) + "*"
	more := func(left int) string {
		return "…and " + commands.CountNoun(left, "more labor type", "more labor types")
	}
	return fitLines("*Time logged*", lines, 0, more, slackfmt.MaxSectionText-1-len(totalLine)) + "\n" + totalLine
}

// byTicketText is the day's minutes by ticket, most first: up to
// summaryTickets whole lines within a section, the rest counted with
// their minutes and where to see them.
func byTicketText(s Summary) string {
	shown := s.ByTicket[:min(len(s.ByTicket), summaryTickets)]
	var lines []string
	for _, tm := range shown {
		lines = append(lines, "• "+commands.TicketLine(&tm.Ticket)+": "+cmdline.FormatMinutes(tm.Minutes))
	}
	more := func(left int) string {
		m := 0
		for _, tm := range s.ByTicket[len(s.ByTicket)-left:] {
			m += tm.Minutes
		}
		return "…and " + commands.CountNoun(left, "more ticket", "more tickets") + " (" + cmdline.FormatMinutes(m) + ", in the total above): each ticket's time is in " + syncroTickets(s.WebURL)
	}
	return fitLines("*By ticket*", lines, len(s.ByTicket)-len(shown), more, slackfmt.MaxSectionText)
}

// errsText is the sentences of the parts Syncro could not give, each
// once, within one context element.
func errsText(errs []string) string {
	var lines []string
	for _, e := range errs {
		if !slices.Contains(lines, e) {
			lines = append(lines, e)
		}
	}
	more := func(left int) string {
		return "…and " + commands.CountNoun(left, "more part", "more parts") + " Syncro could not give."
	}
	return fitLines(lines[0], lines[1:], 0, more, slackfmt.MaxSectionText)
}

// fitLines joins first and lines with newlines into at most max
// characters, keeping whole lines only: first always, then as many of
// lines as fit together with more(n), the line counting the n left out
// (those cut, and rest more not in lines). A link or an escape inside a
// line is never cut.
func fitLines(first string, lines []string, rest int, more func(left int) string, max int) string {
	n := utf8.RuneCountInString(first)
	kept := 0
	for ; kept < len(lines); kept++ {
		with := n + 1 + utf8.RuneCountInString(lines[kept])
		reserve := 0
		if left := len(lines) - kept - 1 + rest; left > 0 {
			reserve = 1 + utf8.RuneCountInString(more(left))
		}
		if with+reserve > max {
			break
		}
		n = with
	}
	out := append([]string{first}, lines[:kept]...)
	if left := len(lines) - kept + rest; left > 0 {
		out = append(out, more(left))
	}
	return strings.Join(out, "\n")
}

// listBlocks is one list of the summary: a divider, its title and the
// tickets shown (blocksPerTicket blocks each), with a line counting the
// rest of all and the note saying what the list could not tell; nothing
// when all is 0 and there is no note.
func listBlocks(title string, shown []slack.Block, all int, webURL, note string) []slack.Block {
	if all == 0 && note == "" {
		return nil
	}
	out := append([]slack.Block{slack.NewDividerBlock(), commands.TextSection(title)}, shown...)
	out = appendMore(out, all-len(shown)/blocksPerTicket, "ticket", "tickets", webURL)
	if note != "" {
		out = append(out, commands.NoteContext(note))
	}
	return out
}

// blocksText is how many characters of text blocks hold, as Slack counts
// them against slackfmt.MaxMessageText: sections', contexts' and headers'.
func blocksText(blocks []slack.Block) int {
	n := 0
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil {
				n += utf8.RuneCountInString(b.Text.Text)
			}
			for _, f := range b.Fields {
				n += utf8.RuneCountInString(f.Text)
			}
		case *slack.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					n += utf8.RuneCountInString(t.Text)
				}
			}
		case *slack.HeaderBlock:
			if b.Text != nil {
				n += utf8.RuneCountInString(b.Text.Text)
			}
		}
	}
	return n
}
