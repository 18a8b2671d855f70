package main

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloutapp/clout/internal/order"
)

// kind is what a delivery is.
type kind int

const (
	newOrder  kind = iota // orders/create of an order not sent before
	refund                // refunds/create of one unit of an order already stored
	duplicate             // an orders/create delivered again: same body, same X-Shopify-Event-Id
)

var kinds = []kind{newOrder, refund, duplicate}

func (k kind) String() string { return [...]string{"new orders", "refunds", "duplicates"}[k] }

// delivery is one webhook request.
type delivery struct {
	kind           kind
	topic, eventID string
	body           []byte
	order          *sentOrder // the order it is about
	refunded       int64      // refund: the merchandise it takes back
	retry          bool       // a redelivery after an error
}

// sentOrder is an order the feed has made: what the app should store.
type sentOrder struct {
	id        int64
	lines     []sentLine
	net       int64
	method    string // order.ByCode, ByClick or ByNone
	creatorID string // "" for none
}

// expect is what the app should hold for one order once it has answered 200.
type expect struct {
	method, creatorID string
	lines             int
	net, refunded     int64
}

// dupSource is an order delivery that can be sent again.
type dupSource struct {
	eventID string
	body    []byte
	order   *sentOrder
}

const (
	keepForDuplicates = 1024 // the last orders answered, for duplicate deliveries
	keepForRefunds    = 4096 // orders answered and not refunded yet, for refunds
	codeShare         = 0.50 // orders with a creator's code
	storeCodeShare    = 0.05 // orders with a store-wide code that is no creator's
	clickShare        = 0.35 // orders whose landing_site carries a click id
	storeCode         = "WELCOME10"
)

// feed makes the deliveries sent to one server and keeps what was answered:
// each server has its own, so the baseline's orders never reach the app's
// verification.
type feed struct {
	w                   *world
	track               bool // keep what every answered order should be (the app's feed)
	refundFrac, dupFrac float64
	base                int64 // first order id
	seq                 atomic.Int64

	mu         sync.Mutex
	dups       []dupSource
	dupNext    int
	refundable []*sentOrder
	failed     []*delivery
	orders     map[int64]expect // answered orders, when tracked
	acked      [3]int64         // deliveries answered 200, by kind
	unexpected int64            // 200s whose status was not the one expected
	example    string
}

func newFeed(w *world, track bool, base int64, refundFrac, dupFrac float64) *feed {
	return &feed{w: w, track: track, base: base, refundFrac: refundFrac, dupFrac: dupFrac, orders: map[int64]expect{}}
}

// next picks the next delivery: a refund of an order already answered
// (refundFrac of the time), a duplicate of one (dupFrac), else a new order.
func (f *feed) next(r *rand.Rand) *delivery {
	p := r.Float64()
	f.mu.Lock()
	switch {
	case p < f.refundFrac && len(f.refundable) > 0:
		i := r.IntN(len(f.refundable))
		o := f.refundable[i]
		f.refundable[i] = f.refundable[len(f.refundable)-1]
		f.refundable = f.refundable[:len(f.refundable)-1]
		f.mu.Unlock()
		return f.refundOf(o, r)
	case p >= f.refundFrac && p < f.refundFrac+f.dupFrac && len(f.dups) > 0:
		d := f.dups[r.IntN(len(f.dups))]
		f.mu.Unlock()
		return &delivery{kind: duplicate, topic: order.ShopifyOrdersCreate, eventID: d.eventID, body: d.body, order: d.order}
	}
	f.mu.Unlock()
	return f.newOrder(r)
}

// newOrder makes an orders/create delivery of an order never sent before:
// a creator's code on half of them, a store-wide code on a few, and a click
// id in landing_site on about a third, independently. The app attributes by
// code first (the brand's default), then by click.
func (f *feed) newOrder(r *rand.Rand) *delivery {
	n := f.seq.Add(1)
	o := &sentOrder{id: f.base + n, method: order.ByNone}
	s := orderSpec{id: o.id, placedAt: time.Now(), rand: r, landing: "/collections/all?utm_source=google&utm_medium=cpc"}
	lineID := o.id * 8
	s.lineIDGen = func() int64 { lineID++; return lineID }
	switch q := r.Float64(); {
	case q < codeShare:
		c := f.w.codes[r.IntN(len(f.w.codes))]
		s.code, s.codeBps = c.code, c.bps
		o.method, o.creatorID = order.ByCode, c.creatorID
	case q < codeShare+storeCodeShare:
		s.code, s.codeBps = storeCode, 1000
	}
	if r.Float64() < clickShare {
		c := f.w.clicks[r.IntN(len(f.w.clicks))]
		s.landing = c.landing
		if o.method == order.ByNone {
			o.method, o.creatorID = order.ByClick, c.creatorID
		}
	}
	body, lines, net := buildOrder(s)
	o.lines, o.net = lines, net
	return &delivery{kind: newOrder, topic: order.ShopifyOrdersCreate, eventID: eventID(r), body: body, order: o}
}

// refundOf makes a refunds/create delivery of one unit of one of o's lines.
func (f *feed) refundOf(o *sentOrder, r *rand.Rand) *delivery {
	id := 1004519231538 + f.seq.Add(1)
	body, amount := buildRefund(id, o.id, o.lines[r.IntN(len(o.lines))], time.Now())
	return &delivery{kind: refund, topic: order.ShopifyRefundsCreate, eventID: eventID(r), body: body, order: o, refunded: amount}
}

// eventID is an X-Shopify-Event-Id: a random UUID.
func eventID(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48|0x8000, b&0xffffffffffff)
}

// done records the answer to d: ok is a 200, status the "status" of the
// reply. A failed delivery is kept for redelivery (as Shopify retries).
func (f *feed) done(d *delivery, ok bool, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !ok {
		f.failed = append(f.failed, d)
		return
	}
	want := "stored"
	if d.kind == duplicate {
		want = "duplicate"
	}
	// A redelivery whose first attempt was stored after all is a duplicate.
	if f.track && status != want && !(d.retry && status == "duplicate") {
		f.unexpected++
		if f.example == "" {
			f.example = fmt.Sprintf("%s (event %s) answered %q, want %q", d.kind, d.eventID, status, want)
		}
	}
	f.acked[d.kind]++
	o := d.order
	switch d.kind {
	case newOrder:
		if f.track {
			f.orders[o.id] = expect{method: o.method, creatorID: o.creatorID, lines: len(o.lines), net: o.net}
		}
		if len(f.refundable) < keepForRefunds {
			f.refundable = append(f.refundable, o)
		}
		ds := dupSource{eventID: d.eventID, body: d.body, order: o}
		if len(f.dups) < keepForDuplicates {
			f.dups = append(f.dups, ds)
		} else {
			f.dups[f.dupNext] = ds
			f.dupNext = (f.dupNext + 1) % keepForDuplicates
		}
	case refund:
		if f.track {
			e := f.orders[o.id]
			e.refunded += d.refunded
			f.orders[o.id] = e
		}
	}
}

// takeFailed returns the deliveries that failed since the last call.
func (f *feed) takeFailed() []*delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.failed
	f.failed = nil
	return out
}
