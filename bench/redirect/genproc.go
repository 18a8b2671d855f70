package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
)

// The load generator runs in a process of its own (this program again, with
// loadgenEnv set), so that its goroutines, allocations and garbage
// collections do not share a Go runtime with the servers it measures: the
// servers' scheduler and collector see only the servers' work, and the
// kernel shares the cores between the two processes. The parent sends it
// one JSON command per measurement on its standard input and reads one JSON
// result from its standard output.
const loadgenEnv = "CLOUT_BENCH_LOADGEN"

// genCmd is one command to the generator process.
type genCmd struct {
	Op    string        `json:"op"` // "slugs", "closed", "open" (net/http client) or "raw" (rawOpenLoop)
	Slugs []string      `json:"slugs,omitempty"`
	Base  string        `json:"base,omitempty"`
	Conns int           `json:"conns,omitempty"`
	Dur   time.Duration `json:"dur,omitempty"`
	Rate  float64       `json:"rate,omitempty"`
}

// genResult is a command's result: a result without its CPU reading.
type genResult struct {
	OK, Errs int64
	Elapsed  time.Duration
	Lat      []time.Duration
	Rate     float64
	MaxWait  time.Duration
	Err      string
}

// loadgenMain is the generator process: it runs commands until its
// standard input closes.
func loadgenMain() {
	in := json.NewDecoder(bufio.NewReader(os.Stdin))
	out := json.NewEncoder(os.Stdout)
	var slugs []string
	loaders := map[string]*loader{}
	for {
		var c genCmd
		if err := in.Decode(&c); err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintln(os.Stderr, "load generator:", err)
				os.Exit(1)
			}
			return
		}
		var r result
		switch c.Op {
		case "slugs":
			slugs = c.Slugs
		case "raw":
			var err error
			if r, err = rawOpenLoop(context.Background(), c.Base, slugs, c.Rate, c.Dur, c.Conns); err != nil {
				fmt.Fprintln(os.Stderr, "load generator:", err)
			}
		case "closed", "open":
			l := loaders[c.Base]
			if l == nil {
				l = newLoader(c.Base, slugs, c.Conns)
				loaders[c.Base] = l
			}
			if c.Op == "closed" {
				r = l.closedLoop(context.Background(), c.Conns, c.Dur)
			} else {
				r = l.openLoop(context.Background(), c.Rate, c.Dur, c.Conns)
			}
		default:
			fmt.Fprintln(os.Stderr, "load generator: unknown command", c.Op)
			os.Exit(1)
		}
		if err := out.Encode(genResult{OK: r.ok, Errs: r.errs, Elapsed: r.elapsed, Lat: r.lat, Rate: r.rate, MaxWait: r.maxWait}); err != nil {
			os.Exit(1)
		}
	}
}

// generator is the parent's handle on the generator process.
type generator struct {
	cmd *exec.Cmd
	in  *json.Encoder
	out *json.Decoder
	w   io.Closer
}

// startGenerator starts the generator process and gives it the slugs to
// request.
func startGenerator(slugs []string) (*generator, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), loadgenEnv+"=1")
	cmd.Stderr = os.Stderr
	w, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	r, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	benchdb.WatchGenerator(cmd.Process.Pid)
	g := &generator{cmd: cmd, in: json.NewEncoder(w), out: json.NewDecoder(bufio.NewReader(r)), w: w}
	if _, err := g.run(genCmd{Op: "slugs", Slugs: slugs}); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

func (g *generator) run(c genCmd) (result, error) {
	cpu := benchdb.MarkCPU()
	if err := g.in.Encode(c); err != nil {
		return result{}, fmt.Errorf("load generator: %w", err)
	}
	var r genResult
	if err := g.out.Decode(&r); err != nil {
		return result{}, fmt.Errorf("load generator: %w", err)
	}
	return result{ok: r.OK, errs: r.Errs, elapsed: r.Elapsed, lat: r.Lat, rate: r.Rate, maxWait: r.MaxWait, cpu: cpu.Since()}, nil
}

// closedLoop and openLoop run the loader's measurements against base in
// the generator process.
func (g *generator) closedLoop(base string, conns int, d time.Duration) (result, error) {
	return g.run(genCmd{Op: "closed", Base: base, Conns: conns, Dur: d})
}

func (g *generator) openLoop(base string, rate float64, d time.Duration, workers int) (result, error) {
	return g.run(genCmd{Op: "open", Base: base, Conns: workers, Dur: d, Rate: rate})
}

// open is the open-loop run with the client -open-client names.
func (g *generator) open(o options, base string, rate float64, d time.Duration, conns int) (result, error) {
	if o.openClient == "nethttp" {
		return g.openLoop(base, rate, d, conns)
	}
	return g.rawOpenLoop(base, rate, d, conns)
}

// rawOpenLoop runs rawOpenLoop against base in the generator process.
func (g *generator) rawOpenLoop(base string, rate float64, d time.Duration, conns int) (result, error) {
	return g.run(genCmd{Op: "raw", Base: base, Conns: conns, Dur: d, Rate: rate})
}

func (g *generator) close() {
	g.w.Close()
	done := make(chan struct{})
	go func() { g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		g.cmd.Process.Kill()
		<-done
	}
}
