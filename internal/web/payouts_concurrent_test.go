package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/testutil"
)

// TestConcurrentBatchRequestsNeverShareAnEntry fires batch creations at the
// same moment through the API, on PostgreSQL, while new earnings arrive:
// one entry is never in two batches, and every batch's total is exactly
// the sum of the entries it holds.
func TestConcurrentBatchRequestsNeverShareAnEntry(t *testing.T) {
	db := testutil.Postgres(t)
	a := newTestApp(t, db)
	ctx := context.Background()
	c := a.createBrand(t, "Race Co", "race@brand.test")
	min, hold := int64(500), 0
	if _, err := a.Brands.UpdateSettings(ctx, brand.Actor{Type: "cli"}, c.Brand.ID, brand.SettingsPatch{PayoutMinimum: &min, HoldDays: &hold}); err != nil {
		t.Fatal(err)
	}
	b, err := a.Brands.Get(ctx, c.Brand.ID)
	if err != nil {
		t.Fatal(err)
	}
	var crs []*creator.Creator
	for i := 0; i < 40; i++ {
		name, email, pay := fmt.Sprintf("Racer %d", i), fmt.Sprintf("racer%d@creator.test", i), fmt.Sprintf("racer%d@paypal.test", i)
		cr, _, err := a.Creators.New(ctx, brand.Actor{Type: "cli"}, b.ID, creator.Profile{Name: &name, Email: &email, PayoutEmail: &pay}, creator.Active)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Ledger.Adjust(ctx, brand.Actor{Type: "cli"}, b, cr.ID, int64(600+i), "earned"); err != nil {
			t.Fatal(err)
		}
		crs = append(crs, cr)
	}
	const workers = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	statuses := make([]int, workers)
	ids := make([]string, workers)
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// New earnings race the batches.
			if _, err := a.Ledger.Adjust(ctx, brand.Actor{Type: "cli"}, b, crs[w].ID, 700, "race"); err != nil {
				errs[w] = err
				return
			}
			<-start
			req, _ := http.NewRequest("POST", a.URL+"/api/v1/payout-batches", strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer "+c.APIKey)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[w] = err
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			statuses[w] = resp.StatusCode
			if resp.StatusCode == http.StatusCreated {
				var out struct {
					ID    string `json:"id"`
					Total int64  `json:"total"`
				}
				if err := json.Unmarshal(body, &out); err != nil {
					errs[w] = err
				}
				ids[w] = out.ID
			} else if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusConflict {
				errs[w] = fmt.Errorf("status %d: %s", resp.StatusCode, body)
			}
		}(w)
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	made := 0
	var totals int64
	for w, id := range ids {
		if id == "" {
			continue
		}
		made++
		batch, err := a.Payouts.Get(ctx, b.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		if err := db.Raw(`SELECT COALESCE(SUM(e.amount), 0) FROM payout_entries pe JOIN commission_entries e ON e.id = pe.entry_id
			WHERE pe.batch_id = ?`, id).Row().Scan(&sum); err != nil {
			t.Fatal(err)
		}
		if sum != batch.Total {
			t.Errorf("worker %d: batch total %d, its entries %d", w, batch.Total, sum)
		}
		totals += batch.Total
	}
	if made == 0 {
		t.Fatalf("no batch was created: %v", statuses)
	}
	var locked, distinct, entries int64
	var all int64
	db.Raw("SELECT COUNT(*), COUNT(DISTINCT entry_id) FROM payout_entries").Row().Scan(&locked, &distinct)
	db.Raw("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM commission_entries WHERE brand_id = ?", b.ID).Row().Scan(&entries, &all)
	if locked != distinct || locked != entries || totals != all {
		t.Fatalf("%d locks, %d distinct, %d entries; batches total %d, ledger %d (statuses %v)", locked, distinct, entries, totals, all, statuses)
	}
}
