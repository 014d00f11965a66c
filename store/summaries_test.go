package store

import (
	"errors"
	"testing"
	"time"
)

func testSummaries_SettingsRoundTripAndSurviveReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if all, err := ts.AllSummarySettings(); err != nil || len(all) != 0 {
		t.Fatalf("AllSummarySettings of a new store = %v, %v", all, err)
	}
	want := SummarySettings{On: true, Hour: 17, Weekdays: 0b0111110, TimeZone: "America/Chicago", Email: "dana@baylineit.com", Since: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	mustOK(t, ts.PutSummarySettings("U0DANA", want))
	ts.reopen()
	got, ok, err := ts.SummarySettings("U0DANA")
	if err != nil || !ok || got != want {
		t.Fatalf("SummarySettings after reopen = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if !got.Sends(time.Monday) || got.Sends(time.Sunday) {
		t.Errorf("Mon–Fri settings: Sends(Monday) %v, Sends(Sunday) %v", got.Sends(time.Monday), got.Sends(time.Sunday))
	}
	if all, err := ts.AllSummarySettings(); err != nil || len(all) != 1 || all["U0DANA"] != want {
		t.Errorf("AllSummarySettings = %v, %v", all, err)
	}
}

// TestClaimSummary_OncePerDayAcrossReopenAndNeverAnEarlierDay: a day is
// claimed once; after a later day, an earlier one is not claimed at all.
func testClaimSummary_OncePerDayAcrossReopenAndNeverAnEarlierDay(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	for _, step := range []struct {
		day  string
		want bool
	}{{"2026-12-07", true}, {"2026-12-07", false}, {"reopen", false}, {"2026-12-07", false}, {"2026-12-06", false}, {"2026-12-08", true}} {
		if step.day == "reopen" {
			ts.reopen()
			continue
		}
		first, err := ts.ClaimSummary("U0DANA", step.day)
		if err != nil || first != step.want {
			t.Fatalf("ClaimSummary(%s) = %v, %v; want %v", step.day, first, err, step.want)
		}
	}
	if first, err := ts.ClaimSummary("U0OTHER", "2026-12-07"); err != nil || !first {
		t.Errorf("another person's day = %v, %v; want first", first, err)
	}
}

// testReleaseSummary_TheDayCanBeClaimedAgainButNeverALaterOne: a released
// day is claimed again, once, also after a reopen; releasing a day that
// is no longer the last claimed changes nothing.
func testReleaseSummary_TheDayCanBeClaimedAgainButNeverALaterOne(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	claim := func(day string, want bool) {
		t.Helper()
		if first, err := ts.ClaimSummary("U0DANA", day); err != nil || first != want {
			t.Fatalf("ClaimSummary(%s) = %v, %v; want %v", day, first, err, want)
		}
	}
	claim("2026-12-07", true)
	mustOK(t, ts.ReleaseSummary("U0DANA", "2026-12-07"))
	ts.reopen()
	claim("2026-12-07", true)
	claim("2026-12-07", false)
	claim("2026-12-08", true)
	mustOK(t, ts.ReleaseSummary("U0DANA", "2026-12-07")) // a later day is claimed
	claim("2026-12-07", false)
	claim("2026-12-08", false)
	mustOK(t, ts.ReleaseSummary("U0OTHER", "2026-12-08")) // nothing claimed
	if err := ts.ReleaseSummary("U0DANA", "8 Dec"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ReleaseSummary of a malformed day = %v; want ErrInvalid", err)
	}
}
