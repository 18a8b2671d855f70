package payout_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// TestTransfersAgainstStripeMock pays a batch through stripe-mock: one
// transfer per creator, the transfer id stored, the batch completed and the
// creator told.
func TestTransfersAgainstStripeMock(t *testing.T) {
	mock := testutil.StripeMock(t)
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, mock)
		ctx := context.Background()
		b := e.newBrand(t, true)
		ana := e.newCreator(t, b, "Ana", "")
		e.stripeReady(t, ana, "acct_1Ana")
		ben := e.newCreator(t, b, "Ben", "ben@paypal.test")
		e.earn(t, b, ana, 4200)
		e.earn(t, b, ben, 1500)
		batch, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		its := items(t, e, b, batch.ID)
		if its[ana.ID].Method != payout.MethodStripe || its[ana.ID].Destination != "acct_1Ana" || its[ben.ID].Method != payout.MethodManual {
			t.Fatalf("methods: %+v", its)
		}
		e.pay(t, b, batch)
		its = items(t, e, b, batch.ID)
		a := its[ana.ID]
		if a.Status != payout.ItemSent || !strings.HasPrefix(a.TransferID, "tr_") || a.IdempotencyKey != payout.IdempotencyKey(a.ID, 0) || a.PaidAt == nil {
			t.Fatalf("Ana's item after execution: %+v", a)
		}
		if its[ben.ID].Status != payout.ItemPending {
			t.Fatalf("the manual item was touched: %+v", its[ben.ID])
		}
		if got, _ := e.payouts.Get(ctx, b.ID, batch.ID); got.Status != payout.BatchProcessing {
			t.Fatalf("batch %s before the manual item is paid", got.Status)
		}
		if bal := e.balance(t, b, ana); bal.Paid != 4200 {
			t.Fatalf("Ana's balance %+v", bal)
		}
		if m, err := e.outbox.Latest(ctx, ana.Email); err != nil || !strings.Contains(m.Body, a.TransferID) {
			t.Fatalf("Ana's email %+v, %v", m, err)
		}
		if _, err := e.payouts.MarkPaid(ctx, bob, b.ID, batch.ID, its[ben.ID].ID, "PP-9"); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.payouts.Get(ctx, b.ID, batch.ID); got.Status != payout.BatchCompleted {
			t.Fatalf("batch %s after every item", got.Status)
		}
	})
}

// fakeStripe answers /v1/transfers as Stripe does for what stripe-mock
// cannot do: it keeps each idempotency key's answer and replays it, so it
// can count the transfers really made per key and per destination; it can
// refuse, fail with 500s, or make a transfer and then never answer.
type fakeStripe struct {
	mu        sync.Mutex
	answers   map[string]fakeAnswer // by idempotency key
	perKey    map[string]int
	perDest   map[string]int
	total     int64
	made      int
	noKey     int
	refuse    map[string]int // destination → refusals left
	fail500   map[string]int // destination → 500s left
	hangAfter int            // make this many transfers, then take the next one and never answer
	onHang    func()
}

type fakeAnswer struct {
	status int
	body   []byte
}

func newFakeStripe(t *testing.T) (*fakeStripe, string) {
	f := &fakeStripe{answers: map[string]fakeAnswer{}, perKey: map[string]int{}, perDest: map[string]int{},
		refuse: map[string]int{}, fail500: map[string]int{}, hangAfter: -1}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeStripe) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/v1/balance" {
		w.Write([]byte(`{"object":"balance","livemode":false,"available":[],"pending":[]}`))
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/transfers" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key, dest := r.Header.Get("Idempotency-Key"), r.PostForm.Get("destination")
	amount, _ := strconv.ParseInt(r.PostForm.Get("amount"), 10, 64)
	f.mu.Lock()
	if key == "" {
		f.noKey++
	}
	if a, ok := f.answers[key]; ok && key != "" {
		f.mu.Unlock()
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(a.status)
		w.Write(a.body)
		return
	}
	if f.fail500[dest] > 0 {
		// A 500 is not stored against the key: Stripe did not act.
		f.fail500[dest]--
		f.mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":{"type":"api_error","message":"An unknown error occurred"}}`))
		return
	}
	if f.refuse[dest] > 0 {
		f.refuse[dest]--
		a := fakeAnswer{http.StatusBadRequest, []byte(`{"error":{"type":"invalid_request_error","code":"balance_insufficient",` +
			`"message":"You have insufficient available funds in your Stripe account."}}`)}
		f.answers[key] = a
		f.mu.Unlock()
		w.WriteHeader(a.status)
		w.Write(a.body)
		return
	}
	f.made++
	f.perKey[key]++
	f.perDest[dest]++
	f.total += amount
	body, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("tr_fake%d", f.made), "object": "transfer", "amount": amount,
		"currency": r.PostForm.Get("currency"), "destination": dest, "transfer_group": r.PostForm.Get("transfer_group"),
		"metadata": map[string]string{"payout_item_id": r.PostForm.Get("metadata[payout_item_id]")}})
	f.answers[key] = fakeAnswer{http.StatusOK, body}
	hang := f.hangAfter >= 0 && f.made == f.hangAfter+1
	f.mu.Unlock()
	if hang {
		// The transfer is made, but the answer never reaches Clout: the
		// process stops (its context ends) while waiting.
		f.onHang()
		<-r.Context().Done()
		return
	}
	w.Write(body)
}

func (f *fakeStripe) stats() (made int, perDest map[string]int, perKey map[string]int, total int64, noKey int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pd, pk := map[string]int{}, map[string]int{}
	for k, v := range f.perDest {
		pd[k] = v
	}
	for k, v := range f.perKey {
		pk[k] = v
	}
	return f.made, pd, pk, f.total, f.noKey
}

// TestInterruptedExecutionResumesWithoutPayingTwice stops execution in the
// middle of a batch, after Stripe made a transfer whose answer never came
// back, then resumes: every creator is transferred exactly once and the
// totals match the ledger. It also covers a killed process (the lease is
// still held: nobody resumes until it expires), a refusal retried under a
// new key, and 500s retried under the same key.
func TestInterruptedExecutionResumesWithoutPayingTwice(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		fake, base := newFakeStripe(t)
		e := newPayEnv(t, db, base)
		b := e.newBrand(t, true)
		const n = 12
		var crs []*creator.Creator
		var want int64
		for i := 0; i < n; i++ {
			cr := e.newCreator(t, b, fmt.Sprintf("Creator %02d", i), "")
			acct := fmt.Sprintf("acct_%02d", i)
			switch i {
			case 3:
				acct = "acct_refuse"
			case 9:
				acct = "acct_flaky"
			}
			e.stripeReady(t, cr, acct)
			amount := int64(1000 + 137*i)
			e.earn(t, b, cr, amount)
			want += amount
			crs = append(crs, cr)
		}
		fake.refuse["acct_refuse"] = 1
		fake.fail500["acct_flaky"] = 2 // stripe-go retries once: both answers fail, the item stays pending
		ctx := context.Background()
		batch, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil || batch.Total != want || batch.ItemCount != n {
			t.Fatalf("batch %+v, %v", batch, err)
		}
		if _, err := e.payouts.Approve(ctx, bob, b, batch.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.payouts.Start(ctx, bob, b, batch.ID); err != nil {
			t.Fatal(err)
		}
		// Run 1: the 6th transfer is made but its answer is lost as the run stops.
		runCtx, stop := context.WithCancel(ctx)
		fake.hangAfter, fake.onHang = 5, stop
		if err := e.payouts.Execute(runCtx, b.ID, batch.ID); !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		fake.mu.Lock()
		fake.hangAfter = -1
		fake.mu.Unlock()
		its, err := e.payouts.Items(ctx, b.ID, batch.ID)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		var lost *payout.ItemView
		for i, it := range its {
			counts[it.Status]++
			if it.Status == payout.ItemPending && it.IdempotencyKey != "" && it.Failure == "" {
				lost = &its[i]
			}
		}
		// Items go in id order, so the refused and flaky ones may come
		// before or after the stop.
		if counts[payout.ItemSent] != 5 || lost == nil {
			t.Fatalf("after the interrupted run: %v, lost item %+v", counts, lost)
		}
		if p, _ := e.payouts.Progress(ctx, b.ID, batch.ID); p.Running || p.Sent != 5 || p.Failed != counts[payout.ItemFailed] {
			t.Fatalf("progress after the interrupted run %+v", p)
		}
		// A process killed outright keeps its lease: nobody resumes the
		// batch until the lease runs out.
		if err := db.Exec("UPDATE payout_batches SET lease_until = ? WHERE id = ?", store.Now().Add(time.Minute), batch.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.payouts.Execute(ctx, b.ID, batch.ID); !errors.Is(err, payout.ErrBusy) {
			t.Fatalf("executing a batch another process holds: %v", err)
		}
		if ran, err := e.payouts.Resume(ctx); err != nil || ran != 0 {
			t.Fatalf("resume while held: %d, %v", ran, err)
		}
		e.payouts.SetClock(func() time.Time { return store.Now().Add(2 * time.Minute) })
		// Run 2 (the background resume after the lease expired): the lost
		// transfer is asked for again with its key and replayed; the flaky
		// account's item stays pending if its 500s come on this run.
		if ran, err := e.payouts.Resume(ctx); err != nil || ran != 1 {
			t.Fatalf("resume: %d, %v", ran, err)
		}
		e.payouts.SetClock(store.Now)
		got := items(t, e, b, batch.ID)
		if it := got[lost.CreatorID]; it.Status != payout.ItemSent || it.IdempotencyKey != lost.IdempotencyKey {
			t.Fatalf("the lost transfer's item after resuming: %+v", it)
		}
		flaky, refused := got[crs[9].ID], got[crs[3].ID]
		if flaky.Status == payout.ItemPending && !strings.Contains(flaky.Failure, "same key") ||
			flaky.Status != payout.ItemPending && flaky.Status != payout.ItemSent {
			t.Fatalf("flaky item %+v", flaky)
		}
		if refused.Status != payout.ItemFailed || !strings.Contains(refused.Failure, "insufficient available funds") {
			t.Fatalf("refused item %+v", refused)
		}
		// Run 3: the flaky one goes through with its same key. The refused
		// one is retried as a new attempt with a new key.
		if err := e.payouts.Execute(ctx, b.ID, batch.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.payouts.Retry(ctx, bob, b.ID, batch.ID, got[crs[0].ID].ID); !errors.Is(err, payout.ErrState) {
			t.Fatalf("retrying a sent item: %v", err)
		}
		if it, err := e.payouts.Retry(ctx, bob, b.ID, batch.ID, refused.ID); err != nil || it.Attempt != 1 || it.IdempotencyKey != "" {
			t.Fatalf("retry: %+v, %v", it, err)
		}
		if err := e.payouts.Execute(ctx, b.ID, batch.ID); err != nil {
			t.Fatal(err)
		}
		// Exactly once each, totals as the ledger says.
		made, perDest, perKey, total, noKey := fake.stats()
		if made != n || total != want || noKey != 0 {
			t.Fatalf("transfers made %d (want %d), total %d (want %d), %d without a key", made, n, total, want, noKey)
		}
		for dest, c := range perDest {
			if c != 1 {
				t.Errorf("%s got %d transfers", dest, c)
			}
		}
		for key, c := range perKey {
			if c != 1 {
				t.Errorf("key %s made %d transfers", key, c)
			}
		}
		final, _ := e.payouts.Get(ctx, b.ID, batch.ID)
		if final.Status != payout.BatchCompleted {
			t.Fatalf("batch %s", final.Status)
		}
		var paid int64
		for _, cr := range crs {
			bal := e.balance(t, b, cr)
			if bal.Payable != 0 || bal.InPayout != 0 {
				t.Errorf("%s still owed %+v", cr.Name, bal)
			}
			paid += bal.Paid
		}
		if paid != want {
			t.Fatalf("ledger paid %d, transferred %d", paid, want)
		}
		if it := items(t, e, b, batch.ID)[crs[3].ID]; it.Status != payout.ItemSent || it.IdempotencyKey != payout.IdempotencyKey(it.ID, 1) {
			t.Fatalf("retried item %+v", it)
		}
	})
}

// TestNoStripeFailsStripeItems: a brand that removed its Stripe key gets a
// clear failure, not a silent wait; the item can then be paid by hand.
func TestNoStripeFailsStripeItems(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		fake, base := newFakeStripe(t)
		e := newPayEnv(t, db, base)
		ctx := context.Background()
		b := e.newBrand(t, true)
		ana := e.newCreator(t, b, "Ana", "ana@paypal.test")
		e.stripeReady(t, ana, "acct_ana")
		e.earn(t, b, ana, 2000)
		batch, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE brands SET stripe_secret_key = '' WHERE id = ?", b.ID).Error; err != nil {
			t.Fatal(err)
		}
		e.pay(t, b, batch)
		it := items(t, e, b, batch.ID)[ana.ID]
		if it.Status != payout.ItemFailed || !strings.Contains(it.Failure, "Stripe is not set up") {
			t.Fatalf("item %+v", it)
		}
		if made, _, _, _, _ := fake.stats(); made != 0 {
			t.Fatalf("%d transfers without a key", made)
		}
		moved, err := e.payouts.ToManual(ctx, bob, b.ID, batch.ID, it.ID)
		if err != nil || moved.Method != payout.MethodManual || moved.Status != payout.ItemPending || moved.Destination != "ana@paypal.test" {
			t.Fatalf("to manual: %+v, %v", moved, err)
		}
		if _, err := e.payouts.MarkPaid(ctx, bob, b.ID, batch.ID, it.ID, "WIRE-7"); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.payouts.Get(ctx, b.ID, batch.ID); got.Status != payout.BatchCompleted {
			t.Fatalf("batch %s", got.Status)
		}
	})
}

// TestConcurrentBatchesNeverShareAnEntry creates batches at the same moment
// while the ledger keeps adding entries: every entry ends in at most one
// batch and the batches' totals are exactly what their entries sum to.
func TestConcurrentBatchesNeverShareAnEntry(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, "")
		ctx := context.Background()
		b := e.newBrand(t, false)
		var crs []*creator.Creator
		for i := 0; i < 20; i++ {
			cr := e.newCreator(t, b, fmt.Sprintf("C%d", i), fmt.Sprintf("c%d@paypal.test", i))
			e.earn(t, b, cr, 1500)
			crs = append(crs, cr)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var made []*payout.Batch
		var errs []error
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				// Each worker also earns something new, racing the batches.
				if _, err := e.ledger.Adjust(ctx, alice, b, crs[w].ID, 2000, "race"); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				batch, err := e.payouts.Create(ctx, brand.Actor{Type: "user", ID: fmt.Sprint("usr_", w)}, b, nil)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					made = append(made, batch)
				case errors.Is(err, payout.ErrNothingToPay), errors.Is(err, store.ErrConflict):
				default:
					errs = append(errs, err)
				}
			}(w)
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if len(made) == 0 {
			t.Fatal("no batch was made")
		}
		var locked, distinct int64
		db.Raw("SELECT COUNT(*), COUNT(DISTINCT entry_id) FROM payout_entries").Row().Scan(&locked, &distinct)
		var entries, all int64
		db.Raw("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM commission_entries WHERE brand_id = ?", b.ID).Row().Scan(&entries, &all)
		if locked != distinct || locked != entries {
			t.Fatalf("%d locks for %d distinct entries; %d entries in all", locked, distinct, entries)
		}
		var totals int64
		for _, batch := range made {
			var sum int64
			db.Raw(`SELECT COALESCE(SUM(e.amount), 0) FROM payout_entries pe JOIN commission_entries e ON e.id = pe.entry_id
				WHERE pe.batch_id = ?`, batch.ID).Row().Scan(&sum)
			if sum != batch.Total {
				t.Errorf("batch %s total %d, its entries sum to %d", batch.ID, batch.Total, sum)
			}
			totals += batch.Total
		}
		if totals != all {
			t.Fatalf("batches total %d, ledger %d", totals, all)
		}
		var dup int64
		db.Raw("SELECT COUNT(*) FROM (SELECT creator_id FROM payout_items GROUP BY batch_id, creator_id HAVING COUNT(*) > 1) d").Row().Scan(&dup)
		if dup != 0 {
			t.Fatalf("%d creators twice in one batch", dup)
		}
	})
}

// TestItemsPageShowsWhatNeedsAttentionFirst: the batch page lists failed
// items, then pending ones, then the rest, and filters by status.
func TestItemsPageShowsWhatNeedsAttentionFirst(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, "")
		ctx := context.Background()
		b := e.newBrand(t, true)
		zoe := e.newCreator(t, b, "Zoe", "")
		e.stripeReady(t, zoe, "acct_zoe")
		ann, bea := e.newCreator(t, b, "Ann", "ann@paypal.test"), e.newCreator(t, b, "Bea", "bea@paypal.test")
		for _, cr := range []*creator.Creator{zoe, ann, bea} {
			e.earn(t, b, cr, 1500)
		}
		batch, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE brands SET stripe_secret_key = '' WHERE id = ?", b.ID).Error; err != nil {
			t.Fatal(err)
		}
		e.pay(t, b, batch) // Zoe's transfer fails: no Stripe key any more
		its := items(t, e, b, batch.ID)
		if _, err := e.payouts.MarkPaid(ctx, bob, b.ID, batch.ID, its[ann.ID].ID, "PP-1"); err != nil {
			t.Fatal(err)
		}
		names := func(status string, limit int) string {
			page, err := e.payouts.ItemsPage(ctx, b.ID, batch.ID, status, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range page {
				out = append(out, it.CreatorName)
			}
			return strings.Join(out, ",")
		}
		if got := names("", 10); got != "Zoe,Bea,Ann" {
			t.Errorf("all items: %s", got)
		}
		if got := names("", 1); got != "Zoe" {
			t.Errorf("first item: %s", got)
		}
		if got := names(payout.ItemPaid, 10); got != "Ann" {
			t.Errorf("paid items: %s", got)
		}
		if page, _ := e.payouts.ItemsPage(ctx, "br_other", batch.ID, "", 10); len(page) != 0 {
			t.Errorf("another brand sees %d items", len(page))
		}
		p, err := e.payouts.Progress(ctx, b.ID, batch.ID)
		if err != nil || p.StripeItems != 1 || p.ManualItems != 2 || p.StripePending != 0 || p.Failed != 1 || p.Pending != 1 || p.Paid != 1 {
			t.Fatalf("progress %+v, %v", p, err)
		}
	})
}
