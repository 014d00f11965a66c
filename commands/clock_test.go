package commands

import (
	"testing"
	"time"
)

// TestDeps_ShownTimePutsAStoreRecordOnTheHostsClock: a time the store
// recorded on its clock (the database's, 16 min behind the host's here)
// is shown as the moment it was on the host's clock; with one clock, or
// a clock missing, it is shown as recorded; no record (the zero time)
// stays no record, not a moment centuries ago.
func TestDeps_ShownTimePutsAStoreRecordOnTheHostsClock(t *testing.T) {
	t.Parallel()
	host := time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
	off := 16 * time.Minute
	recorded := host.Add(-off - 5*time.Minute) // 5 min ago, on the database's clock
	behind := Deps{Now: func() time.Time { return host }, StoreNow: func() time.Time { return host.Add(-off) }}
	for _, tc := range []struct {
		name     string
		d        Deps
		at, want time.Time
	}{
		{"database behind", behind, recorded, host.Add(-5 * time.Minute)},
		{"one clock", Deps{Now: func() time.Time { return host }, StoreNow: func() time.Time { return host }}, recorded, recorded},
		{"no clocks", Deps{}, recorded, recorded},
		{"no record", behind, time.Time{}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.d.ShownTime(tc.at); !got.Equal(tc.want) {
				t.Errorf("ShownTime(%s) = %s, want %s", tc.at, got, tc.want)
			}
		})
	}
}
