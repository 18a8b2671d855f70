package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// insightsFixture is a small program with numbers worked out by hand. The
// brand (UTC) pays a flat 10% of net; product A costs 20.00.
//
// Current period (days D-3 .. D-1, where D is today):
//   - Maya (instagram link): on D-2, 6 human clicks from 3 visitors (3
//     unique) and 2 bot clicks; order 1001 on D-2, 2 × A at 50.00 less 10.00
//     (net 90.00, commission 9.00); order 1002 on D-1, 1 × A at 30.00 (net
//     30.00, commission 3.00), 10.00 of it refunded (reversal −1.00).
//   - Noor (tiktok link): on D-1, 4 clicks from 4 visitors; order 2001 on
//     D-1, 1 × A at 50.00 (commission 5.00).
//   - Totals: 10 human clicks, 7 unique, 3 orders, revenue 170.00, refunded
//     10.00, commission 16.00, gross margin 50.00 + 10.00 + 30.00 − 3.33
//     (the refund × the line's margin share 10/30) = 86.67.
//     Conversion 30%, AOV 56.67, EPC 1.60, refund rate 5.88%, commission
//     9.41% of revenue and 18.46% of margin.
//
// Previous period (D-6 .. D-4): Maya, on D-5, 5 clicks from 5 visitors and
// order 1000 (1 × A at 50.00, commission 5.00).
type insightsFixture struct {
	brand      *brand.Created
	maya, noor *creator.Creator
	mayaLink   *link.Link
	noorLink   *link.Link
	from, to   string // the current period, as query dates
	query      string // "from=...&to=..."
}

func (a *testApp) insightsFixture(t *testing.T, name, owner string) insightsFixture {
	t.Helper()
	ctx := context.Background()
	cli := brand.Actor{Type: "cli", Label: "test"}
	f := insightsFixture{brand: a.createBrand(t, name, owner)}
	id := f.brand.Brand.ID
	domains := []string{"shop.example.com"}
	if _, err := a.Brands.UpdateSettings(ctx, cli, id, brand.SettingsPatch{AllowedDomains: &domains}); err != nil {
		t.Fatal(err)
	}
	p, err := a.Plans.Create(ctx, cli, id, "Flat 10", commission.Plan{TierBasis: commission.BasisRevenue,
		TierMode: commission.ModeMarginal, Tiers: []commission.Tier{{From: 0, RateBps: 1000}}, MarginCapBps: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Plans.SetDefault(ctx, cli, id, p.ID); err != nil {
		t.Fatal(err)
	}
	now := store.Now()
	if err := a.DB.Exec("INSERT INTO products (id, brand_id, sku, title, unit_cost, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		store.NewID("prd"), id, "A", "Serum", 2000, now, now).Error; err != nil {
		t.Fatal(err)
	}
	mk := func(name, code, platform string) (*creator.Creator, *link.Link) {
		email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "." + strings.ToLower(code) + "@creator.test"
		cr, _, err := a.Creators.New(ctx, cli, id, creator.Profile{Name: &name, Email: &email}, creator.Active)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Codes(t).Create(ctx, id, cr.ID, coupon.Input{Code: code, DiscountType: coupon.Percent, DiscountValue: 1000}); err != nil {
			t.Fatal(err)
		}
		l, err := a.Links.Create(ctx, id, cr.ID, link.Input{Destination: "https://shop.example.com/serum", Label: name + " post", Platform: platform})
		if err != nil {
			t.Fatal(err)
		}
		return cr, l
	}
	f.maya, f.mayaLink = mk("Maya Lee", "MAYA"+strings.ToUpper(name[:2]), "instagram")
	f.noor, f.noorLink = mk("Noor Ali", "NOOR"+strings.ToUpper(name[:2]), "tiktok")

	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return today.AddDate(0, 0, -n) }
	f.from, f.to = day(3).Format("2006-01-02"), day(1).Format("2006-01-02")
	f.query = url.Values{"from": {f.from}, "to": {f.to}}.Encode()

	clickN := 0
	clicks := func(l *link.Link, cr *creator.Creator, on time.Time, visitors, each int, ua string) {
		for v := 0; v < visitors; v++ {
			for k := 0; k < each; k++ {
				clickN++
				a.Clicks.Record(click.Event{ID: store.NewID("clk"), ClickedAt: on.Add(time.Duration(10+clickN) * time.Minute),
					BrandID: id, CreatorID: cr.ID, LinkID: l.ID, IP: fmt.Sprintf("198.51.100.%d", clickN%200+v*7+1),
					UserAgent: ua, VisitorHash: fmt.Sprintf("%s-visitor-%d-%d", l.ID, on.Day(), v)})
			}
		}
	}
	clicks(f.mayaLink, f.maya, day(2).Add(9*time.Hour), 3, 2, browserUA)
	clicks(f.mayaLink, f.maya, day(2).Add(9*time.Hour), 1, 2, "Googlebot/2.1 (+http://www.google.com/bot.html)")
	clicks(f.noorLink, f.noor, day(1).Add(9*time.Hour), 4, 1, browserUA)
	clicks(f.mayaLink, f.maya, day(5).Add(9*time.Hour), 5, 1, browserUA)
	a.drainClicks(t)

	ord := func(ext, code string, placed time.Time, qty, unit, discount int64, refunds ...order.RefundInput) {
		a.applyOrder(t, id, order.Event{Source: order.API, Topic: "api", Order: &order.OrderInput{ExternalID: ext, PlacedAt: placed,
			Currency: "USD", Codes: []string{code}, CustomerEmail: "shopper-" + ext + "@example.com",
			Lines: []order.LineInput{{ExternalID: ext + "-1", SKU: "A", Title: "Serum", Quantity: qty, UnitPrice: unit, Discount: discount}}},
			Refunds: refunds})
	}
	ord("1000", "MAYA"+strings.ToUpper(name[:2]), day(5).Add(12*time.Hour), 1, 5000, 0)
	ord("1001", "MAYA"+strings.ToUpper(name[:2]), day(2).Add(12*time.Hour), 2, 5000, 1000)
	ord("1002", "MAYA"+strings.ToUpper(name[:2]), day(1).Add(12*time.Hour), 1, 3000, 0,
		order.RefundInput{ExternalID: "r-1002", At: day(1).Add(15 * time.Hour), Amount: 1000,
			Lines: []order.RefundLine{{SKU: "A", Quantity: 1, Amount: 1000}}, Reason: "damaged"})
	ord("2001", "NOOR"+strings.ToUpper(name[:2]), day(1).Add(13*time.Hour), 1, 5000, 0)
	a.process(t)
	a.rebuildReports(t, id)
	return f
}

// rebuildReports brings the brand's rollups up to date from the raw data.
func (a *testApp) rebuildReports(t testing.TB, brandID string) {
	t.Helper()
	if err := report.NewService(a.DB, a.Brands, a.Ledger, slog.New(slog.NewTextHandler(a.Logs, nil))).Rebuild(context.Background(), brandID); err != nil {
		t.Fatalf("rebuilding reports: %v", err)
	}
}

// tileText returns a KPI tile's value and change, or fails.
func tileText(t *testing.T, body, id string) (value, change, prior string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<article class="kpi" id="` + regexp.QuoteMeta(id) + `">.*?<p class="kpi-value">([^<]*)</p>\s*<p class="kpi-compare"><span class="kpi-change[^"]*">([^<]*)</span> <small class="muted">vs ([^<]*)</small>`).
		FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no KPI tile %s in the page", id)
	}
	return m[1], m[2], m[3]
}

func TestDashboardInsights(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.insightsFixture(t, "Acme", "owner@acme.test")
		b := a.browser(t)
		b.login("owner@acme.test", "correct horse battery")
		status, body := b.get("/dashboard?" + f.query)
		if status != 200 {
			t.Fatalf("dashboard: %d %s", status, body)
		}
		for _, tc := range []struct{ id, value, change, prior string }{
			{"kpi-clicks", "10", "▲ 100%", "5"},
			{"kpi-unique", "7", "▲ 40%", "5"},
			{"kpi-orders", "3", "▲ 200%", "1"},
			{"kpi-conversion", "30%", "▲ 50%", "20%"},
			{"kpi-revenue", "170.00 USD", "▲ 240%", "50.00 USD"},
			{"kpi-commission", "16.00 USD", "▲ 220%", "5.00 USD"},
			{"kpi-commission-revenue", "9.41%", "▼ 5.9%", "10%"},
			{"kpi-commission-margin", "18.46%", "▲ 10.7%", "16.67%"},
			{"kpi-epc", "1.60 USD", "▲ 60%", "1.00 USD"},
			{"kpi-aov", "56.67 USD", "▲ 13.3%", "50.00 USD"},
			{"kpi-refund-rate", "5.88%", "—", "0%"},
		} {
			v, ch, pr := tileText(t, body, tc.id)
			if v != tc.value || ch != tc.change || pr != tc.prior {
				t.Errorf("%s = %q (%q vs %q), want %q (%q vs %q)", tc.id, v, ch, pr, tc.value, tc.change, tc.prior)
			}
		}
		mustContain(t, "dashboard", body,
			`id="range-label">`+f.from+` to `+f.to+`, compared with`,
			`id="dash-clicks"`, `id="dash-orders"`, `id="dash-commission"`, `role="img"`,
			`id="dash-clicks-data"`, `Data table: Clicks per day`,
			// Top creators by revenue: Maya (120.00) before Noor (50.00).
			`id="top-`+f.maya.ID+`"`, `id="top-`+f.noor.ID+`"`,
			`Instagram`, `TikTok`, `/`+f.mayaLink.Slug,
		)
		if strings.Index(body, `id="top-`+f.maya.ID+`"`) > strings.Index(body, `id="top-`+f.noor.ID+`"`) {
			t.Error("top creators are not by revenue")
		}
		// The daily table has the clicks of D-2 (6 human, 3 unique).
		row := regexp.MustCompile(`<tr><th scope="row">` + regexp.QuoteMeta(time.Now().UTC().AddDate(0, 0, -2).Format("2006-01-02")) +
			`</th><td class="amount">([^<]*)</td><td class="amount">([^<]*)</td></tr>`).FindStringSubmatch(body)
		if row == nil || row[1] != "6" || row[2] != "3" {
			t.Errorf("clicks table row for D-2 = %v, want 6 and 3", row)
		}
		if strings.Contains(body, `id="insights-empty"`) {
			t.Error("a dashboard with data shows the empty state")
		}

		// Presets keep working and a bad date falls back with a message.
		if status, body := b.get("/dashboard?days=7"); status != 200 || !strings.Contains(body, `aria-current="true" id="range-7"`) {
			t.Errorf("7-day preset: %d", status)
		}
		if status, body := b.get("/dashboard?from=2026-13-45&to=x"); status != 200 || !strings.Contains(body, `id="range-error"`) {
			t.Errorf("bad dates: %d", status)
		}

		// An analyst sees the same numbers.
		an := a.analyst(t, f.brand.Brand.ID, "ana@acme.test")
		status, body = an.get("/dashboard?" + f.query)
		if status != 200 {
			t.Fatalf("analyst dashboard: %d", status)
		}
		if v, _, _ := tileText(t, body, "kpi-revenue"); v != "170.00 USD" {
			t.Errorf("analyst sees revenue %q", v)
		}

		// Another brand sees none of it.
		a.createBrand(t, "Other", "owner@other.test")
		o := a.browser(t)
		o.login("owner@other.test", "correct horse battery")
		_, body = o.get("/dashboard?" + f.query)
		if strings.Contains(body, "Maya Lee") || strings.Contains(body, "170.00 USD") {
			t.Error("another brand's dashboard shows Acme's data")
		}
	})
}

func TestDashboardEmptyState(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Fresh", "owner@fresh.test")
		b := a.browser(t)
		b.login("owner@fresh.test", "correct horse battery")
		status, body := b.get("/dashboard")
		if status != 200 {
			t.Fatalf("dashboard: %d %s", status, body)
		}
		mustContain(t, "empty dashboard", body, `id="setup-checklist"`, `id="insights-empty"`,
			`/webhooks/shopify/`+c.Brand.ID, `href="/creators"`, `href="/orders/import"`, `href="/commission-plans"`,
			`aria-current="true" id="range-30"`)
		if strings.Contains(body, `id="kpis"`) || strings.Contains(body, `<svg class="chart"`) {
			t.Error("an empty dashboard shows KPI tiles or charts")
		}
	})
}

func TestPortalEarningsInsights(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.insightsFixture(t, "Acme", "owner@acme.test")
		if err := a.Creators.RequestMagicLink(context.Background(), f.maya.Email); err != nil {
			t.Fatal(err)
		}
		maya := a.browser(t)
		maya.post("/portal/login", a.magicToken(t, f.maya.Email), url.Values{})
		status, body := maya.get("/portal/earnings?" + f.query)
		if status != 200 {
			t.Fatalf("portal earnings: %d %s", status, body)
		}
		kpi := func(id string) string {
			m := regexp.MustCompile(`id="` + id + `"><small class="kpi-label">[^<]*</small><p class="kpi-value">([^<]*)</p>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no %s on the portal earnings page", id)
			}
			return m[1]
		}
		// Maya: 9.00 + 3.00 − 1.00 earned on 120.00 of sales, 6 human clicks, 2 orders.
		for id, want := range map[string]string{"portal-earned": "11.00 USD", "portal-clicks": "6", "portal-orders": "2",
			"portal-revenue": "120.00 USD", "portal-epc": "1.83 USD"} {
			if got := kpi(id); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
		}
		mustContain(t, "portal earnings", body, `id="portal-earnings"`, `id="portal-clicks"`, `role="img"`, `id="portal-earnings-data"`,
			`id="portal-link-`+f.mayaLink.ID+`"`, `/`+f.mayaLink.Slug, `id="balance-in-payout">0.00 USD`, `id="next-payout"`,
			`pays out by hand`, `id="earnings"`, "Order 1001: ")
		if strings.Contains(body, f.noorLink.Slug) || strings.Contains(body, "2001") {
			t.Error("Maya's portal shows Noor's link or order")
		}
		// The earnings chart has a bar per day and a non-zero one.
		if !regexp.MustCompile(`<g class="chart-series series-0 chart-bars" data-series="Earnings">(<rect [^>]*height="(0\.0)"[^>]*>.*?</rect>)*<rect [^>]*height="[1-9]`).MatchString(body) {
			t.Error("the earnings chart has no non-zero bar")
		}

		// With a weekly schedule the next payout is shown.
		weekly := string(brand.ScheduleWeekly)
		if _, err := a.Brands.UpdateSettings(context.Background(), brand.Actor{Type: "cli", Label: "test"}, f.brand.Brand.ID,
			brand.SettingsPatch{PayoutSchedule: &weekly}); err != nil {
			t.Fatal(err)
		}
		_, body = maya.get("/portal/earnings")
		mustContain(t, "portal earnings with a schedule", body, "Next payout: <strong>")
	})
}
