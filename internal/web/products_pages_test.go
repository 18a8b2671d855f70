package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

func TestProductsPage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		acme := a.createBrand(t, "Acme", "owner@acme.test")
		owner := a.browser(t)
		owner.login("owner@acme.test", pw)

		status, body := owner.get("/products")
		if status != 200 || !strings.Contains(body, `id="products-empty"`) || !strings.Contains(body, "/api/v1/products") ||
			!strings.Contains(body, "none set") || !strings.Contains(body, `href="/products" aria-current="page"`) {
			t.Fatalf("empty page: %d %s", status, body)
		}

		resp, _ := owner.post("/products", "/products", url.Values{"sku": {"SERUM-1"}, "title": {"Serum"},
			"category": {"Skin"}, "unit_cost": {"20.00"}})
		if resp.StatusCode != 303 {
			t.Fatalf("add: %d", resp.StatusCode)
		}
		resp, _ = owner.post("/products", "/products", url.Values{"sku": {"CREAM"}, "title": {"Cream <b>"}})
		if resp.StatusCode != 303 {
			t.Fatalf("add without cost: %d", resp.StatusCode)
		}
		_, body = owner.get("/products")
		if !strings.Contains(body, "20.00 USD") || !strings.Contains(body, "unknown") || !strings.Contains(body, "Cream &lt;b&gt;") {
			t.Fatalf("list: %s", body)
		}
		// Saving again updates, and an empty cost makes it unknown.
		resp, _ = owner.post("/products", "/products", url.Values{"sku": {"SERUM-1"}, "title": {"Serum 30ml"}, "unit_cost": {""}})
		if p, err := a.Catalog.Get(context.Background(), acme.Brand.ID, "SERUM-1"); resp.StatusCode != 303 || err != nil || p.UnitCost != nil || p.Title != "Serum 30ml" {
			t.Fatalf("update: %d %+v %v", resp.StatusCode, p, err)
		}
		// Errors show beside the field and keep what was typed.
		resp, body = owner.post("/products", "/products", url.Values{"sku": {"NEW"}, "title": {"Kept"}, "unit_cost": {"12.345"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "enter an amount in USD") || !strings.Contains(body, `value="Kept"`) {
			t.Fatalf("bad cost: %d %s", resp.StatusCode, body)
		}
		resp, body = owner.post("/products", "/products", url.Values{"sku": {" "}})
		if resp.StatusCode != 422 || !strings.Contains(body, "enter a sku") {
			t.Fatalf("no sku: %d", resp.StatusCode)
		}

		_, body = owner.get("/products?q=cream")
		if !strings.Contains(body, "CREAM") || strings.Contains(body, "SERUM-1") {
			t.Errorf("search: %s", body)
		}
		if _, body = owner.get("/products?q=nothing"); !strings.Contains(body, `id="products-none"`) {
			t.Errorf("no match: %s", body)
		}

		// The default margin is set on the settings page; empty is none.
		form := url.Values{"name": {"Acme"}, "currency": {"USD"}, "time_zone": {"UTC"}, "attribution_window_days": {"30"},
			"hold_days": {"30"}, "payout_minimum": {"0"}, "customer_lock_days": {"0"}, "click_param": {"clout_click"}, "default_margin_bps": {"4000"}}
		if resp, body = owner.post("/settings", "/settings", form); resp.StatusCode != 303 {
			t.Fatalf("settings: %d %s", resp.StatusCode, body)
		}
		if b, _ := a.Brands.Get(context.Background(), acme.Brand.ID); b.DefaultMarginBps == nil || *b.DefaultMarginBps != 4000 {
			t.Fatalf("default margin not saved: %v", b.DefaultMarginBps)
		}
		if _, body = owner.get("/settings"); !strings.Contains(body, `name="default_margin_bps" min="0" max="10000" value="4000"`) {
			t.Errorf("settings form does not show the margin")
		}
		if _, body = owner.get("/products"); !strings.Contains(body, "40.00%") {
			t.Errorf("products page does not show the default margin")
		}
		form.Set("default_margin_bps", "10001")
		if resp, body = owner.post("/settings", "/settings", form); resp.StatusCode != 422 || !strings.Contains(body, "basis points") {
			t.Errorf("bad margin: %d", resp.StatusCode)
		}
		form.Set("default_margin_bps", "")
		owner.post("/settings", "/settings", form)
		if b, _ := a.Brands.Get(context.Background(), acme.Brand.ID); b.DefaultMarginBps != nil {
			t.Errorf("empty field did not clear the margin: %d", *b.DefaultMarginBps)
		}

		// An analyst reads the list but has no form and cannot save.
		ana := a.analyst(t, acme.Brand.ID, "ana@acme.test")
		if status, body := ana.get("/products"); status != 200 || !strings.Contains(body, "CREAM") || strings.Contains(body, `id="product-form"`) {
			t.Errorf("analyst list: %d", status)
		}
		if resp, _ := ana.post("/products", "/products", url.Values{"sku": {"ANA"}}); resp.StatusCode != 403 {
			t.Errorf("analyst saves: %d", resp.StatusCode)
		}

		// Another brand's owner sees none of it.
		a.createBrand(t, "Other", "owner@other.test")
		other := a.browser(t)
		other.login("owner@other.test", pw)
		if _, body := other.get("/products"); strings.Contains(body, "CREAM") || !strings.Contains(body, `id="products-empty"`) {
			t.Errorf("other brand sees the catalog")
		}
	})
}
