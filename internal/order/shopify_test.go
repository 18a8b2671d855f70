package order

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/validate"
)

// Fixtures in testdata/shopify follow the REST Admin API (2025-01) payloads
// of Shopify's order and refund webhooks.
const (
	shopifyFixturePercentCode = "orders_create_percentage_code.json"
	shopifyFixtureFixedAuto   = "orders_paid_fixed_code_and_automatic.json"
	shopifyFixtureLanding     = "orders_create_landing_click.json"
	shopifyFixtureRefund      = "refunds_create_partial.json"
	shopifyFixtureCancelled   = "orders_cancelled.json"
)

func shopifyFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "shopify", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// shopifyEdit decodes a payload (numbers kept exact), lets edit change it and
// encodes it again.
func shopifyEdit(t *testing.T, body []byte, edit func(p map[string]any)) []byte {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var p map[string]any
	if err := d.Decode(&p); err != nil {
		t.Fatal(err)
	}
	edit(p)
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// shopifyAt walks a decoded payload: shopifyAt(p, "line_items", 0) is the
// first line item.
func shopifyAt(t *testing.T, v any, path ...any) map[string]any {
	t.Helper()
	for _, k := range path {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not an object", path)
	}
	return m
}

// shopifySetAmount sets a plain amount field and the shop money of its set.
func shopifySetAmount(t *testing.T, m map[string]any, field, amount string) {
	t.Helper()
	m[field] = amount
	shopifyAt(t, m, field+"_set", "shop_money")["amount"] = amount
}

func shopifyTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// shopifyNet is the order's merchandise net: Σ quantity × unit price − discount.
func shopifyNet(in *OrderInput) int64 {
	var n int64
	for _, l := range in.Lines {
		n += l.Quantity*l.UnitPrice - l.Discount
	}
	return n
}

func shopifyParse(t *testing.T, topic string, body []byte) Event {
	t.Helper()
	ev, err := ParseShopify(topic, body, "")
	if err != nil {
		t.Fatalf("ParseShopify(%s): %v", topic, err)
	}
	return ev
}

func TestParseShopifyFixtures(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		topic   string
		want    Event
		wantNet int64 // order net, or the refund's amount
	}{
		{
			name:  "percentage code, click id in note_attributes",
			file:  shopifyFixturePercentCode,
			topic: "orders/create",
			want: Event{
				Source: Shopify, Topic: "orders/create", OrderRef: "6358021947698",
				Order: &OrderInput{
					ExternalID:    "6358021947698",
					PlacedAt:      shopifyTime(t, "2025-02-11T14:22:30-05:00"),
					Currency:      "USD",
					CustomerEmail: "ana.lopez@example.com",
					ReferringSite: "https://l.instagram.com/",
					Codes:         []string{"SARAH15"},
					ClickID:       "ck_7YpQ2rVx9LmB",
					Shipping:      795,
					Tax:           1528,
					Lines: []LineInput{
						{ExternalID: "15873402192178", SKU: "MCS-HG-M", ProductID: "8817736401202", Title: "Merino Crew Sweater - M / Heather Grey", Quantity: 2, UnitPrice: 8900, Discount: 2670},
						{ExternalID: "15873402224946", SKU: "RWB-CHAR", ProductID: "8817736466738", Title: "Ribbed Wool Beanie", Quantity: 1, UnitPrice: 2450, Discount: 368},
					},
					Version: shopifyTime(t, "2025-02-11T14:22:33-05:00"),
				},
			},
			wantNet: 17212, // 202.50 − 30.38
		},
		{
			name:  "fixed-amount code and automatic discount, shop currency CAD, buyer in USD",
			file:  shopifyFixtureFixedAuto,
			topic: "orders/paid",
			want: Event{
				Source: Shopify, Topic: "orders/paid", OrderRef: "6358044295474",
				Order: &OrderInput{
					ExternalID:    "6358044295474",
					PlacedAt:      shopifyTime(t, "2025-02-14T09:05:11-05:00"),
					Currency:      "CAD",
					CustomerEmail: "m.tremblay@example.ca",
					ReferringSite: "https://www.google.com/",
					Codes:         []string{"WELCOME10"}, // not the automatic "Spring Hoodie Event"
					Shipping:      1500,
					Tax:           2223,
					Lines: []LineInput{
						// 24.00 automatic + 5.78 of the code
						{ExternalID: "15873519632434", SKU: "TH-OLV-L", ProductID: "8817741152306", Title: "Trail Hoodie - L / Olive", Quantity: 1, UnitPrice: 12000, Discount: 2978},
						{ExternalID: "15873519665202", SKU: "CT-NAT", ProductID: "8817741217842", Title: "Canvas Tote - Natural", Quantity: 2, UnitPrice: 3500, Discount: 422},
					},
					Version: shopifyTime(t, "2025-02-14T09:05:40-05:00"),
				},
			},
			wantNet: 15600, // 190.00 − 34.00
		},
		{
			name:  "no code, click id in landing_site, tip left out",
			file:  shopifyFixtureLanding,
			topic: "orders/create",
			want: Event{
				Source: Shopify, Topic: "orders/create", OrderRef: "6358097612850",
				Order: &OrderInput{
					ExternalID:    "6358097612850",
					PlacedAt:      shopifyTime(t, "2025-02-20T19:41:01-08:00"),
					Currency:      "USD",
					CustomerEmail: "jordan.kim@example.net",
					ReferringSite: "https://www.tiktok.com/",
					ClickID:       "ck_3fQ9xT2mLpZ8",
					Shipping:      650,
					Tax:           602,
					Lines: []LineInput{
						{ExternalID: "15873605287986", SKU: "CBC-32", ProductID: "8817748099122", Title: "Cold Brew Concentrate - 32 oz", Quantity: 3, UnitPrice: 1800},
						{ExternalID: "15873605320754", SKU: "CPD-WHT", ProductID: "8817748164658", Title: "Ceramic Pour-Over Dripper - White", Quantity: 1, UnitPrice: 3200},
					},
					Version: shopifyTime(t, "2025-02-20T19:41:06-08:00"),
				},
			},
			wantNet: 8600, // not 9100 with the 5.00 tip
		},
		{
			name:  "refunds/create, one of two totes and part of the shipping",
			file:  shopifyFixtureRefund,
			topic: "refunds/create",
			want: Event{
				Source: Shopify, Topic: "refunds/create", OrderRef: "6358044295474",
				Refunds: []RefundInput{{
					ExternalID: "1004519231538",
					At:         shopifyTime(t, "2025-02-27T16:30:05-05:00"),
					Amount:     3289, // not 42.82 with tax and shipping
					Lines:      []RefundLine{{LineExternalID: "15873519665202", SKU: "CT-NAT", Quantity: 1, Amount: 3289}},
					Reason:     "Customer returned one tote (strap stitching came loose)",
				}},
			},
			wantNet: 3289,
		},
		{
			name:  "orders/cancelled in JPY with its refund",
			file:  shopifyFixtureCancelled,
			topic: "orders/cancelled",
			want: Event{
				Source: Shopify, Topic: "orders/cancelled", OrderRef: "6358153220402",
				Order: &OrderInput{
					ExternalID:    "6358153220402",
					PlacedAt:      shopifyTime(t, "2025-03-03T21:12:44+09:00"),
					Currency:      "JPY",
					CustomerEmail: "yui.sato@example.jp",
					ReferringSite: "https://www.instagram.com/",
					ClickID:       "ck_Jm4Wq8Ze1RtY",
					Shipping:      800,
					Tax:           920,
					Lines: []LineInput{
						{ExternalID: "15873711276338", SKU: "HBS-01", ProductID: "8817755472178", Title: "Hinoki Bath Stool", Quantity: 1, UnitPrice: 4800},
						{ExternalID: "15873711309106", SKU: "YBS-200", ProductID: "8817755537714", Title: "Yuzu Bath Salts - 200g", Quantity: 3, UnitPrice: 1200},
					},
					Version: shopifyTime(t, "2025-03-04T10:15:24+09:00"),
				},
				Refunds: []RefundInput{{
					ExternalID: "1004519559218",
					At:         shopifyTime(t, "2025-03-04T10:15:22+09:00"),
					Amount:     8400, // not 10120 with shipping and tax
					Lines: []RefundLine{
						{LineExternalID: "15873711276338", SKU: "HBS-01", Quantity: 1, Amount: 4800},
						{LineExternalID: "15873711309106", SKU: "YBS-200", Quantity: 3, Amount: 3600},
					},
				}},
				Cancel: &CancelInput{At: shopifyTime(t, "2025-03-04T10:15:22+09:00"), Reason: "customer"},
			},
			wantNet: 8400,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := shopifyFixture(t, tt.file)
			got := shopifyParse(t, tt.topic, body)
			if !bytes.Equal(got.Raw, body) {
				t.Errorf("Raw is not the payload")
			}
			got.Raw = nil
			if got.Order != nil {
				if n := shopifyNet(got.Order); n != tt.wantNet {
					t.Errorf("net = %d, want %d", n, tt.wantNet)
				}
				for i, l := range got.Order.Lines {
					if w := tt.want.Order.Lines; i < len(w) && l.Discount != w[i].Discount {
						t.Errorf("line %d discount = %d, want %d", i, l.Discount, w[i].Discount)
					}
				}
			} else if got.Refunds[0].Amount != tt.wantNet {
				t.Errorf("refund amount = %d, want %d", got.Refunds[0].Amount, tt.wantNet)
			}
			if !reflect.DeepEqual(got, tt.want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(tt.want, "", "  ")
				t.Errorf("event:\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestParseShopifyVariants(t *testing.T) {
	percent := shopifyFixture(t, shopifyFixturePercentCode)
	fixed := shopifyFixture(t, shopifyFixtureFixedAuto)
	landing := shopifyFixture(t, shopifyFixtureLanding)
	cancelled := shopifyFixture(t, shopifyFixtureCancelled)

	tests := []struct {
		name       string
		topic      string
		body       []byte
		clickParam string
		check      func(t *testing.T, ev Event)
	}{
		{
			name:  "landing_site click id wins over note_attributes",
			topic: "orders/updated",
			body: shopifyEdit(t, percent, func(p map[string]any) {
				p["landing_site"] = "/products/merino-crew-sweater?clout_click=ck_fromURL&utm_source=clout"
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Order.ClickID != "ck_fromURL" {
					t.Errorf("ClickID = %q", ev.Order.ClickID)
				}
			},
		},
		{
			name:  "absolute landing_site",
			topic: "orders/create",
			body: shopifyEdit(t, landing, func(p map[string]any) {
				p["landing_site"] = "https://shop.example.com/?utm_source=clout&clout_click=ck_abs"
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Order.ClickID != "ck_abs" {
					t.Errorf("ClickID = %q", ev.Order.ClickID)
				}
			},
		},
		{
			name:       "the brand's own click parameter",
			topic:      "orders/create",
			clickParam: "ref",
			body: shopifyEdit(t, landing, func(p map[string]any) {
				p["landing_site"] = "/?ref=ck_ref&clout_click=ck_default"
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Order.ClickID != "ck_ref" {
					t.Errorf("ClickID = %q", ev.Order.ClickID)
				}
			},
		},
		{
			name:       "the brand's own parameter is looked for in note_attributes too",
			topic:      "orders/create",
			clickParam: "ref",
			body:       percent, // has clout_click only
			check: func(t *testing.T, ev Event) {
				if ev.Order.ClickID != "" {
					t.Errorf("ClickID = %q, want none", ev.Order.ClickID)
				}
			},
		},
		{
			name:  "a click parameter too long to be a click id is ignored",
			topic: "orders/create",
			body: shopifyEdit(t, landing, func(p map[string]any) {
				p["landing_site"] = "/?clout_click=" + strings.Repeat("x", 101)
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Order.ClickID != "" {
					t.Errorf("ClickID = %q", ev.Order.ClickID)
				}
			},
		},
		{
			name:  "no landing_site and no click attribute",
			topic: "orders/create",
			body: shopifyEdit(t, landing, func(p map[string]any) {
				p["landing_site"] = nil
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Order.ClickID != "" {
					t.Errorf("ClickID = %q", ev.Order.ClickID)
				}
			},
		},
		{
			name:  "email falls back to contact_email",
			topic: "orders/create",
			body: shopifyEdit(t, percent, func(p map[string]any) {
				p["email"] = nil
				p["contact_email"] = "contact@example.com"
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Order.CustomerEmail != "contact@example.com" {
					t.Errorf("CustomerEmail = %q", ev.Order.CustomerEmail)
				}
			},
		},
		{
			name:  "email falls back to customer.email",
			topic: "orders/create",
			body: shopifyEdit(t, percent, func(p map[string]any) {
				p["email"] = ""
				p["contact_email"] = nil
				shopifyAt(t, p, "customer")["email"] = "customer@example.com"
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Order.CustomerEmail != "customer@example.com" {
					t.Errorf("CustomerEmail = %q", ev.Order.CustomerEmail)
				}
			},
		},
		{
			name:  "placed at created_at without processed_at",
			topic: "orders/create",
			body: shopifyEdit(t, percent, func(p map[string]any) {
				delete(p, "processed_at")
			}),
			check: func(t *testing.T, ev Event) {
				if want := shopifyTime(t, "2025-02-11T14:22:31-05:00"); !ev.Order.PlacedAt.Equal(want) {
					t.Errorf("PlacedAt = %v, want %v", ev.Order.PlacedAt, want)
				}
			},
		},
		{
			name:  "shipping from shipping_lines without total_shipping_price_set",
			topic: "orders/paid",
			body: shopifyEdit(t, fixed, func(p map[string]any) {
				delete(p, "total_shipping_price_set")
				lines := p["shipping_lines"].([]any)
				extra := map[string]any{"price": "2.50"}
				p["shipping_lines"] = append(lines, extra)
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Order.Shipping != 1750 {
					t.Errorf("Shipping = %d, want 1750", ev.Order.Shipping)
				}
			},
		},
		{
			name:  "plain shop-currency fields without any *_set",
			topic: "orders/paid",
			body: shopifyEdit(t, fixed, func(p map[string]any) {
				shopifyDropSets(p)
			}),
			check: func(t *testing.T, ev Event) {
				want := shopifyParse(t, "orders/paid", fixed)
				want.Raw = ev.Raw
				if !reflect.DeepEqual(ev, want) {
					t.Errorf("without sets: %+v\nwith sets: %+v", ev.Order, want.Order)
				}
			},
		},
		{
			name:  "plain refund subtotals (JSON numbers) without any *_set",
			topic: "orders/cancelled",
			body: shopifyEdit(t, cancelled, func(p map[string]any) {
				shopifyDropSets(p)
			}),
			check: func(t *testing.T, ev Event) {
				if r := ev.Refunds[0]; r.Amount != 8400 || r.Lines[1].Amount != 3600 {
					t.Errorf("refund = %+v", r)
				}
			},
		},
		{
			name:  "a tip line without the tip keys is matched by total_tip_received",
			topic: "orders/create",
			body: shopifyEdit(t, landing, func(p map[string]any) {
				tip := shopifyAt(t, p, "line_items", 2)
				delete(tip, "tip_payment_gateway")
				delete(tip, "tip_payment_method")
			}),
			check: func(t *testing.T, ev Event) {
				if len(ev.Order.Lines) != 2 || shopifyNet(ev.Order) != 8600 {
					t.Errorf("lines = %+v", ev.Order.Lines)
				}
			},
		},
		{
			name:  "the tip keys mark a tip even when null and without total_tip_received",
			topic: "orders/create",
			body: shopifyEdit(t, landing, func(p map[string]any) {
				tip := shopifyAt(t, p, "line_items", 2)
				tip["tip_payment_gateway"] = nil
				tip["tip_payment_method"] = nil
				delete(p, "total_tip_received")
			}),
			check: func(t *testing.T, ev Event) {
				if len(ev.Order.Lines) != 2 || shopifyNet(ev.Order) != 8600 {
					t.Errorf("lines = %+v", ev.Order.Lines)
				}
			},
		},
		{
			name:  "a custom line is kept when there is no tip",
			topic: "orders/create",
			body: shopifyEdit(t, landing, func(p map[string]any) {
				custom := shopifyAt(t, p, "line_items", 2)
				delete(custom, "tip_payment_gateway")
				delete(custom, "tip_payment_method")
				custom["title"] = "Gift wrapping"
				p["total_tip_received"] = "0.00"
			}),
			check: func(t *testing.T, ev Event) {
				if len(ev.Order.Lines) != 3 || shopifyNet(ev.Order) != 9100 {
					t.Errorf("lines = %+v", ev.Order.Lines)
				}
			},
		},
		{
			name:  "a refunded tip is not a merchandise refund",
			topic: "orders/updated",
			body: shopifyEdit(t, landing, func(p map[string]any) {
				p["refunds"] = []any{map[string]any{
					"id": json.Number("1004519887410"), "order_id": p["id"], "created_at": "2025-02-22T08:00:00-08:00",
					"note": "Tip returned", "refund_line_items": []any{
						map[string]any{"id": json.Number("641204093490"), "quantity": json.Number("1"), "line_item_id": json.Number("15873605353522"), "subtotal": json.Number("5.00")},
						map[string]any{"id": json.Number("641204126258"), "quantity": json.Number("1"), "line_item_id": json.Number("15873605287986"), "subtotal": json.Number("18.00")},
					},
				}}
			}),
			check: func(t *testing.T, ev Event) {
				r := ev.Refunds[0]
				if r.Amount != 1800 || len(r.Lines) != 1 || r.Lines[0].LineExternalID != "15873605287986" {
					t.Errorf("refund = %+v", r)
				}
			},
		},
		{
			name:  "refunds/create leaves out a refunded tip",
			topic: "refunds/create",
			body: shopifyEdit(t, shopifyFixture(t, shopifyFixtureRefund), func(p map[string]any) {
				lines := p["refund_line_items"].([]any)
				p["refund_line_items"] = append(lines, map[string]any{
					"id": json.Number("641203470386"), "quantity": json.Number("1"), "line_item_id": json.Number("15873519697970"),
					"subtotal": json.Number("4.00"),
					"line_item": map[string]any{"id": json.Number("15873519697970"), "title": "Tip", "product_id": nil, "variant_id": nil,
						"price": "4.00", "quantity": json.Number("1"), "tip_payment_gateway": "shopify_payments", "tip_payment_method": "card"},
				})
			}),
			check: func(t *testing.T, ev Event) {
				if r := ev.Refunds[0]; r.Amount != 3289 || len(r.Lines) != 1 {
					t.Errorf("refund = %+v", r)
				}
			},
		},
		{
			name:  "not cancelled",
			topic: "orders/updated",
			body:  percent,
			check: func(t *testing.T, ev Event) {
				if ev.Cancel != nil || ev.Refunds != nil {
					t.Errorf("Cancel = %+v, Refunds = %+v", ev.Cancel, ev.Refunds)
				}
			},
		},
		{
			name:  "ids given as strings",
			topic: "orders/create",
			body: shopifyEdit(t, percent, func(p map[string]any) {
				p["id"] = "6358021947698"
				shopifyAt(t, p, "line_items", 0)["id"] = "gid://shopify/LineItem/15873402192178"
				shopifyAt(t, p, "line_items", 0)["product_id"] = nil
			}),
			check: func(t *testing.T, ev Event) {
				l := ev.Order.Lines[0]
				if ev.OrderRef != "6358021947698" || l.ExternalID != "15873402192178" || l.ProductID != "" {
					t.Errorf("OrderRef = %q, line = %+v", ev.OrderRef, l)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseShopify(tt.topic, tt.body, tt.clickParam)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, ev)
		})
	}
}

// shopifyDropSets removes every *_set field, leaving the plain ones.
func shopifyDropSets(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if strings.HasSuffix(k, "_set") {
				delete(v, k)
				continue
			}
			shopifyDropSets(x)
		}
	case []any:
		for _, x := range v {
			shopifyDropSets(x)
		}
	}
}

func TestParseShopifyErrors(t *testing.T) {
	percent := shopifyFixture(t, shopifyFixturePercentCode)
	fixed := shopifyFixture(t, shopifyFixtureFixedAuto)
	refund := shopifyFixture(t, shopifyFixtureRefund)
	cancelled := shopifyFixture(t, shopifyFixtureCancelled)

	tests := []struct {
		name    string
		topic   string
		body    []byte
		wantErr error  // errors.Is
		field   string // a validate.Errors field, when wantErr is nil
	}{
		{name: "malformed JSON", topic: "orders/create", body: []byte(`{"id": 6358021947698, "line_items": [`), wantErr: ErrMalformed},
		{name: "not JSON", topic: "orders/create", body: []byte(`id=6358021947698`), wantErr: ErrMalformed},
		{name: "array", topic: "orders/create", body: []byte(`[{"id": 6358021947698}]`), wantErr: ErrMalformed},
		{name: "null", topic: "orders/paid", body: []byte(`null`), wantErr: ErrMalformed},
		{name: "empty object", topic: "orders/updated", body: []byte(`{}`), wantErr: ErrMalformed},
		{name: "empty body", topic: "refunds/create", body: nil, wantErr: ErrMalformed},
		{name: "no order id", topic: "orders/create", body: shopifyEdit(t, percent, func(p map[string]any) { delete(p, "id") }), wantErr: ErrMalformed},
		{name: "zero order id", topic: "orders/create", body: shopifyEdit(t, percent, func(p map[string]any) { p["id"] = json.Number("0") }), wantErr: ErrMalformed},
		{name: "fractional order id", topic: "orders/create", body: shopifyEdit(t, percent, func(p map[string]any) { p["id"] = json.Number("6.358021947698e12") }), wantErr: ErrMalformed},
		{name: "refund without order_id", topic: "refunds/create", body: shopifyEdit(t, refund, func(p map[string]any) { p["order_id"] = nil }), wantErr: ErrMalformed},
		{name: "refund without id", topic: "refunds/create", body: shopifyEdit(t, refund, func(p map[string]any) { delete(p, "id") }), wantErr: ErrMalformed},
		{name: "unsupported topic", topic: "products/update", body: percent, wantErr: ErrUnsupportedTopic},
		{name: "no topic", topic: "", body: percent, wantErr: ErrUnsupportedTopic},
		{name: "unsupported refund-like topic", topic: "orders/refunded", body: refund, wantErr: ErrUnsupportedTopic},
		{
			name: "negative quantity", topic: "orders/create", field: "line_items[0].quantity",
			body: shopifyEdit(t, percent, func(p map[string]any) { shopifyAt(t, p, "line_items", 0)["quantity"] = json.Number("-2") }),
		},
		{
			name: "zero quantity", topic: "orders/create", field: "line_items[1].quantity",
			body: shopifyEdit(t, percent, func(p map[string]any) { shopifyAt(t, p, "line_items", 1)["quantity"] = json.Number("0") }),
		},
		{
			name: "fractional quantity", topic: "orders/create", field: "line_items[0].quantity",
			body: shopifyEdit(t, percent, func(p map[string]any) { shopifyAt(t, p, "line_items", 0)["quantity"] = json.Number("1.5") }),
		},
		{
			name: "unknown currency", topic: "orders/create", field: "currency",
			body: shopifyEdit(t, percent, func(p map[string]any) {
				p["currency"] = "XBT"
				shopifyAt(t, p, "total_price_set", "shop_money")["currency_code"] = "XBT"
			}),
		},
		{
			name: "unknown currency, no total_price_set", topic: "orders/create", field: "currency",
			body: shopifyEdit(t, percent, func(p map[string]any) {
				p["currency"] = "usdollar"
				delete(p, "total_price_set")
			}),
		},
		{
			name: "unparsable price", topic: "orders/paid", field: "line_items[1].price_set.shop_money.amount",
			body: shopifyEdit(t, fixed, func(p map[string]any) { shopifySetAmount(t, shopifyAt(t, p, "line_items", 1), "price", "35,00") }),
		},
		{
			name: "unparsable plain price", topic: "orders/paid", field: "line_items[1].price",
			body: shopifyEdit(t, fixed, func(p map[string]any) {
				li := shopifyAt(t, p, "line_items", 1)
				li["price"] = "thirty-five"
				delete(li, "price_set")
			}),
		},
		{
			name: "negative discount allocation", topic: "orders/paid", field: "line_items[0].discount_allocations[1].amount_set.shop_money.amount",
			body: shopifyEdit(t, fixed, func(p map[string]any) {
				shopifySetAmount(t, shopifyAt(t, p, "line_items", 0, "discount_allocations", 1), "amount", "-5.78")
			}),
		},
		{
			name: "shop money in another currency", topic: "orders/paid", field: "line_items[0].price_set.shop_money.currency_code",
			body: shopifyEdit(t, fixed, func(p map[string]any) {
				shopifyAt(t, p, "line_items", 0, "price_set", "shop_money")["currency_code"] = "USD"
			}),
		},
		{
			name: "unparsable tax", topic: "orders/create", field: "total_tax_set.shop_money.amount",
			body: shopifyEdit(t, percent, func(p map[string]any) { shopifySetAmount(t, p, "total_tax", "15.2.8") }),
		},
		{
			name: "bad timestamp", topic: "orders/create", field: "processed_at",
			body: shopifyEdit(t, percent, func(p map[string]any) { p["processed_at"] = "11/02/2025 14:22" }),
		},
		{
			name: "cents in JPY", topic: "orders/cancelled", field: "line_items[0].price_set.shop_money.amount",
			body: shopifyEdit(t, cancelled, func(p map[string]any) { shopifySetAmount(t, shopifyAt(t, p, "line_items", 0), "price", "19.99") }),
		},
		{
			name: "cents in a JPY refund", topic: "orders/cancelled", field: "refunds[0].refund_line_items[1].subtotal_set.shop_money.amount",
			body: shopifyEdit(t, cancelled, func(p map[string]any) {
				shopifySetAmount(t, shopifyAt(t, p, "refunds", 0, "refund_line_items", 1), "subtotal", "3599.50")
			}),
		},
		{
			name: "negative refund quantity", topic: "refunds/create", field: "refund_line_items[0].quantity",
			body: shopifyEdit(t, refund, func(p map[string]any) { shopifyAt(t, p, "refund_line_items", 0)["quantity"] = json.Number("-1") }),
		},
		{
			name: "unparsable refund subtotal", topic: "refunds/create", field: "refund_line_items[0].subtotal_set.shop_money.amount",
			body: shopifyEdit(t, refund, func(p map[string]any) {
				shopifySetAmount(t, shopifyAt(t, p, "refund_line_items", 0), "subtotal", "32.895")
			}),
		},
		{
			name: "refund in an unknown currency", topic: "refunds/create", field: "refund_line_items[0].subtotal_set.shop_money.currency_code",
			body: shopifyEdit(t, refund, func(p map[string]any) {
				shopifyAt(t, p, "refund_line_items", 0, "subtotal_set", "shop_money")["currency_code"] = "C$"
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseShopify(tt.topic, tt.body, "")
			if err == nil {
				t.Fatalf("no error; event %+v", ev)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want one wrapping %v", err, tt.wantErr)
				}
				return
			}
			var ve validate.Errors
			if !errors.As(err, &ve) {
				t.Fatalf("error %v (%T), want validate.Errors", err, err)
			}
			if _, ok := ve.Map()[tt.field]; !ok {
				t.Fatalf("errors %v do not name %s", ve, tt.field)
			}
			if errors.Is(err, ErrMalformed) {
				t.Errorf("a field error wraps ErrMalformed")
			}
		})
	}
}

func TestParseShopifyJPYExact(t *testing.T) {
	cancelled := shopifyFixture(t, shopifyFixtureCancelled)
	for _, amount := range []string{"1999", "1999.00"} {
		body := shopifyEdit(t, cancelled, func(p map[string]any) {
			shopifySetAmount(t, shopifyAt(t, p, "line_items", 0), "price", amount)
		})
		ev := shopifyParse(t, "orders/cancelled", body)
		if got := ev.Order.Lines[0].UnitPrice; got != 1999 {
			t.Errorf("%s JPY: UnitPrice = %d, want 1999", amount, got)
		}
	}
}

func TestParseShopifyTopics(t *testing.T) {
	for _, topic := range ShopifyTopics {
		body := shopifyFixture(t, shopifyFixturePercentCode)
		if topic == "refunds/create" {
			body = shopifyFixture(t, shopifyFixtureRefund)
		}
		ev, err := ParseShopify(topic, body, "")
		if err != nil {
			t.Errorf("%s: %v", topic, err)
			continue
		}
		if ev.Source != Shopify || ev.Topic != topic || ev.OrderRef == "" {
			t.Errorf("%s: event %+v", topic, ev)
		}
	}
}

func TestVerifyShopify(t *testing.T) {
	const secret = "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"
	body := shopifyFixture(t, shopifyFixturePercentCode)
	sign := func(b []byte, key string) string {
		m := hmac.New(sha256.New, []byte(key))
		m.Write(b)
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	good := sign(body, secret)
	raw, _ := base64.StdEncoding.DecodeString(good)
	forged := append([]byte(nil), raw...)
	forged[0] ^= 0x01

	tests := []struct {
		name   string
		body   []byte
		header string
		secret string
		want   bool
	}{
		{"correct", body, good, secret, true},
		{"correct, padded header", body, " " + good + "\n", secret, true},
		{"forged", body, base64.StdEncoding.EncodeToString(forged), secret, false},
		{"truncated", body, base64.StdEncoding.EncodeToString(raw[:16]), secret, false},
		{"empty header", body, "", secret, false},
		{"empty secret", body, good, "", false},
		{"empty secret, signed with it", body, sign(body, ""), "", false},
		{"another body", shopifyFixture(t, shopifyFixtureLanding), good, secret, false},
		{"body changed by a byte", append(bytes.Clone(body[:len(body)-2]), ' ', '\n'), good, secret, false},
		{"another secret", body, sign(body, "shpss_other"), secret, false},
		{"hex instead of base64", body, hex.EncodeToString(raw), secret, false},
		{"not base64", body, "not a signature!", secret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyShopify(tt.body, tt.header, tt.secret); got != tt.want {
				t.Errorf("VerifyShopify = %v, want %v", got, tt.want)
			}
		})
	}
}
