package store

import (
	"errors"
	"testing"
	"time"
)

func testFlag_RoundTripsAndSurvivesReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if _, ok, err := ts.Flag("time-logging-path"); err != nil || ok {
		t.Fatalf("Flag before SetFlag = %v, %v", ok, err)
	}
	mustOK(t, ts.SetFlag("time-logging-path", "timer_entry"))
	ts.clk.Advance(365 * 24 * time.Hour)
	ts.reopen()
	if v, ok, err := ts.Flag("time-logging-path"); err != nil || !ok || v != "timer_entry" {
		t.Fatalf("Flag after a year and a reopen = %q, %v, %v", v, ok, err)
	}
	if err := ts.SetFlag("", "x"); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetFlag with empty name = %v, want ErrInvalid", err)
	}
}
