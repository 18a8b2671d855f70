package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
)

// userAgents are current browsers on phones and desktops: what follows a
// creator's link. None is a bot, so every click is a human one.
var userAgents = []string{
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.113 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 327.0.0.42.90",
}

var referers = []string{"", "https://www.tiktok.com/", "https://l.instagram.com/", "https://www.youtube.com/", ""}

// loader sends GET /{slug} to one server with keep-alive connections,
// never following the redirect.
type loader struct {
	base   string
	paths  []string // "/" + slug
	client *http.Client
}

func newLoader(base string, slugs []string, conns int) *loader {
	paths := make([]string, len(slugs))
	for i, s := range slugs {
		paths[i] = base + "/" + s
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0, // no overall limit
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	return &loader{base: base, paths: paths, client: &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (l *loader) close() { l.client.CloseIdleConnections() }

// do sends one request for a random slug and reports whether it was a 302.
func (l *loader) do(r *rand.Rand) bool {
	req, err := http.NewRequest(http.MethodGet, l.paths[r.IntN(len(l.paths))], nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", userAgents[r.IntN(len(userAgents))])
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	if ref := referers[r.IntN(len(referers))]; ref != "" {
		req.Header.Set("Referer", ref)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusFound
}

// result is one measurement: answered 302s, errors (anything else), the
// wall time and the latencies of the answered requests, sorted.
type result struct {
	ok, errs int64
	elapsed  time.Duration
	lat      []time.Duration
	// Open loop only: the rate asked for, and the longest a request waited
	// for a free worker past its scheduled time (all workers were busy:
	// answers were slow, or the generator could not keep up).
	rate    float64
	maxWait time.Duration
	cpu     benchdb.CPUUse
}

func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(r.lat)))) - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

func (r result) String() string {
	s := fmt.Sprintf("%9.0f req/s  p50 %s  p95 %s  p99 %s  max %s  (%d answered", r.rps(), ms(r.pct(.50)), ms(r.pct(.95)),
		ms(r.pct(.99)), ms(r.pct(1)), r.ok)
	if r.errs > 0 {
		s += fmt.Sprintf(", %d ERRORS", r.errs)
	}
	return s + "; " + r.cpu.String() + ")"
}

func merge(parts [][]time.Duration) []time.Duration {
	var all []time.Duration
	for _, p := range parts {
		all = append(all, p...)
	}
	slices.Sort(all)
	return all
}

// closedLoop runs conns goroutines, each sending its next request as soon as
// the last one is answered, for d: the peak throughput.
func (l *loader) closedLoop(ctx context.Context, conns int, d time.Duration) result {
	var (
		wg         sync.WaitGroup
		ok, errs   atomic.Int64
		lats       = make([][]time.Duration, conns)
		start      = time.Now()
		ctx2, stop = context.WithDeadline(ctx, start.Add(d))
		cpu        = benchdb.MarkCPU()
	)
	defer stop()
	for g := range conns {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(g)))
			lat := make([]time.Duration, 0, 1<<14)
			for ctx2.Err() == nil {
				t := time.Now()
				if l.do(r) {
					lat = append(lat, time.Since(t))
					ok.Add(1)
				} else {
					errs.Add(1)
				}
			}
			lats[g] = lat
		})
	}
	wg.Wait()
	return result{ok: ok.Load(), errs: errs.Load(), elapsed: time.Since(start), lat: merge(lats), cpu: cpu.Since()}
}

// openLoop sends rate requests per second for d whatever the answers do: a
// 1 ms ticker releases the requests due by then to a pool of workers. Each
// request has a scheduled send time (start + i/rate) and its latency is
// counted from it, so a stall that delays sending is counted in full
// (no coordinated omission).
func (l *loader) openLoop(ctx context.Context, rate float64, d time.Duration, workers int) result {
	total := int(rate * d.Seconds())
	jobs := make(chan time.Time, total)
	var (
		wg       sync.WaitGroup
		ok, errs atomic.Int64
		lats     = make([][]time.Duration, workers)
		waits    = make([]time.Duration, workers)
		start    = time.Now()
		cpu      = benchdb.MarkCPU()
	)
	for g := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(g)))
			lat := make([]time.Duration, 0, 1<<12)
			for sched := range jobs {
				if ctx.Err() != nil {
					continue
				}
				waits[g] = max(waits[g], time.Since(sched))
				if l.do(r) {
					lat = append(lat, time.Since(sched))
					ok.Add(1)
				} else {
					errs.Add(1)
				}
			}
			lats[g] = lat
		})
	}
	benchdb.Pace(ctx, start, rate, total, jobs)
	wg.Wait()
	return result{ok: ok.Load(), errs: errs.Load(), elapsed: time.Since(start), lat: merge(lats), rate: rate,
		maxWait: slices.Max(waits), cpu: cpu.Since()}
}
