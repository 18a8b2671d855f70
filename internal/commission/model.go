// Package commission turns attributed orders into commission: tiered plans,
// rate overrides, margin rules, bonuses, retroactive true-ups and refund
// reversals. model.go and calc.go are the pure calculator: no database, no
// clock, no float. Amounts are int64 minor units of one currency, rates are
// integer basis points (10000 = 100%), and every exact intermediate value is
// an integer count of 1/10000 of a minor unit, rounded once per line by
// roundHalfAwayFromZero.
//
// The rules, so that a brand can predict every number:
//
//   - Base: each line's net (after all its discounts, without shipping or
//     tax). An order's net is the sum of its lines' nets.
//   - Position: the creator's month-to-date before the order: net revenue,
//     order count, and the milestones already paid. Only commissionable
//     orders count (see NewCustomersOnly), and an order counts towards the
//     order count only when its net is above zero.
//   - Tiers: Tier.From is a month-to-date threshold, in minor units of net
//     revenue (tier basis "revenue") or in orders (basis "orders"). A
//     position x is in the tier with the largest From ≤ x.
//   - Marginal, revenue basis: the order's lines occupy the revenue range
//     [position, position + net) one after another in their order; each part
//     of a line is paid at the rate of the tier it falls in, so one line can
//     be split across tiers exactly.
//   - Marginal, orders basis: the order counts as number n+1 (n = orders
//     before it) and all its lines are paid at the tier of n+1.
//   - Retroactive: every line of the order is paid at the tier reached after
//     it (revenue before + the order's net, or n+1 orders). When that tier is
//     higher than the one the month's earlier orders were paid at, Month.Add
//     returns true-ups that bring each of their tier-rated lines to the new
//     rate (margin rules still apply, so a capped line may gain nothing).
//     Retroactive tier rates may not decrease, so a true-up is never negative.
//   - Rate precedence per line: a sku override, then a category override
//     (category compared case-insensitively), then the tier rate. An
//     override applies to the whole line, and the line's revenue still
//     counts towards the position.
//   - Margin rules per line: gross margin = net − unit cost × quantity. With
//     no unit cost, the brand's default margin estimates it as net × default
//     bps / 10000, rounded to the minor unit (an estimated cost); with neither,
//     the margin rules do not apply to that line. Commission ≤ cap_bps of the
//     margin, never below zero (a line sold at a loss earns nothing); with a
//     floor, also ≤ margin − floor_bps of the net, so the brand keeps that
//     share of revenue.
//   - Rounding: the line's commission min(rate part, cap, floor) is computed
//     exactly and rounded half away from zero to the minor unit once.
//   - Bonuses: per_order_bonus on every commissionable order with a net above
//     zero; a milestone pays its bonus once in the month, on the first such
//     order after which the month-to-date (in the tier basis: revenue or
//     orders) is at or above its threshold.
//   - new_customers_only: an order from a returning customer earns nothing
//     (its lines are listed at zero), pays no bonus, and does not move the
//     position.
//   - Refunds: Reverse takes back commission in proportion to the net
//     refunded, rounded on the cumulative refunded amount, so a line refunded
//     in full (in one or many parts) gives back exactly its commission.
package commission

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cloutapp/clout/internal/validate"
)

// Errors returned by the calculator.
var (
	// ErrInvalidPlan wraps the validate.Errors of a plan that fails Validate.
	ErrInvalidPlan = errors.New("invalid commission plan")
	// ErrInvalidInput is returned for settings, positions, orders or refunds
	// that cannot be priced (negative amounts, amounts too large to add up).
	ErrInvalidInput = errors.New("invalid commission input")
)

// MaxBps is 100% in basis points.
const MaxBps = 10000

// TierBasis says what a tier threshold counts.
type TierBasis string

// Tier bases.
const (
	BasisRevenue TierBasis = "revenue" // month-to-date net revenue, minor units
	BasisOrders  TierBasis = "orders"  // month-to-date order count
)

// TierMode says how tier rates apply.
type TierMode string

// Tier modes.
const (
	ModeMarginal    TierMode = "marginal"
	ModeRetroactive TierMode = "retroactive"
)

// Tier is one band: from a month-to-date threshold on, at a rate.
type Tier struct {
	From    int64 `json:"from"`
	RateBps int64 `json:"rate_bps"`
}

// Override fixes the rate of every line with a sku or (exclusive) a category.
type Override struct {
	SKU      string `json:"sku,omitempty"`
	Category string `json:"category,omitempty"`
	RateBps  int64  `json:"rate_bps"`
}

// Milestone pays Bonus once a month when the month-to-date reaches Threshold.
type Milestone struct {
	Threshold int64 `json:"threshold"`
	Bonus     int64 `json:"bonus"`
}

// Plan is the rules of one plan version (the name, id and version live with
// the stored plan).
type Plan struct {
	TierBasis TierBasis  `json:"tier_basis"`
	TierMode  TierMode   `json:"tier_mode"`
	Tiers     []Tier     `json:"tiers"`
	Overrides []Override `json:"overrides,omitempty"`
	// MarginCapBps is required, 1..10000: 0 would make every line with a
	// known margin earn nothing, and is what an omitted JSON field decodes
	// to, so it is refused. 10000 means "never more than the margin".
	MarginCapBps     int64       `json:"margin_cap_bps"`
	MarginFloorBps   *int64      `json:"margin_floor_bps,omitempty"`
	PerOrderBonus    int64       `json:"per_order_bonus,omitempty"`
	Milestones       []Milestone `json:"milestones,omitempty"`
	NewCustomersOnly bool        `json:"new_customers_only,omitempty"`
}

// Limits of a plan, to keep the editor and the calculator sane.
const (
	maxTiers      = 50
	maxOverrides  = 1000
	maxMilestones = 50
)

// Validate checks the plan and names each problem's field as the API spells
// it, e.g. "tiers[1].from". It returns nil for a valid plan.
func (p Plan) Validate() validate.Errors {
	var errs validate.Errors
	switch p.TierBasis {
	case BasisRevenue, BasisOrders:
	default:
		errs.Add("tier_basis", "must be %q or %q", BasisRevenue, BasisOrders)
	}
	switch p.TierMode {
	case ModeMarginal, ModeRetroactive:
	default:
		errs.Add("tier_mode", "must be %q or %q", ModeMarginal, ModeRetroactive)
	}

	switch {
	case len(p.Tiers) == 0:
		errs.Add("tiers", "at least one tier is required (from 0)")
	case len(p.Tiers) > maxTiers:
		errs.Add("tiers", "at most %d tiers", maxTiers)
	}
	for i, t := range p.Tiers {
		f := fmt.Sprintf("tiers[%d]", i)
		switch {
		case i == 0 && t.From != 0:
			errs.Add(f+".from", "the first tier must start from 0")
		case i > 0 && t.From <= p.Tiers[i-1].From:
			errs.Add(f+".from", "must be greater than the previous tier's from (%d): tiers go in ascending order", p.Tiers[i-1].From)
		case i > 0 && p.TierBasis == BasisOrders && t.From < 2:
			errs.Add(f+".from", "with the orders basis the first order already counts as 1, so a later tier starts from 2 or more")
		}
		if t.RateBps < 0 || t.RateBps > MaxBps {
			errs.Add(f+".rate_bps", "must be between 0 and %d basis points", MaxBps)
		} else if i > 0 && p.TierMode == ModeRetroactive && t.RateBps < p.Tiers[i-1].RateBps {
			errs.Add(f+".rate_bps", "a retroactive plan cannot lower the rate in a higher tier (previous tier: %d)", p.Tiers[i-1].RateBps)
		}
	}

	if len(p.Overrides) > maxOverrides {
		errs.Add("overrides", "at most %d overrides", maxOverrides)
	}
	skus, cats := map[string]int{}, map[string]int{}
	for i, o := range p.Overrides {
		f := fmt.Sprintf("overrides[%d]", i)
		sku, cat := strings.TrimSpace(o.SKU), strings.TrimSpace(o.Category)
		switch {
		case sku == "" && cat == "":
			errs.Add(f+".sku", "give a sku or a category")
		case sku != "" && cat != "":
			errs.Add(f+".category", "give a sku or a category, not both")
		case sku != "":
			if j, dup := skus[sku]; dup {
				errs.Add(f+".sku", "sku %q already has an override (overrides[%d])", sku, j)
			} else {
				skus[sku] = i
			}
		default:
			key := strings.ToLower(cat)
			if j, dup := cats[key]; dup {
				errs.Add(f+".category", "category %q already has an override (overrides[%d])", cat, j)
			} else {
				cats[key] = i
			}
		}
		if o.RateBps < 0 || o.RateBps > MaxBps {
			errs.Add(f+".rate_bps", "must be between 0 and %d basis points", MaxBps)
		}
	}

	if p.MarginCapBps < 1 || p.MarginCapBps > MaxBps {
		errs.Add("margin_cap_bps", "must be between 1 and %d basis points (%d: commission never above the margin)", MaxBps, MaxBps)
	}
	if p.MarginFloorBps != nil && (*p.MarginFloorBps < 0 || *p.MarginFloorBps > MaxBps) {
		errs.Add("margin_floor_bps", "must be between 0 and %d basis points", MaxBps)
	}
	if p.PerOrderBonus < 0 {
		errs.Add("per_order_bonus", "cannot be negative")
	}

	if len(p.Milestones) > maxMilestones {
		errs.Add("milestones", "at most %d milestones", maxMilestones)
	}
	for i, m := range p.Milestones {
		f := fmt.Sprintf("milestones[%d]", i)
		switch {
		case m.Threshold <= 0:
			errs.Add(f+".threshold", "must be above 0")
		case i > 0 && m.Threshold <= p.Milestones[i-1].Threshold:
			errs.Add(f+".threshold", "must be greater than the previous milestone's (%d): milestones go in ascending order", p.Milestones[i-1].Threshold)
		}
		if m.Bonus <= 0 {
			errs.Add(f+".bonus", "must be above 0")
		}
	}
	return errs
}

// Settings are the brand's inputs to a calculation.
type Settings struct {
	// Currency is the ISO 4217 code of every amount; it gives the exponent
	// used in explanations.
	Currency string
	// DefaultMarginBps, when set, estimates the margin of a line whose unit
	// cost is unknown.
	DefaultMarginBps *int64
}

// Line is one order line to price.
type Line struct {
	Title     string // shown in explanations; else the sku, else the product id
	SKU       string
	ProductID string
	Category  string // from the catalog, for category overrides
	Quantity  int64
	Net       int64  // after all discounts, without shipping or tax; ≥ 0
	UnitCost  *int64 // nil when unknown
}

// Order is an attributed order to price.
type Order struct {
	Lines         []Line
	IsNewCustomer bool
}

// Net is the sum of the lines' nets (the caller checks it fits: Price does).
func (o Order) Net() int64 {
	var n int64
	for _, l := range o.Lines {
		n += l.Net
	}
	return n
}

// Position is a creator's month-to-date before an order.
type Position struct {
	Revenue        int64   // commissionable net revenue, minor units
	Orders         int64   // commissionable orders with a net above zero
	PaidMilestones []int64 // thresholds of the milestones already paid
}

func (p Position) paid(threshold int64) bool {
	for _, t := range p.PaidMilestones {
		if t == threshold {
			return true
		}
	}
	return false
}

// RateSource says where a line's rate came from.
type RateSource string

// Rate sources.
const (
	RateTier     RateSource = "tier"
	RateSKU      RateSource = "sku"
	RateCategory RateSource = "category"
	RateNone     RateSource = "" // the order earns nothing (Result.Excluded)
)

// MarginSource says how a line's gross margin was known.
type MarginSource string

// Margin sources.
const (
	MarginCost    MarginSource = "cost"    // net − unit cost × quantity
	MarginDefault MarginSource = "default" // the brand's default margin
	MarginUnknown MarginSource = ""        // margin rules not applied
)

// Part is a share of a line's net paid at one rate.
type Part struct {
	Net     int64
	RateBps int64
	Tier    int // 1-based tier number; 0 for an override
}

// LineResult is the commission of one line, with every figure behind it.
type LineResult struct {
	Label      string // "Serum ×2"
	Base       int64  // the line's net
	Parts      []Part // one part, or one per tier a marginal line crosses
	RateSource RateSource
	// RateBps is the effective rate, for display: the rate of a single part,
	// or the parts' weighted rate rounded to a basis point.
	RateBps      int64
	Raw          int64 // Σ part net × rate, rounded (display)
	MarginSource MarginSource
	Margin       int64  // gross margin; 0 when MarginSource is unknown
	Cap          *int64 // cap_bps × max(margin, 0), rounded; nil without a margin
	Floor        *int64 // max(margin − floor_bps × net, 0), rounded; nil without floor or margin
	Commission   int64  // min(raw, cap, floor) computed exactly, then rounded once
	Explanation  string
}

// BonusKind names a bonus.
type BonusKind string

// Bonus kinds.
const (
	BonusPerOrder  BonusKind = "per_order"
	BonusMilestone BonusKind = "milestone"
)

// Bonus is one bonus earned by an order.
type Bonus struct {
	Kind        BonusKind
	Threshold   int64 // the milestone's threshold; 0 for the per-order bonus
	Amount      int64
	Explanation string
}

// TrueUp raises one line of an earlier order of the month to a higher
// retroactive tier.
type TrueUp struct {
	Order       int // index of the earlier order in the Month (0-based)
	Line        int // index of the line in that order
	FromTier    int
	ToTier      int
	Before      int64 // the line's commission so far
	After       int64 // the line's commission at the new tier
	Amount      int64 // After − Before (> 0)
	Explanation string
}

// Result is the pricing of one order.
type Result struct {
	Currency   string
	Lines      []LineResult
	Bonuses    []Bonus
	TrueUps    []TrueUp // only from Month.Add, retroactive plans
	Commission int64    // Σ Lines[i].Commission
	Bonus      int64    // Σ Bonuses[i].Amount
	TrueUp     int64    // Σ TrueUps[i].Amount
	Total      int64    // Commission + Bonus + TrueUp
	// TierBefore and TierAfter are the tiers reached before and after the
	// order (1-based); a retroactive plan crossed a threshold when they differ.
	TierBefore, TierAfter int
	Excluded              string // why the order earns nothing, if it does not
	Position              Position
	NewPosition           Position
}
