package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

type codeOut struct {
	ID                    string     `json:"id"`
	Code                  string     `json:"code"`
	DiscountType          string     `json:"discount_type"`
	DiscountValue         int64      `json:"discount_value"`
	Currency              string     `json:"currency"`
	Active                bool       `json:"active"`
	ExpiresAt             *time.Time `json:"expires_at"`
	StripePromotionCodeID string     `json:"stripe_promotion_code_id"`
	CreatedAt             time.Time  `json:"created_at"`
}

// apiCreator creates a creator through the API and returns its id.
func (a *testApp) apiCreator(t *testing.T, key, body string) string {
	t.Helper()
	status, out := a.api(t, "POST", "/api/v1/creators", key, body)
	if status != 201 {
		t.Fatalf("creating a creator: %d %s", status, out)
	}
	var cr struct{ ID string }
	json.Unmarshal([]byte(out), &cr)
	return cr.ID
}

func decodeCode(t *testing.T, body string) codeOut {
	t.Helper()
	var c codeOut
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return c
}

func TestAPICodes(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		b := a.createBrand(t, "Glow", "owner@glow.test")
		other := a.createBrand(t, "Other", "owner@other.test")
		maya := a.apiCreator(t, b.APIKey, `{"name": "Maya", "email": "maya@x.test", "handles": {"instagram": {"handle": "@maya"}}}`)
		stranger := a.apiCreator(t, other.APIKey, `{"name": "Sam", "email": "sam@x.test"}`)
		path := "/api/v1/creators/" + maya + "/codes"

		// Generated from the handle; the brand has no Stripe key, so no Stripe.
		status, body := a.api(t, "POST", path, b.APIKey, `{"discount_type": "percent", "discount_value": 1500}`)
		if status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
		first := decodeCode(t, body)
		if first.ID == "" || first.Code != "MAYA15" || first.DiscountType != "percent" || first.DiscountValue != 1500 ||
			first.Currency != "" || !first.Active || first.ExpiresAt != nil || first.StripePromotionCodeID != "" || first.CreatedAt.IsZero() {
			t.Fatalf("created: %s", body)
		}
		for _, k := range []string{`"id"`, `"code"`, `"discount_type"`, `"discount_value"`, `"currency"`, `"active"`, `"expires_at"`, `"stripe_promotion_code_id"`, `"created_at"`} {
			if !strings.Contains(body, k) {
				t.Fatalf("response lacks %s: %s", k, body)
			}
		}
		// Taken in another letter case: 409 naming the code.
		status, body = a.api(t, "POST", path, b.APIKey, `{"code": "maya15", "discount_type": "percent", "discount_value": 1000}`)
		if status != 409 || !strings.Contains(body, `"conflict"`) || !strings.Contains(body, "maya15") || !strings.Contains(body, "taken") {
			t.Fatalf("taken code: %d %s", status, body)
		}
		// Generated again: a suffix.
		status, body = a.api(t, "POST", path, b.APIKey, `{"discount_type": "percent", "discount_value": 1500}`)
		if status != 201 || decodeCode(t, body).Code != "MAYA15-2" {
			t.Fatalf("second generated: %d %s", status, body)
		}
		// Chosen, amount, with expiry.
		status, body = a.api(t, "POST", path, b.APIKey, `{"code": "Maya-Ten", "discount_type": "amount", "discount_value": 1000, "expires_at": "2099-01-02T03:04:05+02:00"}`)
		third := decodeCode(t, body)
		if status != 201 || third.Code != "Maya-Ten" || third.Currency != "USD" || third.ExpiresAt == nil ||
			!third.ExpiresAt.Equal(time.Date(2099, 1, 2, 1, 4, 5, 0, time.UTC)) {
			t.Fatalf("chosen amount code: %d %s", status, body)
		}

		invalid := []struct{ body, field string }{
			{`{"discount_type": "fixed", "discount_value": 100}`, "discount_type"},
			{`{"discount_value": 100}`, "discount_type"},
			{`{"discount_type": "percent", "discount_value": 10001}`, "discount_value"},
			{`{"discount_type": "percent"}`, "discount_value"},
			{`{"discount_type": "amount", "discount_value": -1}`, "discount_value"},
			{`{"code": "x", "discount_type": "percent", "discount_value": 100}`, "code"},
			{`{"code": "no spaces", "discount_type": "percent", "discount_value": 100}`, "code"},
			{`{"discount_type": "percent", "discount_value": 100, "expires_at": "2001-01-01T00:00:00Z"}`, "expires_at"},
			{`{"discount_type": "percent", "discount_value": 100, "expires_at": "next tuesday"}`, "expires_at"},
		}
		for _, c := range invalid {
			status, body := a.api(t, "POST", path, b.APIKey, c.body)
			if status != 422 || !strings.Contains(body, `"field":"`+c.field+`"`) {
				t.Errorf("%s: %d %s, want 422 on %s", c.body, status, body, c.field)
			}
		}
		for _, bad := range []string{`{"discount_type": "percent", "discount_value": 15.5}`, `{"discount_type": "percent", "discount_value": 100, "extra": 1}`, `nope`} {
			if status, body := a.api(t, "POST", path, b.APIKey, bad); status != 400 {
				t.Errorf("%s: %d %s, want 400", bad, status, body)
			}
		}

		// Another brand's creator, or none: 404 without a word about it.
		for _, p := range []string{"/api/v1/creators/" + stranger + "/codes", "/api/v1/creators/cr_nope/codes"} {
			if status, body := a.api(t, "POST", p, b.APIKey, `{"discount_type": "percent", "discount_value": 1500}`); status != 404 {
				t.Fatalf("POST %s: %d %s", p, status, body)
			}
			if status, body := a.api(t, "GET", p, b.APIKey, ""); status != 404 {
				t.Fatalf("GET %s: %d %s", p, status, body)
			}
		}
		if status, _ := a.api(t, "POST", path, other.APIKey, `{"discount_type": "percent", "discount_value": 1500}`); status != 404 {
			t.Fatalf("other brand's key on this creator: %d", status)
		}
		if status, _ := a.api(t, "GET", path, "", ""); status != 401 {
			t.Fatalf("without a key: %d", status)
		}

		// The list, newest first.
		status, body = a.api(t, "GET", path, b.APIKey, "")
		var list struct{ Data []codeOut }
		json.Unmarshal([]byte(body), &list)
		if status != 200 || len(list.Data) != 3 || list.Data[0].Code != "Maya-Ten" || list.Data[1].Code != "MAYA15-2" || list.Data[2].Code != "MAYA15" {
			t.Fatalf("list: %d %s", status, body)
		}
		status, body = a.api(t, "GET", "/api/v1/creators/"+stranger+"/codes", other.APIKey, "")
		if status != 200 || !strings.Contains(body, `"data":[]`) {
			t.Fatalf("empty list: %d %s", status, body)
		}
		// The other brand may have the same code.
		status, body = a.api(t, "POST", "/api/v1/creators/"+stranger+"/codes", other.APIKey, `{"code": "MAYA15", "discount_type": "percent", "discount_value": 1500}`)
		if status != 201 {
			t.Fatalf("same code in another brand: %d %s", status, body)
		}
	})
}

func TestAPICodesStripe(t *testing.T) {
	mock := testutil.StripeMockV76(t, needStripe(t))
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db, "CLOUT_STRIPE_API_BASE", mock)
		b := a.createBrand(t, "Glow", "owner@glow.test")
		if status, body := a.api(t, "PATCH", "/api/v1/brand", b.APIKey, `{"stripe_secret_key": "sk_test_123"}`); status != 200 {
			t.Fatalf("setting the Stripe key: %d %s", status, body)
		}
		maya := a.apiCreator(t, b.APIKey, `{"name": "Maya", "email": "maya@x.test", "handles": {"tiktok": {"handle": "@maya"}}}`)
		path := "/api/v1/creators/" + maya + "/codes"
		for _, in := range []string{
			`{"discount_type": "percent", "discount_value": 1550, "expires_at": "2099-01-01T00:00:00Z"}`,
			`{"code": "maya_off", "discount_type": "amount", "discount_value": 500}`,
		} {
			status, body := a.api(t, "POST", path, b.APIKey, in)
			if status != 201 || !strings.HasPrefix(decodeCode(t, body).StripePromotionCodeID, "promo_") {
				t.Fatalf("%s: %d %s", in, status, body)
			}
		}
		status, body := a.api(t, "GET", path, b.APIKey, "")
		var list struct{ Data []codeOut }
		json.Unmarshal([]byte(body), &list)
		if status != 200 || len(list.Data) != 2 || list.Data[0].StripePromotionCodeID == "" || list.Data[1].StripePromotionCodeID == "" {
			t.Fatalf("list: %d %s", status, body)
		}
	})
}

// A code Stripe refuses is not created: 502 with Stripe's reason, and the
// code stays free.
func TestAPICodesStripeRefuses(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch r.URL.Path {
			case "/v1/balance":
				io.WriteString(w, `{"object":"balance","livemode":false}`)
			case "/v1/coupons":
				io.WriteString(w, `{"id":"co_fake","object":"coupon"}`)
			case "/v1/coupons/co_fake":
				io.WriteString(w, `{"id":"co_fake","object":"coupon","deleted":true}`)
			default:
				w.WriteHeader(400)
				io.WriteString(w, `{"error":{"type":"invalid_request_error","message":"An active promotion code with code: MAYA15 already exists."}}`)
			}
		}))
		t.Cleanup(fake.Close)
		a := newTestApp(t, db, "CLOUT_STRIPE_API_BASE", fake.URL)
		b := a.createBrand(t, "Glow", "owner@glow.test")
		if status, body := a.api(t, "PATCH", "/api/v1/brand", b.APIKey, `{"stripe_secret_key": "sk_test_123"}`); status != 200 {
			t.Fatalf("setting the Stripe key: %d %s", status, body)
		}
		maya := a.apiCreator(t, b.APIKey, `{"name": "Maya", "email": "maya@x.test"}`)
		path := "/api/v1/creators/" + maya + "/codes"
		status, body := a.api(t, "POST", path, b.APIKey, `{"code": "MAYA15", "discount_type": "percent", "discount_value": 1500}`)
		if status != 502 || !strings.Contains(body, "Stripe refused the code: An active promotion code with code: MAYA15 already exists.") {
			t.Fatalf("refused: %d %s", status, body)
		}
		if status, body := a.api(t, "GET", path, b.APIKey, ""); status != 200 || !strings.Contains(body, `"data":[]`) {
			t.Fatalf("list after refusal: %d %s", status, body)
		}
	})
}
