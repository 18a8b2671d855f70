package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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

// storedClickIDs reads every click id from the database the environment names.
func storedClickIDs(t *testing.T, env []string) map[string]bool {
	t.Helper()
	o := store.Options{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "DATABASE_URL":
			o.DatabaseURL = v
		case "CLOUT_DATA_DIR":
			o.SQLitePath = filepath.Join(v, "clout.db")
		}
	}
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []string
	if err := db.Raw("SELECT id FROM clicks").Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}
