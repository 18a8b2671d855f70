package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

func TestMigrateIsIdempotentAndRefusesNewerSchema(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v, want nothing", applied)
		}
		current, known, err := db.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if current != known || known < 1 {
			t.Fatalf("versions = %d/%d, want equal and >= 1", current, known)
		}
		// A newer Clout recorded a migration this build does not have.
		if err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", known+1, true).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("migrate on a newer schema: err = %v, want ErrSchemaTooNew", err)
		}
	})
}

func TestFreshDatabaseMigrates(t *testing.T) {
	db, err := store.Open(context.Background(), store.Options{SQLitePath: filepath.Join(t.TempDir(), "x", "c.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := db.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 {
		t.Fatal("nothing applied on a fresh database")
	}
}

func TestErrMapsUniqueViolation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		now := store.Now()
		ins := func() error {
			return db.Exec("INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
				store.NewID("usr"), "a@example.com", "x", now, now).Error
		}
		if err := ins(); err != nil {
			t.Fatal(err)
		}
		if err := store.Err(ins()); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate email: err = %v, want ErrConflict", err)
		}
	})
}

func TestNewIDIsRandom(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := store.NewID("br")
		if len(id) != 25 || id[:3] != "br_" {
			t.Fatalf("id %q has the wrong shape", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
}

// Every connection plans prepared statements with their parameters: a
// generic plan made on an empty table must not outlive the table's growth.
func TestPostgresPlansWithParameters(t *testing.T) {
	db := testutil.Postgres(t)
	for i := 0; i < 3; i++ { // several pooled connections, each set up alike
		var mode string
		if err := db.Raw("SHOW plan_cache_mode").Scan(&mode).Error; err != nil {
			t.Fatal(err)
		}
		if mode != "force_custom_plan" {
			t.Fatalf("plan_cache_mode = %q, want force_custom_plan", mode)
		}
	}
}

func TestNewTimeIDOrdersByTimeAndStaysRandom(t *testing.T) {
	a := store.NewTimeID("clk")
	time.Sleep(2 * time.Millisecond)
	b := store.NewTimeID("clk")
	if len(a) != len("clk_")+22 || !strings.HasPrefix(a, "clk_") {
		t.Fatalf("id %q", a)
	}
	if a[4:13] >= b[4:13] {
		t.Errorf("time parts %q then %q do not grow", a[4:13], b[4:13])
	}
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := store.NewTimeID("clk")
		if seen[id[13:]] {
			t.Fatalf("random part repeated: %s", id)
		}
		seen[id[13:]] = true
	}
}
