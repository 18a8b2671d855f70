package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// TestFlags: with six creators selling for three weeks, the one far ahead
// is a top performer and the one far below the median is underperforming
// for exactly three weeks (the week before has too few sellers to judge).
// The flags read only the rollups, so the rows are written directly.
func TestFlags(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "UTC", "Top", "Mid 1", "Mid 2", "Mid 3", "Mid 4", "Low")
		if err := db.Exec("UPDATE creators SET created_at = ? WHERE brand_id = ?", time.Now().AddDate(0, 0, -90), b.ID).Error; err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		r := report.LastDays(b, now, 21)
		type week struct{ revenue, clicks, orders int64 }
		per := map[int]week{0: {100000, 1000, 50}, 5: {1000, 100, 1}}
		for w := range 3 {
			day := r.To.AddDate(0, 0, -7*(w+1)).Format("2006-01-02")
			for i, cr := range crs {
				v, ok := per[i]
				if !ok {
					v = week{20000, 1000, 10}
				}
				if err := db.Exec("INSERT INTO report_creator_daily (brand_id, day, creator_id, clicks, orders, revenue) VALUES (?, ?, ?, ?, ?, ?)",
					b.ID, day, cr.ID, v.clicks, v.orders, v.revenue).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		all, err := e.reports.Scorecards(ctx, b, r)
		if err != nil {
			t.Fatal(err)
		}
		flags := map[string][]report.Flag{}
		for _, sc := range all {
			flags[sc.Name] = sc.Flags
		}
		top := flags["Top"]
		if len(top) != 1 || top[0].Kind != report.FlagTopPerformer || !strings.Contains(top[0].Evidence[0], "#1 of 6 creators") ||
			!strings.Contains(top[0].Evidence[1], "Conversion 5.00% (150 orders from 3000 human clicks)") {
			t.Errorf("top performer flags %+v", top)
		}
		low := flags["Low"]
		if len(low) != 1 || low[0].Kind != report.FlagUnderperforming || low[0].Weeks != 3 || low[0].Message != "Underperforming for 3 weeks" ||
			len(low[0].Evidence) != 3 || !strings.Contains(low[0].Evidence[0], "revenue 10.00 USD against the median creator's 200.00 USD (5.00%)") {
			t.Errorf("underperforming flags %+v", low)
		}
		for _, name := range []string{"Mid 1", "Mid 2", "Mid 3", "Mid 4"} {
			if len(flags[name]) != 0 {
				t.Errorf("%s flagged: %+v", name, flags[name])
			}
		}
		sc, err := e.reports.Scorecard(ctx, b, crs[5].ID, r)
		if err != nil || len(sc.Flags) != 1 || sc.Flags[0].Weeks != 3 {
			t.Errorf("Low's scorecard flags %+v, %v", sc, err)
		}
		// A creator who joined last week is not judged on the weeks before.
		if err := db.Exec("UPDATE creators SET created_at = ? WHERE id = ?", now.AddDate(0, 0, -3), crs[5].ID).Error; err != nil {
			t.Fatal(err)
		}
		// Flags are reused for report.FlagsFresh: still the old verdict...
		if sc, err = e.reports.Scorecard(ctx, b, crs[5].ID, r); err != nil || len(sc.Flags) != 1 {
			t.Errorf("cached flags %+v, %v", sc.Flags, err)
		}
		// ...until they are dropped (a settings change or a rebuild does it).
		e.reports.BrandChanged(b.ID)
		if sc, err = e.reports.Scorecard(ctx, b, crs[5].ID, r); err != nil || len(sc.Flags) != 0 {
			t.Errorf("a new creator flagged: %+v, %v", sc.Flags, err)
		}
	})
}
