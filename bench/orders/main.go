// Command orders measures signed Shopify webhooks (POST
// /webhooks/shopify/{brand}) against the targets of the issue "signed
// Shopify webhooks on PostgreSQL at >= 500 orders/s, p99 <= 50 ms at 200
// req/s": it serves the real app (app.New, as cmd/clout) and a bare echo
// baseline that only checks the signature, over loopback in one process;
// seeds a brand with creators, codes and clicks; drives both with realistic
// orders/create payloads (plus refunds and duplicate deliveries), closed
// loop for peak throughput and open loop at a fixed rate for latency; then
// checks the database against every delivery answered. It exits 1 when the
// database does not match what was answered or it could not measure;
// targets missed are reported in the summary. See README.md.
package main

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/store"
)

// Targets (the issue).
const (
	targetOrdersPerSec = 500.0
	targetP99          = 50 * time.Millisecond
)

// First order ids of the app's and the baseline's deliveries (Shopify's
// order ids are 13 digits).
const (
	appOrderBase      = 6_400_000_000_000
	baselineOrderBase = 7_400_000_000_000
)

type options struct {
	dialect, dsn, cpuprofile       string
	workers, openWorkers           int
	creators, clicks               int
	duration, warmup, rateDuration time.Duration
	rate, refunds, duplicates      float64
}

func main() {
	var o options
	flag.StringVar(&o.dialect, "db", "sqlite", "database: sqlite or postgres")
	flag.StringVar(&o.dsn, "dsn", cmp.Or(os.Getenv("DATABASE_URL"), os.Getenv("TEST_DATABASE_URL"),
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL URL; a fresh schema is created in it, and dropped at the end")
	flag.IntVar(&o.workers, "workers", 16, "closed-loop workers (each with its own keep-alive connection)")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "length of each peak-throughput run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "closed-loop warm-up of each server before the peak runs")
	flag.Float64Var(&o.rate, "rate", 200, "deliveries per second of the fixed-rate latency run")
	flag.DurationVar(&o.rateDuration, "rate-duration", 20*time.Second, "length of the fixed-rate latency run")
	flag.IntVar(&o.openWorkers, "open-workers", 64, "worker pool (and connections) of the fixed-rate run")
	flag.IntVar(&o.creators, "creators", 200, "active creators, each with a discount code and a link")
	flag.IntVar(&o.clicks, "clicks", 2000, "clicks made through the app's redirect before the orders")
	flag.Float64Var(&o.refunds, "refunds", 0.05, "share of deliveries that are refunds/create of an order already stored")
	flag.Float64Var(&o.duplicates, "duplicates", 0.05, "share of deliveries that are duplicates (an orders/create delivered again)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the app's peak-throughput run to this file")
	flag.Parse()
	if (o.dialect != "sqlite" && o.dialect != "postgres") || o.workers < 1 || o.openWorkers < 1 || o.creators < 1 ||
		o.clicks < 1 || o.duration < time.Second || o.warmup < 0 || o.rate <= 0 || o.rateDuration < time.Second ||
		o.refunds < 0 || o.duplicates < 0 || o.refunds+o.duplicates >= 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sum, err := run(ctx, o)
	sum.print(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "orders bench: ERROR:", err)
		os.Exit(1)
	}
	if !sum.verified {
		fmt.Fprintln(os.Stderr, "orders bench: the database does not match the deliveries answered")
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (*summary, error) {
	sum := &summary{}
	fmt.Printf("orders bench on %s: %d CPUs, GOMAXPROCS %d.\n", o.dialect, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Println("NOTE: the load generator runs in this process and shares these CPUs with both servers (and the database):")
	fmt.Println("      absolute rates understate what the app serves on its own; app and baseline share the same handicap.")
	idle := benchdb.MarkCPU()
	time.Sleep(time.Second)
	fmt.Printf("before starting, over 1 s: %s\n", idle.Since())

	db, _, cleanup, err := benchdb.OpenFresh(ctx, "orders-bench", o.dialect, o.dsn)
	if err != nil {
		return sum, err
	}
	defer cleanup()
	a, brandID, err := startApp(ctx, db)
	if err != nil {
		return sum, err
	}
	defer drainClicks(a)
	// The commission ledger follows the orders in the background, as serve runs it.
	go a.Ledger.Run(ctx)
	appSrv, err := serve("app", a.Web.Handler())
	if err != nil {
		return sum, err
	}
	defer appSrv.srv.Close()
	baseSrv, err := serve("baseline", baselineHandler(map[string]string{brandID: webhookSecret}))
	if err != nil {
		return sum, err
	}
	defer baseSrv.srv.Close()

	start := time.Now()
	codes, links, err := seedCreators(ctx, a, brandID, o.creators)
	if err != nil {
		return sum, fmt.Errorf("seeding creators: %w", err)
	}
	clicks, err := seedClicks(ctx, a, appSrv.url, links, o.clicks)
	if err != nil {
		return sum, fmt.Errorf("seeding clicks: %w", err)
	}
	if db.Dialect == store.Postgres {
		// Fresh statistics for the tables attribution reads (the others start empty).
		if err := db.Exec("ANALYZE creators, codes, links, clicks").Error; err != nil {
			return sum, err
		}
	}
	w := &world{codes: codes, clicks: clicks}
	fmt.Printf("\nseeded %d active creators, each with a code and a link, and %d clicks through the redirect: %s\n",
		o.creators, o.clicks, time.Since(start).Round(time.Millisecond))

	appT := newTarget("app", appSrv.url, brandID, webhookSecret, newFeed(w, true, appOrderBase, o.refunds, o.duplicates), max(o.workers, o.openWorkers))
	defer appT.close()
	baseT := newTarget("baseline", baseSrv.url, brandID, webhookSecret, newFeed(w, false, baselineOrderBase, o.refunds, o.duplicates),
		max(o.workers, o.openWorkers))
	defer baseT.close()
	if err := sanity(ctx, db, appT, baseT); err != nil {
		return sum, err
	}

	if err := peak(ctx, o, db, appT, baseT, sum); err != nil {
		return sum, err
	}
	if err := fixedRate(ctx, o, db, appT, baseT, sum); err != nil {
		return sum, err
	}
	ok, err := verify(ctx, db, brandID, appT, sum)
	sum.verified = ok
	return sum, err
}

// sanity sends one order to each server, and the same order signed with
// another secret, and checks that the app stored the first with its
// attribution.
func sanity(ctx context.Context, db *store.DB, appT, baseT *target) error {
	r := rand.New(rand.NewPCG(1, 2))
	var sizes int
	probe := newFeed(appT.feed.w, false, 1, 0, 0) // orders never sent
	for range 200 {
		sizes += len(probe.newOrder(r).body)
	}
	var d *delivery
	for _, t := range []*target{baseT, appT} {
		d = t.feed.newOrder(r)
		ok, status := t.send(d)
		t.feed.done(d, ok, status)
		if !ok || status != "stored" {
			return fmt.Errorf("%s: an orders/create was answered %v %q (%s), want 200 stored", t.name, ok, status, t.errSample())
		}
		forged := &target{name: t.name, url: t.url, secret: []byte("not-the-secret"), client: t.client}
		if ok, _ := forged.send(d); ok {
			return fmt.Errorf("%s: a delivery signed with another secret was answered 200", t.name)
		}
	}
	var m string
	if err := db.WithContext(ctx).Table("orders").Select("attribution_method").Where("external_id = ?", fmt.Sprint(d.order.id)).
		Scan(&m).Error; err != nil || m != d.order.method {
		return fmt.Errorf("app: the first order is attributed %q (%v), want %q", m, err, d.order.method)
	}
	fmt.Printf("sanity: an orders/create (%d bytes) answered 200 by both servers (the app attributed it by %s); the same\n"+
		"        signed with another secret refused by both. orders/create bodies average %d bytes.\n", len(d.body), m, sizes/200)
	return nil
}

// peak is phase 1: closed-loop throughput of the baseline, then the app.
func peak(ctx context.Context, o options, db *store.DB, appT, baseT *target, sum *summary) error {
	fmt.Printf("\n-- 1. peak throughput: closed loop, %d workers, %s per server after a %s warm-up --\n", o.workers, o.duration, o.warmup)
	fmt.Printf("   (deliveries: ~%.0f%% new orders/create, ~%.0f%% refunds/create, ~%.0f%% duplicate orders/create)\n",
		100*(1-o.refunds-o.duplicates), 100*o.refunds, 100*o.duplicates)
	if o.warmup > 0 {
		baseT.closedLoop(ctx, o.workers, o.warmup)
		appT.closedLoop(ctx, o.workers, o.warmup)
	}
	rb := baseT.closedLoop(ctx, o.workers, o.duration)
	sum.Noise.Note("the baseline peak run", rb.cpu)
	fmt.Printf("baseline %8.0f orders/s (%6.0f deliveries/s)  %s\n         (%s; %s)\n", rb.ordersPerSec(), rb.perSec(),
		rb.latencies(), rb.counts(), rb.cpu)
	var prof *os.File
	if o.cpuprofile != "" {
		var err error
		if prof, err = os.Create(o.cpuprofile); err == nil {
			err = pprof.StartCPUProfile(prof)
		}
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	pool := db.SQL().Stats()
	pg, pgOK := readPGStats(db)
	ra := appT.closedLoop(ctx, o.workers, o.duration)
	if prof != nil {
		pprof.StopCPUProfile()
		prof.Close()
	}
	sum.Noise.Note("the app peak run", ra.cpu)
	fmt.Printf("app      %8.0f orders/s (%6.0f deliveries/s)  %s\n         (%s; %s)\n         (%s)\n", ra.ordersPerSec(), ra.perSec(),
		ra.latencies(), ra.counts(), ra.cpu, poolSince(db, pool))
	if s := pgSince(db, pg, pgOK, ra.ok[newOrder]+ra.ok[refund]+ra.ok[duplicate]); s != "" {
		fmt.Printf("         (%s)\n", s)
	}
	ratio := ra.ordersPerSec() / rb.ordersPerSec()
	fmt.Printf("app/baseline %.3f: storing costs %.2f ms of this machine per order beyond receiving and verifying it\n",
		ratio, 1000/ra.ordersPerSec()-1000/rb.ordersPerSec())
	if err := redeliver(ctx, appT, baseT); err != nil {
		return err
	}
	if o.cpuprofile != "" {
		fmt.Printf("CPU profile of the app's run: go tool pprof -tagfocus side=app -top %s  (server goroutines only)\n", o.cpuprofile)
	}
	sum.Add(fmt.Sprintf("app orders/s >= %.0f (closed loop, %d workers), 0 errors", targetOrdersPerSec, o.workers),
		fmt.Sprintf("%.0f orders/s (%.0f deliveries/s), %d errors", ra.ordersPerSec(), ra.perSec(), ra.errs),
		benchdb.Check(ra.ordersPerSec() >= targetOrdersPerSec && ra.errs == 0))
	sum.Add("  baseline: verify the HMAC, store nothing (info)", fmt.Sprintf("%.0f orders/s; app/baseline %.3f", rb.ordersPerSec(), ratio), nil)
	sum.Add("  peak latency app / baseline (info)", fmt.Sprintf("p99 %s / %s (p50 %s / %s)", ms(ra.pct(.99)), ms(rb.pct(.99)),
		ms(ra.pct(.5)), ms(rb.pct(.5))), nil)
	return nil
}

// fixedRate is phase 2: open loop at o.rate, the baseline as a reference
// for what the harness adds, then the app.
func fixedRate(ctx context.Context, o options, db *store.DB, appT, baseT *target, sum *summary) error {
	fmt.Printf("\n-- 2. latency at a fixed rate: open loop, %.0f deliveries/s for %s, %d workers, from the scheduled send time --\n",
		o.rate, o.rateDuration, o.openWorkers)
	rb := baseT.openLoop(ctx, o.rate, o.rateDuration, o.openWorkers)
	sum.Noise.Note("the baseline fixed-rate run", rb.cpu)
	fmt.Printf("baseline %s, longest wait for a worker %s\n         (%s; %s)\n", rb.latencies(), ms(rb.maxWait), rb.counts(), rb.cpu)
	pool := db.SQL().Stats()
	ra := appT.openLoop(ctx, o.rate, o.rateDuration, o.openWorkers)
	sum.Noise.Note("the app fixed-rate run", ra.cpu)
	fmt.Printf("app      %s, longest wait for a worker %s\n         (%s; %s)\n         (%s)\n", ra.latencies(), ms(ra.maxWait),
		ra.counts(), ra.cpu, poolSince(db, pool))
	if err := redeliver(ctx, appT, baseT); err != nil {
		return err
	}
	sum.Add(fmt.Sprintf("app p99 <= %s at %.0f req/s (open loop), 0 errors", ms(targetP99), o.rate),
		fmt.Sprintf("p99 %s (p50 %s, p95 %s, max %s), %d errors", ms(ra.pct(.99)), ms(ra.pct(.5)), ms(ra.pct(.95)), ms(ra.pct(1)), ra.errs),
		benchdb.Check(ra.pct(.99) <= targetP99 && ra.errs == 0))
	sum.Add("  same rate, baseline (info)", fmt.Sprintf("p99 %s (p50 %s, p95 %s, max %s)", ms(rb.pct(.99)), ms(rb.pct(.5)),
		ms(rb.pct(.95)), ms(rb.pct(1))), nil)
	return nil
}

// redeliver sends the deliveries that failed again, as Shopify would.
func redeliver(ctx context.Context, ts ...*target) error {
	for _, t := range ts {
		if n := t.pending(); n > 0 {
			sent, left := t.redeliver(ctx)
			fmt.Printf("%s: %d failed deliveries sent again: %d answered 200, %d still failing (first error: %s)\n",
				t.name, n, sent, left, t.errSample())
		}
	}
	return ctx.Err()
}

// poolSince describes what the app's database pool did since before.
func poolSince(db *store.DB, before sql.DBStats) string {
	now := db.SQL().Stats()
	return fmt.Sprintf("database pool: %d connections open at the end (at most %d); %d closed as beyond the idle limit; "+
		"%d waits for a free connection, %s in all", now.OpenConnections, now.MaxOpenConnections,
		now.MaxIdleClosed-before.MaxIdleClosed, now.WaitCount-before.WaitCount, (now.WaitDuration - before.WaitDuration).Round(time.Millisecond))
}

// drainClicks stops the click writer before the database closes.
func drainClicks(a *app.App) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.Clicks.Drain(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "orders bench: draining the click writer:", err)
	}
	if err := a.Ledger.Drain(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "orders bench: draining the commission ledger:", err)
	}
}
