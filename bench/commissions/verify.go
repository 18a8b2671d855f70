package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
)

// baseline times the least a recompute must read: every order of the brand
// and every line, through gorm into the app's own types (best of three, the
// first of which warms the cache).
func baseline(ctx context.Context, db *store.DB, brandID string, want int, sum *benchdb.Summary) (time.Duration, error) {
	fmt.Println("\n-- baseline: SELECT every order of the brand, then every line, into order.Order and order.Line --")
	best := time.Duration(1 << 62)
	for range 3 {
		cpu, start := benchdb.MarkCPU(), time.Now()
		var os []order.Order
		var ls []order.Line
		err := db.WithContext(ctx).Where("brand_id = ?", brandID).Find(&os).Error
		if err == nil {
			err = db.WithContext(ctx).Where("brand_id = ?", brandID).Find(&ls).Error
		}
		took, u := time.Since(start), cpu.Since()
		if err != nil {
			return 0, err
		}
		if len(os) != want {
			return 0, fmt.Errorf("baseline read %d orders, want %d", len(os), want)
		}
		sum.Noise.Note("the baseline", u)
		fmt.Printf("read %d orders and %d lines in %s (%s)\n", len(os), len(ls), took.Round(time.Millisecond), u)
		best = min(best, took)
	}
	return best, nil
}

// verify compares each creator-month's entries with the fresh calculation:
// their sum and (after a first recompute from an empty ledger) their count,
// one entry per non-zero component.
func verify(ctx context.Context, db *store.DB, w *world, expect map[cmKey]want, sum *benchdb.Summary) (bool, error) {
	var got []struct {
		CreatorID, Month string
		Sum, N           int64
	}
	if err := db.WithContext(ctx).Table("commission_entries").Select("creator_id, month, SUM(amount) AS sum, COUNT(*) AS n").
		Where("brand_id = ?", w.brand.ID).Group("creator_id, month").Scan(&got).Error; err != nil {
		return false, err
	}
	have := map[cmKey]want{}
	for _, g := range got {
		have[cmKey{g.CreatorID, g.Month}] = want{g.Sum, g.N}
	}
	perCreator := map[string][2]int64{} // creator → ledger, fresh
	var wrongSum, wrongCount int
	var total, totalWant, entries, entriesWant int64
	example := ""
	for k, wt := range expect {
		h := have[k]
		if h.sum != wt.sum {
			wrongSum++
			if example == "" {
				example = fmt.Sprintf("creator %s %s: ledger %d, fresh %d", k.creatorID, k.month, h.sum, wt.sum)
			}
		}
		if h.components != wt.components {
			wrongCount++
		}
		pc := perCreator[k.creatorID]
		perCreator[k.creatorID] = [2]int64{pc[0] + h.sum, pc[1] + wt.sum}
		total, totalWant, entries, entriesWant = total+h.sum, totalWant+wt.sum, entries+h.components, entriesWant+wt.components
	}
	for k, h := range have {
		if _, ok := expect[k]; !ok {
			wrongSum++
			total, entries = total+h.sum, entries+h.components
			if example == "" {
				example = fmt.Sprintf("creator %s %s: %d in the ledger, no orders", k.creatorID, k.month, h.sum)
			}
		}
	}
	wrongCreators := 0
	for _, v := range perCreator {
		if v[0] != v[1] {
			wrongCreators++
		}
	}
	usd := func(v int64) string { return money.Amount{Minor: v, Currency: w.brand.Currency}.String() }
	ok := wrongSum == 0 && wrongCount == 0 && wrongCreators == 0 && total == totalWant
	fmt.Printf("\n-- verification: the ledger against a fresh calculation of every creator-month (commission.Month) --\n")
	fmt.Printf("  %d creator-months: %d with the wrong sum, %d with the wrong number of entries; %d of %d creators with the wrong total\n",
		len(expect), wrongSum, wrongCount, wrongCreators, len(perCreator))
	fmt.Printf("  ledger %s in %d entries; fresh calculation %s in %d non-zero components\n", usd(total), entries, usd(totalWant), entriesWant)
	if !ok {
		fmt.Printf("  MISMATCH, e.g. %s\n", example)
	}
	sum.Add("ledger = fresh calculation, every creator-month and creator", fmt.Sprintf("%d creator-months, %d creators, %s; %d wrong",
		len(expect), len(perCreator), usd(total), wrongSum+wrongCount+wrongCreators), benchdb.Check(ok))
	return ok, nil
}
