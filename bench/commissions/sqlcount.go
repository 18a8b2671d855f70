package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
	"gorm.io/gorm"
)

// sqlCounter is a gorm plugin that counts the statements the app runs by
// kind (verb, table and a hint of what it does), with the rows they read or
// wrote and the time from sending to the last row. BEGIN and COMMIT are not
// statements to gorm's callbacks, so they are not counted.
type sqlCounter struct {
	mu    sync.Mutex
	kinds map[string]*stmtStat
}

type stmtStat struct {
	kind string
	n    int64
	rows int64
	took time.Duration
}

func (*sqlCounter) Name() string { return "bench:sqlcounter" }

func (c *sqlCounter) Initialize(db *gorm.DB) error {
	start := func(tx *gorm.DB) { tx.InstanceSet("bench:start", time.Now()) }
	return benchdb.StatementHooks(db, start, c.count, nil)
}

func (c *sqlCounter) count(tx *gorm.DB) {
	var took time.Duration
	if v, ok := tx.InstanceGet("bench:start"); ok {
		took = time.Since(v.(time.Time))
	}
	k := kindOf(tx.Statement.Table, tx.Statement.SQL.String())
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
	s.rows += max(tx.Statement.RowsAffected, 0)
	s.took += took
}

// hints tell apart the statements on one table.
var hints = []struct{ in, name string }{
	{"pg_advisory_xact_lock", "advisory lock"}, {"SUM(amount)", "sum by component"},
	{"DISTINCT", "months of the orders' entries"}, {"MIN(placed_at)", "returning customers"},
	{"queued_at, order_id", "next batch of the queue"}, {"INSERT INTO order_changes", "queue every order"},
}

func kindOf(table, sql string) string {
	verb, _, _ := strings.Cut(strings.TrimSpace(sql), " ")
	k := strings.TrimSpace(strings.ToUpper(verb) + " " + table)
	for _, h := range hints {
		if strings.Contains(sql, h.in) {
			return k + " (" + h.name + ")"
		}
	}
	return k
}

func (c *sqlCounter) reset() {
	c.mu.Lock()
	c.kinds = nil
	c.mu.Unlock()
}

// stats are the counts so far, the most time first.
func (c *sqlCounter) stats() []stmtStat {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []stmtStat
	for _, s := range c.kinds {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].took > out[j].took })
	return out
}

// reconciles is how many times Ledger.Reconcile ran: each reads the sums of
// the creator-month's components once.
func (c *sqlCounter) reconciles() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.kinds {
		if strings.Contains(k, "sum by component") {
			return s.n
		}
	}
	return 0
}

func total(ss []stmtStat) (n int64) {
	for _, s := range ss {
		n += s.n
	}
	return n
}

// printStmts prints what the app sent during a Process, per reconcile and
// per creator-month.
func printStmts(m *measured, creatorMonths int) {
	var all time.Duration
	for _, s := range m.stmts {
		all += s.took
	}
	fmt.Printf("  statements sent (%d, %.1f per reconcile, %.0f per creator-month; %s waiting for them, %.0f%% of the run;\n"+
		"  BEGIN/COMMIT not counted):\n", total(m.stmts), float64(total(m.stmts))/float64(max(m.reconciles, 1)),
		float64(total(m.stmts))/float64(creatorMonths), all.Round(time.Millisecond), 100*all.Seconds()/m.took.Seconds())
	fmt.Printf("    %-58s %9s %11s %9s %8s\n", "statement (rows: - when gorm does not count them)", "count", "rows", "time", "ms each")
	for _, s := range m.stmts {
		rows := "-"
		if s.rows > 0 {
			rows = fmt.Sprint(s.rows)
		}
		fmt.Printf("    %-58s %9d %11s %8.2fs %8.3f\n", s.kind, s.n, rows, s.took.Seconds(), s.took.Seconds()*1000/float64(s.n))
	}
}
