package demo_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/demo"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

// services wires the app on db as cmd/clout does.
func services(t *testing.T, db *store.DB) demo.Services {
	t.Helper()
	vars := map[string]string{"CLOUT_SECRET": "test-secret-0123456789abcdef0123456789", "CLOUT_DATA_DIR": t.TempDir()}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Clicks.Drain(context.Background()) })
	return demo.Services{DB: db, Brands: a.Brands, Creators: a.Creators, Links: a.Links, Codes: a.Codes, Orders: a.Orders,
		Catalog: a.Catalog, Plans: a.Plans, Ledger: a.Ledger, Payouts: a.Payouts, Rebuild: a.Reports.Rebuild}
}

const password = "correct horse battery"

func TestSeedDemo(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := services(t, db)
		now := store.Now()
		opts := demo.Options{Password: password, Creators: 8, Days: 42, Seed: 7, Now: now}
		res, err := demo.Seed(ctx, s, opts)
		if err != nil {
			t.Fatal(err)
		}
		q := func(dst any, sql string, args ...any) {
			t.Helper()
			if err := db.Raw(sql, args...).Scan(dst).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		id := res.BrandID

		// Creators, links, codes.
		if res.Creators != 8 || res.Codes != 8 || res.Products != 10 || res.Paused != 1 {
			t.Fatalf("creators %d, codes %d, products %d, paused %d; want 8, 8, 10, 1", res.Creators, res.Codes, res.Products, res.Paused)
		}
		var perCreator []struct {
			CreatorID string
			N         int
		}
		q(&perCreator, "SELECT creator_id, COUNT(*) AS n FROM links WHERE brand_id = ? GROUP BY creator_id", id)
		total := 0
		for _, c := range perCreator {
			if c.N < 1 || c.N > 3 {
				t.Errorf("creator %s has %d links; want 1 to 3", c.CreatorID, c.N)
			}
			total += c.N
		}
		if len(perCreator) != 8 || total != res.Links {
			t.Errorf("links of %d creators, %d in all (result says %d)", len(perCreator), total, res.Links)
		}
		var noPlatform int64
		q(&noPlatform, "SELECT COUNT(*) FROM links WHERE brand_id = ? AND platform = ''", id)
		if noPlatform != 0 {
			t.Errorf("%d links without a platform", noPlatform)
		}

		// Clicks over the days, weekends busier than weekdays.
		var clicks []time.Time
		q(&clicks, "SELECT clicked_at FROM clicks WHERE brand_id = ? AND NOT is_bot", id)
		if int64(len(clicks)) != res.HumanClicks || res.Clicks <= res.HumanClicks || res.UniqueClicks >= res.HumanClicks || res.UniqueClicks == 0 {
			t.Fatalf("clicks %d, human %d (read %d), unique %d: want bots, repeats and uniques", res.Clicks, res.HumanClicks, len(clicks), res.UniqueClicks)
		}
		loc, _ := time.LoadLocation(demo.TimeZone)
		perDay := map[string]int{}
		for _, at := range clicks {
			if at.After(now) {
				t.Fatalf("a click at %s, after now %s", at, now)
			}
			perDay[at.In(loc).Format("2006-01-02")]++
		}
		if len(perDay) < 40 {
			t.Errorf("clicks on %d days; want about 42", len(perDay))
		}
		var wkend, wkday, nEnd, nDay float64
		today := now.In(loc).Format("2006-01-02")
		for day, n := range perDay {
			if day == today {
				continue // a partial day
			}
			d, _ := time.ParseInLocation("2006-01-02", day, loc)
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				wkend, nEnd = wkend+float64(n), nEnd+1
			} else {
				wkday, nDay = wkday+float64(n), nDay+1
			}
		}
		if wkend/nEnd <= wkday/nDay {
			t.Errorf("weekend days average %.0f human clicks, weekdays %.0f: want the weekend higher", wkend/nEnd, wkday/nDay)
		}

		// Orders: by code, by click, and not attributed; refunds; two cancellations.
		if res.ByCode == 0 || res.ByClick == 0 || res.Unattributed == 0 || res.ByCode+res.ByClick+res.Unattributed != res.Orders {
			t.Errorf("orders %d: by code %d, by click %d, unattributed %d", res.Orders, res.ByCode, res.ByClick, res.Unattributed)
		}
		var clickOrders int64
		q(&clickOrders, "SELECT COUNT(*) FROM orders o JOIN clicks c ON c.id = o.click_id WHERE o.brand_id = ? AND o.attribution_method = 'click' AND o.creator_id = c.creator_id", id)
		if clickOrders != res.ByClick {
			t.Errorf("%d of %d orders by click name a click of their creator", clickOrders, res.ByClick)
		}
		var refunded, cancelled int64
		q(&refunded, "SELECT COUNT(*) FROM orders WHERE brand_id = ? AND status IN ('refunded', 'partially_refunded')", id)
		q(&cancelled, "SELECT COUNT(*) FROM orders WHERE brand_id = ? AND status = 'cancelled'", id)
		if res.Refunds == 0 || refunded != res.Refunds || cancelled != 2 || res.Cancellations != 2 {
			t.Errorf("refunds %d (orders refunded %d), cancellations %d (orders cancelled %d)", res.Refunds, refunded, res.Cancellations, cancelled)
		}
		var queued int64
		q(&queued, "SELECT COUNT(*) FROM order_changes WHERE brand_id = ?", id)
		if queued != 0 {
			t.Errorf("%d orders still wait for the ledger", queued)
		}

		// The ledger: every entry is in some creator's balance.
		b, err := s.Brands.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var creators []string
		q(&creators, "SELECT id FROM creators WHERE brand_id = ?", id)
		var sum, paid, inPayout, pending, payable int64
		for _, c := range creators {
			bal, err := s.Ledger.Balance(ctx, b, c)
			if err != nil {
				t.Fatal(err)
			}
			sum += bal.Pending + bal.Payable + bal.InPayout + bal.Paid
			paid, inPayout, pending, payable = paid+bal.Paid, inPayout+bal.InPayout, pending+bal.Pending, payable+bal.Payable
		}
		if sum != res.Commission || res.Commission <= 0 {
			t.Errorf("entries sum to %d, balances to %d", res.Commission, sum)
		}
		if paid <= 0 || inPayout != 0 || pending <= 0 || payable == 0 {
			t.Errorf("paid %d, in payout %d, pending %d, payable %d: want paid, pending and payable, nothing in flight", paid, inPayout, pending, payable)
		}
		var kinds []string
		q(&kinds, "SELECT DISTINCT kind FROM commission_entries WHERE brand_id = ? ORDER BY kind", id)
		if len(kinds) < 2 {
			t.Errorf("entry kinds %v; want sales and reversals at least", kinds)
		}
		var late int64
		q(&late, "SELECT COUNT(*) FROM commission_entries WHERE brand_id = ? AND created_at > ?", id, now)
		if late != 0 {
			t.Errorf("%d entries dated after now", late)
		}

		// One completed payout, every item paid with a reference.
		batches, err := s.Payouts.List(ctx, id, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(batches) != 1 || batches[0].Status != payout.BatchCompleted || batches[0].ID != res.PayoutBatchID || !batches[0].Cutoff.Before(now) {
			t.Fatalf("batches %+v; want one completed batch in the past", batches)
		}
		items, err := s.Payouts.Items(ctx, id, res.PayoutBatchID)
		if err != nil {
			t.Fatal(err)
		}
		var itemsTotal int64
		for _, it := range items {
			if it.Status != payout.ItemPaid || it.Reference == "" || it.Method != payout.MethodManual {
				t.Errorf("item %+v: want paid by hand with a reference", it.Item)
			}
			itemsTotal += it.Amount
		}
		if len(items) == 0 || len(items) != res.PayoutItems || itemsTotal != res.PayoutTotal || itemsTotal != paid {
			t.Errorf("%d items (result %d) of %d (result %d); the ledger says %d paid", len(items), res.PayoutItems, itemsTotal, res.PayoutTotal, paid)
		}

		// The owner logs in; the top creator too, with the same password.
		if _, err := s.Brands.Authenticate(ctx, res.OwnerEmail, password); err != nil {
			t.Errorf("owner login: %v", err)
		}
		if _, _, err := s.Creators.LoginPassword(ctx, res.CreatorEmail, res.CreatorPassword); err != nil || res.CreatorPassword != password {
			t.Errorf("creator login as %s: %v", res.CreatorEmail, err)
		}

		// Again for the same email: refused, or reset and made again alike.
		if _, err := demo.Seed(ctx, s, opts); !errors.Is(err, demo.ErrExists) {
			t.Fatalf("second seed: %v; want ErrExists", err)
		}
		opts.Reset = true
		again, err := demo.Seed(ctx, s, opts)
		if err != nil {
			t.Fatalf("reset: %v", err)
		}
		if again.BrandID == res.BrandID || again.BrandSlug != res.BrandSlug || again.Clicks != res.Clicks || again.Orders != res.Orders ||
			again.ByCode != res.ByCode || again.Refunds != res.Refunds || again.Commission != res.Commission || again.PayoutTotal != res.PayoutTotal {
			t.Errorf("the same seed made another demo:\n%+v\n%+v", res, again)
		}
		var left int64
		q(&left, "SELECT COUNT(*) FROM brands WHERE id = ?", res.BrandID)
		var leftClicks int64
		q(&leftClicks, "SELECT COUNT(*) FROM clicks WHERE brand_id = ?", res.BrandID)
		if left != 0 || leftClicks != 0 {
			t.Errorf("the old demo brand is still there (%d) with %d clicks", left, leftClicks)
		}
	})
}

// A brand that was not seeded by the demo is never deleted by Reset.
func TestResetLeavesOtherBrands(t *testing.T) {
	db := testutil.SQLite(t)
	ctx := context.Background()
	s := services(t, db)
	_, err := demo.Seed(ctx, s, demo.Options{Email: "real@shop.example", Password: password, Creators: 3, Days: 28})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("DELETE FROM audit_log WHERE action = ?", demo.AuditAction).Error; err != nil {
		t.Fatal(err)
	}
	_, err = demo.Seed(ctx, s, demo.Options{Email: "real@shop.example", Password: password, Creators: 3, Days: 28, Reset: true})
	if !errors.Is(err, demo.ErrNotDemo) {
		t.Fatalf("reset of a brand without the demo mark: %v; want ErrNotDemo", err)
	}
	var n int64
	db.Raw("SELECT COUNT(*) FROM brands").Scan(&n)
	if n != 1 {
		t.Fatalf("%d brands; want the one kept", n)
	}
}
