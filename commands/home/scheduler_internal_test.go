package home

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/store"
)

func TestDueDays(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	at := func(day, h, m int) time.Time { return time.Date(2026, 12, day, h, m, 0, 0, chicago) } // the 7th is a Monday
	base := store.SummarySettings{On: true, Hour: 17, Weekdays: weekdaysMonFri, TimeZone: "America/Chicago", Since: at(1, 9, 0)}
	for _, tc := range []struct {
		name string
		s    func(store.SummarySettings) store.SummarySettings
		now  time.Time
		want []string // day (2006-01-02), "+late" when late
	}{
		{"before the hour", nil, at(7, 16, 59), nil},
		{"at the hour", nil, at(7, 17, 0), []string{"2026-12-07"}},
		{"within the late window", nil, at(7, 17, 59), []string{"2026-12-07"}},
		{"past it: the bot was down at the hour", nil, at(7, 18, 0), nil},
		{"the next morning, before 08:00", nil, at(8, 7, 59), nil},
		{"the next morning at 08:00", nil, at(8, 8, 0), []string{"2026-12-07+late"}},
		{"the next day at the hour: yesterday's then today's", nil, at(8, 17, 10), []string{"2026-12-07+late", "2026-12-08"}},
		{"Saturday is not a day of Mon–Fri", nil, at(12, 17, 0), []string{"2026-12-11+late"}},
		{"Monday morning: Sunday was not a day", nil, at(14, 9, 0), nil},
		{"off", func(s store.SummarySettings) store.SummarySettings { s.On = false; return s }, at(7, 17, 0), nil},
		{"not before the settings existed", func(s store.SummarySettings) store.SummarySettings { s.Since = at(7, 17, 30); return s }, at(8, 8, 30), nil},
		{"an early hour: yesterday's from that hour", func(s store.SummarySettings) store.SummarySettings { s.Hour = 6; return s }, at(8, 6, 5), []string{"2026-12-07+late", "2026-12-08"}},
		{"the tech's zone, not the machine's", nil, time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC), []string{"2026-12-07"}},
		{"00:00 is the end of the day before", func(s store.SummarySettings) store.SummarySettings { s.Hour = 0; return s }, at(8, 0, 0), []string{"2026-12-07"}},
		{"00:00: not the day just begun", func(s store.SummarySettings) store.SummarySettings { s.Hour = 0; return s }, at(8, 0, 59), []string{"2026-12-07"}},
		{"00:00 missed: the morning after", func(s store.SummarySettings) store.SummarySettings { s.Hour = 0; return s }, at(8, 8, 0), []string{"2026-12-07+late"}},
		{"00:00 on Saturday is Friday's", func(s store.SummarySettings) store.SummarySettings { s.Hour = 0; return s }, at(12, 0, 5), []string{"2026-12-11"}},
		{"00:00 on Monday: Sunday was not a day", func(s store.SummarySettings) store.SummarySettings { s.Hour = 0; return s }, at(14, 0, 5), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			if tc.s != nil {
				s = tc.s(s)
			}
			var got []string
			for _, d := range dueDays(s, tc.now) {
				k := d.day.Format(time.DateOnly)
				if d.late {
					k += "+late"
				}
				got = append(got, k)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("dueDays at %s = %v, want %v", tc.now, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("dueDays at %s = %v, want %v", tc.now, got, tc.want)
				}
			}
		})
	}
}

// TestRefused: only answers that say Slack posted nothing give a
// summary's claim back; an unclear outcome keeps it, so nothing is sent
// twice.
func TestRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("bot: tell U0DANA: %w", slack.SlackErrorResponse{Err: "invalid_blocks"}), true},
		{slack.SlackErrorResponse{Err: "msg_blocks_too_long"}, true},
		{slack.SlackErrorResponse{Err: "channel_not_found"}, true},
		{fmt.Errorf("tell: %w", &slack.RateLimitedError{RetryAfter: time.Minute}), true},
		{slack.SlackErrorResponse{Err: "internal_error"}, false},
		{slack.SlackErrorResponse{Err: "fatal_error"}, false},
		{slack.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}, false},
		{context.DeadlineExceeded, false},
		{errors.New("read tcp: connection reset by peer"), false},
	} {
		if got := refused(tc.err); got != tc.want {
			t.Errorf("refused(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestDueDays_MidnightSkippedByDaylightSaving: America/Santiago's Sunday
// 6 September 2026 starts at 01:00; it is still Sunday, summarized at
// its hour, and Monday's yesterday is Sunday, not Saturday.
func TestDueDays_MidnightSkippedByDaylightSaving(t *testing.T) {
	t.Parallel()
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	s := store.SummarySettings{On: true, Hour: 17, Weekdays: weekdaysAll, TimeZone: "America/Santiago", Since: time.Date(2026, 9, 1, 9, 0, 0, 0, santiago)}
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 9, 6, 17, 5, 0, 0, santiago), "[2026-09-05 true 2026-09-06 false]"},
		{time.Date(2026, 9, 7, 8, 5, 0, 0, santiago), "[2026-09-06 true]"},
	} {
		got := dueDays(s, tc.now)
		var days []string
		for _, d := range got {
			days = append(days, fmt.Sprintf("%s %v", d.day.Format(time.DateOnly), d.late))
		}
		if fmt.Sprint(days) != tc.want {
			t.Errorf("dueDays at %s = %+v, want %s", tc.now, got, tc.want)
		}
	}
	if day := startOfDay(time.Date(2026, 9, 6, 12, 0, 0, 0, santiago)); day.Day() != 6 || day.Hour() != 1 {
		t.Errorf("Sunday 6 September starts at %s, want 01:00 that Sunday", day)
	}
	if end := addDays(time.Date(2026, 9, 5, 0, 0, 0, 0, santiago), 1); end.Day() != 6 {
		t.Errorf("Saturday 5 September ends at %s, want Sunday's first instant", end)
	}
}
