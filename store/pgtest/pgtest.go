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
	base := baseURL(t)
	schema := "t_" + strings.ToLower(rand.Text())
	Exec(t, base, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { dropLater(base, `DROP SCHEMA `+schema+` CASCADE`) })
	return withURL(t, base, func(u *url.URL) {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
	})
}

// Database returns the postgres:// URL of a new, empty database of the
// test's own on the server TEST_DATABASE_URL names, dropped when the test
// ends: the URL as an operator writes DATABASE_URL (public schema, no
// search_path), which pg_dump and pg_restore take too.
func Database(t testing.TB) string {
	t.Helper()
	base := baseURL(t)
	db := "t_" + strings.ToLower(rand.Text())
	Exec(t, base, `CREATE DATABASE `+db)
	t.Cleanup(func() { dropLater(base, `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`) })
	return withURL(t, base, func(u *url.URL) { u.Path = "/" + db })
}

// Exec runs sql on the database at dbURL, failing the test on an error.
func Exec(t testing.TB, dbURL, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to the test's PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// baseURL is TEST_DATABASE_URL; without it the test is skipped, or
// fails under CI.
func baseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: .ci/run starts PostgreSQL and sets it", EnvURL)
		}
		t.Skipf("no PostgreSQL for this test: set %s=postgres://user@127.0.0.1:5432/db?sslmode=disable (.ci/run starts one)", EnvURL)
	}
	return base
}

// withURL is base with edit applied.
func withURL(t testing.TB, base string, edit func(*url.URL)) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	edit(u)
	return u.String()
}

// dropLater runs a cleanup's DROP on base, ignoring failures: the server
// may already be gone at the end of the run.
func dropLater(base, sql string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx, base); err == nil {
		_, _ = c.Exec(ctx, sql)
		_ = c.Close(ctx)
	}
}
