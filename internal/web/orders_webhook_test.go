package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/stripe/stripe-go/v76/webhook"
)

func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile("../order/testdata/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func shopifySign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

type hook struct {
	topic, eventID, signature string
}

func (a *testApp) postWebhook(t *testing.T, path string, body []byte, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (a *testApp) shopify(t *testing.T, brandID string, h hook, body []byte) (int, string) {
	t.Helper()
	return a.postWebhook(t, "/webhooks/shopify/"+brandID, body, map[string]string{
		"X-Shopify-Topic": h.topic, "X-Shopify-Event-Id": h.eventID, "X-Shopify-Hmac-Sha256": h.signature,
		"X-Shopify-Webhook-Id": "wh-" + h.eventID})
}

func (a *testApp) setSecrets(t *testing.T, brandID string, p brand.SettingsPatch) {
	t.Helper()
	if _, err := a.Brands.UpdateSettings(context.Background(), brand.Actor{Type: "cli"}, brandID, p); err != nil {
		t.Fatal(err)
	}
}

func (a *testApp) activeCreatorWithCode(t *testing.T, brandID, name, code string) *creator.Creator {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@creator.test"
	cr, _, err := a.Creators.New(context.Background(), brand.Actor{Type: "cli"}, brandID,
		creator.Profile{Name: &name, Email: &email}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Codes(t).Create(context.Background(), brandID, cr.ID,
		coupon.Input{Code: code, DiscountType: coupon.Percent, DiscountValue: 1500}); err != nil {
		t.Fatal(err)
	}
	return cr
}

func countRows(t *testing.T, db *store.DB, table, brandID string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Where("brand_id = ?", brandID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestShopifyWebhooks(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Wool Co", "owner@wool.test")
		b := c.Brand
		create := fixture(t, "shopify/orders_create_percentage_code.json")

		// Not set up yet: 401, nothing stored.
		if st, body := a.shopify(t, b.ID, hook{"orders/create", "e1", shopifySign(create, "whatever")}, create); st != 401 ||
			!strings.Contains(body, "Settings") {
			t.Fatalf("unconfigured: %d %s", st, body)
		}
		secret := "shpss_test_secret"
		a.setSecrets(t, b.ID, brand.SettingsPatch{ShopifyWebhookSecret: &secret})
		sarah := a.activeCreatorWithCode(t, b.ID, "Sarah Kim", "SARAH15")

		for name, sig := range map[string]string{
			"forged":         shopifySign(create, "another secret"),
			"missing":        "",
			"other body":     shopifySign([]byte(`{"id":1}`), secret),
			"not base64":     "%%%",
			"signed, edited": shopifySign(create, secret) + "x",
		} {
			if st, _ := a.shopify(t, b.ID, hook{"orders/create", "e1", sig}, create); st != 401 {
				t.Errorf("%s signature: status %d, want 401", name, st)
			}
		}
		if st, _ := a.shopify(t, "br_nope", hook{"orders/create", "e1", shopifySign(create, secret)}, create); st != 404 {
			t.Errorf("unknown brand: %d", st)
		}
		malformed := []byte(`{"id": 12, "line_items": [`)
		if st, body := a.shopify(t, b.ID, hook{"orders/create", "e2", shopifySign(malformed, secret)}, malformed); st != 400 {
			t.Errorf("malformed JSON: %d %s", st, body)
		}
		negative := []byte(strings.Replace(string(create), `"quantity": 2`, `"quantity": -2`, 1))
		if negative := string(negative); negative == string(create) {
			t.Fatal("the fixture has no \"quantity\": 2 to edit")
		}
		if st, body := a.shopify(t, b.ID, hook{"orders/create", "e3", shopifySign(negative, secret)}, negative); st != 422 ||
			!strings.Contains(body, "quantity") {
			t.Errorf("negative quantity: %d %s", st, body)
		}
		for _, table := range []string{"orders", "order_lines", "order_adjustments", "order_events"} {
			if n := countRows(t, db, table, b.ID); n != 0 {
				t.Fatalf("%d rows in %s after refused deliveries", n, table)
			}
		}

		// A genuine delivery is stored and attributed to the code's creator.
		st, body := a.shopify(t, b.ID, hook{"orders/create", "e10", shopifySign(create, secret)}, create)
		if st != 200 || !strings.Contains(body, `"stored"`) {
			t.Fatalf("orders/create: %d %s", st, body)
		}
		o, err := a.Orders.ByExternalID(context.Background(), b.ID, order.Shopify, "6358021947698")
		if err != nil {
			t.Fatal(err)
		}
		if o.Net != 17212 || o.Shipping != 795 || o.Tax != 1528 || o.ClickID != "ck_7YpQ2rVx9LmB" ||
			o.AttributionMethod != order.ByCode || o.CreatorID == nil || *o.CreatorID != sarah.ID {
			t.Fatalf("stored order: net %d ship %d tax %d click %q by %s %v", o.Net, o.Shipping, o.Tax, o.ClickID, o.AttributionMethod, o.CreatorID)
		}
		// Shopify retries the same event: a duplicate. orders/paid for the
		// same order under another event id changes nothing either.
		if st, body := a.shopify(t, b.ID, hook{"orders/create", "e10", shopifySign(create, secret)}, create); st != 200 || !strings.Contains(body, "duplicate") {
			t.Errorf("retry: %d %s", st, body)
		}
		if st, _ := a.shopify(t, b.ID, hook{"orders/paid", "e11", shopifySign(create, secret)}, create); st != 200 {
			t.Errorf("orders/paid: %d", st)
		}
		if n := countRows(t, db, "orders", b.ID); n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
		if n := countRows(t, db, "order_lines", b.ID); n != 2 {
			t.Errorf("%d lines, want 2", n)
		}
		// Topics Clout does not act on are acknowledged.
		other := []byte(`{"id": 1}`)
		if st, body := a.shopify(t, b.ID, hook{"products/update", "e12", shopifySign(other, secret)}, other); st != 200 || !strings.Contains(body, "ignored") {
			t.Errorf("other topic: %d %s", st, body)
		}

		// A refund that arrives before its order waits for it.
		refund := fixture(t, "shopify/refunds_create_partial.json")
		if st, body := a.shopify(t, b.ID, hook{"refunds/create", "e20", shopifySign(refund, secret)}, refund); st != 200 ||
			!strings.Contains(body, "kept until its order arrives") {
			t.Fatalf("early refund: %d %s", st, body)
		}
		paid := fixture(t, "shopify/orders_paid_fixed_code_and_automatic.json")
		if st, body := a.shopify(t, b.ID, hook{"orders/paid", "e21", shopifySign(paid, secret)}, paid); st != 200 {
			t.Fatalf("orders/paid: %d %s", st, body)
		}
		o, err = a.Orders.ByExternalID(context.Background(), b.ID, order.Shopify, "6358044295474")
		if err != nil {
			t.Fatal(err)
		}
		if o.Currency != "CAD" || o.Net != 15600 || o.Refunded != 3289 || o.Status != order.PartiallyRefunded ||
			o.AttributionMethod != order.ByNone || len(o.Adjustments) != 1 {
			t.Fatalf("order after its early refund: %s net %d refunded %d %s by %s (%s)", o.Currency, o.Net, o.Refunded, o.Status,
				o.AttributionMethod, o.AttributionEvidence.Reason)
		}
		if !strings.Contains(o.AttributionEvidence.Reason, "WELCOME10") {
			t.Errorf("the receipt does not say why WELCOME10 did not count: %q", o.AttributionEvidence.Reason)
		}
		// An order without a code, whose landing_site carries a click id of
		// one of this brand's links clicked a day earlier, goes to that
		// link's creator.
		jules := a.activeCreatorWithCode(t, b.ID, "Jules Brew", "JULES10")
		clickedAt := time.Date(2025, 2, 20, 3, 0, 0, 0, time.UTC)
		if err := db.Exec(`INSERT INTO clicks (id, clicked_at, brand_id, creator_id, link_id, visitor_hash, is_bot, is_unique)
			VALUES ('ck_3fQ9xT2mLpZ8', ?, ?, ?, 'lnk_x', 'v', FALSE, TRUE)`, clickedAt, b.ID, jules.ID).Error; err != nil {
			t.Fatal(err)
		}
		landing := fixture(t, "shopify/orders_create_landing_click.json")
		if st, body := a.shopify(t, b.ID, hook{"orders/create", "e25", shopifySign(landing, secret)}, landing); st != 200 {
			t.Fatalf("landing order: %d %s", st, body)
		}
		o, _ = a.Orders.ByExternalID(context.Background(), b.ID, order.Shopify, "6358097612850")
		if o.Net != 8600 || o.ClickID != "ck_3fQ9xT2mLpZ8" || o.AttributionMethod != order.ByClick || o.CreatorID == nil ||
			*o.CreatorID != jules.ID || o.AttributionEvidence.ClickedAt == nil {
			t.Errorf("landing order: net %d click %q by %s %v (%s)", o.Net, o.ClickID, o.AttributionMethod, o.CreatorID, o.AttributionRule)
		}

		cancelled := fixture(t, "shopify/orders_cancelled.json")
		if st, body := a.shopify(t, b.ID, hook{"orders/cancelled", "e30", shopifySign(cancelled, secret)}, cancelled); st != 200 {
			t.Fatalf("orders/cancelled: %d %s", st, body)
		}
		o, _ = a.Orders.ByExternalID(context.Background(), b.ID, order.Shopify, "6358153220402")
		if o.Status != order.Cancelled || o.Currency != "JPY" || o.Refunded != 8400 {
			t.Errorf("cancelled order: %s %s refunded %d", o.Status, o.Currency, o.Refunded)
		}

		// Another brand's secret does not open this brand's webhook.
		other2 := a.createBrand(t, "Other Co", "owner@other.test")
		s2 := "other-secret"
		a.setSecrets(t, other2.Brand.ID, brand.SettingsPatch{ShopifyWebhookSecret: &s2})
		if st, _ := a.shopify(t, b.ID, hook{"orders/create", "e40", shopifySign(create, s2)}, create); st != 401 {
			t.Errorf("another brand's secret: %d", st)
		}
	})
}

func stripeSigned(t *testing.T, file, secret string) ([]byte, string) {
	t.Helper()
	body := fixture(t, "stripe/"+file)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: time.Now()})
	return sp.Payload, sp.Header
}

func TestStripeWebhooks(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		b := a.createBrand(t, "Brew Co", "owner@brew.test").Brand
		secret := "whsec_test_secret"
		body, sig := stripeSigned(t, "checkout_session_completed_paid.json", secret)
		post := func(body []byte, sig string) (int, string) {
			return a.postWebhook(t, "/webhooks/stripe/"+b.ID, body, map[string]string{"Stripe-Signature": sig})
		}
		if st, _ := post(body, sig); st != 401 {
			t.Errorf("unconfigured: %d", st)
		}
		a.setSecrets(t, b.ID, brand.SettingsPatch{StripeWebhookSecret: &secret})
		_, forged := stripeSigned(t, "checkout_session_completed_paid.json", "whsec_other")
		for name, s := range map[string]string{"forged": forged, "missing": ""} {
			if st, _ := post(body, s); st != 401 {
				t.Errorf("%s: %d", name, st)
			}
		}
		if n := countRows(t, db, "orders", b.ID); n != 0 {
			t.Fatalf("%d orders after refused events", n)
		}
		unpaid, usig := stripeSigned(t, "checkout_session_completed_unpaid.json", secret)
		if st, body := post(unpaid, usig); st != 200 || !strings.Contains(body, "ignored") {
			t.Errorf("unpaid session: %d %s", st, body)
		}
		st, out := post(body, sig)
		if st != 200 || !strings.Contains(out, "stored") {
			t.Fatalf("paid session: %d %s", st, out)
		}
		if st, out := post(body, sig); st != 200 || !strings.Contains(out, "duplicate") {
			t.Errorf("repeat: %d %s", st, out)
		}
		var reply struct {
			OrderID string `json:"order_id"`
		}
		_ = json.Unmarshal([]byte(out), &reply)
		o, err := a.Orders.Get(context.Background(), b.ID, reply.OrderID)
		if err != nil || o.Source != order.Stripe || o.Net <= 0 || o.Status != order.Open {
			t.Fatalf("stripe order: %+v, %v", o, err)
		}
		for _, f := range []string{"charge_refunded_partial.json", "charge_refunded_full.json"} {
			rb, rs := stripeSigned(t, f, secret)
			if st, body := post(rb, rs); st != 200 {
				t.Fatalf("%s: %d %s", f, st, body)
			}
		}
		o, _ = a.Orders.Get(context.Background(), b.ID, reply.OrderID)
		t.Logf("after refunds: net %d refunded %d status %s", o.Net, o.Refunded, o.Status)
		if o.Status != order.Refunded || o.Refunded != o.Net {
			t.Errorf("after the full refund: %s refunded %d of %d", o.Status, o.Refunded, o.Net)
		}
	})
}
