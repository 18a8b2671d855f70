package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
)

// target is one server's webhook endpoint, with keep-alive connections and
// the feed of deliveries sent to it.
type target struct {
	name   string
	url    string // .../webhooks/shopify/{brand id}
	secret []byte
	client *http.Client
	feed   *feed

	errMu    sync.Mutex
	firstErr string
}

func newTarget(name, base, brandID, secret string, f *feed, conns int) *target {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	return &target{name: name, url: base + "/webhooks/shopify/" + brandID, secret: []byte(secret), feed: f,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (t *target) close() { t.client.CloseIdleConnections() }

// send posts d as Shopify does, signed now, and reports whether it was
// answered 200 and the "status" of the reply.
func (t *target) send(d *delivery) (bool, string) {
	mac := hmac.New(sha256.New, t.secret)
	mac.Write(d.body)
	req, err := http.NewRequest(http.MethodPost, t.url, bytes.NewReader(d.body))
	if err != nil {
		t.fail(err.Error())
		return false, ""
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Shopify-Captain-Hook")
	h.Set("X-Shopify-Topic", d.topic)
	h.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	h.Set("X-Shopify-Shop-Domain", "bench-co.myshopify.com")
	h.Set("X-Shopify-API-Version", "2025-01")
	h.Set("X-Shopify-Event-Id", d.eventID)
	h.Set("X-Shopify-Triggered-At", time.Now().UTC().Format(time.RFC3339Nano))
	resp, err := t.client.Do(req)
	if err != nil {
		t.fail(err.Error())
		return false, ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.fail(fmt.Sprintf("%s: %d %s", d.kind, resp.StatusCode, strings.TrimSpace(string(b))))
		return false, ""
	}
	var reply struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(b, &reply)
	return true, reply.Status
}

func (t *target) fail(msg string) {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	if t.firstErr == "" {
		t.firstErr = msg
	}
}

// result is one measurement: deliveries answered 200 by kind, errors
// (anything else), the wall time and the latencies of the answered
// deliveries, sorted.
type result struct {
	ok      [3]int64
	errs    int64
	elapsed time.Duration
	lat     []time.Duration
	cpu     benchdb.CPUUse
	// Open loop only: the rate asked for, and the longest a delivery waited
	// for a free worker past its scheduled time.
	rate    float64
	maxWait time.Duration
}

// ordersPerSec is new orders answered 200 per second.
func (r result) ordersPerSec() float64 { return float64(r.ok[newOrder]) / r.elapsed.Seconds() }

// perSec is deliveries of every kind answered 200 per second.
func (r result) perSec() float64 {
	return float64(r.ok[newOrder]+r.ok[refund]+r.ok[duplicate]) / r.elapsed.Seconds()
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(r.lat)))) - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

func (r result) latencies() string {
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  max %s", ms(r.pct(.50)), ms(r.pct(.95)), ms(r.pct(.99)), ms(r.pct(1)))
}

func (r result) counts() string {
	s := fmt.Sprintf("%d new orders, %d refunds, %d duplicates answered 200", r.ok[newOrder], r.ok[refund], r.ok[duplicate])
	if r.errs > 0 {
		s += fmt.Sprintf(", %d ERRORS", r.errs)
	} else {
		s += ", 0 errors"
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// counter gathers one worker's answers.
type counter struct {
	ok   [3]int64
	errs int64
	lat  []time.Duration
}

// do sends d, counts the answer and tells the feed; the latency is from
// since (the send, or the scheduled send time).
func (t *target) do(d *delivery, since time.Time, c *counter) {
	ok, status := t.send(d)
	if ok {
		c.lat = append(c.lat, time.Since(since))
		c.ok[d.kind]++
	} else {
		c.errs++
	}
	t.feed.done(d, ok, status)
}

func (t *target) merge(cs []counter, start time.Time, cpu benchdb.CPUMark) result {
	r := result{elapsed: time.Since(start), cpu: cpu.Since()}
	for _, c := range cs {
		for k := range c.ok {
			r.ok[k] += c.ok[k]
		}
		r.errs += c.errs
		r.lat = append(r.lat, c.lat...)
	}
	slices.Sort(r.lat)
	return r
}

// loadLabels mark the load generator's goroutines in CPU profiles
// (the servers' are marked side=app and side=baseline).
var loadLabels = pprof.Labels("side", "load")

// closedLoop runs workers goroutines, each sending its next delivery as
// soon as the last one is answered, for d: the peak throughput.
func (t *target) closedLoop(ctx context.Context, workers int, d time.Duration) result {
	var (
		wg    sync.WaitGroup
		cs    = make([]counter, workers)
		start = time.Now()
		cpu   = benchdb.MarkCPU()
	)
	ctx2, stop := context.WithDeadline(ctx, start.Add(d))
	defer stop()
	for g := range workers {
		wg.Go(func() {
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, loadLabels))
			r := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(g)+uint64(t.feed.base)))
			c := &cs[g]
			for ctx2.Err() == nil {
				t.do(t.feed.next(r), time.Now(), c)
			}
		})
	}
	wg.Wait()
	return t.merge(cs, start, cpu)
}

// openLoop sends rate deliveries per second for d whatever the answers do:
// a 1 ms ticker releases the deliveries due by then to a pool of workers.
// Delivery i is due at the first 1 ms grid point at or after i/rate, and its
// latency is counted from that scheduled time, so a stall that delays
// sending counts in full (no coordinated omission).
func (t *target) openLoop(ctx context.Context, rate float64, d time.Duration, workers int) result {
	total := int(rate * d.Seconds())
	jobs := make(chan time.Time, total)
	var (
		wg    sync.WaitGroup
		cs    = make([]counter, workers)
		waits = make([]time.Duration, workers)
		start = time.Now()
		cpu   = benchdb.MarkCPU()
	)
	for g := range workers {
		wg.Go(func() {
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, loadLabels))
			r := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(g)+uint64(t.feed.base)))
			c := &cs[g]
			for sched := range jobs {
				if ctx.Err() != nil {
					continue
				}
				waits[g] = max(waits[g], time.Since(sched))
				t.do(t.feed.next(r), sched, c)
			}
		})
	}
	benchdb.Pace(ctx, start, rate, total, jobs)
	wg.Wait()
	res := t.merge(cs, start, cpu)
	res.rate, res.maxWait = rate, slices.Max(waits)
	return res
}

// redeliver sends again, one at a time, the deliveries that failed, as
// Shopify retries a webhook that was not answered 200: up to 5 attempts
// each, a little apart. It returns how many redeliveries succeeded and how
// many deliveries are still unanswered.
func (t *target) redeliver(ctx context.Context) (sent, left int) {
	var still []*delivery
	for _, d := range t.feed.takeFailed() {
		d.retry = true
		ok := false
		for attempt := 1; attempt <= 5 && !ok && ctx.Err() == nil; attempt++ {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
			var status string
			ok, status = t.send(d)
			if ok {
				t.feed.done(d, true, status)
			}
		}
		if ok {
			sent++
		} else {
			still = append(still, d)
		}
	}
	// Leave the ones still unanswered for the verification to report.
	t.feed.mu.Lock()
	t.feed.failed = append(t.feed.failed, still...)
	t.feed.mu.Unlock()
	return sent, len(still)
}

// pending is the number of deliveries never answered 200.
func (t *target) pending() int {
	t.feed.mu.Lock()
	defer t.feed.mu.Unlock()
	return len(t.feed.failed)
}

// errSample is the first error seen, for the report.
func (t *target) errSample() string {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	return t.firstErr
}
