package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

type apiProduct struct {
	ID        string `json:"id"`
	SKU       string `json:"sku"`
	ProductID string `json:"product_id"`
	Title     string `json:"title"`
	Category  string `json:"category"`
	UnitCost  *int64 `json:"unit_cost"`
}

func decodeProduct(t *testing.T, body string) apiProduct {
	t.Helper()
	var p apiProduct
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

func TestProductsAPI(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		key := a.createBrand(t, "Glow Co", "owner@glow.test").APIKey
		otherKey := a.createBrand(t, "Other Co", "owner@other.test").APIKey

		st, body := a.api(t, "PUT", "/api/v1/products/SERUM-1", key,
			`{"title": "Serum", "product_id": "gid-1", "category": "Skin", "unit_cost": 2000}`)
		if st != 201 {
			t.Fatalf("create: %d %s", st, body)
		}
		if p := decodeProduct(t, body); p.SKU != "SERUM-1" || p.UnitCost == nil || *p.UnitCost != 2000 || p.ID == "" {
			t.Fatalf("created: %+v", p)
		}
		st, body = a.api(t, "PUT", "/api/v1/products/SERUM-1", key, `{"title": "Serum 30ml"}`)
		if p := decodeProduct(t, body); st != 200 || p.Title != "Serum 30ml" || p.Category != "Skin" || p.UnitCost == nil {
			t.Fatalf("update: %d %s", st, body)
		}
		st, body = a.api(t, "PUT", "/api/v1/products/SERUM-1", key, `{"unit_cost": null}`)
		if p := decodeProduct(t, body); st != 200 || p.UnitCost != nil || !strings.Contains(body, `"unit_cost":null`) {
			t.Fatalf("clear cost: %d %s", st, body)
		}
		// A sku with a space, escaped in the path.
		if st, body = a.api(t, "PUT", "/api/v1/products/LIP%20BALM", key, `{}`); st != 201 || decodeProduct(t, body).SKU != "LIP BALM" {
			t.Fatalf("escaped sku: %d %s", st, body)
		}
		if st, body = a.api(t, "GET", "/api/v1/products/LIP%20BALM", key, ""); st != 200 {
			t.Fatalf("get escaped: %d %s", st, body)
		}

		// Validation names the field; malformed JSON is a 400.
		st, body = a.api(t, "PUT", "/api/v1/products/X", key, `{"unit_cost": -1, "title": "`+strings.Repeat("t", 201)+`"}`)
		if st != 422 || !strings.Contains(body, `"field":"unit_cost"`) || !strings.Contains(body, `"field":"title"`) {
			t.Fatalf("invalid: %d %s", st, body)
		}
		for _, bad := range []string{`{"title": `, `{"unit_cost": "12"}`, `{"sku": "Y"}`, `[]`} {
			if st, body = a.api(t, "PUT", "/api/v1/products/X", key, bad); st != 400 {
				t.Errorf("%s: %d %s", bad, st, body)
			}
		}
		if st, body = a.api(t, "PUT", "/api/v1/products/X", key, `{"unit_cost": "12"}`); !strings.Contains(body, "unit_cost") {
			t.Errorf("a string cost does not name the field: %s", body)
		}

		// Bulk: all or nothing.
		st, body = a.api(t, "POST", "/api/v1/products", key, `{"products": [
			{"sku": "A", "unit_cost": 100}, {"sku": "B"}, {"sku": "C"}, {"sku": "D", "unit_cost": -5}]}`)
		if st != 422 || !strings.Contains(body, `"field":"products[3].unit_cost"`) {
			t.Fatalf("bulk invalid: %d %s", st, body)
		}
		if st, _ = a.api(t, "GET", "/api/v1/products/A", key, ""); st != 404 {
			t.Fatalf("an invalid bulk stored A: %d", st)
		}
		st, body = a.api(t, "POST", "/api/v1/products", key, `{"products": [
			{"sku": "A", "unit_cost": 100, "category": "Hair"}, {"sku": "SERUM-1", "unit_cost": 1800}]}`)
		var bulk struct {
			Data             []apiProduct `json:"data"`
			Created, Updated int
		}
		if err := json.Unmarshal([]byte(body), &bulk); st != 200 || err != nil || len(bulk.Data) != 2 || bulk.Created != 1 || bulk.Updated != 1 ||
			*bulk.Data[1].UnitCost != 1800 {
			t.Fatalf("bulk: %d %s", st, body)
		}

		// List with paging and search.
		var skus []string
		next := ""
		for i := 0; i < 5; i++ {
			st, body = a.api(t, "GET", "/api/v1/products?limit=2&cursor="+next, key, "")
			var page struct {
				Data []apiProduct `json:"data"`
				Next string       `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(body), &page); st != 200 || err != nil {
				t.Fatalf("list: %d %s", st, body)
			}
			for _, p := range page.Data {
				skus = append(skus, p.SKU)
			}
			if next = page.Next; next == "" {
				break
			}
		}
		if strings.Join(skus, ",") != "A,LIP BALM,SERUM-1" {
			t.Errorf("listed %v", skus)
		}
		if st, body = a.api(t, "GET", "/api/v1/products?q=hair", key, ""); st != 200 || strings.Count(body, `"sku"`) != 1 {
			t.Errorf("search: %d %s", st, body)
		}
		if st, body = a.api(t, "GET", "/api/v1/products?limit=0", key, ""); st != 422 {
			t.Errorf("limit 0: %d %s", st, body)
		}
		if st, body = a.api(t, "GET", "/api/v1/products?cursor=%21%21", key, ""); st != 422 {
			t.Errorf("bad cursor: %d %s", st, body)
		}

		// Another brand's key sees none of it.
		if st, _ = a.api(t, "GET", "/api/v1/products/SERUM-1", otherKey, ""); st != 404 {
			t.Errorf("other brand get: %d", st)
		}
		if st, body = a.api(t, "GET", "/api/v1/products", otherKey, ""); st != 200 || strings.Contains(body, "SERUM") {
			t.Errorf("other brand list: %d %s", st, body)
		}
		if st, _ = a.api(t, "PUT", "/api/v1/products/SERUM-1", otherKey, `{"title": "Mine"}`); st != 201 {
			t.Errorf("other brand's own SERUM-1: %d", st)
		}
		if _, body = a.api(t, "GET", "/api/v1/products/SERUM-1", key, ""); decodeProduct(t, body).Title != "Serum 30ml" {
			t.Errorf("another brand changed this brand's product: %s", body)
		}
		if st, _ = a.api(t, "GET", "/api/v1/products", "", ""); st != 401 {
			t.Errorf("no key: %d", st)
		}
	})
}

func TestBrandAPIDefaultMargin(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		key := a.createBrand(t, "Glow Co", "owner@glow.test").APIKey
		if _, body := a.api(t, "GET", "/api/v1/brand", key, ""); !strings.Contains(body, `"default_margin_bps":null`) {
			t.Fatalf("new brand: %s", body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/brand", key, `{"default_margin_bps": 4000}`); st != 200 || !strings.Contains(body, `"default_margin_bps":4000`) {
			t.Fatalf("set: %d %s", st, body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/brand", key, `{"hold_days": 3}`); st != 200 || !strings.Contains(body, `"default_margin_bps":4000`) {
			t.Fatalf("absent kept: %d %s", st, body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/brand", key, `{"default_margin_bps": 10001}`); st != 422 || !strings.Contains(body, `"field":"default_margin_bps"`) {
			t.Fatalf("too big: %d %s", st, body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/brand", key, `{"default_margin_bps": null}`); st != 200 || !strings.Contains(body, `"default_margin_bps":null`) {
			t.Fatalf("null: %d %s", st, body)
		}
	})
}
