package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

type apiErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"fields"`
	} `json:"error"`
}

func decodeErr(t *testing.T, body string) apiErrorBody {
	t.Helper()
	var e apiErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not an API error body: %s", body)
	}
	return e
}

func TestAPIBrandGetAndAuth(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme Serums", "owner@acme.test")

		status, body := a.api(t, "GET", "/api/v1/brand", c.APIKey, "")
		if status != 200 {
			t.Fatalf("GET brand: %d %s", status, body)
		}
		var b map[string]any
		json.Unmarshal([]byte(body), &b)
		if b["id"] != c.Brand.ID || b["name"] != "Acme Serums" || b["currency"] != "USD" || b["currency_exponent"] != float64(2) ||
			b["attribution_window_days"] != float64(30) || b["hold_days"] != float64(30) {
			t.Fatalf("GET brand body: %s", body)
		}

		for name, key := range map[string]string{"no key": "", "unknown key": "clout_notarealkeyatall", "not a clout key": "sk_test_123"} {
			status, body := a.api(t, "GET", "/api/v1/brand", key, "")
			if status != 401 || decodeErr(t, body).Error.Code != "unauthorized" {
				t.Errorf("%s: %d %s, want 401 unauthorized", name, status, body)
			}
		}
	})
}

func TestAPIRevokedKeyGets401(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme", "owner@acme.test")
		// The owner makes a second key on the settings page and revokes the first there.
		owner := a.browser(t)
		owner.login("owner@acme.test", pw)
		resp, page := owner.post("/settings/api-keys", "/settings/api-keys", url.Values{"name": {"ops"}})
		second := regexp.MustCompile(`value="(clout_[A-Za-z0-9]+)" id="new-key"`).FindStringSubmatch(page)
		if resp.StatusCode != 201 || second == nil {
			t.Fatalf("create key on the page: %d", resp.StatusCode)
		}
		if status, _ := a.api(t, "GET", "/api/v1/brand", second[1], ""); status != 200 {
			t.Fatalf("new key: status %d", status)
		}
		keys, _ := a.Brands.APIKeys(context.Background(), c.Brand.ID)
		first := keys[len(keys)-1] // newest first
		if resp, _ := owner.post("/settings/api-keys", "/settings/api-keys/"+first.ID+"/revoke", url.Values{}); resp.StatusCode != 303 {
			t.Fatalf("revoke on the page: %d", resp.StatusCode)
		}
		status, body := a.api(t, "GET", "/api/v1/brand", c.APIKey, "")
		if status != 401 || !strings.Contains(body, "revoked") {
			t.Fatalf("revoked key: %d %s, want 401", status, body)
		}
		if status, _ := a.api(t, "GET", "/api/v1/brand", second[1], ""); status != 200 {
			t.Fatalf("live key after revoking the other: %d", status)
		}
		// A key can read keys but never mint or revoke them.
		if status, _ := a.api(t, "POST", "/api/v1/api-keys", second[1], `{"name":"x"}`); status != 404 && status != 405 {
			t.Fatalf("POST /api/v1/api-keys: %d, want 404 or 405", status)
		}
		if status, _ := a.api(t, "DELETE", "/api/v1/api-keys/"+keys[0].ID, second[1], ""); status != 404 && status != 405 {
			t.Fatalf("DELETE /api/v1/api-keys/{id}: %d, want 404 or 405", status)
		}
		if after, _ := a.Brands.APIKeys(context.Background(), c.Brand.ID); len(after) != 2 || after[0].RevokedAt != nil {
			t.Fatalf("keys changed through the API: %+v", after)
		}
		_, body = a.api(t, "GET", "/api/v1/api-keys/"+first.ID, second[1], "")
		if !strings.Contains(body, `"revoked_at":"`) || strings.Contains(body, "key_hash") {
			t.Fatalf("GET revoked key: %s", body)
		}
	})
}

func TestAPITenantIsolation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		brandA := a.createBrand(t, "Brand A", "a@a.test")
		brandB := a.createBrand(t, "Brand B", "b@b.test")
		ctx := context.Background()
		keysB, _ := a.Brands.APIKeys(ctx, brandB.Brand.ID)
		membersB, _ := a.Brands.Members(ctx, brandB.Brand.ID)

		for _, path := range []string{"/api/v1/api-keys/" + keysB[0].ID, "/api/v1/members/" + membersB[0].ID} {
			status, body := a.api(t, "GET", path, brandA.APIKey, "")
			if status != 404 || decodeErr(t, body).Error.Code != "not_found" {
				t.Errorf("A reads B's %s: %d %s, want 404", path, status, body)
			}
		}
		// A's owner cannot revoke B's key from A's settings page, and B's key keeps working.
		ownerA := a.browser(t)
		ownerA.login("a@a.test", pw)
		if resp, _ := ownerA.post("/settings/api-keys", "/settings/api-keys/"+keysB[0].ID+"/revoke", url.Values{}); resp.StatusCode != 404 {
			t.Fatalf("A revokes B's key: status %d, want 404", resp.StatusCode)
		}
		if status, _ := a.api(t, "GET", "/api/v1/brand", brandB.APIKey, ""); status != 200 {
			t.Fatalf("B's key after A's attempt: %d", status)
		}
		// Lists only hold the caller's own objects.
		_, body := a.api(t, "GET", "/api/v1/members", brandA.APIKey, "")
		if strings.Contains(body, "b@b.test") || !strings.Contains(body, "a@a.test") {
			t.Fatalf("A's member list: %s", body)
		}
		_, body = a.api(t, "GET", "/api/v1/api-keys", brandA.APIKey, "")
		if strings.Contains(body, keysB[0].ID) {
			t.Fatalf("A's key list shows B's key: %s", body)
		}
		// GET /brand is always the key's own brand.
		_, body = a.api(t, "GET", "/api/v1/brand", brandA.APIKey, "")
		if !strings.Contains(body, brandA.Brand.ID) || strings.Contains(body, brandB.Brand.ID) {
			t.Fatalf("A's brand: %s", body)
		}
	})
}

func TestAPIBrandPatch(t *testing.T) {
	needStripe(t)
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme", "owner@acme.test")
		status, body := a.api(t, "PATCH", "/api/v1/brand", c.APIKey, `{
			"name": "Acme Beauty", "currency": "kwd", "time_zone": "Asia/Kuwait",
			"allowed_domains": ["Shop.Acme.test", "acme.test", "shop.acme.test"],
			"attribution_window_days": 14, "hold_days": 45, "payout_minimum": 25000,
			"shopify_webhook_secret": "shpss_abc123", "stripe_webhook_secret": "whsec_xyz", "stripe_secret_key": "sk_test_123"}`)
		if status != 200 {
			t.Fatalf("PATCH: %d %s", status, body)
		}
		var b struct {
			Name, Currency, TimeZone string   `json:"-"`
			AllowedDomains           []string `json:"allowed_domains"`
			CurrencyExponent         int      `json:"currency_exponent"`
			PayoutMinimum            int64    `json:"payout_minimum"`
			SecretsSet               map[string]bool
		}
		json.Unmarshal([]byte(body), &b)
		if b.CurrencyExponent != 3 || b.PayoutMinimum != 25000 || strings.Join(b.AllowedDomains, ",") != "shop.acme.test,acme.test" {
			t.Fatalf("PATCH result: %s", body)
		}
		if strings.Contains(body, "whsec_xyz") || strings.Contains(body, "sk_test_123") || strings.Contains(body, "shpss_abc123") {
			t.Fatalf("secrets leaked in the response: %s", body)
		}
		if !strings.Contains(body, `"secrets_set":{"shopify_webhook_secret":true,"stripe_webhook_secret":true,"stripe_secret_key":true,"stripe_connect_webhook_secret":false}`) {
			t.Fatalf("secrets_set: %s", body)
		}
		// Stored sealed, readable through the service.
		var raw struct{ StripeSecretKey string }
		db.Raw("SELECT stripe_secret_key FROM brands WHERE id = ?", c.Brand.ID).Scan(&raw)
		if raw.StripeSecretKey == "" || strings.Contains(raw.StripeSecretKey, "sk_test_123") {
			t.Fatalf("stripe key stored as %q", raw.StripeSecretKey)
		}
		sec, err := a.Brands.Secrets(context.Background(), c.Brand.ID)
		if err != nil || sec.StripeSecretKey != "sk_test_123" || sec.StripeWebhookSecret != "whsec_xyz" {
			t.Fatalf("Secrets = %+v, %v", sec, err)
		}
		// The audit log says a secret was set, by which key, never its value.
		entries, _ := a.Brands.AuditLog(context.Background(), c.Brand.ID, 1, 0)
		if e := entries[0]; e.Action != "brand.settings_updated" || e.Details["stripe_secret_key"] != "set" || e.ActorType != "api_key" {
			t.Fatalf("audit entry: %+v", e)
		}
		var rawAudit string
		db.Raw("SELECT details FROM audit_log WHERE id = ?", entries[0].ID).Scan(&rawAudit)
		if strings.Contains(rawAudit, "sk_test_123") || strings.Contains(rawAudit, "whsec_xyz") {
			t.Fatalf("secret in the audit log: %s", rawAudit)
		}
		// A key Stripe (stripe-mock) refuses is a 422 on that field, and the stored key stays.
		status, body = a.api(t, "PATCH", "/api/v1/brand", c.APIKey, `{"stripe_secret_key": "sk_live_refused"}`)
		if e := decodeErr(t, body); status != 422 || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != "stripe_secret_key" || !strings.Contains(e.Error.Message, "Stripe rejected") {
			t.Fatalf("refused key: %d %s", status, body)
		}
		if sec, _ := a.Brands.Secrets(context.Background(), c.Brand.ID); sec.StripeSecretKey != "sk_test_123" {
			t.Fatal("a refused key replaced the stored one")
		}
		// Clearing a secret.
		if status, body := a.api(t, "PATCH", "/api/v1/brand", c.APIKey, `{"stripe_secret_key": ""}`); status != 200 || !strings.Contains(body, `"stripe_secret_key":false`) {
			t.Fatalf("clear: %d %s", status, body)
		}
	})
}

func TestAPIBadInputChangesNothing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme", "owner@acme.test")
		cases := []struct {
			name, body string
			status     int
			code       string
			mentions   string
		}{
			{"malformed", `{"name": "x"`, 400, "malformed_json", "JSON"},
			{"not an object", `[1,2]`, 400, "malformed_json", "object"},
			{"empty", ``, 400, "malformed_json", "empty"},
			{"wrong type", `{"hold_days": "ten"}`, 400, "malformed_json", "hold_days"},
			{"float money", `{"payout_minimum": 10.5}`, 400, "malformed_json", "payout_minimum"},
			{"unknown field", `{"colour": "red"}`, 400, "unknown_field", "colour"},
			{"trailing data", `{"name": "x"} {"name": "y"}`, 400, "malformed_json", "single"},
			{"unknown currency", `{"name": "Changed", "currency": "XYZ"}`, 422, "invalid", "currency"},
			{"bad time zone", `{"time_zone": "Mars/Olympus"}`, 422, "invalid", "time_zone"},
			{"domain with scheme", `{"allowed_domains": ["https://shop.test/path"]}`, 422, "invalid", "allowed_domains[0]"},
			{"window too long", `{"attribution_window_days": 0}`, 422, "invalid", "attribution_window_days"},
			{"negative minimum", `{"payout_minimum": -1}`, 422, "invalid", "payout_minimum"},
			{"bad stripe secret", `{"stripe_webhook_secret": "nope"}`, 422, "invalid", "stripe_webhook_secret"},
			{"empty name", `{"name": "  "}`, 422, "invalid", "name"},
		}
		for _, tc := range cases {
			status, body := a.api(t, "PATCH", "/api/v1/brand", c.APIKey, tc.body)
			if tc.body == "" {
				req, _ := http.NewRequest("PATCH", a.URL+"/api/v1/brand", nil)
				req.Header.Set("Authorization", "Bearer "+c.APIKey)
				resp, _ := http.DefaultClient.Do(req)
				status = resp.StatusCode
				var e apiErrorBody
				json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				b, _ := json.Marshal(e)
				body = string(b)
			}
			if status != tc.status {
				t.Errorf("%s: status %d, want %d (%s)", tc.name, status, tc.status, body)
				continue
			}
			e := decodeErr(t, body)
			if e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.mentions) {
				t.Errorf("%s: error %+v, want code %s mentioning %q", tc.name, e.Error, tc.code, tc.mentions)
			}
		}
		after, _ := a.Brands.Get(context.Background(), c.Brand.ID)
		if after.Name != "Acme" || after.Currency != "USD" || !after.UpdatedAt.Equal(c.Brand.UpdatedAt) {
			t.Fatalf("bad input changed the brand: %+v", after)
		}
		// A 422 names every bad field at once and changes none of the good ones.
		status, body := a.api(t, "PATCH", "/api/v1/brand", c.APIKey, `{"name": "Good", "currency": "ZZZ", "hold_days": 999}`)
		e := decodeErr(t, body)
		if status != 422 || len(e.Error.Fields) != 2 {
			t.Fatalf("two bad fields: %d %s", status, body)
		}
		if after, _ := a.Brands.Get(context.Background(), c.Brand.ID); after.Name != "Acme" {
			t.Fatalf("partial update applied: name %q", after.Name)
		}
		// Wrong content type.
		req, _ := http.NewRequest("PATCH", a.URL+"/api/v1/brand", strings.NewReader("name=x"))
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		if resp.StatusCode != 415 {
			t.Fatalf("form body: status %d, want 415", resp.StatusCode)
		}
	})
}

func TestAPIUnknownRouteIsJSON404(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	c := a.createBrand(t, "Acme", "owner@acme.test")
	status, body := a.api(t, "GET", "/api/v1/nothing-here", c.APIKey, "")
	if status != 404 || decodeErr(t, body).Error.Code != "not_found" {
		t.Fatalf("unknown route: %d %s", status, body)
	}
}
