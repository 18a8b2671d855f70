package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// orderFixture is a brand in New York with two active creators (Maya has the
// code MAYA15), an order that used her code and an unattributed one with a
// partial refund.
type orderFixture struct {
	brand      *brand.Created
	maya, noor *creator.Creator
	coded      *order.Order // 1001: placed 2026-03-10 08:00 in New York, net 90.00
	plain      *order.Order // 1002: placed 2026-03-11 22:00 in New York, partly refunded
}

func (a *testApp) orderFixture(t *testing.T) orderFixture {
	t.Helper()
	ctx := context.Background()
	cli := brand.Actor{Type: "cli", Label: "test"}
	f := orderFixture{brand: a.createBrand(t, "Acme", "owner@acme.test")}
	id := f.brand.Brand.ID
	tz := "America/New_York"
	if _, err := a.Brands.UpdateSettings(ctx, cli, id, brand.SettingsPatch{TimeZone: &tz}); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.maya, _, err = a.Creators.New(ctx, cli, id, creator.Profile{Name: ptrS("Maya"), Email: ptrS("maya@acme.test")}, creator.Active); err != nil {
		t.Fatal(err)
	}
	if f.noor, _, err = a.Creators.New(ctx, cli, id, creator.Profile{Name: ptrS("Noor"), Email: ptrS("noor@acme.test")}, creator.Active); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Codes(t).Create(ctx, id, f.maya.ID, coupon.Input{Code: "MAYA15", DiscountType: coupon.Percent, DiscountValue: 1500}); err != nil {
		t.Fatal(err)
	}
	f.coded = a.applyOrder(t, id, order.Event{Source: order.API, Topic: "api",
		Raw: []byte(`{"external_id":"1001","marker":"payload-1001"}`),
		Order: &order.OrderInput{ExternalID: "1001", PlacedAt: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC), Currency: "USD",
			Codes: []string{"maya15"}, Shipping: 500, Tax: 800,
			Lines: []order.LineInput{{SKU: "SERUM", Title: "Glow serum", Quantity: 2, UnitPrice: 5000, Discount: 1000}}}})
	f.plain = a.applyOrder(t, id, order.Event{Source: order.Shopify, DeliveryID: "evt-1002", Topic: "orders/create",
		Raw: []byte(`{"id":1002}`),
		Order: &order.OrderInput{ExternalID: "1002", PlacedAt: time.Date(2026, 3, 12, 2, 0, 0, 0, time.UTC), Currency: "USD",
			Lines: []order.LineInput{{SKU: "CREAM", Title: "Night cream", Quantity: 1, UnitPrice: 3000}}},
		Refunds: []order.RefundInput{{ExternalID: "r-1", At: time.Date(2026, 3, 13, 9, 0, 0, 0, time.UTC), Amount: 1000,
			Lines: []order.RefundLine{{SKU: "CREAM", Quantity: 1, Amount: 1000}}, Reason: "damaged jar"}}})
	return f
}

func (a *testApp) applyOrder(t *testing.T, brandID string, ev order.Event) *order.Order {
	t.Helper()
	res, err := a.Orders.Apply(context.Background(), brandID, ev)
	if err != nil || res.Order == nil {
		t.Fatalf("apply %s: %v", ev.OrderRef, err)
	}
	return res.Order
}

// rows returns the external ids in the orders table of a page, in order.
func orderRows(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `<a href="/orders/ord`)[1:] {
		start := strings.Index(part, ">")
		end := strings.Index(part, "</a>")
		if start >= 0 && end > start {
			out = append(out, part[start+1:end])
		}
	}
	return out
}

func wantRows(t *testing.T, b *browser, path string, want ...string) string {
	t.Helper()
	status, body := b.get(path)
	if status != 200 {
		t.Fatalf("%s: status %d", path, status)
	}
	if got := orderRows(body); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: rows %v, want %v", path, got, want)
	}
	return body
}

func TestOrderListEmptyState(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme", "owner@acme.test")
		b := a.browser(t)
		b.login("owner@acme.test", pw)
		status, body := b.get("/orders")
		if status != 200 {
			t.Fatalf("status %d", status)
		}
		for _, want := range []string{"No orders yet", a.URL + "/webhooks/shopify/" + c.Brand.ID, a.URL + "/webhooks/stripe/" + c.Brand.ID,
			"/api/v1/orders", "/orders/import", "Import CSV", `href="/settings"`} {
			if !strings.Contains(body, want) {
				t.Errorf("empty orders page lacks %q", want)
			}
		}
		// Filters on a brand with no orders at all still explain where orders come from.
		if _, body := b.get("/orders?method=code"); !strings.Contains(body, "No orders yet") {
			t.Error("filtered empty brand: no first-run empty state")
		}
	})
}

func TestOrderListFilters(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.orderFixture(t)
		b := a.browser(t)
		b.login("owner@acme.test", pw)

		body := wantRows(t, b, "/orders", "1002", "1001")
		for _, want := range []string{`href="/creators/` + f.maya.ID + `">Maya</a>`, "Unattributed", "90.00 USD", "10.00 USD",
			"2026-03-10 08:00 EDT", "2026-03-11 22:00 EDT", "Partly refunded", "<code>maya15</code>", "shopify",
			`class="method method-code"`, "Import CSV"} {
			if !strings.Contains(body, want) {
				t.Errorf("orders list lacks %q", want)
			}
		}
		wantRows(t, b, "/orders?method=code", "1001")
		wantRows(t, b, "/orders?method=none", "1002")
		wantRows(t, b, "/orders?status=partially_refunded", "1002")
		wantRows(t, b, "/orders?status=open", "1001")
		wantRows(t, b, "/orders?creator="+f.maya.ID, "1001")
		wantRows(t, b, "/orders?source=api", "1001")
		// Dates are the brand's (New York) days, and "to" includes its day.
		wantRows(t, b, "/orders?from=2026-03-11&to=2026-03-11", "1002")
		wantRows(t, b, "/orders?to=2026-03-10", "1001")
		wantRows(t, b, "/orders?from=2026-03-12")
		body = wantRows(t, b, "/orders?creator="+f.maya.ID+"&status=cancelled")
		if !strings.Contains(body, "No order matches these filters") || !strings.Contains(body, `href="/orders" id="clear-filters"`) ||
			strings.Contains(body, "No orders yet") {
			t.Error("no-match empty state missing")
		}
		// The selected filters stay selected.
		if !strings.Contains(body, `<option value="`+f.maya.ID+`" selected>Maya</option>`) || !strings.Contains(body, `<option value="cancelled" selected>`) {
			t.Error("filters not kept in the form")
		}

		// Invalid filters are explained, not a 500.
		for _, path := range []string{"/orders?method=bogus", "/orders?status=lost", "/orders?source=fax", "/orders?from=yesterday",
			"/orders?from=2026-03-12&to=2026-03-10", "/orders?cursor=nonsense"} {
			status, body := b.get(path)
			if status != 422 || !strings.Contains(body, "These filters do not work") || !strings.Contains(body, `id="order-filters"`) {
				t.Errorf("%s: status %d", path, status)
			}
		}
		if _, body := b.get("/orders?from=yesterday"); !strings.Contains(body, "must be a date such as") {
			t.Error("bad date: no reason given")
		}

		// Another brand sees none of these orders.
		a.createBrand(t, "Other", "boss@other.test")
		boss := a.browser(t)
		boss.login("boss@other.test", pw)
		if _, body := boss.get("/orders"); strings.Contains(body, "1001") || !strings.Contains(body, "No orders yet") {
			t.Error("another brand's orders leak into the list")
		}
	})
}

func TestOrderListPages(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme", "owner@acme.test")
		start := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
		for i := 0; i < 51; i++ {
			a.applyOrder(t, c.Brand.ID, order.Event{Source: order.CSV, Topic: "csv",
				Order: &order.OrderInput{ExternalID: fmt.Sprintf("C%03d", i), PlacedAt: start.Add(time.Duration(i) * time.Hour), Currency: "USD",
					Lines: []order.LineInput{{SKU: "X", Quantity: 1, UnitPrice: 100}}}})
		}
		a.applyOrder(t, c.Brand.ID, order.Event{Source: order.API, Topic: "api",
			Order: &order.OrderInput{ExternalID: "A1", PlacedAt: start, Currency: "USD", Lines: []order.LineInput{{SKU: "X", Quantity: 1, UnitPrice: 100}}}})
		b := a.browser(t)
		b.login("owner@acme.test", pw)
		_, body := b.get("/orders?source=csv")
		if n := len(orderRows(body)); n != 50 {
			t.Fatalf("first page: %d rows", n)
		}
		i := strings.Index(body, `<a href="/orders?`)
		if i < 0 || !strings.Contains(body, `id="next-page"`) {
			t.Fatal("no next page link")
		}
		href := body[i+len(`<a href="`):]
		href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
		u, _ := url.Parse(href)
		if u.Query().Get("source") != "csv" || u.Query().Get("cursor") == "" {
			t.Fatalf("next link %q does not keep the filters", href)
		}
		body = wantRows(t, b, href, "C000")
		if strings.Contains(body, `id="next-page"`) {
			t.Error("last page has a next link")
		}
	})
}

func TestOrderDetailAndReassign(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		ctx := context.Background()
		f := a.orderFixture(t)
		owner := a.browser(t)
		owner.login("owner@acme.test", pw)
		path := "/orders/" + f.coded.ID

		status, body := owner.get(path)
		if status != 200 {
			t.Fatalf("detail: %d", status)
		}
		for _, want := range []string{"Order 1001", "2026-03-10 08:00 EDT", "100.00 USD", "−10.00 USD", `<strong id="order-net">90.00 USD</strong>`,
			"5.00 USD", "8.00 USD", "Glow serum", "<code>SERUM</code>", "50.00 USD",
			`Credited to <a href="/creators/` + f.maya.ID + `">Maya</a>`, "The order used the discount code MAYA15.",
			"Code first: the order used code MAYA15, an active creator&#39;s code.", `id="reassign-form"`,
			// The raw payload, pretty-printed and escaped.
			"{\n  &#34;external_id&#34;: &#34;1001&#34;,\n  &#34;marker&#34;: &#34;payload-1001&#34;\n}"} {
			if !strings.Contains(body, want) {
				t.Errorf("detail lacks %q", want)
			}
		}
		// The refunded order shows its refund and the unattributed receipt.
		_, body = owner.get("/orders/" + f.plain.ID)
		for _, want := range []string{"Partly refunded", "Refund", "r-1", "1 × CREAM (10.00 USD)", "damaged jar", "2026-03-13 05:00 EDT",
			`id="order-refunded">10.00 USD`, "Not credited to any creator.", "No usable code of an active creator", "orders/create", "evt-1002"} {
			if !strings.Contains(body, want) {
				t.Errorf("refunded order's detail lacks %q", want)
			}
		}

		// Reassigning needs a reason: 422, nothing changes, the choice is kept.
		resp, body := owner.post(path, path+"/reassign", url.Values{"creator_id": {f.noor.ID}, "reason": {"  "}})
		if resp.StatusCode != 422 || !strings.Contains(body, "say why the order changes creator") ||
			!strings.Contains(body, `<option value="`+f.noor.ID+`" selected>Noor</option>`) {
			t.Fatalf("reassign without reason: %d", resp.StatusCode)
		}
		if o, _ := a.Orders.Get(ctx, f.brand.Brand.ID, f.coded.ID); o.CreatorID == nil || *o.CreatorID != f.maya.ID || o.AttributionMethod != order.ByCode {
			t.Fatalf("refused reassign changed the order: %+v", o)
		}
		// An unknown creator is refused by name.
		resp, body = owner.post(path, path+"/reassign", url.Values{"creator_id": {"cr_nope"}, "reason": {"x"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "no such creator") {
			t.Fatalf("reassign to unknown creator: %d", resp.StatusCode)
		}

		resp, _ = owner.post(path, path+"/reassign", url.Values{"creator_id": {f.noor.ID}, "reason": {"Maya's code leaked on a coupon site"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != path {
			t.Fatalf("reassign: %d -> %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = owner.get(path)
		for _, want := range []string{"Order reassigned.", `id="receipt-method">Manual`, `Credited to <a href="/creators/` + f.noor.ID + `">Noor</a>`,
			"owner@acme.test gave the order to this creator by hand.", "Maya&#39;s code leaked on a coupon site", "Reassigned by hand by owner@acme.test."} {
			if !strings.Contains(body, want) {
				t.Errorf("after reassign, detail lacks %q", want)
			}
		}
		entries, err := a.Brands.AuditLog(ctx, f.brand.Brand.ID, 5, 0)
		if err != nil || len(entries) == 0 || entries[0].Action != "order.reassigned" || entries[0].Details["to_creator_id"] != f.noor.ID {
			t.Fatalf("audit log: %v %+v", err, entries)
		}
		wantRows(t, owner, "/orders?method=manual", "1001")

		// Taking the credit away: "Nobody".
		resp, _ = owner.post(path, path+"/reassign", url.Values{"creator_id": {""}, "reason": {"test order"}})
		if resp.StatusCode != 303 {
			t.Fatalf("reassign to nobody: %d", resp.StatusCode)
		}
		if _, body := owner.get(path); !strings.Contains(body, "Not credited to any creator.") || !strings.Contains(body, "took the credit away by hand") {
			t.Error("credit not removed")
		}

		// An analyst reads the order but sees no payloads and no form, and cannot reassign.
		_, link, err := a.Brands.Invite(ctx, brand.Actor{Type: "cli", Label: "test"}, brand.Owner, f.brand.Brand.ID, "ana@acme.test", brand.Analyst)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Brands.AcceptInvite(ctx, link[strings.LastIndex(link, "/")+1:], "", "Ana", "analyst password 1"); err != nil {
			t.Fatal(err)
		}
		ana := a.browser(t)
		ana.login("ana@acme.test", "analyst password 1")
		status, body = ana.get(path)
		if status != 200 || !strings.Contains(body, "90.00 USD") {
			t.Fatalf("analyst detail: %d", status)
		}
		if strings.Contains(body, "payload-1001") || strings.Contains(body, "Raw payloads") || strings.Contains(body, "reassign-form") {
			t.Error("analyst sees payloads or the reassign form")
		}
		if _, body := ana.get("/orders"); strings.Contains(body, "Import CSV") {
			t.Error("analyst is offered the CSV import")
		}
		if resp, _ := ana.post(path, path+"/reassign", url.Values{"creator_id": {f.maya.ID}, "reason": {"mine"}}); resp.StatusCode != 403 {
			t.Fatalf("analyst reassign: %d, want 403", resp.StatusCode)
		}

		// Another brand's user gets a 404 for the order and its form.
		a.createBrand(t, "Other", "boss@other.test")
		boss := a.browser(t)
		boss.login("boss@other.test", pw)
		if status, _ := boss.get(path); status != 404 {
			t.Fatalf("other brand's order: %d, want 404", status)
		}
		if resp, _ := boss.post("/orders", path+"/reassign", url.Values{"creator_id": {""}, "reason": {"steal"}}); resp.StatusCode != 404 {
			t.Fatalf("other brand's reassign: %d, want 404", resp.StatusCode)
		}
		if status, _ := owner.get("/orders/ord_missing"); status != 404 {
			t.Fatalf("missing order: %d", status)
		}
	})
}
