package report

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestBlocksOf(t *testing.T) {
	// 2026-11-16 is day 20773 (odd); 2026-11-15, day 20772 = 4 × 5193,
	// starts blocks of 2 and 4; 2026-11-11 is 20768 = 32 × 649, and
	// 2026-10-10 is 20736 = 128 × 162.
	got := fmt.Sprint(blocksOf("2026-11-16", "2027-12-31"))
	want := "[{2 2026-11-15} {4 2026-11-15} {8 2026-11-11} {16 2026-11-11} {32 2026-11-11} {64 2026-10-10} {128 2026-10-10}]"
	if got != want {
		t.Errorf("blocksOf = %s, want %s", got, want)
	}
	// Only blocks that end by through.
	if got := fmt.Sprint(blocksOf("2026-11-16", "2026-11-19")); got != "[{2 2026-11-15} {4 2026-11-15} {8 2026-11-11}]" {
		t.Errorf("blocksOf up to 2026-11-19 = %s", got)
	}
	if got := blocksOf("2026-11-16", "2026-11-15"); len(got) != 0 {
		t.Errorf("blocksOf a day past through = %v", got)
	}
	if got := sealableThrough("2026-11-21"); got != "2026-11-19" {
		t.Errorf("sealableThrough = %s", got)
	}
}

// TestRangeParts: for any range and seal, the parts cover every day of the
// range exactly once, blocks only where sealed, each block aligned and
// whole, at most two blocks of a span.
func TestRangeParts(t *testing.T) {
	base := dayNum("2026-01-01")
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		a := base + r.IntN(400)
		b := a + r.IntN(200)
		sealed := ""
		if r.IntN(5) > 0 {
			sealed = numDay(base + r.IntN(700) - 100)
		}
		first, end := numDay(a), numDay(b)
		seen := map[int]int{}
		perSpan := map[int]int{}
		for _, p := range rangeParts(first, end, sealed) {
			if p.blocks {
				sp := p.args[0].(int)
				for _, st := range p.args[1].([]any) {
					n := dayNum(st.(string))
					if n%sp != 0 {
						t.Fatalf("case %d: block %d %s is not aligned", i, sp, st)
					}
					if sealed == "" || numDay(n+sp-1) > sealed {
						t.Fatalf("case %d: block %d %s is not sealed (through %q)", i, sp, st, sealed)
					}
					for d := n; d < n+sp; d++ {
						seen[d]++
					}
					perSpan[sp]++
				}
				continue
			}
			for d := dayNum(p.args[0].(string)); d < dayNum(p.args[1].(string)); d++ {
				seen[d]++
			}
		}
		for d := a; d < b; d++ {
			if seen[d] != 1 {
				t.Fatalf("case %d: [%s, %s) sealed %q: day %s read %d times", i, first, end, sealed, numDay(d), seen[d])
			}
		}
		if len(seen) != b-a {
			t.Fatalf("case %d: [%s, %s): days outside the range read", i, first, end)
		}
		for sp, n := range perSpan {
			if n > 2 && sp < MaxSpan {
				t.Fatalf("case %d: %d blocks of %d days", i, n, sp)
			}
		}
	}
}

func TestRangePartsExample(t *testing.T) {
	// The last 30 days on 2026-11-21, sealed through 2026-11-19 (day
	// 20776): 4 days from 20748, 16 from 20752, 8 from 20768, then the
	// days 20776 (no block of 2 ends by the seal) and 20777 (not sealed).
	got := fmt.Sprint(rangeParts("2026-10-22", "2026-11-21", "2026-11-19"))
	want := "[{true span = ? AND first_day IN ? [4 [2026-10-22]]} {true span = ? AND first_day IN ? [8 [2026-11-11]]} " +
		"{true span = ? AND first_day IN ? [16 [2026-10-26]]} {false day >= ? AND day < ? [2026-11-19 2026-11-21]}]"
	if got != want {
		t.Errorf("rangeParts =\n%s\nwant\n%s", got, want)
	}
}
