package order_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"pgregory.net/rapid"
)

// streamEvent is one delivery of a generated stream. Orders are named by a
// small index so that the same stream can be replayed into another brand.
type streamEvent struct {
	delivery string
	ev       order.Event
}

// genStream draws a stream of events about a few orders: versions (some with
// the creator's code, some with refunds embedded as Shopify's orders/updated
// carries them), refunds on their own, and cancellations.
func genStream(t *rapid.T) []streamEvent {
	var out []streamEvent
	orders := rapid.IntRange(1, 3).Draw(t, "orders")
	for i := 0; i < orders; i++ {
		ref := fmt.Sprintf("80%d", i)
		refunds := []order.RefundInput{}
		for r := 0; r < rapid.IntRange(0, 3).Draw(t, "refunds"); r++ {
			refunds = append(refunds, order.RefundInput{ExternalID: fmt.Sprintf("%s-r%d", ref, r),
				At:     placed.Add(time.Duration(r+1) * time.Hour),
				Amount: rapid.Int64Range(0, 6000).Draw(t, "amount")})
		}
		versions := rapid.IntRange(1, 3).Draw(t, "versions")
		for v := 0; v < versions; v++ {
			qty := rapid.Int64Range(1, 4).Draw(t, "qty")
			in := apiOrder(ref, order.LineInput{ExternalID: "L1", SKU: "SERUM", Quantity: qty, UnitPrice: 5000,
				Discount: rapid.Int64Range(0, 1000).Draw(t, "discount")})
			in.Version = placed.Add(time.Duration(v) * time.Minute)
			if rapid.Bool().Draw(t, "code") {
				in.Codes = []string{"MAYA15"}
			}
			ev := order.Event{Source: order.Shopify, Topic: "orders/updated", Order: in}
			// A version may carry the refunds made before it.
			if n := rapid.IntRange(0, len(refunds)).Draw(t, "embedded"); n > 0 {
				ev.Refunds = refunds[:n]
			}
			out = append(out, streamEvent{fmt.Sprintf("%s-v%d", ref, v), ev})
		}
		for _, r := range refunds {
			out = append(out, streamEvent{"refund-" + r.ExternalID, order.Event{Source: order.Shopify, Topic: "refunds/create",
				OrderRef: ref, Refunds: []order.RefundInput{r}}})
		}
		if rapid.Bool().Draw(t, "cancel") {
			out = append(out, streamEvent{ref + "-cancel", order.Event{Source: order.Shopify, Topic: "orders/cancelled",
				OrderRef: ref, Cancel: &order.CancelInput{At: placed.Add(5 * time.Hour), Reason: "customer"}}})
		}
	}
	return out
}

// snapshot is a brand's order state without ids or times of arrival.
type snapshot struct {
	Orders      []string
	Adjustments []string
}

func takeSnapshot(t *rapid.T, e *env, brandID string, creatorNames map[string]string) snapshot {
	var s snapshot
	var os []order.Order
	if err := e.db.Where("brand_id = ?", brandID).Order("external_id").Find(&os).Error; err != nil {
		t.Fatal(err)
	}
	for _, o := range os {
		full, err := e.orders.Get(context.Background(), brandID, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		creator := ""
		if o.CreatorID != nil {
			creator = creatorNames[*o.CreatorID]
		}
		line := fmt.Sprintf("%s net=%d refunded=%d status=%s version=%s codes=%v by=%s:%s", o.ExternalID, o.Net, o.Refunded, o.Status,
			o.Version, o.Codes, o.AttributionMethod, creator)
		for _, l := range full.Lines {
			line += fmt.Sprintf(" [%s %d×%d −%d]", l.SKU, l.Quantity, l.UnitPrice, l.Discount)
		}
		s.Orders = append(s.Orders, line)
	}
	var adjs []order.Adjustment
	if err := e.db.Where("brand_id = ?", brandID).Find(&adjs).Error; err != nil {
		t.Fatal(err)
	}
	for _, a := range adjs {
		s.Adjustments = append(s.Adjustments, fmt.Sprintf("%s %s %s %d linked=%v", a.OrderRef, a.Kind, a.ExternalID, a.Amount, a.OrderID != nil))
	}
	sort.Strings(s.Adjustments)
	return s
}

// TestAnyInterleavingReachesTheSameState shuffles and duplicates a stream of
// order, refund and cancel events and checks that the final state equals the
// one the ordered stream reaches.
func TestAnyInterleavingReachesTheSameState(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		rapid.Check(t, func(rt *rapid.T) {
			stream := genStream(rt)
			// The shuffled replay: a permutation with some deliveries repeated,
			// and some repeated under another delivery id (another topic
			// carrying the same order).
			perm := rapid.Permutation(stream).Draw(rt, "perm")
			for _, d := range rapid.SliceOfN(rapid.IntRange(0, len(stream)-1), 0, 6).Draw(rt, "dups") {
				dup := stream[d]
				if rapid.Bool().Draw(rt, "new delivery id") {
					dup.delivery += "-again"
				}
				at := rapid.IntRange(0, len(perm)).Draw(rt, "at")
				perm = append(perm[:at], append([]streamEvent{dup}, perm[at:]...)...)
			}
			var snaps []snapshot
			for _, run := range [][]streamEvent{stream, perm} {
				b := e.brand(rt)
				maya := e.creator(rt, b.ID, "Maya Lee")
				e.code(rt, b.ID, maya.ID, "MAYA15")
				for _, d := range run {
					ev := d.ev
					ev.DeliveryID = d.delivery
					if _, err := e.orders.Apply(ctx, b.ID, ev); err != nil {
						rt.Fatalf("apply %s: %v", d.delivery, err)
					}
				}
				snaps = append(snaps, takeSnapshot(rt, e, b.ID, map[string]string{maya.ID: "maya"}))
			}
			if fmt.Sprint(snaps[0]) != fmt.Sprint(snaps[1]) {
				rt.Fatalf("ordered stream:\n%v\nshuffled and duplicated:\n%v", snaps[0], snaps[1])
			}
		})
	})
}
