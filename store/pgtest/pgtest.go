// Package pgtest gives tests a PostgreSQL schema of their own on the
// server TEST_DATABASE_URL names, so the store's suite and the replica
// tests run against a real server side by side without seeing each
// other's rows. Without TEST_DATABASE_URL the test is skipped with a
// message saying how to run it; under CI (CI set) it fails instead, so
// CI can never pass by skipping (.ci/run starts a server).
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the test server's URL.
const EnvURL = "TEST_DATABASE_URL"

// URL returns a postgres:// URL whose search_path is a new, empty schema,
// dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: .ci/run starts PostgreSQL and sets it", EnvURL)
		}
		t.Skipf("no PostgreSQL for this test: set %s=postgres://user@127.0.0.1:5432/db?sslmode=disable (.ci/run starts one)", EnvURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(context.Background())
	schema := "t_" + strings.ToLower(rand.Text())
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`)
			_ = c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
