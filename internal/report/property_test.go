package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"pgregory.net/rapid"
)

// TestRollupsMatchARebuild: after any sequence of clicks (human, repeated,
// bot), orders (by click, credited by hand or unattributed, customers
// repeating out of order), refunds, cancellations, reassignments and
// manual adjustments, with the ledger and the refresher running at any
// points, the rollups equal a recomputation from raw data.
func TestRollupsMatchARebuild(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		rapid.Check(t, func(rt *rapid.T) {
			tz := rapid.SampledFrom([]string{"UTC", "America/New_York", "Asia/Kolkata"}).Draw(rt, "tz")
			b, crs := e.setup(rt, tz, "Ana", "Ben")
			var links []*link.Link
			for i, cr := range crs {
				for j := range 2 {
					l, err := e.links.Create(ctx, b.ID, cr.ID, link.Input{Destination: "https://shop.com/", Platform: []string{"", "tiktok"}[j]})
					if err != nil {
						rt.Fatal(err)
					}
					_ = i
					links = append(links, l)
				}
			}
			// Around the 8 March 2026 change to daylight saving time in New York.
			base := time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC)
			var clicks []string
			var orders []string // external ids
			steps := rapid.IntRange(1, 14).Draw(rt, "steps")
			for i := range steps {
				switch rapid.IntRange(0, 6).Draw(rt, "kind") {
				case 0: // clicks
					n := rapid.IntRange(1, 4).Draw(rt, "clicks")
					var evs []click.Event
					for range n {
						l := links[rapid.IntRange(0, len(links)-1).Draw(rt, "link")]
						ua := humanUA
						if rapid.IntRange(0, 3).Draw(rt, "bot") == 0 {
							ua = botUA
						}
						id := "clk_" + store.RandomString(12)
						at := base.Add(time.Duration(rapid.IntRange(0, 72*60).Draw(rt, "click minute")) * time.Minute)
						evs = append(evs, click.Event{ID: id, ClickedAt: at, BrandID: b.ID, CreatorID: l.CreatorID, LinkID: l.ID,
							VisitorHash: rapid.SampledFrom([]string{"v1", "v2", "v3"}).Draw(rt, "visitor"), UserAgent: ua})
						clicks = append(clicks, id)
					}
					e.writeClicks(rt, evs...)
				case 1: // an order
					ext := fmt.Sprintf("P%d", i)
					in := &order.OrderInput{ExternalID: ext, Currency: "USD",
						PlacedAt:      base.Add(time.Duration(rapid.IntRange(0, 72*60).Draw(rt, "order minute")) * time.Minute),
						CustomerEmail: rapid.SampledFrom([]string{"", "x@s.test", "y@s.test"}).Draw(rt, "customer")}
					for j := range rapid.IntRange(1, 2).Draw(rt, "lines") {
						in.Lines = append(in.Lines, order.LineInput{ExternalID: fmt.Sprintf("%s-%d", ext, j),
							SKU: rapid.SampledFrom([]string{"A", "B", "C"}).Draw(rt, "sku"), Quantity: rapid.Int64Range(1, 3).Draw(rt, "qty"),
							UnitPrice: rapid.Int64Range(500, 8000).Draw(rt, "price")})
					}
					if len(clicks) > 0 && rapid.Bool().Draw(rt, "by click") {
						in.ClickID = clicks[rapid.IntRange(0, len(clicks)-1).Draw(rt, "click")]
						// Placed after the click, within the window.
						in.PlacedAt = base.Add(73 * time.Hour)
					}
					o := e.apply(rt, b, order.Event{Source: order.API, Order: in})
					if o.CreatorID == nil && rapid.Bool().Draw(rt, "credit") {
						cr := crs[rapid.IntRange(0, 1).Draw(rt, "creator")]
						if _, err := e.orders.Reassign(ctx, cliActor, b.ID, o.ID, cr.ID, "credit"); err != nil {
							rt.Fatal(err)
						}
					}
					orders = append(orders, ext)
				case 2: // a refund
					if len(orders) == 0 {
						continue
					}
					ext := orders[rapid.IntRange(0, len(orders)-1).Draw(rt, "order")]
					e.apply(rt, b, order.Event{Source: order.API, OrderRef: ext, Refunds: []order.RefundInput{{
						ExternalID: fmt.Sprintf("r%d", i), Amount: rapid.Int64Range(1, 6000).Draw(rt, "refund")}}})
				case 3: // a cancellation
					if len(orders) == 0 {
						continue
					}
					ext := orders[rapid.IntRange(0, len(orders)-1).Draw(rt, "order")]
					e.apply(rt, b, order.Event{Source: order.API, OrderRef: ext, Cancel: &order.CancelInput{At: base}})
				case 4: // a reassignment
					if len(orders) == 0 {
						continue
					}
					ext := orders[rapid.IntRange(0, len(orders)-1).Draw(rt, "order")]
					o, err := e.orders.ByExternalID(ctx, b.ID, order.API, ext)
					if err != nil {
						rt.Fatal(err)
					}
					cr := crs[rapid.IntRange(0, 1).Draw(rt, "creator")]
					if _, err := e.orders.Reassign(ctx, cliActor, b.ID, o.ID, cr.ID, "moved"); err != nil {
						rt.Fatal(err)
					}
				case 5: // a manual adjustment
					cr := crs[rapid.IntRange(0, 1).Draw(rt, "creator")]
					if _, err := e.ledger.Adjust(ctx, cliActor, b, cr.ID, rapid.Int64Range(-500, 500).Filter(func(v int64) bool { return v != 0 }).Draw(rt, "adjust"), "bonus"); err != nil {
						rt.Fatal(err)
					}
				case 6: // the workers run
					if rapid.Bool().Draw(rt, "ledger") {
						if _, err := e.ledger.Process(ctx); err != nil {
							rt.Fatal(err)
						}
					}
					if _, err := e.reports.Refresh(ctx); err != nil {
						rt.Fatal(err)
					}
				}
			}
			e.settle(rt)
			got := rollups(rt, db, b.ID)
			if err := e.reports.Rebuild(ctx, b.ID); err != nil {
				rt.Fatal(err)
			}
			want := rollups(rt, db, b.ID)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				rt.Fatalf("incremental rollups\n%v\ndiffer from a rebuild\n%v", join(got), join(want))
			}
			// The reports read the sealed blocks' rows: they equal the
			// reports read from the days alone.
			// Ranges with days of data in blocks and in days around them.
			var ranges []report.Range
			for _, d := range [][2]string{{"2026-03-08", "2026-03-16"}, {"2026-03-02", "2026-03-09"}, {"2026-02-25", "2026-03-27"}} {
				r, err := report.DayRange(b, d[0], d[1])
				if err != nil {
					rt.Fatal(err)
				}
				ranges = append(ranges, r)
			}
			withWeeks := reports(rt, e.reports, b, ranges)
			if err := db.Exec("DELETE FROM report_seal WHERE brand_id = ?", b.ID).Error; err != nil {
				rt.Fatal(err)
			}
			if days := reports(rt, e.reports, b, ranges); days != withWeeks {
				rt.Fatalf("reports from the sealed blocks\n%s\ndiffer from the reports from the days\n%s", withWeeks, days)
			}
			// Every click is counted once.
			var n int64
			if err := db.Raw("SELECT COALESCE(SUM(clicks + bot_clicks), 0) FROM report_link_daily WHERE brand_id = ?", b.ID).Scan(&n).Error; err != nil {
				rt.Fatal(err)
			}
			if n != int64(len(clicks)) {
				rt.Fatalf("%d clicks in the rollups, %d written", n, len(clicks))
			}
		})
	})
}

func join(lines []string) string {
	out := ""
	for _, l := range lines {
		out += "  " + l + "\n"
	}
	return out
}

// reports prints the brand's dashboard and scorecards for each range.
func reports(t tb, s *report.Service, b *brand.Brand, ranges []report.Range) string {
	ctx := context.Background()
	out := ""
	for _, r := range ranges {
		d, err := s.Dashboard(ctx, b, r)
		if err != nil {
			t.Fatal(err)
		}
		cards, err := s.Scorecards(ctx, b, r)
		if err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf("%+v\n%+v\n", *d, cards)
	}
	return out
}
