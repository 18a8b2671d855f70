package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// rawOpenLoop is the open-loop measurement with a lean HTTP/1.1 client:
// conns keep-alive TCP connections, each writing a request built in a
// reused buffer and reading the answer's status line and headers (and
// Content-Length bytes of body), with no allocation per request. It sends
// the same requests as loader.do (a random slug, a browser's user agent and
// headers, sometimes a Referer) and never follows the redirect.
//
// Request i is due at start + i/rate. Each connection takes the next
// request number when it is free and sleeps until that request is due (or
// sends at once when it is already late); its latency is counted from the
// due time, so a server stall counts in full for every request it delayed
// (no coordinated omission). maxWait is how late the latest send was.
//
// The net/http client (loader) costs about as much CPU per request as the
// server it measures; at a fixed rate on a shared two-core machine, that
// cost and its garbage collections show in every latency. This client costs
// a fraction of it, so the latencies are the servers'.
func rawOpenLoop(ctx context.Context, base string, slugs []string, rate float64, d time.Duration, conns int) (result, error) {
	u, err := url.Parse(base)
	if err != nil {
		return result{}, err
	}
	total := int(rate * d.Seconds())
	lat := make([]time.Duration, total)
	answered := make([]bool, total)
	cs := make([]net.Conn, conns)
	for i := range cs {
		if cs[i], err = net.Dial("tcp", u.Host); err != nil {
			for _, c := range cs[:i] {
				c.Close()
			}
			return result{}, err
		}
	}
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	var (
		next     atomic.Int64
		errs     atomic.Int64
		firstErr atomic.Pointer[error]
		waits    = make([]time.Duration, conns)
		wg       sync.WaitGroup
		start    = time.Now().Add(10 * time.Millisecond)
		perReq   = float64(time.Second) / rate
	)
	for g := range conns {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(g)))
			conn := cs[g]
			br := bufio.NewReaderSize(conn, 4096)
			buf := make([]byte, 0, 1024)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				due := start.Add(time.Duration(float64(i) * perReq))
				if wait := time.Until(due); wait > 0 {
					time.Sleep(wait)
				} else {
					waits[g] = max(waits[g], -wait)
				}
				buf = appendRequest(buf[:0], u.Host, slugs[r.IntN(len(slugs))], r)
				status, err := roundTrip(conn, br, buf)
				if err != nil {
					// A broken connection: count the request and dial again.
					errs.Add(1)
					e := err
					firstErr.CompareAndSwap(nil, &e)
					conn.Close()
					if conn, err = net.Dial("tcp", u.Host); err != nil {
						return
					}
					cs[g] = conn
					br.Reset(conn)
					continue
				}
				lat[i] = time.Since(due)
				answered[i] = status == 302
				if status != 302 {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	res := result{elapsed: time.Since(start), rate: rate, maxWait: slices.Max(waits)}
	res.lat = make([]time.Duration, 0, total)
	for i, ok := range answered {
		if ok {
			res.lat = append(res.lat, lat[i])
		}
	}
	res.ok, res.errs = int64(len(res.lat)), errs.Load()+int64(total-int(min(next.Load(), int64(total))))
	slices.Sort(res.lat)
	if e := firstErr.Load(); e != nil && res.ok == 0 {
		return res, *e
	}
	return res, nil
}

// appendRequest appends GET /slug with a browser's headers.
func appendRequest(b []byte, host, slug string, r *rand.Rand) []byte {
	b = append(b, "GET /"...)
	b = append(b, slug...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nUser-Agent: "...)
	b = append(b, userAgents[r.IntN(len(userAgents))]...)
	b = append(b, "\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.9\r\n"...)
	if ref := referers[r.IntN(len(referers))]; ref != "" {
		b = append(b, "Referer: "...)
		b = append(b, ref...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

var contentLength = []byte("content-length:")

// roundTrip writes req and reads one answer: its status, headers and body.
func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) (int, error) {
	if _, err := conn.Write(req); err != nil {
		return 0, err
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	body := 0
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 { // the empty line
			break
		}
		if len(h) > len(contentLength) && bytes.EqualFold(h[:len(contentLength)], contentLength) {
			if body, err = strconv.Atoi(string(bytes.TrimSpace(h[len(contentLength):]))); err != nil {
				return 0, fmt.Errorf("bad Content-Length %q", h)
			}
		}
	}
	if _, err := br.Discard(body); err != nil {
		return 0, err
	}
	return status, nil
}
