package order_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

var master = strings.Repeat("m", 32)

type env struct {
	db       *store.DB
	brands   *brand.Service
	creators *creator.Service
	codes    *coupon.Service
	orders   *order.Service
	n        int
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	brands := brand.NewService(db, secret.NewBox(master), outbox, log, brand.Options{BaseURL: "http://clout.test"})
	return &env{db: db, brands: brands, creators: creator.NewService(db, brands, outbox, "http://clout.test", master, log),
		codes:  coupon.NewService(db, brands, stripeapi.Factory{Base: "http://127.0.0.1:1"}, log),
		orders: order.NewService(db, brands, master, log)}
}

// tb is what the helpers need of a test: *testing.T and *rapid.T both do.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

var cli = brand.Actor{Type: "cli", Label: "test"}

func (e *env) brand(t tb) *brand.Brand {
	t.Helper()
	e.n++
	name := fmt.Sprintf("Brand %d %d", e.n, time.Now().UnixNano())
	c, err := e.brands.CreateBrand(context.Background(), brand.NewBrand{Name: name,
		OwnerEmail: fmt.Sprintf("owner%d.%d@brand.test", e.n, time.Now().UnixNano()),
		Password:   "correct horse battery", Currency: "USD"}, cli)
	if err != nil {
		t.Fatal(err)
	}
	return c.Brand
}

func (e *env) creator(t tb, brandID, name string) *creator.Creator {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@creator.test"
	cr, _, err := e.creators.New(context.Background(), cli, brandID,
		creator.Profile{Name: &name, Email: &email}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func (e *env) code(t tb, brandID, creatorID, code string) {
	t.Helper()
	if _, err := e.codes.Create(context.Background(), brandID, creatorID,
		coupon.Input{Code: code, DiscountType: coupon.Percent, DiscountValue: 1500}); err != nil {
		t.Fatal(err)
	}
}

// click stores a click of one of the creator's links as the click writer would.
func (e *env) click(t tb, brandID, creatorID string, at time.Time) string {
	t.Helper()
	id := store.NewID("clk")
	err := e.db.Exec(`INSERT INTO clicks (id, clicked_at, brand_id, creator_id, link_id, visitor_hash, is_bot, is_unique)
		VALUES (?, ?, ?, ?, ?, 'v', FALSE, TRUE)`, id, at.UTC(), brandID, creatorID, "lnk_test").Error
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) patch(t tb, brandID string, p brand.SettingsPatch) {
	t.Helper()
	if _, err := e.brands.UpdateSettings(context.Background(), cli, brandID, p); err != nil {
		t.Fatal(err)
	}
}

var placed = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func apiOrder(id string, lines ...order.LineInput) *order.OrderInput {
	if len(lines) == 0 {
		lines = []order.LineInput{{SKU: "SERUM", Quantity: 2, UnitPrice: 5000, Discount: 1000}, {SKU: "CREAM", Quantity: 1, UnitPrice: 3000}}
	}
	return &order.OrderInput{ExternalID: id, PlacedAt: placed, Currency: "usd", Lines: lines, Shipping: 500, Tax: 800,
		CustomerEmail: "Shopper@Example.com"}
}

func (e *env) apply(t tb, brandID string, ev order.Event) *order.Result {
	t.Helper()
	res, err := e.orders.Apply(context.Background(), brandID, ev)
	if err != nil {
		t.Fatalf("apply %s: %v", ev.Topic, err)
	}
	return res
}

func count(t tb, db *store.DB, table, brandID string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Where("brand_id = ?", brandID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func fieldOf(err error) string {
	var ve validate.Errors
	if !errors.As(err, &ve) {
		return ""
	}
	return ve[0].Field
}

func TestOrderNetsAndIdempotentCreate(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.brand(t)
		ctx := context.Background()
		res := e.apply(t, b.ID, order.Event{Source: order.API, Order: apiOrder("1001")})
		o := res.Order
		if !res.Created || o.Subtotal != 13000 || o.Discount != 1000 || o.Net != 12000 || o.Shipping != 500 || o.Tax != 800 ||
			o.Currency != "USD" || o.Status != order.Open {
			t.Fatalf("order = %+v", o)
		}
		if o.CustomerHash == "" || o.CustomerHash != e.orders.CustomerHash(" shopper@example.COM ") || strings.Contains(o.CustomerHash, "@") {
			t.Errorf("customer hash %q is not the keyed hash of the lower-cased email", o.CustomerHash)
		}
		full, err := e.orders.Get(ctx, b.ID, o.ID)
		if err != nil || len(full.Lines) != 2 || full.Lines[0].Net != 9000 || full.Lines[1].Net != 3000 {
			t.Fatalf("lines = %+v, %v", full.Lines, err)
		}
		// The same external id again: nothing changes, even with other content.
		again := apiOrder("1001", order.LineInput{SKU: "X", Quantity: 1, UnitPrice: 1})
		res2 := e.apply(t, b.ID, order.Event{Source: order.API, Order: again})
		if res2.Created || res2.Changed || res2.Order.ID != o.ID || res2.Order.Net != 12000 {
			t.Fatalf("repeat = %+v", res2)
		}
		if n := count(t, db, "order_lines", b.ID); n != 2 {
			t.Errorf("%d lines after the repeat, want 2", n)
		}
		if n := count(t, db, "order_events", b.ID); n != 1 {
			t.Errorf("%d deliveries kept, want 1 (the repeat changed nothing)", n)
		}
		// Another brand's order with the same external id is its own.
		b2 := e.brand(t)
		if r := e.apply(t, b2.ID, order.Event{Source: order.API, Order: apiOrder("1001")}); !r.Created {
			t.Error("another brand could not use the same external id")
		}
		if _, err := e.orders.Get(ctx, b2.ID, o.ID); !errors.Is(err, order.ErrNotFound) {
			t.Errorf("another brand reads the order: %v", err)
		}
	})
}

func TestInvalidOrdersStoreNothing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.brand(t)
		cases := []struct {
			field string
			edit  func(o *order.OrderInput)
		}{
			{"currency", func(o *order.OrderInput) { o.Currency = "XYZ" }},
			{"lines[1].quantity", func(o *order.OrderInput) { o.Lines[1].Quantity = -1 }},
			{"lines[0].unit_price", func(o *order.OrderInput) { o.Lines[0].UnitPrice = -5 }},
			{"lines[0].discount", func(o *order.OrderInput) { o.Lines[0].Discount = 10001 }},
			{"placed_at", func(o *order.OrderInput) { o.PlacedAt = time.Time{} }},
			{"external_id", func(o *order.OrderInput) { o.ExternalID = "" }},
			{"lines[0].sku", func(o *order.OrderInput) { o.Lines[0].SKU = "" }},
			{"shipping", func(o *order.OrderInput) { o.Shipping = -1 }},
		}
		for _, c := range cases {
			in := apiOrder("bad")
			c.edit(in)
			_, err := e.orders.Apply(context.Background(), b.ID, order.Event{Source: order.API, Order: in,
				Refunds: []order.RefundInput{{ExternalID: "r1", Amount: 10}}})
			if got := fieldOf(err); got != c.field {
				t.Errorf("%s: error %v names %q", c.field, err, got)
			}
		}
		for _, table := range []string{"orders", "order_lines", "order_adjustments", "order_events"} {
			if n := count(t, db, table, b.ID); n != 0 {
				t.Errorf("%d rows in %s after invalid orders", n, table)
			}
		}
	})
}

func TestAttributionRules(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t)
		maya := e.creator(t, b.ID, "Maya Lee")
		jon := e.creator(t, b.ID, "Jon Park")
		paused := e.creator(t, b.ID, "Pat Paused")
		e.code(t, b.ID, maya.ID, "MAYA15")
		e.code(t, b.ID, paused.ID, "PAT10")
		if _, err := e.creators.SetStatus(ctx, cli, b.ID, paused.ID, creator.Paused, "on a break"); err != nil {
			t.Fatal(err)
		}
		other := e.brand(t)
		stranger := e.creator(t, other.ID, "Sam Other")
		e.code(t, other.ID, stranger.ID, "SAM20")
		jonClick := e.click(t, b.ID, jon.ID, placed.Add(-2*time.Hour))
		oldClick := e.click(t, b.ID, jon.ID, placed.Add(-31*24*time.Hour))
		foreignClick := e.click(t, other.ID, stranger.ID, placed.Add(-time.Hour))
		pausedClick := e.click(t, b.ID, paused.ID, placed.Add(-time.Hour))

		n := 0
		attribute := func(codes []string, click string) *order.Order {
			t.Helper()
			n++
			in := apiOrder(fmt.Sprintf("attr-%d", n))
			in.Codes, in.ClickID = codes, click
			return e.apply(t, b.ID, order.Event{Source: order.API, Order: in}).Order
		}
		check := func(name string, o *order.Order, method string, want *creator.Creator) {
			t.Helper()
			got := ""
			if o.CreatorID != nil {
				got = *o.CreatorID
			}
			wantID := ""
			if want != nil {
				wantID = want.ID
			}
			if o.AttributionMethod != method || got != wantID || o.AttributionRule == "" {
				t.Errorf("%s: method %s creator %q rule %q evidence %+v; want %s %q", name, o.AttributionMethod, got,
					o.AttributionRule, o.AttributionEvidence, method, wantID)
			}
		}
		o := attribute([]string{"maya15"}, "")
		check("code, any case", o, order.ByCode, maya)
		if o.AttributionEvidence.Code != "MAYA15" {
			t.Errorf("evidence = %+v", o.AttributionEvidence)
		}
		check("code first beats click", attribute([]string{"MAYA15"}, jonClick), order.ByCode, maya)
		o = attribute(nil, jonClick)
		check("click", o, order.ByClick, jon)
		if o.AttributionEvidence.ClickID != jonClick || o.AttributionEvidence.ClickedAt == nil {
			t.Errorf("click evidence = %+v", o.AttributionEvidence)
		}
		check("paused creator's code loses to a click", attribute([]string{"PAT10"}, jonClick), order.ByClick, jon)
		check("paused creator's code alone", attribute([]string{"PAT10"}, ""), order.ByNone, nil)
		check("other brand's code", attribute([]string{"SAM20"}, ""), order.ByNone, nil)
		check("other brand's click", attribute(nil, foreignClick), order.ByNone, nil)
		check("paused creator's click", attribute(nil, pausedClick), order.ByNone, nil)
		o = attribute(nil, oldClick)
		check("click outside the window", o, order.ByNone, nil)
		if !strings.Contains(o.AttributionEvidence.Reason, "outside the 30-day attribution window") {
			t.Errorf("reason = %q", o.AttributionEvidence.Reason)
		}
		check("unknown code, then a good one", attribute([]string{"NOPE", "Maya15"}, ""), order.ByCode, maya)
		check("nothing", attribute(nil, ""), order.ByNone, nil)

		cf := brand.ClickFirst
		e.patch(t, b.ID, brand.SettingsPatch{AttributionPriority: &cf})
		o = attribute([]string{"MAYA15"}, jonClick)
		check("click first", o, order.ByClick, jon)
		if !strings.HasPrefix(o.AttributionRule, "click first") {
			t.Errorf("rule = %q", o.AttributionRule)
		}
		check("click first, no click", attribute([]string{"MAYA15"}, ""), order.ByCode, maya)

		// A deactivated or expired code does not win.
		if err := db.Exec("UPDATE codes SET active = FALSE WHERE code_key = 'maya15'").Error; err != nil {
			t.Fatal(err)
		}
		check("deactivated code", attribute([]string{"MAYA15"}, ""), order.ByNone, nil)
	})
}

func TestCustomerLock(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.brand(t)
		maya := e.creator(t, b.ID, "Maya Lee")
		e.code(t, b.ID, maya.ID, "MAYA15")
		first := apiOrder("c1")
		first.Codes = []string{"MAYA15"}
		e.apply(t, b.ID, order.Event{Source: order.API, Order: first})

		later := apiOrder("c2")
		later.PlacedAt = placed.Add(10 * 24 * time.Hour)
		if o := e.apply(t, b.ID, order.Event{Source: order.API, Order: later}).Order; o.AttributionMethod != order.ByNone {
			t.Fatalf("lock off, yet %s", o.AttributionMethod)
		}
		days := 30
		e.patch(t, b.ID, brand.SettingsPatch{CustomerLockDays: &days})
		in := apiOrder("c3")
		in.PlacedAt = placed.Add(20 * 24 * time.Hour)
		o := e.apply(t, b.ID, order.Event{Source: order.API, Order: in}).Order
		if o.AttributionMethod != order.ByCustomer || o.CreatorID == nil || *o.CreatorID != maya.ID {
			t.Fatalf("locked order = %s %v (%s)", o.AttributionMethod, o.CreatorID, o.AttributionRule)
		}
		in = apiOrder("c4")
		in.PlacedAt = placed.Add(40 * 24 * time.Hour)
		if o := e.apply(t, b.ID, order.Event{Source: order.API, Order: in}).Order; o.AttributionMethod != order.ByNone {
			t.Errorf("past the lock, yet %s", o.AttributionMethod)
		}
		in = apiOrder("c5")
		in.CustomerEmail = "someone.else@example.com"
		in.PlacedAt = placed.Add(5 * 24 * time.Hour)
		if o := e.apply(t, b.ID, order.Event{Source: order.API, Order: in}).Order; o.AttributionMethod != order.ByNone {
			t.Errorf("another customer, yet %s", o.AttributionMethod)
		}
	})
}

func TestRefundBeforeOrderAndCancellation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.brand(t)
		refund := order.Event{Source: order.Shopify, DeliveryID: "d-refund", Topic: "refunds/create", OrderRef: "5001",
			Refunds: []order.RefundInput{{ExternalID: "r-1", At: placed.Add(time.Hour),
				Lines: []order.RefundLine{{LineExternalID: "L1", SKU: "SERUM", Quantity: 1, Amount: 4500}}}}}
		res := e.apply(t, b.ID, refund)
		if res.Order != nil || !res.Changed {
			t.Fatalf("refund before its order = %+v", res)
		}
		if again := e.apply(t, b.ID, refund); !again.Duplicate {
			t.Error("a repeated delivery was not a duplicate")
		}
		in := apiOrder("5001")
		in.Version = placed
		in.Lines[0].ExternalID = "L1"
		o := e.apply(t, b.ID, order.Event{Source: order.Shopify, DeliveryID: "d-create", Topic: "orders/create", Order: in}).Order
		if o.Status != order.PartiallyRefunded || o.Refunded != 4500 {
			t.Fatalf("order after the early refund: %s refunded %d", o.Status, o.Refunded)
		}
		full, _ := e.orders.Get(context.Background(), b.ID, o.ID)
		if len(full.Adjustments) != 1 || full.Adjustments[0].Amount != 4500 || full.Adjustments[0].OrderID == nil {
			t.Fatalf("adjustments = %+v", full.Adjustments)
		}
		cancel := order.Event{Source: order.Shopify, DeliveryID: "d-cancel", Topic: "orders/cancelled", OrderRef: "5001",
			Cancel: &order.CancelInput{At: placed.Add(2 * time.Hour), Reason: "customer"}}
		if o := e.apply(t, b.ID, cancel).Order; o.Status != order.Cancelled || o.Refunded != 4500 {
			t.Fatalf("after cancel: %s %d", o.Status, o.Refunded)
		}
		// A full refund after the cancellation leaves it cancelled.
		more := order.Event{Source: order.Shopify, DeliveryID: "d-refund-2", OrderRef: "5001",
			Refunds: []order.RefundInput{{ExternalID: "r-2", Amount: 99999}}}
		if o := e.apply(t, b.ID, more).Order; o.Status != order.Cancelled || o.Refunded != o.Net {
			t.Fatalf("after the full refund: %s %d of %d", o.Status, o.Refunded, o.Net)
		}
	})
}

func TestNewerVersionsReplaceOlderOnesAreIgnored(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.brand(t)
		maya := e.creator(t, b.ID, "Maya Lee")
		e.code(t, b.ID, maya.ID, "MAYA15")
		v1 := apiOrder("7001")
		v1.Version = placed
		v2 := apiOrder("7001", order.LineInput{SKU: "SERUM", Quantity: 1, UnitPrice: 5000})
		v2.Version = placed.Add(time.Hour)
		v2.Codes = []string{"MAYA15"}
		e.apply(t, b.ID, order.Event{Source: order.Shopify, DeliveryID: "a", Order: v2})
		res := e.apply(t, b.ID, order.Event{Source: order.Shopify, DeliveryID: "b", Order: v1})
		if res.Order.Net != 5000 || res.Order.AttributionMethod != order.ByCode {
			t.Fatalf("the older version won: %+v", res.Order)
		}
		full, _ := e.orders.Get(context.Background(), b.ID, res.Order.ID)
		if len(full.Lines) != 1 {
			t.Fatalf("lines = %+v", full.Lines)
		}
		// A person's reassignment survives newer versions.
		o, err := e.orders.Reassign(context.Background(), cli, b.ID, res.Order.ID, "", "test order placed by staff")
		if err != nil || o.AttributionMethod != order.ByManual || o.CreatorID != nil {
			t.Fatalf("reassign = %+v, %v", o, err)
		}
		v3 := apiOrder("7001", order.LineInput{SKU: "SERUM", Quantity: 3, UnitPrice: 5000})
		v3.Version, v3.Codes = placed.Add(2*time.Hour), []string{"MAYA15"}
		o = e.apply(t, b.ID, order.Event{Source: order.Shopify, DeliveryID: "c", Order: v3}).Order
		if o.Net != 15000 || o.AttributionMethod != order.ByManual || o.CreatorID != nil {
			t.Fatalf("v3 = net %d %s %v", o.Net, o.AttributionMethod, o.CreatorID)
		}
		log, _ := e.brands.AuditLog(context.Background(), b.ID, 10, 0)
		found := false
		for _, a := range log {
			found = found || (a.Action == "order.reassigned" && a.Details["reason"] == "test order placed by staff")
		}
		if !found {
			t.Error("the reassignment is not in the audit log")
		}
	})
}

func TestReassignChecks(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t)
		maya := e.creator(t, b.ID, "Maya Lee")
		o := e.apply(t, b.ID, order.Event{Source: order.API, Order: apiOrder("r1")}).Order
		other := e.brand(t)
		stranger := e.creator(t, other.ID, "Sam Other")
		if _, err := e.orders.Reassign(ctx, cli, b.ID, o.ID, maya.ID, ""); fieldOf(err) != "reason" {
			t.Errorf("no reason: %v", err)
		}
		if _, err := e.orders.Reassign(ctx, cli, b.ID, o.ID, stranger.ID, "x"); fieldOf(err) != "creator_id" {
			t.Errorf("another brand's creator: %v", err)
		}
		if _, err := e.orders.Reassign(ctx, cli, other.ID, o.ID, stranger.ID, "x"); !errors.Is(err, order.ErrNotFound) {
			t.Errorf("another brand's order: %v", err)
		}
		got, err := e.orders.Reassign(ctx, cli, b.ID, o.ID, maya.ID, "influencer sent the customer by DM")
		if err != nil || got.CreatorID == nil || *got.CreatorID != maya.ID || got.AttributionMethod != order.ByManual ||
			got.AttributionEvidence.Reason != "influencer sent the customer by DM" {
			t.Fatalf("reassign = %+v, %v", got, err)
		}
	})
}

func TestAPIRefunds(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t)
		e.apply(t, b.ID, order.Event{Source: order.API, Order: apiOrder("9001")})
		refund := func(r order.RefundRequest) (*order.RefundResult, error) {
			return e.orders.Refund(ctx, b.ID, order.API, "9001", r)
		}
		if _, err := e.orders.Refund(ctx, b.ID, order.API, "nope", order.RefundRequest{ExternalID: "x"}); !errors.Is(err, order.ErrNotFound) {
			t.Errorf("refund of a missing order: %v", err)
		}
		big := int64(12001)
		if _, err := refund(order.RefundRequest{ExternalID: "too-big", Amount: &big}); fieldOf(err) != "amount" {
			t.Errorf("too large: %v", err)
		}
		if _, err := refund(order.RefundRequest{ExternalID: "bad-sku", Lines: []order.RefundLine{{SKU: "NOPE", Quantity: 1, Amount: 1}}}); fieldOf(err) != "lines[0].sku" {
			t.Errorf("unknown sku: %v", err)
		}
		if _, err := refund(order.RefundRequest{ExternalID: "bad-qty", Lines: []order.RefundLine{{SKU: "SERUM", Quantity: 3, Amount: 1}}}); fieldOf(err) != "lines[0].quantity" {
			t.Errorf("too many items: %v", err)
		}
		if _, err := refund(order.RefundRequest{}); fieldOf(err) != "external_id" {
			t.Errorf("no external id: %v", err)
		}
		r, err := refund(order.RefundRequest{ExternalID: "r1", Lines: []order.RefundLine{{SKU: "SERUM", Quantity: 1, Amount: 4500}}})
		if err != nil || !r.Created || r.Order.Refunded != 4500 || r.Order.Status != order.PartiallyRefunded {
			t.Fatalf("line refund = %+v, %v", r, err)
		}
		r, err = refund(order.RefundRequest{ExternalID: "r1", Lines: []order.RefundLine{{SKU: "SERUM", Quantity: 1, Amount: 4500}}})
		if err != nil || r.Created || r.Order.Refunded != 4500 {
			t.Fatalf("repeat = %+v, %v", r, err)
		}
		r, err = refund(order.RefundRequest{ExternalID: "r2"})
		if err != nil || r.Order.Refunded != 12000 || r.Order.Status != order.Refunded {
			t.Fatalf("refund of the rest = %+v, %v", r.Order, err)
		}
		one := int64(1)
		if _, err := refund(order.RefundRequest{ExternalID: "r3", Amount: &one}); fieldOf(err) != "amount" {
			t.Errorf("refund past the total: %v", err)
		}
		if n := count(t, db, "order_adjustments", b.ID); n != 2 {
			t.Errorf("%d adjustments, want 2", n)
		}
	})
}

func TestSettle(t *testing.T) {
	refund := func(amount int64) order.Adjustment { return order.Adjustment{Kind: order.KindRefund, Amount: amount} }
	cum := func(group string, amount, basis int64) order.Adjustment {
		return order.Adjustment{Kind: order.KindRefund, Cumulative: true, GroupRef: group, Amount: amount, Basis: basis}
	}
	cases := []struct {
		name     string
		net      int64
		adjs     []order.Adjustment
		refunded int64
		status   order.Status
	}{
		{"none", 1000, nil, 0, order.Open},
		{"partial", 1000, []order.Adjustment{refund(300)}, 300, order.PartiallyRefunded},
		{"sum to full", 1000, []order.Adjustment{refund(300), refund(700)}, 1000, order.Refunded},
		{"capped at net", 1000, []order.Adjustment{refund(3000)}, 1000, order.Refunded},
		{"zero refund (shipping only)", 1000, []order.Adjustment{refund(0)}, 0, order.Open},
		{"cancel wins", 1000, []order.Adjustment{refund(1000), {Kind: order.KindCancel}}, 1000, order.Cancelled},
		{"cumulative: largest counts", 1000, []order.Adjustment{cum("ch", 300, 0), cum("ch", 500, 0)}, 500, order.PartiallyRefunded},
		{"cumulative in any order", 1000, []order.Adjustment{cum("ch", 500, 0), cum("ch", 300, 0)}, 500, order.PartiallyRefunded},
		// A 13.00 charge (10.00 net + shipping and tax) refunded 6.50: half the net.
		{"cumulative with basis", 1000, []order.Adjustment{cum("ch", 650, 1300)}, 500, order.PartiallyRefunded},
		{"basis rounds half away from zero", 1001, []order.Adjustment{cum("ch", 1, 2)}, 501, order.PartiallyRefunded},
		{"full charge refund", 1000, []order.Adjustment{cum("ch", 1300, 1300)}, 1000, order.Refunded},
		{"two charges", 1000, []order.Adjustment{cum("a", 200, 0), cum("b", 300, 0), cum("a", 100, 0)}, 500, order.PartiallyRefunded},
	}
	for _, c := range cases {
		got, st := order.Settle(c.net, c.adjs)
		if got != c.refunded || st != c.status {
			t.Errorf("%s: %d %s, want %d %s", c.name, got, st, c.refunded, c.status)
		}
	}
}

// TestConcurrentOrderAndRefund: an order and its refund arriving at the same
// moment, many times over, always end linked and refunded.
func TestConcurrentOrderAndRefund(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.brand(t)
		for i := 0; i < 20; i++ {
			id := fmt.Sprintf("cc-%d", i)
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				in := apiOrder(id)
				in.Version = placed
				_, err := e.orders.Apply(context.Background(), b.ID, order.Event{Source: order.Shopify, DeliveryID: "o" + id, Order: in})
				errs <- err
			}()
			go func() {
				defer wg.Done()
				_, err := e.orders.Apply(context.Background(), b.ID, order.Event{Source: order.Shopify, DeliveryID: "r" + id, OrderRef: id,
					Refunds: []order.RefundInput{{ExternalID: "r" + id, Amount: 100}}})
				errs <- err
			}()
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			o, err := e.orders.ByExternalID(context.Background(), b.ID, order.Shopify, id)
			if err != nil || o.Refunded != 100 || o.Status != order.PartiallyRefunded || len(o.Adjustments) != 1 {
				t.Fatalf("%s: %+v, %v", id, o, err)
			}
		}
	})
}
