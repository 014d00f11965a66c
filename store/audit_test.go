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
		if details := auditDetails(got); !slices.Equal(details, c.want) {
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

func testAuditByUser_OneUsersEntriesInTheRangeOldestFirst(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	day := ts.clk.Now().Add(-24 * time.Hour)
	add := func(user, detail string, at time.Time) {
		t.Helper()
		if err := ts.Audit(AuditEntry{At: at, SlackUser: user, Ticket: 7, Action: "status", Detail: detail, Outcome: OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	add("U1", "the day before", day.Add(-time.Microsecond))
	add("U1", "at the start", day)
	add("U2", "someone else's", day.Add(time.Hour))
	add("U1", "later", day.Add(3*time.Hour))
	add("U1", "earlier, written after", day.Add(2*time.Hour))
	add("U1", "at the end", day.Add(24*time.Hour))
	add("U1", "past retention", ts.clk.Now().Add(-AuditRetention-time.Hour))

	cases := []struct {
		user     string
		from, to time.Time
		want     []string
	}{
		{"U1", day, day.Add(24 * time.Hour), []string{"at the start", "earlier, written after", "later"}},
		{"U2", day, day.Add(24 * time.Hour), []string{"someone else's"}},
		{"U3", day, day.Add(24 * time.Hour), nil},
		{"U1", day.Add(time.Microsecond), day.Add(3 * time.Hour), []string{"earlier, written after"}},
		// The trail keeps AuditRetention: an entry older than that is not
		// returned, whether or not a sweep has removed it yet.
		{"U1", ts.clk.Now().Add(-2 * AuditRetention), day, []string{"the day before"}},
	}
	for _, c := range cases {
		got, err := ts.AuditByUser(c.user, c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		if details := auditDetails(got); !slices.Equal(details, c.want) {
			t.Errorf("AuditByUser(%s, %s, %s) = %q, want %q", c.user, c.from, c.to, details, c.want)
		}
	}
}

// auditDetails is each entry's Detail, in order.
func auditDetails(entries []AuditEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Detail)
	}
	return out
}
