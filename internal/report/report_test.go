package report_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

const testSecret = "report-test-secret-0123456789abcdef"

var cliActor = brand.Actor{Type: "cli", Label: "test"}

type tb interface {
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

type env struct {
	db       *store.DB
	log      *slog.Logger
	brands   *brand.Service
	creators *creator.Service
	links    *link.Service
	orders   *order.Service
	plans    *commission.Plans
	ledger   *commission.Ledger
	reports  *report.Service
}

func newEnv(t testing.TB, db *store.DB) *env {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	brands := brand.NewService(db, secret.NewBox(testSecret), outbox, log, brand.Options{BaseURL: "http://clout.test"})
	plans := commission.NewPlans(db, brands)
	ledger := commission.NewLedger(db, brands, plans, log)
	return &env{db: db, log: log, brands: brands,
		creators: creator.NewService(db, brands, outbox, "http://clout.test", testSecret, log),
		links:    link.NewService(db, brands, link.NewResolver(db, log), log),
		orders:   order.NewService(db, brands, testSecret, log), plans: plans, ledger: ledger,
		reports: report.NewService(db, brands, ledger, log)}
}

// flatPlan: 10% of net, capped at the whole margin where it is known.
var flatPlan = commission.Plan{TierBasis: commission.BasisRevenue, TierMode: commission.ModeMarginal,
	Tiers: []commission.Tier{{From: 0, RateBps: 1000}}, MarginCapBps: 10000}

// setup makes a brand in tz with the flat plan, products A (cost 20.00)
// and B (cost 25.00), and active creators.
func (e *env) setup(t tb, tz string, names ...string) (*brand.Brand, []*creator.Creator) {
	ctx := context.Background()
	c, err := e.brands.CreateBrand(ctx, brand.NewBrand{Name: "Serum Co " + store.RandomString(6),
		OwnerEmail: strings.ToLower(store.RandomString(8)) + "@brand.test", Password: "correct horse battery", Currency: "USD"}, cliActor)
	if err != nil {
		t.Fatal(err)
	}
	b := c.Brand
	if err := e.db.Exec("UPDATE brands SET time_zone = ?, allowed_domains = ? WHERE id = ?", tz, `["shop.com"]`, b.ID).Error; err != nil {
		t.Fatal(err)
	}
	p, err := e.plans.Create(ctx, cliActor, b.ID, "Flat", flatPlan)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.plans.SetDefault(ctx, cliActor, b.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	now := store.Now()
	for _, pr := range []struct {
		sku  string
		cost int64
	}{{"A", 2000}, {"B", 2500}} {
		if err := e.db.Exec("INSERT INTO products (id, brand_id, sku, title, unit_cost, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			store.NewID("prd"), b.ID, pr.sku, "Product "+pr.sku, pr.cost, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	var crs []*creator.Creator
	for _, name := range names {
		email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "." + strings.ToLower(store.RandomString(5)) + "@creator.test"
		cr, _, err := e.creators.New(ctx, cliActor, b.ID, creator.Profile{Name: &name, Email: &email}, creator.Active)
		if err != nil {
			t.Fatal(err)
		}
		crs = append(crs, cr)
	}
	if b, err = e.brands.Get(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	return b, crs
}

// writeClicks writes clicks through a click writer with the rollup hook.
func (e *env) writeClicks(t tb, evs ...click.Event) {
	w := click.NewWriter(e.db, e.log, testSecret, 0)
	w.SetRollup(e.reports.ClickRollup)
	for _, ev := range evs {
		if !w.Record(ev) {
			t.Fatal("click dropped")
		}
	}
	if err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (e *env) apply(t tb, b *brand.Brand, ev order.Event) *order.Order {
	res, err := e.orders.Apply(context.Background(), b.ID, ev)
	if err != nil {
		t.Fatal(err)
	}
	return res.Order
}

func (e *env) settle(t tb) {
	ctx := context.Background()
	if _, err := e.ledger.Process(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reports.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
}

const (
	humanUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	botUA   = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)

// TestKPIsOnAFixedDataSet checks every KPI against values computed by hand.
//
// Brand in America/New_York (UTC−4 after 8 March 2026); D = 10 March.
// Clicks: Ann's instagram link: v1 at D 10:00 (unique), v1 at D 10:30 (not
// unique), v2 at D 22:00 local = 11 March 02:00 UTC (unique, still day D),
// a bot at D 12:00; Bob's tiktok link: v3 at D+1 09:00 (unique).
// Orders (flat 10%, capped at the margin):
//
//	O1 Ann by click, D 12:00: A 2×50.00 −10.00 (net 90.00, margin 50.00) and B 30.00 (margin 5.00):
//	   net 120.00, margin 55.00, commission 12.00, customer x (new)
//	O2 Ann manual, D+1 10:00: A 50.00 (margin 30.00), customer x (returning), refunded 20.00:
//	   margin 30.00 − 30.00×20/50 = 18.00, commission 5.00 − 2.00 = 3.00
//	O3 Bob by click, D+1 11:00: C 40.00 (no cost, no default margin: margin unknown, counted 40.00),
//	   commission 4.00, customer y (new)
//	O4 Bob manual, D 15:00, 10.00, cancelled: not counted, commission 1.00 − 1.00 = 0
func TestKPIsOnAFixedDataSet(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "America/New_York", "Ann Lee", "Bob Park")
		ann, bob := crs[0], crs[1]
		loc, _ := time.LoadLocation("America/New_York")
		at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, loc) }
		l1, err := e.links.Create(ctx, b.ID, ann.ID, link.Input{Destination: "https://shop.com/a", Label: "Bio", Platform: "instagram"})
		if err != nil {
			t.Fatal(err)
		}
		l2, err := e.links.Create(ctx, b.ID, bob.ID, link.Input{Destination: "https://shop.com/b", Platform: "TikTok"})
		if err != nil {
			t.Fatal(err)
		}
		if l2.Platform != "tiktok" {
			t.Fatalf("platform %q", l2.Platform)
		}
		if _, err := e.links.Create(ctx, b.ID, bob.ID, link.Input{Destination: "https://shop.com/b", Platform: "myspace"}); err == nil {
			t.Fatal("an unknown platform was accepted")
		}
		if err := db.Exec("INSERT INTO creator_handles (creator_id, brand_id, platform, handle, audience_size) VALUES (?, ?, 'youtube', 'ann', 5000), (?, ?, 'x', 'ann', 10)",
			ann.ID, b.ID, ann.ID, b.ID).Error; err != nil {
			t.Fatal(err)
		}
		ev := func(id string, l *link.Link, at time.Time, visitor, ua string) click.Event {
			return click.Event{ID: id, ClickedAt: at.UTC(), BrandID: b.ID, CreatorID: l.CreatorID, LinkID: l.ID, VisitorHash: visitor, UserAgent: ua}
		}
		c1 := "clk_" + store.RandomString(10)
		c5 := "clk_" + store.RandomString(10)
		e.writeClicks(t,
			ev(c1, l1, at(10, 10), "v1", humanUA),
			ev("clk_"+store.RandomString(10), l1, at(10, 10).Add(30*time.Minute), "v1", humanUA),
			ev("clk_"+store.RandomString(10), l1, time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC), "v2", humanUA),
			ev("clk_"+store.RandomString(10), l1, at(10, 12), "bot", botUA),
			ev(c5, l2, at(11, 9), "v3", humanUA))
		o1 := e.apply(t, b, order.Event{Source: order.API, Order: &order.OrderInput{ExternalID: "O1", PlacedAt: at(10, 12), Currency: "USD",
			ClickID: c1, CustomerEmail: "x@shopper.test", Lines: []order.LineInput{
				{ExternalID: "O1-A", SKU: "A", Quantity: 2, UnitPrice: 5000, Discount: 1000},
				{ExternalID: "O1-B", SKU: "B", Quantity: 1, UnitPrice: 3000}}}})
		if o1.CreatorID == nil || *o1.CreatorID != ann.ID || o1.AttributionEvidence.LinkID != l1.ID {
			t.Fatalf("O1 attributed to %v by %s", o1.CreatorID, o1.AttributionMethod)
		}
		o2 := e.apply(t, b, order.Event{Source: order.API, Order: &order.OrderInput{ExternalID: "O2", PlacedAt: at(11, 10), Currency: "USD",
			CustomerEmail: "x@shopper.test", Lines: []order.LineInput{{ExternalID: "O2-A", SKU: "A", Quantity: 1, UnitPrice: 5000}}}})
		if _, err := e.orders.Reassign(ctx, cliActor, b.ID, o2.ID, ann.ID, "test"); err != nil {
			t.Fatal(err)
		}
		e.apply(t, b, order.Event{Source: order.API, Order: &order.OrderInput{ExternalID: "O3", PlacedAt: at(11, 11), Currency: "USD",
			ClickID: c5, CustomerEmail: "y@shopper.test", Lines: []order.LineInput{{ExternalID: "O3-C", SKU: "C", Quantity: 1, UnitPrice: 4000}}}})
		o4 := e.apply(t, b, order.Event{Source: order.API, Order: &order.OrderInput{ExternalID: "O4", PlacedAt: at(10, 15), Currency: "USD",
			CustomerEmail: "z@shopper.test", Lines: []order.LineInput{{ExternalID: "O4-A", SKU: "Z", Quantity: 1, UnitPrice: 1000}}}})
		if _, err := e.orders.Reassign(ctx, cliActor, b.ID, o4.ID, bob.ID, "test"); err != nil {
			t.Fatal(err)
		}
		e.settle(t) // O4's sale is in the ledger before its cancellation
		if _, err := e.orders.Refund(ctx, b.ID, order.API, "O2", order.RefundRequest{ExternalID: "r1", Amount: p64(2000)}); err != nil {
			t.Fatal(err)
		}
		e.apply(t, b, order.Event{Source: order.API, OrderRef: "O4", Cancel: &order.CancelInput{At: at(11, 12), Reason: "fraud"}})
		e.settle(t)

		r, err := report.DayRange(b, "2026-03-10", "2026-03-11")
		if err != nil {
			t.Fatal(err)
		}
		check := func(t *testing.T) {
			d, err := e.reports.Dashboard(ctx, b, r)
			if err != nil {
				t.Fatal(err)
			}
			want := report.KPIs{Currency: "USD", HumanClicks: 4, UniqueClicks: 3, BotClicks: 1, Orders: 3, Revenue: 21000, Refunded: 2000,
				Commission: 1900, GrossMargin: 11300, MarginKnown: false, NewCustomers: 2, ReturningCustomers: 1,
				ConversionBps: 7500, RefundRateBps: 952, CommissionOfRevenueBps: 905, CommissionOfMarginBps: 1681, EarningsPerClick: 475, AOV: 7000,
				Defined: report.Defined{Conversion: true, RefundRate: true, CommissionOfRevenue: true, CommissionOfMargin: true, EarningsPerClick: true, AOV: true}}
			if !reflect.DeepEqual(d.Current, want) {
				t.Errorf("current KPIs\n got %+v\nwant %+v", d.Current, want)
			}
			if (d.Prior != report.KPIs{Currency: "USD", MarginKnown: true}) {
				t.Errorf("prior KPIs %+v, want zeros with no ratio defined", d.Prior)
			}
			if d.Previous.FirstDay() != "2026-03-08" || d.Previous.LastDay() != "2026-03-09" {
				t.Errorf("previous range %s..%s", d.Previous.FirstDay(), d.Previous.LastDay())
			}
			wantDaily := []report.DayPoint{{Day: "2026-03-10", Clicks: 3, UniqueClicks: 2, Orders: 1, Revenue: 12000, Commission: 1200},
				{Day: "2026-03-11", Clicks: 1, UniqueClicks: 1, Orders: 2, Revenue: 9000, Refunded: 2000, Commission: 700}}
			if !reflect.DeepEqual(d.Daily, wantDaily) {
				t.Errorf("daily\n got %+v\nwant %+v", d.Daily, wantDaily)
			}
			if len(d.TopCreators) != 2 || d.TopCreators[0].Name != "Ann Lee" || d.TopCreators[0].Revenue != 17000 || d.TopCreators[0].Commission != 1500 ||
				d.TopCreators[0].HumanClicks != 3 || d.TopCreators[0].Orders != 2 || d.TopCreators[0].ConversionBps != 6667 ||
				d.TopCreators[1].Name != "Bob Park" || d.TopCreators[1].Revenue != 4000 || d.TopCreators[1].Commission != 400 || d.TopCreators[1].MarginKnown {
				t.Errorf("top creators %+v", d.TopCreators)
			}
			plats := map[string][3]int64{}
			for _, p := range d.Platforms {
				plats[p.Platform] = [3]int64{p.HumanClicks, p.Orders, p.Revenue}
			}
			if want := map[string][3]int64{"instagram": {3, 1, 12000}, "youtube": {0, 1, 5000}, "tiktok": {1, 1, 4000}}; !reflect.DeepEqual(plats, want) {
				t.Errorf("platforms %v, want %v", plats, want)
			}
			if d.Platforms[0].Platform != "instagram" {
				t.Errorf("platforms not by revenue: %+v", d.Platforms)
			}
			if len(d.Links) != 2 || d.Links[0].LinkID != l1.ID || d.Links[0].Clicks != 3 || d.Links[0].UniqueClicks != 2 || d.Links[0].Orders != 1 ||
				d.Links[0].Revenue != 12000 || d.Links[0].Commission != 1200 || d.Links[0].CreatorName != "Ann Lee" || d.Links[0].Platform != "instagram" ||
				d.Links[0].Label != "Bio" || d.Links[1].LinkID != l2.ID || d.Links[1].ConversionBps != 10000 {
				t.Errorf("links %+v", d.Links)
			}

			sc, err := e.reports.Scorecard(ctx, b, ann.ID, r)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Current.Orders != 2 || sc.Current.Revenue != 17000 || sc.Current.Refunded != 2000 || sc.Current.GrossMargin != 7300 ||
				!sc.Current.MarginKnown || sc.Current.NewCustomers != 1 || sc.Current.ReturningCustomers != 1 || sc.Current.AOV != 8500 ||
				sc.Current.RefundRateBps != 1176 || sc.Current.CommissionOfMarginBps != 2055 || sc.Current.EarningsPerClick != 500 {
				t.Errorf("Ann's scorecard %+v", sc.Current)
			}
			if sc.LastActivity == nil || sc.LastActivity.Format("2006-01-02") != "2026-03-11" || len(sc.Daily) != 2 {
				t.Errorf("last activity %v, %d days", sc.LastActivity, len(sc.Daily))
			}
			if _, err := e.reports.Scorecard(ctx, b, "cr_nobody", r); err == nil {
				t.Error("a scorecard for an unknown creator")
			}
			all, err := e.reports.Scorecards(ctx, b, r)
			if err != nil || len(all) != 2 || all[0].CreatorID != ann.ID || all[1].Current.Commission != 400 {
				t.Errorf("scorecards %+v, %v", all, err)
			}
			earn, err := e.reports.CreatorEarnings(ctx, b, bob.ID, r)
			if err != nil {
				t.Fatal(err)
			}
			if earn.Pending+earn.Payable != 400 || earn.Total.Commission != 400 || len(earn.Links) != 1 || earn.Links[0].Orders != 1 || len(earn.Daily) != 2 ||
				earn.Daily[1].Commission != 400 {
				t.Errorf("Bob's earnings %+v", earn)
			}
		}
		t.Run("incremental", check)
		if err := e.reports.Rebuild(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		t.Run("rebuilt", check)
	})
}

// TestRangeHelpers: LastDays, Previous and Change.
func TestRangeHelpers(t *testing.T) {
	b := &brand.Brand{TimeZone: "Asia/Kolkata"}
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC) // 11 March 01:30 in Kolkata
	r := report.LastDays(b, now, 7)
	if r.FirstDay() != "2026-03-05" || r.LastDay() != "2026-03-11" || r.Days() != 7 {
		t.Fatalf("last 7 days: %s..%s (%d)", r.FirstDay(), r.LastDay(), r.Days())
	}
	if p := r.Previous(); p.FirstDay() != "2026-02-26" || p.LastDay() != "2026-03-04" {
		t.Fatalf("previous: %s..%s", p.FirstDay(), p.LastDay())
	}
	for _, c := range []struct {
		cur, prior, bps int64
		ok              bool
	}{{150, 100, 5000, true}, {50, 100, -5000, true}, {1, 0, 0, false}, {-50, -100, 5000, true}, {2, 3, -3333, true}} {
		if bps, ok := report.Change(c.cur, c.prior); bps != c.bps || ok != c.ok {
			t.Errorf("Change(%d, %d) = %d, %v", c.cur, c.prior, bps, ok)
		}
	}
}

// rollups dumps a brand's rollup rows that are not all zero, sorted.
// rollups lists every non-zero row of the brand's rollups: daily per
// link, creator and brand, and per block for links and creators.
func rollups(t tb, db *store.DB, brandID string) []string {
	var out []string
	for _, tb := range []struct{ table, keys, cols string }{
		{"report_link_daily", "day, creator_id, link_id", linkColumns},
		{"report_creator_daily", "day, creator_id", creatorColumns},
		{"report_brand_daily", "day", creatorColumns},
		{"report_link_blocks", "span, first_day, creator_id, link_id", linkColumns},
		{"report_creator_blocks", "span, first_day, creator_id", creatorColumns},
	} {
		rows, err := db.Raw("SELECT "+tb.keys+", "+tb.cols+" FROM "+tb.table+" WHERE brand_id = ?", brandID).Rows()
		if err != nil {
			t.Fatal(err)
		}
		nk, nv := len(strings.Split(tb.keys, ",")), len(strings.Split(tb.cols, ","))
		for rows.Next() {
			ks, vs := make([]string, nk), make([]int64, nv)
			dest := []any{}
			for i := range ks {
				dest = append(dest, &ks[i])
			}
			for i := range vs {
				dest = append(dest, &vs[i])
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(vs, func(v int64) bool { return v != 0 }) {
				out = append(out, fmt.Sprintf("%s %v %v", tb.table, ks, vs))
			}
		}
		rows.Close()
	}
	sort.Strings(out)
	return out
}

const (
	linkColumns    = "clicks, unique_clicks, bot_clicks, orders, revenue, refunded, commission"
	creatorColumns = linkColumns + ", gross_margin, margin_unknown, new_customers, returning_customers"
)

func p64(v int64) *int64 { return &v }
