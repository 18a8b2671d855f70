package store

import (
	"strings"
	"testing"
)

// SQLite runs a migration without its PostgreSQL-only sections and with
// its types renamed; everything else is kept, in order.
func TestForSQLiteSkipsPostgresOnlySections(t *testing.T) {
	in := `-- +goose Up
CREATE TABLE a (at TIMESTAMPTZ);
-- postgres only {
ALTER TABLE a SET (fillfactor = 70);
-- }
DROP INDEX b;
-- postgres only {
ALTER TABLE c SET (fillfactor = 70);
-- }
-- +goose Down
-- postgres only {
ALTER TABLE a RESET (fillfactor);
-- }
CREATE INDEX b ON a (at);
`
	got := forSQLite(in)
	for _, gone := range []string{"fillfactor", "postgres only", "TIMESTAMPTZ"} {
		if strings.Contains(got, gone) {
			t.Errorf("SQLite's migration still holds %q:\n%s", gone, got)
		}
	}
	want := []string{"-- +goose Up", "CREATE TABLE a (at TIMESTAMP);", "DROP INDEX b;", "-- +goose Down", "CREATE INDEX b ON a (at);"}
	at := 0
	for _, w := range want {
		i := strings.Index(got[at:], w)
		if i < 0 {
			t.Fatalf("SQLite's migration lost %q (or its order):\n%s", w, got)
		}
		at += i + len(w)
	}
}
