package cmdline

import (
	"errors"
	"testing"
)

func TestParseMinutes_Accepts(t *testing.T) {
	t.Parallel()
	tests := map[string]int{
		"45": 45, "45m": 45, "45 min": 45, "90min": 90, "90 minutes": 90, "1h": 60, "1hr": 60, "2 hours": 120,
		"1h30m": 90, "1h 30m": 90, "1h30": 90, "1 h 30 m": 90, "1H30M": 90, "1.5h": 90, ".5h": 30,
		"0.25h": 15, "1:30": 90, "0:45": 45, "24h": 1440, "1440": 1440, "23h59m": 1439, " 15m ": 15,
		"1.33h": 80, "1.5h30m": 120,
	}
	for in, want := range tests {
		got, err := ParseMinutes(in)
		if err != nil || got != want {
			t.Errorf("ParseMinutes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestParseMinutes_Rejects(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"0":                        "Time must be more than 0 minutes.",
		"0m":                       "Time must be more than 0 minutes.",
		"0.001h":                   "Time must be more than 0 minutes.",
		"-30m":                     "Time must be more than 0 minutes.",
		"25h":                      "Time can't be more than 24 hours (you gave 25h).",
		"1441":                     "Time can't be more than 24 hours (you gave 24h1m).",
		"99999999999999999999999h": "Time can't be more than 24 hours (you gave 9999999999999999999…).",
		"":                         "Time is empty. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.",
		"abc":                      "`abc` isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.",
		"1 30":                     "`1 30` isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.",
		"30m1h":                    "`30m1h` isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.",
		"1:5":                      "`1:5` isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.",
		"1:75":                     "`1:75` isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.",
		"1..5h":                    "`1..5h` isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.",
		"1.5":                      "`1.5` needs a unit: write 1.5h for hours, or whole minutes like 90m.",
		"1.5m":                     "Minutes must be whole, like 90m; for part of an hour use h, like 1.5h (you gave `1.5m`).",
		"1d":                       "`1d` isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.",
	}
	for in, want := range tests {
		_, err := ParseMinutes(in)
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Message != want {
			t.Errorf("ParseMinutes(%q) error = %v\nwant message %q", in, err, want)
		}
	}
}

func TestFormatMinutes(t *testing.T) {
	t.Parallel()
	for m, want := range map[int]string{1: "1m", 45: "45m", 60: "1h", 90: "1h30m", 1440: "24h"} {
		if got := FormatMinutes(m); got != want {
			t.Errorf("FormatMinutes(%d) = %q, want %q", m, got, want)
		}
	}
}
