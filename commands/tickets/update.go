package tickets

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// dateLayout is how due dates are sent to Syncro and shown to techs.
const dateLayout = "2006-01-02"

// fieldChange is one changed ticket field, for the "old → new" reply.
type fieldChange struct {
	field, from, to string
}

// changesReply lists what an update changed.
func changesReply(number int64, changes []fieldChange) commands.Reply {
	var b strings.Builder
	fmt.Fprintf(&b, "Updated #%d:", number)
	for _, ch := range changes {
		fmt.Fprintf(&b, "\n• %s: %s → %s", ch.field, slackfmt.MrkdwnText(ch.from, 200), slackfmt.MrkdwnText(ch.to, 200))
	}
	return commands.Reply{Text: b.String()}
}

// orNone shows an empty value as "none".
func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "none"
	}
	return s
}

// matchStatus finds the account status the tech meant, ignoring case.
func matchStatus(in string, statuses []string) (string, error) {
	want := strings.TrimSpace(in)
	for _, s := range statuses {
		if strings.EqualFold(s, want) {
			return s, nil
		}
	}
	msg := fmt.Sprintf("Unknown status %s.", cmdline.Code(in))
	if s, ok := cmdline.Suggest(want, statuses); ok {
		msg += fmt.Sprintf(" Did you mean %s?", cmdline.Code(s))
	}
	msg += " Statuses: " + slackfmt.MrkdwnLiteral(strings.Join(statuses, ", ")) + "."
	return "", &cmdline.UsageError{Message: msg}
}

// priorityName strips the sort prefix Syncro priorities carry ("1 High"
// → "High"), so techs can type just the word.
func priorityName(p string) string {
	if num, rest, ok := strings.Cut(strings.TrimSpace(p), " "); ok {
		if _, err := strconv.Atoi(num); err == nil {
			return strings.TrimSpace(rest)
		}
	}
	return strings.TrimSpace(p)
}

// samePriority reports whether held, a priority as a ticket shows it,
// is sent, a priority from the account's list: the same text, or its
// word alone. The list carries a sort number ("2 Normal") that tickets
// may leave out ("Normal"): docs/syncro-api.md §4.5 leaves which form a
// ticket holds UNCONFIRMED. A number held that differs is another
// priority, and so is sent when list, the account's priorities, carries
// held's word more than once ("1 Normal" and "2 Normal", or "Normal"
// beside "2 Normal"): the word alone then does not say which entry the
// ticket holds, and a pick of the other one is a change. A nil list is
// not known: the word decides.
func samePriority(held, sent string, list []string) bool {
	held, sent = strings.TrimSpace(held), strings.TrimSpace(sent)
	if held == sent {
		return true
	}
	if held == "" || priorityName(held) != held || !strings.EqualFold(held, priorityName(sent)) {
		return false
	}
	carrying := 0
	for _, p := range list {
		if strings.EqualFold(priorityName(p), held) {
			carrying++
		}
	}
	return carrying <= 1
}

// matchPriority finds the priority meant: the full name ("1 High"), the
// word ("high") or the number ("1"), ignoring case.
func matchPriority(in string, priorities []string) (string, error) {
	want := strings.TrimSpace(in)
	// The full name first: with "2 Normal" listed before "Normal",
	// "normal" is the entry named so, not the one carrying the word.
	for _, p := range priorities {
		if strings.TrimSpace(p) != "" && strings.EqualFold(strings.TrimSpace(p), want) {
			return p, nil
		}
	}
	var names []string
	for _, p := range priorities {
		if strings.TrimSpace(p) == "" {
			continue
		}
		names = append(names, p)
		num, _, _ := strings.Cut(strings.TrimSpace(p), " ")
		if strings.EqualFold(priorityName(p), want) || num == want {
			return p, nil
		}
	}
	msg := fmt.Sprintf("Unknown priority %s.", cmdline.Code(in))
	var words []string
	for _, p := range names {
		words = append(words, priorityName(p))
	}
	if s, ok := cmdline.Suggest(want, words); ok {
		msg += fmt.Sprintf(" Did you mean %s?", cmdline.Code(s))
	}
	msg += " Priorities: " + slackfmt.MrkdwnLiteral(strings.Join(names, ", ")) + "."
	return "", &cmdline.UsageError{Message: msg}
}

// matchTech finds the tech named: an exact full name, or a unique prefix
// of the full name or of one of its words, ignoring case.
func matchTech(in string, users []syncro.UserRef) (syncro.UserRef, error) {
	want := strings.ToLower(strings.TrimSpace(in))
	var names []string
	var hits []syncro.UserRef
	for _, u := range users {
		names = append(names, u.Name)
		name := strings.ToLower(u.Name)
		if name == want {
			return u, nil
		}
		if strings.HasPrefix(name, want) {
			hits = append(hits, u)
			continue
		}
		for _, w := range strings.Fields(name) {
			if strings.HasPrefix(w, want) {
				hits = append(hits, u)
				break
			}
		}
	}
	switch {
	case len(hits) == 1 && want != "":
		return hits[0], nil
	case len(hits) > 1 && want != "":
		var hn []string
		for _, h := range hits {
			hn = append(hn, h.Name)
		}
		return syncro.UserRef{}, &cmdline.UsageError{Message: fmt.Sprintf("%s matches %s; type more of the name.", cmdline.Code(in), slackfmt.MrkdwnLiteral(cmdline.OrList(hn)))}
	}
	msg := fmt.Sprintf("No tech named %s.", cmdline.Code(in))
	if s, ok := cmdline.Suggest(in, names); ok {
		msg += fmt.Sprintf(" Did you mean %s?", cmdline.Code(s))
	}
	msg += " Techs: " + slackfmt.EscapeMrkdwn(strings.Join(names, ", ")) + "."
	return syncro.UserRef{}, &cmdline.UsageError{Message: msg}
}

// weekdays maps the weekday words techs type to days.
var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "weds": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// parseDue reads a due date relative to now: 2026-12-01, "today",
// "tomorrow", or a weekday ("fri" is the next Friday after today). Past
// dates are refused: they are typos more often than intent.
func parseDue(in string, now time.Time) (time.Time, error) {
	s := strings.ToLower(strings.TrimSpace(in))
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	var d time.Time
	switch {
	case s == "today":
		d = today
	case s == "tomorrow":
		d = today.AddDate(0, 0, 1)
	case weekdays[s] != 0 || s == "sun" || s == "sunday":
		ahead := (int(weekdays[s]) - int(today.Weekday()) + 7) % 7
		if ahead == 0 {
			ahead = 7
		}
		d = today.AddDate(0, 0, ahead)
	default:
		t, err := time.ParseInLocation(dateLayout, s, now.Location())
		if err != nil {
			return time.Time{}, &cmdline.UsageError{Message: fmt.Sprintf("%s isn't a date I know. Use a date like 2026-12-01, or today, tomorrow, or a weekday like fri.", cmdline.Code(in))}
		}
		d = t
	}
	if d.Before(today) {
		return time.Time{}, &cmdline.UsageError{Message: fmt.Sprintf("%s is in the past (today is %s).", cmdline.Code(in), today.Format(dateLayout))}
	}
	return d, nil
}

// dueString shows a ticket's due date as a date, "" when none.
func dueString(ts syncro.Timestamp) string {
	if ts.IsZero() {
		return ""
	}
	return ts.Format(dateLayout)
}

// update changes a ticket's fields from flags, or opens the update modal
// when none are given. Every flag is resolved before the PUT, so one bad
// value sends nothing; only changed fields are sent.
//
// Syncro calls: find, then one PUT when something changes. Statuses,
// priorities and techs come from Deps.Account's last read; a value not in
// it reads that list once more (a status added in Syncro since).
func (c *feature) update(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	if len(inv.Flags) == 0 {
		t, err := c.findTicket(ctx, inv.Ticket)
		if err != nil {
			return commands.AsModal(c.cfg.Failure(ctx, err, fmt.Sprintf("find ticket #%d", inv.Ticket)), "Update ticket")
		}
		return c.updateModal(ctx, t, inv.Ticket, r.ChannelID)
	}
	// A redelivered envelope must not PUT (and audit) the change twice.
	return c.cfg.Once(ctx, commands.SlashKey(r, cmdline.NameUpdate, inv.Ticket, 0, inv.String()),
		func() commands.Reply { return c.updateWithFlags(ctx, r, inv) },
		commands.SamePrior("That update is already in progress; I didn't start it a second time."))
}

// updateWithFlags changes the fields the flags name and says old → new.
func (c *feature) updateWithFlags(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	var due time.Time
	if v, ok := inv.Flag(cmdline.FlagDue); ok {
		d, err := parseDue(v, c.cfg.Now())
		if err != nil {
			return commands.Reply{Text: commands.UsageMessage(err) + " Nothing was changed."}
		}
		due = d
	}
	t, err := c.findTicket(ctx, inv.Ticket)
	if err != nil {
		return c.cfg.Failure(ctx, err, fmt.Sprintf("find ticket #%d", inv.Ticket))
	}
	req := &syncro.TicketRequest{}
	var changes []fieldChange
	if v, ok := inv.Flag(cmdline.FlagStatus); ok {
		// A status added in Syncro since the last read reads them again.
		ts, err := c.cfg.Account.TicketSettings(ctx, func(ts *syncro.TicketSettings) bool {
			_, err := matchStatus(v, ts.TicketStatusList)
			return err == nil
		})
		if err != nil {
			return c.cfg.Failure(ctx, err, "read this account's ticket statuses")
		}
		st, err := matchStatus(v, ts.TicketStatusList)
		if err != nil {
			return commands.Reply{Text: commands.UsageMessage(err) + " Nothing was changed."}
		}
		if st != t.Status {
			req.Status = &st
			changes = append(changes, fieldChange{"Status", orNone(t.Status), st})
		}
	}
	if v, ok := inv.Flag(cmdline.FlagPriority); ok {
		as, err := c.cfg.Account.Settings(ctx, func(as *syncro.AccountSettings) bool {
			_, err := matchPriority(v, as.Ticket.Priorities)
			return err == nil
		})
		if err != nil {
			return c.cfg.Failure(ctx, err, "read this account's priorities")
		}
		p, err := matchPriority(v, as.Ticket.Priorities)
		if err != nil {
			return commands.Reply{Text: commands.UsageMessage(err) + " Nothing was changed."}
		}
		if !samePriority(t.Priority, p, as.Ticket.Priorities) {
			req.Priority = &p
			changes = append(changes, fieldChange{"Priority", orNone(t.Priority), p})
		}
	}
	if v, ok := inv.Flag(cmdline.FlagTech); ok {
		users, err := c.cfg.Account.Users(ctx, func(users []syncro.UserRef) bool {
			_, err := matchTech(v, users)
			return err == nil
		})
		if err != nil {
			return c.cfg.Failure(ctx, err, "read the list of techs")
		}
		u, err := matchTech(v, users)
		if err != nil {
			return commands.Reply{Text: commands.UsageMessage(err) + " Nothing was changed."}
		}
		if t.UserID == nil || *t.UserID != u.ID {
			old := "unassigned"
			if t.User != nil && t.User.FullName != "" {
				old = t.User.FullName
			} else if t.UserID != nil {
				for _, x := range users {
					if x.ID == *t.UserID {
						old = x.Name
					}
				}
			}
			req.UserID = syncro.Ptr(u.ID)
			changes = append(changes, fieldChange{"Tech", old, u.Name})
		}
	}
	if !due.IsZero() {
		ds := due.Format(dateLayout)
		if old := dueString(t.DueDate); old != ds {
			req.DueDate = &ds
			changes = append(changes, fieldChange{"Due", orNone(old), ds + " (" + due.Weekday().String()[:3] + ")"})
		}
	}
	if len(changes) == 0 {
		return commands.Reply{Text: fmt.Sprintf("Nothing to change: #%d already has those values.", inv.Ticket)}
	}
	return c.putChanges(ctx, r.Actor, t.ID, inv.Ticket, req, changes)
}

// updateModal is the update form with the ticket's current values
// preselected.
//
// Syncro calls: none (statuses, techs and priorities from Deps.Account).
func (c *feature) updateModal(ctx context.Context, t *syncro.Ticket, number int64, channel string) commands.Reply {
	ts, err := c.cfg.Account.TicketSettings(ctx, nil)
	if err != nil {
		return commands.AsModal(c.cfg.Failure(ctx, err, "read this account's ticket statuses"), "Update ticket")
	}
	as, err := c.cfg.Account.Settings(ctx, nil)
	if err != nil {
		return commands.AsModal(c.cfg.Failure(ctx, err, "read this account's priorities"), "Update ticket")
	}
	meta := commands.ModalMeta{
		TicketID: t.ID, Number: number, CustomerID: t.CustomerID, Channel: channel,
		Status: t.Status, Priority: t.Priority, Due: dueString(t.DueDate),
	}
	if t.UserID != nil {
		meta.UserID = *t.UserID
	}
	if t.User != nil {
		meta.UserName = t.User.FullName
	}

	var statusOpts, prioOpts, techOpts []*slack.OptionBlockObject
	for _, s := range ts.TicketStatusList {
		statusOpts = append(statusOpts, commands.Option(s, s))
	}
	// The form opens on the ticket's priority even when the ticket shows
	// its word alone ("Normal") and the list carries its number ("2
	// Normal"): it opened blank, as if the ticket had none, and picking
	// Normal again sent "Normal → 2 Normal", a change nobody made.
	prio := t.Priority
	for _, p := range as.Ticket.Priorities {
		if strings.TrimSpace(p) != "" {
			prioOpts = append(prioOpts, commands.Option(p, p))
			if p != prio && samePriority(t.Priority, p, as.Ticket.Priorities) {
				prio = p
			}
		}
	}
	for _, u := range ts.Users {
		techOpts = append(techOpts, commands.Option(strconv.FormatInt(u.ID, 10), u.Name))
		if u.ID == meta.UserID && meta.UserName == "" {
			meta.UserName = u.Name
		}
	}
	due := slack.NewDatePickerBlockElement(commands.BlockDue)
	due.InitialDate = meta.Due
	blocks := []slack.Block{
		slack.NewSectionBlock(commands.Mrkdwn(fmt.Sprintf("*#%d %s* — %s", number, commands.InlineMrkdwn(t.Subject, 200), commands.InlineMrkdwn(t.CustomerBusinessThenName, 100))), nil, nil),
		commands.InputBlock(commands.BlockStatus, "Status", "", commands.StaticSelect(commands.BlockStatus, "Status", statusOpts, t.Status), true),
	}
	if len(prioOpts) > 0 {
		blocks = append(blocks, commands.InputBlock(commands.BlockPriority, "Priority", "", commands.StaticSelect(commands.BlockPriority, "Priority", prioOpts, prio), true))
	}
	if len(techOpts) > 0 {
		blocks = append(blocks, commands.InputBlock(commands.BlockTech, "Tech", "", commands.StaticSelect(commands.BlockTech, "Assign to", techOpts, strconv.FormatInt(meta.UserID, 10)), true))
	}
	blocks = append(blocks, commands.InputBlock(commands.BlockDue, "Due date", "", due, true))
	return commands.Reply{Modal: commands.NewModal(commands.CallbackUpdate, fmt.Sprintf("Update #%d", number), "Save", meta, blocks...)}
}

// validateDue checks a date picker's value (Slack sends YYYY-MM-DD).
func validateDue(s commands.Submission, errs commands.FieldErrors) {
	v, _ := commands.SubmissionValue(s, commands.BlockDue)
	if v.SelectedDate == "" {
		return
	}
	if _, err := time.Parse(dateLayout, v.SelectedDate); err != nil {
		errs[commands.BlockDue] = "Pick a date from the calendar."
	}
}

// priorities is the account's priorities as the form offered them (kept
// by Deps.Account, read once), nil when they cannot be read: samePriority
// then goes by the word.
func (c *feature) priorities(ctx context.Context) []string {
	as, err := c.cfg.Account.Settings(ctx, nil)
	if err != nil {
		return nil
	}
	return as.Ticket.Priorities
}

// submitUpdate PUTs the fields changed in the update form.
//
// Syncro calls: one PUT, none when nothing changed.
func (c *feature) submitUpdate(ctx context.Context, s commands.Submission, meta commands.ModalMeta) commands.Reply {
	req := &syncro.TicketRequest{}
	var changes []fieldChange
	if st := commands.SelectedValue(s, commands.BlockStatus); st != "" && st != meta.Status {
		req.Status = &st
		changes = append(changes, fieldChange{"Status", orNone(meta.Status), st})
	}
	if p := commands.SelectedValue(s, commands.BlockPriority); p != "" && !samePriority(meta.Priority, p, c.priorities(ctx)) {
		req.Priority = &p
		changes = append(changes, fieldChange{"Priority", orNone(meta.Priority), p})
	}
	if v := commands.SelectedValue(s, commands.BlockTech); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil && id != meta.UserID {
			req.UserID = &id
			old := meta.UserName
			if old == "" {
				old = "unassigned"
			}
			changes = append(changes, fieldChange{"Tech", old, commands.SelectedText(s, commands.BlockTech)})
		}
	}
	if d, _ := commands.SubmissionValue(s, commands.BlockDue); d.SelectedDate != "" && d.SelectedDate != meta.Due {
		ds := d.SelectedDate
		req.DueDate = &ds
		changes = append(changes, fieldChange{"Due", orNone(meta.Due), ds})
	}
	if len(changes) == 0 {
		return commands.Reply{Text: fmt.Sprintf("Nothing changed on #%d.", meta.Number)}
	}
	return c.putChanges(ctx, s.Actor, meta.TicketID, meta.Number, req, changes)
}

// putChanges PUTs req on the ticket, audits it and tells it: "Updated #N"
// only when Syncro's answer, or a read-back when the PUT failed in a way
// that may have applied it, shows the change. A change Syncro holds told
// as "couldn't update" would have the tech redo it, and the summary leave
// it out.
//
// Syncro calls: one PUT (the client retries it on a 5xx), and one GET
// when it failed but may have been applied (syncro.MayHaveApplied). The
// bot never sends it again: re-sending the same fields would be harmless,
// but only a read says what Syncro holds, which is all the reply may
// claim.
func (c *feature) putChanges(ctx context.Context, actor commands.Actor, ticketID, number int64, req *syncro.TicketRequest, changes []fieldChange) commands.Reply {
	_, _, err := c.cfg.Syncro.Tickets.Update(ctx, ticketID, req)
	if syncro.MayHaveApplied(err) {
		err = c.updateLanded(ctx, ticketID, req, err)
	}
	c.auditChanges(ctx, actor, number, changes, err)
	var nh *updateNotHeldError
	gone, unshown := errors.Is(err, errTicketGone), errors.As(err, &nh)
	if gone || unshown {
		c.cfg.Logger.WarnContext(ctx, "write outcome unknown", "doing", "update ticket", "ticket", number, "err", err)
	}
	if gone {
		return commands.Reply{Text: fmt.Sprintf("Syncro's answer to the update of #%d couldn't be read, and #%d is no longer in Syncro: it was deleted.", number, number)}
	}
	if unshown {
		return commands.Reply{Text: fmt.Sprintf("Syncro's answer to the update of #%d couldn't be read, and #%d in Syncro doesn't show it (%s), so I can't confirm it was saved. Look at #%d in Syncro before updating it again.",
			number, number, strings.Join(nh.shown, ", "), number)}
	}
	if err != nil {
		return c.writeFailure(ctx, err, fmt.Sprintf("update ticket #%d", number))
	}
	reply := changesReply(number, changes)
	reply.Thread = c.statusThreadPost(ctx, ticketID, number, actor, changes)
	return reply
}

// updateLanded reads the ticket back after a PUT that failed with putErr
// but may have been applied (syncro.MayHaveApplied): nil when Syncro
// holds every field req set; when it does not, putErr itself if Syncro
// said the PUT failed, else an *updateNotHeldError naming what it holds
// instead; an *unknownOutcomeError when it could not be read (wrapping
// errTicketGone when Syncro answered that the ticket is gone).
func (c *feature) updateLanded(ctx context.Context, ticketID int64, req *syncro.TicketRequest, putErr error) error {
	t, _, err := c.cfg.Syncro.Tickets.Get(ctx, ticketID)
	if errors.Is(err, syncro.ErrNotFound) {
		return &unknownOutcomeError{what: "the update", err: fmt.Errorf("%w: %w", errTicketGone, putErr)}
	}
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "update not read back", "ticket_id", ticketID, "err", err)
		return &unknownOutcomeError{what: "the update", err: putErr}
	}
	shown := notHeld(t, req)
	switch {
	case len(shown) == 0:
		return nil
	case !errors.Is(putErr, syncro.ErrOutcomeUnknown):
		return putErr // Syncro said it failed, and does not show it
	}
	return &updateNotHeldError{shown: shown, err: &unknownOutcomeError{what: "the update", err: putErr}}
}

// errTicketGone is an update's read-back answered 404: the ticket was
// deleted since, so whether the update landed no longer matters, and
// "look at it in Syncro" cannot be done.
var errTicketGone = errors.New("ticket no longer in Syncro")

// updateNotHeldError is an update whose answer was of no use and whose
// read-back does not show it: its outcome stays unknown (isUnknown), as
// the read cannot tell "not applied" from "changed again since".
type updateNotHeldError struct {
	shown []string // what Syncro holds instead, like "Status: New", escaped
	err   error
}

func (e *updateNotHeldError) Error() string {
	return fmt.Sprintf("read back without the change (%s): %v", strings.Join(e.shown, ", "), e.err)
}

func (e *updateNotHeldError) Unwrap() error { return e.err }

// notHeld names, as Syncro shows them, the fields req set that t does not
// hold; none when t holds the whole change.
func notHeld(t *syncro.Ticket, req *syncro.TicketRequest) []string {
	var shown []string
	show := func(field, v string) {
		shown = append(shown, field+": "+slackfmt.MrkdwnText(orNone(v), 200))
	}
	if req.Status != nil && !strings.EqualFold(t.Status, *req.Status) {
		show("Status", t.Status)
	}
	if req.Priority != nil && !samePriority(t.Priority, *req.Priority, nil) {
		show("Priority", t.Priority)
	}
	if req.UserID != nil && (t.UserID == nil || *t.UserID != *req.UserID) {
		tech := "unassigned"
		if t.User != nil && t.User.FullName != "" {
			tech = t.User.FullName
		} else if t.UserID != nil {
			tech = fmt.Sprintf("Syncro user %d", *t.UserID)
		}
		show("Tech", tech)
	}
	if req.DueDate != nil && dueString(t.DueDate) != *req.DueDate {
		show("Due", dueString(t.DueDate))
	}
	return shown
}
