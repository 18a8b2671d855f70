package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormLogger sends gorm's slow-query and error reports to slog.
type gormLogger struct{ log *slog.Logger }

func newGormLogger(l *slog.Logger) logger.Interface {
	return gormLogger{log: l.With("component", "db")}
}

func (g gormLogger) LogMode(logger.LogLevel) logger.Interface { return g }

// ParamsFilter keeps bound values (emails, tokens, mail bodies) out of the
// SQL that Trace logs: only placeholders are shown.
func (g gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
func (g gormLogger) Info(ctx context.Context, msg string, args ...any) {
	g.log.InfoContext(ctx, fmt.Sprintf(msg, args...))
}
func (g gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	g.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
}
func (g gormLogger) Error(ctx context.Context, msg string, args ...any) {
	g.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
}

// Trace logs failed queries (but not "record not found", an ordinary answer)
// and queries slower than 500ms.
func (g gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !IsUniqueViolation(err) && !errors.Is(err, context.Canceled):
		sql, rows := fc()
		g.log.ErrorContext(ctx, "query failed", "err", err, "elapsed", elapsed, "rows", rows, "sql", sql)
	case elapsed > 500*time.Millisecond:
		sql, rows := fc()
		g.log.WarnContext(ctx, "slow query", "elapsed", elapsed, "rows", rows, "sql", sql)
	}
}
