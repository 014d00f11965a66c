package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// lockMigrateKey is the advisory lock a start holds while it migrates a
// schema (store's lockMigrate): a newer version's start takes it too.
const lockMigrateKey = 0x5379_0001

// applyNewerMigration does to the database at url what the start of a
// newer version does with a migration this binary does not know: under
// the migration lock, it adds what a migration may add (README,
// Migrations) — a column, with a default, to every table of the bot and
// an index on it, and a table — and records itself in schema_migrations.
func applyNewerMigration(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, lockMigrateKey); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`)
		if err != nil {
			return err
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(tables) < 10 {
			return fmt.Errorf("the schema holds %d tables (%v); is it migrated?", len(tables), tables)
		}
		for _, tb := range tables {
			id := pgx.Identifier{tb}.Sanitize()
			if _, err := tx.Exec(ctx, `ALTER TABLE `+id+` ADD COLUMN upgrade_note text NOT NULL DEFAULT ''`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE INDEX ON `+id+` (upgrade_note)`); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE upgrade_added (id bigint PRIMARY KEY, note text)`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'newer_version', now())`)
		return err
	})
	if err != nil {
		t.Fatalf("apply the newer version's migration: %v", err)
	}
}

// TestE2E_Replicas_RollingUpgradeKeepsTheOldReplicaWorking: the README's
// rolling upgrade, with this binary as the old version. Replica B runs and
// writes; the new version's start migrates the schema (done here as that
// start would: applyNewerMigration) while B keeps running. B, old, keeps
// working on the migrated schema, and so does a replica of this version
// started on it (A restarted on the old version, or rolled back to it):
// Dana's Log time submitted on both at once writes once, and `bot -check`
// passes on the newer schema.
func TestE2E_Replicas_RollingUpgradeKeepsTheOldReplicaWorking(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := replicaFakes(t)
	b := fx.start(ctx, t, "-debug")
	nas := ticketByNumber(t, b.srv, syncrotest.SeedTicketNAS)
	// B alone, before the upgrade: its connections have run its queries.
	b.slash(ctx, t, "comment "+itoa64(nas.Number)+" --time 10m Checked the RAID before the upgrade.")
	b.waitReply(ctx, t, 0, "10 min logged")

	applyNewerMigration(ctx, t, fx.env["DATABASE_URL"])
	a := fx.start(ctx, t, "-debug")
	a.waitLog(ctx, t, `"msg":"start messages sent"`)
	b.doubleSubmitOnBothWritesOnce(ctx, t)
	if got := commentsWithBody(b.srv, nas.ID, "Checked the RAID"); got != 1 {
		t.Errorf("Syncro holds %d of the comment made before the upgrade, want 1", got)
	}

	var stdout, stderr strings.Builder
	if code := run(ctx, []string{"bot", "-check"}, envMap(fx.env), &stdout, &stderr); code != exitOK {
		t.Errorf("-check on the newer schema: exit %d, want 0:\n%s%s", code, stdout.String(), stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "✓ Database migrated:") || !strings.Contains(out, "✓ Database writable:") {
		t.Errorf("-check on the newer schema:\n%s", out)
	}
	for _, r := range []*e2eBot{a, b} {
		if strings.Contains(r.stderr.String(), `"level":"ERROR"`) {
			t.Errorf("a replica logged an error on the newer schema:\n%s", r.stderr.String())
		}
	}
}
