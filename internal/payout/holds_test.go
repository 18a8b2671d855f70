package payout_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/fraud"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// A held entry stays out of payout batches until its hold is released; the
// creator's other entries are paid meanwhile.
func TestHoldExcludesEntriesFromBatches(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, "")
		ctx := context.Background()
		b := e.newBrand(t, false)
		jo := e.newCreator(t, b, "Jo", "jo.pay@bank.test")
		kim := e.newCreator(t, b, "Kim", "kim.pay@bank.test")
		now := store.Now()
		// Jo's order placed with her own payout email (a self-referral),
		// with a 30.00 commission entry; and 20.00 of other earnings.
		res, err := e.orders.Apply(ctx, b.ID, order.Event{Source: order.API, OrderRef: "9001", Order: &order.OrderInput{
			ExternalID: "9001", PlacedAt: now.Add(-48 * time.Hour), Currency: "USD", CustomerEmail: "jo.pay@bank.test",
			Lines: []order.LineInput{{ExternalID: "9001-1", Title: "Serum", Quantity: 1, UnitPrice: 30000}}}})
		if err != nil {
			t.Fatal(err)
		}
		o := res.Order
		if err := db.Exec("UPDATE orders SET creator_id = ?, attribution_method = 'manual' WHERE id = ?", jo.ID, o.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&commission.Entry{ID: store.NewID("ce"), BrandID: b.ID, CreatorID: jo.ID, OrderID: &o.ID, Month: "2026-01",
			Component: "sale:" + o.ID, Kind: commission.KindSale, Amount: 3000, Currency: "USD",
			PayableAt: now.Add(-time.Hour), CreatedAt: now.Add(-time.Hour)}).Error; err != nil {
			t.Fatal(err)
		}
		e.earn(t, b, jo, 2000)
		e.earn(t, b, kim, 1500)

		fr := fraud.NewService(db, e.brands, e.orders.CustomerHash)
		from, to := now.Add(-7*24*time.Hour), now.Add(time.Hour)
		h, err := fr.Hold(ctx, alice, b, from, to, fraud.KindSelfReferral+"|"+jo.ID, "own payout email on the order")
		if err != nil {
			t.Fatal(err)
		}
		if h.EntryCount != 1 || h.Amount != 3000 {
			t.Fatalf("hold: %d entries, %d", h.EntryCount, h.Amount)
		}
		// The ledger corrects the held order afterwards (a tier true-up, say):
		// the new entry waits with the hold too.
		if err := db.Create(&commission.Entry{ID: store.NewID("ce"), BrandID: b.ID, CreatorID: jo.ID, OrderID: &o.ID, Month: "2026-01",
			Component: "true_up:" + o.ID, Kind: commission.KindTrueUp, Amount: 500, Currency: "USD",
			PayableAt: now.Add(-time.Hour), CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}

		first, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := items(t, e, b, first.ID)
		if got[jo.ID].Amount != 2000 || got[jo.ID].EntryCount != 1 || got[kim.ID].Amount != 1500 {
			t.Fatalf("first batch: Jo %+v, Kim %+v; want Jo 20.00 without the held entry", got[jo.ID].Item, got[kim.ID].Item)
		}
		bal := e.balance(t, b, jo)
		if bal.Held != 3500 || bal.Payable != 0 || bal.InPayout != 2000 {
			t.Errorf("Jo's balance while held: %+v", bal)
		}
		e.pay(t, b, first)

		// Nothing else is payable while the hold stands.
		if _, err := e.payouts.Create(ctx, alice, b, nil); err == nil {
			t.Fatal("a batch was created from held entries only")
		}

		if _, err := fr.Release(ctx, alice, b.ID, h.ID, "checked: a gift for a friend"); err != nil {
			t.Fatal(err)
		}
		second, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = items(t, e, b, second.ID)
		if len(got) != 1 || got[jo.ID].Amount != 3500 || got[jo.ID].EntryCount != 2 {
			t.Fatalf("second batch: %+v; want Jo's released 30.00 and the 5.00 correction", got)
		}

		// The entry is in a batch now: a new hold cannot take it back.
		if _, err := fr.Hold(ctx, alice, b, from, to, fraud.KindSelfReferral+"|"+jo.ID, "again"); err == nil {
			t.Error("an entry in a batch was held")
		}
	})
}
