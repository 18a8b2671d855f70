package main

import (
	"math/rand/v2"
	"testing"

	"github.com/cloutapp/clout/internal/order"
)

// The generated payloads read back, through the app's Shopify adapter, as
// the order and refund the feed expects the app to store.
func TestPayloadsParse(t *testing.T) {
	w := &world{codes: []creatorCode{{code: "SARAH0", creatorID: "cr_1", bps: 1500}},
		clicks: []seedClick{{id: "clk_abc", creatorID: "cr_2", landing: "/products/serum?utm_source=tiktok&clout_click=clk_abc"}}}
	f := newFeed(w, true, appOrderBase, 0, 0)
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[string]int{}
	for range 500 {
		d := f.newOrder(r)
		ev, err := order.ParseShopify(d.topic, d.body, "")
		if err != nil {
			t.Fatal(err)
		}
		in, o := ev.Order, d.order
		var net int64
		for _, l := range in.Lines {
			net += l.Quantity*l.UnitPrice - l.Discount
		}
		if net != o.net || len(in.Lines) != len(o.lines) || len(in.Lines) < 1 || len(in.Lines) > 4 {
			t.Fatalf("order %d: net %d in %d lines, want %d in %d", o.id, net, len(in.Lines), o.net, len(o.lines))
		}
		switch o.method {
		case order.ByCode:
			if len(in.Codes) != 1 || in.Codes[0] != "SARAH0" {
				t.Fatalf("order %d: codes %v", o.id, in.Codes)
			}
		case order.ByClick:
			if in.ClickID != "clk_abc" {
				t.Fatalf("order %d: click %q", o.id, in.ClickID)
			}
		}
		seen[o.method]++
		f.done(d, true, "stored")

		rd := f.refundOf(o, r)
		rev, err := order.ParseShopify(rd.topic, rd.body, "")
		if err != nil {
			t.Fatal(err)
		}
		if rev.OrderRef != ev.OrderRef || len(rev.Refunds) != 1 || rev.Refunds[0].Amount != rd.refunded || rd.refunded <= 0 {
			t.Fatalf("refund of %s: %+v, want %d", ev.OrderRef, rev.Refunds, rd.refunded)
		}
	}
	for _, m := range []string{order.ByCode, order.ByClick, order.ByNone} {
		if seen[m] < 50 {
			t.Errorf("%d orders attributed by %s of 500", seen[m], m)
		}
	}
}
