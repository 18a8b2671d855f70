package main

import (
	"fmt"

	"github.com/cloutapp/clout/internal/store"
)

// pgStats are PostgreSQL's cumulative counters: the WAL of the whole
// cluster and the activity of the current database (other sessions on the
// same server count too, so read them as an upper bound).
type pgStats struct {
	WALRecords, WALFPI, WALBytes, WALSync    int64
	Commits, Inserted, Updated, Fetched, Hit int64
}

// readPGStats reads the counters; ok is false on SQLite or when they cannot
// be read (pg_stat_wal needs PostgreSQL 14).
func readPGStats(db *store.DB) (s pgStats, ok bool) {
	if db.Dialect != store.Postgres {
		return s, false
	}
	// The statistics snapshot is per transaction: read both in one statement.
	err := db.Raw(`SELECT w.wal_records, w.wal_fpi, w.wal_bytes::bigint, w.wal_sync, d.xact_commit AS commits,
		d.tup_inserted AS inserted, d.tup_updated AS updated, d.tup_fetched AS fetched, d.blks_hit AS hit
		FROM pg_stat_wal w, pg_stat_database d WHERE d.datname = current_database()`).Scan(&s).Error
	return s, err == nil
}

// pgSince describes, per delivery, what PostgreSQL did since before.
func pgSince(db *store.DB, before pgStats, ok bool, deliveries int64) string {
	now, ok2 := readPGStats(db)
	if !ok || !ok2 || deliveries == 0 {
		return ""
	}
	per := func(a, b int64) float64 { return float64(a-b) / float64(deliveries) }
	return fmt.Sprintf("postgres per delivery: %.1f KB of WAL in %.0f records (%.2f full-page images), %.2f WAL syncs, "+
		"%.1f commits, %.1f rows inserted, %.1f updated, %.0f fetched, %.0f buffer hits",
		per(now.WALBytes, before.WALBytes)/1024, per(now.WALRecords, before.WALRecords), per(now.WALFPI, before.WALFPI),
		per(now.WALSync, before.WALSync), per(now.Commits, before.Commits), per(now.Inserted, before.Inserted),
		per(now.Updated, before.Updated), per(now.Fetched, before.Fetched), per(now.Hit, before.Hit))
}
