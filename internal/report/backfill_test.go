package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// TestBackfillBuildsRollupsFromHistory: a brand whose clicks and orders
// predate the rollups (the tables are empty after an upgrade) gets its
// rollups built from raw data, once; a brand that has them is left alone.
func TestBackfillBuildsRollupsFromHistory(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "UTC", "Ann")
		at := store.Now().Add(-48 * time.Hour)
		if err := db.Exec(`INSERT INTO clicks (id, clicked_at, brand_id, creator_id, link_id, visitor_hash, is_bot, is_unique)
			VALUES ('clk_1', ?, ?, ?, 'lnk_1', 'v1', FALSE, TRUE)`, at, b.ID, crs[0].ID).Error; err != nil {
			t.Fatal(err)
		}
		o := e.apply(t, b, order.Event{Source: order.API, Order: &order.OrderInput{ExternalID: "H-1", PlacedAt: at, Currency: "USD",
			Lines: []order.LineInput{{ExternalID: "H-1-1", SKU: "A", Title: "Serum", Quantity: 1, UnitPrice: 5000}}}})
		if _, err := e.orders.Reassign(ctx, cliActor, b.ID, o.ID, crs[0].ID, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ledger.Process(ctx); err != nil {
			t.Fatal(err)
		}
		// As after an upgrade: history, and no rollups.
		for _, q := range []string{"DELETE FROM report_queue", "DELETE FROM report_facts", "DELETE FROM report_link_daily", "DELETE FROM report_creator_daily"} {
			if err := db.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		n, err := e.reports.Backfill(ctx)
		if err != nil || n != 1 {
			t.Fatalf("backfill: %d brands, %v", n, err)
		}
		got := rollups(t, db, b.ID)
		if err := e.reports.Rebuild(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		want := rollups(t, db, b.ID)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) == 0 {
			t.Fatalf("backfilled rollups:\n%s\nrebuilt:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n, err := e.reports.Backfill(ctx); err != nil || n != 0 {
			t.Fatalf("second backfill: %d brands, %v", n, err)
		}
	})
}

// TestSealingBuildsTheBlocksOfDailyRollups: a brand with daily rollups
// and no blocks (rollups from before the blocks existed) gets every
// sealable block summed by SealBrand, equal to a rebuild, and its reports
// read through the blocks equal the reports read from days.
func TestSealingBuildsTheBlocksOfDailyRollups(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "America/New_York", "Ann", "Bo")
		// Orders over the last 40 days, one a day, alternating creators.
		for i := range 40 {
			ext := "S-" + string(rune('A'+i/26)) + string(rune('a'+i%26))
			o := e.apply(t, b, order.Event{Source: order.API, Order: &order.OrderInput{ExternalID: ext,
				PlacedAt: store.Now().Add(-time.Duration(i*24+5) * time.Hour), Currency: "USD",
				Lines: []order.LineInput{{ExternalID: ext + "-1", SKU: "A", Title: "Serum", Quantity: 1, UnitPrice: int64(1000 + 100*i)}}}})
			if _, err := e.orders.Reassign(ctx, cliActor, b.ID, o.ID, crs[i%2].ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.ledger.Process(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.reports.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		// As after the upgrade to blocks: days, no blocks, never sealed.
		for _, q := range []string{"DELETE FROM report_link_blocks", "DELETE FROM report_creator_blocks", "DELETE FROM report_seal"} {
			if err := db.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		r, err := report.DayRange(b, report.DayOf(store.Now().AddDate(0, 0, -45), report.Location(b)), report.DayOf(store.Now(), report.Location(b)))
		if err != nil {
			t.Fatal(err)
		}
		fromDays := reports(t, e.reports, b, []report.Range{r})
		if err := e.reports.SealBrand(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		got := rollups(t, db, b.ID)
		if !strings.Contains(strings.Join(got, "\n"), "report_creator_blocks [32 ") {
			t.Fatalf("no long blocks sealed:\n%s", strings.Join(got, "\n"))
		}
		if fromBlocks := reports(t, e.reports, b, []report.Range{r}); fromBlocks != fromDays {
			t.Fatalf("reports through the sealed blocks\n%s\ndiffer from the reports from days\n%s", fromBlocks, fromDays)
		}
		if err := e.reports.Rebuild(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if want := rollups(t, db, b.ID); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("sealed rollups:\n%s\nrebuilt:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
