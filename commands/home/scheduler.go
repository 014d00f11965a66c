package home

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/slack-go/slack"

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
	// maxRefusals is how many times one tech's summary of one day is
	// built and sent again after Slack refused it: a refusal that is not
	// passing (a message Slack will never take) costs a few rounds of
	// Syncro reads, not one every SummaryCheckEvery all day.
	maxRefusals = 3
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
// and the message loses that day's summary rather than doubling it. A
// message Slack refused gives the claim back, so the next check tries
// again (at most maxRefusals times a day per tech, in this process).
func (f *Feature) SendDue(ctx context.Context, send Sender) {
	all, err := f.cfg.Store.AllSummarySettings()
	if err != nil {
		f.cfg.Logger.Error("summaries not sent: settings unreadable", "err", err)
		return
	}
	now := f.cfg.Now()
	for _, user := range slices.Sorted(maps.Keys(all)) {
		s, ok := f.current(ctx, user, all[user])
		if !ok {
			continue
		}
		for _, d := range dueDays(s, now) {
			if ctx.Err() != nil {
				return
			}
			f.sendOne(ctx, send, user, s, d)
		}
	}
}

// current is user's settings s with who they are now, by Who (their
// Slack time zone may have changed since they last opened the Home); ok
// false when Who says the bot does not serve them now, or Slack could
// not say (a later check asks again, before any day is claimed).
func (f *Feature) current(ctx context.Context, user string, s store.SummarySettings) (store.SummarySettings, bool) {
	if f.Who == nil || !s.On {
		return s, true
	}
	a, ok := f.Who(ctx, user)
	if !ok {
		return s, false
	}
	if now, msg := f.settingsFor(a); msg == "" {
		s = now
	}
	return s, true
}

// dueDay is one summary to send: the day it covers and whether it is
// late (the morning after).
type dueDay struct {
	day  time.Time
	late bool
}

// date is the day d covers as the store keys it (YYYY-MM-DD).
func (d dueDay) date() string { return d.day.Format(time.DateOnly) }

// dueDays are the summaries s makes due at now, oldest first: yesterday's
// in the hour after it was due, or when the bot missed that hour, from
// the morning on; then today's from the hour until lateWindow after it.
// Hour 0 is the end of the day before: its summary is of the day that
// just ended, and the days set are the days summarized.
func dueDays(s store.SummarySettings, now time.Time) []dueDay {
	if !s.On {
		return nil
	}
	loc := zone(s.TimeZone)
	local := now.In(loc)
	today := startOfDay(local)
	hour := s.Hour
	if hour == 0 {
		hour = 24
	}
	at := func(day time.Time, hour int) time.Time {
		if hour == 24 {
			return addDays(day, 1)
		}
		return time.Date(day.Year(), day.Month(), day.Day(), hour, 0, 0, 0, loc)
	}
	onTime := func(due time.Time) bool { return !local.Before(due) && local.Sub(due) < lateWindow }
	var out []dueDay
	y := addDays(today, -1)
	if yd := at(y, hour); s.Sends(y.Weekday()) && yd.After(s.Since) {
		switch {
		case onTime(yd):
			out = append(out, dueDay{day: y})
		case !local.Before(at(today, min(morningHour, hour))):
			out = append(out, dueDay{day: y, late: true})
		}
	}
	if td := at(today, hour); s.Sends(today.Weekday()) && td.After(s.Since) && onTime(td) {
		out = append(out, dueDay{day: today})
	}
	return out
}

// sendOne claims, builds and sends user's summary of d.
func (f *Feature) sendOne(ctx context.Context, send Sender, user string, s store.SummarySettings, d dueDay) {
	log := f.cfg.Logger.With("slack_user", user, "day", d.date(), "late", d.late)
	first, err := f.cfg.Store.ClaimSummary(user, d.date())
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
		f.unsent(log, user, d, err)
		return
	}
	log.Info("summary sent")
}

// unsent gives back the claim of user's summary of d when Slack refused
// the message (it was not posted), so a later check sends it. When the
// post may have landed (no answer, a server error) the claim stays:
// a lost summary is better than one sent twice.
func (f *Feature) unsent(log *slog.Logger, user string, d dueDay, err error) {
	key := user + " " + d.date()
	f.mu.Lock()
	if f.refusals == nil {
		f.refusals = map[string]int{}
	}
	f.refusals[key]++
	tries := f.refusals[key]
	f.mu.Unlock()
	switch {
	case !refused(err):
		log.Error("summary not delivered, and not sent again: Slack may have posted it", "err", err)
	case tries > maxRefusals:
		log.Error("summary not delivered: Slack refused it each time", "tries", tries, "err", err)
	default:
		if rerr := f.cfg.Store.ReleaseSummary(user, d.date()); rerr != nil {
			log.Error("summary not delivered, and its day stays claimed", "err", err, "release_err", rerr)
			return
		}
		log.Warn("summary refused by Slack; trying again at the next check", "err", err)
	}
}

// refused reports whether Slack answered a post with a refusal, so the
// message was not posted: an error answer (ok false) other than the ones
// Slack gives when it may have done part of the work, or a rate limit.
func refused(err error) bool {
	if _, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return true
	}
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	if !ok {
		return false
	}
	switch se.Err {
	case "fatal_error", "internal_error", "request_timeout", "service_unavailable":
		return false
	}
	return true
}
