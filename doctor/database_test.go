package doctor_test

import (
	"net"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/store/pgtest"
)

func TestRun_DatabaseReachableMigratedWritable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := pgtest.URL(t)
	e.vars["DATABASE_URL"] = url

	// A fresh database: the bot would migrate it at start, so that is
	// news, not a failure, and nothing is created by the check.
	r, out := e.run(t)
	for _, want := range []string{
		"✓ Database reachable: PostgreSQL ",
		"! Database migrated: not yet applied: 0001_init",
		"✓ Database writable:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fresh database: output lacks %q:\n%s", want, out)
		}
	}
	if !r.OK() {
		t.Errorf("a fresh database failed the report:\n%s", out)
	}
	if strings.Contains(out, "DATA_DIR writable") {
		t.Errorf("with DATABASE_URL the state is not in DATA_DIR, yet it was checked:\n%s", out)
	}

	st, err := store.OpenPostgres(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, out = e.run(t)
	if !strings.Contains(out, "✓ Database migrated: every migration this version knows is applied.") {
		t.Errorf("migrated database: output lacks the pass:\n%s", out)
	}
}

func TestRun_DatabaseUnreachableSaysHowToFix(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	e := newEnv(t)
	e.vars["DATABASE_URL"] = "postgres://bot:s3cret-pw@" + addr + "/syncrobot?sslmode=disable&connect_timeout=5"
	r, out := e.run(t)
	if r.OK() {
		t.Fatalf("an unreachable database passed:\n%s", out)
	}
	for _, want := range []string{"✗ Database reachable: cannot reach DATABASE_URL", "Fix: check the host, port", "✗ Database migrated: not checked"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret-pw") {
		t.Errorf("the report shows the database password:\n%s", out)
	}
}
