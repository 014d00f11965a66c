package store

import (
	"slices"
	"testing"
	"time"
)

func testAuditForTicket_NewestFirstOnlyThatTicket(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	base := testStart
	add := func(ticket int64, detail string, at time.Time) {
		t.Helper()
		e := AuditEntry{At: at, SlackUser: "U1", SyncroTech: "Ann", Ticket: ticket, Action: "bill", Detail: detail, Outcome: OutcomeOK}
		if err := ts.Audit(e); err != nil {
			t.Fatal(err)
		}
	}
	add(100, "first", base)
	add(99, "other ticket below", base.Add(time.Second))
	add(100, "second", base.Add(2*time.Second))
	add(101, "other ticket above", base.Add(3*time.Second))
	add(100, "third (same instant)", base.Add(2*time.Second))
	add(100, "backdated", base.Add(-time.Hour))
	ts.clk.Advance(time.Minute)
	if err := ts.Audit(AuditEntry{Ticket: 100, Action: "close", Outcome: OutcomeUnknown, Error: "timeout"}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		ticket int64
		limit  int
		want   []string
	}{
		{100, 0, []string{"", "third (same instant)", "second", "first", "backdated"}},
		{100, 2, []string{"", "third (same instant)"}},
		{99, 0, []string{"other ticket below"}},
		{101, 10, []string{"other ticket above"}},
		{102, 0, nil},
		{1, 0, nil},
	}
	for _, c := range cases {
		got, err := ts.AuditForTicket(c.ticket, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, e := range got {
			details = append(details, e.Detail)
		}
		if !slices.Equal(details, c.want) {
			t.Errorf("AuditForTicket(%d, %d) = %q, want %q", c.ticket, c.limit, details, c.want)
		}
	}
	got, _ := ts.AuditForTicket(100, 1)
	if e := got[0]; !e.At.Equal(ts.clk.Now()) || e.Outcome != OutcomeUnknown || e.Error != "timeout" {
		t.Errorf("entry with zero At = %+v, want At = now and fields kept", e)
	}
}

func testSweep_AuditKeepsRetentionWindow(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	now := ts.clk.Now()
	for _, age := range []time.Duration{AuditRetention + time.Hour, AuditRetention - time.Hour, 0} {
		if err := ts.Audit(AuditEntry{At: now.Add(-age), Ticket: 7, Action: "bill", Detail: age.String(), Outcome: OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := ts.Sweep(now)
	if err != nil || n.Audit != 1 {
		t.Fatalf("Sweep = %+v, %v; want 1 audit entry", n, err)
	}
	got, err := ts.AuditForTicket(7, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("AuditForTicket after sweep = %d, %v; want 2 entries", len(got), err)
	}
}
