package main

import (
	"fmt"
	"sort"

	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/order"
)

// cmKey is a creator's month.
type cmKey struct{ creatorID, month string }

// want is what a creator-month should hold in the ledger: the sum of its
// entries, and how many non-zero components (one entry each after a first
// recompute).
type want struct {
	sum, components int64
}

// expect computes every creator-month afresh from the seed data, with the
// ledger's rules (commission.Ledger's desired): the month's orders in
// placed_at order through a commission.Month under the default plan; each
// order is owed its lines' final commission (sale plus true-up) and bonus,
// less the reversal of its refunds or cancellation.
func (g *generated) expect(w *world) (map[cmKey]want, error) {
	first := map[string]int64{} // customer → the brand's first order (µs)
	months := map[cmKey][]*seedOrder{}
	for _, o := range g.orders {
		at := o.PlacedAt.UnixMicro()
		if f, ok := first[o.CustomerHash]; !ok || at < f {
			first[o.CustomerHash] = at
		}
		k := cmKey{w.creators[o.creator].id, commission.MonthOf(o.PlacedAt, w.brand)}
		months[k] = append(months[k], o)
	}
	costs := map[string]seedProduct{}
	for _, p := range w.products {
		costs[p.sku] = p
	}
	var def *int64
	if w.brand.DefaultMarginBps != nil {
		v := int64(*w.brand.DefaultMarginBps)
		def = &v
	}
	out := map[cmKey]want{}
	for k, os := range months {
		sort.Slice(os, func(i, j int) bool { return os[i].PlacedAt.Before(os[j].PlacedAt) })
		m, err := commission.NewMonth(plan, commission.Settings{Currency: w.brand.Currency, DefaultMarginBps: def})
		if err != nil {
			return nil, err
		}
		ins := make([]commission.Order, len(os))
		res := make([]commission.Result, len(os))
		for i, o := range os {
			ins[i].IsNewCustomer = o.CustomerHash == "" || first[o.CustomerHash] == o.PlacedAt.UnixMicro()
			for _, l := range o.lines {
				p := costs[l.SKU]
				cost := p.cost
				ins[i].Lines = append(ins[i].Lines, commission.Line{Title: l.Title, SKU: l.SKU, ProductID: l.ProductID,
					Category: p.category, Quantity: l.Quantity, Net: max(l.Net, 0), UnitCost: &cost})
			}
			if res[i], err = m.Add(ins[i]); err != nil {
				return nil, fmt.Errorf("order %s: %w", o.ExternalID, err)
			}
		}
		var wt want
		for i, o := range os {
			final := m.Lines(i)
			var earned int64
			for _, lr := range final {
				earned += lr.Commission
			}
			rev, err := reversal(o, ins[i], final, earned, res[i].Bonus)
			if err != nil {
				return nil, fmt.Errorf("order %s: %w", o.ExternalID, err)
			}
			for _, c := range []int64{res[i].Commission, earned - res[i].Commission, res[i].Bonus, -rev} {
				if c != 0 {
					wt.sum += c
					wt.components++
				}
			}
		}
		out[k] = wt
	}
	return out, nil
}

// reversal is what an order's refunds or cancellation take back: all it
// earned when cancelled; else each line's refunded share of its commission
// (commission.Reverse), then the refunds without lines in proportion to
// what the lines have left, and the bonus with a full refund.
func reversal(o *seedOrder, in commission.Order, final []commission.LineResult, earned, bonus int64) (int64, error) {
	if o.Status == order.Cancelled {
		return earned + bonus, nil
	}
	if o.Refunded <= 0 {
		return 0, nil
	}
	var back, lineLevel, restCommission, restNet int64
	for i, lr := range final {
		var refunded int64
		for _, a := range o.adjs {
			for _, rl := range a.Lines {
				if a.Kind == order.KindRefund && rl.LineExternalID == o.lines[i].ExternalID {
					refunded += rl.Amount
				}
			}
		}
		r := min(refunded, in.Lines[i].Net)
		lineLevel += r
		v, err := commission.Reverse(lr.Commission, in.Lines[i].Net, 0, r)
		if err != nil {
			return 0, err
		}
		back += v
		restCommission += lr.Commission - v
		restNet += in.Lines[i].Net - r
	}
	if rest := min(o.Refunded-lineLevel, restNet); rest > 0 {
		v, err := commission.Reverse(restCommission, restNet, 0, rest)
		if err != nil {
			return 0, err
		}
		back += v
	}
	if o.Refunded >= o.Net && o.Net > 0 {
		back += bonus
	}
	return back, nil
}
