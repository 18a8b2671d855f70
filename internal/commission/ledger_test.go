package commission_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"golang.org/x/crypto/bcrypt"
	"pgregory.net/rapid"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

const ledgerSecret = "ledger-test-secret-0123456789abcdef"

type lenv struct {
	db       *store.DB
	brands   *brand.Service
	creators *creator.Service
	orders   *order.Service
	plans    *commission.Plans
	ledger   *commission.Ledger
}

func newLedgerEnv(t testing.TB, db *store.DB) *lenv {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	brands := brand.NewService(db, secret.NewBox(ledgerSecret), outbox, log, brand.Options{BaseURL: "http://clout.test"})
	plans := commission.NewPlans(db, brands)
	return &lenv{db: db, brands: brands, creators: creator.NewService(db, brands, outbox, "http://clout.test", ledgerSecret, log),
		orders: order.NewService(db, brands, ledgerSecret, log), plans: plans, ledger: commission.NewLedger(db, brands, plans, log)}
}

// tb is what the helpers need of *testing.T and *rapid.T.
type tb interface {
	Fatal(args ...any)
}

var cliActor = brand.Actor{Type: "cli", Label: "test"}

// workedPlan is the worked example: 10% from 0, 15% from 1,000.00,
// marginal, cap 50% of the margin.
var workedPlan = commission.Plan{TierBasis: commission.BasisRevenue, TierMode: commission.ModeMarginal,
	Tiers: []commission.Tier{{From: 0, RateBps: 1000}, {From: 100000, RateBps: 1500}}, MarginCapBps: 5000}

// setup makes a brand with the worked example's plan as default, its two
// products, and creators.
func (e *lenv) setup(t tb, names ...string) (*brand.Brand, []*creator.Creator) {
	ctx := context.Background()
	c, err := e.brands.CreateBrand(ctx, brand.NewBrand{Name: "Serum Co " + store.RandomString(6),
		OwnerEmail: strings.ToLower(store.RandomString(8)) + "@brand.test", Password: "correct horse battery", Currency: "USD"}, cliActor)
	if err != nil {
		t.Fatal(err)
	}
	b := c.Brand
	p, err := e.plans.Create(ctx, cliActor, b.ID, "Standard", workedPlan)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.plans.SetDefault(ctx, cliActor, b.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	now := store.Now()
	for _, pr := range []struct {
		sku  string
		cost int64
	}{{"A", 2000}, {"B", 2500}} {
		if err := e.db.Exec("INSERT INTO products (id, brand_id, sku, title, unit_cost, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			store.NewID("prd"), b.ID, pr.sku, "Product "+pr.sku, pr.cost, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	var crs []*creator.Creator
	for _, name := range names {
		email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@creator.test"
		cr, _, err := e.creators.New(ctx, cliActor, b.ID, creator.Profile{Name: &name, Email: &email}, creator.Active)
		if err != nil {
			t.Fatal(err)
		}
		crs = append(crs, cr)
	}
	if b, err = e.brands.Get(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	return b, crs
}

// workedOrder: line A 2 × 50.00 with 10.00 discount (cost 20.00 each), line B
// 1 × 30.00 (cost 25.00).
func workedOrder(id string, placed time.Time) *order.OrderInput {
	return &order.OrderInput{ExternalID: id, PlacedAt: placed, Currency: "USD", Lines: []order.LineInput{
		{ExternalID: id + "-A", SKU: "A", Title: "Serum", Quantity: 2, UnitPrice: 5000, Discount: 1000},
		{ExternalID: id + "-B", SKU: "B", Title: "Balm", Quantity: 1, UnitPrice: 3000}}}
}

func (e *lenv) process(t tb) {
	if _, err := e.ledger.Process(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (e *lenv) entries(t tb, brandID, creatorID string) []commission.Entry {
	es, _, err := e.ledger.Entries(context.Background(), brandID, commission.EntryQuery{CreatorID: creatorID, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func sum(es []commission.Entry) int64 {
	var s int64
	for _, e := range es {
		s += e.Amount
	}
	return s
}

func TestLedgerWorkedExampleRefundAndCancel(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newLedgerEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "Maya Lee")
		maya := crs[0]
		placed := store.Now().Add(-time.Hour)
		res, err := e.orders.Apply(ctx, b.ID, order.Event{Source: order.API, Order: workedOrder("1001", placed)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.orders.Reassign(ctx, cliActor, b.ID, res.Order.ID, maya.ID, "test"); err != nil {
			t.Fatal(err)
		}
		e.process(t)
		es := e.entries(t, b.ID, maya.ID)
		if len(es) != 1 || es[0].Kind != commission.KindSale || es[0].Amount != 1150 {
			t.Fatalf("entries after the sale: %+v", es)
		}
		for _, want := range []string{"Order 1001", "net 90.00 × 10%", "cap 50% of margin 5.00 = 2.50"} {
			if !strings.Contains(es[0].Explanation, want) {
				t.Errorf("explanation %q lacks %q", es[0].Explanation, want)
			}
		}
		if es[0].PayableAt.Sub(placed) != 30*24*time.Hour || es[0].Status(store.Now()) != commission.StatusPending {
			t.Errorf("payable at %v (placed %v), status %s", es[0].PayableAt, placed, es[0].Status(store.Now()))
		}
		// Processing again adds nothing.
		e.process(t)
		if n := len(e.entries(t, b.ID, maya.ID)); n != 1 {
			t.Fatalf("%d entries after a second pass", n)
		}
		// Refunding line B reverses 2.50.
		if _, err := e.orders.Refund(ctx, b.ID, order.API, "1001", order.RefundRequest{ExternalID: "r1",
			Lines: []order.RefundLine{{SKU: "B", Quantity: 1, Amount: 3000}}}); err != nil {
			t.Fatal(err)
		}
		e.process(t)
		es = e.entries(t, b.ID, maya.ID)
		if sum(es) != 900 || es[0].Kind != commission.KindReversal || es[0].Amount != -250 {
			t.Fatalf("after refunding B: sum %d, newest %+v", sum(es), es[0])
		}
		bal, err := e.ledger.Balance(ctx, b, maya.ID)
		if err != nil || bal.Pending != 900 || bal.Payable != 0 || bal.Currency != "USD" {
			t.Fatalf("balance %+v, %v", bal, err)
		}
		// Cancelling takes back the rest.
		if _, err := e.orders.Apply(ctx, b.ID, order.Event{Source: order.API, OrderRef: "1001",
			Cancel: &order.CancelInput{At: store.Now(), Reason: "fraud"}}); err != nil {
			t.Fatal(err)
		}
		e.process(t)
		if es = e.entries(t, b.ID, maya.ID); sum(es) != 0 || len(es) != 3 {
			t.Fatalf("after cancelling: sum %d over %d entries", sum(es), len(es))
		}
	})
}

func TestLedgerFollowsReassignmentAndMarginalTiers(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newLedgerEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "Maya Lee", "Jon Park")
		maya, jon := crs[0], crs[1]
		placed := store.Now().Add(-2 * time.Hour)
		if placed.In(commission.Location(b)).Day() == 1 && placed.Hour() < 3 {
			placed = placed.Add(3 * time.Hour) // stay inside one month
		}
		// A 950.00 order without costs (no margin rules), then a 100.00 one:
		// 950.00 at 10% = 95.00; then 50.00 at 10% and 50.00 at 15% = 12.50.
		big := &order.OrderInput{ExternalID: "2001", PlacedAt: placed, Currency: "USD",
			Lines: []order.LineInput{{SKU: "X", Quantity: 1, UnitPrice: 95000}}}
		small := &order.OrderInput{ExternalID: "2002", PlacedAt: placed.Add(time.Minute), Currency: "USD",
			Lines: []order.LineInput{{SKU: "Y", Quantity: 1, UnitPrice: 10000}}}
		var ids []string
		for _, in := range []*order.OrderInput{small, big} { // arrival order differs from placed order
			res, err := e.orders.Apply(ctx, b.ID, order.Event{Source: order.API, Order: in})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.orders.Reassign(ctx, cliActor, b.ID, res.Order.ID, maya.ID, "test"); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.Order.ID)
			e.process(t) // the ledger catches up after each arrival
		}
		if got := sum(e.entries(t, b.ID, maya.ID)); got != 9500+1250 {
			t.Fatalf("maya earns %d, want 10750", got)
		}
		// The big order goes to Jon: Maya's small order falls back to 10%.
		if _, err := e.orders.Reassign(ctx, cliActor, b.ID, ids[1], jon.ID, "wrong creator"); err != nil {
			t.Fatal(err)
		}
		e.process(t)
		if got := sum(e.entries(t, b.ID, maya.ID)); got != 1000 {
			t.Errorf("maya now earns %d, want 1000", got)
		}
		if got := sum(e.entries(t, b.ID, jon.ID)); got != 9500 {
			t.Errorf("jon earns %d, want 9500", got)
		}
	})
}

func TestLedgerAdjustmentAndNoPlan(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newLedgerEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "Maya Lee")
		if _, err := e.ledger.Adjust(ctx, cliActor, b, crs[0].ID, 0, "x"); err == nil {
			t.Error("a zero adjustment was accepted")
		}
		if _, err := e.ledger.Adjust(ctx, cliActor, b, crs[0].ID, 500, ""); err == nil {
			t.Error("an adjustment without a reason was accepted")
		}
		en, err := e.ledger.Adjust(ctx, cliActor, b, crs[0].ID, 500, "photo shoot fee")
		if err != nil || en.Kind != commission.KindAdjustment {
			t.Fatalf("adjust: %+v, %v", en, err)
		}
		bal, _ := e.ledger.Balance(ctx, b, crs[0].ID)
		if bal.Payable != 500 {
			t.Errorf("balance after the adjustment: %+v", bal)
		}
		// Without any plan, orders earn nothing and nothing breaks.
		if err := e.plans.SetDefault(ctx, cliActor, b.ID, ""); err != nil {
			t.Fatal(err)
		}
		res, err := e.orders.Apply(ctx, b.ID, order.Event{Source: order.API, Order: workedOrder("3001", store.Now().Add(-time.Hour))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.orders.Reassign(ctx, cliActor, b.ID, res.Order.ID, crs[0].ID, "test"); err != nil {
			t.Fatal(err)
		}
		e.process(t)
		if got := sum(e.entries(t, b.ID, crs[0].ID)); got != 500 {
			t.Errorf("without a plan the creator has %d, want the 500 adjustment only", got)
		}
		var queued int64
		db.Table("order_changes").Count(&queued)
		if queued != 0 {
			t.Errorf("%d order changes left in the queue", queued)
		}
	})
}

func TestPlansVersions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newLedgerEnv(t, db)
		ctx := context.Background()
		b, _ := e.setup(t)
		if _, err := e.plans.Create(ctx, cliActor, b.ID, "", commission.Plan{}); err == nil {
			t.Fatal("an empty plan was accepted")
		}
		p, err := e.plans.Create(ctx, cliActor, b.ID, "Launch", workedPlan)
		if err != nil || p.Version != 1 {
			t.Fatalf("create: %+v, %v", p, err)
		}
		name := "Launch (renamed)"
		p2, err := e.plans.Update(ctx, cliActor, b.ID, p.ID, &name, &workedPlan)
		if err != nil || p2.Version != 1 || p2.Name != name {
			t.Fatalf("rename with the same rules: %+v, %v", p2, err)
		}
		richer := workedPlan
		richer.Tiers = []commission.Tier{{From: 0, RateBps: 1200}}
		p3, err := e.plans.Update(ctx, cliActor, b.ID, p.ID, nil, &richer)
		if err != nil || p3.Version != 2 || p3.VersionID == p.VersionID {
			t.Fatalf("new rules: %+v, %v", p3, err)
		}
		v1, err := e.plans.VersionByID(ctx, b.ID, p.VersionID)
		if err != nil || v1.Rules.Tiers[0].RateBps != 1000 {
			t.Fatalf("version 1 changed: %+v, %v", v1, err)
		}
		other, _ := e.setup(t)
		if _, err := e.plans.Get(ctx, other.ID, p.ID); err == nil {
			t.Error("another brand reads the plan")
		}
		if err := e.plans.SetDefault(ctx, cliActor, other.ID, p.ID); err == nil {
			t.Error("another brand's plan became a default")
		}
	})
}

// TestLedgerMatchesAFreshComputation: for any sequence of orders, refunds,
// cancellations, duplicates and reassignments, processed at any points, each
// creator's ledger sums to what one computation of the final orders gives,
// and no balance comes from nothing.
func TestLedgerMatchesAFreshComputation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newLedgerEnv(t, db)
		ctx := context.Background()
		rapid.Check(t, func(rt *rapid.T) {
			b1, c1 := e.setup(rt, "Ana", "Ben") // incremental
			b2, c2 := e.setup(rt, "Ana", "Ben") // fresh
			base := store.Now().Add(-3 * time.Hour)
			if base.In(commission.Location(b1)).Day() == 1 {
				base = base.Add(4 * time.Hour)
			}
			type step struct {
				ev      order.Event
				creator int // -1: not an order
				process bool
			}
			final := map[string]int{} // external id → creator at the end
			var steps []step
			orders := rapid.IntRange(1, 8).Draw(rt, "orders")
			for i := 0; i < orders; i++ {
				// Distinct times: orders placed at the same instant are
				// taken in id order, and ids differ between the two brands.
				at := base.Add(time.Duration(rapid.IntRange(0, 14).Draw(rt, "minute")+15*rapid.IntRange(0, 7).Draw(rt, "slot")) * time.Minute)
				for _, s := range steps {
					if s.ev.Order != nil && s.ev.Order.PlacedAt.Equal(at) {
						at = at.Add(time.Second * time.Duration(1+i))
					}
				}
				in := workedOrder(fmt.Sprintf("9%03d", i), at)
				in.Lines[0].Quantity = rapid.Int64Range(1, 40).Draw(rt, "qty")
				cr := rapid.IntRange(0, 1).Draw(rt, "creator")
				final[in.ExternalID] = cr
				steps = append(steps, step{ev: order.Event{Source: order.API, Order: in}, creator: cr})
				refunds := rapid.IntRange(0, 2).Draw(rt, "refunds")
				for r := 0; r < refunds; r++ {
					steps = append(steps, step{ev: order.Event{Source: order.API, OrderRef: in.ExternalID, Refunds: []order.RefundInput{{
						ExternalID: fmt.Sprintf("r%s-%d", in.ExternalID, r), Amount: rapid.Int64Range(1, 20000).Draw(rt, "amount")}}}, creator: -1})
				}
				if rapid.IntRange(0, 4).Draw(rt, "cancel") == 0 {
					steps = append(steps, step{ev: order.Event{Source: order.API, OrderRef: in.ExternalID, Cancel: &order.CancelInput{At: base}}, creator: -1})
				}
				if rapid.Bool().Draw(rt, "moves") { // later credited to the other creator
					final[in.ExternalID] = 1 - cr
					steps = append(steps, step{ev: order.Event{Source: order.API, OrderRef: in.ExternalID}, creator: 1 - cr})
				}
			}
			for i := range steps {
				steps[i].process = rapid.Bool().Draw(rt, "process")
			}
			// Repeat some deliveries.
			for _, d := range rapid.SliceOfN(rapid.IntRange(0, len(steps)-1), 0, 3).Draw(rt, "dups") {
				steps = append(steps, steps[d])
			}
			run := func(b *brand.Brand, crs []*creator.Creator, ss []step, incremental bool) {
				for _, s := range ss {
					if s.ev.Order == nil && s.creator >= 0 { // a reassignment
						o, err := e.orders.ByExternalID(ctx, b.ID, order.API, s.ev.OrderRef)
						if err != nil {
							rt.Fatal(err)
						}
						if _, err := e.orders.Reassign(ctx, cliActor, b.ID, o.ID, crs[s.creator].ID, "moved"); err != nil {
							rt.Fatal(err)
						}
					} else {
						res, err := e.orders.Apply(ctx, b.ID, s.ev)
						if err != nil {
							rt.Fatal(err)
						}
						if s.ev.Order != nil && res.Created {
							if _, err := e.orders.Reassign(ctx, cliActor, b.ID, res.Order.ID, crs[s.creator].ID, "credit"); err != nil {
								rt.Fatal(err)
							}
						}
					}
					if incremental && s.process {
						e.process(rt)
					}
				}
				e.process(rt)
			}
			run(b1, c1, steps, true)
			// The fresh brand gets each order once, already with its final creator.
			var fresh []step
			for _, s := range steps {
				switch {
				case s.ev.Order != nil:
					s.creator = final[s.ev.Order.ExternalID]
					fresh = append(fresh, s)
				case s.creator < 0:
					fresh = append(fresh, s)
				}
			}
			run(b2, c2, fresh, false)
			for i := range c1 {
				inc, one := sum(e.entries(rt, b1.ID, c1[i].ID)), sum(e.entries(rt, b2.ID, c2[i].ID))
				if inc != one {
					rt.Fatalf("%s: incremental ledger %d, fresh computation %d", c1[i].Name, inc, one)
				}
				if inc < 0 {
					rt.Fatalf("%s: a negative balance %d from nothing", c1[i].Name, inc)
				}
				bal, err := e.ledger.Balance(ctx, b1, c1[i].ID)
				if err != nil || bal.Pending+bal.Payable+bal.Paid != inc {
					rt.Fatalf("%s: balance %+v does not add up to the entries' %d (%v)", c1[i].Name, bal, inc, err)
				}
			}
		})
	})
}

func TestSimulateAndRecompute(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newLedgerEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "Maya Lee")
		placed := store.Now().Add(-time.Hour)
		res, err := e.orders.Apply(ctx, b.ID, order.Event{Source: order.API, Order: workedOrder("1001", placed)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.orders.Reassign(ctx, cliActor, b.ID, res.Order.ID, crs[0].ID, "test"); err != nil {
			t.Fatal(err)
		}
		e.process(t)
		month := commission.MonthOf(placed, b)
		// 20% flat, cap 100% of the margin: line A 18.00; line B 6.00 capped at 5.00.
		draft := commission.Plan{TierBasis: commission.BasisRevenue, TierMode: commission.ModeMarginal,
			Tiers: []commission.Tier{{From: 0, RateBps: 2000}}, MarginCapBps: 10000}
		months, err := commission.Months(month, month)
		if err != nil {
			t.Fatal(err)
		}
		sim, err := e.ledger.Simulate(ctx, b, draft, months)
		if err != nil {
			t.Fatal(err)
		}
		if sim.Total.Current != 1150 || sim.Total.Draft != 2300 || sim.Total.Revenue != 12000 || sim.Total.Margin != 5500 ||
			len(sim.Creators) != 1 || sim.Creators[0].Name != "Maya Lee" {
			t.Fatalf("simulation: %+v", sim)
		}
		if got := commission.RateBps(sim.Total.Draft, sim.Total.Revenue); got != 1917 {
			t.Errorf("draft rate of revenue %d bps, want 1917", got)
		}
		if n := len(e.entries(t, b.ID, crs[0].ID)); n != 1 {
			t.Fatalf("the simulation wrote entries: %d", n)
		}
		// Saving the draft as a new version does not touch the priced month...
		plans, _ := e.plans.List(ctx, b.ID)
		if _, err := e.plans.Update(ctx, cliActor, b.ID, plans[0].ID, nil, &draft); err != nil {
			t.Fatal(err)
		}
		e.process(t)
		if got := sum(e.entries(t, b.ID, crs[0].ID)); got != 1150 {
			t.Fatalf("a new version repriced a priced month: %d", got)
		}
		// ...until the brand recomputes it, which adds the difference.
		n, err := e.ledger.Recompute(ctx, cliActor, b, plans[0].ID, month)
		if err != nil || n != 1 {
			t.Fatalf("recompute: %d, %v", n, err)
		}
		es := e.entries(t, b.ID, crs[0].ID)
		if sum(es) != 2300 || len(es) != 2 || !strings.Contains(es[0].Explanation, "Corrected") {
			t.Fatalf("after recomputing: sum %d, entries %+v", sum(es), es)
		}
		if n, err := e.ledger.Recompute(ctx, cliActor, b, plans[0].ID, month); err != nil || n != 0 {
			t.Errorf("a second recompute moved %d months (%v)", n, err)
		}
		if _, err := commission.Months("2026-05", "2026-01"); err == nil {
			t.Error("a backwards range was accepted")
		}
	})
}

// With a new-customers-only plan, a returning customer's order earns
// nothing; orders carry customer emails (hashed), on both databases.
func TestLedgerNewCustomersOnly(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newLedgerEnv(t, db)
		ctx := context.Background()
		b, crs := e.setup(t, "Maya Lee")
		plan := workedPlan
		plan.NewCustomersOnly = true
		p, err := e.plans.Create(ctx, cliActor, b.ID, "New customers", plan)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.plans.SetDefault(ctx, cliActor, b.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		placed := store.Now().Add(-2 * time.Hour)
		if placed.In(commission.Location(b)).Day() == 1 {
			placed = placed.Add(3 * time.Hour)
		}
		for i, email := range []string{"ann@shop.test", "ANN@shop.test", "bob@shop.test"} {
			in := workedOrder(fmt.Sprintf("70%d", i), placed.Add(time.Duration(i)*time.Minute))
			in.CustomerEmail = email
			res, err := e.orders.Apply(ctx, b.ID, order.Event{Source: order.API, Order: in})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.orders.Reassign(ctx, cliActor, b.ID, res.Order.ID, crs[0].ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
		e.process(t)
		// Ann's first order and Bob's earn 11.50 each, Ann's second nothing
		// (its tier position is not moved either).
		if got := sum(e.entries(t, b.ID, crs[0].ID)); got != 2300 {
			t.Fatalf("earned %d, want 2300", got)
		}
	})
}
