package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cloutapp/clout/bench/internal/benchdb"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
)

// verify compares what the database holds with what the app answered 200
// to: every order once (no loss, no duplicates), each with the attribution,
// net and refunded amount its payloads imply, every line, refund and
// delivery once. It prints each check, adds one summary row for them all
// and reports whether all passed.
func verify(ctx context.Context, db *store.DB, brandID string, t *target, sum *summary) (bool, error) {
	f := t.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	q := db.WithContext(ctx)
	var checks, failed []string
	row := func(what, measured string, ok bool) {
		checks = append(checks, what)
		mark := "ok"
		if !ok {
			mark = "MISMATCH"
			failed = append(failed, what)
		}
		fmt.Printf("  %-62s %s  %s\n", what, measured, mark)
	}

	unanswered, unansweredOrders := len(f.failed), 0
	for _, d := range f.failed {
		if d.kind == newOrder {
			unansweredOrders++
		}
	}
	sent := len(f.orders) + unansweredOrders // distinct orders sent
	var stored []struct {
		ExternalID        string
		AttributionMethod string
		CreatorID         *string
		Net, Refunded     int64
	}
	if err := q.Table("orders").Select("external_id, attribution_method, creator_id, net, refunded").
		Where("brand_id = ? AND source = ?", brandID, order.Shopify).Scan(&stored).Error; err != nil {
		return false, err
	}
	seen := make(map[int64]bool, len(stored))
	var dupRows, unknown, wrongAttr, wrongNet, wrongRefunded int
	var example string
	note := func(s string) {
		if example == "" {
			example = s
		}
	}
	gotBy, wantBy := map[string]int{}, map[string]int{}
	for _, e := range f.orders {
		wantBy[e.method]++
	}
	for _, s := range stored {
		gotBy[s.AttributionMethod]++
		id, err := strconv.ParseInt(s.ExternalID, 10, 64)
		e, ok := f.orders[id]
		switch {
		case err != nil || !ok:
			unknown++
			note(fmt.Sprintf("order %s was never answered 200", s.ExternalID))
			continue
		case seen[id]:
			dupRows++
			note(fmt.Sprintf("order %s is stored twice", s.ExternalID))
			continue
		}
		seen[id] = true
		creatorID := ""
		if s.CreatorID != nil {
			creatorID = *s.CreatorID
		}
		if s.AttributionMethod != e.method || creatorID != e.creatorID {
			wrongAttr++
			note(fmt.Sprintf("order %s: attributed %s to %q, want %s to %q", s.ExternalID, s.AttributionMethod, creatorID, e.method, e.creatorID))
		}
		if s.Net != e.net {
			wrongNet++
			note(fmt.Sprintf("order %s: net %d, want %d", s.ExternalID, s.Net, e.net))
		}
		if s.Refunded != e.refunded {
			wrongRefunded++
			note(fmt.Sprintf("order %s: refunded %d, want %d", s.ExternalID, s.Refunded, e.refunded))
		}
	}

	fmt.Printf("\n-- verification: the database against the deliveries the app answered 200 --\n")
	row("every delivery answered 200 in the end (after redeliveries)", fmt.Sprintf("%d unanswered", unanswered), unanswered == 0)
	row("orders stored == distinct orders sent (no loss, no duplicates)",
		fmt.Sprintf("%d stored, %d sent (%d answered 200); %d twice, %d unknown", len(stored), sent, len(f.orders), dupRows, unknown),
		len(stored) == sent && len(seen) == len(f.orders) && dupRows == 0 && unknown == 0)
	var methods []string
	for m := range wantBy {
		methods = append(methods, m)
	}
	for m := range gotBy {
		if _, ok := wantBy[m]; !ok {
			methods = append(methods, m)
		}
	}
	slices.Sort(methods)
	var got, want []string
	for _, m := range methods {
		got = append(got, fmt.Sprintf("%s %d", m, gotBy[m]))
		want = append(want, fmt.Sprintf("%s %d", m, wantBy[m]))
	}
	row("attributed by method (stored; expected)", strings.Join(got, ", ")+"; "+strings.Join(want, ", "), wrongAttr == 0 && unknown == 0)
	row("each order's attribution, net and refunded as sent",
		fmt.Sprintf("%d wrong attribution, %d wrong net, %d wrong refunded", wrongAttr, wrongNet, wrongRefunded),
		wrongAttr+wrongNet+wrongRefunded == 0)

	wantLines := 0
	for _, e := range f.orders {
		wantLines += e.lines
	}
	var lines, refunds, orphans, events int64
	if err := q.Table("order_lines").Where("brand_id = ?", brandID).Count(&lines).Error; err != nil {
		return false, err
	}
	if err := q.Table("order_adjustments").Where("brand_id = ? AND kind = ?", brandID, order.KindRefund).Count(&refunds).Error; err != nil {
		return false, err
	}
	if err := q.Table("order_adjustments").Where("brand_id = ? AND order_id IS NULL", brandID).Count(&orphans).Error; err != nil {
		return false, err
	}
	if err := q.Table("order_events").Where("brand_id = ?", brandID).Count(&events).Error; err != nil {
		return false, err
	}
	row("order lines stored == lines sent", fmt.Sprintf("%d stored, %d sent", lines, wantLines), lines == int64(wantLines))
	row("refunds stored == refunds answered, each joined to its order",
		fmt.Sprintf("%d stored, %d answered, %d without order", refunds, f.acked[refund], orphans), refunds == f.acked[refund] && orphans == 0)
	wantEvents := f.acked[newOrder] + f.acked[refund]
	row("deliveries kept == distinct deliveries (duplicates not kept)",
		fmt.Sprintf("%d kept, %d distinct (%d duplicates answered)", events, wantEvents, f.acked[duplicate]), events == wantEvents)
	row("every 200 said what was expected (stored, or duplicate)", fmt.Sprintf("%d unexpected", f.unexpected), f.unexpected == 0)
	if example != "" {
		fmt.Printf("  first mismatch: %s\n", example)
	}
	if f.example != "" {
		fmt.Printf("  first unexpected reply: %s\n", f.example)
	}
	measured := fmt.Sprintf("all %d checks pass (%d orders)", len(checks), len(stored))
	if len(failed) > 0 {
		measured = fmt.Sprintf("%d of %d checks fail, first: %s", len(failed), len(checks), failed[0])
	}
	sum.Add("database matches every delivery answered 200 (see above)", measured, benchdb.Check(len(failed) == 0))
	return len(failed) == 0, nil
}
