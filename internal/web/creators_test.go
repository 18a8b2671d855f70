package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

func joinForm(name, email, handle string) url.Values {
	return url.Values{"name": {name}, "email": {email}, "handle_instagram": {handle}, "audience_instagram": {"12,000"},
		"niche": {"skincare"}, "country": {"fr"}, "pitch": {"I review serums"}, "accept_terms": {"1"}, "accept_disclosure": {"1"},
		"terms_version": {"1"}}
}

// magicToken reads the newest portal login link sent to email.
func (a *testApp) magicToken(t *testing.T, email string) string {
	t.Helper()
	m, err := a.Outbox.Latest(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`/portal/magic/[A-Za-z0-9]+`).FindString(m.Body)
	if link == "" {
		t.Fatalf("no login link in %q", m.Body)
	}
	return link
}

func TestJoinApproveAndPortal(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		b := a.createBrand(t, "Glow Co", "owner@glow.test")
		anon := a.browser(t)
		page := "/join/" + b.Brand.Slug

		if status, body := anon.get(page); status != 200 || !strings.Contains(body, "disclose every paid partnership") || !strings.Contains(body, "Program terms (version 1)") {
			t.Fatalf("join page: %d", status)
		}
		if status, _ := anon.get("/join/no-such-brand"); status != 404 {
			t.Fatalf("unknown brand: %d", status)
		}
		// Missing acceptances: refused beside the fields, values kept, nothing stored.
		f := joinForm("Ana", "ana@x.test", "@ana")
		f.Del("accept_disclosure")
		resp, body := anon.post(page, page, f)
		if resp.StatusCode != 422 || !strings.Contains(body, "promise to disclose") || !strings.Contains(body, `value="@ana"`) {
			t.Fatalf("without the disclosure promise: %d", resp.StatusCode)
		}
		resp, body = anon.post(page, page, joinForm("Ana", "ana@x.test", "@ana"))
		if resp.StatusCode != 201 || !strings.Contains(body, "Application sent") {
			t.Fatalf("apply: %d", resp.StatusCode)
		}
		// A second application: friendly message, still one record.
		resp, body = anon.post(page, page, joinForm("Ana B", "ANA@x.test", "@anab"))
		if resp.StatusCode != 409 || !strings.Contains(body, "already applied") {
			t.Fatalf("duplicate: %d", resp.StatusCode)
		}

		owner := a.browser(t)
		owner.login("owner@glow.test", pw)
		_, body = owner.get("/creators/applications")
		id := regexp.MustCompile(`name="ids" value="(cr_[A-Za-z0-9]+)"`).FindStringSubmatch(body)
		if id == nil || !strings.Contains(body, "ana@x.test") || !strings.Contains(body, "12,000") {
			t.Fatal("application not in the queue")
		}
		resp, _ = owner.post("/creators/applications", "/creators/applications/decide", url.Values{"ids": {id[1]}, "decision": {"approve"}})
		if resp.StatusCode != 303 {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		cr, _ := a.Creators.Get(context.Background(), b.Brand.ID, id[1])
		if cr.Status != creator.Active || cr.Country != "FR" {
			t.Fatalf("after approval: %+v", cr)
		}

		// The creator logs in with the emailed link.
		creatorB := a.browser(t)
		resp, body = creatorB.post("/portal/login", "/portal/login", url.Values{"email": {"ana@x.test"}})
		if !strings.Contains(body, "emailed a login link") {
			t.Fatalf("magic link request: %d", resp.StatusCode)
		}
		link := a.magicToken(t, "ana@x.test")
		if status, body := creatorB.get(link); status != 200 || !strings.Contains(body, "Log in to Glow Co") {
			t.Fatalf("magic page: %d", status)
		}
		resp, _ = creatorB.post(link, link, url.Values{})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/portal" {
			t.Fatalf("magic login: %d", resp.StatusCode)
		}
		status, body := creatorB.get("/portal")
		if status != 200 || !strings.Contains(body, `id="portal-status">active<`) || !strings.Contains(body, "Glow Co") {
			t.Fatalf("portal: %d", status)
		}
		// Used link: clear message, no login.
		if resp, body := a.browser(t).post("/portal/login", link, url.Values{}); resp.StatusCode != 404 || !strings.Contains(body, "invalid, expired or already used") {
			t.Fatalf("reused link: %d", resp.StatusCode)
		}
		// The brand team's session does not open the portal, nor the reverse.
		if status, _ := owner.get("/portal"); status != 303 {
			t.Fatalf("brand session on the portal: %d", status)
		}
		if status, _ := creatorB.get("/creators"); status != 303 {
			t.Fatalf("portal session on brand pages: %d", status)
		}

		// Retiring: the session ends and a fresh link no longer logs in.
		creatorB.post("/portal", "/portal/login", url.Values{"email": {"ana@x.test"}})
		pending := a.magicToken(t, "ana@x.test")
		resp, _ = owner.post("/creators/"+cr.ID, "/creators/"+cr.ID+"/status", url.Values{"status": {"retired"}, "reason": {"program ended"}})
		if resp.StatusCode != 303 {
			t.Fatalf("retire: %d", resp.StatusCode)
		}
		if status, _ := creatorB.get("/portal"); status != 303 {
			t.Fatalf("retired creator's session: %d", status)
		}
		if resp, body := a.browser(t).post("/portal/login", pending, url.Values{}); resp.StatusCode != 403 || !strings.Contains(body, "closed to you") {
			t.Fatalf("retired creator's link: %d", resp.StatusCode)
		}
		// An illegal change is refused with a clear message and changes nothing.
		owner.post("/creators/"+cr.ID, "/creators/"+cr.ID+"/status", url.Values{"status": {"active"}})
		_, body = owner.get("/creators/" + cr.ID)
		if !strings.Contains(body, "cannot become active") || !strings.Contains(body, `id="creator-status">retired<`) {
			t.Fatal("illegal transition not explained or applied")
		}
		if !strings.Contains(body, "program ended") {
			t.Fatal("history lacks the reason")
		}
	})
}

func TestCreatorInviteFlow(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	a.createBrand(t, "Glow", "owner@glow.test")
	owner := a.browser(t)
	owner.login("owner@glow.test", pw)
	resp, body := owner.post("/creators/new", "/creators/new", url.Values{"name": {"Bo"}, "email": {"bo@x.test"}, "handle_tiktok": {"@bo"}, "tags": {"Spring, vip"}})
	link := regexp.MustCompile(`/creator-invite/[A-Za-z0-9]+`).FindString(body)
	if resp.StatusCode != 201 || link == "" {
		t.Fatalf("invite: %d", resp.StatusCode)
	}
	if resp, body := owner.post("/creators/new", "/creators/new", url.Values{"name": {"Bo"}, "email": {"bo@x.test"}}); resp.StatusCode != 422 || !strings.Contains(body, "already in your program") {
		t.Fatalf("duplicate invite: %d", resp.StatusCode)
	}
	bo := a.browser(t)
	resp, body = bo.post(link, link, url.Values{"name": {"Bo"}, "terms_version": {"1"}, "accept_disclosure": {"1"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "accept the program terms") {
		t.Fatalf("without terms: %d", resp.StatusCode)
	}
	resp, _ = bo.post(link, link, url.Values{"name": {"Bo Brown"}, "terms_version": {"1"}, "accept_terms": {"1"}, "accept_disclosure": {"1"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/portal" {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	if _, body := bo.get("/portal"); !strings.Contains(body, "Hi Bo Brown") {
		t.Fatal("not in the portal after accepting")
	}
	if status, body := a.browser(t).get(link); status != 404 || !strings.Contains(body, "already used") {
		t.Fatalf("reused invite: %d", status)
	}
	_, list := owner.get("/creators?tag=vip")
	if !strings.Contains(list, "Bo Brown") || !strings.Contains(list, "spring, vip") {
		t.Fatal("tag filter")
	}
}

func TestCreatorIsolation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		ba := a.createBrand(t, "Alpha", "a@alpha.test")
		bb := a.createBrand(t, "Beta", "b@beta.test")
		ctx := context.Background()
		crB, _, err := a.Creators.New(ctx, brand.Actor{Type: "cli"}, bb.Brand.ID, creator.Profile{Name: ptrS("Bea"), Email: ptrS("bea@x.test")}, creator.Active)
		if err != nil {
			t.Fatal(err)
		}
		crA, _, _ := a.Creators.New(ctx, brand.Actor{Type: "cli"}, ba.Brand.ID, creator.Profile{Name: ptrS("Al"), Email: ptrS("al@x.test")}, creator.Active)

		// Brand A's team, pages: B's creator is a 404 everywhere, and unchanged.
		ownerA := a.browser(t)
		ownerA.login("a@alpha.test", pw)
		if status, _ := ownerA.get("/creators/" + crB.ID); status != 404 {
			t.Fatalf("page: %d", status)
		}
		if resp, _ := ownerA.post("/creators", "/creators/"+crB.ID+"/status", url.Values{"status": {"paused"}}); resp.StatusCode != 404 {
			t.Fatalf("status: %d", resp.StatusCode)
		}
		if resp, _ := ownerA.post("/creators", "/creators/"+crB.ID, url.Values{"name": {"Hacked"}, "notes": {"x"}}); resp.StatusCode != 404 {
			t.Fatalf("edit: %d", resp.StatusCode)
		}
		ownerA.post("/creators/applications", "/creators/applications/decide", url.Values{"ids": {crB.ID}, "decision": {"reject"}})
		if _, body := ownerA.get("/creators"); strings.Contains(body, "Bea") {
			t.Fatal("B's creator in A's list")
		}
		// Brand A's key, API.
		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/api/v1/creators/" + crB.ID, ""},
			{"PATCH", "/api/v1/creators/" + crB.ID, `{"status": "paused"}`},
		} {
			if status, body := a.api(t, tc.method, tc.path, ba.APIKey, tc.body); status != 404 {
				t.Fatalf("%s %s: %d %s", tc.method, tc.path, status, body)
			}
		}
		if _, body := a.api(t, "GET", "/api/v1/creators?q=bea", ba.APIKey, ""); !strings.Contains(body, `"total":0`) {
			t.Fatalf("A's API list shows B's creator: %s", body)
		}
		after, _ := a.Creators.Get(ctx, bb.Brand.ID, crB.ID)
		if after.Status != creator.Active || after.Name != "Bea" || after.Notes != "" {
			t.Fatalf("B's creator changed: %+v", after)
		}

		// A creator in the portal cannot reach another creator by any id.
		a.Creators.RequestMagicLink(ctx, "al@x.test")
		al := a.browser(t)
		link := a.magicToken(t, "al@x.test")
		al.post(link, link, url.Values{})
		if resp, _ := al.post("/portal", "/portal/switch", url.Values{"creator_id": {crB.ID}}); resp.StatusCode != 404 {
			t.Fatalf("switch to another creator: %d", resp.StatusCode)
		}
		// Profile edits apply to the session's creator whatever the form says.
		resp, _ := al.post("/portal/profile", "/portal/profile", url.Values{"name": {"Al"}, "payout_email": {"al-pay@x.test"},
			"creator_id": {crB.ID}, "id": {crB.ID}})
		if resp.StatusCode != 303 {
			t.Fatalf("profile: %d", resp.StatusCode)
		}
		if b2, _ := a.Creators.Get(ctx, bb.Brand.ID, crB.ID); b2.PayoutEmail != "" {
			t.Fatal("another creator's profile changed")
		}
		if a2, _ := a.Creators.Get(ctx, ba.Brand.ID, crA.ID); a2.PayoutEmail != "al-pay@x.test" {
			t.Fatal("own profile not saved")
		}
		_, body := al.get("/portal")
		if strings.Contains(body, "Bea") || strings.Contains(body, "bea@x.test") {
			t.Fatal("portal shows another creator")
		}
	})
}

func ptrS(s string) *string { return &s }

func TestCreatorsAPI(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		b := a.createBrand(t, "Glow", "owner@glow.test")
		status, body := a.api(t, "POST", "/api/v1/creators", b.APIKey, `{"name": "Cleo", "email": "Cleo@X.test",
			"handles": {"instagram": "@cleo", "youtube": {"handle": "cleo-tv", "audience_size": 50000}}, "tags": ["VIP"]}`)
		if status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
		var cr struct {
			ID, Email, Status string
			Handles           map[string]struct{ Handle string }
			TotalAudience     int64 `json:"total_audience"`
			Tags              []string
			InviteURL         string `json:"invite_url"`
		}
		json.Unmarshal([]byte(body), &cr)
		if cr.Status != "active" || cr.Email != "cleo@x.test" || cr.Handles["instagram"].Handle != "@cleo" || cr.TotalAudience != 50000 || cr.Tags[0] != "vip" || cr.InviteURL != "" {
			t.Fatalf("created: %s", body)
		}
		status, body = a.api(t, "POST", "/api/v1/creators", b.APIKey, `{"name": "Dee", "email": "dee@x.test", "status": "invited"}`)
		if status != 201 || !strings.Contains(body, `"status":"invited"`) || !strings.Contains(body, "/creator-invite/") {
			t.Fatalf("invited: %d %s", status, body)
		}
		for _, tc := range []struct {
			body   string
			status int
			code   string
		}{
			{`{"name": "Cleo", "email": "cleo@x.test"}`, 409, "duplicate"},
			{`{"name": "", "email": "bad"}`, 422, "invalid"},
			{`{"name": "E", "email": "e@x.test", "status": "paused"}`, 422, "invalid"},
			{`{"name": "E", "email": "e@x.test", "handles": {"myspace": "@e"}}`, 422, "invalid"},
			{`{"name": "E", "email": "e@x.test", "handles": {"instagram": 5}}`, 400, "malformed_json"},
			{`{"name": "E", "email": "e@x.test", "colour": "red"}`, 400, "unknown_field"},
		} {
			status, body := a.api(t, "POST", "/api/v1/creators", b.APIKey, tc.body)
			if status != tc.status || decodeErr(t, body).Error.Code != tc.code {
				t.Errorf("%s: %d %s, want %d %s", tc.body, status, body, tc.status, tc.code)
			}
		}
		// PATCH: profile and legal status change, then an illegal one (409, nothing changes).
		status, body = a.api(t, "PATCH", "/api/v1/creators/"+cr.ID, b.APIKey, `{"notes": "great", "status": "paused", "reason": "holiday"}`)
		if status != 200 || !strings.Contains(body, `"status":"paused"`) || !strings.Contains(body, `"notes":"great"`) {
			t.Fatalf("patch: %d %s", status, body)
		}
		status, body = a.api(t, "PATCH", "/api/v1/creators/"+cr.ID, b.APIKey, `{"notes": "changed", "status": "rejected"}`)
		if status != 409 || decodeErr(t, body).Error.Code != "illegal_transition" || !strings.Contains(body, "cannot become rejected") {
			t.Fatalf("illegal: %d %s", status, body)
		}
		if got, _ := a.Creators.Get(context.Background(), b.Brand.ID, cr.ID); got.Notes != "great" || got.Status != creator.Paused {
			t.Fatalf("an illegal patch changed the creator: %+v", got)
		}
		if status, _ := a.api(t, "PATCH", "/api/v1/creators/"+cr.ID, b.APIKey, `{"email": "new@x.test"}`); status != 422 {
			t.Fatalf("email change: %d", status)
		}
		// List: filters and cursor pagination.
		for i := 0; i < 5; i++ {
			a.api(t, "POST", "/api/v1/creators", b.APIKey, `{"name": "N`+string(rune('a'+i))+`", "email": "n`+string(rune('a'+i))+`@x.test", "handles": {"tiktok": "@n"}}`)
		}
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			path := "/api/v1/creators?limit=3&sort=name"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			status, body := a.api(t, "GET", path, b.APIKey, "")
			var page struct {
				Data  []struct{ ID string }
				Next  *string `json:"next_cursor"`
				Total *int64
			}
			json.Unmarshal([]byte(body), &page)
			// The total comes with the first page only.
			if status != 200 || (pages == 0) != (page.Total != nil) || (page.Total != nil && *page.Total != 7) {
				t.Fatalf("list page %d: %d %s", pages, status, body)
			}
			for _, d := range page.Data {
				seen[d.ID] = true
			}
			if page.Next == nil {
				break
			}
			cursor = *page.Next
		}
		if len(seen) != 7 {
			t.Fatalf("pagination saw %d creators, want 7", len(seen))
		}
		if _, body := a.api(t, "GET", "/api/v1/creators?platform=tiktok&status=active", b.APIKey, ""); !strings.Contains(body, `"total":5`) {
			t.Fatalf("filters: %s", body)
		}
		for _, q := range []string{"?status=nope", "?sort=random", "?limit=0", "?limit=x", "?cursor=@@"} {
			if status, _ := a.api(t, "GET", "/api/v1/creators"+q, b.APIKey, ""); status != 400 {
				t.Errorf("%s: %d, want 400", q, status)
			}
		}
		if status, _ := a.api(t, "GET", "/api/v1/creators", "", ""); status != http.StatusUnauthorized {
			t.Fatalf("no key: %d", status)
		}
	})
}

func TestProgramSettings(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	b := a.createBrand(t, "Glow", "owner@glow.test")
	owner := a.browser(t)
	owner.login("owner@glow.test", pw)
	_, page := owner.get("/settings")
	form := url.Values{"name": {"Glow"}, "currency": {"USD"}, "time_zone": {"UTC"}, "attribution_window_days": {"30"}, "hold_days": {"30"},
		"payout_minimum": {"0"}, "click_param": {"clout_click"}, "program_intro": {"Glow with us!"}, "program_terms": {"New terms. Disclose #ad."}, "auto_approve_min_audience": {"10000"}}
	if !strings.Contains(page, "Creator program") {
		t.Fatal("no program section")
	}
	if resp, _ := owner.post("/settings", "/settings", form); resp.StatusCode != 303 {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	got, _ := a.Brands.Get(context.Background(), b.Brand.ID)
	if got.ProgramIntro != "Glow with us!" || got.TermsVersion != 2 || got.AutoApproveMinAudience != 10000 {
		t.Fatalf("saved: %+v", got)
	}
	_, join := a.browser(t).get("/join/" + b.Brand.Slug)
	if !strings.Contains(join, "Glow with us!") || !strings.Contains(join, "New terms. Disclose #ad.") || !strings.Contains(join, `name="terms_version" value="2"`) {
		t.Fatal("join page does not show the new program text")
	}
	// Big enough audience: approved at once.
	anon := a.browser(t)
	f := joinForm("Big", "big@x.test", "@big")
	f.Set("terms_version", "2")
	resp, body := anon.post("/join/"+b.Brand.Slug, "/join/"+b.Brand.Slug, f)
	if resp.StatusCode != 201 || !strings.Contains(body, "You're in!") {
		t.Fatalf("auto-approve: %d", resp.StatusCode)
	}
}
