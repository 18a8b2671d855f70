package fraud_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/fraud"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

const master = "fraud-test-secret-0123456789abcdef"

var actor = brand.Actor{Type: "user", ID: "usr_alice", Label: "alice@brand.test"}

type env struct {
	t        *testing.T
	db       *store.DB
	brands   *brand.Service
	creators *creator.Service
	orders   *order.Service
	fraud    *fraud.Service
	b        *brand.Brand
	now      time.Time
	n        int
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	brands := brand.NewService(db, secret.NewBox(master), outbox, log, brand.Options{BaseURL: "http://clout.test"})
	orders := order.NewService(db, brands, master, log)
	e := &env{t: t, db: db, brands: brands, creators: creator.NewService(db, brands, outbox, "http://clout.test", master, log),
		orders: orders, fraud: fraud.NewService(db, brands, orders.CustomerHash), now: store.Now()}
	e.b = e.newBrand()
	return e
}

func (e *env) newBrand() *brand.Brand {
	c, err := e.brands.CreateBrand(context.Background(), brand.NewBrand{Name: "Glow " + store.RandomString(6),
		OwnerEmail: strings.ToLower(store.RandomString(8)) + "@brand.test", Password: "correct horse battery", Currency: "USD"}, actor)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Brand
}

func (e *env) creator(name, email, payoutEmail string) *creator.Creator {
	e.t.Helper()
	cr, _, err := e.creators.New(context.Background(), actor, e.b.ID, creator.Profile{Name: &name, Email: &email, PayoutEmail: &payoutEmail}, creator.Active)
	if err != nil {
		e.t.Fatal(err)
	}
	return cr
}

func (e *env) code(cr *creator.Creator, code string) {
	e.t.Helper()
	if err := e.db.Exec(`INSERT INTO codes (id, brand_id, creator_id, code, code_key, discount_type, discount_value, currency, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'percent', 1000, '', ?, ?, ?)`, store.NewID("cod"), e.b.ID, cr.ID, code, strings.ToLower(code), true, e.now, e.now).Error; err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) link(cr *creator.Creator, slug string, created time.Time) string {
	e.t.Helper()
	id := store.NewID("lnk")
	if err := e.db.Exec(`INSERT INTO links (id, brand_id, creator_id, slug, slug_key, destination, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'https://shop.test/', 'active', ?, ?)`, id, e.b.ID, cr.ID, slug, strings.ToLower(slug), created, created).Error; err != nil {
		e.t.Fatal(err)
	}
	return id
}

// clicks adds n human clicks on a link at at (one second apart), from
// visitor (a fresh visitor each when ""), and returns their ids.
func (e *env) clicks(cr *creator.Creator, linkID string, at time.Time, n int, visitor string) []string {
	e.t.Helper()
	evs := make([]click.Event, n)
	out := make([]string, n)
	for i := range evs {
		v := visitor
		if v == "" {
			v = store.RandomString(16)
		}
		out[i] = store.NewID("clk")
		evs[i] = click.Event{ID: out[i], ClickedAt: at.Add(time.Duration(i) * time.Second), BrandID: e.b.ID, CreatorID: cr.ID,
			LinkID: linkID, VisitorHash: v, IsUnique: true}
	}
	if err := e.db.CreateInBatches(evs, 200).Error; err != nil {
		e.t.Fatal(err)
	}
	return out
}

type orderOpt struct {
	email, code, clickID, site string
	refund                     int64
	at                         time.Time
}

// order places a 100.00 order and a 10.00 sale entry for its creator;
// refund refunds that much of it.
func (e *env) order(o orderOpt) *order.Order {
	e.t.Helper()
	e.n++
	ext := fmt.Sprintf("%d", 1000+e.n)
	at := o.at
	if at.IsZero() {
		at = e.now.Add(-48 * time.Hour)
	}
	in := &order.OrderInput{ExternalID: ext, PlacedAt: at, Currency: "USD", CustomerEmail: o.email, ClickID: o.clickID,
		ReferringSite: o.site, Lines: []order.LineInput{{ExternalID: ext + "-1", SKU: "A", Title: "Serum", Quantity: 1, UnitPrice: 10000}}}
	if o.code != "" {
		in.Codes = []string{o.code}
	}
	ev := order.Event{Source: order.API, OrderRef: ext, Order: in}
	if o.refund > 0 {
		ev.Refunds = []order.RefundInput{{ExternalID: "r" + ext, At: at.Add(time.Hour), Amount: o.refund}}
	}
	res, err := e.orders.Apply(context.Background(), e.b.ID, ev)
	if err != nil {
		e.t.Fatal(err)
	}
	ord := res.Order
	if ord.CreatorID != nil {
		e.entry(ord, 1000)
	}
	return ord
}

func (e *env) entry(o *order.Order, amount int64) *commission.Entry {
	e.t.Helper()
	id := o.ID
	en := &commission.Entry{ID: store.NewID("ce"), BrandID: e.b.ID, CreatorID: *o.CreatorID, OrderID: &id, Month: o.PlacedAt.Format("2006-01"),
		Component: "sale:" + o.ID, Kind: commission.KindSale, Amount: amount, Currency: "USD", PayableAt: e.now.Add(-time.Hour), CreatedAt: e.now.Add(-time.Hour)}
	if err := e.db.Create(en).Error; err != nil {
		e.t.Fatal(err)
	}
	return en
}

// signals lists the range's signals of kind: the last 30 days.
func (e *env) signals(kind string) []fraud.Signal {
	e.t.Helper()
	sigs, err := e.fraud.Signals(context.Background(), e.b, e.now.Add(-30*24*time.Hour), e.now.Add(time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []fraud.Signal
	for _, s := range sigs {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

func byCreator(sigs []fraud.Signal) map[string][]fraud.Signal {
	out := map[string][]fraud.Signal{}
	for _, s := range sigs {
		out[s.CreatorID] = append(out[s.CreatorID], s)
	}
	return out
}

func orderIDs(os ...*order.Order) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	sort.Strings(out)
	return out
}

func sorted(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(sorted(got), ",") != strings.Join(sorted(want), ",") {
		t.Errorf("%s: orders %v, want %v", what, sorted(got), sorted(want))
	}
}

func TestSelfReferralSignal(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		jo := e.creator("Jo", "jo@creator.test", "jo.pay@bank.test")
		kim := e.creator("Kim", "kim@creator.test", "")
		e.code(jo, "JO10")
		e.code(kim, "KIM10")
		// Triggers: Jo's own email (another case, spaces) and payout email on Jo's code.
		own := e.order(orderOpt{email: " JO@Creator.test", code: "JO10"})
		pay := e.order(orderOpt{email: "jo.pay@bank.test", code: "JO10"})
		// Must not: a shopper on Jo's code; Jo buying with Kim's code (the
		// order is Kim's, not Jo's own referral); an unattributed order by Kim.
		e.order(orderOpt{email: "shopper@mail.test", code: "JO10"})
		e.order(orderOpt{email: "jo@creator.test", code: "KIM10"})
		e.order(orderOpt{email: "kim@creator.test"})

		sigs := byCreator(e.signals(fraud.KindSelfReferral))
		if len(sigs[kim.ID]) != 0 {
			t.Errorf("Kim has a self-referral signal: %+v", sigs[kim.ID])
		}
		if len(sigs[jo.ID]) != 1 {
			t.Fatalf("Jo's self-referral signals: %+v", sigs[jo.ID])
		}
		s := sigs[jo.ID][0]
		sameIDs(t, "self-referral", s.OrderIDs, orderIDs(own, pay))
		if s.Holdable.N != 2 || s.Holdable.Amount != 2000 {
			t.Errorf("holdable %+v, want 2 entries of 20.00", s.Holdable)
		}
		if !strings.Contains(strings.Join(s.Evidence, "\n"), "#"+own.ExternalID) || !strings.Contains(s.Summary, "email or payout email") {
			t.Errorf("evidence: %q %q", s.Summary, s.Evidence)
		}
	})
}

func TestCouponLeakageSignal(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		leak := e.creator("Leaky", "leaky@creator.test", "")
		fine := e.creator("Fine", "fine@creator.test", "")
		agg := e.creator("Agg", "agg@creator.test", "")
		few := e.creator("Few", "few@creator.test", "")
		e.code(leak, "LEAK")
		e.code(fine, "FINE")
		e.code(agg, "AGG")
		e.code(few, "FEW")
		leakLink := e.link(leak, "leaky", e.now.Add(-60*24*time.Hour))
		fineLink := e.link(fine, "fine", e.now.Add(-60*24*time.Hour))
		day := e.now.Add(-72 * time.Hour)
		leakClicks := e.clicks(leak, leakLink, day, 2, "")
		fineClicks := e.clicks(fine, fineLink, day, 5, "")

		// LEAK: 10 orders, 8 without a click from Leaky (one of them with
		// Fine's click): 80% → triggers.
		var leakNoClick []*order.Order
		for i := 0; i < 7; i++ {
			leakNoClick = append(leakNoClick, e.order(orderOpt{email: fmt.Sprintf("l%d@mail.test", i), code: "LEAK"}))
		}
		leakNoClick = append(leakNoClick, e.order(orderOpt{email: "l7@mail.test", code: "LEAK", clickID: fineClicks[4]}))
		for i, c := range leakClicks {
			e.order(orderOpt{email: fmt.Sprintf("lc%d@mail.test", i), code: "LEAK", clickID: c})
		}
		// FINE: 10 orders, half with Fine's clicks: 50% → must not.
		for i := 0; i < 10; i++ {
			o := orderOpt{email: fmt.Sprintf("f%d@mail.test", i), code: "FINE"}
			if i < 4 {
				o.clickID = fineClicks[i]
			}
			if i == 4 {
				o.clickID = fineClicks[3] // the same shopper clicked again
			}
			e.order(o)
		}
		// FEW: 9 orders without clicks: below the minimum → must not.
		for i := 0; i < 9; i++ {
			e.order(orderOpt{email: fmt.Sprintf("w%d@mail.test", i), code: "FEW", site: "https://www.instagram.com/"})
		}
		// AGG: one order referred by a coupon site triggers; one from
		// Instagram and one from a look-alike domain must not be in it.
		fromAgg := e.order(orderOpt{email: "a1@mail.test", code: "AGG", site: "https://www.retailmenot.com/view/glow.test"})
		e.order(orderOpt{email: "a2@mail.test", code: "AGG", site: "https://l.instagram.com/"})
		e.order(orderOpt{email: "a3@mail.test", code: "AGG", site: "https://notretailmenot.com/"})

		sigs := byCreator(e.signals(fraud.KindCouponLeakage))
		if len(sigs[fine.ID]) != 0 || len(sigs[few.ID]) != 0 {
			t.Errorf("signals for Fine or Few: %+v %+v", sigs[fine.ID], sigs[few.ID])
		}
		if len(sigs[leak.ID]) != 1 {
			t.Fatalf("Leaky's signals: %+v", sigs[leak.ID])
		}
		s := sigs[leak.ID][0]
		sameIDs(t, "LEAK", s.OrderIDs, orderIDs(leakNoClick...))
		if !strings.Contains(s.Evidence[0], "8 of 10 orders (80.0%)") {
			t.Errorf("LEAK evidence: %q", s.Evidence)
		}
		if len(sigs[agg.ID]) != 1 {
			t.Fatalf("Agg's signals: %+v", sigs[agg.ID])
		}
		a := sigs[agg.ID][0]
		sameIDs(t, "AGG", a.OrderIDs, orderIDs(fromAgg))
		if !strings.Contains(strings.Join(a.Evidence, "\n"), "retailmenot.com (1)") {
			t.Errorf("AGG evidence: %q", a.Evidence)
		}
	})
}

func TestClickSpamSignal(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		spam := e.creator("Spammy", "spam@creator.test", "")
		calm := e.creator("Calm", "calm@creator.test", "")
		today := time.Date(e.now.Year(), e.now.Month(), e.now.Day(), 0, 0, 0, 0, time.UTC)
		old := today.AddDate(0, 0, -40)
		// One visitor: 25 clicks trigger; 19 on another link must not.
		l1 := e.link(spam, "spam1", old)
		l2 := e.link(calm, "calm1", old)
		spamClicks := e.clicks(spam, l1, today.AddDate(0, 0, -3).Add(10*time.Hour), 25, "visitor-a")
		e.clicks(calm, l2, today.AddDate(0, 0, -3).Add(10*time.Hour), 19, "visitor-b")
		// An order from one of the spam clicks is affected; another from a
		// normal click on the same link is not.
		viaSpam := e.order(orderOpt{email: "s1@mail.test", clickID: spamClicks[3], at: today.AddDate(0, 0, -3).Add(12 * time.Hour)})
		normal := e.clicks(spam, l1, today.AddDate(0, 0, -20), 1, "")
		e.order(orderOpt{email: "s2@mail.test", clickID: normal[0], at: today.AddDate(0, 0, -20).Add(time.Hour)})

		// Bursts: l3 has 10 a day, then 150 on one day (> 100 and > 5×10).
		l3 := e.link(spam, "spam3", old)
		for d := 20; d >= 6; d-- {
			e.clicks(spam, l3, today.AddDate(0, 0, -d).Add(8*time.Hour), 10, "")
		}
		burstDay := today.AddDate(0, 0, -5)
		e.clicks(spam, l3, burstDay.Add(9*time.Hour), 150, "")
		// l4 has 120 a day, 150 on that day: not 5× its norm → must not.
		l4 := e.link(calm, "calm4", old)
		for d := 12; d >= 6; d-- {
			e.clicks(calm, l4, today.AddDate(0, 0, -d).Add(8*time.Hour), 120, "")
		}
		e.clicks(calm, l4, burstDay.Add(9*time.Hour), 150, "")
		// l5 is two days old: 150 clicks have no norm to compare → must not.
		l5 := e.link(calm, "calm5", today.AddDate(0, 0, -2))
		e.clicks(calm, l5, today.AddDate(0, 0, -1).Add(9*time.Hour), 150, "")
		// l6: 10 a day then 100 (not above 100) → must not.
		l6 := e.link(calm, "calm6", old)
		for d := 20; d >= 6; d-- {
			e.clicks(calm, l6, today.AddDate(0, 0, -d).Add(8*time.Hour), 10, "")
		}
		e.clicks(calm, l6, burstDay.Add(9*time.Hour), 100, "")

		sigs := byCreator(e.signals(fraud.KindClickSpam))
		if len(sigs[calm.ID]) != 0 {
			t.Errorf("Calm's click spam signals: %+v", sigs[calm.ID])
		}
		if len(sigs[spam.ID]) != 2 {
			t.Fatalf("Spammy's signals: %+v", sigs[spam.ID])
		}
		var visitor, burst *fraud.Signal
		for i, s := range sigs[spam.ID] {
			if strings.Contains(s.Key, "|visitor|") {
				visitor = &sigs[spam.ID][i]
			} else {
				burst = &sigs[spam.ID][i]
			}
		}
		if visitor == nil || burst == nil {
			t.Fatalf("signals: %+v", sigs[spam.ID])
		}
		sameIDs(t, "visitor spam", visitor.OrderIDs, orderIDs(viaSpam))
		if !strings.Contains(visitor.Evidence[0], "25 human clicks on link /spam1") {
			t.Errorf("visitor evidence: %q", visitor.Evidence)
		}
		if !strings.Contains(burst.Summary, "150 clicks on /spam3 on "+burstDay.Format("2006-01-02")+", against a median of 10") {
			t.Errorf("burst summary: %q", burst.Summary)
		}
	})
}

func TestRefundRateSignal(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		high := e.creator("High", "high@creator.test", "")
		few := e.creator("Few", "few@creator.test", "")
		low := e.creator("Low", "low@creator.test", "")
		for _, c := range []struct {
			cr   *creator.Creator
			code string
		}{{high, "HIGH"}, {few, "FEW"}, {low, "LOW"}} {
			e.code(c.cr, c.code)
		}
		var highOrders []*order.Order
		// High: 5 orders, 2 refunded in full: 40% (≥ 25% and ≥ 3× the brand's).
		for i := 0; i < 5; i++ {
			o := orderOpt{email: fmt.Sprintf("h%d@mail.test", i), code: "HIGH"}
			if i < 2 {
				o.refund = 10000
			}
			highOrders = append(highOrders, e.order(o))
		}
		// Few: 4 orders, 2 refunded: 50% but too few orders → must not.
		for i := 0; i < 4; i++ {
			o := orderOpt{email: fmt.Sprintf("f%d@mail.test", i), code: "FEW"}
			if i < 2 {
				o.refund = 10000
			}
			e.order(o)
		}
		// Low: 10 orders, two refunded: 20% → must not.
		for i := 0; i < 10; i++ {
			o := orderOpt{email: fmt.Sprintf("w%d@mail.test", i), code: "LOW"}
			if i < 2 {
				o.refund = 10000
			}
			e.order(o)
		}
		// The rest of the brand: 40 orders without refunds. Brand rate:
		// 6 of 59 orders' revenue = 10.1%; 3× is 30.5%.
		for i := 0; i < 40; i++ {
			e.order(orderOpt{email: fmt.Sprintf("n%d@mail.test", i)})
		}
		sigs := byCreator(e.signals(fraud.KindRefundRate))
		if len(sigs[few.ID]) != 0 || len(sigs[low.ID]) != 0 {
			t.Errorf("signals for Few or Low: %+v %+v", sigs[few.ID], sigs[low.ID])
		}
		if len(sigs[high.ID]) != 1 {
			t.Fatalf("High's signals: %+v", sigs[high.ID])
		}
		s := sigs[high.ID][0]
		sameIDs(t, "refund rate", s.OrderIDs, orderIDs(highOrders...))
		if !strings.Contains(s.Summary, "40.0% of the creator's revenue was refunded, against 10.1% for the brand") {
			t.Errorf("summary: %q", s.Summary)
		}
	})
}

func TestHoldAndRelease(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		jo := e.creator("Jo", "jo@creator.test", "")
		e.code(jo, "JO10")
		o1 := e.order(orderOpt{email: "jo@creator.test", code: "JO10"})
		o2 := e.order(orderOpt{email: "jo@creator.test", code: "JO10"})
		// One of o2's entries is already in a payout batch: it cannot be held.
		inBatch := e.entry(o2, 500)
		if err := db.Exec("INSERT INTO payout_entries (entry_id, batch_id, creator_id) VALUES (?, ?, ?)", inBatch.ID, "pb_x", jo.ID).Error; err != nil {
			t.Fatal(err)
		}
		from, to := e.now.Add(-30*24*time.Hour), e.now.Add(time.Hour)
		key := fraud.KindSelfReferral + "|" + jo.ID
		if _, err := e.fraud.Hold(ctx, actor, e.b, from, to, key, " "); err == nil {
			t.Fatal("a hold without a reason was accepted")
		}
		h, err := e.fraud.Hold(ctx, actor, e.b, from, to, key, "Jo bought with her own code")
		if err != nil {
			t.Fatal(err)
		}
		if h.EntryCount != 2 || h.Amount != 2000 {
			t.Errorf("hold: %d entries, %d; want 2, 2000", h.EntryCount, h.Amount)
		}
		sig, err := e.fraud.Signal(ctx, e.b, from, to, key)
		if err != nil {
			t.Fatal(err)
		}
		if sig.Held != (fraud.Sum{N: 2, Amount: 2000}) || sig.InBatch != (fraud.Sum{N: 1, Amount: 500}) || sig.Holdable.N != 0 {
			t.Errorf("after the hold: held %+v, in batch %+v, holdable %+v", sig.Held, sig.InBatch, sig.Holdable)
		}
		// Everything is held or in a batch: nothing more to hold.
		if _, err := e.fraud.Hold(ctx, actor, e.b, from, to, key, "again"); !errors.Is(err, fraud.ErrNothingToHold) ||
			!strings.Contains(err.Error(), "1 of its entries are already in payout batches") {
			t.Errorf("second hold: %v", err)
		}
		tot, err := e.fraud.HeldTotal(ctx, e.b, jo.ID)
		if err != nil || tot != (fraud.Sum{N: 2, Amount: 2000}) {
			t.Errorf("held total %+v, %v", tot, err)
		}
		_ = o1

		// Another brand sees neither the signal nor the hold.
		other := e.newBrand()
		if _, err := e.fraud.Signal(ctx, other, from, to, key); !errors.Is(err, fraud.ErrNotFound) {
			t.Errorf("other brand's signal: %v", err)
		}
		if _, err := e.fraud.Release(ctx, actor, other.ID, h.ID, "not mine"); !errors.Is(err, fraud.ErrNotFound) {
			t.Errorf("other brand's release: %v", err)
		}
		if hs, err := e.fraud.Holds(ctx, other.ID, 10); err != nil || len(hs) != 0 {
			t.Errorf("other brand's holds: %v %v", hs, err)
		}

		if _, err := e.fraud.Release(ctx, actor, e.b.ID, h.ID, "Checked: a family member"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.fraud.Release(ctx, actor, e.b.ID, h.ID, "again"); !errors.Is(err, fraud.ErrReleased) {
			t.Errorf("second release: %v", err)
		}
		sig, _ = e.fraud.Signal(ctx, e.b, from, to, key)
		if sig.Holdable != (fraud.Sum{N: 2, Amount: 2000}) || sig.Held.N != 0 {
			t.Errorf("after release: holdable %+v held %+v", sig.Holdable, sig.Held)
		}
		es, err := e.fraud.HeldEntries(ctx, e.b.ID, h.ID)
		if err != nil || len(es) != 2 || es[0].HoldID != "" {
			t.Errorf("released hold's entries: %+v %v", es, err)
		}
		hs, err := e.fraud.Holds(ctx, e.b.ID, 10)
		if err != nil || len(hs) != 1 || hs[0].Active() || hs[0].CreatorName != "Jo" {
			t.Errorf("holds: %+v %v", hs, err)
		}
		// Held again after the release: a new hold.
		if _, err := e.fraud.Hold(ctx, actor, e.b, from, to, key, "held again"); err != nil {
			t.Fatal(err)
		}
		var audits int64
		db.Table("audit_log").Where("brand_id = ? AND action IN ?", e.b.ID, []string{"fraud.hold_placed", "fraud.hold_released"}).Count(&audits)
		if audits != 3 {
			t.Errorf("%d audit entries, want 3", audits)
		}
	})
}
