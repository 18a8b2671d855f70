package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// linkFixture is a brand with an allowed domain, an active creator and its API key.
type linkFixture struct {
	brand   *brand.Created
	creator *creator.Creator
}

func (a *testApp) linkFixture(t *testing.T, name string) linkFixture {
	t.Helper()
	b := a.createBrand(t, name, strings.ToLower(name)+"@brand.test")
	domains, campaign := []string{"shop.test"}, "spring"
	if _, err := a.Brands.UpdateSettings(context.Background(), brand.Actor{Type: "cli"}, b.Brand.ID,
		brand.SettingsPatch{AllowedDomains: &domains, UTMCampaign: &campaign}); err != nil {
		t.Fatal(err)
	}
	cr, _, err := a.Creators.New(context.Background(), brand.Actor{Type: "cli"}, b.Brand.ID,
		creator.Profile{Name: ptrS("Maya"), Email: ptrS("maya@" + strings.ToLower(name) + ".test")}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	return linkFixture{brand: b, creator: cr}
}

// get requests path without following redirects.
func noFollow(t *testing.T, method, u string, header map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

const browserUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"

func TestRedirectAndClicks(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.linkFixture(t, "Glow")
		status, body := a.api(t, "POST", "/api/v1/creators/"+f.creator.ID+"/links", f.brand.APIKey,
			`{"destination": "https://shop.test/serum?color=red", "slug": "Maya-Serum", "label": "TikTok serum"}`)
		if status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
		var l struct {
			ID       string `json:"id"`
			ShortURL string `json:"short_url"`
		}
		json.Unmarshal([]byte(body), &l)
		if l.ShortURL != a.URL+"/Maya-Serum" {
			t.Fatalf("short url %q", l.ShortURL)
		}

		resp := noFollow(t, "GET", a.URL+"/maya-SERUM", map[string]string{"User-Agent": browserUA, "Referer": "https://www.tiktok.com/@maya"})
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("redirect: %d", resp.StatusCode)
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		q := loc.Query()
		clickID := q.Get("clout_click")
		if loc.Host != "shop.test" || q.Get("color") != "red" || q.Get("utm_source") != "clout" || q.Get("utm_medium") != "affiliate" ||
			q.Get("utm_campaign") != "spring" || q.Get("utm_content") != "TikTok serum" || !strings.HasPrefix(clickID, "clk_") {
			t.Fatalf("location %s", loc)
		}
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "clout_click" {
				cookie = c
			}
		}
		if cookie == nil || cookie.Value != clickID || cookie.MaxAge != 30*24*3600 || !cookie.HttpOnly {
			t.Fatalf("click cookie: %+v", cookie)
		}
		// The same visitor again (not unique), a HEAD and a bot (not human).
		noFollow(t, "GET", a.URL+"/Maya-Serum", map[string]string{"User-Agent": browserUA})
		if r := noFollow(t, "HEAD", a.URL+"/Maya-Serum", map[string]string{"User-Agent": browserUA}); r.StatusCode != http.StatusFound {
			t.Fatalf("HEAD: %d", r.StatusCode)
		}
		noFollow(t, "GET", a.URL+"/Maya-Serum", map[string]string{"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
		noFollow(t, "GET", a.URL+"/Maya-Serum", map[string]string{"User-Agent": "facebookexternalhit/1.1"})

		// Unknown slugs: a friendly 404, never a redirect.
		for _, p := range []string{"/nope-nope", "/ab", "/a.b", "/admin"} {
			r := noFollow(t, "GET", a.URL+p, map[string]string{"User-Agent": browserUA})
			if r.StatusCode != 404 || r.Header.Get("Location") != "" {
				t.Errorf("%s: %d %s", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
		status, body = a.browser(t).get("/nope-nope")
		if status != 404 || !strings.Contains(body, "doesn't lead anywhere") {
			t.Fatalf("404 page: %d", status)
		}

		a.drainClicks(t)
		var stored struct {
			BrandID, CreatorID, LinkID, ReferrerHost, Device, VisitorHash string
			IsBot, IsUnique                                               bool
		}
		db.Raw("SELECT brand_id, creator_id, link_id, referrer_host, device, visitor_hash, is_bot, is_unique FROM clicks WHERE id = ?", clickID).Scan(&stored)
		if stored.LinkID != l.ID || stored.CreatorID != f.creator.ID || stored.BrandID != f.brand.Brand.ID || stored.ReferrerHost != "www.tiktok.com" ||
			stored.Device != "mobile" || !stored.IsUnique || stored.IsBot || strings.Contains(stored.VisitorHash, "127.0.0.1") {
			t.Fatalf("stored click: %+v", stored)
		}
		status, body = a.api(t, "GET", "/api/v1/links/"+l.ID+"/stats", f.brand.APIKey, "")
		if status != 200 || strings.TrimSpace(body) != `{"clicks":2,"unique_clicks":1,"bot_clicks":3}` {
			t.Fatalf("stats: %d %s", status, body)
		}
	})
}

// drainClicks writes every queued click (the app keeps running).
func (a *testApp) drainClicks(t *testing.T) {
	t.Helper()
	if err := a.Clicks.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestLinksAPIRulesAndIsolation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.linkFixture(t, "Glow")
		g := a.linkFixture(t, "Other")
		path := "/api/v1/creators/" + f.creator.ID + "/links"
		for _, tc := range []struct {
			body   string
			status int
			code   string
			says   string
		}{
			{`{"destination": "https://evil.test/"}`, 422, "invalid", "not one of the brand's allowed domains"},
			{`{"destination": "https://evil.test@shop.test/"}`, 422, "invalid", "user name or password"},
			{`{"destination": "javascript:alert(1)"}`, 422, "invalid", "https://"},
			{`{"destination": "https://shop.test/", "slug": "login"}`, 422, "invalid", "reserved"},
			{`{"destination": "https://shop.test/", "slug": "x"}`, 422, "invalid", "3 to 64"},
			{`{"destination": "https://shop.test/", "slug": "taken"}`, 201, "", ""},
			{`{"destination": "https://shop.test/", "slug": "TAKEN"}`, 409, "conflict", "taken"},
			{`{"destination": 5}`, 400, "malformed_json", "destination"},
		} {
			status, body := a.api(t, "POST", path, f.brand.APIKey, tc.body)
			if status != tc.status || (tc.code != "" && (decodeErr(t, body).Error.Code != tc.code || !strings.Contains(body, tc.says))) {
				t.Errorf("%s: %d %s", tc.body, status, body)
			}
		}
		links, _ := a.Links.ForCreator(context.Background(), f.brand.Brand.ID, f.creator.ID)
		if len(links) != 1 {
			t.Fatalf("%d links stored, want 1", len(links))
		}
		id := links[0].ID
		// Another brand's key: 404 on the creator, the link and its stats; nothing changes.
		for _, tc := range []struct{ method, path, body string }{
			{"POST", path, `{"destination": "https://shop.test/"}`},
			{"GET", path, ""},
			{"PATCH", "/api/v1/links/" + id, `{"status": "paused"}`},
			{"GET", "/api/v1/links/" + id + "/stats", ""},
		} {
			if status, body := a.api(t, tc.method, tc.path, g.brand.APIKey, tc.body); status != 404 {
				t.Errorf("foreign %s %s: %d %s", tc.method, tc.path, status, body)
			}
		}
		if r := noFollow(t, "GET", a.URL+"/taken", map[string]string{"User-Agent": browserUA}); r.StatusCode != 302 {
			t.Fatalf("link paused by a foreign key: %d", r.StatusCode)
		}
		// Pause: 404; resume: redirect; archive: 404 for good.
		for _, step := range []struct {
			status string
			want   int
		}{{"paused", 404}, {"active", 302}, {"archived", 404}} {
			if st, body := a.api(t, "PATCH", "/api/v1/links/"+id, f.brand.APIKey, `{"status": "`+step.status+`"}`); st != 200 {
				t.Fatalf("%s: %d %s", step.status, st, body)
			}
			if r := noFollow(t, "GET", a.URL+"/taken", map[string]string{"User-Agent": browserUA}); r.StatusCode != step.want {
				t.Fatalf("after %s: %d", step.status, r.StatusCode)
			}
		}
		if st, body := a.api(t, "PATCH", "/api/v1/links/"+id, f.brand.APIKey, `{"status": "active"}`); st != 409 || !strings.Contains(body, "archived") {
			t.Fatalf("archived revived: %d %s", st, body)
		}
		// The list shows the link with its counts.
		_, body := a.api(t, "GET", path, f.brand.APIKey, "")
		if !strings.Contains(body, `"slug":"taken"`) || !strings.Contains(body, `"stats":{"clicks":`) {
			t.Fatalf("list: %s", body)
		}
		_ = link.Active
	})
}

// A link whose slug is a word the app uses (one from before the word was
// reserved, say) never shadows the page: short links are answered before
// routing, but never for a reserved first path segment. An active link is
// answered there with the redirect's own headers.
func TestShortLinksNeverShadowAPage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.linkFixture(t, "Glow")
		now := store.Now()
		for _, slug := range []string{"login", "Dashboard"} {
			if err := db.Exec(`INSERT INTO links (id, brand_id, creator_id, slug, slug_key, destination, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)`, store.NewID("lnk"), f.brand.Brand.ID, f.creator.ID, slug, strings.ToLower(slug),
				"https://shop.test/old", now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		status, body := a.api(t, "POST", "/api/v1/creators/"+f.creator.ID+"/links", f.brand.APIKey,
			`{"destination": "https://shop.test/serum", "slug": "maya-glow"}`)
		if status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
		// A second instance warms its cache with every active link.
		b := newTestApp(t, db)
		if r := noFollow(t, "GET", b.URL+"/login", map[string]string{"User-Agent": browserUA}); r.StatusCode != http.StatusOK {
			t.Fatalf("GET /login: %d to %q, want the login page", r.StatusCode, r.Header.Get("Location"))
		}
		if r := noFollow(t, "GET", b.URL+"/Dashboard", map[string]string{"User-Agent": browserUA}); r.StatusCode != http.StatusNotFound {
			t.Fatalf("GET /Dashboard: %d to %q, want not found", r.StatusCode, r.Header.Get("Location"))
		}
		r := noFollow(t, "GET", b.URL+"/Maya-Glow", map[string]string{"User-Agent": browserUA})
		if r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), "https://shop.test/serum?") ||
			r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "private, no-store" ||
			r.Header.Get("Content-Security-Policy") != "" || r.Header.Get("Strict-Transport-Security") != "" {
			t.Fatalf("redirect: %d %v", r.StatusCode, r.Header)
		}
		// A path with more segments, a trailing slash or an escape is routed.
		if r := noFollow(t, "GET", b.URL+"/Maya-Glow/", map[string]string{"User-Agent": browserUA}); r.StatusCode != http.StatusMovedPermanently {
			t.Fatalf("GET /Maya-Glow/: %d, want the trailing-slash redirect", r.StatusCode)
		}
		if r := noFollow(t, "GET", b.URL+"/Maya%2DGlow", map[string]string{"User-Agent": browserUA}); r.StatusCode != http.StatusNotFound {
			t.Fatalf("GET /Maya%%2DGlow: %d, want not found (an escaped path is no slug)", r.StatusCode)
		}
	})
}
