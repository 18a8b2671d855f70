// Package migrations embeds Clout's versioned SQL migrations, applied by goose.
//
// Files are written in PostgreSQL's dialect, restricted to what SQLite also
// understands; the runner in internal/store maps the few type names that
// differ (see store.sqliteTypes).
package migrations

import "embed"

// FS holds every migration, named NNNNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
