// Package benchdb opens the fresh databases the benchmark programs measure.
package benchdb

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloutapp/clout/internal/store"
)

// OpenFresh opens and migrates an empty database: an SQLite file in a new
// temporary directory (dialect "sqlite"), or a new PostgreSQL schema inside
// dsn, selected by search_path. It returns the PostgreSQL URL the app should
// use (empty for SQLite) and a cleanup that closes the database and removes
// the file or drops the schema. name prefixes the temporary directory and
// the messages.
func OpenFresh(ctx context.Context, name, dialect, dsn string) (*store.DB, string, func(), error) {
	var opts store.Options
	var drop func() error
	if dialect == "sqlite" {
		dir, err := os.MkdirTemp("", name+"-")
		if err != nil {
			return nil, "", nil, err
		}
		opts.SQLitePath, drop = filepath.Join(dir, "clout.db"), func() error { return os.RemoveAll(dir) }
	} else {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, "", nil, fmt.Errorf("-dsn: %w", err)
		}
		admin, err := store.Open(ctx, store.Options{DatabaseURL: dsn})
		if err != nil {
			return nil, "", nil, err
		}
		schema := "bench_" + strings.ToLower(store.RandomString(12))
		if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
			admin.Close()
			return nil, "", nil, err
		}
		drop = func() error { defer admin.Close(); return admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error }
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		opts.DatabaseURL = u.String()
	}
	db, err := store.Open(ctx, opts)
	if err == nil {
		_, err = db.Migrate(ctx)
	}
	cleanup := func() {
		if db != nil {
			db.Close()
		}
		if err := drop(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: cleaning up: %v\n", name, err)
		}
	}
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	return db, opts.DatabaseURL, cleanup, nil
}
