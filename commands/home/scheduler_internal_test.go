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
