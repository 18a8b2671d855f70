package benchdb

import (
	"errors"

	"gorm.io/gorm"
)

// StatementHooks registers before and after around every statement gorm
// sends (queries, rows, raw SQL, creates, updates, deletes), for the
// benchmarks' statement timers. afterRow, when not nil, replaces after for
// Row/Rows statements, whose rows are read after gorm's callback returns.
// BEGIN and COMMIT are not statements to gorm's callbacks.
func StatementHooks(db *gorm.DB, before, after, afterRow func(*gorm.DB)) error {
	if afterRow == nil {
		afterRow = after
	}
	cb := db.Callback()
	return errors.Join(
		cb.Query().Before("gorm:query").Register("bench:start", before),
		cb.Query().After("gorm:query").Register("bench:count", after),
		cb.Row().Before("gorm:row").Register("bench:start", before),
		cb.Row().After("gorm:row").Register("bench:count", afterRow),
		cb.Raw().Before("gorm:raw").Register("bench:start", before),
		cb.Raw().After("gorm:raw").Register("bench:count", after),
		cb.Create().Before("gorm:create").Register("bench:start", before),
		cb.Create().After("gorm:create").Register("bench:count", after),
		cb.Update().Before("gorm:update").Register("bench:start", before),
		cb.Update().After("gorm:update").Register("bench:count", after),
		cb.Delete().Before("gorm:delete").Register("bench:start", before),
		cb.Delete().After("gorm:delete").Register("bench:count", after),
	)
}
