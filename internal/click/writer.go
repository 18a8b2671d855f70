package click

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Event is one click, as stored.
type Event struct {
	ID           string `gorm:"primaryKey"`
	ClickedAt    time.Time
	BrandID      string
	CreatorID    string
	LinkID       string
	VisitorHash  string
	ReferrerHost string
	Device       string
	Country      string
	IsBot        bool
	IsUnique     bool

	// Filled by the redirect and used by the writer to classify the click
	// off the request's path; never stored (the IP in particular).
	IP        string `gorm:"-"`
	UserAgent string `gorm:"-"`
	Referer   string `gorm:"-"`
	Head      bool   `gorm:"-"`
	Purpose   string `gorm:"-"`
}

// TableName is clicks.
func (Event) TableName() string { return "clicks" }

// Writer settings.
const (
	DefaultQueueSize = 100_000
	FlushEvery       = 250 * time.Millisecond
	MaxBatch         = 5_000
)

// Writer takes clicks from the redirect without blocking it and writes them
// in batches: COPY on PostgreSQL, multi-row INSERTs in one transaction on
// SQLite. A full queue drops the click (the redirect still happens), counts
// it and logs it.
type Writer struct {
	db    *store.DB
	log   *slog.Logger
	queue chan Event

	// Used by the run goroutine only.
	hasher *Hasher
	dedupe *Deduper
	bots   *botCache

	written atomic.Int64
	dropped atomic.Int64
	lastLog atomic.Int64 // unix seconds of the last drop warning

	rollup atomic.Pointer[Rollup]

	closeOnce sync.Once
	closing   chan struct{}
	done      chan struct{}
}

// Stmt is one SQL statement with '?' placeholders.
type Stmt struct {
	SQL  string
	Args []any
}

// Rollup turns a batch about to be written into statements that run in the
// same transaction as its insert (internal/report keeps its daily click
// counts this way): the counts move with the clicks or not at all, and a
// retried batch is not counted twice. It runs on the writer's goroutine,
// never on the redirect's.
type Rollup func(ctx context.Context, batch []Event) ([]Stmt, error)

// SetRollup installs fn (nil removes it).
func (w *Writer) SetRollup(fn Rollup) {
	if fn == nil {
		w.rollup.Store(nil)
		return
	}
	w.rollup.Store(&fn)
}

func (w *Writer) rollupStmts(ctx context.Context, batch []Event) ([]Stmt, error) {
	fn := w.rollup.Load()
	if fn == nil {
		return nil, nil
	}
	return (*fn)(ctx, batch)
}

// dollars rewrites '?' placeholders as $1, $2, ... for pgx.
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// NewWriter starts a writer with a queue of size events (DefaultQueueSize
// when 0). master keys the daily visitor hashes.
func NewWriter(db *store.DB, log *slog.Logger, master string, size int) *Writer {
	w := newWriter(db, log, master, size)
	go w.run()
	return w
}

func newWriter(db *store.DB, log *slog.Logger, master string, size int) *Writer {
	if size <= 0 {
		size = DefaultQueueSize
	}
	return &Writer{db: db, log: log, queue: make(chan Event, size), closing: make(chan struct{}), done: make(chan struct{}),
		hasher: NewHasher(master), dedupe: NewDeduper(), bots: newBotCache(50_000)}
}

// classify fills the stored fields the redirect left to the writer: the
// visitor hash, is_bot and is_unique. Clicks arrive in the order they were
// answered, so uniqueness follows that order.
func (w *Writer) classify(e *Event) {
	if e.VisitorHash == "" {
		e.VisitorHash = w.hasher.Visitor(e.ClickedAt, e.IP, e.UserAgent)
	}
	if e.ReferrerHost == "" {
		e.ReferrerHost = ReferrerHost(e.Referer)
	}
	if e.Device == "" {
		e.Device = DeviceClass(e.UserAgent)
	}
	e.IP, e.Referer = "", ""
	if w.bots.nonHuman(e.Head, e.Purpose, e.UserAgent) != "" {
		e.IsBot, e.IsUnique = true, false
		return
	}
	e.IsBot = false
	e.IsUnique = w.dedupe.Unique(e.VisitorHash, e.LinkID, e.ClickedAt)
}

// Record queues a click and never blocks. It reports false when the click
// was dropped because the queue is full or the writer is closed.
func (w *Writer) Record(e Event) bool {
	select {
	case <-w.closing:
		w.drop()
		return false
	default:
	}
	select {
	case w.queue <- e:
		return true
	default:
		w.drop()
		return false
	}
}

func (w *Writer) drop() {
	n := w.dropped.Add(1)
	now := time.Now().Unix()
	if last := w.lastLog.Load(); now > last && w.lastLog.CompareAndSwap(last, now) {
		w.log.Warn("click queue full: clicks dropped (redirects still answered)", "dropped_total", n, "queue_size", cap(w.queue))
	}
}

// Written and Dropped count clicks since start.
func (w *Writer) Written() int64 { return w.written.Load() }
func (w *Writer) Dropped() int64 { return w.dropped.Load() }

// Pending is the number of clicks waiting in the queue.
func (w *Writer) Pending() int { return len(w.queue) }

// add classifies a click into the batch, writing the batch when it is full.
func (w *Writer) add(batch []Event, e Event) []Event {
	w.classify(&e)
	batch = append(batch, e)
	if len(batch) >= MaxBatch {
		batch = w.flush(batch)
	}
	return batch
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]Event, 0, MaxBatch)
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	for {
		select {
		case e := <-w.queue:
			batch = w.add(batch, e)
		case <-tick.C:
			batch = w.flush(batch)
		case <-w.closing:
			// Everything answered before the close is in the queue: write it all.
			for {
				select {
				case e := <-w.queue:
					batch = w.add(batch, e)
				default:
					w.flush(batch)
					return
				}
			}
		}
	}
}

// flush writes a batch, retrying until it succeeds: clicks that were
// answered are never thrown away. New clicks wait in the queue meanwhile.
func (w *Writer) flush(batch []Event) []Event {
	if len(batch) == 0 {
		return batch
	}
	backoff := 50 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.write(ctx, batch)
		cancel()
		if err == nil {
			w.written.Add(int64(len(batch)))
			return batch[:0]
		}
		w.log.Error("writing clicks failed; retrying", "clicks", len(batch), "err", err, "in", backoff)
		time.Sleep(backoff)
		if backoff < 5*time.Second {
			backoff *= 2
		}
	}
}

var columns = []string{"id", "clicked_at", "brand_id", "creator_id", "link_id", "visitor_hash", "referrer_host", "device",
	"country", "is_bot", "is_unique"}

func (w *Writer) write(ctx context.Context, batch []Event) error {
	if w.db.Dialect == store.Postgres {
		return w.copy(ctx, batch)
	}
	return w.insert(ctx, batch)
}

// sqliteRows is how many rows one prepared INSERT carries on SQLite: enough
// to save statement overhead, few enough that binding stays cheap.
const sqliteRows = 16

// insert writes a batch on SQLite in one transaction, with a prepared
// multi-row INSERT reused across the batch.
func (w *Writer) insert(ctx context.Context, batch []Event) error {
	stmts, err := w.rollupStmts(ctx, batch)
	if err != nil {
		return err
	}
	tx, err := w.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	one := "(?" + strings.Repeat(", ?", len(columns)-1) + ")"
	prefix := "INSERT INTO clicks (" + strings.Join(columns, ", ") + ") VALUES "
	var stmt *sql.Stmt
	args := make([]any, 0, sqliteRows*len(columns))
	for len(batch) > 0 {
		n := min(sqliteRows, len(batch))
		if stmt == nil || n < sqliteRows {
			if stmt != nil {
				stmt.Close()
			}
			if stmt, err = tx.PrepareContext(ctx, prefix+one+strings.Repeat(", "+one, n-1)); err != nil {
				return err
			}
		}
		args = args[:0]
		for _, e := range batch[:n] {
			args = append(args, e.ID, e.ClickedAt, e.BrandID, e.CreatorID, e.LinkID, e.VisitorHash, e.ReferrerHost,
				e.Device, e.Country, e.IsBot, e.IsUnique)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			stmt.Close()
			return err
		}
		batch = batch[n:]
	}
	if stmt != nil {
		stmt.Close()
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// copy writes with PostgreSQL's COPY protocol through the pool's pgx connection.
func (w *Writer) copy(ctx context.Context, batch []Event) error {
	stmts, err := w.rollupStmts(ctx, batch)
	if err != nil {
		return err
	}
	conn, err := w.db.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("click writer: not a pgx connection (%T)", dc)
		}
		rows := make([][]any, len(batch))
		for i, e := range batch {
			rows[i] = []any{e.ID, e.ClickedAt, e.BrandID, e.CreatorID, e.LinkID, e.VisitorHash, e.ReferrerHost, e.Device,
				e.Country, e.IsBot, e.IsUnique}
		}
		if len(stmts) == 0 {
			n, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{"clicks"}, columns, pgx.CopyFromRows(rows))
			if err == nil && n != int64(len(batch)) {
				err = fmt.Errorf("click writer: copied %d of %d rows", n, len(batch))
			}
			return err
		}
		tx, err := sc.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"clicks"}, columns, pgx.CopyFromRows(rows))
		if err == nil && n != int64(len(batch)) {
			err = fmt.Errorf("click writer: copied %d of %d rows", n, len(batch))
		}
		if err != nil {
			return err
		}
		for _, st := range stmts {
			if _, err := tx.Exec(ctx, dollars(st.SQL), st.Args...); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	})
}

// Drain stops taking clicks, writes every queued one and returns when done
// (or when ctx ends, reporting how many were still queued).
func (w *Writer) Drain(ctx context.Context) error {
	w.closeOnce.Do(func() { close(w.closing) })
	select {
	case <-w.done:
		w.log.Info("click writer drained", "written", w.Written(), "dropped", w.Dropped())
		return nil
	case <-ctx.Done():
		return fmt.Errorf("click writer: %d clicks not yet written at shutdown deadline: %w", len(w.queue), ctx.Err())
	}
}
