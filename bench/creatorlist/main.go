// Command creatorlist shows how the creators list scales: it seeds a small and
// a large brand straight into the tables, serves the real app, and measures
// the list endpoints' latency and SQL statements per request on each size.
// See README.md.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/store"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

const (
	ownerEmail = "owner@example.com"
	password   = "correct horse battery"
	searchTerm = "garcia" // a surname: about 1 creator in 16 matches
)

type options struct {
	dialect, dsn          string
	small, large, n, deep int
}

func main() {
	dsn := cmp.Or(os.Getenv("TEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	var o options
	flag.StringVar(&o.dialect, "db", "sqlite", "database: sqlite or postgres")
	flag.StringVar(&o.dsn, "dsn", dsn, "PostgreSQL URL; a fresh schema is created in it per size, and dropped")
	flag.IntVar(&o.small, "small", 500, "creators in the small brand")
	flag.IntVar(&o.large, "large", 50000, "creators in the large brand")
	flag.IntVar(&o.n, "n", 200, "requests per measurement")
	flag.IntVar(&o.deep, "deep", 50, "pages of next_cursor to follow for the deep-cursor request")
	flag.Parse()
	if (o.dialect != "sqlite" && o.dialect != "postgres") || o.small < 1 || o.large < 1 || o.n < 1 || o.deep < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "creatorlist: FAIL:", err)
		os.Exit(1)
	}
}

// result is one endpoint measured on one size. queries is the most common
// number of SQL statements per request, maxQ the highest seen.
type result struct {
	name, note    string
	p50, p95      time.Duration
	queries, maxQ int
}

func run(ctx context.Context, o options) error {
	auth.BcryptCost = bcrypt.MinCost
	var res [2][]result
	for i, n := range []int{o.small, o.large} {
		var err error
		if res[i], err = benchSize(ctx, o, n, i == 1); err != nil {
			return err
		}
	}
	fmt.Printf("\n== %s: %d -> %d creators, same run ==\n%-38s %10s %10s %7s  %s\n", o.dialect, o.small, o.large,
		"endpoint", "p50 small", "p50 large", "ratio", "queries/req small -> large")
	var bad []string
	for i, s := range res[0] {
		l := res[1][i]
		fmt.Printf("%-38s %10s %10s %6.1fx  %d -> %d\n", s.name, ms(s.p50), ms(l.p50), float64(l.p50)/float64(s.p50), s.queries, l.queries)
		if s.queries != l.queries {
			bad = append(bad, fmt.Sprintf("%s: %d at %d creators, %d at %d", s.name, s.queries, o.small, l.queries, o.large))
		}
	}
	if len(bad) > 0 {
		return errors.New("queries per request differ between sizes:\n  " + strings.Join(bad, "\n  "))
	}
	fmt.Println("OK: every request answered 200; queries per request are the same at both sizes (no N+1).")
	return nil
}

// benchSize seeds n creators into a fresh database, serves the app on it and
// measures each endpoint; with explain, it also prints the query plans.
func benchSize(ctx context.Context, o options, n int, explain bool) ([]result, error) {
	db, cleanup, err := openFresh(ctx, o)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	sc := &sqlCounter{}
	if err := db.Use(sc); err != nil {
		return nil, err
	}
	b, err := startApp(ctx, db)
	if err != nil {
		return nil, err
	}
	defer b.srv.Close()
	start := time.Now()
	rows, err := seed(ctx, db, b.brandID, n)
	if err != nil {
		return nil, fmt.Errorf("seeding: %w", err)
	}
	// VACUUM ANALYZE: planner statistics, and the visibility map a table has
	// in steady state (index-only scans), not only just after a bulk load.
	if db.Dialect == store.Postgres {
		if err := db.Exec("VACUUM ANALYZE creator_accounts, creators, creator_handles, creator_tags, creator_events").Error; err != nil {
			return nil, err
		}
	}
	fmt.Printf("\n== %s, %d creators: seeded %d rows in %s ==\n", o.dialect, n, rows, time.Since(start).Round(time.Millisecond))
	if err := b.login(); err != nil {
		return nil, err
	}
	cur, depth, err := b.deepCursor(o.deep)
	if err != nil {
		return nil, err
	}
	eps := []struct{ name, path, note string }{
		{"GET /api/v1/creators", "/api/v1/creators", ""},
		{"GET /api/v1/creators?cursor=(deep)", "/api/v1/creators?cursor=" + url.QueryEscape(cur), fmt.Sprintf("page %d: ", depth+1)},
		{"GET /api/v1/creators?status&platform", "/api/v1/creators?status=active&platform=tiktok", ""},
		{"GET /creators", "/creators", ""},
		{"GET /creators?q=" + searchTerm, "/creators?q=" + searchTerm, ""},
	}
	fmt.Printf("%-38s %9s %9s %12s  %s\n", "endpoint", "p50", "p95", "queries/req", "rows")
	var out []result
	for _, ep := range eps {
		r, err := b.measure(sc, ep.path, o.n)
		if err != nil {
			return nil, err
		}
		r.name, r.note = ep.name, ep.note+r.note
		q := fmt.Sprint(r.queries)
		if r.maxQ != r.queries {
			q += fmt.Sprintf(" (max %d)", r.maxQ)
		}
		fmt.Printf("%-38s %9s %9s %12s  %s\n", r.name, ms(r.p50), ms(r.p95), q, r.note)
		out = append(out, r)
	}
	if explain {
		err = b.explain(ctx, db, sc, eps[0].path, eps[1].path, "/api/v1/creators?status=active", eps[2].path, eps[4].path)
	}
	return out, err
}

// openFresh opens and migrates an empty database (see benchdb.OpenFresh).
func openFresh(ctx context.Context, o options) (*store.DB, func(), error) {
	db, _, cleanup, err := benchdb.OpenFresh(ctx, "creatorlist", o.dialect, o.dsn)
	return db, cleanup, err
}

// sqlCounter is a gorm plugin counting the SQL statements run; while
// capturing it also keeps them, for EXPLAIN.
type sqlCounter struct {
	n       atomic.Int64
	capture atomic.Bool
	mu      sync.Mutex
	stmts   []statement
}

type statement struct {
	table, sql string
	vars       []any
}

func (*sqlCounter) Name() string { return "bench:sqlcounter" }

func (c *sqlCounter) Initialize(db *gorm.DB) error {
	cb := db.Callback()
	return errors.Join(
		cb.Query().After("gorm:query").Register("bench:count", c.count),
		cb.Row().After("gorm:row").Register("bench:count", c.count),
		cb.Raw().After("gorm:raw").Register("bench:count", c.count),
		cb.Create().After("gorm:create").Register("bench:count", c.count),
		cb.Update().After("gorm:update").Register("bench:count", c.count),
		cb.Delete().After("gorm:delete").Register("bench:count", c.count),
	)
}

func (c *sqlCounter) count(tx *gorm.DB) {
	c.n.Add(1)
	if c.capture.Load() {
		c.mu.Lock()
		c.stmts = append(c.stmts, statement{tx.Statement.Table, tx.Statement.SQL.String(), slices.Clone(tx.Statement.Vars)})
		c.mu.Unlock()
	}
}

// bench is the app served on a local listener, with a browser's cookie jar.
type bench struct {
	srv             *httptest.Server
	client          *http.Client
	brandID, apiKey string
}

// startApp assembles the app as cmd/clout does, and creates the brand.
func startApp(ctx context.Context, db *store.DB) (*bench, error) {
	srv := httptest.NewUnstartedServer(nil)
	vars := map[string]string{"CLOUT_SECRET": "bench-secret-0123456789abcdef0123456789", "CLOUT_DATA_DIR": os.TempDir(),
		"CLOUT_STRIPE_API_BASE": "http://127.0.0.1:1", "CLOUT_BASE_URL": "http://" + srv.Listener.Addr().String()}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		return nil, err
	}
	created, err := a.Brands.CreateBrand(ctx, brand.NewBrand{Name: "Bench Co", OwnerEmail: ownerEmail, Password: password,
		Currency: "USD", WithAPIKey: true}, brand.Actor{Type: "cli", Label: "creatorlist bench"})
	if err != nil {
		return nil, err
	}
	srv.Config.Handler = a.Web.Handler()
	srv.Start()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &bench{srv: srv, client: client, brandID: created.Brand.ID, apiKey: created.APIKey}, nil
}

// get fetches path (with the API key under /api/) and fails unless it is 200.
func (b *bench) get(path string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, b.srv.URL+path, nil)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+b.apiKey)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d: %.300s", path, resp.StatusCode, body)
	}
	return body, err
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// login logs the brand's owner in as a browser does, for the HTML pages.
func (b *bench) login() error {
	body, err := b.get("/login")
	if err != nil {
		return err
	}
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return errors.New("no CSRF token on /login")
	}
	resp, err := b.client.PostForm(b.srv.URL+"/login", url.Values{"email": {ownerEmail}, "password": {password}, "_csrf": {string(m[1])}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("POST /login: status %d, want 303", resp.StatusCode)
	}
	return nil
}

type listJSON struct {
	Data       []json.RawMessage `json:"data"`
	NextCursor *string           `json:"next_cursor"`
	Total      *int64            `json:"total"`
}

// deepCursor follows next_cursor from the first page, pages times or up to
// the last page, and returns the cursor and how many pages in it is.
func (b *bench) deepCursor(pages int) (cur string, depth int, err error) {
	for ; depth < pages; depth++ {
		body, err := b.get("/api/v1/creators?cursor=" + url.QueryEscape(cur))
		var page listJSON
		if err == nil {
			err = json.Unmarshal(body, &page)
		}
		if err != nil || page.NextCursor == nil {
			return cur, depth, err
		}
		cur = *page.NextCursor
	}
	return cur, depth, nil
}

// measure requests path n times after a warm-up, counting statements.
func (b *bench) measure(sc *sqlCounter, path string, n int) (result, error) {
	var r result
	for range 5 { // warm caches, and the API key's once-a-minute last_used_at write
		if _, err := b.get(path); err != nil {
			return r, err
		}
	}
	times, freq := make([]time.Duration, n), map[int]int{}
	var body []byte
	for i := range n {
		sc.n.Store(0)
		start := time.Now()
		var err error
		if body, err = b.get(path); err != nil {
			return r, err
		}
		times[i] = time.Since(start)
		q := int(sc.n.Load())
		if freq[q]++; freq[q] > freq[r.queries] {
			r.queries = q
		}
		r.maxQ = max(r.maxQ, q)
	}
	slices.Sort(times)
	r.p50, r.p95 = times[n/2], times[(n*95+99)/100-1]
	var page listJSON
	if strings.HasPrefix(path, "/api/") && json.Unmarshal(body, &page) == nil {
		if page.Total != nil {
			r.note += fmt.Sprintf("%d of %d", len(page.Data), *page.Total)
		} else {
			r.note += fmt.Sprintf("%d (total on the first page only)", len(page.Data))
		}
	}
	return r, nil
}

// explain prints, for each statement on the creators table that the paths
// run, its median time run alone and its plan, with the app's own SQL.
func (b *bench) explain(ctx context.Context, db *store.DB, sc *sqlCounter, paths ...string) error {
	how := "EXPLAIN QUERY PLAN "
	if db.Dialect == store.Postgres {
		how = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
	}
	seen := map[string]bool{}
	for _, path := range paths {
		sc.mu.Lock()
		sc.stmts = nil
		sc.mu.Unlock()
		sc.capture.Store(true)
		_, err := b.get(path)
		sc.capture.Store(false)
		if err != nil {
			return err
		}
		sc.mu.Lock()
		stmts := sc.stmts
		sc.mu.Unlock()
		for _, s := range stmts {
			key := fmt.Sprint(s.sql, s.vars)
			if s.table != "creators" || seen[key] {
				continue
			}
			seen[key] = true
			times := make([]time.Duration, 11)
			for i := range times {
				start := time.Now()
				if _, err := query(ctx, db, s.sql, s.vars); err != nil {
					return err
				}
				times[i] = time.Since(start)
			}
			slices.Sort(times)
			plan, err := query(ctx, db, how+s.sql, s.vars)
			if err != nil {
				return err
			}
			fmt.Printf("\n%s (from GET %.50s): %s alone\n  %s\n    %s\n", strings.TrimSpace(how), path, ms(times[5]), s.sql, strings.Join(plan, "\n    "))
		}
	}
	return nil
}

// query runs sql and returns the last column of each row, as text.
func query(ctx context.Context, db *store.DB, sql string, vars []any) ([]string, error) {
	rows, err := db.SQL().QueryContext(ctx, sql, vars...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	var out []string
	for err == nil && rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err = rows.Scan(vals...); err == nil {
			out = append(out, fmt.Sprint(*vals[len(vals)-1].(*any)))
		}
	}
	return out, errors.Join(err, rows.Err())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
