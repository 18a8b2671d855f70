package benchdb

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Summary collects a run's targets and checks and prints them as a table.
type Summary struct {
	rows  []summaryRow
	Noise Noise
}

type summaryRow struct {
	target, measured string
	pass             *bool // nil: information only
}

// Add records a row; pass is nil for information only.
func (s *Summary) Add(target, measured string, pass *bool) {
	s.rows = append(s.rows, summaryRow{target, measured, pass})
}

// Check makes a pass/miss value for Add.
func Check(ok bool) *bool { return &ok }

// Print writes the table under title, then whether the machine was quiet,
// and returns how many targets or checks were missed.
func (s *Summary) Print(title string) int {
	if len(s.rows) == 0 {
		return 0
	}
	fmt.Printf("\n== SUMMARY: %s ==\n", title)
	fmt.Printf("%-64s %-58s %s\n", "target / check", "measured", "result")
	missed := 0
	for _, r := range s.rows {
		res := "info"
		if r.pass != nil {
			res = "met"
			if !*r.pass {
				res, missed = "MISSED  <<<<<<<<", missed+1
			}
		}
		fmt.Printf("%-64s %-58s %s\n", r.target, r.measured, res)
	}
	s.Noise.Report()
	if missed > 0 {
		fmt.Printf("%d target(s) or check(s) missed\n", missed)
	} else {
		fmt.Println("every target met, every check passed")
	}
	return missed
}

// Pace sends total request times on jobs at rate per second from start, on
// a 1 ms grid (timers here are no finer): request i is due at the first grid
// point at or after i/rate. Each tick releases the requests due at the grid
// points it has passed; a late tick (timer resolution, a busy CPU) counts in
// full in their latency, since workers measure from the due time. It closes
// jobs when done or when ctx ends.
func Pace(ctx context.Context, start time.Time, rate float64, total int, jobs chan<- time.Time) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	defer close(jobs)
	for sent := 0; sent < total && ctx.Err() == nil; {
		now := <-tick.C
		grid := now.Sub(start).Truncate(time.Millisecond)
		for ; sent < total; sent++ {
			at := time.Duration(math.Ceil(float64(sent)/rate*1000)) * time.Millisecond
			if at > grid {
				break
			}
			jobs <- start.Add(at)
		}
	}
}
