package tickets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// initialIssueSubject is the subject Syncro (and create) give a ticket's
// first comment, its description.
const initialIssueSubject = "Initial Issue"

// closedStatuses are the status names a session log treats as "resolved"
// when Syncro gave no resolved_at.
var closedStatuses = []string{"resolved", "closed", "invoiced"}

// sessionRecord maps a ticket, as GET /tickets/{id} returns it (comments,
// timers, customer), into a session log record. resolution overrides the
// ticket's latest "Resolution" comment. Naming labor products may cost a
// GET /products/{id} per unknown product.
func (c *feature) sessionRecord(ctx context.Context, t *syncro.Ticket, number int64, loc *time.Location, resolution string, actor commands.Actor) sessionlog.Record {
	rec := sessionlog.Record{
		TicketID: t.ID,
		Number:   t.Number.String(),
		Subject:  t.Subject,
		Status:   t.Status,
		Customer: sessionlog.Customer{ID: t.CustomerID, Name: t.CustomerBusinessThenName},
		Opened:   t.CreatedAt.Time,
		Resolved: t.ResolvedAt.Time,
		Location: loc,
		WrittenBy: sessionlog.SlackUser{
			ID: actor.SlackUserID, Name: actor.Name, Email: actor.Email,
		},
		WrittenAt: c.cfg.Now(),
	}
	if rec.Number == "" {
		rec.Number = fmt.Sprint(number)
	}
	if rec.Customer.Name == "" && t.Customer != nil {
		rec.Customer.Name = t.Customer.BusinessThenName
	}
	switch {
	case t.Contact != nil && t.Contact.Name != "":
		rec.Contact = t.Contact.Name
	default:
		rec.Contact = t.ContactFullname
	}
	if rec.Resolved.IsZero() && slices.Contains(closedStatuses, strings.ToLower(t.Status)) {
		rec.Resolved = c.cfg.Now()
	}

	// Who is who: the techs the bot matched (whose time it logged), the
	// assigned tech, and comment authors by Syncro user id.
	names, botNames := c.matchedNames(ctx)
	if t.User != nil && t.User.FullName != "" {
		names[t.User.ID] = t.User.FullName
	}
	comments := slices.Clone(t.Comments)
	slices.SortStableFunc(comments, func(a, b syncro.Comment) int { return a.CreatedAt.Compare(b.CreatedAt.Time) })
	for _, cm := range comments {
		// A comment the bot wrote is the API key's user's but carries the
		// tech's name: it says nothing about who that user is.
		if cm.UserID != nil && cm.Tech != "" && !botNames[cm.Tech] {
			if _, ok := names[*cm.UserID]; !ok {
				names[*cm.UserID] = cm.Tech
			}
		}
	}
	techName := func(id int64) string {
		if n, ok := names[id]; ok {
			return n
		}
		return fmt.Sprintf("Syncro user %d", id)
	}
	var techs []string
	addTech := func(n string) {
		if n != "" && !slices.Contains(techs, n) {
			techs = append(techs, n)
		}
	}
	if t.User != nil {
		addTech(t.User.FullName)
	}

	byComment := map[int64]syncro.Timer{}
	for _, tm := range t.TicketTimers {
		if tm.CommentID != nil {
			byComment[*tm.CommentID] = tm
		}
		labor := c.productName(ctx, ptrVal(tm.ProductID))
		rec.Time = append(rec.Time, sessionlog.TimeEntry{
			Tech: techName(tm.UserID), LaborType: labor, Minutes: timerMinutes(tm), Billable: tm.Billable,
		})
		addTech(techName(tm.UserID))
		if tm.Billable {
			rec.Billable = true
		}
	}

	latestResolution := ""
	for i, cm := range comments {
		if i == 0 && strings.EqualFold(cm.Subject, initialIssueSubject) {
			rec.InitialIssue = cm.Body
			continue
		}
		if strings.EqualFold(cm.Subject, resolutionSubject) {
			latestResolution = cm.Body
		}
		sc := sessionlog.Comment{Author: cm.Tech, At: cm.CreatedAt.Time, Body: cm.Body, Hidden: cm.Hidden}
		if tm, ok := byComment[cm.ID]; ok {
			sc.Minutes = timerMinutes(tm)
			sc.LaborType = c.productName(ctx, ptrVal(tm.ProductID))
		}
		if cm.UserID != nil {
			addTech(cm.Tech)
		}
		rec.Comments = append(rec.Comments, sc)
	}
	rec.Resolution = resolution
	if rec.Resolution == "" {
		rec.Resolution = latestResolution
	}
	rec.Techs = techs
	return rec
}

// matchedNames are the Syncro names of the techs the bot matched, by
// Syncro user id, and the set of those names (what the bot's comments
// carry as their tech). A store that cannot be read leaves them empty:
// the log still names what the ticket says.
func (c *feature) matchedNames(ctx context.Context) (map[int64]string, map[string]bool) {
	byID, set := map[int64]string{}, map[string]bool{}
	all, err := c.cfg.Store.TechMatches()
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "session log: read tech matches", "err", err)
	}
	for _, m := range all {
		if m.SyncroName != "" {
			byID[m.SyncroUser] = m.SyncroName
			set[m.SyncroName] = true
		}
	}
	return byID, set
}

// ptrVal is *p, or 0 for nil.
func ptrVal(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// writeSessionLog files rec — under at when given (a path
// sessionlog.Writer.Next chose), else under the first free name — and
// returns the reply's sentence about it (the path relative to
// SESSION_LOG_DIR, or what went wrong). A file already at at is an error
// matching fs.ErrExist, and no sentence: the caller chooses again. err
// is set when the log was not written for a reason that may pass (the
// folder can't be written): a close's session-log step then fails, so its
// Finish writes the log later. A record the writer refuses
// (sessionlog.ErrInvalidRecord) is no such reason; only the sentence says
// so.
func (c *feature) writeSessionLog(ctx context.Context, rec sessionlog.Record, number int64, at string) (said string, err error) {
	var res sessionlog.Result
	if at == "" {
		res, err = c.cfg.SessionLogs.Write(ctx, rec)
	} else if res, err = c.cfg.SessionLogs.WriteAt(ctx, rec, at); errors.Is(err, fs.ErrExist) {
		return "", err
	}
	if err != nil {
		if errors.Is(err, sessionlog.ErrInvalidRecord) {
			return "The session log was not written: " + slackfmt.EscapeMrkdwn(err.Error()) + ".", nil
		}
		id := commands.NewErrorID()
		c.cfg.Logger.ErrorContext(ctx, "session log failed", "error_id", id, "ticket", number, "err", err)
		said = fmt.Sprintf("The session log was not written (error id %s).", id)
		return said, &sessionLogError{said: said, err: err}
	}
	s := sessionLogSaid(res.RelPath)
	if res.CommitErr != nil {
		c.cfg.Logger.WarnContext(ctx, "session log commit failed", "ticket", number, "err", res.CommitErr)
		s += " (Written, but the git commit failed; it will go in with the next one.)"
	}
	return s, nil
}

// sessionLogSaid is the reply's sentence about a log filed under relPath.
func sessionLogSaid(relPath string) string { return "Session log: `" + relPath + "`." }

// sessionLogError is a session log that was not written; said is the
// reply's sentence about it, whose error id is logged with err.
type sessionLogError struct {
	said string
	err  error
}

func (e *sessionLogError) Error() string { return "write the session log: " + e.err.Error() }
func (e *sessionLogError) Unwrap() error { return e.err }

// log writes the session log of a ticket now, whatever its status.
//
// Syncro calls: find, GET ticket, GET /settings (time zone).
func (c *feature) log(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	// Once per envelope: Slack redelivering the command (a lost ack) must
	// not file the same log twice as -2.
	return c.cfg.Once(ctx, commands.SlashKey(r, cmdline.NameLog, inv.Ticket, 0, ""),
		func() commands.Reply { return c.writeLogNow(ctx, r, inv) },
		commands.SamePrior("I'm already writing that session log; I didn't start a second one."))
}

// writeLogNow reads the ticket and files its session log.
func (c *feature) writeLogNow(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	found, err := c.findTicket(ctx, inv.Ticket)
	if err != nil {
		return c.cfg.Failure(ctx, err, fmt.Sprintf("find ticket #%d", inv.Ticket))
	}
	t, _, err := c.cfg.Syncro.Tickets.Get(ctx, found.ID)
	if err != nil {
		return c.cfg.Failure(ctx, err, fmt.Sprintf("read ticket #%d", inv.Ticket))
	}
	c.learnNames(t)
	tz := ""
	if as, err := c.cfg.Account.Settings(ctx, nil); err == nil {
		tz = as.Locale.TimeZone
	}
	said, _ := c.writeSessionLog(ctx, c.sessionRecord(ctx, t, inv.Ticket, c.location(tz), "", r.Actor), inv.Ticket, "") // said tells what went wrong
	return commands.Reply{Text: fmt.Sprintf("#%d: %s", inv.Ticket, said)}
}
