package web

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// A small server-rendered SVG chart for daily series: lines or bars on a
// left axis, optionally lines on a right axis with its own unit, day labels
// along the bottom, a title and a description for screen readers, and the
// same numbers as a table (Rows) for the accessible fallback the page puts
// after it. Values are integers (counts, or money in minor units); only
// pixel coordinates are floats.

// Series is one named row of values, one per label.
type Series struct {
	Name   string
	Values []int64
	// Bar draws the series as bars (grouped with the other bar series of
	// its axis); otherwise a line.
	Bar bool
	// Right puts the series on the right axis, formatted with Chart.RightFormat.
	Right bool
}

// Chart is a chart of series over labels (days "2006-01-02", or any text).
type Chart struct {
	ID     string
	Title  string
	Desc   string
	Labels []string
	Series []Series
	// Format and RightFormat write a value of the left and right axis (also
	// in the data table); nil writes the integer with thousands separators.
	Format, RightFormat func(int64) string
	// Step and RightStep make axis ticks multiples of this (e.g. one major
	// unit of a currency, so ticks are whole dollars); 0 means 1.
	Step, RightStep int64
}

// ChartRow is one label's values, formatted, for the data table.
type ChartRow struct {
	Label string
	Cells []string
}

// Chart geometry (SVG user units).
const (
	chartW      = 720.0
	chartH      = 260.0
	chartLeft   = 84.0
	chartRight  = 16.0
	chartRight2 = 84.0 // right padding when there is a right axis
	chartTop    = 16.0
	chartBottom = 34.0
	chartTicks  = 4
)

// HasData is true when any value is non-zero.
func (c Chart) HasData() bool {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v != 0 {
				return true
			}
		}
	}
	return false
}

// Rows are the data table: one row per label, one cell per series.
func (c Chart) Rows() []ChartRow {
	rows := make([]ChartRow, len(c.Labels))
	for i, l := range c.Labels {
		r := ChartRow{Label: l, Cells: make([]string, len(c.Series))}
		for j, s := range c.Series {
			var v int64
			if i < len(s.Values) {
				v = s.Values[i]
			}
			r.Cells[j] = c.format(s.Right, v)
		}
		rows[i] = r
	}
	return rows
}

// Totals are each series' sum, formatted (for the table's footer).
func (c Chart) Totals() []string {
	out := make([]string, len(c.Series))
	for j, s := range c.Series {
		var t int64
		for _, v := range s.Values {
			t += v
		}
		out[j] = c.format(s.Right, t)
	}
	return out
}

func (c Chart) format(right bool, v int64) string {
	f := c.Format
	if right {
		f = c.RightFormat
	}
	if f == nil {
		return formatThousands(v)
	}
	return f(v)
}

func (c Chart) hasRight() bool {
	for _, s := range c.Series {
		if s.Right {
			return true
		}
	}
	return false
}

// axis is one vertical scale: [Min, Max] split into ticks of Tick.
type axis struct {
	Min, Max, Tick int64
}

// niceAxis covers [min(0, lo), max(0, hi)] with chartTicks-ish ticks of a
// "nice" size (1, 2, 2.5 or 5 × 10^k, and a multiple of step).
func niceAxis(lo, hi, step int64) axis {
	if step < 1 {
		step = 1
	}
	if lo > 0 {
		lo = 0
	}
	if hi < 0 {
		hi = 0
	}
	span := hi - lo
	if span == 0 {
		return axis{Min: 0, Max: step * chartTicks, Tick: step}
	}
	raw := (span + chartTicks - 1) / chartTicks
	tick := niceCeil(raw)
	if tick < step {
		tick = step
	} else if tick%step != 0 {
		tick = (tick/step + 1) * step
		tick = niceCeil(tick)
	}
	mn := floorTo(lo, tick)
	mx := ceilTo(hi, tick)
	return axis{Min: mn, Max: mx, Tick: tick}
}

// niceCeil is the smallest of 1, 2, 2.5 (from 10 up), 5 × 10^k that is ≥ v.
func niceCeil(v int64) int64 {
	if v <= 1 {
		return 1
	}
	for p := int64(1); p > 0 && p <= v*10; p *= 10 {
		for _, m := range []int64{10, 20, 25, 50, 100} {
			if m == 25 && p < 10 {
				continue
			}
			n := m * p / 10
			if n >= v {
				return n
			}
		}
	}
	return v
}

func floorTo(v, t int64) int64 {
	q := v / t * t
	if q > v {
		q -= t
	}
	return q
}

func ceilTo(v, t int64) int64 {
	q := v / t * t
	if q < v {
		q += t
	}
	return q
}

func (ax axis) y(v int64) float64 {
	plot := chartH - chartTop - chartBottom
	if ax.Max == ax.Min {
		return chartH - chartBottom
	}
	return chartTop + plot*float64(ax.Max-v)/float64(ax.Max-ax.Min)
}

func (c Chart) axisFor(right bool) axis {
	var lo, hi int64
	for _, s := range c.Series {
		if s.Right != right {
			continue
		}
		for _, v := range s.Values {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	step := c.Step
	if right {
		step = c.RightStep
	}
	return niceAxis(lo, hi, step)
}

// shortDay writes "2006-01-02" as "Jan 2"; other labels as they are.
func shortDay(s string) string {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Format("Jan 2")
	}
	return s
}

func fx(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// SVG renders the chart. Every text in it is escaped.
func (c Chart) SVG() template.HTML {
	var b strings.Builder
	right := c.hasRight()
	padR := chartRight
	if right {
		padR = chartRight2
	}
	plotW := chartW - chartLeft - padR
	n := len(c.Labels)
	titleID, descID := c.ID+"-title", c.ID+"-desc"
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s %s" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">`,
		esc(c.ID), int(chartW), int(chartH), esc(titleID), esc(descID))
	fmt.Fprintf(&b, `<title id="%s">%s</title><desc id="%s">%s</desc>`, esc(titleID), esc(c.Title), esc(descID), esc(c.describe()))

	left := c.axisFor(false)
	rax := c.axisFor(true)
	// Grid lines and axis labels.
	b.WriteString(`<g class="chart-grid" aria-hidden="true">`)
	for v := left.Min; v <= left.Max; v += left.Tick {
		y := left.y(v)
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s"/>`, fx(chartLeft), fx(chartLeft+plotW), fx(y), fx(y))
		fmt.Fprintf(&b, `<text class="chart-ylabel" x="%s" y="%s" text-anchor="end">%s</text>`, fx(chartLeft-6), fx(y+4), esc(c.axisLabel(false, v)))
	}
	if right {
		for v := rax.Min; v <= rax.Max; v += rax.Tick {
			y := rax.y(v)
			fmt.Fprintf(&b, `<text class="chart-ylabel chart-ylabel-right" x="%s" y="%s" text-anchor="start">%s</text>`, fx(chartLeft+plotW+6), fx(y+4), esc(c.axisLabel(true, v)))
		}
	}
	// Day labels: at most about 8, evenly spread, always the last.
	if n > 0 {
		every := (n + 7) / 8
		slot := plotW / float64(n)
		for i := 0; i < n; i++ {
			if i%every != 0 && i != n-1 {
				continue
			}
			if i != n-1 && n-1-i < every && i != 0 {
				continue // too close to the last label
			}
			x := chartLeft + slot*(float64(i)+0.5)
			fmt.Fprintf(&b, `<text class="chart-xlabel" x="%s" y="%s" text-anchor="middle">%s</text>`, fx(x), fx(chartH-chartBottom+18), esc(shortDay(c.Labels[i])))
		}
	}
	b.WriteString(`</g>`)

	// Bars, grouped per label within each axis.
	if n > 0 {
		slot := plotW / float64(n)
		var bars []int
		for j, s := range c.Series {
			if s.Bar {
				bars = append(bars, j)
			}
		}
		if len(bars) > 0 {
			group := slot * 0.8
			bw := group / float64(len(bars))
			for k, j := range bars {
				s := c.Series[j]
				ax := left
				if s.Right {
					ax = rax
				}
				fmt.Fprintf(&b, `<g class="chart-series series-%d chart-bars" data-series="%s">`, j, esc(s.Name))
				for i := 0; i < n && i < len(s.Values); i++ {
					v := s.Values[i]
					y0, y1 := ax.y(0), ax.y(v)
					top, h := min(y0, y1), y0-y1
					if h < 0 {
						h = -h
					}
					x := chartLeft + slot*float64(i) + (slot-group)/2 + bw*float64(k)
					fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s"><title>%s: %s %s</title></rect>`,
						fx(x), fx(top), fx(max(bw-1, 0.5)), fx(h), esc(c.Labels[i]), esc(s.Name), esc(c.format(s.Right, v)))
				}
				b.WriteString(`</g>`)
			}
		}
		// Lines.
		for j, s := range c.Series {
			if s.Bar {
				continue
			}
			ax := left
			if s.Right {
				ax = rax
			}
			var d strings.Builder
			for i := 0; i < n && i < len(s.Values); i++ {
				x := chartLeft + slot*(float64(i)+0.5)
				if i == 0 {
					d.WriteString("M")
				} else {
					d.WriteString(" L")
				}
				d.WriteString(fx(x) + "," + fx(ax.y(s.Values[i])))
			}
			fmt.Fprintf(&b, `<g class="chart-series series-%d chart-line" data-series="%s"><path d="%s"/>`, j, esc(s.Name), d.String())
			if n <= 120 {
				for i := 0; i < n && i < len(s.Values); i++ {
					x := chartLeft + slot*(float64(i)+0.5)
					fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5"><title>%s: %s %s</title></circle>`,
						fx(x), fx(ax.y(s.Values[i])), esc(c.Labels[i]), esc(s.Name), esc(c.format(s.Right, s.Values[i])))
				}
			}
			b.WriteString(`</g>`)
		}
	}
	// The baseline.
	fmt.Fprintf(&b, `<line class="chart-axis" x1="%s" x2="%s" y1="%s" y2="%s" aria-hidden="true"/>`, fx(chartLeft), fx(chartLeft+plotW), fx(left.y(0)), fx(left.y(0)))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// axisLabel is a tick's label: the value as the series format writes it,
// with an all-zero fraction dropped ("1500.00 USD" → "1500 USD").
func (c Chart) axisLabel(right bool, v int64) string {
	s := c.format(right, v)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		j := i + 1
		for j < len(s) && s[j] == '0' {
			j++
		}
		if j > i+1 && (j == len(s) || s[j] < '0' || s[j] > '9') {
			s = s[:i] + s[j:]
		}
	}
	return s
}

// describe is the chart's text summary: the range, and each series' total
// and peak.
func (c Chart) describe() string {
	var parts []string
	if c.Desc != "" {
		parts = append(parts, c.Desc)
	}
	if n := len(c.Labels); n > 0 {
		parts = append(parts, fmt.Sprintf("%d days from %s to %s.", n, c.Labels[0], c.Labels[n-1]))
	}
	for _, s := range c.Series {
		var total, peak int64
		peakAt := ""
		for i, v := range s.Values {
			total += v
			if i < len(c.Labels) && (peakAt == "" || v > peak) {
				peak, peakAt = v, c.Labels[i]
			}
		}
		p := fmt.Sprintf("%s: %s in total", s.Name, c.format(s.Right, total))
		if peakAt != "" && peak != 0 {
			p += fmt.Sprintf(", highest %s on %s", c.format(s.Right, peak), peakAt)
		}
		parts = append(parts, p+".")
	}
	if !c.HasData() {
		parts = append(parts, "No data in this range.")
	}
	return strings.Join(parts, " ")
}

func esc(s string) string { return html.EscapeString(s) }
