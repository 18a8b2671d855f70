// Command payouts measures building a payout batch against the issue's
// target "building a batch for 100,000 creators over 1,000,000 payable
// entries on PostgreSQL in ≤ 10 s with set-based SQL": on a fresh schema it
// builds the app (app.New), creates a brand through its services (payout
// minimum, Stripe key), bulk-loads the creators and the commission ledger
// straight into the tables, and times payout.Service.Create, cancelling the
// batch (which releases its entries) between runs, as a brand would. The baseline, timed in
// the same run, is the least any batch must read: every payable entry
// summed per creator in one GROUP BY. Every batch is checked against a
// netting computed independently from the ledger; the program exits 1 on a
// mismatch or when it could not measure, and reports a missed target in the
// summary. See README.md.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// targetCreate is the target for 100,000 creators over 1,000,000
// entries on PostgreSQL.
const targetCreate = 10 * time.Second

type options struct {
	dialect, dsn      string
	creators, entries int
	runs              int
	explain           bool
	emptyStats        bool
}

func main() {
	var o options
	flag.StringVar(&o.dialect, "db", "sqlite", "database: sqlite or postgres")
	flag.StringVar(&o.dsn, "dsn", cmp.Or(os.Getenv("DATABASE_URL"), os.Getenv("TEST_DATABASE_URL"),
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL URL; a fresh schema is created in it, and dropped at the end")
	flag.IntVar(&o.creators, "creators", 0, "creators to seed (default 100,000 on postgres, 10,000 on sqlite)")
	flag.IntVar(&o.entries, "entries", 0, "commission entries to seed (default 1,000,000 on postgres, 100,000 on sqlite)")
	flag.IntVar(&o.runs, "runs", 3, "batches to build (each but the last cancelled, which releases its entries)")
	flag.BoolVar(&o.explain, "explain", false, "at the end, show the plans of the batch's big statements: candidate read, net, lock\n"+
		"(EXPLAIN ANALYZE on PostgreSQL, rolled back; EXPLAIN QUERY PLAN on SQLite)")
	flag.BoolVar(&o.emptyStats, "emptystats", false, "PostgreSQL: VACUUM ANALYZE the empty payout_entries before the first batch, as\n"+
		"autovacuum leaves it once every batch is cancelled (the candidate read then plans as a nested loop: see README.md)")
	flag.Parse()
	if o.creators == 0 {
		o.creators = map[string]int{"postgres": 100_000}[o.dialect]
		o.creators = cmp.Or(o.creators, 10_000)
	}
	if o.entries == 0 {
		o.entries = 10 * o.creators
	}
	if (o.dialect != "sqlite" && o.dialect != "postgres") || o.creators < 1 || o.entries < 1 || o.runs < 1 {
		flag.Usage()
		os.Exit(2)
	}
	// On a signal the statements stop and the schema is still dropped.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum := &benchdb.Summary{}
	verified, err := run(ctx, o, sum)
	sum.Print(fmt.Sprintf("%s, %s creators, %s entries, %d batches", o.dialect, thousands(o.creators), thousands(o.entries), o.runs))
	if err != nil {
		fmt.Fprintln(os.Stderr, "payouts bench: ERROR:", err)
		os.Exit(1)
	}
	if !verified {
		fmt.Fprintln(os.Stderr, "payouts bench: a batch does not match the independent netting")
		os.Exit(1)
	}
}

// measured is one Create.
type measured struct {
	took, cancel time.Duration
	batch        *payout.Batch
	cpu          benchdb.CPUUse
	stmts        []stmtStat
}

func run(ctx context.Context, o options, sum *benchdb.Summary) (bool, error) {
	fmt.Printf("payouts bench on %s: %d CPUs, GOMAXPROCS %d.\n", o.dialect, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	idle := benchdb.MarkCPU()
	time.Sleep(time.Second)
	fmt.Printf("before starting, over 1 s: %s\n", idle.Since())

	db, _, cleanup, err := benchdb.OpenFresh(ctx, "payouts-bench", o.dialect, o.dsn)
	if err != nil {
		return false, err
	}
	defer cleanup()
	timer := &sqlTimer{explainCand: db.Dialect == store.Postgres}
	if err := db.Use(timer); err != nil {
		return false, err
	}

	start, cpu := time.Now(), benchdb.MarkCPU()
	w, err := setup(ctx, db)
	if err != nil {
		return false, fmt.Errorf("setting up: %w", err)
	}
	defer w.stripe.Close()
	st, err := seed(ctx, db, w, o, store.Now())
	if err != nil {
		return false, fmt.Errorf("seeding: %w", err)
	}
	if db.Dialect == store.Postgres {
		// A bulk load is followed by fresh statistics, as autovacuum would
		// give. payout_entries stays as a new database has it, never
		// vacuumed (see -emptystats for the other case).
		if err := db.WithContext(ctx).Exec("VACUUM ANALYZE commission_entries, creators, creator_accounts").Error; err != nil {
			return false, err
		}
		if o.emptyStats {
			if err := db.WithContext(ctx).Exec("VACUUM ANALYZE payout_entries").Error; err != nil {
				return false, err
			}
			fmt.Println("payout_entries vacuumed and analyzed empty (-emptystats)")
		}
	}
	seedTook, u := time.Since(start), cpu.Since()
	sum.Noise.Note("seeding", u)
	fmt.Printf("\nseeded %s creators (%d paused; %d with a Stripe account ready, %d with one not ready yet, %d with a payout email only,\n"+
		"  %d with no payout method; %d small earners, %d with more reversed than earned) and %s entries (%s payable now;\n"+
		"  %s), %d rows in %s\n  (%s)\n",
		thousands(st.creators), st.paused, st.stripe, st.stripeOff, st.emailOnly, st.noMethod, st.small, st.clawback,
		thousands(st.entries), thousands(st.payable), kinds(st.kinds), st.rows, seedTook.Round(time.Millisecond), u)

	base, err := baseline(ctx, db, w, sum)
	if err != nil {
		return false, err
	}
	var runs []*measured
	ok := true
	for i := range o.runs {
		m, err := create(ctx, db, w, timer, i+1, sum)
		if err != nil {
			return false, err
		}
		runs = append(runs, m)
		good, err := verify(ctx, db, w, m.batch)
		if err != nil {
			return false, fmt.Errorf("verifying batch %d: %w", i+1, err)
		}
		ok = ok && good
		if i < o.runs-1 || o.explain {
			t := time.Now()
			if _, err := w.app.Payouts.Cancel(ctx, actor, w.brand.ID, m.batch.ID); err != nil {
				return false, fmt.Errorf("cancelling batch %d: %w", i+1, err)
			}
			m.cancel = time.Since(t)
			fmt.Printf("  cancelled (entries released) in %s\n", m.cancel.Round(time.Millisecond))
		}
	}
	if o.explain {
		if err := explain(ctx, db, w); err != nil {
			return ok, fmt.Errorf("explain: %w", err)
		}
	}
	report(o, db, base, runs, ok, sum)
	return ok, nil
}

// baselineSQL is the least a batch must read: every payable entry, summed
// per creator.
const baselineSQL = `SELECT creator_id, SUM(amount) AS amount, COUNT(*) AS n FROM commission_entries
	WHERE brand_id = ? AND payable_at <= ? GROUP BY creator_id`

type netRow struct {
	CreatorID string
	Amount    int64
	N         int
}

// baseline times baselineSQL three times (its rows scanned with gorm) and
// returns the best.
func baseline(ctx context.Context, db *store.DB, w *world, sum *benchdb.Summary) (time.Duration, error) {
	fmt.Printf("\n-- baseline: every payable entry summed per creator, one GROUP BY (best of 3) --\n")
	var best time.Duration
	cpu := benchdb.MarkCPU()
	for i := range 3 {
		var rows []netRow
		t := time.Now()
		if err := db.WithContext(ctx).Raw(baselineSQL, w.brand.ID, store.Now()).Scan(&rows).Error; err != nil {
			return 0, err
		}
		took := time.Since(t)
		var total int64
		n := 0
		for _, r := range rows {
			total, n = total+r.Amount, n+r.N
		}
		fmt.Printf("  %d: %s: %s creators, %s entries, net %s\n", i+1, took.Round(time.Millisecond), thousands(len(rows)),
			thousands(n), money(total))
		if i == 0 || took < best {
			best = took
		}
	}
	u := cpu.Since()
	sum.Noise.Note("baseline", u)
	fmt.Printf("  best %s  (%s)\n", best.Round(time.Millisecond), u)
	return best, nil
}

// create times one Create with the cut-off now (nil), as the payouts page
// builds a batch.
func create(ctx context.Context, db *store.DB, w *world, timer *sqlTimer, n int, sum *benchdb.Summary) (*measured, error) {
	fmt.Printf("\n-- batch %d: payout.Service.Create, cut-off now --\n", n)
	timer.reset()
	m := &measured{}
	cpu, start := benchdb.MarkCPU(), time.Now()
	b, err := w.app.Payouts.Create(ctx, actor, w.brand, nil)
	m.took, m.cpu = time.Since(start), cpu.Since()
	if err != nil {
		return nil, fmt.Errorf("Create after %s: %w", m.took.Round(time.Millisecond), err)
	}
	m.batch, m.stmts = b, timer.stats()
	sum.Noise.Note(fmt.Sprintf("batch %d", n), m.cpu)
	fmt.Printf("Create took %s: %s items, %s skipped, total %s\n  (%s)\n", m.took.Round(time.Millisecond), thousands(b.ItemCount),
		thousands(b.SkippedCount), money(b.Total), m.cpu)
	printStmts(m)
	if plan, took, err := timer.candPlan(); err != nil {
		fmt.Printf("  the candidate read's plan: EXPLAIN failed: %v\n", err)
	} else if plan != "" {
		fmt.Printf("  the candidate read's plan, as Create planned it (EXPLAIN in its transaction, %s of its time):\n    %s\n",
			took.Round(time.Millisecond), plan)
		if strings.Contains(plan, "Nested Loop Anti Join") && strings.Contains(plan, "Seq Scan on payout_entries") {
			fmt.Println("  NOTE: a nested loop over a sequential scan of payout_entries: not quadratic (nothing writes the table\n" +
				"  while it is read), but each candidate rescans the whole table, paid history included; the planner picks it\n" +
				"  when the table's statistics call it empty, which freshStats keeps from happening on a large one (see README.md)")
		}
	}
	return m, nil
}

// report adds the summary rows.
func report(o options, db *store.DB, base time.Duration, runs []*measured, ok bool, sum *benchdb.Summary) {
	tooks := make([]time.Duration, len(runs))
	for i, m := range runs {
		tooks[i] = m.took
	}
	slices.Sort(tooks)
	best, median := tooks[0], tooks[len(tooks)/2]
	target := fmt.Sprintf("build a batch for %s creators over %s entries ≤ %s", thousands(o.creators), thousands(o.entries), targetCreate)
	var pass *bool
	if db.Dialect == store.Postgres && o.creators == 100_000 && o.entries == 1_000_000 {
		pass = benchdb.Check(median <= targetCreate)
	} else {
		target += " (info)"
	}
	b := runs[0].batch
	sum.Add(target, fmt.Sprintf("median %.2f s, best %.2f s of %d; %s items, %s skipped", median.Seconds(), best.Seconds(),
		len(runs), thousands(b.ItemCount), thousands(b.SkippedCount)), pass)
	sum.Add("  baseline: payable entries summed per creator (info)", fmt.Sprintf("%.2f s; Create/baseline %.1f× median, %.1f× best",
		base.Seconds(), median.Seconds()/base.Seconds(), best.Seconds()/base.Seconds()), nil)
	// Where the median run's time went, the slowest statements first.
	var mid *measured
	for _, m := range runs {
		if m.took == median {
			mid = m
		}
	}
	var top []string
	for _, s := range mid.stmts[:min(3, len(mid.stmts))] {
		top = append(top, fmt.Sprintf("%s %.2f s", shortKind(s.kind), s.took.Seconds()))
	}
	sum.Add("  slowest statements of the median batch (info)", strings.Join(top, ", "), nil)
	sum.Add("every batch equals an independent netting of the ledger", fmt.Sprintf("%d batches checked", len(runs)), benchdb.Check(ok))
}

// kinds writes the entry kinds by count.
func kinds(m map[string]int) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return m[ks[i]] > m[ks[j]] })
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s %s", thousands(m[k]), k))
	}
	return strings.Join(parts, ", ")
}

// money writes minor units as dollars.
func money(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s$%s.%02d", sign, thousands(int(minor/100)), minor%100)
}

// thousands writes n with thousands separators: 100000 → "100,000".
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// sqlTimer is a gorm plugin that times the statements the app runs by kind
// (verb, table and what it does), with the rows they read or wrote and the
// time from sending to the last row. BEGIN and COMMIT are not statements to
// gorm's callbacks: the commit is the part of Create's time they leave out.
type sqlTimer struct {
	mu        sync.Mutex
	kinds     map[string]*stmtStat
	pending   string // a statement whose rows are still being read
	pendingAt time.Time
	// explainCand: before the candidate read, EXPLAIN it (not run) in the
	// same transaction, after Create's stats check, so plan is the plan
	// Create got.
	explainCand bool
	plan        string
	planTook    time.Duration
	planErr     error
}

type stmtStat struct {
	kind string
	n    int64
	rows int64
	took time.Duration
}

func (*sqlTimer) Name() string { return "bench:sqltimer" }

func (c *sqlTimer) Initialize(db *gorm.DB) error {
	start := func(tx *gorm.DB) {
		c.settle()
		c.explain(tx)
		tx.InstanceSet("bench:start", time.Now())
	}
	return benchdb.StatementHooks(db, start, c.count, c.open)
}

func (c *sqlTimer) count(tx *gorm.DB) {
	var took time.Duration
	if v, ok := tx.InstanceGet("bench:start"); ok {
		took = time.Since(v.(time.Time))
	}
	sql, rows := tx.Statement.SQL.String(), tx.Statement.RowsAffected
	if tx.Dialector.Name() == "sqlite" && !strings.HasPrefix(sql, "INSERT") && !strings.HasPrefix(sql, "UPDATE") &&
		!strings.HasPrefix(sql, "DELETE") {
		rows = 0 // SQLite counts no rows for CREATE … AS or DROP: gorm reports the last change count
	}
	c.add(kindOf(tx.Statement.Table, sql), rows, took)
}

// open notes a statement whose rows are read after its callback returns
// (Raw(…).Scan, Rows): it is timed until the next statement starts or the
// times are read, so its time includes scanning the rows and what Go does
// with them before the next statement.
func (c *sqlTimer) open(tx *gorm.DB) {
	v, ok := tx.InstanceGet("bench:start")
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending, c.pendingAt = kindOf(tx.Statement.Table, tx.Statement.SQL.String())+" ‡", v.(time.Time)
}

// settle ends the open statement, if any.
func (c *sqlTimer) settle() {
	c.mu.Lock()
	k, at := c.pending, c.pendingAt
	c.pending = ""
	c.mu.Unlock()
	if k != "" {
		c.add(k, 0, time.Since(at))
	}
}

// candRead marks Create's candidate read (CREATE TEMPORARY TABLE payout_cand
// … AS SELECT … NOT EXISTS payout_entries).
const candRead = "TEMPORARY TABLE payout_cand "

// explain notes the plan of the candidate read, when tx is that statement.
func (c *sqlTimer) explain(tx *gorm.DB) {
	sql := tx.Statement.SQL.String()
	if !c.explainCand || !strings.HasPrefix(sql, "CREATE "+candRead) {
		return
	}
	t := time.Now()
	plan, err := func() (string, error) {
		rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, "EXPLAIN "+sql, tx.Statement.Vars...)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				return "", err
			}
			l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "->"))
			if name, _, ok := strings.Cut(l, "  (cost="); ok {
				lines = append(lines, strings.TrimSpace(name))
			}
		}
		return strings.Join(lines, " → "), rows.Err()
	}()
	c.mu.Lock()
	c.plan, c.planTook, c.planErr = plan, time.Since(t), err
	c.mu.Unlock()
}

// candPlan is the candidate read's plan since the last reset, its nodes on
// one line ("" when it was not explained), and how long EXPLAIN took.
func (c *sqlTimer) candPlan() (string, time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.plan, c.planTook, c.planErr
}

func (c *sqlTimer) add(k string, rows int64, took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kinds == nil {
		c.kinds = map[string]*stmtStat{}
	}
	s := c.kinds[k]
	if s == nil {
		s = &stmtStat{kind: k}
		c.kinds[k] = s
	}
	s.n++
	s.rows += max(rows, 0)
	s.took += took
}

// hints tell apart the statements of Create (internal/payout/batch.go).
var hints = []struct{ in, name string }{
	{"pg_advisory_xact_lock", "advisory lock"},
	{"pg_stat_user_tables", "stats check"},
	{"ANALYZE payout_entries", "stats check: stale, analysed"},
	{"ANALYZE payout_cand", "temp tables' stats"},
	{candRead, "read candidates (temp table)"},
	{"TEMPORARY TABLE payout_net ", "net per creator (temp table)"},
	{"INSERT INTO payout_items", "items (INSERT … SELECT)"},
	{"INSERT INTO payout_skips", "skips (INSERT … SELECT)"},
	{"INSERT INTO payout_entries", "lock the included creators' entries"},
	{"COUNT(*) AS n, COALESCE(SUM(amount), 0) AS total FROM payout_items", "items' count and total"},
	{"reason, COUNT(*) AS n FROM payout_skips", "skips per reason"},
}

func kindOf(table, sql string) string {
	sql = strings.Join(strings.Fields(sql), " ")
	verb, rest, _ := strings.Cut(sql, " ")
	verb = strings.ToUpper(verb)
	switch {
	case table != "":
	case verb == "CREATE" || verb == "DROP":
		_, table, _ = strings.Cut(rest, "TABLE ")
		table = strings.TrimPrefix(table, "IF EXISTS ")
		table, _, _ = strings.Cut(table, " ")
	case verb == "ANALYZE":
		table = rest
	default:
		for _, kw := range []string{"INTO ", "FROM ", "UPDATE "} {
			if _, after, ok := strings.Cut(sql, kw); ok {
				table, _, _ = strings.Cut(after, " ")
				table = strings.Trim(table, "\"`")
				break
			}
		}
	}
	k := strings.TrimSpace(verb + " " + table)
	for _, h := range hints {
		if strings.Contains(sql, h.in) {
			return k + ": " + h.name
		}
	}
	return k
}

// shortKind is a kind without its table, for the summary.
func shortKind(k string) string {
	k = strings.TrimSuffix(k, " ‡")
	if _, h, ok := strings.Cut(k, ": "); ok {
		return h
	}
	return k
}

func (c *sqlTimer) reset() {
	c.mu.Lock()
	c.kinds, c.pending = nil, ""
	c.plan, c.planTook, c.planErr = "", 0, nil
	c.mu.Unlock()
}

// stats are the times so far, the most first.
func (c *sqlTimer) stats() []stmtStat {
	c.settle()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []stmtStat
	for _, s := range c.kinds {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].took > out[j].took })
	return out
}

// printStmts prints what Create sent, the slowest first.
func printStmts(m *measured) {
	var all time.Duration
	var n int64
	for _, s := range m.stmts {
		all, n = all+s.took, n+s.n
	}
	fmt.Printf("  statements sent (%d; %s waiting for them; the rest of Create's time, %s, is BEGIN, COMMIT, Go\n"+
		"  and on PostgreSQL the bench's EXPLAIN of the candidate read (below);\n"+
		"  ‡: rows read after gorm's callback, timed to the next statement, so with scanning them and Go's work on them):\n",
		n, all.Round(time.Millisecond), (m.took - all).Round(time.Millisecond))
	fmt.Printf("    %-66s %6s %9s %9s\n", "statement (rows: - when gorm does not count them)", "count", "rows", "time")
	for _, s := range m.stmts {
		rows := "-"
		if s.rows > 0 {
			rows = fmt.Sprint(s.rows)
		}
		fmt.Printf("    %-66s %6d %9s %8.3fs\n", s.kind, s.n, rows, s.took.Seconds())
	}
}
