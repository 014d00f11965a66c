package store

import (
	"errors"
	"testing"
	"time"
)

func testTechMatch_SurvivesReopenAndIsReplacedNotDuplicated(t *testing.T, b backend) {
	t.Parallel()
	ts := newTestStore(t, b)
	if _, ok, err := ts.TechMatch("U0KIM"); err != nil || ok {
		t.Fatalf("TechMatch before any = %v, %v", ok, err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mustOK(t, ts.SetTechMatch(TechMatch{SlackUser: "U0KIM", SlackName: "kim", SyncroUser: 52318, SyncroName: "Marcus Oyelaran", How: MatchedByChoice, At: at}))
	mustOK(t, ts.SetTechMatch(TechMatch{SlackUser: "U0ANA", SlackName: "Ana", SyncroUser: 52342, SyncroName: "Priya Raman", How: MatchedByEmail, At: at}))
	ts.clk.Advance(400 * 24 * time.Hour) // matches never expire
	ts.reopen()
	m, ok, err := ts.TechMatch("U0KIM")
	if err != nil || !ok || m.SyncroUser != 52318 || m.How != MatchedByChoice || !m.At.Equal(at) {
		t.Fatalf("after a reopen: %+v, %v, %v", m, ok, err)
	}
	mustOK(t, ts.SetTechMatch(TechMatch{SlackUser: "U0KIM", SlackName: "kim", SyncroUser: 52377, SyncroName: "Tom Becker", How: MatchedByAdmin, By: "U0DANA", At: at}))
	all, err := ts.TechMatches()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].SlackUser != "U0ANA" || all[1].SyncroUser != 52377 || all[1].By != "U0DANA" {
		t.Errorf("TechMatches = %+v, want Ana then kim corrected to Tom", all)
	}
	for _, bad := range []TechMatch{{SyncroUser: 1}, {SlackUser: "U0X"}} {
		if err := ts.SetTechMatch(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetTechMatch(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}
