// Command insights measures the brand dashboard and the creator scorecard
// against issue 8's target "a benchmark seeds 10,000,000 clicks and
// 1,000,000 orders on PostgreSQL and shows the brand dashboard and a
// creator scorecard each render with p95 ≤ 200 ms": on a fresh schema it
// builds the app (app.New), a brand, its plan, products and 2,000 creators
// with handles, codes and links through the app's services, loads the
// clicks, orders (lines, refunds) and commission entries straight into the
// tables, set-based, builds the rollups with report.Service.Rebuild, and
// then requests the dashboard (last 30 and 90 days) and the scorecards of
// a top and a long-tail creator over real HTTP on loopback, one request at
// a time, against a trivial logged-in page (/account) measured in the same
// rounds. It checks the dashboard's and a scorecard's totals against SQL
// over the raw tables and exits 1 on a mismatch or when it could not
// measure; a missed target is reported in the summary. See README.md.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// targetP95 is the target for both pages.
const targetP95 = 200 * time.Millisecond

type options struct {
	dialect, dsn                                             string
	clicks, orders, creators, products, days, requests, warm int
	zipf                                                     float64
	ledger, explain                                          bool
}

func main() {
	var o options
	flag.StringVar(&o.dialect, "db", "postgres", "database: postgres (the seeding is PostgreSQL SQL; sqlite is refused)")
	flag.StringVar(&o.dsn, "dsn", cmp.Or(os.Getenv("DATABASE_URL"), os.Getenv("TEST_DATABASE_URL"),
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL URL; a fresh schema is created in it, and dropped at the end")
	flag.IntVar(&o.clicks, "clicks", 10_000_000, "clicks to seed")
	flag.IntVar(&o.orders, "orders", 1_000_000, "attributed orders to seed")
	flag.IntVar(&o.creators, "creators", 2_000, "active creators (3 links and a code each)")
	flag.IntVar(&o.products, "products", 50, "products in the catalog, each with a unit cost (at least 15)")
	flag.IntVar(&o.days, "days", 90, "local days the clicks and orders are spread over, ending yesterday (at least 30)")
	flag.Float64Var(&o.zipf, "zipf", 1.0, "power-law exponent of the creators' shares: creator of rank r gets 1/(r+1)^zipf")
	flag.IntVar(&o.requests, "requests", 100, "measured requests per page, after the warm-up")
	flag.IntVar(&o.warm, "warmup", 10, "warm-up requests per page, not measured")
	flag.BoolVar(&o.ledger, "ledger", false, "price the orders with Ledger.Process (slow: ~100 s per 1M orders) instead of\n"+
		"inserting plausible commission entries directly")
	flag.BoolVar(&o.explain, "explain", false, "print EXPLAIN (ANALYZE, BUFFERS) of every page's slowest statements, even when the targets are met")
	flag.Parse()
	if o.dialect == "sqlite" {
		fmt.Fprintln(os.Stderr, "insights bench: the seeding is set-based PostgreSQL SQL (generate_series, make_interval); run it with -db postgres")
		os.Exit(2)
	}
	if o.dialect != "postgres" || o.clicks < 1 || o.orders < 1 || o.creators < 2 || o.products < 15 || o.days < 30 ||
		o.requests < 1 || o.warm < 0 || o.zipf < 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum := &benchdb.Summary{}
	verified, err := run(ctx, o, sum)
	sum.Print(fmt.Sprintf("%s, %s clicks, %s orders, %s creators over %d days, %d requests a page",
		o.dialect, thousands(o.clicks), thousands(o.orders), thousands(o.creators), o.days, o.requests))
	if err != nil {
		fmt.Fprintln(os.Stderr, "insights bench: ERROR:", err)
		os.Exit(1)
	}
	if !verified {
		fmt.Fprintln(os.Stderr, "insights bench: the reports do not match SQL over the raw tables")
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, sum *benchdb.Summary) (bool, error) {
	fmt.Printf("insights bench on %s: %d CPUs, GOMAXPROCS %d.\n", o.dialect, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	idle := benchdb.MarkCPU()
	time.Sleep(time.Second)
	fmt.Printf("before starting, over 1 s: %s\n", idle.Since())

	db, _, cleanup, err := benchdb.OpenFresh(ctx, "insights-bench", o.dialect, o.dsn)
	if err != nil {
		return false, err
	}
	defer cleanup()
	rec := &recorder{}
	if err := db.Use(rec); err != nil {
		return false, err
	}

	fmt.Printf("\n-- seeding --\n")
	seedStart := time.Now()
	start, cpu := time.Now(), benchdb.MarkCPU()
	w, err := setup(ctx, db, o)
	if err != nil {
		return false, fmt.Errorf("setting up: %w", err)
	}
	defer w.app.Clicks.Drain(context.Background())
	// Seeding's CPU is printed, not judged: the noise that matters is
	// during Rebuild and the latency rounds.
	var seedNoise benchdb.Noise
	setupStats := &stats{took: map[string]time.Duration{}}
	setupStats.step(fmt.Sprintf("services: brand, plan, %d products, %d creators", o.products, o.creators), start, cpu, &seedNoise)
	st, err := seed(ctx, db, w, o, &seedNoise)
	if err != nil {
		return false, fmt.Errorf("seeding: %w", err)
	}
	if o.ledger {
		if err := runLedger(ctx, db, w, st, &seedNoise); err != nil {
			return false, err
		}
	}
	seedTook := time.Since(seedStart)
	fmt.Printf("(seeding: other processes used up to %.2f cores, during %s)\n", seedNoise.Max, seedNoise.Phase)
	fmt.Printf("seeded %s clicks (%s human), %s orders, %s lines, %s refunds/cancellations, %s commission entries in %s\n",
		thousands(int(st.clicks)), thousands(int(st.humans)), thousands(int(st.orders)), thousands(int(st.lines)),
		thousands(int(st.adjustments)), thousands(int(st.entries)), seedTook.Round(time.Second))

	fmt.Printf("\n-- rollups: report.Service.Rebuild --\n")
	start, cpu = time.Now(), benchdb.MarkCPU()
	if err := w.app.Reports.Rebuild(ctx, w.brand.ID); err != nil {
		return false, fmt.Errorf("Rebuild: %w", err)
	}
	rebuildTook, rebuildCPU := time.Since(start), cpu.Since()
	sum.Noise.Note("Rebuild", rebuildCPU)
	var rollRows [5]int64
	for i, t := range []string{"report_facts", "report_creator_daily", "report_link_daily", "report_creator_blocks", "report_link_blocks"} {
		if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM " + t).Row().Scan(&rollRows[i]); err != nil {
			return false, err
		}
	}
	fmt.Printf("Rebuild took %s: %s facts, %s creator-days, %s link-days, %s creator-blocks, %s link-blocks\n  (%s)\n",
		rebuildTook.Round(time.Millisecond), thousands(int(rollRows[0])), thousands(int(rollRows[1])), thousands(int(rollRows[2])),
		thousands(int(rollRows[3])), thousands(int(rollRows[4])), rebuildCPU)
	if err := exec(ctx, db, "VACUUM ANALYZE report_facts, report_creator_daily, report_link_daily, report_brand_daily, "+
		"report_creator_blocks, report_link_blocks, report_seal"); err != nil {
		return false, err
	}

	// Serve the app and log in as the owner.
	srv := &http.Server{Handler: w.app.Web.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = srv.Serve(w.ln) }()
	defer srv.Close()
	c, err := login(w.url)
	if err != nil {
		return false, err
	}

	last := w.days[len(w.days)-1].Format("2006-01-02")
	r30, err := report.DayRange(w.brand, w.days[len(w.days)-30].Format("2006-01-02"), last)
	if err != nil {
		return false, err
	}
	r90, err := report.DayRange(w.brand, w.days[0].Format("2006-01-02"), last)
	if err != nil {
		return false, err
	}
	q := func(r report.Range) string {
		return url.Values{"from": {r.FirstDay()}, "to": {r.LastDay()}}.Encode()
	}
	top, tail := w.creators[0].id, w.creators[len(w.creators)-1].id
	scorecard, err := scorecardRoute(c, w.url, top, q(r30))
	if err != nil {
		return false, err
	}
	pages := []*page{
		{name: "baseline: /account (logged in)", path: "/account", baseline: true},
		{name: "info: /healthz", path: "/healthz"},
		{name: "dashboard, last 30 days", path: "/dashboard?" + q(r30), target: "dashboard"},
		{name: fmt.Sprintf("dashboard, %d days", len(w.days)), path: "/dashboard?" + q(r90), target: "dashboard"},
		{name: "scorecard, top creator (rank 1), 30 days", path: fmt.Sprintf(scorecard, url.PathEscape(top)) + "?" + q(r30), target: "scorecard"},
		{name: fmt.Sprintf("scorecard, long-tail creator (rank %d), 30 days", len(w.creators)), path: fmt.Sprintf(scorecard, url.PathEscape(tail)) + "?" + q(r30), target: "scorecard"},
	}
	if scorecard != "/creators/%s" {
		// The creator page also holds the scorecard section (information).
		// Its links' stats read raw clicks (link.Service.ForCreator): 10 requests.
		pages = append(pages, &page{name: "info: creator page, top creator", path: "/creators/" + url.PathEscape(top) + "?" + q(r30), limit: 10})
	}

	fmt.Printf("\n-- checks: the reports against SQL over the raw tables --\n")
	ok, err := verify(ctx, db, w, c, r30, r90, top, tail, pages, sum)
	if err != nil {
		return ok, err
	}

	fmt.Printf("\n-- latency over HTTP on loopback: %d warm-up + %d measured requests a page, one at a time, pages interleaved --\n",
		o.warm, o.requests)
	cpu = benchdb.MarkCPU()
	if err := measure(ctx, c, w.url, pages, o); err != nil {
		return ok, err
	}
	mu := cpu.Since()
	sum.Noise.Note("latency rounds", mu)
	fmt.Printf("  (%s)\n", mu)
	var base *page
	for _, p := range pages {
		if p.baseline {
			base = p
		}
	}
	fmt.Printf("%-52s %8s %8s %8s %8s %9s\n", "page", "p50", "p95", "p99", "max", "p95/base")
	for _, p := range pages {
		fmt.Printf("%-52s %8s %8s %8s %8s %8.1f×\n", p.name, ms(p.pct(.5)), ms(p.pct(.95)), ms(p.pct(.99)), ms(p.pct(1)),
			float64(p.pct(.95))/float64(base.pct(.95)))
	}
	service, err := serviceTimes(ctx, w, r30, r90, top, tail, min(20, o.requests))
	if err != nil {
		return ok, err
	}

	// Where the time goes: one request of each page with its statements.
	fmt.Printf("\n-- one request of each page, its SQL statements (time from sending to the last row) --\n")
	missed := map[string]bool{}
	for _, p := range pages {
		if p.target != "" && p.pct(.95) > targetP95 {
			missed[p.name] = true
		}
	}
	for _, p := range pages[2:] {
		if err := trace(ctx, db, rec, c, w.url, p, o.explain || missed[p.name]); err != nil {
			return ok, err
		}
	}

	// Summary.
	add := func(target string, ps []*page) {
		pass := true
		var parts []string
		for _, p := range ps {
			pass = pass && p.pct(.95) <= targetP95
			parts = append(parts, fmt.Sprintf("%s %s", p.short(), ms(p.pct(.95))))
		}
		sum.Add(target, strings.Join(parts, ", "), benchdb.Check(pass))
		for _, p := range ps {
			sum.Add("  "+p.name+" (info)", fmt.Sprintf("p50 %s p95 %s p99 %s max %s; p95 %.1f× baseline", ms(p.pct(.5)), ms(p.pct(.95)),
				ms(p.pct(.99)), ms(p.pct(1)), float64(p.pct(.95))/float64(base.pct(.95))), nil)
		}
	}
	var dash, sc []*page
	for _, p := range pages {
		switch p.target {
		case "dashboard":
			dash = append(dash, p)
		case "scorecard":
			sc = append(sc, p)
		}
	}
	add("brand dashboard p95 ≤ 200 ms", dash)
	add("creator scorecard p95 ≤ 200 ms", sc)
	sum.Add("  baseline: GET /account, logged in (info)", fmt.Sprintf("p50 %s p95 %s p99 %s max %s", ms(base.pct(.5)), ms(base.pct(.95)),
		ms(base.pct(.99)), ms(base.pct(1))), nil)
	for _, s := range service {
		sum.Add("  "+s.name+", in process (info)", fmt.Sprintf("p50 %s p95 %s", ms(s.pct(.5)), ms(s.pct(.95))), nil)
	}
	sum.Add("seeding, services and bulk SQL (info)", fmt.Sprintf("%s (clicks %s, orders and lines %s)", seedTook.Round(time.Second),
		st.clickTime().Round(time.Second), st.orderTime().Round(time.Second)), nil)
	sum.Add("report.Service.Rebuild of the brand (info)", fmt.Sprintf("%s: %s facts, %s creator-days, %s link-days, %s creator-blocks, %s link-blocks",
		rebuildTook.Round(100*time.Millisecond), thousands(int(rollRows[0])), thousands(int(rollRows[1])), thousands(int(rollRows[2])),
		thousands(int(rollRows[3])), thousands(int(rollRows[4]))), nil)
	return ok, nil
}

func (s *stats) clickTime() time.Duration {
	var d time.Duration
	for k, v := range s.took {
		if strings.HasPrefix(k, "clicks") {
			d += v
		}
	}
	return d
}

func (s *stats) orderTime() time.Duration {
	var d time.Duration
	for k, v := range s.took {
		if strings.HasPrefix(k, "order") {
			d += v
		}
	}
	return d
}

// page is one measured URL.
type page struct {
	name, path string
	target     string // "dashboard", "scorecard" or "" (information)
	baseline   bool
	limit      int // measured requests at most (0: all); such a page gets one warm-up
	lat        []time.Duration
	sorted     bool
}

func (p *page) short() string {
	switch {
	case strings.Contains(p.name, "30 days") && p.target == "dashboard":
		return "30 d"
	case p.target == "dashboard":
		return "90 d"
	case strings.Contains(p.name, "top"):
		return "top"
	}
	return "long tail"
}

// pct is the q-quantile (nearest rank) of the measured latencies.
func (p *page) pct(q float64) time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	if !p.sorted {
		sort.Slice(p.lat, func(i, j int) bool { return p.lat[i] < p.lat[j] })
		p.sorted = true
	}
	i := int(float64(len(p.lat))*q+0.999999) - 1
	return p.lat[min(max(i, 0), len(p.lat)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// client is a logged-in browser: cookies, no redirects followed, keep-alive.
type client struct{ *http.Client }

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// login logs in as the brand owner as a browser does: the login form's
// CSRF token, then POST /login, which answers 303 with the session cookie.
func login(base string) (*client, error) {
	jar, _ := cookiejar.New(nil)
	c := &client{&http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	status, body, err := c.get(base + "/login")
	if err != nil {
		return nil, err
	}
	m := csrfField.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		return nil, fmt.Errorf("GET /login: status %d, CSRF token found: %v", status, m != nil)
	}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {ownerEmail}, "password": {password}, "_csrf": {m[1]}})
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("POST /login: status %d, want 303: %.300s", resp.StatusCode, b)
	}
	return c, nil
}

func (c *client) get(u string) (int, string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// scorecardRoute is the creator scorecard's URL pattern: the scorecard
// page when the app has it, else the creator page if it shows the
// scorecard's measures.
func scorecardRoute(c *client, base, creatorID, query string) (string, error) {
	for _, pattern := range []string{"/creators/%s/scorecard", "/creators/%s"} {
		status, body, err := c.get(base + fmt.Sprintf(pattern, url.PathEscape(creatorID)) + "?" + query)
		if err != nil {
			return "", err
		}
		if status == http.StatusOK && strings.Contains(body, `kpi-revenue"`) {
			fmt.Printf("creator scorecard: %s\n", pattern)
			return pattern, nil
		}
	}
	return "", errors.New("no creator scorecard route: neither /creators/{id}/scorecard nor /creators/{id} shows a kpi-revenue tile")
}

// measure requests every page o.warm times, then o.requests times, one
// request at a time, the pages interleaved so that noise falls on all alike.
func measure(ctx context.Context, c *client, base string, pages []*page, o options) error {
	for round := range o.warm + o.requests {
		for _, p := range pages {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if p.limit > 0 && (round < o.warm-1 || len(p.lat) >= p.limit) {
				continue
			}
			t := time.Now()
			resp, err := c.Get(base + p.path)
			if err != nil {
				return fmt.Errorf("%s: %w", p.path, err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d := time.Since(t)
			if err != nil {
				return fmt.Errorf("%s: %w", p.path, err)
			}
			if resp.StatusCode != http.StatusOK || n == 0 {
				return fmt.Errorf("%s: status %d, %d bytes", p.path, resp.StatusCode, n)
			}
			if round >= o.warm {
				p.lat = append(p.lat, d)
			}
			if round == o.warm+o.requests/2 && p == pages[0] {
				fmt.Printf("  half the rounds done\n")
			}
		}
	}
	return nil
}

// timing is an in-process measurement of a report.Service call.
type timing struct{ page }

// serviceTimes calls the report service directly (no HTTP, no template), to
// split the pages' time between the queries and the rest.
func serviceTimes(ctx context.Context, w *world, r30, r90 report.Range, top, tail string, n int) ([]*timing, error) {
	calls := []struct {
		name string
		fn   func() error
	}{
		{"report.Service.Dashboard, 30 days", func() error { _, err := w.app.Reports.Dashboard(ctx, w.brand, r30); return err }},
		{fmt.Sprintf("report.Service.Dashboard, %d days", len(w.days)), func() error { _, err := w.app.Reports.Dashboard(ctx, w.brand, r90); return err }},
		{"report.Service.Scorecard, top creator", func() error { _, err := w.app.Reports.Scorecard(ctx, w.brand, top, r30); return err }},
		{"report.Service.Scorecard, long-tail creator", func() error { _, err := w.app.Reports.Scorecard(ctx, w.brand, tail, r30); return err }},
	}
	fmt.Printf("\nthe same in process (report.Service, no HTTP or template; %d calls each after 3):\n", n)
	var out []*timing
	for _, cl := range calls {
		t := &timing{page{name: cl.name}}
		for i := range n + 3 {
			s := time.Now()
			if err := cl.fn(); err != nil {
				return nil, fmt.Errorf("%s: %w", cl.name, err)
			}
			if i >= 3 {
				t.lat = append(t.lat, time.Since(s))
			}
		}
		fmt.Printf("  %-52s p50 %8s p95 %8s max %8s\n", cl.name, ms(t.pct(.5)), ms(t.pct(.95)), ms(t.pct(1)))
		out = append(out, t)
	}
	return out, nil
}

// recorder is a gorm plugin that, while on, keeps every statement the app
// runs (with its arguments inlined) and its time from sending to the last row.
type recorder struct {
	on    atomic.Bool
	mu    sync.Mutex
	stmts []recorded
}

type recorded struct {
	sql  string
	took time.Duration
}

func (*recorder) Name() string { return "bench:recorder" }

func (r *recorder) Initialize(db *gorm.DB) error {
	start := func(tx *gorm.DB) {
		if r.on.Load() {
			tx.InstanceSet("bench:start", time.Now())
		}
	}
	return benchdb.StatementHooks(db, start, r.record, nil)
}

func (r *recorder) record(tx *gorm.DB) {
	if !r.on.Load() {
		return
	}
	v, ok := tx.InstanceGet("bench:start")
	if !ok {
		return
	}
	s := tx.Dialector.Explain(tx.Statement.SQL.String(), tx.Statement.Vars...)
	r.mu.Lock()
	r.stmts = append(r.stmts, recorded{s, time.Since(v.(time.Time))})
	r.mu.Unlock()
}

// trace requests p once with the recorder on and prints its statements,
// the slowest first; with explain, the EXPLAIN (ANALYZE, BUFFERS) of the
// three slowest.
func trace(ctx context.Context, db *store.DB, rec *recorder, c *client, base string, p *page, explain bool) error {
	rec.mu.Lock()
	rec.stmts = nil
	rec.mu.Unlock()
	rec.on.Store(true)
	t := time.Now()
	status, _, err := c.get(base + p.path)
	took := time.Since(t)
	rec.on.Store(false)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s: status %d", p.path, status)
	}
	rec.mu.Lock()
	stmts := append([]recorded(nil), rec.stmts...)
	rec.mu.Unlock()
	var inDB time.Duration
	for _, s := range stmts {
		inDB += s.took
	}
	fmt.Printf("\n%s: %s, %d statements taking %s (the rest: session, rendering, HTTP)\n", p.name, ms(took), len(stmts), ms(inDB))
	sort.SliceStable(stmts, func(i, j int) bool { return stmts[i].took > stmts[j].took })
	for i, s := range stmts {
		if i == 8 {
			fmt.Printf("  … %d more\n", len(stmts)-i)
			break
		}
		fmt.Printf("  %8s  %s\n", ms(s.took), oneLine(s.sql, 150))
	}
	if !explain {
		return nil
	}
	for _, s := range stmts[:min(3, len(stmts))] {
		var plan []string
		if err := db.WithContext(ctx).Raw("EXPLAIN (ANALYZE, BUFFERS) " + s.sql).Scan(&plan).Error; err != nil {
			fmt.Printf("  EXPLAIN failed: %v\n", err)
			continue
		}
		fmt.Printf("\n  EXPLAIN (ANALYZE, BUFFERS) %s\n", oneLine(s.sql, 400))
		for _, l := range plan {
			fmt.Printf("    %s\n", l)
		}
	}
	return nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + " …"
	}
	return s
}

// totals are the measures the check compares.
type totals struct {
	Human, Unique, Bots, Orders, Revenue, Refunded, Commission int64
}

func (t totals) String() string {
	return fmt.Sprintf("human clicks %d, unique %d, bots %d, orders %d, revenue %d, refunded %d, commission %d",
		t.Human, t.Unique, t.Bots, t.Orders, t.Revenue, t.Refunded, t.Commission)
}

func kpiTotals(k report.KPIs) totals {
	return totals{k.HumanClicks, k.UniqueClicks, k.BotClicks, k.Orders, k.Revenue, k.Refunded, k.Commission}
}

// sqlTotals aggregates the raw tables over r (the brand's local days) as
// report.KPIs defines the measures: clicks by time; orders (not cancelled)
// by placed date; commission of the period's orders (whatever their status)
// plus entries with no order by the time they were made.
func sqlTotals(ctx context.Context, db *store.DB, brandID string, r report.Range, creatorID string) (totals, error) {
	var t totals
	cr, args := "", []any{brandID, r.From, r.To}
	if creatorID != "" {
		cr, args = " AND creator_id = ?", append(args, creatorID)
	}
	if err := db.WithContext(ctx).Raw(`SELECT COUNT(*) FILTER (WHERE NOT is_bot), COUNT(*) FILTER (WHERE is_unique AND NOT is_bot),
		COUNT(*) FILTER (WHERE is_bot) FROM clicks WHERE brand_id = ? AND clicked_at >= ? AND clicked_at < ?`+cr, args...).
		Row().Scan(&t.Human, &t.Unique, &t.Bots); err != nil {
		return t, err
	}
	if err := db.WithContext(ctx).Raw(`SELECT COUNT(*), COALESCE(SUM(net), 0), COALESCE(SUM(refunded), 0) FROM orders
		WHERE brand_id = ? AND placed_at >= ? AND placed_at < ? AND creator_id IS NOT NULL AND status <> 'cancelled'
		AND currency = 'USD'`+cr, args...).Row().Scan(&t.Orders, &t.Revenue, &t.Refunded); err != nil {
		return t, err
	}
	ecr := strings.ReplaceAll(cr, "creator_id", "e.creator_id")
	var ofOrders, noOrder int64
	if err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(e.amount), 0) FROM commission_entries e JOIN orders o ON o.id = e.order_id
		WHERE e.brand_id = ? AND o.placed_at >= ? AND o.placed_at < ?`+ecr, args...).Row().Scan(&ofOrders); err != nil {
		return t, err
	}
	if err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(amount), 0) FROM commission_entries
		WHERE brand_id = ? AND created_at >= ? AND created_at < ? AND order_id IS NULL`+cr, args...).Row().Scan(&noOrder); err != nil {
		return t, err
	}
	t.Commission = ofOrders + noOrder
	return t, nil
}

var tileValue = regexp.MustCompile(`(?s)id="(?:sc-)?(kpi-[a-z-]+)">\s*<small class="kpi-label">[^<]*</small>\s*<p class="kpi-value">([^<]*)</p>`)

// pageTotals reads the tiles of a rendered page: digits of each value
// (counts "1,234", amounts "1,234.56 USD" in minor units).
func pageTotals(body string) map[string]int64 {
	out := map[string]int64{}
	for _, m := range tileValue.FindAllStringSubmatch(body, -1) {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return -1
		}, m[2])
		if v, err := strconv.ParseInt(digits, 10, 64); err == nil {
			out[m[1]] = v
		}
	}
	return out
}

// verify compares the dashboard (30 and 90 days) and the two creators'
// scorecards, from the service and from the rendered pages, with SQL over
// the raw tables.
func verify(ctx context.Context, db *store.DB, w *world, c *client, r30, r90 report.Range, top, tail string, pages []*page,
	sum *benchdb.Summary) (bool, error) {
	ok := true
	var lines []string
	check := func(name string, want, got totals, body string) {
		match := want == got
		if body != "" {
			tiles := pageTotals(body)
			for id, v := range map[string]int64{"kpi-clicks": want.Human, "kpi-orders": want.Orders, "kpi-revenue": want.Revenue,
				"kpi-commission": want.Commission} {
				if pv, found := tiles[id]; !found || pv != v {
					match = false
					fmt.Printf("  %s: page tile %s shows %d (found %v), SQL %d\n", name, id, pv, found, v)
				}
			}
		}
		if !match {
			ok = false
			fmt.Printf("  MISMATCH %s\n    SQL     %s\n    report  %s\n", name, want, got)
		} else {
			fmt.Printf("  %-44s equal: %s\n", name, want)
		}
		lines = append(lines, name)
	}
	for _, rr := range []struct {
		name string
		r    report.Range
		path string
	}{{"dashboard, last 30 days", r30, pages[2].path}, {"dashboard, all days", r90, pages[3].path}} {
		want, err := sqlTotals(ctx, db, w.brand.ID, rr.r, "")
		if err != nil {
			return false, err
		}
		d, err := w.app.Reports.Dashboard(ctx, w.brand, rr.r)
		if err != nil {
			return false, err
		}
		status, body, err := c.get(w.url + rr.path)
		if err != nil {
			return false, err
		}
		if status != http.StatusOK {
			return false, fmt.Errorf("%s: status %d", rr.path, status)
		}
		check(rr.name, want, kpiTotals(d.Current), body)
		// The daily series adds up to the range's totals.
		var days totals
		for _, p := range d.Daily {
			days.Human += p.Clicks
			days.Orders += p.Orders
			days.Revenue += p.Revenue
		}
		if days.Human != want.Human || days.Orders != want.Orders || days.Revenue != want.Revenue || len(d.Daily) != rr.r.Days() {
			ok = false
			fmt.Printf("  MISMATCH %s: daily series sums to %d clicks, %d orders, %d revenue over %d points\n", rr.name, days.Human,
				days.Orders, days.Revenue, len(d.Daily))
		}
	}
	for i, cr := range []string{top, tail} {
		name := [2]string{"scorecard, top creator, 30 days", "scorecard, long-tail creator, 30 days"}[i]
		want, err := sqlTotals(ctx, db, w.brand.ID, r30, cr)
		if err != nil {
			return false, err
		}
		sc, err := w.app.Reports.Scorecard(ctx, w.brand, cr, r30)
		if err != nil {
			return false, err
		}
		status, body, err := c.get(w.url + pages[4+i].path)
		if err != nil {
			return false, err
		}
		if status != http.StatusOK {
			return false, fmt.Errorf("%s: status %d", pages[4+i].path, status)
		}
		check(name, want, kpiTotals(sc.Current), body)
	}
	sum.Add("dashboard and scorecard totals = SQL over raw clicks, orders, entries", fmt.Sprintf("%d views (service and page tiles)",
		len(lines)), benchdb.Check(ok))
	return ok, nil
}

// thousands writes n with thousands separators: 100000 → "100,000".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
