package commission

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strings"

	"github.com/cloutapp/clout/internal/money"
)

// roundHalfAwayFromZero is the one rounding in the package: it divides num by
// den (den > 0) and rounds the quotient to the nearest integer, halves away
// from zero (2.5 → 3, −2.5 → −3, 2.4999 → 2). Every caller divides a value
// bounded by an int64 amount, so the result always fits; it panics otherwise.
func roundHalfAwayFromZero(num *big.Int, den int64) int64 {
	if den <= 0 {
		panic("commission: rounding by a non-positive denominator")
	}
	d := big.NewInt(den)
	q, r := new(big.Int).QuoRem(num, d, new(big.Int)) // q truncated towards zero
	r.Abs(r)
	if r.Lsh(r, 1).Cmp(d) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		panic("commission: rounded amount out of int64 range")
	}
	return q.Int64()
}

// mul is a × b exactly.
func mul(a, b int64) *big.Int {
	return new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
}

func minInt(a, b *big.Int) *big.Int {
	if b.Cmp(a) < 0 {
		return b
	}
	return a
}

func clampZero(x *big.Int) *big.Int {
	if x.Sign() < 0 {
		return new(big.Int)
	}
	return x
}

// addChecked adds two non-negative int64 values, reporting overflow.
func addChecked(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// mulChecked multiplies two non-negative int64 values, reporting overflow.
func mulChecked(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// calc is a validated plan with the brand's settings.
type calc struct {
	plan      Plan
	currency  string
	exp       int
	defMargin *int64
	skuRate   map[string]int64
	catRate   map[string]int64
}

func newCalc(plan Plan, s Settings) (*calc, error) {
	if errs := plan.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPlan, errs)
	}
	cur, err := money.LookupCurrency(s.Currency)
	if err != nil {
		return nil, err
	}
	if d := s.DefaultMarginBps; d != nil && (*d < 0 || *d > MaxBps) {
		return nil, fmt.Errorf("%w: default margin %d bps is not between 0 and %d", ErrInvalidInput, *d, MaxBps)
	}
	c := &calc{plan: plan, currency: cur.Code, exp: cur.Exponent, skuRate: map[string]int64{}, catRate: map[string]int64{}}
	if s.DefaultMarginBps != nil {
		d := *s.DefaultMarginBps
		c.defMargin = &d
	}
	for _, o := range plan.Overrides {
		if sku := strings.TrimSpace(o.SKU); sku != "" {
			c.skuRate[sku] = o.RateBps
		} else {
			c.catRate[strings.ToLower(strings.TrimSpace(o.Category))] = o.RateBps
		}
	}
	return c, nil
}

// tierAt is the 0-based index of the tier with the largest From ≤ x.
func (c *calc) tierAt(x int64) int {
	i := 0
	for j, t := range c.plan.Tiers {
		if t.From <= x {
			i = j
		}
	}
	return i
}

func (c *calc) money(v int64) string { return money.FormatMinor(v, c.exp) }

// Price prices one order at the creator's month-to-date position. A
// retroactive plan's true-ups for the month's earlier orders need those
// orders: use Month for them (Price reports TierBefore and TierAfter).
func Price(plan Plan, s Settings, pos Position, o Order) (Result, error) {
	c, err := newCalc(plan, s)
	if err != nil {
		return Result{}, err
	}
	return c.price(pos, o)
}

func (c *calc) price(pos Position, o Order) (Result, error) {
	bad := func(format string, args ...any) (Result, error) {
		return Result{}, fmt.Errorf("%w: "+format, append([]any{ErrInvalidInput}, args...)...)
	}
	if pos.Revenue < 0 || pos.Orders < 0 {
		return bad("negative position (revenue %d, orders %d)", pos.Revenue, pos.Orders)
	}
	var net int64
	for i, l := range o.Lines {
		if l.Quantity <= 0 {
			return bad("line %d: quantity %d is not above 0", i+1, l.Quantity)
		}
		if l.Net < 0 {
			return bad("line %d: negative net %d", i+1, l.Net)
		}
		if l.UnitCost != nil {
			if *l.UnitCost < 0 {
				return bad("line %d: negative unit cost %d", i+1, *l.UnitCost)
			}
			if _, ok := mulChecked(*l.UnitCost, l.Quantity); !ok {
				return bad("line %d: unit cost × quantity is too large", i+1)
			}
		}
		var ok bool
		if net, ok = addChecked(net, l.Net); !ok {
			return bad("the order's net is too large")
		}
	}
	if _, ok := addChecked(pos.Revenue, net); !ok {
		return bad("month-to-date revenue is too large")
	}
	if pos.Orders == math.MaxInt64 {
		return bad("month-to-date order count is too large")
	}

	res := Result{Currency: c.currency, Position: copyPosition(pos)}
	if c.plan.NewCustomersOnly && !o.IsNewCustomer {
		res.Excluded = "returning customer: this plan pays on new customers only"
	}
	counts := res.Excluded == "" && net > 0

	// before and after are the month-to-date in the tier basis; an order
	// that does not count leaves it where it was.
	var before, after int64
	if c.plan.TierBasis == BasisOrders {
		before, after = pos.Orders, pos.Orders+1
	} else {
		before, after = pos.Revenue, pos.Revenue+net
	}
	if !counts {
		after = before
	}
	tierBefore, tierAfter := c.tierAt(before), c.tierAt(after)
	res.TierBefore, res.TierAfter = tierBefore+1, tierAfter+1

	at := pos.Revenue // where the next line starts, revenue basis
	for i, l := range o.Lines {
		label := lineLabel(l, i)
		if res.Excluded != "" {
			res.Lines = append(res.Lines, LineResult{Label: label, Base: l.Net, RateSource: RateNone,
				Explanation: label + ": net " + c.money(l.Net) + ", " + res.Excluded + " → " + c.money(0)})
			continue
		}
		var parts []Part
		src := RateTier
		if r, ok := c.skuRate[strings.TrimSpace(l.SKU)]; ok && strings.TrimSpace(l.SKU) != "" {
			src, parts = RateSKU, []Part{{Net: l.Net, RateBps: r}}
		} else if r, ok := c.catRate[strings.ToLower(strings.TrimSpace(l.Category))]; ok && strings.TrimSpace(l.Category) != "" {
			src, parts = RateCategory, []Part{{Net: l.Net, RateBps: r}}
		} else if c.plan.TierMode == ModeMarginal && c.plan.TierBasis == BasisRevenue {
			parts = c.split(at, l.Net)
		} else {
			// Marginal by orders: the order is number n+1; retroactive: the
			// tier reached after the order. Both are tierAfter (for an order
			// that does not count, the tier already reached).
			parts = []Part{{Net: l.Net, RateBps: c.plan.Tiers[tierAfter].RateBps, Tier: tierAfter + 1}}
		}
		at += l.Net
		res.Lines = append(res.Lines, c.priceLine(l, label, src, parts))
		res.Commission += res.Lines[i].Commission
	}

	res.NewPosition = copyPosition(pos)
	if counts {
		res.NewPosition.Revenue = pos.Revenue + net
		res.NewPosition.Orders = pos.Orders + 1
		if b := c.plan.PerOrderBonus; b > 0 {
			res.Bonuses = append(res.Bonuses, Bonus{Kind: BonusPerOrder, Amount: b,
				Explanation: "per-order bonus → " + c.money(b)})
		}
		for _, m := range c.plan.Milestones {
			if after < m.Threshold || pos.paid(m.Threshold) {
				continue
			}
			what := c.money(m.Threshold) + " of net revenue"
			if c.plan.TierBasis == BasisOrders {
				what = fmt.Sprintf("%d orders", m.Threshold)
			}
			res.Bonuses = append(res.Bonuses, Bonus{Kind: BonusMilestone, Threshold: m.Threshold, Amount: m.Bonus,
				Explanation: "milestone: " + what + " this month reached → bonus " + c.money(m.Bonus)})
			res.NewPosition.PaidMilestones = append(res.NewPosition.PaidMilestones, m.Threshold)
		}
	}
	for _, b := range res.Bonuses {
		var ok bool
		if res.Bonus, ok = addChecked(res.Bonus, b.Amount); !ok {
			return bad("bonuses too large")
		}
	}
	var ok bool
	if res.Total, ok = addChecked(res.Commission, res.Bonus); !ok {
		return bad("total too large")
	}
	return res, nil
}

// split cuts the revenue range [at, at+net) at the tier thresholds.
func (c *calc) split(at, net int64) []Part {
	end := at + net
	var parts []Part
	for i, t := range c.plan.Tiers {
		lo, hi := t.From, int64(math.MaxInt64)
		if i+1 < len(c.plan.Tiers) {
			hi = c.plan.Tiers[i+1].From
		}
		a, b := max(at, lo), min(end, hi)
		if b > a {
			parts = append(parts, Part{Net: b - a, RateBps: t.RateBps, Tier: i + 1})
		}
	}
	if len(parts) == 0 { // a zero-net line: show the rate it would have had
		i := c.tierAt(at)
		parts = []Part{{Net: 0, RateBps: c.plan.Tiers[i].RateBps, Tier: i + 1}}
	}
	return parts
}

// priceLine applies the margin rules to the rate parts of one line. All
// exact values are numerators over MaxBps (1/10000 of a minor unit).
func (c *calc) priceLine(l Line, label string, src RateSource, parts []Part) LineResult {
	r := LineResult{Label: label, Base: l.Net, Parts: parts, RateSource: src}
	raw := new(big.Int)
	for _, p := range parts {
		raw.Add(raw, mul(p.Net, p.RateBps))
	}
	r.Raw = roundHalfAwayFromZero(raw, MaxBps)
	if len(parts) == 1 || l.Net == 0 {
		r.RateBps = parts[0].RateBps
	} else {
		r.RateBps = roundHalfAwayFromZero(raw, l.Net)
	}
	limit := raw

	var b strings.Builder
	fmt.Fprintf(&b, "%s: net %s", label, c.money(l.Net))
	if len(parts) == 1 {
		fmt.Fprintf(&b, " × %s (%s)", formatBps(parts[0].RateBps), c.rateName(src, parts[0]))
	} else {
		b.WriteString(":")
		for i, p := range parts {
			if i > 0 {
				b.WriteString(" +")
			}
			fmt.Fprintf(&b, " %s × %s (%s)", c.money(p.Net), formatBps(p.RateBps), c.rateName(src, p))
		}
	}
	fmt.Fprintf(&b, " = %s", c.money(r.Raw))

	switch {
	case l.UnitCost != nil:
		r.MarginSource, r.Margin = MarginCost, l.Net-*l.UnitCost*l.Quantity
	case c.defMargin != nil:
		r.MarginSource, r.Margin = MarginDefault, roundHalfAwayFromZero(mul(l.Net, *c.defMargin), MaxBps)
	}
	if r.MarginSource == MarginUnknown {
		b.WriteString("; unit cost unknown, no margin rules")
	} else {
		marginNote := ""
		if r.MarginSource == MarginDefault {
			marginNote = " (default " + formatBps(*c.defMargin) + " of net)"
		}
		capNum := clampZero(mul(c.plan.MarginCapBps, r.Margin))
		cp := roundHalfAwayFromZero(capNum, MaxBps)
		r.Cap = &cp
		limit = minInt(limit, capNum)
		fmt.Fprintf(&b, "; cap %s of margin %s%s = %s", formatBps(c.plan.MarginCapBps), c.money(r.Margin), marginNote, c.money(cp))
		if f := c.plan.MarginFloorBps; f != nil {
			floorNum := mul(r.Margin, MaxBps)
			floorNum = clampZero(floorNum.Sub(floorNum, mul(*f, l.Net)))
			fl := roundHalfAwayFromZero(floorNum, MaxBps)
			r.Floor = &fl
			limit = minInt(limit, floorNum)
			fmt.Fprintf(&b, "; floor: margin %s − %s of net = %s", c.money(r.Margin), formatBps(*f), c.money(fl))
		}
	}
	r.Commission = roundHalfAwayFromZero(limit, MaxBps)
	fmt.Fprintf(&b, " → %s", c.money(r.Commission))
	r.Explanation = b.String()
	return r
}

func (c *calc) rateName(src RateSource, p Part) string {
	switch src {
	case RateSKU:
		return "sku override"
	case RateCategory:
		return "category override"
	}
	return fmt.Sprintf("tier %d", p.Tier)
}

// lineLabel is "Serum ×2": the title, else the sku, else the product id.
func lineLabel(l Line, i int) string {
	name := strings.TrimSpace(l.Title)
	if name == "" {
		name = strings.TrimSpace(l.SKU)
	}
	if name == "" {
		name = strings.TrimSpace(l.ProductID)
	}
	if name == "" {
		name = fmt.Sprintf("line %d", i+1)
	}
	return fmt.Sprintf("%s ×%d", name, l.Quantity)
}

// formatBps writes basis points as a percentage: 1000 → "10%", 1250 → "12.5%".
func formatBps(bps int64) string {
	s := money.FormatMinor(bps, 2)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + "%"
}

func copyPosition(p Position) Position {
	p.PaidMilestones = append([]int64(nil), p.PaidMilestones...)
	return p
}

// Reverse is the commission to take back when refunded more of a line's net
// is refunded, after alreadyRefunded earlier. The share is proportional to
// the net and rounded half away from zero on the cumulative amount refunded
// (round(commission × (already + refunded) / net) − round(commission ×
// already / net)), so refunds in any number of parts add up to exactly the
// line's commission once the whole net is refunded. commission is what the
// line has earned so far (its sale plus any true-ups).
func Reverse(commission, lineNet, alreadyRefunded, refunded int64) (int64, error) {
	if commission < 0 || lineNet < 0 || alreadyRefunded < 0 || refunded < 0 {
		return 0, fmt.Errorf("%w: negative amount in a reversal", ErrInvalidInput)
	}
	total, ok := addChecked(alreadyRefunded, refunded)
	if !ok || total > lineNet {
		return 0, fmt.Errorf("%w: refunding %d after %d exceeds the line's net %d", ErrInvalidInput, refunded, alreadyRefunded, lineNet)
	}
	if lineNet == 0 {
		return 0, nil
	}
	share := func(x int64) int64 { return roundHalfAwayFromZero(mul(commission, x), lineNet) }
	return share(total) - share(alreadyRefunded), nil
}

// Reverse is Reverse(l.Commission, l.Base, alreadyRefunded, refunded).
func (l LineResult) Reverse(alreadyRefunded, refunded int64) (int64, error) {
	return Reverse(l.Commission, l.Base, alreadyRefunded, refunded)
}

// Month prices a creator's orders of one month in sequence, from a zero
// position, keeping what each line has earned so that a retroactive plan can
// true up the earlier orders when a threshold is crossed. It is also a fresh
// computation of a month (for recomputes and the simulator).
type Month struct {
	c      *calc
	pos    Position
	tier   int // 0-based tier the month's tier-rated lines are paid at (retroactive)
	orders []monthOrder
	total  int64
}

type monthOrder struct {
	lines   []Line
	results []LineResult
}

// NewMonth starts a month under a plan.
func NewMonth(plan Plan, s Settings) (*Month, error) {
	c, err := newCalc(plan, s)
	if err != nil {
		return nil, err
	}
	return &Month{c: c, tier: c.tierAt(0)}, nil
}

// Add prices the next order of the month. With a retroactive plan whose tier
// rises, the result carries true-ups for the earlier orders' tier-rated lines.
func (m *Month) Add(o Order) (Result, error) {
	res, err := m.c.price(m.pos, o)
	if err != nil {
		return Result{}, err
	}
	type update struct {
		order, line int
		r           LineResult
	}
	var updates []update
	if to := res.TierAfter - 1; m.c.plan.TierMode == ModeRetroactive && to > m.tier {
		rate := m.c.plan.Tiers[to].RateBps
		for k, mo := range m.orders {
			for j, old := range mo.results {
				if old.RateSource != RateTier {
					continue
				}
				nr := m.c.priceLine(mo.lines[j], old.Label, RateTier, []Part{{Net: old.Base, RateBps: rate, Tier: to + 1}})
				updates = append(updates, update{k, j, nr})
				if d := nr.Commission - old.Commission; d != 0 {
					res.TrueUps = append(res.TrueUps, TrueUp{Order: k, Line: j, FromTier: old.Parts[0].Tier, ToTier: to + 1,
						Before: old.Commission, After: nr.Commission, Amount: d,
						Explanation: fmt.Sprintf("true-up, order %d, %s; was %s at tier %d: +%s",
							k+1, nr.Explanation, m.c.money(old.Commission), old.Parts[0].Tier, m.c.money(d))})
					res.TrueUp += d // ≤ the month's revenue: no overflow
				}
			}
		}
	}
	var ok bool
	if res.Total, ok = addChecked(res.Total, res.TrueUp); !ok {
		return Result{}, fmt.Errorf("%w: the order's total is too large", ErrInvalidInput)
	}
	total, ok := addChecked(m.total, res.Total)
	if !ok {
		return Result{}, fmt.Errorf("%w: the month's total is too large", ErrInvalidInput)
	}

	m.total = total
	for _, u := range updates {
		m.orders[u.order].results[u.line] = u.r
	}
	if to := res.TierAfter - 1; to > m.tier {
		m.tier = to
	}
	lines := make([]Line, len(o.Lines))
	for i, l := range o.Lines {
		if l.UnitCost != nil {
			uc := *l.UnitCost
			l.UnitCost = &uc
		}
		lines[i] = l
	}
	m.orders = append(m.orders, monthOrder{lines: lines, results: append([]LineResult(nil), res.Lines...)})
	m.pos = res.NewPosition
	return res, nil
}

// Position is the month-to-date after the orders added so far.
func (m *Month) Position() Position { return copyPosition(m.pos) }

// Total is everything the month's orders have earned: lines (after
// true-ups) and bonuses.
func (m *Month) Total() int64 { return m.total }

// Lines is what each line of the i-th order added has earned so far, after
// any true-ups.
func (m *Month) Lines(i int) []LineResult {
	return append([]LineResult(nil), m.orders[i].results...)
}
