package click

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"runtime"
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
	// FlushEvery is the longest a queued click waits before its batch is
	// written. Larger batches cost the database less per click (a link's
	// daily rollup row is updated once per batch, however many of its
	// clicks the batch holds); the issue asks for a flush at least every
	// second and every click stored within 2 s.
	FlushEvery = 500 * time.Millisecond
	// MaxBatch clicks are written in one transaction; a queue that reaches
	// it wakes the writer before FlushEvery.
	MaxBatch = 20_000
)

// Writer takes clicks from the redirect without blocking it and writes them
// in batches: COPY on PostgreSQL, multi-row INSERTs in one transaction on
// SQLite. A full queue drops the click (the redirect still happens), counts
// it and logs it.
//
// The queue is a slice behind a mutex that the writer swaps for an empty
// one when it wakes (every FlushEvery, or when MaxBatch clicks are
// waiting): a redirect appends under the lock and never wakes the writer's
// goroutine itself, which a channel send per click would.
type Writer struct {
	db  *store.DB
	log *slog.Logger

	mu     sync.Mutex
	queue  []Event // guarded by mu
	closed bool    // guarded by mu: Drain has begun, nothing more is taken
	size   int     // the queue's bound
	kick   chan struct{}
	spare  []Event // the writer's own: the previous queue, emptied

	// Used by the run goroutine only.
	hasher *Hasher
	dedupe *Deduper
	agents *uaCache
	refs   *refCache

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
	return &Writer{db: db, log: log, size: size, queue: make([]Event, 0, min(size, 4096)), kick: make(chan struct{}, 1),
		closing: make(chan struct{}), done: make(chan struct{}),
		hasher: NewHasher(master), dedupe: NewDeduper(), agents: newUACache(50_000), refs: newRefCache(10_000)}
}

// classify fills the stored fields the redirect left to the writer: the
// visitor hash, referrer host, device, is_bot and is_unique. Clicks arrive
// in the order they were answered, so uniqueness follows that order.
func (w *Writer) classify(e *Event) {
	if e.VisitorHash == "" {
		e.VisitorHash = w.hasher.Visitor(e.ClickedAt, e.IP, e.UserAgent)
	}
	if e.ReferrerHost == "" {
		e.ReferrerHost = w.refs.host(e.Referer)
	}
	ua := w.agents.info(e.Head, e.Purpose, e.UserAgent)
	if e.Device == "" {
		e.Device = ua.device
	}
	e.IP, e.Referer, e.UserAgent, e.Purpose = "", "", "", ""
	if ua.why != "" {
		e.IsBot, e.IsUnique = true, false
		return
	}
	e.IsBot = false
	e.IsUnique = w.dedupe.Unique(e.VisitorHash, e.LinkID, e.ClickedAt)
}

// Record queues a click and never blocks. It reports false when the click
// was dropped because the queue is full or the writer is closed.
func (w *Writer) Record(e Event) bool {
	w.mu.Lock()
	if w.closed || len(w.queue) >= w.size {
		w.mu.Unlock()
		w.drop()
		return false
	}
	w.queue = append(w.queue, e)
	full := len(w.queue) == MaxBatch
	w.mu.Unlock()
	if full {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return true
}

func (w *Writer) drop() {
	n := w.dropped.Add(1)
	now := time.Now().Unix()
	if last := w.lastLog.Load(); now > last && w.lastLog.CompareAndSwap(last, now) {
		w.log.Warn("click queue full: clicks dropped (redirects still answered)", "dropped_total", n, "queue_size", w.size)
	}
}

// Written and Dropped count clicks since start.
func (w *Writer) Written() int64 { return w.written.Load() }
func (w *Writer) Dropped() int64 { return w.dropped.Load() }

// Pending is the number of clicks waiting in the queue (not those of the
// batch being written).
func (w *Writer) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

// take swaps the queue for the spare (emptied) slice and returns what was
// queued.
func (w *Writer) take() []Event {
	w.mu.Lock()
	q := w.queue
	w.queue = w.spare[:0]
	w.mu.Unlock()
	return q
}

// writeQueued classifies and writes everything queued, MaxBatch clicks a
// transaction, and keeps the slice as the next spare.
func (w *Writer) writeQueued() {
	q := w.take()
	for i := range q {
		w.classify(&q[i])
		yield(i)
	}
	for b := q; len(b) > 0; {
		n := min(MaxBatch, len(b))
		w.flush(b[:n])
		b = b[n:]
	}
	clear(q) // drop the strings' references until the slice is reused
	w.spare = q[:0]
}

func (w *Writer) run() {
	defer close(w.done)
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-w.kick:
		case <-tick.C:
		case <-w.closing:
			// Nothing is taken after closed was set: everything answered
			// before the close is in the queue. Write it all.
			w.writeQueued()
			return
		}
		w.writeQueued()
	}
}

// flush writes a batch, retrying until it succeeds: clicks that were
// answered are never thrown away. New clicks wait in the queue meanwhile.
func (w *Writer) flush(batch []Event) {
	backoff := 50 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.write(ctx, batch)
		cancel()
		if err == nil {
			w.written.Add(int64(len(batch)))
			return
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
		if len(stmts) == 0 {
			n, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{"clicks"}, columns, newEventRows(batch))
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
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"clicks"}, columns, newEventRows(batch))
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

// yieldEvery is how many clicks the writer handles between yields of its
// processor.
const yieldEvery = 256

// yield lets the redirects' goroutines run every yieldEvery clicks: the
// writer handles a batch of thousands of clicks in one go, and Go would let
// it hold a processor for up to 10 ms before preempting it, the redirects
// queued behind it waiting that long.
func yield(i int) {
	if i%yieldEvery == yieldEvery-1 {
		runtime.Gosched()
	}
}

// eventRows is a batch as COPY rows (pgx.CopyFromSource), in columns'
// order. pgx encodes a row before asking for the next, so one values
// slice serves the whole batch.
type eventRows struct {
	batch  []Event
	i      int
	values []any
}

func newEventRows(batch []Event) *eventRows {
	return &eventRows{batch: batch, i: -1, values: make([]any, len(columns))}
}

func (r *eventRows) Next() bool {
	r.i++
	yield(r.i)
	return r.i < len(r.batch)
}

func (r *eventRows) Values() ([]any, error) {
	e := &r.batch[r.i]
	v := r.values
	v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10] = e.ID, e.ClickedAt, e.BrandID, e.CreatorID, e.LinkID,
		e.VisitorHash, e.ReferrerHost, e.Device, e.Country, e.IsBot, e.IsUnique
	return v, nil
}

func (r *eventRows) Err() error { return nil }

// Drain stops taking clicks, writes every queued one and returns when done
// (or when ctx ends, reporting how many were still queued).
func (w *Writer) Drain(ctx context.Context) error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.closing)
	})
	select {
	case <-w.done:
		w.log.Info("click writer drained", "written", w.Written(), "dropped", w.Dropped())
		return nil
	case <-ctx.Done():
		return fmt.Errorf("click writer: %d clicks not yet written at shutdown deadline: %w", w.Pending(), ctx.Err())
	}
}
