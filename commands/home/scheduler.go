package home

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
)

// When end-of-day summaries go out.
const (
	// SummaryCheckEvery is how often RunSummaries looks for a summary due.
	SummaryCheckEvery = 30 * time.Second
	// lateWindow is how long after a tech's hour their summary still goes
	// out that day. A bot that was down at the hour (back later than
	// this) sends it the next morning instead, marked as yesterday's.
	lateWindow = time.Hour
	// morningHour is when, the next day, a summary missed while the bot
	// was down goes out (or the tech's own hour, when earlier).
	morningHour = 8
)

// Sender posts m to the Slack user as a direct message; bot.(*Bot).Tell.
type Sender func(ctx context.Context, userID string, m commands.Message) error

// RunSummaries sends each tech's summary when it is due, looking at once
// and at every tick, until ctx ends.
func (f *Feature) RunSummaries(ctx context.Context, ticks <-chan time.Time, send Sender) {
	for {
		f.SendDue(ctx, send)
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}

// SendDue sends every summary due now that was not sent before. A
// summary is claimed in the store before it is built, so it goes out at
// most once per tech and day, across restarts; a crash between the claim
// and the message loses that day's summary rather than doubling it.
func (f *Feature) SendDue(ctx context.Context, send Sender) {
	all, err := f.cfg.Store.AllSummarySettings()
	if err != nil {
		f.cfg.Logger.Error("summaries not sent: settings unreadable", "err", err)
		return
	}
	now := f.cfg.Now()
	for _, user := range slices.Sorted(maps.Keys(all)) {
		s := all[user]
		for _, d := range dueDays(s, now) {
			if ctx.Err() != nil {
				return
			}
			f.sendOne(ctx, send, user, s, d)
		}
	}
}

// dueDay is one summary to send: the day it covers and whether it is
// late (the morning after).
type dueDay struct {
	day  time.Time
	late bool
}

// dueDays are the summaries s makes due at now, oldest first: yesterday's
// when the bot missed its hour (from the morning on), then today's from
// the hour until lateWindow after it.
func dueDays(s store.SummarySettings, now time.Time) []dueDay {
	if !s.On {
		return nil
	}
	loc := zone(s.TimeZone)
	local := now.In(loc)
	today := startOfDay(local)
	at := func(day time.Time, hour int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), hour, 0, 0, 0, loc)
	}
	var out []dueDay
	y := today.AddDate(0, 0, -1)
	if yd := at(y, s.Hour); s.Sends(y.Weekday()) && yd.After(s.Since) && !local.Before(at(today, min(morningHour, s.Hour))) {
		out = append(out, dueDay{day: y, late: true})
	}
	if td := at(today, s.Hour); s.Sends(today.Weekday()) && td.After(s.Since) && !local.Before(td) && local.Sub(td) < lateWindow {
		out = append(out, dueDay{day: today})
	}
	return out
}

// sendOne claims, builds and sends user's summary of d.
func (f *Feature) sendOne(ctx context.Context, send Sender, user string, s store.SummarySettings, d dueDay) {
	log := f.cfg.Logger.With("slack_user", user, "day", d.day.Format(time.DateOnly), "late", d.late)
	first, err := f.cfg.Store.ClaimSummary(user, d.day.Format(time.DateOnly))
	if err != nil {
		log.Error("summary not sent: claim failed", "err", err)
		return
	}
	if !first {
		return
	}
	a := commands.Actor{SlackUserID: user, Email: s.Email, Name: s.Name, TimeZone: s.TimeZone, CanBill: s.CanBill}
	sum, err := f.Summary(ctx, a, d.day, d.late)
	switch {
	case errors.Is(err, errNoTech):
		log.Info("summary not sent: no Syncro user matches the person")
		return
	case err != nil:
		log.Warn("summary not sent", "err", err)
		return
	case sum.Empty():
		log.Info("summary not sent: nothing to say")
		return
	}
	if err := send(ctx, user, RenderSummary(sum)); err != nil {
		log.Error("summary not delivered", "err", err)
		return
	}
	log.Info("summary sent")
}
