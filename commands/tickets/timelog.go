package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// How time is logged (README, "Whose time it is"; docs/syncro-api.md,
// "logging time"):
//
//  1. The tech's Syncro user is matched before the write (techs.go).
//  2. The comment holds the note, in the tech's name, and no time: Syncro
//     credits time on a comment to the API key's user.
//  3. The time is a POST /tickets/{id}/timer_entry with user_id, its notes
//     the note's first line; an unknown outcome is read back by user,
//     minutes, product and start.
//
// Flows recorded before step 2 (no flowParams.TimeAsTimer) still finish the
// old way: the comment carried the time, the ticket is read back, and a
// timer entry follows only when the account ignored those fields (then
// remembered as the timer path).
//
// Time is never silently lost: when it cannot be logged or confirmed the
// reply says so, and what to check.

// recentWindow is how close to now a timer must be to count as the one just
// logged when Syncro did not tie it to the comment.
const recentWindow = 15 * time.Minute

// timerNotesLen bounds the notes of a timer entry (the head of the text).
const timerNotesLen = 200

// writeState is what the write side remembers between requests. Its zero
// value is ready to use; every field is guarded by mu.
type writeState struct {
	mu sync.Mutex
	// timerPath is set once this account proved to ignore time fields on
	// comments; from then on time goes through timer_entry directly.
	timerPath bool
	// names caches Syncro product names by id (labor products), learned
	// from line items and GET /products/{id}.
	names map[int64]string
	// keyUser is the API key's own Syncro user (GET /me); 0 until asked.
	keyUser int64
}

// keyUser is the API key's own Syncro user, the one a timer entry without
// user_id is logged for: asked of GET /me the first time, then cached.
func (c *feature) keyUser(ctx context.Context) (int64, error) {
	c.w.mu.Lock()
	id := c.w.keyUser
	c.w.mu.Unlock()
	if id != 0 {
		return id, nil
	}
	me, _, err := c.cfg.Syncro.Users.Me(ctx)
	if err != nil {
		return 0, fmt.Errorf("ask Syncro whose the API key is: %w", err)
	}
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.w.keyUser = me.UserID
	return me.UserID, nil
}

// usesTimerPath reports whether time must go through timer_entry.
func (w *writeState) usesTimerPath() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.timerPath
}

// setTimerPath records that comments on this account don't log time.
func (w *writeState) setTimerPath() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timerPath = true
}

// cachedProductName returns a product name learned earlier, if any.
func (w *writeState) cachedProductName(id int64) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, ok := w.names[id]
	return n, ok
}

// rememberProductName caches a product's name.
func (w *writeState) rememberProductName(id int64, name string) {
	if id == 0 || strings.TrimSpace(name) == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.names == nil {
		w.names = map[int64]string{}
	}
	w.names[id] = name
}

// learnNames caches the product names a ticket's line items reveal, so
// naming the labor of a reply rarely costs a Syncro call.
func (c *feature) learnNames(t *syncro.Ticket) {
	if t == nil {
		return
	}
	for _, li := range t.LineItems {
		if li.ProductID != nil {
			c.w.rememberProductName(*li.ProductID, li.Name)
		}
	}
}

// knownProductName is a product's name as far as it is known without a
// Syncro call: read at start (LABOR_PRODUCTS), else learned since.
func (c *feature) knownProductName(id int64) (string, bool) {
	if n, ok := c.cfg.Account.LaborName(id); ok {
		return n, true
	}
	return c.w.cachedProductName(id)
}

// productName names a labor product as Syncro does ("Labor - Remote
// Business"): the LABOR_PRODUCTS ones as read at start (Deps.Account),
// others as line items revealed them. On a miss it costs one GET
// /products/{id}, once per product per process; if that fails the kind
// (or id) is shown instead.
func (c *feature) productName(ctx context.Context, id int64) string {
	if id == 0 {
		return "the account's default labor"
	}
	if n, ok := c.knownProductName(id); ok {
		return n
	}
	if p, _, err := c.cfg.Syncro.Products.Get(ctx, id); err == nil && p.Name != "" {
		c.w.rememberProductName(id, p.Name)
		return p.Name
	}
	if k, ok := c.cfg.Labor.Kind(id); ok {
		return k + " labor"
	}
	return fmt.Sprintf("labor product %d", id)
}

// timeEntry is time a tech asked to log with a comment.
type timeEntry struct {
	Minutes   int
	ProductID int64
	// Notes go on a timer entry made by the fallback path.
	Notes string
	// UserID is the tech's Syncro user for a timer entry; 0 for the API
	// key's user.
	UserID int64
}

// commentOutcome is what landed in Syncro for a comment and its time
// (the close notice reads it).
type commentOutcome struct {
	Comment *syncro.Comment
	// Ticket is the ticket as read back after the write; nil when it was
	// not read (no time, or time went through timer_entry directly).
	Ticket *syncro.Ticket
	// Timer holds the logged time; nil when none was asked or it failed.
	Timer *syncro.Timer
	// TimeErr says why requested time is not confirmed in Syncro.
	// TimeUnknown means it may have landed: check before logging again.
	TimeErr     error
	TimeUnknown bool
}

// unknownOutcomeError means a write's result is unknown even after reading
// Syncro back: the tech must look before trying again.
type unknownOutcomeError struct {
	what string // "the comment", "the invoice", …
	err  error
}

func (e *unknownOutcomeError) Error() string {
	return fmt.Sprintf("outcome of %s unknown: %v", e.what, e.err)
}

func (e *unknownOutcomeError) Unwrap() error { return e.err }

// writeFailure is failure plus the sentence for writes whose outcome is
// unknown.
func (c *feature) writeFailure(ctx context.Context, err error, doing string) commands.Reply {
	var ue *unknownOutcomeError
	if errors.As(err, &ue) {
		c.cfg.Logger.WarnContext(ctx, "write outcome unknown", "doing", doing, "err", err)
		return commands.Reply{Text: fmt.Sprintf("Syncro didn't confirm whether %s was saved, and I couldn't check. Look at the ticket in Syncro before trying to %s again.", ue.what, doing)}
	}
	return c.cfg.Failure(ctx, err, doing)
}

// near reports whether t is within recentWindow of now.
func near(t, now time.Time) bool {
	if t.IsZero() {
		return false
	}
	d := t.Sub(now)
	return d > -recentWindow && d < recentWindow
}

// timerMinutes is a timer's length in whole minutes.
func timerMinutes(t syncro.Timer) int {
	if t.ActiveDuration > 0 {
		return int((t.ActiveDuration + 30) / 60)
	}
	if !t.EndTime.IsZero() && !t.StartTime.IsZero() {
		return int(t.EndTime.Sub(t.StartTime.Time).Round(time.Minute) / time.Minute)
	}
	return 0
}

// notesHead is the first line of text, cut for a timer's notes.
func notesHead(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	return slackfmt.PlainText(line, timerNotesLen)
}

// flagTimerPath is the store flag remembering that this Syncro account
// ignores time on comments, so a restart does not relearn it with a write.
const flagTimerPath = "time_logging_path"

// setTimerPath records that time goes through timer_entry, in memory and,
// through the store, across restarts.
func (c *feature) setTimerPath(ctx context.Context) {
	c.w.setTimerPath()
	if err := c.cfg.Store.SetFlag(flagTimerPath, "timer_entry"); err != nil {
		c.cfg.Logger.WarnContext(ctx, "could not persist the time logging path", "err", err)
	}
}

// loadTimerPath reads the persisted time logging path at startup.
func (c *feature) loadTimerPath() {
	if v, ok, err := c.cfg.Store.Flag(flagTimerPath); err == nil && ok && v == "timer_entry" {
		c.w.setTimerPath()
	}
}

// laborSelect offers the labor kinds, each named with its Syncro product
// as read at start (until the first read, as far as learned since), with
// kind preselected.
func (c *feature) laborSelect(kind string) *slack.SelectBlockElement {
	if kind == "" {
		kind = labor.DefaultKind
	}
	var opts []*slack.OptionBlockObject
	for _, k := range c.cfg.Labor.Kinds() {
		text := k
		if name, ok := c.knownProductName(c.cfg.Labor[k]); ok {
			text = k + " — " + name
		}
		opts = append(opts, commands.Option(k, text))
	}
	return commands.StaticSelect(commands.BlockLabor, "Labor type", opts, kind)
}

// validateTime checks the minutes and labor fields: minutes parse with
// ParseMinutes (1 to 1440); required says whether they may be empty.
func (c *feature) validateTime(s commands.Submission, required bool, errs commands.FieldErrors) {
	raw := commands.InputText(s, commands.BlockMinutes)
	if raw == "" {
		if required {
			errs[commands.BlockMinutes] = "Enter the time spent, like 45 or 1h30m."
		}
		return
	}
	if _, err := cmdline.ParseMinutes(raw); err != nil {
		errs[commands.BlockMinutes] = commands.FieldMessage(commands.UsageMessage(err))
	}
	if _, err := commands.LookupLabor(c.cfg.Labor, commands.SelectedValue(s, commands.BlockLabor)); err != nil {
		errs[commands.BlockLabor] = commands.FieldMessage(commands.UsageMessage(err))
	}
}

// timeFromSubmission reads the minutes and labor fields; nil when no
// minutes were given. Validate has checked them.
func (c *feature) timeFromSubmission(s commands.Submission, notes string) (*timeEntry, error) {
	raw := commands.InputText(s, commands.BlockMinutes)
	if raw == "" {
		return nil, nil
	}
	m, err := cmdline.ParseMinutes(raw)
	if err != nil {
		return nil, err
	}
	pid, err := commands.LookupLabor(c.cfg.Labor, commands.SelectedValue(s, commands.BlockLabor))
	if err != nil {
		return nil, err
	}
	return &timeEntry{Minutes: m, ProductID: pid, Notes: notesHead(notes)}, nil
}
