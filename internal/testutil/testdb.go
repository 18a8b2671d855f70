// Package testutil gives tests real databases: an SQLite file in a temporary
// directory always, and a fresh PostgreSQL schema when TEST_DATABASE_URL is set.
package testutil

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"github.com/jackc/pgx/v5"
)

// RequirePostgresEnv, when set to 1, turns a missing TEST_DATABASE_URL into a
// test failure instead of a skip. .ci/run sets it.
const RequirePostgresEnv = "CLOUT_REQUIRE_POSTGRES"

// EachDB runs fn as a subtest named "sqlite" on a fresh, migrated SQLite
// database, then as "postgres" on a fresh, migrated PostgreSQL schema when
// TEST_DATABASE_URL is set.
func EachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated SQLite database in t.TempDir().
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, store.Options{SQLitePath: filepath.Join(t.TempDir(), "clout.db")})
}

// Postgres returns a migrated database on a schema of its own, dropped when the
// test ends. It skips (or fails, under CLOUT_REQUIRE_POSTGRES=1) without
// TEST_DATABASE_URL.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return open(t, store.Options{DatabaseURL: PostgresURL(t)})
}

// PostgresURL creates a fresh schema and returns a URL whose search_path
// selects it.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv(RequirePostgresEnv) == "1" {
			t.Fatalf("TEST_DATABASE_URL is not set but %s=1: the PostgreSQL tests must run", RequirePostgresEnv)
		}
		t.Skip("TEST_DATABASE_URL not set; skipping the PostgreSQL run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to TEST_DATABASE_URL: %v", err)
	}
	defer conn.Close(ctx)
	schema := "t_" + strings.ToLower(store.RandomString(16))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, o store.Options) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Describe names a database for messages.
func Describe(db *store.DB) string { return fmt.Sprint(db.Dialect) }
