package web_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cloutapp/clout/internal/demo"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// screenshotDirEnv names the directory the browser tests write their
// screenshots to; without it they go to clout-screenshots in the system's
// temporary directory (outside the repository, kept after the run).
const screenshotDirEnv = "CLOUT_SCREENSHOT_DIR"

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(screenshotDirEnv)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "clout-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// saveScreenshot takes a full-page PNG, writes it and checks it is a real
// picture of a page (decodes, at least 800 px wide and 20 kB).
func saveScreenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	buf := chromeRun(t, ctx, "taking a screenshot of "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(screenshotDir(t), name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 600 || st.Size() < 20_000 {
		t.Fatalf("screenshot %s is %dx%d, %d bytes: too small to show the page", path, b.Dx(), b.Dy(), st.Size())
	}
	t.Logf("screenshot: %s (%dx%d, %d bytes)", path, img.Bounds().Dx(), img.Bounds().Dy(), st.Size())
	return path
}

// chartInfo is what the browser sees of one server-rendered chart.
type chartInfo struct {
	ID     string  `json:"id"`
	Width  float64 `json:"width"`
	Lines  int     `json:"lines"`  // line paths whose points are not all at one height
	Bars   int     `json:"bars"`   // bars taller than zero
	Points int     `json:"points"` // points of the longest line, or bars in all
	Table  int     `json:"table"`  // rows of the chart's data table
}

const chartsJS = `[...document.querySelectorAll("svg.chart")].map(s => {
	const lines = [...s.querySelectorAll(".chart-line path")].map(p => {
		const ys = (p.getAttribute("d") || "").split(/[ML ]+/).filter(Boolean).map(xy => xy.split(",")[1]);
		return {n: ys.length, varied: new Set(ys).size > 1};
	});
	const bars = [...s.querySelectorAll(".chart-bars rect")];
	const fig = s.closest("figure");
	return {
		id: s.id,
		width: s.getBoundingClientRect().width,
		lines: lines.filter(l => l.varied).length,
		bars: bars.filter(r => parseFloat(r.getAttribute("height")) > 0).length,
		points: Math.max(bars.length, ...lines.map(l => l.n), 0),
		table: fig ? fig.querySelectorAll("details table tbody tr").length : 0,
	};
})`

// checkCharts asserts every chart on the page is drawn, with data, and has
// its data table.
func checkCharts(t *testing.T, ctx context.Context, where string, wantIDs ...string) {
	t.Helper()
	charts := chromeRun(t, ctx, "reading the charts of "+where, chromedp.Evaluate[[]chartInfo](chartsJS))
	seen := map[string]chartInfo{}
	for _, c := range charts {
		seen[c.ID] = c
	}
	for _, id := range wantIDs {
		c, ok := seen[id]
		switch {
		case !ok:
			t.Errorf("%s: no chart %s (charts: %+v)", where, id, charts)
		case c.Width < 200:
			t.Errorf("%s: chart %s is %v px wide", where, id, c.Width)
		case c.Lines == 0 && c.Bars == 0:
			t.Errorf("%s: chart %s has no data drawn: %+v", where, id, c)
		case c.Table != c.Points || c.Table == 0:
			t.Errorf("%s: chart %s has %d table rows for %d points", where, id, c.Table, c.Points)
		}
	}
}

func TestBrowserInsights(t *testing.T) {
	db := testutil.SQLite(t)
	a := newTestApp(t, db)
	const password = "demo password 2931"
	res, err := demo.Seed(context.Background(), demo.Services{DB: a.DB, Brands: a.Brands, Creators: a.Creators, Links: a.Links,
		Codes: a.codes, Orders: a.Orders, Catalog: a.Catalog, Plans: a.Plans, Ledger: a.Ledger, Payouts: a.Payouts,
		Rebuild: func(ctx context.Context, brandID string) error { a.rebuildReports(t, brandID); return nil }},
		demo.Options{Password: password, Creators: 6, Days: 60, Seed: 3, Now: store.Now()})
	if err != nil {
		t.Fatalf("seeding the demo brand: %v", err)
	}

	// The brand owner's dashboard.
	ctx := newChrome(t)
	chromeDo(t, ctx, "sizing the window", chromedp.EmulateViewport(1280, 900))
	browserLogin(t, ctx, a, res.OwnerEmail, password)
	chromeDo(t, ctx, "opening the dashboard", chromedp.Navigate(a.URL+"/dashboard?days=30"), chromedp.WaitVisible(chromedp.CSS("#kpis")))
	number := regexp.MustCompile(`^[1-9][0-9,]*$`)
	if v := chromeText(t, ctx, "#kpi-clicks .kpi-value"); !number.MatchString(v) {
		t.Errorf("human clicks tile = %q, want a positive number", v)
	}
	if v := chromeText(t, ctx, "#kpi-orders .kpi-value"); !number.MatchString(v) {
		t.Errorf("orders tile = %q, want a positive number", v)
	}
	if v := chromeText(t, ctx, "#kpi-revenue .kpi-value"); !regexp.MustCompile(`^[1-9][0-9]*\.[0-9]{2} USD$`).MatchString(v) {
		t.Errorf("revenue tile = %q, want a positive USD amount", v)
	}
	if v := chromeText(t, ctx, "#kpi-clicks .kpi-change"); !strings.ContainsAny(v, "▲▼0") {
		t.Errorf("clicks change = %q, want a comparison with the 30 days before", v)
	}
	checkCharts(t, ctx, "the dashboard", "dash-clicks", "dash-orders", "dash-commission")
	if n := chromeRun(t, ctx, "counting top creators", chromedp.Evaluate[int](`document.querySelectorAll("#top-creators tbody tr").length`)); n == 0 {
		t.Error("the dashboard lists no top creators")
	}
	if n := chromeRun(t, ctx, "counting platforms", chromedp.Evaluate[int](`document.querySelectorAll("#platforms tbody tr").length`)); n < 2 {
		t.Errorf("the platform breakdown has %d rows", n)
	}
	saveScreenshot(t, ctx, "dashboard.png")

	// Scorecards, reached from the nav.
	if st := chromeClick(t, ctx, "#nav-scorecards"); st != http.StatusOK {
		t.Errorf("scorecards: status %d", st)
	}
	if n := chromeRun(t, ctx, "counting scorecards", chromedp.Evaluate[int](`document.querySelectorAll("#scorecards tbody tr").length`)); n != res.Creators {
		t.Errorf("%d scorecards, want %d", n, res.Creators)
	}
	saveScreenshot(t, ctx, "scorecards.png")

	// The top creator's page loads its scorecard section.
	top := chromeRun(t, ctx, "reading the top row", chromedp.Evaluate[string](`document.querySelector("#scorecards tbody tr").id.slice(3)`))
	topFlags := chromeRun(t, ctx, "counting the top row's flags", chromedp.Evaluate[int](`document.querySelectorAll("#scorecards tbody tr:first-child .flag").length`))
	chromeDo(t, ctx, "opening the creator page", chromedp.Navigate(a.URL+"/creators/"+top),
		chromedp.WaitVisible(chromedp.CSS("#creator-scorecard #scorecard-section")))
	if v := chromeText(t, ctx, "#creator-scorecard #sc-kpi-revenue .kpi-value"); !strings.HasSuffix(v, " USD") || strings.HasPrefix(v, "0.00") {
		t.Errorf("the creator page's scorecard shows revenue %q", v)
	}
	if n := chromeRun(t, ctx, "counting flags", chromedp.Evaluate[int](`document.querySelectorAll("#creator-scorecard .flag").length`)); n != topFlags {
		t.Errorf("the creator page's scorecard shows %d flags, the scorecards list %d", n, topFlags)
	}

	// The creator portal's earnings page, in a browser of its own.
	cctx := newChrome(t)
	chromeDo(t, cctx, "sizing the window", chromedp.EmulateViewport(1280, 900))
	chromeDo(t, cctx, "logging in to the portal",
		chromedp.Navigate(a.URL+"/portal/login"),
		chromedp.WaitVisible(chromedp.CSS("form#portal-login-form")),
		chromedp.SendKeys(chromedp.CSS(`#portal-login-form input[name="email"]`), res.CreatorEmail),
		chromedp.Click(chromedp.CSS(`#portal-login-form details summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#portal-login-form input[name="password"]`)),
		chromedp.SendKeys(chromedp.CSS(`#portal-login-form input[name="password"]`), res.CreatorPassword),
	)
	if st := chromeClick(t, cctx, `#portal-login-form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("portal login: status %d", st)
	}
	if p := chromePath(t, cctx, a); p != "/portal" {
		t.Fatalf("after the portal login at %s, want /portal", p)
	}
	chromeDo(t, cctx, "opening the earnings", chromedp.Navigate(a.URL+"/portal/earnings?days=30"), chromedp.WaitVisible(chromedp.CSS("#earnings-insights")))
	if v := chromeText(t, cctx, "#portal-earned .kpi-value"); !strings.HasSuffix(v, " USD") {
		t.Errorf("earned = %q", v)
	}
	for _, id := range []string{"#balance-pending", "#balance-payable", "#balance-in-payout", "#balance-paid"} {
		if v := chromeText(t, cctx, id); !strings.HasSuffix(v, " USD") {
			t.Errorf("%s = %q", id, v)
		}
	}
	if v := chromeText(t, cctx, "#next-payout"); v == "" {
		t.Error("no next payout line")
	}
	checkCharts(t, cctx, "the portal earnings", "portal-earnings", "portal-clicks")
	if n := chromeRun(t, cctx, "counting link rows", chromedp.Evaluate[int](`document.querySelectorAll("#portal-link-performance tbody tr").length`)); n == 0 {
		t.Error("the portal lists no links")
	}
	saveScreenshot(t, cctx, "portal-earnings.png")
}
