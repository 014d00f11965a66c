// Package home is the tech's day in Slack: the App Home tab (their open
// tickets, today's logged time by labor type, their resolved tickets not
// invoiced yet, each with the ticket card's buttons). Gathering calls
// Syncro; rendering (render.go) is pure and golden-tested.
package home

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Register adds the Home tab to r, without the end-of-day summaries'
// scheduler (tests of the Home alone).
func Register(r *commands.Registry, d commands.Deps) { New().Register(r, d) }

// Feature is the Home tab and the end-of-day summaries. Pass its Register
// to commands.New, then run its summaries with RunSummaries.
type Feature struct {
	// Who, when set, describes a tech as Slack does now (users.info):
	// ok false when the bot does not serve them (deactivated, a guest,
	// gone) or Slack could not say. The summaries follow it, so a tech
	// whose Slack time zone changed gets theirs at their new hour without
	// opening the Home.
	Who func(ctx context.Context, slackUserID string) (a commands.Actor, ok bool)

	cfg commands.Deps
	// reg finds the tech's Syncro user (the tickets feature's match).
	reg *commands.Registry
	// mu guards refusals: how many times Slack refused each tech's
	// summary of a day ("user YYYY-MM-DD"), in this process.
	mu       sync.Mutex
	refusals map[string]int
}

// New returns the feature, to register with commands.New.
func New() *Feature { return &Feature{} }

// Register adds the Home tab and its settings' controls to r.
func (f *Feature) Register(r *commands.Registry, d commands.Deps) {
	f.cfg, f.reg = d, r
	r.Home(f.home)
	f.registerSettings(r)
}

// home is a's Home tab as Syncro holds their day now.
func (f *Feature) home(ctx context.Context, a commands.Actor) slack.HomeTabViewRequest {
	return Render(f.gather(ctx, a))
}

// Day is everything a tech's Home shows, gathered from the mirror and
// Syncro. A part Syncro could not give has its sentence in the matching
// …Err field instead of an empty list, so the Home never says "no time
// today" when it only failed to read it.
type Day struct {
	// Now is when it was gathered, in the tech's time zone: "today" is
	// their day.
	Now time.Time
	// Unmatched, when set, is why the tech's own work cannot be shown
	// (Slack gave no email, or no Syncro user has it).
	Unmatched string
	// Open are the tech's open tickets; OpenNote says how old the list is
	// when the mirror is stale.
	Open     []syncro.Ticket
	OpenNote string
	OpenErr  string
	// Time is today's logged minutes by labor type, largest first.
	Time    []LaborMinutes
	TimeErr string
	// Resolved are the tech's resolved tickets not invoiced yet (as far
	// as resolved.go's bounded search looked); ResolvedNote says what it
	// could not tell (tickets Syncro gave no invoices for, tickets not
	// looked at), so the list never passes for complete when it is not.
	Resolved     []syncro.Ticket
	ResolvedNote string
	ResolvedErr  string
	// CanBill shows Make invoice.
	CanBill bool
	// WebURL is Syncro's web app, for Open in Syncro and the "more in
	// Syncro" line; empty hides them.
	WebURL string
	// Summary is the tech's end-of-day summary settings; SummaryErr says
	// why they could not be read.
	Summary    store.SummarySettings
	SummaryErr string
}

// LaborMinutes is the time logged under one labor type.
type LaborMinutes struct {
	Label   string // the labor kind, product name or "no labor type"
	Minutes int
}

// gather reads a's day: the open tickets from the mirror, today's timers
// and the resolved tickets from Syncro.
func (f *Feature) gather(ctx context.Context, a commands.Actor) Day {
	d := Day{Now: f.cfg.Now().In(zone(a.TimeZone)), CanBill: a.CanBill, WebURL: f.cfg.WebURL}
	d.Summary, d.SummaryErr = f.settingsFor(a)
	// The tech's match may be their pick or an admin's (whois), without
	// an email Slack shares.
	tech, err := f.reg.Tech(ctx, a)
	if err != nil {
		d.Unmatched = f.failure(ctx, fmt.Errorf("find tech %s: %w", a.Email, err), "find your Syncro account")
		return d
	}
	if tech == 0 && strings.TrimSpace(a.Email) == "" {
		d.Unmatched = "Slack didn't share your email with me (the app needs the users:read.email scope), so I can't tell which Syncro tech you are."
		return d
	}
	if tech == 0 {
		d.Unmatched = "No Syncro user has your Slack email (" + commands.InlineMrkdwn(a.Email, commands.MaxNameLen) + "), so I can't show your tickets and time."
		return d
	}
	assigned := func(t *syncro.Ticket) bool { return t.UserID != nil && *t.UserID == tech }
	open, note, err := f.cfg.OpenTickets(ctx, assigned, &syncro.TicketListOptions{UserID: tech})
	if err != nil {
		d.OpenErr = f.failure(ctx, fmt.Errorf("list open tickets of user %d: %w", tech, err), "list your open tickets")
	} else {
		d.Open, d.OpenNote = open, note
	}
	if d.Time, err = f.todaysTime(ctx, tech, d.Now); err != nil {
		d.TimeErr = f.failure(ctx, err, "read today's time")
	}
	if d.Resolved, d.ResolvedNote, err = f.resolved(ctx, tech); err != nil {
		d.ResolvedErr = f.failure(ctx, err, "list your resolved tickets")
	}
	return d
}

// failure is the sentence for a part that could not be read.
func (f *Feature) failure(ctx context.Context, err error, doing string) string {
	return f.cfg.Failure(ctx, err, doing).Text
}

// zone is the tech's time zone from Slack; UTC when Slack gave none or
// one this machine does not know.
func zone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// startOfDay is the first instant of now's day in now's zone.
func startOfDay(now time.Time) time.Time {
	y, m, d := now.Date()
	return dayStart(y, m, d, now.Location())
}

// addDays is the first instant of the day n days from day's, in its zone.
func addDays(day time.Time, n int) time.Time {
	return dayStart(day.Year(), day.Month(), day.Day()+n, day.Location())
}

// dayStart is the first instant of the day y-m-d (normalized as
// time.Date does) in loc: midnight, or where a zone that skips midnight
// for daylight saving time starts the day (America/Santiago's first
// Sunday of September goes from Saturday 23:59 to 01:00). time.Date
// would give Saturday's 23:00 there, a day that is not Sunday.
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	y, m, d = time.Date(y, m, d, 12, 0, 0, 0, loc).Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if t.Day() != d {
		_, t = t.ZoneBounds()
	}
	return t
}

// todaysTime is the minutes tech logged since midnight in now's zone, by
// labor type. GET /ticket_timers filters by creation time only (the
// OpenAPI names no user filter), so the tech's own are picked here.
func (f *Feature) todaysTime(ctx context.Context, tech int64, now time.Time) ([]LaborMinutes, error) {
	timers, err := syncro.Collect(f.cfg.Syncro.Timers.All(ctx, &syncro.TimerListOptions{CreatedAfter: startOfDay(now)}))
	if err != nil {
		return nil, fmt.Errorf("list today's timers: %w", err)
	}
	by := map[string]int{}
	for _, tm := range timers {
		if tm.UserID != tech {
			continue
		}
		by[f.laborLabel(tm.ProductID)] += ticketview.TimerMinutes(&tm)
	}
	return sortedLabor(by), nil
}

// laborLabel names a timer's labor product: its kind in LABOR_PRODUCTS,
// else the account's product name, else its id.
func (f *Feature) laborLabel(product *int64) string {
	if product == nil {
		return "no labor type"
	}
	if k, ok := f.cfg.Labor.Kind(*product); ok {
		return k
	}
	if name, ok := f.cfg.Account.LaborName(*product); ok {
		return name
	}
	return "product " + strconv.FormatInt(*product, 10)
}
