// Command redirect measures the short-link redirect hot path, GET /{slug},
// against the targets of issue 4: it serves the real app (app.New, as
// cmd/clout) and a bare echo baseline over loopback in one process, seeds
// 10,000 links, drives both with a Go load generator (keep-alive, no
// redirects followed), and measures peak throughput, open-loop latency at
// half the peak, clicks dropped and written late at 80% of the peak, and the
// click writer alone. It always exits 0 once it has measured: the summary
// says PASS or FAIL per target. See README.md.
package main

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/store"
)

// Targets (issue 4, "Performance").
const (
	targetRatio      = 0.75
	targetP99        = 5 * time.Millisecond
	targetLag        = 2 * time.Second
	targetWriterRows = 50_000.0
	sampleEvery      = 100 * time.Millisecond
)

type options struct {
	dialect, dsn, cpuprofile string
	openClient               string
	links, conns, writerRows int
	duration, sustain        time.Duration
}

func main() {
	if os.Getenv(loadgenEnv) != "" {
		loadgenMain()
		return
	}
	var o options
	flag.StringVar(&o.dialect, "db", "sqlite", "database: sqlite or postgres")
	flag.StringVar(&o.dsn, "dsn", cmp.Or(os.Getenv("TEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL URL; a fresh schema is created in it, and dropped at the end")
	flag.IntVar(&o.links, "links", 10_000, "active links to seed")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each peak round and of the open-loop latency run")
	flag.DurationVar(&o.sustain, "sustain", 30*time.Second, "length of the run at 80% of the peak")
	flag.IntVar(&o.conns, "conns", 64, "concurrent connections of the closed-loop load generator")
	flag.IntVar(&o.writerRows, "writer-rows", 1_000_000, "clicks for the click-writer-alone measurement")
	flag.StringVar(&o.openClient, "open-client", "raw", "client of the open-loop runs: raw (lean HTTP/1.1 client) or nethttp (net/http, as the peak rounds)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the first peak round against the app to this file")
	flag.Parse()
	if (o.dialect != "sqlite" && o.dialect != "postgres") || (o.openClient != "raw" && o.openClient != "nethttp") || o.links < 1 || o.conns < 1 || o.writerRows < 1 ||
		o.duration < time.Second || o.sustain < time.Second {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sum, err := run(ctx, o)
	sum.print(o)
	if err != nil {
		// A measurement that could not be made is an error; targets missed are not.
		fmt.Fprintln(os.Stderr, "redirect bench: ERROR:", err)
		os.Exit(1)
	}
}

// summary is every target's measured value; a nil check is one not measured.
type summary struct{ benchdb.Summary }

func (s *summary) print(o options) {
	s.Summary.Print(fmt.Sprintf("%s, %d links, %d conns, %s peak rounds, %s sustained", o.dialect, o.links, o.conns, o.duration, o.sustain))
}

func run(ctx context.Context, o options) (*summary, error) {
	sum := &summary{}
	fmt.Printf("redirect bench on %s: %d CPUs, GOMAXPROCS %d (default).\n", o.dialect, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Println("NOTE: the load generator is a process of its own (this program again) on the same machine: it shares these")
	fmt.Println("      CPUs with both servers and the database, so absolute req/s understate what the app serves on its own;")
	fmt.Println("      the app/baseline ratio is measured under the same handicap for both.")

	// As cmd/clout serve does: the garbage collector's target, for this
	// process and so for both servers.
	app.TuneRuntime()
	idle := benchdb.MarkCPU()
	time.Sleep(time.Second)
	fmt.Printf("before starting, over 1 s: %s\n", idle.Since())

	db, appDSN, cleanup, err := openFresh(ctx, o)
	if err != nil {
		return sum, err
	}
	defer cleanup()
	a, brandID, err := startApp(ctx, db)
	if err != nil {
		return sum, err
	}
	start := time.Now()
	dests, slugs, err := seedLinks(ctx, db, brandID, o.links)
	if err != nil {
		return sum, fmt.Errorf("seeding: %w", err)
	}
	if err := a.Resolver.Warm(ctx); err != nil {
		return sum, err
	}
	if n := a.Resolver.Len(); n != o.links {
		return sum, fmt.Errorf("resolver holds %d links after Warm, want %d", n, o.links)
	}
	fmt.Printf("\nseeded %d creators and %d active links, warmed the resolver: %s\n", creators, o.links, time.Since(start).Round(time.Millisecond))
	if db.Dialect == store.Postgres {
		// As cmd/clout does: other instances' link changes reach the cache.
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ready := make(chan struct{})
		go a.Resolver.Listen(lctx, appDSN, ready)
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			return sum, errors.New("resolver LISTEN connection not ready in 10 s")
		}
	}

	appSrv, err := serve("app", a.Web.Handler())
	if err != nil {
		return sum, err
	}
	defer appSrv.srv.Close()
	baseSrv, err := serve("baseline", baselineHandler(dests))
	if err != nil {
		return sum, err
	}
	defer baseSrv.srv.Close()
	if err := sanity(appSrv.url, baseSrv.url, slugs[0], dests[slugs[0]]); err != nil {
		return sum, err
	}

	// 1. Peak throughput, closed loop, alternating.
	fmt.Printf("\n-- 1. peak throughput: closed loop, %d connections, %s per round, baseline and app alternating --\n", o.conns, o.duration)
	gen, err := startGenerator(slugs)
	if err != nil {
		return sum, fmt.Errorf("starting the load generator: %w", err)
	}
	defer gen.close()
	warm := min(time.Second, o.duration/5)
	for _, u := range []string{baseSrv.url, appSrv.url} {
		if _, err := gen.closedLoop(u, o.conns, warm); err != nil {
			return sum, err
		}
	}
	if _, err := caughtUp(ctx, a, appSrv, time.Minute); err != nil {
		return sum, err
	}
	var bestB, bestA result
	for round := range 2 {
		rb, err := gen.closedLoop(baseSrv.url, o.conns, o.duration)
		if err != nil {
			return sum, err
		}
		fmt.Printf("round %d baseline %s\n", round+1, rb)
		sum.Noise.Note(fmt.Sprintf("peak round %d (baseline)", round+1), rb.cpu)
		var prof *os.File
		if o.cpuprofile != "" && round == 0 {
			if prof, err = os.Create(o.cpuprofile); err == nil {
				err = pprof.StartCPUProfile(prof)
			}
			if err != nil {
				return sum, fmt.Errorf("-cpuprofile: %w", err)
			}
		}
		dropped0 := a.Clicks.Dropped()
		ra, err := gen.closedLoop(appSrv.url, o.conns, o.duration)
		if prof != nil {
			pprof.StopCPUProfile()
			prof.Close()
		}
		if err != nil {
			return sum, err
		}
		backlog := a.Clicks.Pending()
		took, err := caughtUp(ctx, a, appSrv, 2*time.Minute)
		if err != nil {
			return sum, err
		}
		fmt.Printf("round %d app      %s\n", round+1, ra)
		sum.Noise.Note(fmt.Sprintf("peak round %d (app)", round+1), ra.cpu)
		fmt.Printf("         (click writer: %d queued at the end of the round, all written %s later; %d dropped in the round)\n",
			backlog, took.Round(time.Millisecond), a.Clicks.Dropped()-dropped0)
		if rb.rps() > bestB.rps() {
			bestB = rb
		}
		if ra.rps() > bestA.rps() {
			bestA = ra
		}
		if rb.errs+ra.errs > 0 {
			return sum, fmt.Errorf("round %d: %d baseline and %d app requests not answered 302", round+1, rb.errs, ra.errs)
		}
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
	}
	ratio := bestA.rps() / bestB.rps()
	fmt.Printf("best baseline %s\nbest app      %s\napp/baseline  %.3f (target >= %.2f)\n", bestB, bestA, ratio, targetRatio)
	if o.cpuprofile != "" {
		fmt.Printf("CPU profile of app round 1 (whole process, load generator included): go tool pprof -top %s\n", o.cpuprofile)
	}
	sum.Add(fmt.Sprintf("peak req/s app / bare echo baseline >= %.2f", targetRatio),
		fmt.Sprintf("%.3f (%.0f / %.0f req/s)", ratio, bestA.rps(), bestB.rps()), benchdb.Check(ratio >= targetRatio))
	sum.Add("  peak latency app (closed loop, info)", fmt.Sprintf("p50 %s p95 %s p99 %s", ms(bestA.pct(.5)), ms(bestA.pct(.95)), ms(bestA.pct(.99))), nil)
	sum.Add("  peak latency baseline (closed loop, info)", fmt.Sprintf("p50 %s p95 %s p99 %s", ms(bestB.pct(.5)), ms(bestB.pct(.95)), ms(bestB.pct(.99))), nil)

	// 2. Latency at half the peak, open loop.
	workers := o.conns
	half := bestA.rps() / 2
	fmt.Printf("\n-- 2. latency at half the app's peak: open loop (%s client), %.0f req/s for %s, %d connections, from scheduled send time --\n", o.openClient, half, o.duration, workers)
	ob, err := gen.open(o, baseSrv.url, half, o.duration, workers)
	if err != nil {
		return sum, err
	}
	fmt.Printf("baseline %s, longest wait for a worker %s\n", ob, ms(ob.maxWait))
	sum.Noise.Note("the half-peak run (baseline)", ob.cpu)
	oa, err := gen.open(o, appSrv.url, half, o.duration, workers)
	if err != nil {
		return sum, err
	}
	fmt.Printf("app      %s, longest wait for a worker %s\n", oa, ms(oa.maxWait))
	sum.Noise.Note("the half-peak run (app)", oa.cpu)
	if oa.errs > 0 {
		return sum, fmt.Errorf("open loop: %d app requests not answered 302", oa.errs)
	}
	if _, err := caughtUp(ctx, a, appSrv, 2*time.Minute); err != nil {
		return sum, err
	}
	sum.Add(fmt.Sprintf("p99 at half the peak <= %s (open loop)", ms(targetP99)),
		fmt.Sprintf("%s at %.0f req/s (p50 %s, p95 %s)", ms(oa.pct(.99)), half, ms(oa.pct(.5)), ms(oa.pct(.95))), benchdb.Check(oa.pct(.99) <= targetP99))
	sum.Add("  same rate, baseline (info)", fmt.Sprintf("p99 %s (p50 %s, p95 %s)", ms(ob.pct(.99)), ms(ob.pct(.5)), ms(ob.pct(.95))), nil)

	// 3. 80% of the peak, sustained.
	if err := sustained(ctx, o, a, appSrv, gen, bestA.rps()*0.8, workers, sum); err != nil {
		return sum, err
	}

	// Stop serving, drain the app's writer, and check the table against it.
	appSrv.srv.Close()
	baseSrv.srv.Close()
	dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := a.Clicks.Drain(dctx); err != nil {
		return sum, err
	}
	var inTable int64
	if err := db.Raw("SELECT count(*) FROM clicks").Scan(&inTable).Error; err != nil {
		return sum, err
	}
	fmt.Printf("\nall phases: app served %d redirects; click writer wrote %d and dropped %d; clicks table holds %d rows\n",
		appSrv.started.Load(), a.Clicks.Written(), a.Clicks.Dropped(), inTable)
	if inTable != a.Clicks.Written() || a.Clicks.Written()+a.Clicks.Dropped() != appSrv.started.Load() {
		sum.Add("every redirect's click accounted for (written + dropped)",
			fmt.Sprintf("%d served, %d written, %d dropped, %d in table", appSrv.started.Load(), a.Clicks.Written(), a.Clicks.Dropped(), inTable), benchdb.Check(false))
	}
	sum.Add("  clicks dropped over the whole run, peak rounds included (info)", fmt.Sprint(a.Clicks.Dropped()), nil)

	// 4. The click writer alone.
	return sum, writerAlone(ctx, o, db, sum, a.Reports.ClickRollup)
}

// sanity checks one redirect of each server before measuring anything.
func sanity(appURL, baseURL, slug, dest string) error {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, u := range []string{baseURL, appURL} {
		req, _ := http.NewRequest(http.MethodGet, u+"/"+slug, nil)
		req.Header.Set("User-Agent", userAgents[0])
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, strings.SplitN(dest, "?", 2)[0]) {
			return fmt.Errorf("GET %s/%s: %d to %q, want 302 to %s", u, slug, resp.StatusCode, loc, dest)
		}
		if u == appURL {
			q, _ := url.ParseQuery(strings.SplitN(loc, "?", 2)[1])
			if q.Get("utm_source") == "" || !strings.HasPrefix(q.Get("clout_click"), "clk_") {
				return fmt.Errorf("app redirect %q lacks UTM parameters or the click id", loc)
			}
			fmt.Printf("app:      %s/%s -> 302 %s\n", u, slug, loc)
		} else {
			fmt.Printf("baseline: %s/%s -> 302 %s\n", u, slug, loc)
		}
	}
	return nil
}

// caughtUp waits until the app's click writer has written (or dropped) a
// click for every request the app has started, and says how long it took.
func caughtUp(ctx context.Context, a *app.App, s *server, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		want, got := s.started.Load(), a.Clicks.Written()+a.Clicks.Dropped()
		if got >= want {
			return time.Since(start), nil
		}
		if time.Since(start) > limit || ctx.Err() != nil {
			return time.Since(start), fmt.Errorf("click writer: %d of %d clicks written after %s", got, want, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type sample struct {
	at time.Duration
	n  int64
}

// sustained runs the app at rate for o.sustain, then waits for the click
// writer, and reports dropped clicks and the write lag.
//
// Every 100 ms it samples W, the clicks written (Written+Dropped: Written
// counts a batch once its COPY or transaction has committed), then S, the
// requests the app has started. The writer takes clicks from a FIFO queue
// and every click is queued by a request that had started, so once W >= S(t)
// every click answered by t is in the database. The lag of sample t is the
// time of the first sample with W >= S(t), minus t; the max over samples is
// reported (resolution: the 100 ms sampling).
func sustained(ctx context.Context, o options, a *app.App, s *server, gen *generator, rate float64, workers int, sum *summary) error {
	fmt.Printf("\n-- 3. sustained: open loop, %.0f req/s (80%% of the app's peak) for %s --\n", rate, o.sustain)
	if _, err := caughtUp(ctx, a, s, 2*time.Minute); err != nil {
		return err
	}
	s0, w0, d0 := s.started.Load(), a.Clicks.Written()+a.Clicks.Dropped(), a.Clicks.Dropped()
	var (
		ss, ws   []sample
		maxQueue int
		start    = time.Now()
		stop     = make(chan struct{})
		done     = make(chan struct{})
	)
	go func() {
		defer close(done)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			at := time.Since(start)
			ws = append(ws, sample{at, a.Clicks.Written() + a.Clicks.Dropped() - w0})
			ss = append(ss, sample{at, s.started.Load() - s0})
			maxQueue = max(maxQueue, a.Clicks.Pending())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	res, gerr := gen.open(o, s.url, rate, o.sustain, workers)
	loadEnd := time.Since(start)
	took, werr := caughtUp(ctx, a, s, time.Minute)
	time.Sleep(sampleEvery + 10*time.Millisecond) // one more sample, now that all is written
	close(stop)
	<-done
	if gerr != nil {
		return gerr
	}
	dropped := a.Clicks.Dropped() - d0
	fmt.Printf("app %s, longest wait for a worker %s\n", res, ms(res.maxWait))
	sum.Noise.Note("the sustained run", res.cpu)
	fmt.Printf("redirects answered (302): %d; requests served: %d; clicks queued at most %d; all written %s after the load ended\n",
		res.ok, s.started.Load()-s0, maxQueue, took.Round(time.Millisecond))
	var maxLag time.Duration
	var at time.Duration
	caught := true
	j := 0
	for _, sm := range ss {
		for j < len(ws) && ws[j].n < sm.n {
			j++
		}
		if j == len(ws) {
			caught = false
			break
		}
		if lag := ws[j].at - sm.at; lag > maxLag {
			maxLag, at = lag, sm.at
		}
	}
	lagText := fmt.Sprintf("%.2f s (at t=%.1f s of %.0f s; 0.1 s sampling)", maxLag.Seconds(), at.Seconds(), loadEnd.Seconds())
	if !caught || werr != nil {
		lagText = fmt.Sprintf("clicks still unwritten %s after the load ended", took.Round(time.Millisecond))
	}
	fmt.Printf("dropped clicks: %d; max write lag: %s\n", dropped, lagText)
	sum.Add("dropped clicks at 80% of the peak == 0", fmt.Sprintf("%d of %d (at %.0f req/s for %s)", dropped, s.started.Load()-s0, rate, o.sustain),
		benchdb.Check(dropped == 0 && res.errs == 0))
	sum.Add(fmt.Sprintf("every click in the database within %.0f s (max lag)", targetLag.Seconds()), lagText,
		benchdb.Check(caught && werr == nil && maxLag <= targetLag))
	sum.Add("  latency at 80% of the peak (open loop, info)", fmt.Sprintf("p50 %s p95 %s p99 %s", ms(res.pct(.5)), ms(res.pct(.95)), ms(res.pct(.99))), nil)
	return nil
}

// writerAlone queues o.writerRows synthetic clicks on a new click writer as
// fast as it takes them, drains it, and reports rows written per second,
// from the first Record to the end of Drain. The writer keeps the daily
// click rollups as the app's does (rollup, in each batch's transaction).
func writerAlone(ctx context.Context, o options, db *store.DB, sum *summary, rollup click.Rollup) error {
	fmt.Printf("\n-- 4. click writer alone: %d clicks queued at once, then Drain --\n", o.writerRows)
	var ids []struct{ ID, BrandID, CreatorID string }
	if err := db.Raw("SELECT id, brand_id, creator_id FROM links LIMIT 1000").Scan(&ids).Error; err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	now := store.Now()
	devices := []string{click.Mobile, click.Mobile, click.Mobile, click.Desktop, click.Tablet}
	events := make([]click.Event, o.writerRows)
	hash := make([]byte, 16)
	for i := range events {
		l := ids[r.IntN(len(ids))]
		for k := range hash {
			hash[k] = byte(r.Uint32())
		}
		events[i] = click.Event{ID: store.NewID("clk"), ClickedAt: now.Add(time.Duration(i) * time.Microsecond), BrandID: l.BrandID,
			CreatorID: l.CreatorID, LinkID: l.ID, VisitorHash: hex.EncodeToString(hash), ReferrerHost: click.ReferrerHost(referers[i%len(referers)]),
			Device: devices[i%len(devices)], UserAgent: writerAgents[i%len(writerAgents)]}
	}
	var before int64
	if err := db.Raw("SELECT count(*) FROM clicks").Scan(&before).Error; err != nil {
		return err
	}
	w := click.NewWriter(db, slog.New(slog.DiscardHandler), "bench-writer-secret-0123456789abcdef", o.writerRows)
	w.SetRollup(rollup)
	cpu := benchdb.MarkCPU()
	start := time.Now()
	for _, e := range events {
		w.Record(e)
	}
	queued := time.Since(start)
	dctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := w.Drain(dctx); err != nil {
		return err
	}
	elapsed := time.Since(start)
	use := cpu.Since()
	sum.Noise.Note("the click writer run", use)
	var after int64
	if err := db.Raw("SELECT count(*) FROM clicks").Scan(&after).Error; err != nil {
		return err
	}
	rps := float64(w.Written()) / elapsed.Seconds()
	fmt.Printf("queued %d in %s; written %d, dropped %d, in %s: %.0f rows/s; clicks table grew by %d (had %d rows before); %s\n",
		o.writerRows, queued.Round(time.Millisecond), w.Written(), w.Dropped(), elapsed.Round(time.Millisecond), rps, after-before, before, use)
	measured := fmt.Sprintf("%.0f rows/s (%d rows in %s)", rps, w.Written(), elapsed.Round(time.Millisecond))
	ok := w.Written() == int64(o.writerRows) && after-before == int64(o.writerRows)
	if !ok {
		measured += fmt.Sprintf("; %d dropped, table +%d", w.Dropped(), after-before)
	}
	if db.Dialect == store.Postgres {
		sum.Add(fmt.Sprintf("click writer alone >= %.0f rows/s (PostgreSQL, COPY)", targetWriterRows), measured, benchdb.Check(ok && rps >= targetWriterRows))
	} else {
		sum.Add(fmt.Sprintf("click writer alone, SQLite (info; target %.0f is for PostgreSQL)", targetWriterRows), measured, nil)
		if !ok {
			sum.Add("click writer alone wrote every click", measured, benchdb.Check(false))
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// writerAgents are the user agents of the writer-alone run: the writer
// classifies every click (bot or human, unique or not) before writing it.
var writerAgents = []string{
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15",
	"Googlebot/2.1 (+http://www.google.com/bot.html)",
}
