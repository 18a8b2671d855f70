package main

import (
	"context"

	"github.com/cloutapp/clout/internal/store"
)

// markNewerSchema records a migration version this build does not know.
func markNewerSchema(path string) error {
	db, err := store.Open(context.Background(), store.Options{SQLitePath: path})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", 99999, true).Error
}
