package commission

import (
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/money"
)

func p64(v int64) *int64 { return &v }

// issuePlan is the worked example's plan: 10% from 0, 15% from 1,000.00,
// marginal, cap 50%.
func issuePlan() Plan {
	return Plan{TierBasis: BasisRevenue, TierMode: ModeMarginal,
		Tiers:        []Tier{{From: 0, RateBps: 1000}, {From: 100000, RateBps: 1500}},
		MarginCapBps: 5000}
}

func usd() Settings { return Settings{Currency: "USD"} }

func with(p Plan, f func(*Plan)) Plan { f(&p); return p }

func TestPrice(t *testing.T) {
	overrides := with(issuePlan(), func(p *Plan) {
		p.Overrides = []Override{{Category: "skincare", RateBps: 3000}, {SKU: "SERUM", RateBps: 2000}}
	})
	tests := []struct {
		name       string
		plan       Plan
		settings   Settings
		pos        Position
		order      Order
		lines      []int64  // each line's commission
		total      int64    // Result.Total
		tierAfter  int      // 0: not checked
		explain    []string // exact explanations, line by line (nil: not checked)
		explainHas []string // substrings of the joined explanations
	}{
		{
			name: "worked example",
			plan: issuePlan(), settings: usd(),
			order: Order{Lines: []Line{
				{Title: "Serum", SKU: "SERUM", Quantity: 2, Net: 9000, UnitCost: p64(2000)},
				{Title: "Cleanser", SKU: "CLEAN", Quantity: 1, Net: 3000, UnitCost: p64(2500)},
			}},
			lines: []int64{900, 250}, total: 1150, tierAfter: 1,
			explain: []string{
				"Serum ×2: net 90.00 × 10% (tier 1) = 9.00; cap 50% of margin 50.00 = 25.00 → 9.00",
				"Cleanser ×1: net 30.00 × 10% (tier 1) = 3.00; cap 50% of margin 5.00 = 2.50 → 2.50",
			},
		},
		{
			name: "marginal: a line crossing a band is split exactly",
			plan: issuePlan(), settings: usd(), pos: Position{Revenue: 95000, Orders: 7},
			order: Order{Lines: []Line{{Title: "Serum", Quantity: 1, Net: 10000}}},
			lines: []int64{1250}, total: 1250, tierAfter: 2,
			explain: []string{"Serum ×1: net 100.00: 50.00 × 10% (tier 1) + 50.00 × 15% (tier 2) = 12.50; unit cost unknown, no margin rules → 12.50"},
		},
		{
			name: "marginal: the band boundary falls between two lines",
			plan: issuePlan(), settings: usd(), pos: Position{Revenue: 98000},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 3000}, {SKU: "B", Quantity: 1, Net: 2000}}},
			lines: []int64{350, 300}, total: 650,
		},
		{
			name: "marginal: a split line is rounded once (0.50 + 0.75 = 1.25 → 1, not 1 + 1)",
			plan: issuePlan(), settings: usd(), pos: Position{Revenue: 99995},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 10}}},
			lines: []int64{1}, total: 1,
		},
		{
			name: "retroactive (stateless): the whole order at the tier reached after it",
			plan: with(issuePlan(), func(p *Plan) { p.TierMode = ModeRetroactive }), settings: usd(),
			pos:   Position{Revenue: 60000},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 50000}}},
			lines: []int64{7500}, total: 7500, tierAfter: 2,
		},
		{
			name: "retroactive: reaching the threshold exactly reaches the tier",
			plan: with(issuePlan(), func(p *Plan) { p.TierMode = ModeRetroactive }), settings: usd(),
			pos:   Position{Revenue: 60000},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 40000}}},
			lines: []int64{6000}, total: 6000, tierAfter: 2,
		},
		{
			name: "override precedence: sku, then category (any case), then tier",
			plan: overrides, settings: usd(),
			order: Order{Lines: []Line{
				{SKU: "SERUM", Category: "skincare", Quantity: 1, Net: 10000},
				{SKU: "TONER", Category: "SkinCare", Quantity: 1, Net: 10000},
				{SKU: "SHAMPOO", Category: "hair", Quantity: 1, Net: 10000},
			}},
			lines: []int64{2000, 3000, 1000}, total: 6000,
			explainHas: []string{"× 20% (sku override)", "× 30% (category override)", "× 10% (tier 1)"},
		},
		{
			name: "an override line is not split but its revenue moves the position",
			plan: overrides, settings: usd(), pos: Position{Revenue: 95000},
			order: Order{Lines: []Line{
				{SKU: "SERUM", Quantity: 1, Net: 10000},
				{SKU: "SHAMPOO", Quantity: 1, Net: 10000},
			}},
			lines: []int64{2000, 1500}, total: 3500,
		},
		{
			name: "floor binds below the cap",
			plan: with(overrides, func(p *Plan) { p.MarginFloorBps = p64(3000) }), settings: usd(),
			order: Order{Lines: []Line{{Title: "Serum", SKU: "SERUM", Quantity: 2, Net: 10000, UnitCost: p64(3000)}}},
			lines: []int64{1000}, total: 1000,
			explain: []string{"Serum ×2: net 100.00 × 20% (sku override) = 20.00; cap 50% of margin 40.00 = 20.00; floor: margin 40.00 − 30% of net = 10.00 → 10.00"},
		},
		{
			name: "cap binds below the floor",
			plan: with(overrides, func(p *Plan) {
				p.MarginFloorBps = p64(1000)
				p.Overrides = []Override{{SKU: "SERUM", RateBps: 5000}}
			}), settings: usd(),
			order: Order{Lines: []Line{{SKU: "SERUM", Quantity: 2, Net: 10000, UnitCost: p64(3000)}}},
			lines: []int64{2000}, total: 2000,
		},
		{
			name: "unknown cost and no default margin: margin rules do not apply",
			plan: with(issuePlan(), func(p *Plan) { p.Overrides = []Override{{SKU: "X", RateBps: 9000}} }), settings: usd(),
			order: Order{Lines: []Line{{SKU: "X", Quantity: 1, Net: 10000}}},
			lines: []int64{9000}, total: 9000,
			explainHas: []string{"unit cost unknown, no margin rules → 90.00"},
		},
		{
			name: "unknown cost with a default margin",
			plan: issuePlan(), settings: Settings{Currency: "USD", DefaultMarginBps: p64(1000)},
			order: Order{Lines: []Line{{Title: "Serum", Quantity: 2, Net: 9000}, {Title: "Mask", Quantity: 1, Net: 1000, UnitCost: p64(100)}}},
			lines: []int64{450, 100}, total: 550,
			explain: []string{
				"Serum ×2: net 90.00 × 10% (tier 1) = 9.00; cap 50% of margin 9.00 (default 10% of net) = 4.50 → 4.50",
				"Mask ×1: net 10.00 × 10% (tier 1) = 1.00; cap 50% of margin 9.00 = 4.50 → 1.00",
			},
		},
		{
			name:     "default margin is rounded half away from zero to the minor unit (334.9665 → 335)",
			plan:     with(issuePlan(), func(p *Plan) { p.MarginCapBps = MaxBps; p.Tiers[0].RateBps = MaxBps }),
			settings: Settings{Currency: "USD", DefaultMarginBps: p64(3333)},
			order:    Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 1005}}},
			lines:    []int64{335}, total: 335,
		},
		{
			name: "zero margin earns nothing",
			plan: issuePlan(), settings: usd(),
			order: Order{Lines: []Line{{SKU: "A", Quantity: 3, Net: 3000, UnitCost: p64(1000)}}},
			lines: []int64{0}, total: 0,
		},
		{
			name: "a loss earns nothing",
			plan: with(issuePlan(), func(p *Plan) { p.MarginFloorBps = p64(0) }), settings: usd(),
			order: Order{Lines: []Line{{Title: "Serum", Quantity: 1, Net: 3000, UnitCost: p64(3500)}}},
			lines: []int64{0}, total: 0,
			explain: []string{"Serum ×1: net 30.00 × 10% (tier 1) = 3.00; cap 50% of margin -5.00 = 0.00; floor: margin -5.00 − 0% of net = 0.00 → 0.00"},
		},
		{
			name: "JPY (exponent 0): 1.5 yen rounds to 2, 0.5 to 1, 1.4 to 1",
			plan: issuePlan(), settings: Settings{Currency: "JPY"},
			order: Order{Lines: []Line{{Title: "A", Quantity: 1, Net: 15}, {Title: "B", Quantity: 1, Net: 5}, {Title: "C", Quantity: 1, Net: 14}}},
			lines: []int64{2, 1, 1}, total: 4,
			explainHas: []string{"A ×1: net 15 × 10% (tier 1) = 2; unit cost unknown, no margin rules → 2"},
		},
		{
			name: "JPY: the cap rounds once too (50% of 3 yen = 1.5 → 2)",
			plan: with(issuePlan(), func(p *Plan) { p.Tiers[0].RateBps = 5000 }), settings: Settings{Currency: "jpy"},
			order: Order{Lines: []Line{{Title: "A", Quantity: 1, Net: 11, UnitCost: p64(8)}}},
			lines: []int64{2}, total: 2,
			explain: []string{"A ×1: net 11 × 50% (tier 1) = 6; cap 50% of margin 3 = 2 → 2"},
		},
		{
			name: "KWD (exponent 3): half a fils rounds away from zero",
			plan: issuePlan(), settings: Settings{Currency: "KWD"},
			order: Order{Lines: []Line{{Title: "A", Quantity: 1, Net: 5}, {Title: "B", Quantity: 1, Net: 12345}, {Title: "C", Quantity: 1, Net: 4}}},
			lines: []int64{1, 1235, 0}, total: 1236,
			explainHas: []string{"A ×1: net 0.005 × 10% (tier 1) = 0.001", "B ×1: net 12.345 × 10% (tier 1) = 1.235"},
		},
		{
			name: "orders basis, marginal: order n+1 = 2 is still tier 1",
			plan: with(issuePlan(), func(p *Plan) { p.TierBasis = BasisOrders; p.Tiers[1].From = 3 }), settings: usd(),
			pos:   Position{Revenue: 500000, Orders: 1},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 10000}}},
			lines: []int64{1000}, total: 1000, tierAfter: 1,
		},
		{
			name: "orders basis, marginal: order n+1 = 3 is tier 2, whatever the revenue",
			plan: with(issuePlan(), func(p *Plan) { p.TierBasis = BasisOrders; p.Tiers[1].From = 3 }), settings: usd(),
			pos:   Position{Revenue: 0, Orders: 2},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 10000}, {SKU: "B", Quantity: 1, Net: 10000}}},
			lines: []int64{1500, 1500}, total: 3000, tierAfter: 2,
		},
		{
			name: "per-order bonus and a milestone reached by this order",
			plan: with(issuePlan(), func(p *Plan) {
				p.PerOrderBonus = 200
				p.Milestones = []Milestone{{Threshold: 100000, Bonus: 5000}, {Threshold: 200000, Bonus: 9000}}
			}), settings: usd(), pos: Position{Revenue: 95000, Orders: 3},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 10000}}},
			lines: []int64{1250}, total: 1250 + 200 + 5000,
			explainHas: []string{"per-order bonus → 2.00", "milestone: 1000.00 of net revenue this month reached → bonus 50.00"},
		},
		{
			name: "a milestone already paid is not paid again",
			plan: with(issuePlan(), func(p *Plan) {
				p.PerOrderBonus = 200
				p.Milestones = []Milestone{{Threshold: 100000, Bonus: 5000}}
			}), settings: usd(), pos: Position{Revenue: 105000, Orders: 4, PaidMilestones: []int64{100000}},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 10000}}},
			lines: []int64{1500}, total: 1500 + 200,
		},
		{
			name: "a zero-net order earns no bonus",
			plan: with(issuePlan(), func(p *Plan) {
				p.PerOrderBonus = 200
				p.Milestones = []Milestone{{Threshold: 1, Bonus: 5000}}
			}), settings: usd(), pos: Position{Revenue: 0, Orders: 0},
			order: Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: 0}}},
			lines: []int64{0}, total: 0,
		},
		{
			name: "new customers only: a returning customer's order earns nothing",
			plan: with(issuePlan(), func(p *Plan) {
				p.NewCustomersOnly = true
				p.PerOrderBonus = 200
			}), settings: usd(), pos: Position{Revenue: 1000},
			order: Order{Lines: []Line{{Title: "Serum", Quantity: 1, Net: 10000}}},
			lines: []int64{0}, total: 0,
			explain: []string{"Serum ×1: net 100.00, returning customer: this plan pays on new customers only → 0.00"},
		},
		{
			name: "new customers only: a new customer's order earns",
			plan: with(issuePlan(), func(p *Plan) {
				p.NewCustomersOnly = true
				p.PerOrderBonus = 200
			}), settings: usd(),
			order: Order{Lines: []Line{{Title: "Serum", Quantity: 1, Net: 10000}}, IsNewCustomer: true},
			lines: []int64{1000}, total: 1200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Price(tt.plan, tt.settings, tt.pos, tt.order)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			var sum int64
			for _, l := range res.Lines {
				got = append(got, l.Commission)
				sum += l.Commission
			}
			if !slices.Equal(got, tt.lines) {
				t.Errorf("line commissions = %v, want %v", got, tt.lines)
			}
			if res.Total != tt.total {
				t.Errorf("total = %d, want %d", res.Total, tt.total)
			}
			if res.Commission != sum || res.Total != res.Commission+res.Bonus {
				t.Errorf("commission %d, bonus %d, total %d do not add up (lines %d)", res.Commission, res.Bonus, res.Total, sum)
			}
			if tt.tierAfter != 0 && res.TierAfter != tt.tierAfter {
				t.Errorf("tier after = %d, want %d", res.TierAfter, tt.tierAfter)
			}
			var all []string
			for i, l := range res.Lines {
				all = append(all, l.Explanation)
				if tt.explain != nil && l.Explanation != tt.explain[i] {
					t.Errorf("line %d explanation\n got %q\nwant %q", i, l.Explanation, tt.explain[i])
				}
			}
			for _, b := range res.Bonuses {
				all = append(all, b.Explanation)
			}
			joined := strings.Join(all, "\n")
			for _, want := range tt.explainHas {
				if !strings.Contains(joined, want) {
					t.Errorf("explanations lack %q:\n%s", want, joined)
				}
			}
		})
	}
}

func TestWorkedExampleRefund(t *testing.T) {
	res, err := Price(issuePlan(), usd(), Position{}, Order{Lines: []Line{
		{Title: "Serum", Quantity: 2, Net: 9000, UnitCost: p64(2000)},
		{Title: "Cleanser", Quantity: 1, Net: 3000, UnitCost: p64(2500)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Commission != 1150 {
		t.Fatalf("commission = %d, want 1150", res.Commission)
	}
	b := res.Lines[1]
	if got, err := b.Reverse(0, b.Base); err != nil || got != 250 {
		t.Errorf("refunding line B reverses %d (%v), want 250", got, err)
	}
	if got, err := Reverse(b.Commission, 3000, 0, 1500); err != nil || got != 125 {
		t.Errorf("refunding half of line B reverses %d (%v), want 125", got, err)
	}
	if res.NewPosition.Revenue != 12000 || res.NewPosition.Orders != 1 {
		t.Errorf("new position = %+v", res.NewPosition)
	}
	if res.Lines[0].Margin != 5000 || *res.Lines[0].Cap != 2500 || res.Lines[0].Raw != 900 || res.Lines[0].Floor != nil {
		t.Errorf("line A figures: %+v", res.Lines[0])
	}
}

func TestReverse(t *testing.T) {
	tests := []struct {
		name                             string
		commission, net, already, refund int64
		want                             int64
		wantErr                          bool
	}{
		{"whole line", 250, 3000, 0, 3000, 250, false},
		{"nothing refunded", 250, 3000, 0, 0, 0, false},
		{"a third of 1 rounds to 0", 1, 3, 0, 1, 0, false},
		{"two thirds of 1 rounds to 1", 1, 3, 1, 1, 1, false},
		{"the last third takes what is left", 1, 3, 2, 1, 0, false},
		{"half of 1 rounds away from zero", 1, 2, 0, 1, 1, false},
		{"zero-net line", 0, 0, 0, 0, 0, false},
		{"more than the net", 250, 3000, 2000, 1001, 0, true},
		{"negative refund", 250, 3000, 0, -1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Reverse(tt.commission, tt.net, tt.already, tt.refund)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Reverse = %d, %v; want %d (error %v)", got, err, tt.want, tt.wantErr)
			}
			if tt.wantErr && !errors.Is(err, ErrInvalidInput) {
				t.Errorf("error %v is not ErrInvalidInput", err)
			}
		})
	}
	// Refunds in parts add up to the whole commission.
	var sum, done int64
	for _, part := range []int64{1, 333, 1, 1665} {
		r, err := Reverse(7, 2000, done, part)
		if err != nil {
			t.Fatal(err)
		}
		sum, done = sum+r, done+part
	}
	if sum != 7 {
		t.Errorf("partial reversals sum to %d, want 7", sum)
	}
}

func TestMonthRetroactiveTrueUp(t *testing.T) {
	plan := with(issuePlan(), func(p *Plan) {
		p.TierMode = ModeRetroactive
		p.Overrides = []Override{{SKU: "GIFT", RateBps: 2000}}
	})
	m, err := NewMonth(plan, usd())
	if err != nil {
		t.Fatal(err)
	}
	first, err := m.Add(Order{Lines: []Line{
		{Title: "Serum", SKU: "SERUM", Quantity: 1, Net: 40000},                     // 10% = 40.00; 15% = 60.00
		{Title: "Mask", SKU: "MASK", Quantity: 1, Net: 20000, UnitCost: p64(16000)}, // cap 20.00 either way
		{Title: "Gift", SKU: "GIFT", Quantity: 1, Net: 1000},                        // override, never trued up
	}})
	if err != nil {
		t.Fatal(err)
	}
	if first.Commission != 4000+2000+200 || first.TrueUp != 0 || first.TierAfter != 1 {
		t.Fatalf("first order: %+v", first)
	}
	second, err := m.Add(Order{Lines: []Line{{Title: "Serum", SKU: "SERUM", Quantity: 1, Net: 50000}}})
	if err != nil {
		t.Fatal(err)
	}
	if second.TierBefore != 1 || second.TierAfter != 2 {
		t.Errorf("tiers %d → %d, want 1 → 2", second.TierBefore, second.TierAfter)
	}
	if second.Commission != 7500 {
		t.Errorf("second order commission = %d, want 7500", second.Commission)
	}
	if len(second.TrueUps) != 1 || second.TrueUp != 2000 || second.Total != 9500 {
		t.Fatalf("true-ups = %+v (total %d), want one of 20.00", second.TrueUps, second.TrueUp)
	}
	tu := second.TrueUps[0]
	if tu.Order != 0 || tu.Line != 0 || tu.FromTier != 1 || tu.ToTier != 2 || tu.Before != 4000 || tu.After != 6000 {
		t.Errorf("true-up = %+v", tu)
	}
	want := "true-up, order 1, Serum ×1: net 400.00 × 15% (tier 2) = 60.00; unit cost unknown, no margin rules → 60.00; was 40.00 at tier 1: +20.00"
	if tu.Explanation != want {
		t.Errorf("true-up explanation\n got %q\nwant %q", tu.Explanation, want)
	}
	if got := m.Lines(0); got[0].Commission != 6000 || got[1].Commission != 2000 || got[2].Commission != 200 {
		t.Errorf("first order's lines after the true-up: %d %d %d", got[0].Commission, got[1].Commission, got[2].Commission)
	}
	// A third order in the same tier trues up nothing.
	third, err := m.Add(Order{Lines: []Line{{SKU: "SERUM", Quantity: 1, Net: 1000}}})
	if err != nil {
		t.Fatal(err)
	}
	if third.TrueUp != 0 || third.Commission != 150 {
		t.Errorf("third order: commission %d, true-up %d", third.Commission, third.TrueUp)
	}
	if m.Total() != 6200+9500+150 {
		t.Errorf("month total = %d", m.Total())
	}
	if p := m.Position(); p.Revenue != 112000 || p.Orders != 3 {
		t.Errorf("position = %+v", p)
	}
}

func TestMonthRetroactiveOrdersBasis(t *testing.T) {
	plan := with(issuePlan(), func(p *Plan) {
		p.TierMode, p.TierBasis = ModeRetroactive, BasisOrders
		p.Tiers[1].From = 3
		p.Milestones = []Milestone{{Threshold: 3, Bonus: 1000}}
	})
	m, err := NewMonth(plan, usd())
	if err != nil {
		t.Fatal(err)
	}
	var results []Result
	for _, net := range []int64{10000, 0, 20000, 30000, 10000} {
		r, err := m.Add(Order{Lines: []Line{{SKU: "A", Quantity: 1, Net: net}}})
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	// The zero-net order does not count: orders 10000, 20000, 30000 are
	// numbers 1, 2, 3, and the third reaches tier 2 and the milestone.
	if results[3].TierAfter != 2 || results[3].Commission != 4500 || results[3].TrueUp != 1500 || results[3].Bonus != 1000 {
		t.Errorf("third counted order: %+v", results[3])
	}
	if results[2].TierAfter != 1 || results[2].Commission != 2000 {
		t.Errorf("second counted order: %+v", results[2])
	}
	if results[4].TrueUp != 0 || results[4].Bonus != 0 || results[4].Commission != 1500 {
		t.Errorf("fourth counted order: %+v", results[4])
	}
	if m.Total() != 1000+2000+4500+1500+1000+1500 {
		t.Errorf("month total = %d", m.Total())
	}
}

func TestPriceErrors(t *testing.T) {
	bad := issuePlan()
	bad.Tiers = nil
	if _, err := Price(bad, usd(), Position{}, Order{}); !errors.Is(err, ErrInvalidPlan) {
		t.Errorf("invalid plan: %v", err)
	}
	if _, err := Price(issuePlan(), Settings{Currency: "XXX"}, Position{}, Order{}); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("unknown currency: %v", err)
	}
	inputs := []struct {
		name string
		s    Settings
		pos  Position
		o    Order
	}{
		{"negative net", usd(), Position{}, Order{Lines: []Line{{Quantity: 1, Net: -1}}}},
		{"zero quantity", usd(), Position{}, Order{Lines: []Line{{Quantity: 0, Net: 1}}}},
		{"negative cost", usd(), Position{}, Order{Lines: []Line{{Quantity: 1, Net: 1, UnitCost: p64(-1)}}}},
		{"cost overflow", usd(), Position{}, Order{Lines: []Line{{Quantity: 4, Net: 1, UnitCost: p64(1 << 62)}}}},
		{"net overflow", usd(), Position{}, Order{Lines: []Line{{Quantity: 1, Net: 1 << 62}, {Quantity: 1, Net: 1 << 62}}}},
		{"position overflow", usd(), Position{Revenue: 1 << 62}, Order{Lines: []Line{{Quantity: 1, Net: 1 << 62}}}},
		{"negative position", usd(), Position{Orders: -1}, Order{}},
		{"default margin above 100%", Settings{Currency: "USD", DefaultMarginBps: p64(10001)}, Position{}, Order{}},
	}
	for _, in := range inputs {
		if _, err := Price(issuePlan(), in.s, in.pos, in.o); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: error %v, want ErrInvalidInput", in.name, err)
		}
	}
}

func TestPlanValidate(t *testing.T) {
	tests := []struct {
		name   string
		plan   Plan
		fields []string
	}{
		{"the issue's plan is valid", issuePlan(), nil},
		{"a full plan is valid", with(issuePlan(), func(p *Plan) {
			p.Overrides = []Override{{SKU: "A", RateBps: 0}, {Category: "c", RateBps: 10000}}
			p.MarginFloorBps = p64(2000)
			p.PerOrderBonus = 100
			p.Milestones = []Milestone{{Threshold: 500000, Bonus: 10000}, {Threshold: 900000, Bonus: 1}}
			p.NewCustomersOnly = true
		}), nil},
		{"basis and mode", with(issuePlan(), func(p *Plan) { p.TierBasis = "profit"; p.TierMode = "" }), []string{"tier_basis", "tier_mode"}},
		{"no tiers", with(issuePlan(), func(p *Plan) { p.Tiers = nil }), []string{"tiers"}},
		{"first tier not from 0", with(issuePlan(), func(p *Plan) { p.Tiers = []Tier{{From: 5, RateBps: 10}} }), []string{"tiers[0].from"}},
		{"tiers not ascending", with(issuePlan(), func(p *Plan) {
			p.Tiers = []Tier{{0, 1000}, {100000, 1500}, {100000, 2000}, {50000, 2500}}
		}), []string{"tiers[2].from", "tiers[3].from"}},
		{"rates out of range", with(issuePlan(), func(p *Plan) {
			p.Tiers = []Tier{{0, -1}, {100, 10001}}
		}), []string{"tiers[0].rate_bps", "tiers[1].rate_bps"}},
		{"retroactive rates cannot go down", with(issuePlan(), func(p *Plan) {
			p.TierMode = ModeRetroactive
			p.Tiers = []Tier{{0, 1500}, {100, 1000}}
		}), []string{"tiers[1].rate_bps"}},
		{"marginal rates may go down", with(issuePlan(), func(p *Plan) { p.Tiers = []Tier{{0, 1500}, {100, 1000}} }), nil},
		{"orders basis: a second tier from 1 is dead", with(issuePlan(), func(p *Plan) {
			p.TierBasis = BasisOrders
			p.Tiers = []Tier{{0, 1000}, {1, 1500}}
		}), []string{"tiers[1].from"}},
		{"overrides", with(issuePlan(), func(p *Plan) {
			p.Overrides = []Override{
				{SKU: "A", RateBps: 100}, {SKU: "A", RateBps: 200}, {Category: "Skin", RateBps: 1},
				{Category: "skin", RateBps: 1}, {RateBps: 1}, {SKU: "B", Category: "x", RateBps: 1}, {SKU: "C", RateBps: 10001},
			}
		}), []string{"overrides[1].sku", "overrides[3].category", "overrides[4].sku", "overrides[5].category", "overrides[6].rate_bps"}},
		{"cap required", with(issuePlan(), func(p *Plan) { p.MarginCapBps = 0 }), []string{"margin_cap_bps"}},
		{"cap above 100%", with(issuePlan(), func(p *Plan) { p.MarginCapBps = 10001 }), []string{"margin_cap_bps"}},
		{"floor out of range", with(issuePlan(), func(p *Plan) { p.MarginFloorBps = p64(-1) }), []string{"margin_floor_bps"}},
		{"negative per-order bonus", with(issuePlan(), func(p *Plan) { p.PerOrderBonus = -1 }), []string{"per_order_bonus"}},
		{"milestones", with(issuePlan(), func(p *Plan) {
			p.Milestones = []Milestone{{Threshold: 0, Bonus: 1}, {Threshold: 500, Bonus: 0}, {Threshold: 400, Bonus: 10}}
		}), []string{"milestones[0].threshold", "milestones[1].bonus", "milestones[2].threshold"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.plan.Validate()
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v (%v)", got, tt.fields, errs)
			}
		})
	}
}

func TestRoundHalfAwayFromZero(t *testing.T) {
	tests := []struct{ num, den, want int64 }{
		{25, 10, 3}, {-25, 10, -3}, {24, 10, 2}, {-24, 10, -2}, {26, 10, 3}, {-26, 10, -3},
		{0, 7, 0}, {15000, 10000, 2}, {14999, 10000, 1}, {5000, 10000, 1}, {4999, 10000, 0}, {-5000, 10000, -1},
		{9, 1, 9}, {1, 3, 0}, {2, 3, 1},
	}
	for _, tt := range tests {
		if got := roundHalfAwayFromZero(big.NewInt(tt.num), tt.den); got != tt.want {
			t.Errorf("round(%d/%d) = %d, want %d", tt.num, tt.den, got, tt.want)
		}
	}
}

func TestFormatBps(t *testing.T) {
	for bps, want := range map[int64]string{0: "0%", 1: "0.01%", 1000: "10%", 1250: "12.5%", 10000: "100%", 333: "3.33%"} {
		if got := formatBps(bps); got != want {
			t.Errorf("formatBps(%d) = %q, want %q", bps, got, want)
		}
	}
}
