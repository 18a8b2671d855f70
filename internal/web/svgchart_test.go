package web

import (
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/money"
)

func TestChartNiceAxis(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, step int64
		want         axis
	}{
		{0, 0, 1, axis{0, 4, 1}},
		{0, 0, 100, axis{0, 400, 100}},
		{0, 3, 1, axis{0, 3, 1}},
		{0, 7, 1, axis{0, 8, 2}},
		{0, 10, 1, axis{0, 10, 5}},
		{0, 37, 1, axis{0, 40, 10}},
		{0, 95, 1, axis{0, 100, 25}},
		{0, 1234, 1, axis{0, 1500, 500}},
		// Money in cents with whole-dollar ticks: 2.50 USD ticks become 5.00.
		{0, 900, 100, axis{0, 1000, 500}},
		{0, 123456, 100, axis{0, 150000, 50000}},
		{-300, 900, 1, axis{-500, 1000, 500}},
	} {
		if got := niceAxis(tc.lo, tc.hi, tc.step); got != tc.want {
			t.Errorf("niceAxis(%d, %d, %d) = %+v, want %+v", tc.lo, tc.hi, tc.step, got, tc.want)
		}
		got := niceAxis(tc.lo, tc.hi, tc.step)
		if got.Tick%max(tc.step, 1) != 0 || got.Min > min(tc.lo, 0) || got.Max < tc.hi || (got.Max-got.Min)%got.Tick != 0 {
			t.Errorf("niceAxis(%d, %d, %d) = %+v does not cover the values in whole ticks", tc.lo, tc.hi, tc.step, got)
		}
	}
}

func TestChartNiceAxisProperties(t *testing.T) {
	for _, step := range []int64{1, 10, 100, 1000} {
		for hi := int64(0); hi < 20000; hi += 7 {
			ax := niceAxis(0, hi, step)
			if ax.Max < hi || ax.Tick%step != 0 || ax.Max%ax.Tick != 0 {
				t.Fatalf("niceAxis(0, %d, %d) = %+v", hi, step, ax)
			}
			if n := ax.Max / ax.Tick; n > 2*chartTicks+1 {
				t.Fatalf("niceAxis(0, %d, %d) = %+v: %d ticks", hi, step, ax, n)
			}
		}
	}
}

func testChart() Chart {
	usd := func(v int64) string { return money.Amount{Minor: v, Currency: "USD"}.String() }
	return Chart{ID: "c1", Title: `Orders & revenue <daily>`, Desc: "Test chart.",
		Labels: []string{"2026-03-01", "2026-03-02", "2026-03-03"},
		Series: []Series{
			{Name: "Orders", Values: []int64{1, 0, 3}, Bar: true},
			{Name: "Revenue", Values: []int64{2500, 0, 12000}, Right: true},
		},
		RightFormat: usd, RightStep: 100}
}

func TestChartSVG(t *testing.T) {
	c := testChart()
	svg := string(c.SVG())
	// Well-formed XML.
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
	for _, want := range []string{
		`role="img"`, `aria-labelledby="c1-title c1-desc"`,
		`<title id="c1-title">Orders &amp; revenue &lt;daily&gt;</title>`,
		`Revenue: 145.00 USD in total, highest 120.00 USD on 2026-03-03.`,
		`Orders: 4 in total, highest 3 on 2026-03-03.`,
		`>Mar 1<`, `>Mar 3<`,
		`<title>2026-03-03: Revenue 120.00 USD</title>`,
		`<title>2026-03-01: Orders 1</title>`,
		// Right axis ticks are whole dollars.
		`>150 USD<`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q:\n%s", want, svg)
		}
	}
	if n := strings.Count(svg, "<rect "); n != 3 {
		t.Errorf("%d bars, want 3", n)
	}
	d := regexp.MustCompile(`<path d="([^"]*)"`).FindStringSubmatch(svg)
	if d == nil || strings.Count(d[1], "L") != 2 {
		t.Errorf("revenue line path = %v, want 3 points", d)
	}
	// A taller bar for the bigger value.
	hs := regexp.MustCompile(`<rect [^>]*height="([0-9.]+)"`).FindAllStringSubmatch(svg, -1)
	if len(hs) != 3 {
		t.Fatalf("bar heights = %v", hs)
	}
	h := func(i int) float64 { f, _ := strconv.ParseFloat(hs[i][1], 64); return f }
	if h(1) != 0 || !(h(0) > 0 && h(0) < h(2)) || h(2)/h(0) < 2.9 || h(2)/h(0) > 3.1 {
		t.Errorf("bar heights = %v, want 1 : 0 : 3", hs)
	}
}

func TestChartRowsAndTotals(t *testing.T) {
	c := testChart()
	rows := c.Rows()
	if len(rows) != 3 || rows[2].Label != "2026-03-03" || rows[2].Cells[0] != "3" || rows[2].Cells[1] != "120.00 USD" {
		t.Errorf("rows = %+v", rows)
	}
	if tot := c.Totals(); tot[0] != "4" || tot[1] != "145.00 USD" {
		t.Errorf("totals = %v", tot)
	}
	if !c.HasData() {
		t.Error("HasData false")
	}
	empty := Chart{ID: "e", Title: "Empty", Labels: []string{"2026-03-01"}, Series: []Series{{Name: "Clicks", Values: []int64{0}}}}
	if empty.HasData() {
		t.Error("an all-zero chart has data")
	}
	if svg := string(empty.SVG()); !strings.Contains(svg, "No data in this range.") {
		t.Errorf("empty chart's description: %s", svg)
	}
}

func TestChartAxisLabel(t *testing.T) {
	c := Chart{Format: func(v int64) string { return money.Amount{Minor: v, Currency: "USD"}.String() }}
	for v, want := range map[int64]string{150000: "1500 USD", 250: "2.50 USD", 0: "0 USD"} {
		if got := c.axisLabel(false, v); got != want {
			t.Errorf("axisLabel(%d) = %q, want %q", v, got, want)
		}
	}
}
