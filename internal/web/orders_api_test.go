package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

type apiOrder struct {
	ID          string `json:"id"`
	ExternalID  string `json:"external_id"`
	Net         int64  `json:"net"`
	Refunded    int64  `json:"refunded"`
	Status      string `json:"status"`
	Attribution struct {
		Method    string  `json:"method"`
		CreatorID *string `json:"creator_id"`
		Evidence  struct {
			Code string `json:"code"`
		} `json:"evidence"`
		Rule string `json:"rule"`
	} `json:"attribution"`
	Lines []struct {
		SKU string `json:"sku"`
		Net int64  `json:"net"`
	} `json:"lines"`
	Adjustments []struct {
		ExternalID string `json:"external_id"`
		Amount     int64  `json:"amount"`
	} `json:"adjustments"`
}

func decodeOrder(t *testing.T, body string) apiOrder {
	t.Helper()
	var o apiOrder
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return o
}

const orderBody = `{"external_id": "%s", "placed_at": "2026-03-01T12:00:00Z", "currency": "USD",
	"customer_email": "shopper@example.com", "discount_codes": ["maya15"], "shipping": 500, "tax": 800,
	"lines": [{"sku": "SERUM", "title": "Serum", "quantity": 2, "unit_price": 5000, "discount": 1000},
	          {"sku": "CREAM", "quantity": 1, "unit_price": 3000}]}`

func TestOrdersAPI(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Glow Co", "owner@glow.test")
		key := c.APIKey
		maya := a.activeCreatorWithCode(t, c.Brand.ID, "Maya Lee", "MAYA15")

		st, body := a.api(t, "POST", "/api/v1/orders", key, fmt.Sprintf(orderBody, "1001"))
		if st != 201 {
			t.Fatalf("create: %d %s", st, body)
		}
		o := decodeOrder(t, body)
		if o.Net != 12000 || len(o.Lines) != 2 || o.Lines[0].Net != 9000 || o.Attribution.Method != "code" ||
			o.Attribution.CreatorID == nil || *o.Attribution.CreatorID != maya.ID || o.Attribution.Evidence.Code != "MAYA15" ||
			o.Attribution.Rule == "" {
			t.Fatalf("created order: %s", body)
		}
		if strings.Contains(body, "shopper@example.com") {
			t.Error("the response carries the customer's email")
		}
		st, again := a.api(t, "POST", "/api/v1/orders", key, fmt.Sprintf(orderBody, "1001"))
		if st != 200 || decodeOrder(t, again).ID != o.ID {
			t.Fatalf("repeat: %d %s", st, again)
		}

		bad := []struct {
			name, body string
			status     int
			field      string
		}{
			{"malformed", `{"external_id": "x",`, 400, ""},
			{"unknown field", `{"external_id": "x", "colour": "red"}`, 400, ""},
			{"unknown currency", strings.Replace(fmt.Sprintf(orderBody, "2001"), `"USD"`, `"XYZ"`, 1), 422, "currency"},
			{"negative quantity", strings.Replace(fmt.Sprintf(orderBody, "2002"), `"quantity": 2`, `"quantity": -2`, 1), 422, "lines[0].quantity"},
			{"bad time", strings.Replace(fmt.Sprintf(orderBody, "2003"), "2026-03-01T12:00:00Z", "yesterday", 1), 422, "placed_at"},
			{"no lines", `{"external_id": "2004", "placed_at": "2026-03-01T12:00:00Z", "currency": "USD", "lines": []}`, 422, "lines"},
			{"no sku", strings.Replace(fmt.Sprintf(orderBody, "2005"), `"sku": "CREAM", `, "", 1), 422, "lines[1].sku"},
			{"float price", strings.Replace(fmt.Sprintf(orderBody, "2006"), `"unit_price": 3000`, `"unit_price": 30.5`, 1), 400, ""},
		}
		for _, b := range bad {
			st, body := a.api(t, "POST", "/api/v1/orders", key, b.body)
			if st != b.status || (b.field != "" && !strings.Contains(body, `"field":"`+b.field+`"`)) {
				t.Errorf("%s: %d %s", b.name, st, body)
			}
		}
		if n := countRows(t, db, "orders", c.Brand.ID); n != 1 {
			t.Fatalf("%d orders after bad requests, want 1", n)
		}

		// Read back, list and page.
		if st, body := a.api(t, "GET", "/api/v1/orders/1001", key, ""); st != 200 || decodeOrder(t, body).ID != o.ID {
			t.Errorf("get: %d %s", st, body)
		}
		if st, _ := a.api(t, "GET", "/api/v1/orders/nope", key, ""); st != 404 {
			t.Errorf("get missing: %d", st)
		}
		for i := 0; i < 4; i++ {
			body := strings.Replace(fmt.Sprintf(orderBody, fmt.Sprint(3000+i)), "2026-03-01T12", fmt.Sprintf("2026-03-0%dT12", 2+i), 1)
			if i%2 == 0 {
				body = strings.Replace(body, `["maya15"]`, `[]`, 1)
			}
			if st, body := a.api(t, "POST", "/api/v1/orders", key, body); st != 201 {
				t.Fatalf("create %d: %d %s", i, st, body)
			}
		}
		var seen []string
		cursor := ""
		for pages := 0; pages < 5; pages++ {
			st, body := a.api(t, "GET", "/api/v1/orders?limit=2&cursor="+cursor, key, "")
			var page struct {
				Data []apiOrder `json:"data"`
				Next string     `json:"next_cursor"`
			}
			if st != 200 || json.Unmarshal([]byte(body), &page) != nil {
				t.Fatalf("list: %d %s", st, body)
			}
			for _, o := range page.Data {
				seen = append(seen, o.ExternalID)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if strings.Join(seen, ",") != "3003,3002,3001,3000,1001" {
			t.Errorf("pages gave %v, want newest first", seen)
		}
		st, body = a.api(t, "GET", "/api/v1/orders?method=none", key, "")
		if st != 200 || strings.Count(body, `"external_id"`) != 2 {
			t.Errorf("method=none: %d %s", st, body)
		}
		if st, body := a.api(t, "GET", "/api/v1/orders?status=lost", key, ""); st != 422 || !strings.Contains(body, "status") {
			t.Errorf("bad filter: %d %s", st, body)
		}
		if st, _ := a.api(t, "GET", "/api/v1/orders?cursor=garbage", key, ""); st != 422 {
			t.Errorf("bad cursor: %d", st)
		}

		// Refunds.
		st, body = a.api(t, "POST", "/api/v1/orders/1001/refunds", key, `{"external_id": "rf-1", "lines": [{"sku": "SERUM", "quantity": 1, "amount": 4500}]}`)
		if o := decodeOrder(t, body); st != 201 || o.Refunded != 4500 || o.Status != "partially_refunded" || len(o.Adjustments) != 1 {
			t.Fatalf("refund: %d %s", st, body)
		}
		if st, body := a.api(t, "POST", "/api/v1/orders/1001/refunds", key, `{"external_id": "rf-1", "lines": [{"sku": "SERUM", "quantity": 1, "amount": 4500}]}`); st != 200 {
			t.Errorf("repeat refund: %d %s", st, body)
		}
		if st, body := a.api(t, "POST", "/api/v1/orders/1001/refunds", key, `{"external_id": "rf-2", "amount": 999999}`); st != 422 || !strings.Contains(body, `"field":"amount"`) {
			t.Errorf("too large: %d %s", st, body)
		}
		if st, _ := a.api(t, "POST", "/api/v1/orders/nope/refunds", key, `{"external_id": "rf-3"}`); st != 404 {
			t.Errorf("refund of a missing order: %d", st)
		}
		st, body = a.api(t, "POST", "/api/v1/orders/1001/refunds", key, `{"external_id": "rf-4"}`)
		if o := decodeOrder(t, body); st != 201 || o.Status != "refunded" || o.Refunded != 12000 {
			t.Errorf("refund of the rest: %d %s", st, body)
		}

		// Another brand sees none of it.
		other := a.createBrand(t, "Other Co", "owner@other-glow.test")
		if st, _ := a.api(t, "GET", "/api/v1/orders/1001", other.APIKey, ""); st != 404 {
			t.Errorf("another brand reads the order: %d", st)
		}
		if st, body := a.api(t, "GET", "/api/v1/orders", other.APIKey, ""); st != 200 || strings.Contains(body, "1001") {
			t.Errorf("another brand lists the order: %d %s", st, body)
		}
		if st, _ := a.api(t, "POST", "/api/v1/orders/1001/refunds", other.APIKey, `{"external_id": "rf-x"}`); st != 404 {
			t.Errorf("another brand refunds the order: %d", st)
		}
	})
}
