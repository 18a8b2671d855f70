package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/stripe/stripe-go/v76/webhook"
)

// accountEvent is a signed account.updated event for a connected account.
func accountEvent(t *testing.T, accountID, transfers, secret string) ([]byte, string) {
	t.Helper()
	body := fmt.Sprintf(`{"id":"evt_%d","object":"event","api_version":"2023-10-16","created":%d,"type":"account.updated",
		"account":%q,"livemode":false,"pending_webhooks":1,
		"data":{"object":{"id":%q,"object":"account","type":"express","details_submitted":true,
			"charges_enabled":false,"payouts_enabled":true,"capabilities":{"transfers":%q}}}}`,
		time.Now().UnixNano(), time.Now().Unix(), accountID, accountID, transfers)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(body), Secret: secret, Timestamp: time.Now()})
	return sp.Payload, sp.Header
}

func (a *testApp) creatorRow(t *testing.T, id string) creator.Creator {
	t.Helper()
	var cr creator.Creator
	if err := a.DB.Where("id = ?", id).Take(&cr).Error; err != nil {
		t.Fatal(err)
	}
	return cr
}

func (a *testApp) newCreator(t *testing.T, brandID, name string) *creator.Creator {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@creator.test"
	cr, _, err := a.Creators.New(context.Background(), brand.Actor{Type: "cli"}, brandID,
		creator.Profile{Name: &name, Email: &email}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func TestStripeAccountWebhook(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		b := a.createBrand(t, "Glow", "owner@glow.test").Brand
		other := a.createBrand(t, "Other", "owner@other.test").Brand
		maya := a.newCreator(t, b.ID, "Maya")
		sam := a.newCreator(t, other.ID, "Sam")
		db.Exec("UPDATE creators SET stripe_account_id = ? WHERE id = ?", "acct_Maya1", maya.ID)
		db.Exec("UPDATE creators SET stripe_account_id = ? WHERE id = ?", "acct_Sam1", sam.ID)
		post := func(brandID string, body []byte, sig string) (int, string) {
			return a.postWebhook(t, "/webhooks/stripe/"+brandID, body, map[string]string{"Stripe-Signature": sig})
		}
		main, connect := "whsec_main_secret", "whsec_connect_secret"

		body, sig := accountEvent(t, "acct_Maya1", "active", main)
		if st, out := post(b.ID, body, sig); st != 401 || !strings.Contains(out, "Settings") {
			t.Fatalf("no secrets: %d %s", st, out)
		}
		a.setSecrets(t, b.ID, brand.SettingsPatch{StripeWebhookSecret: &main})
		a.setSecrets(t, other.ID, brand.SettingsPatch{StripeWebhookSecret: &main})

		// Signed with the main secret (no Connect secret yet).
		st, out := post(b.ID, body, sig)
		var reply struct{ Status, CreatorID, Message string }
		json.Unmarshal([]byte(out), &reply)
		if st != 200 || reply.Status != "updated" || reply.CreatorID != "" && reply.CreatorID != maya.ID {
			t.Fatalf("main secret: %d %s", st, out)
		}
		if cr := a.creatorRow(t, maya.ID); !cr.StripePayoutsEnabled || cr.StripeCheckedAt == nil {
			t.Fatalf("after the event: %+v", cr)
		}

		// With a Connect secret: its events update the creator, and the main
		// secret still works.
		a.setSecrets(t, b.ID, brand.SettingsPatch{StripeConnectWebhookSecret: &connect})
		body, sig = accountEvent(t, "acct_Maya1", "inactive", connect)
		if st, out := post(b.ID, body, sig); st != 200 || !strings.Contains(out, `"updated"`) || !strings.Contains(out, maya.ID) {
			t.Fatalf("connect secret: %d %s", st, out)
		}
		if cr := a.creatorRow(t, maya.ID); cr.StripePayoutsEnabled {
			t.Fatal("still enabled after an inactive transfers capability")
		}
		body, sig = accountEvent(t, "acct_Maya1", "active", main)
		if st, out := post(b.ID, body, sig); st != 200 || !strings.Contains(out, `"updated"`) {
			t.Fatalf("main secret beside the Connect one: %d %s", st, out)
		}
		before := a.creatorRow(t, maya.ID)
		if !before.StripePayoutsEnabled {
			t.Fatal("not enabled")
		}

		// Forged, missing or another brand's secret: 401, nothing changes.
		for name, s := range map[string]string{"forged": "whsec_forged", "other": "whsec_connect_other"} {
			body, sig := accountEvent(t, "acct_Maya1", "inactive", s)
			if st, _ := post(b.ID, body, sig); st != 401 {
				t.Errorf("%s: %d", name, st)
			}
		}
		body, _ = accountEvent(t, "acct_Maya1", "inactive", connect)
		if st, _ := post(b.ID, body, ""); st != 401 {
			t.Errorf("missing signature: %d", st)
		}
		if cr := a.creatorRow(t, maya.ID); !cr.StripePayoutsEnabled || !cr.StripeCheckedAt.Equal(*before.StripeCheckedAt) {
			t.Fatalf("a refused event changed the creator: %+v", cr)
		}

		// Another brand's creator's account: ignored here, untouched.
		body, sig = accountEvent(t, "acct_Sam1", "active", connect)
		if st, out := post(b.ID, body, sig); st != 200 || !strings.Contains(out, `"ignored"`) {
			t.Fatalf("other brand's account: %d %s", st, out)
		}
		if cr := a.creatorRow(t, sam.ID); cr.StripePayoutsEnabled || cr.StripeCheckedAt != nil {
			t.Fatalf("the other brand's creator changed: %+v", cr)
		}
		// Sam's own brand does update Sam.
		body, sig = accountEvent(t, "acct_Sam1", "active", main)
		if st, out := post(other.ID, body, sig); st != 200 || !strings.Contains(out, sam.ID) {
			t.Fatalf("own brand: %d %s", st, out)
		}

		// Order events from the Connect endpoint are not the brand's sales.
		checkout, csig := stripeSigned(t, "checkout_session_completed_paid.json", connect)
		if st, out := post(b.ID, checkout, csig); st != 200 || !strings.Contains(out, `"ignored"`) {
			t.Fatalf("checkout on the Connect secret: %d %s", st, out)
		}
		if n := countRows(t, db, "orders", b.ID); n != 0 {
			t.Fatalf("%d orders from the Connect endpoint", n)
		}
		// …while the main endpoint's still are.
		checkout, csig = stripeSigned(t, "checkout_session_completed_paid.json", main)
		if st, out := post(b.ID, checkout, csig); st != 200 || !strings.Contains(out, `"stored"`) {
			t.Fatalf("checkout on the main secret: %d %s", st, out)
		}
	})
}

type accountOut struct {
	CreatorID      string     `json:"creator_id"`
	AccountID      string     `json:"account_id"`
	PayoutsEnabled bool       `json:"payouts_enabled"`
	CheckedAt      *time.Time `json:"checked_at"`
}

func TestAPICreatorStripeAccount(t *testing.T) {
	needStripe(t)
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		b := a.createBrand(t, "Glow", "owner@glow.test")
		other := a.createBrand(t, "Other", "owner@other.test")
		maya := a.apiCreator(t, b.APIKey, `{"name": "Maya", "email": "maya@x.test"}`)
		ana := a.apiCreator(t, b.APIKey, `{"name": "Ana", "email": "ana@x.test"}`)
		sam := a.apiCreator(t, other.APIKey, `{"name": "Sam", "email": "sam@x.test"}`)
		path := func(id string) string { return "/api/v1/creators/" + id + "/stripe-account" }

		// No Stripe key yet.
		if st, out := a.api(t, "POST", path(maya), b.APIKey, `{"account_id": "acct_Maya1"}`); st != 409 || !strings.Contains(out, "no_stripe") {
			t.Fatalf("without a key: %d %s", st, out)
		}
		if st, out := a.api(t, "PATCH", "/api/v1/brand", b.APIKey, `{"stripe_secret_key": "sk_test_123"}`); st != 200 {
			t.Fatalf("setting the key: %d %s", st, out)
		}

		for _, in := range []string{`{"account_id": "cus_123"}`, `{"account_id": ""}`, `{}`, `{"account_id": "acct_x y"}`} {
			st, out := a.api(t, "POST", path(maya), b.APIKey, in)
			if st != 422 || !strings.Contains(out, `"field":"account_id"`) {
				t.Errorf("%s: %d %s", in, st, out)
			}
		}
		st, out := a.api(t, "POST", path(maya), b.APIKey, `{"account_id": "acct_Maya1"}`)
		var got accountOut
		json.Unmarshal([]byte(out), &got)
		if st != 201 || got.CreatorID != maya || got.AccountID != "acct_Maya1" || got.CheckedAt == nil {
			t.Fatalf("link: %d %s", st, out)
		}
		if st, out := a.api(t, "POST", path(maya), b.APIKey, `{"account_id": "acct_Maya1"}`); st != 200 || !strings.Contains(out, `"account_id":"acct_Maya1"`) {
			t.Fatalf("again: %d %s", st, out)
		}
		if st, out := a.api(t, "POST", path(ana), b.APIKey, `{"account_id": "acct_Maya1"}`); st != 409 || !strings.Contains(out, "another creator") {
			t.Fatalf("taken: %d %s", st, out)
		}
		if st, out := a.api(t, "POST", path(sam), b.APIKey, `{"account_id": "acct_Sam1"}`); st != 404 {
			t.Fatalf("other brand's creator: %d %s", st, out)
		}
		if cr := a.creatorRow(t, sam); cr.StripeAccountID != nil {
			t.Fatal("the other brand's creator got an account")
		}
		st, out = a.api(t, "GET", "/api/v1/creators/"+maya, b.APIKey, "")
		if st != 200 || !strings.Contains(out, `"stripe_account_id":"acct_Maya1"`) ||
			!strings.Contains(out, fmt.Sprintf(`"stripe_payouts_enabled":%v`, got.PayoutsEnabled)) {
			t.Fatalf("creator JSON: %d %s", st, out)
		}
		if _, out := a.api(t, "GET", "/api/v1/creators/"+ana, b.APIKey, ""); !strings.Contains(out, `"stripe_account_id":null`) ||
			!strings.Contains(out, `"stripe_payouts_enabled":false`) {
			t.Fatalf("creator without an account: %s", out)
		}
		var n int64
		db.Table("audit_log").Where("brand_id = ? AND action = ?", b.Brand.ID, "creator.stripe_account_linked").Count(&n)
		if n != 1 {
			t.Fatalf("%d audit entries", n)
		}
	})
}

func TestAPIBrandPayoutSettings(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		b := a.createBrand(t, "Glow", "owner@glow.test")
		st, out := a.api(t, "GET", "/api/v1/brand", b.APIKey, "")
		if st != 200 || !strings.Contains(out, `"two_person_approval":false`) || !strings.Contains(out, `"payout_schedule":"none"`) ||
			!strings.Contains(out, `"stripe_connect_webhook_secret":false`) {
			t.Fatalf("brand: %d %s", st, out)
		}
		st, out = a.api(t, "PATCH", "/api/v1/brand", b.APIKey,
			`{"two_person_approval": true, "payout_schedule": "monthly", "stripe_connect_webhook_secret": "whsec_c"}`)
		if st != 200 || !strings.Contains(out, `"two_person_approval":true`) || !strings.Contains(out, `"payout_schedule":"monthly"`) ||
			!strings.Contains(out, `"stripe_connect_webhook_secret":true`) || strings.Contains(out, "whsec_c") {
			t.Fatalf("patched: %d %s", st, out)
		}
		if st, out := a.api(t, "PATCH", "/api/v1/brand", b.APIKey, `{"payout_schedule": "daily"}`); st != 422 || !strings.Contains(out, "payout_schedule") {
			t.Fatalf("bad schedule: %d %s", st, out)
		}
	})
}

func TestSettingsPayoutFields(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Glow", "owner@glow.test")
		owner := a.browser(t)
		owner.login("owner@glow.test", "correct horse battery")
		_, page := owner.get("/settings")
		for _, want := range []string{`name="two_person_approval"`, `name="payout_schedule"`, `name="stripe_connect_webhook_secret"`} {
			if !strings.Contains(page, want) {
				t.Fatalf("settings page lacks %s", want)
			}
		}
		form := url.Values{"name": {"Glow"}, "currency": {"USD"}, "time_zone": {"UTC"}, "attribution_window_days": {"30"},
			"hold_days": {"14"}, "payout_minimum": {"0"}, "attribution_priority": {"code_first"}, "click_param": {"clout_click"},
			"two_person_approval": {"1"}, "payout_schedule": {"twice_monthly"}, "stripe_connect_webhook_secret": {"whsec_connect"}}
		resp, body := owner.post("/settings", "/settings", form)
		if resp.StatusCode != 303 {
			t.Fatalf("save: %d %s", resp.StatusCode, body)
		}
		b, _ := a.Brands.Get(context.Background(), c.Brand.ID)
		sec, _ := a.Brands.SecretsOf(b)
		if !b.TwoPersonApproval || b.PayoutSchedule != "twice_monthly" || sec.StripeConnectWebhookSecret != "whsec_connect" {
			t.Fatalf("saved: %v %q %q", b.TwoPersonApproval, b.PayoutSchedule, sec.StripeConnectWebhookSecret)
		}
		_, page = owner.get("/settings")
		if !strings.Contains(page, `value="twice_monthly" selected`) || strings.Contains(page, "whsec_connect") {
			t.Fatal("settings page after saving")
		}
		// Unticking turns approval off; a blank secret keeps the stored one.
		delete(form, "two_person_approval")
		delete(form, "stripe_connect_webhook_secret")
		if resp, body := owner.post("/settings", "/settings", form); resp.StatusCode != 303 {
			t.Fatalf("save: %d %s", resp.StatusCode, body)
		}
		b, _ = a.Brands.Get(context.Background(), c.Brand.ID)
		sec, _ = a.Brands.SecretsOf(b)
		if b.TwoPersonApproval || sec.StripeConnectWebhookSecret != "whsec_connect" {
			t.Fatalf("after unticking: %v %q", b.TwoPersonApproval, sec.StripeConnectWebhookSecret)
		}
	})
}

// portalLogin logs a creator in to the portal through a magic link.
func (a *testApp) portalLogin(t *testing.T, email string) *browser {
	t.Helper()
	if err := a.Creators.RequestMagicLink(context.Background(), email); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	if resp, body := b.post("/portal/login", a.magicToken(t, email), url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("portal login: %d %s", resp.StatusCode, body)
	}
	return b
}

// insertPayout makes an approved batch paying the creator amount by hand,
// holding entryID (optional).
func (a *testApp) insertPayout(t *testing.T, brandID, creatorID string, amount int64, entryID string) string {
	t.Helper()
	now := store.Now()
	batch, item := store.NewID("pb"), store.NewID("pi")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO payout_batches (id, brand_id, status, currency, cutoff, total, item_count, skipped_count, created_by, created_at, updated_at)
			VALUES (?, ?, 'completed', 'USD', ?, ?, 1, 0, 'cli:test', ?, ?)`, []any{batch, brandID, now, amount, now, now}},
		{`INSERT INTO payout_items (id, batch_id, brand_id, creator_id, amount, currency, entry_count, method, destination, status, reference, paid_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'USD', 1, 'manual', 'noor@pay.test', 'paid', 'WIRE-42', ?, ?)`, []any{item, batch, brandID, creatorID, amount, now, now}},
	} {
		if err := a.DB.Exec(q.sql, q.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	if entryID != "" {
		if err := a.DB.Exec(`INSERT INTO payout_entries (entry_id, batch_id, creator_id) VALUES (?, ?, ?)`, entryID, batch, creatorID).Error; err != nil {
			t.Fatal(err)
		}
	}
	return item
}

func TestPortalPayoutsWithoutStripe(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Glow", "owner@glow.test")
		ctx := context.Background()
		maya := a.newCreator(t, c.Brand.ID, "Maya")
		noor := a.newCreator(t, c.Brand.ID, "Noor")
		payoutEmail := "noor@pay.test"
		if _, err := a.Creators.Update(ctx, brand.Actor{Type: "cli"}, c.Brand.ID, noor.ID, creator.Profile{PayoutEmail: &payoutEmail}, nil, ""); err != nil {
			t.Fatal(err)
		}
		e, err := a.Ledger.Adjust(ctx, brand.Actor{Type: "cli", Label: "test"}, c.Brand, noor.ID, 1250, "Launch video bonus")
		if err != nil {
			t.Fatal(err)
		}
		item := a.insertPayout(t, c.Brand.ID, noor.ID, 1250, e.ID)

		if st, _ := a.browser(t).get("/portal/payouts"); st != 303 {
			t.Fatalf("without a session: %d", st)
		}
		nb := a.portalLogin(t, noor.Email)
		st, page := nb.get("/portal/payouts")
		if st != 200 || !strings.Contains(page, `id="nav-portal-payouts"`) || !strings.Contains(page, `id="payout-manual"`) ||
			!strings.Contains(page, "noor@pay.test") || strings.Contains(page, "Connect with Stripe") {
			t.Fatalf("payouts page: %d %s", st, page)
		}
		if !strings.Contains(page, `id="payout-`+item+`"`) || !strings.Contains(page, "12.50 USD") || !strings.Contains(page, "Launch video bonus") ||
			!strings.Contains(page, `/portal/payouts/`+item+`/statement.csv`) || !strings.Contains(page, `id="payout-payable"`) {
			t.Fatalf("history: %s", page)
		}
		st, csv := nb.get("/portal/payouts/" + item + "/statement.csv")
		if st != 200 || !strings.Contains(csv, item) || !strings.Contains(csv, "12.50") {
			t.Fatalf("statement: %d %s", st, csv)
		}

		// Maya sees no payouts and cannot fetch Noor's statement.
		mb := a.portalLogin(t, maya.Email)
		st, page = mb.get("/portal/payouts")
		if st != 200 || !strings.Contains(page, `id="payouts-empty"`) || strings.Contains(page, item) || !strings.Contains(page, "none yet") {
			t.Fatalf("maya's page: %d %s", st, page)
		}
		if st, body := mb.get("/portal/payouts/" + item + "/statement.csv"); st != 404 || strings.Contains(body, "12.50") {
			t.Fatalf("another creator's statement: %d %s", st, body)
		}
		if st, _ := mb.get("/portal/payouts/pi_nope/statement.csv"); st != 404 {
			t.Fatalf("unknown statement: %d", st)
		}
		// Stripe actions on a brand without Stripe: a clear flash, no Stripe call.
		resp, _ := mb.post("/portal/payouts", "/portal/payouts/stripe", url.Values{})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/portal/payouts" {
			t.Fatalf("connect without Stripe: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, page := mb.get("/portal/payouts"); !strings.Contains(page, "does not pay through Stripe") {
			t.Fatalf("no flash: %s", page)
		}
		if cr := a.creatorRow(t, maya.ID); cr.StripeAccountID != nil {
			t.Fatal("an account without Stripe")
		}
	})
}

func TestPortalPayoutsStripeConnect(t *testing.T) {
	needStripe(t)
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Glow", "owner@glow.test")
		if st, out := a.api(t, "PATCH", "/api/v1/brand", c.APIKey, `{"stripe_secret_key": "sk_test_123"}`); st != 200 {
			t.Fatalf("setting the key: %d %s", st, out)
		}
		maya := a.newCreator(t, c.Brand.ID, "Maya")
		mb := a.portalLogin(t, maya.Email)
		st, page := mb.get("/portal/payouts")
		if st != 200 || !strings.Contains(page, `id="stripe-connect"`) || strings.Contains(page, `id="payout-manual"`) {
			t.Fatalf("before connecting: %d %s", st, page)
		}
		// Refresh and return without an account: back to the page.
		if st, _ := mb.get("/portal/payouts/stripe/refresh"); st != 303 {
			t.Fatalf("refresh link without an account: %d", st)
		}
		if cr := a.creatorRow(t, maya.ID); cr.StripeAccountID != nil {
			t.Fatal("a GET created an account")
		}

		resp, _ := mb.post("/portal/payouts", "/portal/payouts/stripe", url.Values{})
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "https://") {
			t.Fatalf("connect: %d %q", resp.StatusCode, loc)
		}
		cr := a.creatorRow(t, maya.ID)
		if cr.StripeAccountID == nil || !strings.HasPrefix(*cr.StripeAccountID, "acct_") {
			t.Fatalf("no account stored: %+v", cr)
		}
		acct := *cr.StripeAccountID
		st, page = mb.get("/portal/payouts")
		if st != 200 || !strings.Contains(page, acct) || !strings.Contains(page, `id="stripe-status"`) || strings.Contains(page, `id="stripe-connect"`) {
			t.Fatalf("after connecting: %d %s", st, page)
		}
		if cr.StripePayoutsEnabled != strings.Contains(page, `id="stripe-ready"`) {
			t.Fatalf("ready %v, page: %s", cr.StripePayoutsEnabled, page)
		}
		// Stripe's refresh URL: a new link for the same account.
		req, _ := http.NewRequest("GET", a.URL+"/portal/payouts/stripe/refresh", nil)
		res, err := mb.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "https://") {
			t.Fatalf("refresh link: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		// Back from Stripe, and the refresh button: the status is checked.
		if st, _ := mb.get("/portal/payouts/stripe/return"); st != 303 {
			t.Fatalf("return: %d", st)
		}
		if _, page := mb.get("/portal/payouts"); !strings.Contains(page, "Your Stripe account") {
			t.Fatalf("no flash after returning: %s", page)
		}
		resp, _ = mb.post("/portal/payouts", "/portal/payouts/stripe/status", url.Values{})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/portal/payouts" {
			t.Fatalf("status: %d", resp.StatusCode)
		}
		if cr := a.creatorRow(t, maya.ID); cr.StripeCheckedAt == nil || *cr.StripeAccountID != acct {
			t.Fatalf("after the status check: %+v", cr)
		}

		// The brand's creator page shows the account and refreshes it.
		owner := a.browser(t)
		owner.login("owner@glow.test", "correct horse battery")
		st, page = owner.get("/creators/" + maya.ID)
		if st != 200 || !strings.Contains(page, `id="creator-stripe-account">`+acct+`<`) || !strings.Contains(page, `id="stripe-refresh"`) {
			t.Fatalf("creator page: %d %s", st, page)
		}
		resp, _ = owner.post("/creators/"+maya.ID, "/creators/"+maya.ID+"/stripe-account/refresh", url.Values{})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/creators/"+maya.ID {
			t.Fatalf("refresh from the creator page: %d", resp.StatusCode)
		}
		if _, page := owner.get("/creators/" + maya.ID); !strings.Contains(page, "Stripe account "+acct) {
			t.Fatalf("no flash: %s", page)
		}
		// Another brand's owner cannot refresh Maya.
		a.createBrand(t, "Other", "owner@other.test")
		ob := a.browser(t)
		ob.login("owner@other.test", "correct horse battery")
		if resp, _ := ob.post("/creators", "/creators/"+maya.ID+"/stripe-account/refresh", url.Values{}); resp.StatusCode != 404 {
			t.Fatalf("other brand: %d", resp.StatusCode)
		}
	})
}
