package click

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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
	// FlushEvery is the longest a batch stays open: its clicks are
	// committed at most this long (plus a Step) after the first of them was
	// answered. Larger batches cost the database less per click (a link's
	// daily rollup row is updated once per batch, however many of its
	// clicks the batch holds); the issue asks for a flush at least every
	// second and every click stored within 2 s.
	FlushEvery = 500 * time.Millisecond
	// Step is how often, while a batch is open, the writer takes the clicks
	// queued since its last look, classifies and counts them and, on
	// PostgreSQL, streams them into the batch's COPY. A batch's work is
	// spread over its window: done in one go at its end, it held a
	// processor (and the database's) for tens of milliseconds at a time,
	// and the redirects answered meanwhile waited.
	Step = 20 * time.Millisecond
	// MaxBatch clicks close a batch before FlushEvery; a queue that reaches
	// it wakes the writer before its next step.
	MaxBatch = 20_000
)

// Writer takes clicks from the redirect without blocking it and writes them
// in batches: COPY on PostgreSQL, multi-row INSERTs in one transaction on
// SQLite. A full queue drops the click (the redirect still happens), counts
// it and logs it.
//
// The queue is a slice behind a mutex that the writer swaps for an empty
// one every Step while a batch is open: a redirect appends under the lock
// and signals only the first click after a swap (which opens a batch when
// none is open) and the MaxBatch-th, never every click.
type Writer struct {
	db  *store.DB
	log *slog.Logger

	mu     sync.Mutex
	queue  []Event       // guarded by mu
	closed bool          // guarded by mu: Drain has begun, nothing more is taken
	size   int           // the queue's bound
	wake   chan struct{} // a click in an empty queue
	full   chan struct{} // MaxBatch clicks queued

	// Used by the writer's goroutines only, one at a time.
	spare  []Event // the previous queue, emptied
	batch  []Event // the open batch's backing array, reused
	timer  *time.Timer
	hasher *Hasher
	dedupe *Deduper
	agents *uaCache
	refs   *refCache

	open    atomic.Int64 // clicks in the open batch, not yet committed
	written atomic.Int64
	dropped atomic.Int64
	lastLog atomic.Int64 // unix seconds of the last drop warning

	rollup atomic.Pointer[Rollup]

	// streaming is called, in tests, with the PostgreSQL backend's process
	// id when a batch's COPY has begun.
	streaming func(pid uint32)

	closeOnce sync.Once
	closing   chan struct{}
	done      chan struct{}
}

// Stmt is one SQL statement with '?' placeholders.
type Stmt struct {
	SQL  string
	Args []any
}

// A Tally counts a batch's clicks as the writer classifies them and, when
// the batch is written, turns the counts into statements run in the same
// transaction as its insert (internal/report keeps its daily click counts
// this way): the counts move with the clicks or not at all, and a retried
// batch is not counted twice. It runs on the writer's goroutines, never on
// a redirect's.
type Tally interface {
	Add(ctx context.Context, e *Event) error
	Stmts() []Stmt
}

// Rollup starts the Tally of a new batch.
type Rollup func() Tally

// SetRollup installs fn (nil removes it). A batch already open keeps the
// tally it began with.
func (w *Writer) SetRollup(fn Rollup) {
	if fn == nil {
		w.rollup.Store(nil)
		return
	}
	w.rollup.Store(&fn)
}

func (w *Writer) newTally() Tally {
	if fn := w.rollup.Load(); fn != nil {
		return (*fn)()
	}
	return nil
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
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	return &Writer{db: db, log: log, size: size, queue: make([]Event, 0, min(size, 4096)),
		wake: make(chan struct{}, 1), full: make(chan struct{}, 1), timer: timer,
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
	n := len(w.queue)
	w.mu.Unlock()
	switch n {
	case 1:
		signal(w.wake)
	case MaxBatch:
		signal(w.full)
	}
	return true
}

// signal wakes whoever waits on c, if anyone, without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
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

// Pending is the number of clicks answered and not yet written: those
// queued and those of the open batch.
func (w *Writer) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue) + int(w.open.Load())
}

// take swaps the queue, when it holds clicks, for the spare (emptied) slice
// and returns what was queued; add gives the slice back as the next spare.
// The spare is never the queue: a redirect appending to it would overwrite
// the clicks being taken.
func (w *Writer) take() []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queue
	if len(q) == 0 {
		return nil
	}
	w.queue, w.spare = w.spare[:0], nil
	return q
}

// window is an open batch: the clicks taken so far, classified and counted
// by its tally.
type window struct {
	ctx      context.Context
	batch    []Event
	tally    Tally // nil without a rollup
	err      error // the tally's: it is begun afresh when the batch is written again
	deadline time.Time
	last     bool // closed: nothing more is added
}

// begin waits for clicks and opens a batch with them. It returns nil when
// the writer is closed and every click it took is written.
func (w *Writer) begin(ctx context.Context) *window {
	closed := false
	for {
		select {
		case <-w.closing:
			// Nothing is taken after closed was set: everything answered
			// before the close is in the queue.
			closed = true
		default:
		}
		if q := w.take(); len(q) > 0 {
			win := &window{ctx: ctx, batch: w.batch[:0], tally: w.newTally(), deadline: time.Now().Add(FlushEvery), last: closed}
			w.add(win, q)
			return win
		}
		if closed {
			return nil
		}
		select {
		case <-w.wake:
		case <-w.full:
		case <-w.closing:
		}
	}
}

// step waits for the open batch's next step (Step, or sooner when the
// queue fills or the writer closes) and adds what was queued meanwhile. It
// reports false, adding nothing, once the batch is closed: at its deadline,
// at MaxBatch clicks, or when the writer closes.
func (w *Writer) step(win *window) bool {
	if win.last {
		return false
	}
	w.timer.Reset(min(Step, time.Until(win.deadline)))
	select {
	case <-w.timer.C:
	case <-w.full:
	case <-w.closing:
		win.last = true
	}
	w.timer.Stop()
	w.add(win, w.take())
	if len(win.batch) >= MaxBatch || !time.Now().Before(win.deadline) {
		win.last = true
	}
	return true
}

// add classifies q's clicks into the batch, counts them in its tally and
// keeps q as the next spare.
func (w *Writer) add(win *window, q []Event) {
	from := len(win.batch)
	win.batch = append(win.batch, q...)
	if q != nil {
		clear(q) // drop the strings' references until the slice is reused
		w.spare = q[:0]
	}
	for i := from; i < len(win.batch); i++ {
		e := &win.batch[i]
		w.classify(e)
		if win.tally != nil && win.err == nil {
			win.err = win.tally.Add(win.ctx, e)
		}
		yield(i - from)
	}
	w.open.Store(int64(len(win.batch)))
}

func (w *Writer) run() {
	defer close(w.done)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), FlushEvery+30*time.Second)
		win := w.begin(ctx)
		if win == nil {
			cancel()
			return
		}
		if w.db.Dialect == store.Postgres {
			err := w.stream(win)
			if err == nil {
				w.finish(win)
				cancel()
				continue
			}
			// Whatever was taken is in the batch: write it afresh.
			w.log.Error("streaming clicks failed; writing the batch again", "clicks", len(win.batch), "err", err)
			win.last = true
		}
		for w.step(win) {
		}
		cancel()
		w.flush(win)
	}
}

// finish counts a written batch and keeps its array for the next.
func (w *Writer) finish(win *window) {
	w.written.Add(int64(len(win.batch)))
	w.open.Store(0)
	clear(win.batch)
	w.batch = win.batch[:0]
}

// flush writes a closed batch, retrying until it succeeds: clicks that were
// answered are never thrown away. New clicks wait in the queue meanwhile.
func (w *Writer) flush(win *window) {
	backoff := 50 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.writeBatch(ctx, win)
		cancel()
		if err == nil {
			w.finish(win)
			return
		}
		w.log.Error("writing clicks failed; retrying", "clicks", len(win.batch), "err", err, "in", backoff)
		time.Sleep(backoff)
		if backoff < 5*time.Second {
			backoff *= 2
		}
	}
}

// stmts are the batch's rollup statements, its tally counted afresh when
// counting failed the first time.
func (w *Writer) stmts(ctx context.Context, win *window) ([]Stmt, error) {
	if win.err != nil {
		win.tally, win.err = w.newTally(), nil
		for i := range win.batch {
			if win.err = win.tally.Add(ctx, &win.batch[i]); win.err != nil {
				return nil, win.err
			}
			yield(i)
		}
	}
	return win.stmts()
}

// stmts are the tally's statements, or its error.
func (win *window) stmts() ([]Stmt, error) {
	if win.err != nil || win.tally == nil {
		return nil, win.err
	}
	return win.tally.Stmts(), nil
}

var columns = []string{"id", "clicked_at", "brand_id", "creator_id", "link_id", "visitor_hash", "referrer_host", "device",
	"country", "is_bot", "is_unique"}

func (w *Writer) writeBatch(ctx context.Context, win *window) error {
	stmts, err := w.stmts(ctx, win)
	if err != nil {
		return err
	}
	if w.db.Dialect == store.Postgres {
		return w.copy(ctx, win.batch, stmts)
	}
	return w.insert(ctx, win.batch, stmts)
}

// sqliteRows is how many rows one prepared INSERT carries on SQLite: enough
// to save statement overhead, few enough that binding stays cheap.
const sqliteRows = 16

// insert writes a batch on SQLite in one transaction, with a prepared
// multi-row INSERT reused across the batch.
func (w *Writer) insert(ctx context.Context, batch []Event, stmts []Stmt) error {
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

// pgx runs fn on a connection of the pool as pgx's own.
func (w *Writer) pgx(ctx context.Context, fn func(*pgx.Conn) error) error {
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
		return fn(sc.Conn())
	})
}

// copyTx copies rows (PostgreSQL's binary COPY format) into clicks and
// runs stmts in one transaction.
func copyTx(ctx context.Context, c *pgx.Conn, rows *copyRows, want func() int, stmts func() ([]Stmt, error)) error {
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	tag, err := c.PgConn().CopyFrom(ctx, rows, copySQL)
	// A failed CopyFrom may return while its goroutine is still reading
	// rows (and, streaming, taking clicks into the batch): wait for it.
	rows.stop()
	if err != nil {
		return err
	}
	if n := tag.RowsAffected(); n != int64(want()) {
		return fmt.Errorf("click writer: copied %d of %d rows", n, want())
	}
	sts, err := stmts()
	if err != nil {
		return err
	}
	for _, st := range sts {
		if _, err := tx.Exec(ctx, dollars(st.SQL), st.Args...); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// copy writes a batch with PostgreSQL's COPY protocol.
func (w *Writer) copy(ctx context.Context, batch []Event, stmts []Stmt) error {
	return w.pgx(ctx, func(c *pgx.Conn) error {
		rows := &copyRows{events: func() []Event { return batch }}
		return copyTx(ctx, c, rows, func() int { return len(batch) }, func() ([]Stmt, error) { return stmts, nil })
	})
}

// stream writes the open batch as it fills: its COPY begins with the
// clicks that opened it and takes each step's clicks as they come, so the
// database inserts them while the window is open; the rollup statements
// and the commit follow its close.
func (w *Writer) stream(win *window) error {
	return w.pgx(win.ctx, func(c *pgx.Conn) error {
		if w.streaming != nil {
			w.streaming(c.PgConn().PID())
		}
		rows := &copyRows{events: func() []Event { return win.batch }, more: func() bool { return w.step(win) }}
		return copyTx(win.ctx, c, rows, func() int { return len(win.batch) }, win.stmts)
	})
}

var copySQL = "COPY clicks (" + strings.Join(columns, ", ") + ") FROM STDIN (FORMAT binary)"

// copyRows reads events() as PostgreSQL's binary COPY data, in columns'
// order. When it has encoded every event, it calls more (if set) for the
// next ones, until more reports there will be none: COPY streams an open
// batch while its clicks come.
type copyRows struct {
	mu      sync.Mutex // held by Read: stop waits for a Read under way
	stopped bool
	events  func() []Event
	more    func() bool
	next    int    // the first event not yet encoded
	buf     []byte // encoded, from off on not yet read
	off     int
	started bool
	ended   bool
}

// pgEpoch is where PostgreSQL's binary timestamps count from, in
// microseconds.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

func (r *copyRows) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return 0, errCopyStopped
	}
	for r.off == len(r.buf) {
		if r.ended {
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

var errCopyStopped = errors.New("click writer: COPY ended")

// stop ends reading: it waits for a Read under way and fails any after it,
// so that no click is taken into a batch once its COPY has returned.
func (r *copyRows) stop() {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
}

// fill encodes the next events: the header first, the trailer once the
// events end.
func (r *copyRows) fill() {
	b := r.buf[:0]
	r.off = 0
	if !r.started {
		r.started = true
		b = append(b, "PGCOPY\n\xff\r\n\x00"...)
		b = binary.BigEndian.AppendUint32(b, 0) // flags
		b = binary.BigEndian.AppendUint32(b, 0) // header extension
	}
	evs := r.events()
	if r.next == len(evs) && (r.more == nil || !r.more()) {
		r.ended = true
		r.buf = binary.BigEndian.AppendUint16(b, 0xffff)
		return
	}
	evs = r.events() // more may have added some
	for i := r.next; i < len(evs); i++ {
		b = appendRow(b, &evs[i])
		yield(i)
	}
	r.next = len(evs)
	r.buf = b
}

// appendRow appends e as one binary COPY row.
func appendRow(b []byte, e *Event) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(columns)))
	b = appendText(b, e.ID)
	b = binary.BigEndian.AppendUint32(b, 8)
	b = binary.BigEndian.AppendUint64(b, uint64(e.ClickedAt.UnixMicro()-pgEpoch))
	for _, s := range [...]string{e.BrandID, e.CreatorID, e.LinkID, e.VisitorHash, e.ReferrerHost, e.Device, e.Country} {
		b = appendText(b, s)
	}
	return appendBool(appendBool(b, e.IsBot), e.IsUnique)
}

func appendText(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	b = binary.BigEndian.AppendUint32(b, 1)
	if v {
		return append(b, 1)
	}
	return append(b, 0)
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
