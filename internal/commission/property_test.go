package commission

import (
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

var (
	genSKUs       = []string{"SERUM", "MASK", "TONER", "GIFT"}
	genCategories = []string{"skincare", "hair", ""}
)

// genPlan draws a valid plan.
func genPlan(t *rapid.T) Plan {
	p := Plan{
		TierBasis:    rapid.SampledFrom([]TierBasis{BasisRevenue, BasisOrders}).Draw(t, "basis"),
		TierMode:     rapid.SampledFrom([]TierMode{ModeMarginal, ModeRetroactive}).Draw(t, "mode"),
		MarginCapBps: rapid.Int64Range(1, MaxBps).Draw(t, "cap"),
	}
	from, rate := int64(0), int64(0)
	for i := range rapid.IntRange(1, 4).Draw(t, "tiers") {
		if i > 0 {
			if p.TierBasis == BasisOrders {
				from = max(from+1, 2) + rapid.Int64Range(0, 3).Draw(t, "step")
			} else {
				from += rapid.Int64Range(1, 100000).Draw(t, "step")
			}
		}
		if p.TierMode == ModeRetroactive {
			rate = rapid.Int64Range(rate, MaxBps).Draw(t, "rate")
		} else {
			rate = rapid.Int64Range(0, MaxBps).Draw(t, "rate")
		}
		p.Tiers = append(p.Tiers, Tier{From: from, RateBps: rate})
	}
	for _, sku := range genSKUs {
		if rapid.IntRange(0, 3).Draw(t, "sku override") == 0 {
			p.Overrides = append(p.Overrides, Override{SKU: sku, RateBps: rapid.Int64Range(0, MaxBps).Draw(t, "override rate")})
		}
	}
	for _, cat := range genCategories[:2] {
		if rapid.IntRange(0, 3).Draw(t, "category override") == 0 {
			p.Overrides = append(p.Overrides, Override{Category: cat, RateBps: rapid.Int64Range(0, MaxBps).Draw(t, "override rate")})
		}
	}
	if rapid.Bool().Draw(t, "floor") {
		p.MarginFloorBps = p64(rapid.Int64Range(0, MaxBps).Draw(t, "floor bps"))
	}
	p.PerOrderBonus = rapid.SampledFrom([]int64{0, 0, 100, 250}).Draw(t, "per-order bonus")
	var threshold int64
	for range rapid.IntRange(0, 2).Draw(t, "milestones") {
		threshold += rapid.Int64Range(1, 200000).Draw(t, "milestone step")
		p.Milestones = append(p.Milestones, Milestone{Threshold: threshold, Bonus: rapid.Int64Range(1, 10000).Draw(t, "bonus")})
	}
	p.NewCustomersOnly = rapid.IntRange(0, 3).Draw(t, "new only") == 0
	if errs := p.Validate(); errs != nil {
		t.Fatalf("generated an invalid plan: %v", errs)
	}
	return p
}

func genSettings(t *rapid.T) Settings {
	s := Settings{Currency: rapid.SampledFrom([]string{"USD", "JPY", "KWD"}).Draw(t, "currency")}
	if rapid.Bool().Draw(t, "default margin") {
		s.DefaultMarginBps = p64(rapid.Int64Range(0, MaxBps).Draw(t, "default margin bps"))
	}
	return s
}

func genLine(t *rapid.T) Line {
	l := Line{
		SKU:      rapid.SampledFrom(genSKUs).Draw(t, "sku"),
		Category: rapid.SampledFrom(genCategories).Draw(t, "category"),
		Quantity: rapid.Int64Range(1, 5).Draw(t, "quantity"),
		Net:      rapid.Int64Range(0, 200000).Draw(t, "net"),
	}
	if rapid.IntRange(0, 2).Draw(t, "cost known") > 0 {
		// Costs around the unit price, so margins are positive, zero and negative.
		l.UnitCost = p64(rapid.Int64Range(0, 2*l.Net/l.Quantity+1).Draw(t, "unit cost"))
	}
	return l
}

func genOrder(t *rapid.T) Order {
	o := Order{IsNewCustomer: rapid.Bool().Draw(t, "new customer")}
	for range rapid.IntRange(1, 4).Draw(t, "lines") {
		o.Lines = append(o.Lines, genLine(t))
	}
	return o
}

func genPosition(t *rapid.T) Position {
	return Position{Revenue: rapid.Int64Range(0, 500000).Draw(t, "revenue"), Orders: rapid.Int64Range(0, 20).Draw(t, "orders")}
}

// exactRound is the reference rounding, through big.Rat: half away from zero.
func exactRound(r *big.Rat) int64 {
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	twice := new(big.Int).Mul(num, big.NewInt(2))
	if num.Sign() >= 0 {
		twice.Add(twice, den)
	} else {
		twice.Sub(twice, den)
	}
	// (2n ± d) / 2d truncated towards zero.
	return new(big.Int).Quo(twice, new(big.Int).Mul(den, big.NewInt(2))).Int64()
}

func rat(a, b int64) *big.Rat { return big.NewRat(a, b) }

func maxRate(p Plan) int64 {
	var m int64
	for _, t := range p.Tiers {
		m = max(m, t.RateBps)
	}
	for _, o := range p.Overrides {
		m = max(m, o.RateBps)
	}
	return m
}

// TestPropertyLineBounds: a line's commission is never negative, never above
// the cap share of its margin (nothing on a loss), never above its net at the
// plan's highest rate; the totals add up; reversing every line in full gives
// back exactly the commission.
func TestPropertyLineBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		plan, s, pos, o := genPlan(t), genSettings(t), genPosition(t), genOrder(t)
		res, err := Price(plan, s, pos, o)
		if err != nil {
			t.Fatal(err)
		}
		var sum, reversed int64
		for i, lr := range res.Lines {
			l := o.Lines[i]
			if lr.Commission < 0 {
				t.Fatalf("line %d: negative commission %d", i, lr.Commission)
			}
			if bound := exactRound(rat(l.Net*maxRate(plan), MaxBps)); lr.Commission > bound {
				t.Fatalf("line %d: %d above net × max rate %d", i, lr.Commission, bound)
			}
			var margin *big.Rat
			switch {
			case l.UnitCost != nil:
				margin = rat(l.Net-*l.UnitCost*l.Quantity, 1)
			case s.DefaultMarginBps != nil:
				margin = rat(exactRound(rat(l.Net**s.DefaultMarginBps, MaxBps)), 1)
			}
			if margin != nil {
				if margin.Sign() <= 0 && lr.Commission != 0 {
					t.Fatalf("line %d: margin %v but commission %d", i, margin, lr.Commission)
				}
				capAmount := new(big.Rat).Mul(margin, rat(plan.MarginCapBps, MaxBps))
				if lr.Commission > max(exactRound(capAmount), 0) {
					t.Fatalf("line %d: %d above the cap %v", i, lr.Commission, capAmount.RatString())
				}
				if plan.MarginFloorBps != nil {
					floor := new(big.Rat).Sub(margin, rat(l.Net**plan.MarginFloorBps, MaxBps))
					if lr.Commission > max(exactRound(floor), 0) {
						t.Fatalf("line %d: %d above the floor limit %v", i, lr.Commission, floor.RatString())
					}
				}
			}
			if res.Excluded != "" && lr.Commission != 0 {
				t.Fatalf("excluded order pays %d on line %d", lr.Commission, i)
			}
			sum += lr.Commission
			r, err := lr.Reverse(0, lr.Base)
			if err != nil {
				t.Fatal(err)
			}
			reversed += r
		}
		if sum != res.Commission || res.Total != res.Commission+res.Bonus {
			t.Fatalf("lines %d, commission %d, bonus %d, total %d", sum, res.Commission, res.Bonus, res.Total)
		}
		if reversed != res.Commission {
			t.Fatalf("reversing every line gives back %d, commission %d", reversed, res.Commission)
		}
	})
}

// TestPropertyReversalParts: refunds of a line in any parts add up to exactly
// its commission when the whole net is refunded, and each part is ≥ 0.
func TestPropertyReversalParts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		net := rapid.Int64Range(0, 1_000_000).Draw(t, "net")
		commission := rapid.Int64Range(0, net).Draw(t, "commission")
		var done, back int64
		for done < net {
			part := rapid.Int64Range(1, net-done).Draw(t, "part")
			r, err := Reverse(commission, net, done, part)
			if err != nil {
				t.Fatal(err)
			}
			if r < 0 {
				t.Fatalf("negative reversal %d", r)
			}
			done, back = done+part, back+r
		}
		if back != commission {
			t.Fatalf("reversed %d of %d", back, commission)
		}
	})
}

// TestPropertyMarginalSplitIndependent: under a marginal revenue plan, an
// order's line commissions depend only on the month-to-date revenue, not on
// how the month's earlier revenue was split into orders.
func TestPropertyMarginalSplitIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		plan := genPlan(t)
		plan.TierBasis, plan.TierMode, plan.NewCustomersOnly = BasisRevenue, ModeMarginal, false
		s := genSettings(t)
		target := genOrder(t)
		split := func(label string) (*Month, int64) {
			m, err := NewMonth(plan, s)
			if err != nil {
				t.Fatal(err)
			}
			var revenue int64
			for _, o := range rapid.SliceOfN(rapid.Int64Range(0, 150000), 0, 6).Draw(t, label) {
				if _, err := m.Add(Order{Lines: []Line{{SKU: "X", Quantity: 1, Net: o}}}); err != nil {
					t.Fatal(err)
				}
				revenue += o
			}
			return m, revenue
		}
		a, ra := split("earlier orders A")
		// B has the same revenue as A, in other orders.
		b, err := NewMonth(plan, s)
		if err != nil {
			t.Fatal(err)
		}
		for left := ra; left > 0; {
			part := rapid.Int64Range(1, left).Draw(t, "earlier order B")
			if _, err := b.Add(Order{Lines: []Line{{SKU: "Y", Quantity: 1, Net: part}}}); err != nil {
				t.Fatal(err)
			}
			left -= part
		}
		ga, err := a.Add(target)
		if err != nil {
			t.Fatal(err)
		}
		gb, err := b.Add(target)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Price(plan, s, Position{Revenue: ra}, target)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want.Lines {
			if ga.Lines[i].Commission != want.Lines[i].Commission || gb.Lines[i].Commission != want.Lines[i].Commission {
				t.Fatalf("line %d: %d and %d after different splits, %d priced at the position", i,
					ga.Lines[i].Commission, gb.Lines[i].Commission, want.Lines[i].Commission)
			}
		}
		if ga.Commission != want.Commission || gb.Commission != want.Commission {
			t.Fatalf("commission %d / %d, want %d", ga.Commission, gb.Commission, want.Commission)
		}
	})
}

// TestPropertyMonthIsFresh: what a Month pays, sale by sale with its
// true-ups, equals a fresh computation of the final month: each line at the
// rate it ends at (a retroactive month ends with every tier-rated line at
// the final tier), and the bonuses once each.
func TestPropertyMonthIsFresh(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		plan, s := genPlan(t), genSettings(t)
		m, err := NewMonth(plan, s)
		if err != nil {
			t.Fatal(err)
		}
		var orders []Order
		var paid, bonuses, trueUps int64
		for range rapid.IntRange(1, 8).Draw(t, "orders") {
			o := genOrder(t)
			res, err := m.Add(o)
			if err != nil {
				t.Fatal(err)
			}
			if res.TrueUp < 0 || res.Total != res.Commission+res.Bonus+res.TrueUp {
				t.Fatalf("result does not add up: %+v", res)
			}
			orders = append(orders, o)
			paid += res.Total
			bonuses += res.Bonus
			trueUps += res.TrueUp
		}
		if paid != m.Total() {
			t.Fatalf("month total %d, sum of results %d", m.Total(), paid)
		}
		if plan.TierMode == ModeMarginal && trueUps != 0 {
			t.Fatalf("a marginal plan trued up %d", trueUps)
		}
		var lines int64
		for i := range orders {
			for _, l := range m.Lines(i) {
				lines += l.Commission
			}
		}
		if lines+bonuses != paid {
			t.Fatalf("lines now %d + bonuses %d ≠ paid %d", lines, bonuses, paid)
		}
		if plan.TierMode != ModeRetroactive {
			return
		}
		// Fresh: every order priced under a one-tier plan at the final rate.
		final := m.c.tierAt(map[TierBasis]int64{BasisRevenue: m.Position().Revenue, BasisOrders: m.Position().Orders}[plan.TierBasis])
		flat := plan
		flat.Tiers = []Tier{{From: 0, RateBps: plan.Tiers[final].RateBps}}
		flat.Milestones, flat.PerOrderBonus = nil, 0
		var fresh int64
		for _, o := range orders {
			r, err := Price(flat, s, Position{}, o)
			if err != nil {
				t.Fatal(err)
			}
			fresh += r.Commission
		}
		if fresh != lines {
			t.Fatalf("fresh computation %d, month paid %d on lines", fresh, lines)
		}
	})
}

// TestPropertyRounding: the one rounding matches the exact reference.
func TestPropertyRounding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		num := rapid.Int64Range(-1<<40, 1<<40).Draw(t, "num")
		den := rapid.Int64Range(1, 1<<20).Draw(t, "den")
		if got, want := roundHalfAwayFromZero(big.NewInt(num), den), exactRound(rat(num, den)); got != want {
			t.Fatalf("round(%d/%d) = %d, want %d", num, den, got, want)
		}
	})
}
