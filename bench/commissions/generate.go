package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
)

// Shares of the orders: refunded (in full, one unit of a line, or a part of
// the order without lines) and cancelled (half of them refunded in full
// first); the rest are open. codeShare of the orders were attributed by the
// creator's code (with its discount), the others credited by hand.
const (
	refundShare = 0.05
	cancelShare = 0.01
	codeShare   = 0.7
)

// seedOrder is an order as the order service would have stored it, with
// its lines and adjustments.
type seedOrder struct {
	order.Order
	creator int // index in world.creators
	lines   []order.Line
	adjs    []order.Adjustment
}

// generated is the seed data, kept for the fresh calculation.
type generated struct {
	w                   *world
	orders              []*seedOrder
	refunded, cancelled int
}

// generate makes o.orders orders spread uniformly over the creators and the
// last o.months calendar months before this one (brand time), each with 1
// to 3 lines of distinct products, 1 to 3 units each, from a pool of
// returning customers. Amounts follow order.Service: net = quantity × unit
// price − discount per line, and the refunded amount and status are what
// order.Settle gives for the adjustments. Deterministic but for the ids.
func generate(w *world, o options) *generated {
	r := rand.New(rand.NewPCG(uint64(o.orders), 7))
	now := store.Now()
	loc := commission.Location(w.brand)
	lt := now.In(loc)
	end := time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, loc)
	start := end.AddDate(0, -o.months, 0)
	span := end.Sub(start).Microseconds()
	customers := make([]string, max(1, o.orders*2/5))
	g := &generated{w: w, orders: make([]*seedOrder, o.orders)}
	usedAt := map[int64]bool{} // placed_at is unique, so that sorting by it is the app's order
	months := map[string]bool{}
	kind := r.Perm(o.orders) // < refunds: refunded; < refunds+cancels: cancelled
	refunds, cancels := int(float64(o.orders)*refundShare), int(float64(o.orders)*cancelShare)
	var adjN int64
	for i := range g.orders {
		at := r.Int64N(span)
		for usedAt[at] {
			at = r.Int64N(span)
		}
		usedAt[at] = true
		c := r.IntN(len(w.creators))
		cr := w.creators[c]
		k := r.IntN(len(customers))
		if customers[k] == "" && o.customers {
			customers[k] = w.app.Orders.CustomerHash(fmt.Sprintf("customer%d@example.com", k))
		}
		so := &seedOrder{creator: c, Order: order.Order{ID: store.NewID("ord"), BrandID: w.brand.ID, Source: order.Shopify,
			ExternalID: fmt.Sprint(6_500_000_000_000 + i), PlacedAt: start.Add(time.Duration(at) * time.Microsecond).UTC(),
			Currency: w.brand.Currency, Codes: []string{}, CustomerHash: customers[k], CreatorID: &cr.id,
			CreatedAt: now, UpdatedAt: now}}
		months[fmt.Sprint(c, commission.MonthOf(so.PlacedAt, w.brand))] = true
		bps := int64(0)
		if r.Float64() < codeShare {
			bps = cr.bps
			so.Codes, so.AttributionMethod = []string{cr.code}, order.ByCode
			so.AttributionEvidence = order.Evidence{Code: cr.code}
			so.AttributionRule = "code_first: the order used code " + cr.code + ", an active creator's code"
		} else {
			so.AttributionMethod = order.ByManual
			so.AttributionEvidence = order.Evidence{Reason: "credited after a live stream", By: "owner@example.com"}
			so.AttributionRule = "reassigned by hand by owner@example.com"
		}
		for j, p := range r.Perm(len(w.products))[:min(1+r.IntN(3), len(w.products))] {
			pr := w.products[p]
			ln := order.Line{ID: store.NewID("oln"), OrderID: so.ID, BrandID: so.BrandID, Position: j,
				ExternalID: fmt.Sprint(16_000_000_000_000 + 3*i + j), SKU: pr.sku, ProductID: pr.productID, Title: pr.title,
				Quantity: 1 + r.Int64N(3), UnitPrice: pr.price}
			gross := ln.Quantity * ln.UnitPrice
			ln.Discount = gross * bps / 10000
			ln.Net = gross - ln.Discount
			so.Subtotal += gross
			so.Discount += ln.Discount
			so.lines = append(so.lines, ln)
		}
		so.Net = so.Subtotal - so.Discount
		so.Shipping = int64(595 * r.IntN(2))
		so.Tax = so.Net * 8 / 100
		adj := func(kind string, amount int64, lines []order.RefundLine) {
			adjN++
			a := order.Adjustment{ID: store.NewID("adj"), BrandID: so.BrandID, Source: so.Source, OrderRef: so.ExternalID,
				OrderID: &so.ID, Kind: kind, ExternalID: fmt.Sprint(990_000_000_000 + adjN), Amount: amount, Lines: lines,
				OccurredAt: so.PlacedAt.Add(time.Duration(1+len(so.adjs)+r.IntN(20)) * 24 * time.Hour), CreatedAt: now}
			if kind == order.KindCancel {
				a.ExternalID = "cancel:" + so.ExternalID
			}
			so.adjs = append(so.adjs, a)
		}
		fullRefund := func() {
			var ls []order.RefundLine
			for _, ln := range so.lines {
				ls = append(ls, order.RefundLine{LineExternalID: ln.ExternalID, Quantity: ln.Quantity, Amount: ln.Net})
			}
			adj(order.KindRefund, so.Net, ls)
		}
		switch n := kind[i]; {
		case n < refunds && n%5 < 2: // the whole order
			fullRefund()
		case n < refunds && n%5 < 4: // one unit of one line
			ln := so.lines[r.IntN(len(so.lines))]
			unit := ln.Net / ln.Quantity
			adj(order.KindRefund, unit, []order.RefundLine{{LineExternalID: ln.ExternalID, Quantity: 1, Amount: unit}})
		case n < refunds: // a goodwill refund of 10% to 30% of the order, no lines
			adj(order.KindRefund, so.Net*int64(10+r.IntN(21))/100, []order.RefundLine{})
		case n < refunds+cancels:
			if n%2 == 0 {
				fullRefund()
			}
			adj(order.KindCancel, 0, []order.RefundLine{})
		}
		so.Refunded, so.Status = order.Settle(so.Net, so.adjs)
		switch {
		case so.Status == order.Cancelled:
			g.cancelled++
		case so.Refunded > 0:
			g.refunded++
		}
		g.orders[i] = so
	}
	w.creatorMonths = len(months)
	return g
}
