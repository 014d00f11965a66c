package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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

func testTechMatch_ConcurrentSetsOfOneSyncroUserExactlyOneWins(t *testing.T, b backend) {
	t.Parallel()
	ts := newTestStore(t, b)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			<-start
			errs <- ts.SetTechMatch(TechMatch{SlackUser: fmt.Sprintf("U0TECH%02d", i), SyncroUser: 52377, SyncroName: "Tom Becker", How: MatchedByChoice, At: at})
		}()
	}
	close(start)
	var won int
	var holders []string
	for range n {
		err := <-errs
		var taken *TechTakenError
		switch {
		case err == nil:
			won++
		case errors.As(err, &taken) && errors.Is(err, ErrTechTaken):
			holders = append(holders, taken.Holder.SlackUser)
		default:
			t.Errorf("SetTechMatch = %v, want nil or a *TechTakenError", err)
		}
	}
	all, err := ts.TechMatches()
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || len(all) != 1 {
		t.Fatalf("%d of %d concurrent sets of one Syncro user won, the store holds %+v; want exactly one", won, n, all)
	}
	for _, h := range holders {
		if h != all[0].SlackUser && h != "" {
			t.Errorf("a refusal named %s as the holder, the store holds %s", h, all[0].SlackUser)
		}
	}
	ts.reopen()
	if again, err := ts.TechMatches(); err != nil || len(again) != 1 {
		t.Errorf("after a reopen: %+v, %v", again, err)
	}
}

func testTechMatch_MoveTakesItDropOnlyWhileStillThatUser(t *testing.T, b backend) {
	t.Parallel()
	ts := newTestStore(t, b)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tom := TechMatch{SlackUser: "U0TOMBECK", SlackName: "tom", SyncroUser: 52377, SyncroName: "Tom Becker", How: MatchedByEmail, At: at}
	mustOK(t, ts.SetTechMatch(tom))
	mustOK(t, ts.SetTechMatch(tom)) // the holder saving again is no refusal
	kim := TechMatch{SlackUser: "U0KIM", SlackName: "kim", SyncroUser: 52377, SyncroName: "Tom Becker", How: MatchedByAdmin, By: "U0DANA", At: at}
	var taken *TechTakenError
	if err := ts.SetTechMatch(kim); !errors.As(err, &taken) || taken.Holder.SlackUser != "U0TOMBECK" || taken.Holder.SlackName != "tom" {
		t.Fatalf("SetTechMatch of Tom's Syncro user for Kim = %v, want a *TechTakenError naming tom", err)
	}
	if _, ok, _ := ts.TechMatch("U0KIM"); ok {
		t.Fatal("a refused SetTechMatch saved Kim's match")
	}
	from, ok, err := ts.MoveTechMatch(kim)
	if err != nil || !ok || from.SlackUser != "U0TOMBECK" {
		t.Fatalf("MoveTechMatch = %+v, %v, %v; want it moved from tom", from, ok, err)
	}
	if _, ok, _ := ts.TechMatch("U0TOMBECK"); ok {
		t.Error("tom is still matched after the move")
	}
	if m, ok, _ := ts.TechMatch("U0KIM"); !ok || m.SyncroUser != 52377 {
		t.Errorf("Kim after the move: %+v, %v", m, ok)
	}
	if _, ok, err := ts.MoveTechMatch(TechMatch{SlackUser: "U0ANA", SyncroUser: 52342, At: at}); ok || err != nil {
		t.Errorf("MoveTechMatch of a free Syncro user = %v, %v; want no one moved from", ok, err)
	}
	if dropped, err := ts.DropTechMatch("U0KIM", 52318); dropped || err != nil {
		t.Errorf("DropTechMatch of a Syncro user Kim no longer is = %v, %v; want nothing dropped", dropped, err)
	}
	if dropped, err := ts.DropTechMatch("U0KIM", 52377); !dropped || err != nil {
		t.Errorf("DropTechMatch = %v, %v; want dropped", dropped, err)
	}
	ts.reopen()
	all, err := ts.TechMatches()
	if err != nil || len(all) != 1 || all[0].SlackUser != "U0ANA" {
		t.Errorf("after a reopen: %+v, %v; want only Ana", all, err)
	}
	if _, _, err := ts.MoveTechMatch(TechMatch{SlackUser: "U0X"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("MoveTechMatch without a Syncro user = %v, want ErrInvalid", err)
	}
}

// sharedMatches are two Slack users a bot from before the unique rule
// matched to one Syncro user, Ana first; Kim is another Syncro user's.
func sharedMatches() []TechMatch {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return []TechMatch{
		{SlackUser: "U0ZED", SyncroUser: 52377, How: MatchedByAdmin, At: at.Add(time.Hour)},
		{SlackUser: "U0ANA", SyncroUser: 52377, How: MatchedByEmail, At: at},
		{SlackUser: "U0KIM", SyncroUser: 52318, How: MatchedByChoice, At: at.Add(2 * time.Hour)},
	}
}

// wantFirstOfShared checks that of sharedMatches, Ana (matched first) and
// Kim are left.
func wantFirstOfShared(t *testing.T, ts *testStore) {
	t.Helper()
	all, err := ts.TechMatches()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range all {
		got = append(got, m.SlackUser)
	}
	if fmt.Sprint(got) != "[U0ANA U0KIM]" {
		t.Errorf("matches after the upgrade = %v, want [U0ANA U0KIM]: the first of one Syncro user's kept", got)
	}
}

func TestTechMatch_BoltOpenKeepsTheFirstOfOneSyncroUsersMatches(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t, boltBackend)
	s := ts.testBackend.(*Store)
	err := s.update(func(tx *bolt.Tx) error {
		for _, m := range sharedMatches() {
			if err := putJSON(tx.Bucket(bucketTechs), []byte(m.SlackUser), m); err != nil {
				return err
			}
		}
		return nil
	})
	mustOK(t, err)
	ts.reopen()
	wantFirstOfShared(t, ts)
}

func TestPostgres_MigrationKeepsTheFirstOfOneSyncroUsersMatches(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t, postgresBackend)
	p := ts.testBackend.(*Postgres)
	ctx := t.Context()
	// The database as a bot from before 0007 left it.
	_, err := p.pool.Exec(ctx, `DROP INDEX tech_matches_syncro_user; DELETE FROM schema_migrations WHERE version = 7`)
	mustOK(t, err)
	for _, m := range sharedMatches() {
		mustOK(t, p.pgPut(ctx, "tech_matches", "slack_user", m.SlackUser, m))
	}
	ts.reopen()
	wantFirstOfShared(t, ts)
	var taken *TechTakenError
	if err := ts.SetTechMatch(TechMatch{SlackUser: "U0ZED", SyncroUser: 52377, At: testStart}); !errors.As(err, &taken) || taken.Holder.SlackUser != "U0ANA" {
		t.Errorf("after the migration a second Slack user's match = %v, want refused naming U0ANA", err)
	}
}
