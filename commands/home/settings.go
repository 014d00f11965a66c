package home

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
)

// Action ids of the Home's end-of-day summary settings. A change is saved
// and bot publishes the Home again, which shows it.
const (
	// ActionSummaryToggle turns the summary on or off (value "on"/"off").
	ActionSummaryToggle = "home_summary_toggle"
	// ActionSummaryHour picks the hour (value "0".."23").
	ActionSummaryHour = "home_summary_hour"
	// ActionSummaryDays picks the weekdays (value: a weekday mask, one of
	// dayChoices).
	ActionSummaryDays = "home_summary_days"
)

// blockSettings is the block id of the settings' controls.
const blockSettings = "home_summary_settings"

// settingsBlockCount is how many blocks settingsBlocks makes at most.
const settingsBlockCount = 3

// Defaults of a tech's summary until they change it: on, at 17:00 in
// their Slack time zone, Monday to Friday.
const (
	defaultHour     = 17
	defaultWeekdays = weekdaysMonFri
)

// Weekday masks offered (bit 1<<time.Weekday per day).
const (
	weekdaysMonFri uint8 = 0b0111110
	weekdaysMonSat uint8 = 0b1111110
	weekdaysSunThu uint8 = 0b0011111
	weekdaysAll    uint8 = 0b1111111
)

// dayChoices are the weekday sets the Home offers, in menu order.
var dayChoices = []struct {
	mask  uint8
	label string
}{
	{weekdaysMonFri, "Mon–Fri"},
	{weekdaysMonSat, "Mon–Sat"},
	{weekdaysSunThu, "Sun–Thu"},
	{weekdaysAll, "Every day"},
}

// daysLabel names a weekday mask: its menu label, else its days.
func daysLabel(mask uint8) string {
	for _, c := range dayChoices {
		if c.mask == mask {
			return c.label
		}
	}
	var days []string
	for d := time.Sunday; d <= time.Saturday; d++ {
		if mask&(1<<d) != 0 {
			days = append(days, d.String()[:3])
		}
	}
	if len(days) == 0 {
		return "no day"
	}
	return strings.Join(days, ", ")
}

// settingsFor is a's summary settings, saved with the defaults the first
// time, and with who a is now (time zone, email, billing right) whenever
// that changed, so the summary is built for them as they are.
func (f *Feature) settingsFor(a commands.Actor) (store.SummarySettings, string) {
	s, ok, err := f.cfg.Store.SummarySettings(a.SlackUserID)
	if err != nil {
		f.cfg.Logger.Error("read summary settings", "slack_user", a.SlackUserID, "err", err)
		return store.SummarySettings{}, "Your end-of-day summary settings could not be read; try again in a moment."
	}
	was := s
	if !ok {
		s = store.SummarySettings{On: true, Hour: defaultHour, Weekdays: defaultWeekdays, Since: f.cfg.Now()}
	}
	// Only an actor users.info described says who they are now.
	if a.Email != "" {
		s.TimeZone, s.Email, s.Name, s.CanBill = a.TimeZone, a.Email, a.Name, a.CanBill
	}
	if ok && s == was {
		return s, ""
	}
	if err := f.cfg.Store.PutSummarySettings(a.SlackUserID, s); err != nil {
		f.cfg.Logger.Error("save summary settings", "slack_user", a.SlackUserID, "err", err)
	}
	return s, ""
}

// registerSettings adds the settings' controls.
func (f *Feature) registerSettings(r *commands.Registry) {
	r.Button(commands.Button{ActionID: ActionSummaryToggle, Handle: f.changeSettings(func(s *store.SummarySettings, v string) bool {
		s.On = v == "on"
		return v == "on" || v == "off"
	})})
	r.Button(commands.Button{ActionID: ActionSummaryHour, Handle: f.changeSettings(func(s *store.SummarySettings, v string) bool {
		h, err := strconv.Atoi(v)
		s.Hour = h
		return err == nil && h >= 0 && h <= 23
	})})
	r.Button(commands.Button{ActionID: ActionSummaryDays, Handle: f.changeSettings(func(s *store.SummarySettings, v string) bool {
		m, err := strconv.ParseUint(v, 10, 8)
		s.Weekdays = uint8(m)
		return err == nil && m > 0 && m <= uint64(weekdaysAll)
	})})
}

// changeSettings is a control's handler: it applies the choice (set
// reports whether the value is one the Home offered) and saves it. The
// reply is empty: bot publishes the Home again, which shows the change.
func (f *Feature) changeSettings(set func(s *store.SummarySettings, value string) bool) func(ctx context.Context, a commands.Action) commands.Reply {
	return func(ctx context.Context, a commands.Action) commands.Reply {
		s, msg := f.settingsFor(a.Actor)
		if msg != "" {
			return commands.Reply{Text: msg}
		}
		if !set(&s, a.Value) {
			return commands.Reply{Text: "That isn't a choice the Home offers; nothing was changed."}
		}
		if err := f.cfg.Store.PutSummarySettings(a.Actor.SlackUserID, s); err != nil {
			return f.cfg.Failure(ctx, fmt.Errorf("save summary settings: %w", err), "save your summary settings")
		}
		return commands.Reply{}
	}
}

// settingsBlocks are the Home's settings section: what the summary does,
// and its controls.
func settingsBlocks(d Day) []slack.Block {
	const title = "*End-of-day summary*"
	if d.SummaryErr != "" {
		return []slack.Block{slack.NewDividerBlock(), commands.TextSection(title + "\n" + d.SummaryErr)}
	}
	s := d.Summary
	text := title + "\nOff. Turn it on for a direct message at the end of your day."
	toggle := slack.NewButtonBlockElement(ActionSummaryToggle, "on", commands.BoundedPlain("Turn on", slackfmt.MaxButtonText))
	if s.On {
		text = title + "\nA direct message at *" + fmt.Sprintf("%02d:00", s.Hour) + "* (" + commands.InlineMrkdwn(zoneName(s.TimeZone), 60) + "), " +
			daysLabel(s.Weekdays) + ": your time by labor type and ticket, tickets you worked on with no time logged, and resolved tickets not invoiced yet. Nothing when there is nothing to say."
		toggle = slack.NewButtonBlockElement(ActionSummaryToggle, "off", commands.BoundedPlain("Turn off", slackfmt.MaxButtonText))
	}
	hours := make([]*slack.OptionBlockObject, 24)
	for h := range hours {
		hours[h] = slack.NewOptionBlockObject(strconv.Itoa(h), commands.BoundedPlain(fmt.Sprintf("%02d:00", h), slackfmt.MaxOptionText), nil)
	}
	hour := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, commands.BoundedPlain("Hour", slackfmt.MaxPlaceholder), ActionSummaryHour, hours...)
	if s.Hour >= 0 && s.Hour < len(hours) {
		hour.InitialOption = hours[s.Hour]
	}
	days := make([]*slack.OptionBlockObject, 0, len(dayChoices)+1)
	var initial *slack.OptionBlockObject
	for _, c := range dayChoices {
		o := slack.NewOptionBlockObject(strconv.Itoa(int(c.mask)), commands.BoundedPlain(c.label, slackfmt.MaxOptionText), nil)
		if c.mask == s.Weekdays {
			initial = o
		}
		days = append(days, o)
	}
	daysSel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, commands.BoundedPlain("Days", slackfmt.MaxPlaceholder), ActionSummaryDays, days...)
	daysSel.InitialOption = initial
	return []slack.Block{
		slack.NewDividerBlock(),
		commands.TextSection(text),
		slack.NewActionBlock(blockSettings, toggle, hour, daysSel),
	}
}

// zoneName is the time zone the summary follows, as people read it: UTC
// when Slack's zone is missing or unknown here, as zone decides.
func zoneName(tz string) string {
	if tz == "" {
		return "UTC: Slack gave no time zone"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "UTC: Slack's time zone " + tz + " is unknown here"
	}
	return tz
}
