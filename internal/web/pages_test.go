package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

const pw = "correct horse battery"

func TestSignupKeepsValuesAndShowsErrors(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	b := a.browser(t)
	resp, body := b.post("/signup", "/signup", url.Values{"brand_name": {"Glow Co"}, "email": {"not-an-email"},
		"password": {"short"}, "currency": {"EUR"}, "time_zone": {"Europe/Paris"}})
	if resp.StatusCode != 422 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{`value="Glow Co"`, `value="not-an-email"`, `<option value="EUR" selected>`, `value="Europe/Paris"`,
		"enter a valid email address", "at least 10 characters"} {
		if !strings.Contains(body, want) {
			t.Errorf("signup page lacks %q", want)
		}
	}
	var n int64
	a.DB.Model(&brand.Brand{}).Count(&n)
	if n != 0 {
		t.Fatalf("invalid sign-up created %d brands", n)
	}
	// Valid sign-up logs in and lands on the dashboard.
	resp, _ = b.post("/signup", "/signup", url.Values{"brand_name": {"Glow Co"}, "email": {"me@glow.test"},
		"password": {pw}, "currency": {"EUR"}, "time_zone": {"Europe/Paris"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/dashboard" {
		t.Fatalf("sign-up: %d -> %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, body := b.get("/dashboard"); status != 200 || !strings.Contains(body, "Glow Co") || !strings.Contains(body, "Welcome to Clout") {
		t.Fatalf("dashboard: %d", status)
	}
	// The same email cannot sign up twice.
	b2 := a.browser(t)
	resp, body = b2.post("/signup", "/signup", url.Values{"brand_name": {"Other"}, "email": {"ME@glow.test"}, "password": {pw}, "currency": {"USD"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "already exists") {
		t.Fatalf("duplicate sign-up: %d", resp.StatusCode)
	}
}

func TestFormsNeedCSRFToken(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	c := a.createBrand(t, "Acme", "owner@acme.test")
	b := a.browser(t)
	b.login("owner@acme.test", pw)

	// No token, a forged token, and a cross-site submission are all refused.
	resp, body := b.post("", "/settings", url.Values{"name": {"Hacked"}})
	if resp.StatusCode != 403 || !strings.Contains(body, "security token") {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	resp, _ = b.post("", "/settings", url.Values{"name": {"Hacked"}, "_csrf": {"forged"}})
	if resp.StatusCode != 403 {
		t.Fatalf("forged token: %d", resp.StatusCode)
	}
	form := url.Values{"name": {"Hacked"}, "_csrf": {b.csrf("/settings")}}
	req, _ := http.NewRequest("POST", a.URL+"/settings", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r2, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 403 {
		t.Fatalf("cross-site: %d", r2.StatusCode)
	}
	// A same-origin browser request still needs the token.
	req, _ = http.NewRequest("POST", a.URL+"/settings", strings.NewReader("name=Hacked"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	r3, _ := b.client.Do(req)
	r3.Body.Close()
	if r3.StatusCode != 403 {
		t.Fatalf("same-origin without token: %d", r3.StatusCode)
	}
	if got, _ := a.Brands.Get(context.Background(), c.Brand.ID); got.Name != "Acme" {
		t.Fatalf("a refused form changed the name to %q", got.Name)
	}
	// The API (bearer auth) needs no CSRF token.
	if status, _ := a.api(t, "PATCH", "/api/v1/brand", c.APIKey, `{"name":"Via API"}`); status != 200 {
		t.Fatalf("API PATCH: %d", status)
	}
}

func TestSettingsPage(t *testing.T) {
	needStripe(t)
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme", "owner@acme.test")
		b := a.browser(t)
		b.login("owner@acme.test", pw)
		form := url.Values{"name": {"Acme Labs"}, "currency": {"JPY"}, "time_zone": {"Asia/Tokyo"},
			"allowed_domains": {"shop.acme.test\nacme.test"}, "attribution_window_days": {"7"}, "hold_days": {"14"},
			"payout_minimum": {"5000"}, "stripe_secret_key": {"sk_test_abc"}, "click_param": {"ref"}, "utm_campaign": {"spring"}}
		resp, _ := b.post("/settings", "/settings", form)
		if resp.StatusCode != 303 {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		got, _ := a.Brands.Get(context.Background(), c.Brand.ID)
		if got.Name != "Acme Labs" || got.Currency != "JPY" || got.PayoutMinimum != 5000 || got.HoldDays != 14 ||
			len(got.AllowedDomains) != 2 || got.StripeSecretKey == "" {
			t.Fatalf("saved: %+v", got)
		}
		_, body := b.get("/settings")
		if strings.Contains(body, "sk_test_abc") || !strings.Contains(body, "<mark>set</mark>") {
			t.Fatal("settings page shows the secret, or not that it is set")
		}
		// A decimal payout minimum in a 0-decimal currency is refused beside the field; values are kept.
		form.Set("payout_minimum", "12.50")
		form.Set("name", "Renamed")
		resp, body = b.post("/settings", "/settings", form)
		if resp.StatusCode != 422 || !strings.Contains(body, "enter an amount in JPY") || !strings.Contains(body, `value="Renamed"`) {
			t.Fatalf("bad minimum: %d", resp.StatusCode)
		}
		if got, _ := a.Brands.Get(context.Background(), c.Brand.ID); got.Name != "Acme Labs" {
			t.Fatal("invalid form changed the brand")
		}
		// Blank secret keeps it; the clear box removes it.
		form.Set("payout_minimum", "5000")
		form.Del("stripe_secret_key")
		b.post("/settings", "/settings", form)
		if got, _ := a.Brands.Get(context.Background(), c.Brand.ID); got.StripeSecretKey == "" {
			t.Fatal("blank secret field cleared the secret")
		}
		form.Set("stripe_secret_key_clear", "1")
		b.post("/settings", "/settings", form)
		if got, _ := a.Brands.Get(context.Background(), c.Brand.ID); got.StripeSecretKey != "" {
			t.Fatal("clear box did not clear the secret")
		}
	})
}

var inviteLink = regexp.MustCompile(`/invite/([A-Za-z0-9]+)`)

func TestTeamInviteRolesAndSwitching(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		acme := a.createBrand(t, "Acme", "owner@acme.test")
		other := a.createBrand(t, "Other", "boss@other.test")
		owner := a.browser(t)
		owner.login("owner@acme.test", pw)

		resp, body := owner.post("/team", "/team/invites", url.Values{"email": {"ana@acme.test"}, "role": {"analyst"}})
		if resp.StatusCode != 200 || !strings.Contains(body, "Invite sent") {
			t.Fatalf("invite: %d", resp.StatusCode)
		}
		m := inviteLink.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no invite link shown")
		}
		// The email is in the outbox, readable by the owner.
		msg, err := a.Outbox.Latest(context.Background(), "ana@acme.test")
		if err != nil || !strings.Contains(msg.Body, m[0]) {
			t.Fatalf("outbox: %v %+v", err, msg)
		}
		if status, body := owner.get("/admin/outbox"); status != 200 || !strings.Contains(body, "ana@acme.test") {
			t.Fatalf("outbox page: %d", status)
		}

		// The invitee accepts with a new account and is an analyst: read-only.
		ana := a.browser(t)
		resp, _ = ana.post(m[0], m[0], url.Values{"name": {"Ana"}, "password": {"analyst password 1"}})
		if resp.StatusCode != 303 {
			t.Fatalf("accept: %d", resp.StatusCode)
		}
		if status, _ := ana.get("/settings"); status != 200 {
			t.Fatalf("analyst reads settings: %d", status)
		}
		resp, _ = ana.post("/settings", "/settings", url.Values{"name": {"Analyst was here"}})
		if resp.StatusCode != 403 {
			t.Fatalf("analyst writes settings: %d, want 403", resp.StatusCode)
		}
		if resp, _ := ana.post("/settings/api-keys", "/settings/api-keys", url.Values{"name": {"x"}}); resp.StatusCode != 403 {
			t.Fatalf("analyst creates key: %d", resp.StatusCode)
		}
		if status, _ := ana.get("/admin/audit"); status != 403 {
			t.Fatalf("analyst reads audit log: %d", status)
		}
		// Single use: the link no longer works.
		if status, _ := a.browser(t).get(m[0]); status != 404 {
			t.Fatalf("used invite: %d, want 404", status)
		}

		// The other brand's owner invites Ana too; logged in, she joins and can switch.
		boss := a.browser(t)
		boss.login("boss@other.test", pw)
		_, body = boss.post("/team", "/team/invites", url.Values{"email": {"ana@acme.test"}, "role": {"admin"}})
		m2 := inviteLink.FindStringSubmatch(body)
		if resp, _ := ana.post(m2[0], m2[0], url.Values{}); resp.StatusCode != 303 {
			t.Fatalf("logged-in accept: %d", resp.StatusCode)
		}
		_, body = ana.get("/dashboard")
		if !strings.Contains(body, "<h1>Other</h1>") || !strings.Contains(body, "Switch brand") {
			t.Fatal("after joining, Ana should be in Other with a brand switcher")
		}
		ana.post("/dashboard", "/switch-brand", url.Values{"brand_id": {acme.Brand.ID}})
		if _, body := ana.get("/dashboard"); !strings.Contains(body, "<h1>Acme</h1>") {
			t.Fatal("switch to Acme failed")
		}
		// Switching to a brand she is not in is a 404, and the session stays in Acme.
		third := a.createBrand(t, "Third", "x@third.test")
		if resp, _ := ana.post("/dashboard", "/switch-brand", url.Values{"brand_id": {third.Brand.ID}}); resp.StatusCode != 404 {
			t.Fatalf("switch to a foreign brand: %d, want 404", resp.StatusCode)
		}

		// The last owner cannot be demoted; removing Ana ends her Acme access.
		members, _ := a.Brands.Members(context.Background(), acme.Brand.ID)
		var ownerID, anaID string
		for _, mm := range members {
			if mm.Email == "owner@acme.test" {
				ownerID = mm.ID
			} else {
				anaID = mm.ID
			}
		}
		owner.post("/team", "/team/members/"+ownerID+"/role", url.Values{"role": {"admin"}})
		if mm, _ := a.Brands.Member(context.Background(), acme.Brand.ID, ownerID); mm.Role != brand.Owner {
			t.Fatal("last owner was demoted")
		}
		owner.post("/team", "/team/members/"+anaID+"/remove", url.Values{})
		if status, _ := ana.get("/dashboard"); status != 303 {
			t.Fatalf("removed member still in: %d", status)
		}
		_ = other
	})
}

func TestPasswordResetRevokesSessions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		a.createBrand(t, "Acme", "owner@acme.test")
		old := a.browser(t)
		old.login("owner@acme.test", pw)

		anon := a.browser(t)
		_, body := anon.post("/forgot", "/forgot", url.Values{"email": {"owner@acme.test"}})
		if !strings.Contains(body, "If an account exists") {
			t.Fatal("no confirmation")
		}
		// Unknown emails get the same answer and no mail.
		_, body2 := anon.post("/forgot", "/forgot", url.Values{"email": {"nobody@acme.test"}})
		if !strings.Contains(body2, "If an account exists") {
			t.Fatal("unknown email answered differently")
		}
		if _, err := a.Outbox.Latest(context.Background(), "nobody@acme.test"); err == nil {
			t.Fatal("mail queued for an unknown email")
		}
		msg, err := a.Outbox.Latest(context.Background(), "owner@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		link := regexp.MustCompile(`/reset/[A-Za-z0-9]+`).FindString(msg.Body)
		resp, _ := anon.post(link, link, url.Values{"password": {"a brand new secret"}, "password_confirm": {"a brand new secret"}})
		if resp.StatusCode != 303 {
			t.Fatalf("reset: %d", resp.StatusCode)
		}
		if status, _ := old.get("/dashboard"); status != 303 {
			t.Fatalf("old session after reset: %d, want redirect to login", status)
		}
		a.browser(t).login("owner@acme.test", "a brand new secret")
		// Neither the reset link's token nor the new password reached the logs.
		token := strings.TrimPrefix(link, "/reset/")
		if logs := a.Logs.String(); strings.Contains(logs, token) || strings.Contains(logs, "a brand new secret") || !strings.Contains(logs, "/reset/:token") {
			t.Fatalf("logs leak the token or miss the request line:\n%s", logs)
		}
		// The link is single-use.
		resp, _ = anon.post(link, link, url.Values{"password": {"another new secret"}, "password_confirm": {"another new secret"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/forgot" {
			t.Fatalf("reused reset link: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestLoginRateLimited(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	a.createBrand(t, "Acme", "owner@acme.test")
	b := a.browser(t)
	var last *http.Response
	for i := 0; i < 11; i++ {
		last, _ = b.post("/login", "/login", url.Values{"email": {"owner@acme.test"}, "password": {"wrong password!"}})
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt: %d, want 429 with Retry-After", last.StatusCode)
	}
	// Even the right password waits now.
	resp, body := b.post("/login", "/login", url.Values{"email": {"owner@acme.test"}, "password": {pw}})
	if resp.StatusCode != 429 || !strings.Contains(body, "Too many login attempts") {
		t.Fatalf("right password while limited: %d", resp.StatusCode)
	}
	// Another account from another IP is not affected... but this IP is limited per IP after 30.
	for i := 0; i < 30; i++ {
		last, _ = b.post("/login", "/login", url.Values{"email": {"someone" + string(rune('a'+i%26)) + "@x.test"}, "password": {"x"}})
	}
	if last.StatusCode != 429 {
		t.Fatalf("per-IP limit: %d, want 429", last.StatusCode)
	}
}

func TestHealthz(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		resp, err := http.Get(a.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
			t.Fatalf("healthz: %d %s", resp.StatusCode, body)
		}
		db.Close() // the database stops answering
		resp, err = http.Get(a.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Fatalf("healthz with the database closed: %d, want 503", resp.StatusCode)
		}
	})
}

func TestSecurityHeadersGzipAndRequestID(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	req, _ := http.NewRequest("GET", a.URL+"/signup", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Content-Encoding": "gzip", "Referrer-Policy": "strict-origin-when-cross-origin"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("no CSP")
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
	// Cookies: the session cookie is HttpOnly and SameSite=Lax.
	b := a.browser(t)
	a.createBrand(t, "Acme", "owner@acme.test")
	resp2, _ := b.post("/login", "/login", url.Values{"email": {"owner@acme.test"}, "password": {pw}})
	sc := resp2.Header.Values("Set-Cookie")
	found := false
	for _, c := range sc {
		if strings.HasPrefix(c, "clout_session=") {
			found = true
			if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") || strings.Contains(c, "Secure") {
				t.Errorf("session cookie %q", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
}

func TestStaticFilesEmbedded(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	for _, p := range []string{"/static/css/app.css", "/static/vendor/pico-2.1.1/pico.min.css", "/static/img/favicon.svg"} {
		resp, err := http.Get(a.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	for _, dir := range []string{"/static/css", "/static/vendor/pico-2.1.1", "/static/nope.css"} {
		if status, _ := a.browser(t).get(dir); status != 404 {
			t.Errorf("%s: %d, want 404", dir, status)
		}
	}
}
