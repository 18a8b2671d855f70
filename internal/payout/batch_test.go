package payout_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
)

const payMaster = "payout-test-secret-0123456789abcdef"

// payEnv is every service a payout needs, on one database.
type payEnv struct {
	db       *store.DB
	brands   *brand.Service
	creators *creator.Service
	orders   *order.Service
	plans    *commission.Plans
	ledger   *commission.Ledger
	payouts  *payout.Service
	outbox   *mail.Outbox
}

// newPayEnv wires the services; Stripe calls go to stripeBase (a closed
// port when empty: no test reaches the internet).
func newPayEnv(t testing.TB, db *store.DB, stripeBase string) *payEnv {
	t.Helper()
	if stripeBase == "" {
		stripeBase = "http://127.0.0.1:1"
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	f := stripeapi.Factory{Base: stripeBase}
	brands := brand.NewService(db, secret.NewBox(payMaster), outbox, log, brand.Options{BaseURL: "http://clout.test", Stripe: f})
	plans := commission.NewPlans(db, brands)
	return &payEnv{db: db, brands: brands, creators: creator.NewService(db, brands, outbox, "http://clout.test", payMaster, log),
		orders: order.NewService(db, brands, payMaster, log), plans: plans, ledger: commission.NewLedger(db, brands, plans, log),
		payouts: payout.NewService(db, brands, outbox, f, "http://clout.test", log), outbox: outbox}
}

var (
	alice = brand.Actor{Type: "user", ID: "usr_alice", Label: "alice@brand.test"}
	bob   = brand.Actor{Type: "user", ID: "usr_bob", Label: "bob@brand.test"}
)

// newBrand makes a USD brand with a payout minimum of 10.00, no hold, and
// (withStripe) a Stripe secret key stored as the settings page stores it.
func (e *payEnv) newBrand(t testing.TB, withStripe bool) *brand.Brand {
	t.Helper()
	ctx := context.Background()
	c, err := e.brands.CreateBrand(ctx, brand.NewBrand{Name: "Glow " + store.RandomString(6),
		OwnerEmail: strings.ToLower(store.RandomString(8)) + "@brand.test", Password: "correct horse battery", Currency: "USD"}, alice)
	if err != nil {
		t.Fatal(err)
	}
	min, hold := int64(1000), 0
	if _, err := e.brands.UpdateSettings(ctx, alice, c.Brand.ID, brand.SettingsPatch{PayoutMinimum: &min, HoldDays: &hold}); err != nil {
		t.Fatal(err)
	}
	if withStripe {
		if err := e.db.Exec("UPDATE brands SET stripe_secret_key = ? WHERE id = ?", secret.NewBox(payMaster).Seal("sk_test_123"), c.Brand.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	b, err := e.brands.Get(ctx, c.Brand.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newCreator adds an active creator; payoutEmail "" means none.
func (e *payEnv) newCreator(t testing.TB, b *brand.Brand, name, payoutEmail string) *creator.Creator {
	t.Helper()
	email := strings.ToLower(store.RandomString(10)) + "@creator.test"
	cr, _, err := e.creators.New(context.Background(), alice, b.ID, creator.Profile{Name: &name, Email: &email, PayoutEmail: &payoutEmail}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

// stripeReady gives a creator a Connect account that can receive transfers.
func (e *payEnv) stripeReady(t testing.TB, cr *creator.Creator, account string) {
	t.Helper()
	if err := e.db.Exec("UPDATE creators SET stripe_account_id = ?, stripe_payouts_enabled = ? WHERE id = ?", account, true, cr.ID).Error; err != nil {
		t.Fatal(err)
	}
}

// earn adds a payable adjustment entry.
func (e *payEnv) earn(t testing.TB, b *brand.Brand, cr *creator.Creator, amount int64) {
	t.Helper()
	if _, err := e.ledger.Adjust(context.Background(), alice, b, cr.ID, amount, "test earnings"); err != nil {
		t.Fatal(err)
	}
}

func (e *payEnv) balance(t testing.TB, b *brand.Brand, cr *creator.Creator) commission.Balance {
	t.Helper()
	bal, err := e.ledger.Balance(context.Background(), b, cr.ID)
	if err != nil {
		t.Fatal(err)
	}
	return *bal
}

// pay approves (as bob), starts and executes a batch.
func (e *payEnv) pay(t testing.TB, b *brand.Brand, batch *payout.Batch) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.payouts.Approve(ctx, bob, b, batch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.payouts.Start(ctx, bob, b, batch.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.payouts.Execute(ctx, b.ID, batch.ID); err != nil {
		t.Fatal(err)
	}
}

func items(t testing.TB, e *payEnv, b *brand.Brand, batchID string) map[string]payout.ItemView {
	t.Helper()
	its, err := e.payouts.Items(context.Background(), b.ID, batchID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]payout.ItemView{}
	for _, it := range its {
		out[it.CreatorID] = it
	}
	return out
}

func TestBatchNetsPayableEntriesAndSkipsWithReasons(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, "")
		ctx := context.Background()
		b := e.newBrand(t, false)
		ana := e.newCreator(t, b, "Ana", "ana@paypal.test")
		ben := e.newCreator(t, b, "Ben", "ben@paypal.test")
		cy := e.newCreator(t, b, "Cy", "cy@paypal.test")
		dee := e.newCreator(t, b, "Dee", "")
		eve := e.newCreator(t, b, "Eve", "eve@paypal.test")
		e.earn(t, b, ana, 4000)
		e.earn(t, b, ana, 1500)
		e.earn(t, b, ana, -500) // a correction nets in
		e.earn(t, b, ben, 999)  // below the 10.00 minimum
		e.earn(t, b, cy, 800)
		e.earn(t, b, cy, -1100) // clawbacks exceed earnings
		e.earn(t, b, dee, 5000) // no payout method
		e.earn(t, b, eve, 5000)
		if _, err := e.creators.SetStatus(ctx, alice, b.ID, eve.ID, creator.Paused, ""); err != nil {
			t.Fatal(err)
		}
		// Another brand's entries are never in this brand's batch.
		other := e.newBrand(t, false)
		e.earn(t, other, e.newCreator(t, other, "Zed", "zed@paypal.test"), 7000)

		if _, err := e.payouts.Create(ctx, alice, b, ptr(store.Now().Add(time.Hour))); !hasField(err, "cutoff") {
			t.Fatalf("future cut-off: %v", err)
		}
		if _, err := e.payouts.Create(ctx, alice, b, ptr(store.Now().Add(-time.Hour))); !errors.Is(err, payout.ErrNothingToPay) {
			t.Fatalf("cut-off before every entry: %v", err)
		}
		batch, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		if batch.Status != payout.BatchDraft || batch.Total != 5000 || batch.ItemCount != 1 || batch.SkippedCount != 4 || batch.Currency != "USD" {
			t.Fatalf("batch %+v", batch)
		}
		its := items(t, e, b, batch.ID)
		if it := its[ana.ID]; it.Amount != 5000 || it.EntryCount != 3 || it.Method != payout.MethodManual ||
			it.Destination != "ana@paypal.test" || it.Status != payout.ItemPending || it.CreatorName != "Ana" {
			t.Fatalf("Ana's item %+v", it)
		}
		skips, err := e.payouts.Skips(ctx, b.ID, batch.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]string{}
		for _, s := range skips {
			reasons[s.CreatorID] = s.Reason
		}
		want := map[string]string{ben.ID: payout.SkipBelowMinimum, cy.ID: payout.SkipNegativeBalance,
			dee.ID: payout.SkipNoPayoutMethod, eve.ID: payout.SkipPaused}
		for id, r := range want {
			if reasons[id] != r {
				t.Errorf("skip reasons %v, want %v", reasons, want)
				break
			}
		}
		// Ana's entries are held by the batch; the skipped creators' stay payable.
		if bal := e.balance(t, b, ana); bal.InPayout != 5000 || bal.Payable != 0 || bal.Paid != 0 {
			t.Errorf("Ana's balance %+v", bal)
		}
		if bal := e.balance(t, b, cy); bal.Payable != -300 || bal.InPayout != 0 {
			t.Errorf("Cy's balance %+v", bal)
		}
		es, err := e.payouts.ItemEntries(ctx, b.ID, batch.ID, its[ana.ID].ID)
		if err != nil || len(es) != 3 {
			t.Fatalf("Ana's entries %d, %v", len(es), err)
		}
		// Nothing new: a second batch has nobody to pay, and says why.
		_, err = e.payouts.Create(ctx, alice, b, nil)
		if !errors.Is(err, payout.ErrNothingToPay) || !strings.Contains(err.Error(), "below the payout minimum") {
			t.Fatalf("second batch: %v", err)
		}
		// Another brand cannot see the batch.
		if _, err := e.payouts.Get(ctx, other.ID, batch.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other brand's Get: %v", err)
		}
		if _, err := e.payouts.Items(ctx, other.ID, batch.ID); err != nil {
			t.Fatal(err)
		} else if its := items(t, e, other, batch.ID); len(its) != 0 {
			t.Fatalf("other brand sees items %v", its)
		}
		if _, err := e.payouts.Approve(ctx, bob, other, batch.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other brand's approve: %v", err)
		}
	})
}

func TestManualBatchLifecycle(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, "")
		ctx := context.Background()
		b := e.newBrand(t, false)
		two := true
		if _, err := e.brands.UpdateSettings(ctx, alice, b.ID, brand.SettingsPatch{TwoPersonApproval: &two}); err != nil {
			t.Fatal(err)
		}
		b, _ = e.brands.Get(ctx, b.ID)
		ana := e.newCreator(t, b, "=HYPERLINK(\"http://evil.test\")", "ana@paypal.test")
		ben := e.newCreator(t, b, "Ben", "ben@paypal.test")
		e.earn(t, b, ana, 2500)
		e.earn(t, b, ben, 1200)
		batch, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.payouts.Start(ctx, alice, b, batch.ID); !errors.Is(err, payout.ErrState) {
			t.Fatalf("executing a draft: %v", err)
		}
		if _, err := e.payouts.Approve(ctx, alice, b, batch.ID); !errors.Is(err, payout.ErrSameApprover) {
			t.Fatalf("self-approval under two-person approval: %v", err)
		}
		if got, err := e.payouts.Approve(ctx, bob, b, batch.ID); err != nil || got.Status != payout.BatchApproved || got.ApprovedByLabel != bob.Label {
			t.Fatalf("bob's approval: %+v, %v", got, err)
		}
		its := items(t, e, b, batch.ID)
		if _, err := e.payouts.MarkPaid(ctx, bob, b.ID, batch.ID, its[ana.ID].ID, "BANK-1"); !errors.Is(err, payout.ErrState) {
			t.Fatalf("marking paid before executing: %v", err)
		}
		if got, err := e.payouts.Start(ctx, bob, b, batch.ID); err != nil || got.Status != payout.BatchProcessing {
			t.Fatalf("start: %+v, %v", got, err)
		}
		// Exports: the generic one with a header, PayPal's without; a
		// formula-like name is neutralised.
		var gen, pp bytes.Buffer
		if err := e.payouts.Export(ctx, b.ID, batch.ID, payout.ExportGeneric, &gen); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(gen.String(), "item_id,batch_id,creator_id,creator_name") || !strings.Contains(gen.String(), `"'=HYPERLINK(""http://evil.test"")"`) ||
			!strings.Contains(gen.String(), "ben@paypal.test,12.00,USD,1,pending,") {
			t.Fatalf("generic export:\n%s", gen.String())
		}
		if err := e.payouts.Export(ctx, b.ID, batch.ID, payout.ExportPayPal, &pp); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(pp.String()), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "ana@paypal.test,25.00,USD,"+its[ana.ID].ID+",") || !strings.HasSuffix(lines[0], ",PAYPAL") {
			t.Fatalf("PayPal export:\n%s", pp.String())
		}
		if err := e.payouts.Export(ctx, b.ID, batch.ID, "xlsx", &pp); !hasField(err, "format") {
			t.Fatalf("unknown format: %v", err)
		}
		if _, err := e.payouts.MarkPaid(ctx, bob, b.ID, batch.ID, its[ana.ID].ID, "  "); !hasField(err, "reference") {
			t.Fatalf("no reference: %v", err)
		}
		if it, err := e.payouts.MarkPaid(ctx, bob, b.ID, batch.ID, its[ana.ID].ID, "BANK-1"); err != nil || it.Status != payout.ItemPaid || it.Reference != "BANK-1" {
			t.Fatalf("mark paid: %+v, %v", it, err)
		}
		if _, err := e.payouts.MarkPaid(ctx, bob, b.ID, batch.ID, its[ana.ID].ID, "BANK-1"); !errors.Is(err, payout.ErrState) {
			t.Fatalf("paying twice: %v", err)
		}
		if got, _ := e.payouts.Get(ctx, b.ID, batch.ID); got.Status != payout.BatchProcessing {
			t.Fatalf("batch %s with Ben unpaid", got.Status)
		}
		if _, err := e.payouts.MarkPaid(ctx, bob, b.ID, batch.ID, its[ben.ID].ID, "BANK-2"); err != nil {
			t.Fatal(err)
		}
		got, _ := e.payouts.Get(ctx, b.ID, batch.ID)
		if got.Status != payout.BatchCompleted || got.CompletedAt == nil {
			t.Fatalf("batch after every item is paid: %+v", got)
		}
		// The entries are paid now.
		if bal := e.balance(t, b, ana); bal.Paid != 2500 || bal.InPayout != 0 || bal.Payable != 0 {
			t.Errorf("Ana's balance %+v", bal)
		}
		es, _, err := e.ledger.Entries(ctx, b.ID, commission.EntryQuery{CreatorID: ben.ID, Status: commission.StatusPaid})
		if err != nil || len(es) != 1 || es[0].Status(store.Now()) != commission.StatusPaid {
			t.Fatalf("Ben's paid entries %+v, %v", es, err)
		}
		if es, _, _ := e.ledger.Entries(ctx, b.ID, commission.EntryQuery{CreatorID: ben.ID, Status: commission.StatusPayable}); len(es) != 0 {
			t.Fatalf("Ben still has payable entries %+v", es)
		}
		// Each creator was told.
		m, err := e.outbox.Latest(ctx, ben.Email)
		if err != nil || !strings.Contains(m.Subject, "paid you 12.00 USD") || !strings.Contains(m.Body, "BANK-2") {
			t.Fatalf("Ben's email %+v, %v", m, err)
		}
		// A creator's history and statement.
		hist, err := e.payouts.CreatorPayouts(ctx, b.ID, ana.ID)
		if err != nil || len(hist) != 1 || hist[0].Status != payout.ItemPaid || hist[0].BatchStatus != payout.BatchCompleted {
			t.Fatalf("Ana's history %+v, %v", hist, err)
		}
		var st bytes.Buffer
		if err := e.payouts.Statement(ctx, b.ID, ana.ID, its[ana.ID].ID, &st); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(st.String(), "amount,25.00,USD") || !strings.Contains(st.String(), "total,,,,,25.00,USD,") {
			t.Fatalf("statement:\n%s", st.String())
		}
		if err := e.payouts.Statement(ctx, b.ID, ben.ID, its[ana.ID].ID, &st); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Ben reading Ana's statement: %v", err)
		}
		if _, err := e.payouts.Cancel(ctx, bob, b.ID, batch.ID); !errors.Is(err, payout.ErrState) {
			t.Fatalf("cancelling a completed batch: %v", err)
		}
	})
}

func TestCancelReleasesEntries(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, "")
		ctx := context.Background()
		b := e.newBrand(t, false)
		ana := e.newCreator(t, b, "Ana", "ana@paypal.test")
		e.earn(t, b, ana, 3000)
		first, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.payouts.Approve(ctx, bob, b, first.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := e.payouts.Cancel(ctx, bob, b.ID, first.ID); err != nil || got.Status != payout.BatchCancelled {
			t.Fatalf("cancel: %+v, %v", got, err)
		}
		if bal := e.balance(t, b, ana); bal.Payable != 3000 || bal.InPayout != 0 {
			t.Fatalf("balance after cancelling %+v", bal)
		}
		if hist, _ := e.payouts.CreatorPayouts(ctx, b.ID, ana.ID); len(hist) != 0 {
			t.Fatalf("a cancelled batch in the creator's history: %+v", hist)
		}
		second, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil || second.Total != 3000 {
			t.Fatalf("batch after the cancel: %+v, %v", second, err)
		}
	})
}

// TestRefundAfterPayoutIsClawedBack: an order paid out and then refunded
// leaves a negative balance that is carried forward (never paid) and netted
// against the next earnings.
func TestRefundAfterPayoutIsClawedBack(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, "")
		ctx := context.Background()
		b := e.newBrand(t, false)
		plan, err := e.plans.Create(ctx, alice, b.ID, "Flat 10%", commission.Plan{TierBasis: commission.BasisRevenue,
			TierMode: commission.ModeMarginal, Tiers: []commission.Tier{{From: 0, RateBps: 1000}}, MarginCapBps: 10000})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.plans.SetDefault(ctx, alice, b.ID, plan.ID); err != nil {
			t.Fatal(err)
		}
		maya := e.newCreator(t, b, "Maya", "maya@paypal.test")
		placed := store.Now().Add(-time.Hour)
		sell := func(id string, cents int64) {
			res, err := e.orders.Apply(ctx, b.ID, order.Event{Source: order.API, Order: &order.OrderInput{ExternalID: id, PlacedAt: placed,
				Currency: "USD", Lines: []order.LineInput{{ExternalID: id + "-1", SKU: "S", Title: "Serum", Quantity: 1, UnitPrice: cents}}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.orders.Reassign(ctx, alice, b.ID, res.Order.ID, maya.ID, "test"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.ledger.Process(ctx); err != nil {
				t.Fatal(err)
			}
		}
		sell("A-1", 30000) // 30.00 commission
		first, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil || first.Total != 3000 {
			t.Fatalf("first batch %+v, %v", first, err)
		}
		e.pay(t, b, first)
		its := items(t, e, b, first.ID)
		if _, err := e.payouts.MarkPaid(ctx, bob, b.ID, first.ID, its[maya.ID].ID, "PP-1"); err != nil {
			t.Fatal(err)
		}
		// The order is refunded after the payout: the reversal is a clawback.
		if _, err := e.orders.Refund(ctx, b.ID, order.API, "A-1", order.RefundRequest{ExternalID: "r1",
			Lines: []order.RefundLine{{SKU: "S", Quantity: 1, Amount: 30000}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ledger.Process(ctx); err != nil {
			t.Fatal(err)
		}
		if bal := e.balance(t, b, maya); bal.Paid != 3000 || bal.Payable != -3000 {
			t.Fatalf("balance after the refund %+v", bal)
		}
		// A small sale does not cover the clawback: skipped, carried forward.
		sell("A-2", 10000) // +10.00, net -20.00
		_, err = e.payouts.Create(ctx, alice, b, nil)
		if !errors.Is(err, payout.ErrNothingToPay) || !strings.Contains(err.Error(), "negative balance") {
			t.Fatalf("batch with only a negative net: %v", err)
		}
		if bal := e.balance(t, b, maya); bal.Payable != -2000 || bal.InPayout != 0 {
			t.Fatalf("carried-forward balance %+v", bal)
		}
		// A bigger one does: the next batch nets the clawback.
		sell("A-3", 50000) // +50.00, net 30.00
		third, err := e.payouts.Create(ctx, alice, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		it := items(t, e, b, third.ID)[maya.ID]
		if third.Total != 3000 || it.Amount != 3000 || it.EntryCount != 3 {
			t.Fatalf("third batch %+v, item %+v", third, it)
		}
		es, err := e.payouts.ItemEntries(ctx, b.ID, third.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, en := range es {
			kinds = append(kinds, en.Kind)
		}
		if strings.Join(kinds, ",") != "reversal,sale,sale" {
			t.Fatalf("entries behind the third payout: %v", kinds)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func hasField(err error, field string) bool {
	var ve validate.Errors
	if !errors.As(err, &ve) {
		return false
	}
	for _, fe := range ve {
		if fe.Field == field {
			return true
		}
	}
	return false
}

func stripeFactory(base string) stripeapi.Factory { return stripeapi.Factory{Base: base} }
