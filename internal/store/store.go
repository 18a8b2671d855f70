// Package store opens Clout's database (PostgreSQL, or an embedded SQLite
// file), applies migrations, runs transactions and maps driver errors to the
// sentinel errors domain packages use.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Dialect names the database in use.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

var (
	// ErrNotFound: no such row, or not this tenant's.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint refused the write.
	ErrConflict = errors.New("conflict")
)

// DB is an open database.
type DB struct {
	*gorm.DB
	Dialect Dialect
	sql     *sql.DB
}

// Options selects and tunes the database.
type Options struct {
	// DatabaseURL selects PostgreSQL; empty selects SQLite at SQLitePath.
	DatabaseURL string
	SQLitePath  string
	Logger      *slog.Logger
}

// Open connects to the database and checks that it answers.
func Open(ctx context.Context, o Options) (*DB, error) {
	cfg := &gorm.Config{
		NowFunc:                func() time.Time { return Now() },
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
	}
	if o.Logger != nil {
		cfg.Logger = newGormLogger(o.Logger)
	}
	var (
		g       *gorm.DB
		err     error
		dialect Dialect
	)
	if o.DatabaseURL != "" {
		dialect = Postgres
		g, err = gorm.Open(postgres.Open(customPlans(o.DatabaseURL)), cfg)
	} else {
		dialect = SQLite
		if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o700); err != nil {
			return nil, fmt.Errorf("store: creating data directory: %w", err)
		}
		// WAL lets the CLI write while the server runs; immediate transactions
		// and a busy timeout make concurrent writers wait instead of failing.
		dsn := "file:" + o.SQLitePath + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(memory)&_txlock=immediate"
		g, err = gorm.Open(sqlite.Open(dsn), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if dialect == Postgres {
		sqlDB.SetMaxOpenConns(20)
		// As many idle as open: under a burst, closing and reopening
		// connections (a new backend process each) costs more than keeping them.
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		sqlDB.SetMaxOpenConns(8)
	}
	db := &DB{DB: g, Dialect: dialect, sql: sqlDB}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: %s does not answer: %w", dialect, err)
	}
	return db, nil
}

// customPlans asks PostgreSQL to plan every execution of a prepared
// statement with its actual parameters (plan_cache_mode), unless the URL
// already says otherwise. pgx prepares and caches statements per connection,
// and a generic plan made while a table was nearly empty (a new brand, a new
// install) can keep scanning a whole brand's orders through the wrong index
// long after the table has grown; planning costs far less than that.
func customPlans(dsn string) string {
	if strings.Contains(dsn, "plan_cache_mode") {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "plan_cache_mode=force_custom_plan"
	}
	return dsn + " plan_cache_mode=force_custom_plan"
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Close closes every connection.
func (db *DB) Close() error { return db.sql.Close() }

// SQL returns the underlying *sql.DB.
func (db *DB) SQL() *sql.DB { return db.sql }

// WithTx runs fn in a transaction, committed when fn returns nil.
func (db *DB) WithTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.DB.WithContext(ctx).Transaction(fn)
}

// ForUpdate locks the rows tx reads until it ends, on PostgreSQL. SQLite
// transactions here are IMMEDIATE (one writer at a time), which serializes
// them already.
func (db *DB) ForUpdate(tx *gorm.DB) *gorm.DB {
	if db.Dialect == Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// LockKey serialises transactions about one key (an order, say) until tx
// ends: a transaction-scoped advisory lock on PostgreSQL. SQLite needs none,
// since its write transactions already run one at a time.
func (db *DB) LockKey(tx *gorm.DB, key string) error {
	if db.Dialect != Postgres {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key).Error
}

// DistinctSet returns the distinct values of column in model's table where
// brand_id is brandID, as a set.
func (db *DB) DistinctSet(ctx context.Context, model any, column, brandID string) (map[string]bool, error) {
	var vals []string
	err := db.WithContext(ctx).Model(model).Distinct(column).Where("brand_id = ?", brandID).Pluck(column, &vals).Error
	out := make(map[string]bool, len(vals))
	for _, v := range vals {
		out[v] = true
	}
	return out, err
}

// Now is the time stamp the database stores: UTC, microsecond precision (what
// PostgreSQL keeps), so that values read back compare equal.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Err maps driver errors to ErrNotFound and ErrConflict, wrapping the original.
func Err(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if IsUniqueViolation(err) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

// IsUniqueViolation reports whether err is a unique-constraint failure.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return errors.Is(err, gorm.ErrDuplicatedKey) || strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// NewID returns a random public id: the prefix, an underscore and 22 base62
// characters (about 131 bits), never a guessable sequence.
func NewID(prefix string) string {
	return prefix + "_" + RandomString(22)
}

// NewTimeID is NewID for rows written at a high rate (clicks): 9 base62
// characters of the current time in microseconds, then 13 random ones (about
// 77 bits). Ids made close in time share a prefix, so a database index on
// them grows at one edge instead of touching a random page per insert; the
// id still cannot be guessed from another.
func NewTimeID(prefix string) string {
	var b strings.Builder // one allocation: the redirect makes one per click
	b.Grow(len(prefix) + 1 + 22)
	b.WriteString(prefix)
	b.WriteByte('_')
	var id [22]byte
	us := uint64(time.Now().UnixMicro())
	for i := 8; i >= 0; i-- {
		id[i] = base62[us%62]
		us /= 62
	}
	randomBase62(id[9:])
	b.Write(id[:])
	return b.String()
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomBase62 fills out with uniformly random base62 characters from
// crypto/rand.
func randomBase62(out []byte) {
	var buf [64]byte
	for n := 0; n < len(out); {
		chunk := buf[:min(len(buf), len(out)-n+(len(out)-n)/2+1)]
		if _, err := rand.Read(chunk); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, b := range chunk {
			if b < 248 { // 248 = 4*62: rejection sampling keeps it uniform
				out[n] = base62[b%62]
				n++
				if n == len(out) {
					break
				}
			}
		}
	}
}

// RandomString returns n uniformly random base62 characters from crypto/rand.
func RandomString(n int) string {
	out := make([]byte, n)
	randomBase62(out)
	return string(out)
}
