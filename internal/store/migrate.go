package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing/fstest"

	"github.com/cloutapp/clout/migrations"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// ErrSchemaTooNew is returned when the database was migrated by a newer Clout.
var ErrSchemaTooNew = errors.New("database schema is newer than this build of Clout")

// sqliteTypes maps PostgreSQL type names used in migrations to the names
// SQLite's driver reads back as the same Go types.
var sqliteTypes = strings.NewReplacer("TIMESTAMPTZ", "TIMESTAMP", "BYTEA", "BLOB", "JSONB", "TEXT")

// postgresOnly is a section of a migration that SQLite skips: the lines
// from "-- postgres only {" to "-- }".
var postgresOnly = regexp.MustCompile(`(?ms)^-- postgres only \{$.*?^-- \}$`)

// forSQLite is a migration as SQLite runs it.
func forSQLite(sql string) string {
	return sqliteTypes.Replace(postgresOnly.ReplaceAllString(sql, ""))
}

func (db *DB) provider() (*goose.Provider, error) {
	var fsys fs.FS = migrations.FS
	dialect := goose.DialectPostgres
	if db.Dialect == SQLite {
		dialect = goose.DialectSQLite3
		m := fstest.MapFS{}
		entries, err := fs.Glob(migrations.FS, "*.sql")
		if err != nil {
			return nil, err
		}
		for _, name := range entries {
			b, err := fs.ReadFile(migrations.FS, name)
			if err != nil {
				return nil, err
			}
			m[name] = &fstest.MapFile{Data: []byte(forSQLite(string(b)))}
		}
		fsys = m
	}
	var opts []goose.ProviderOption
	if db.Dialect == Postgres {
		// Several instances starting at once apply each migration once.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.sql, fsys, opts...)
}

// Versions returns the schema version of the database and the newest this
// build knows.
func (db *DB) Versions(ctx context.Context) (current, known int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil && !errors.Is(err, goose.ErrVersionNotFound) {
		// A database goose has never touched has no version table yet.
		if !strings.Contains(err.Error(), "does not exist") && !strings.Contains(err.Error(), "no such table") {
			return 0, 0, err
		}
	}
	for _, s := range p.ListSources() {
		if s.Version > known {
			known = s.Version
		}
	}
	return current, known, nil
}

// Migrate applies every pending migration and returns the versions applied.
// It refuses a database whose schema is newer than this build knows.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	current, known, err := db.Versions(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: reading schema version: %w", err)
	}
	if current > known {
		return nil, fmt.Errorf("%w: the database is at version %d, this build knows up to %d; run a newer Clout", ErrSchemaTooNew, current, known)
	}
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrating: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}
