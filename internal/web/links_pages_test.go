package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/testutil"
)

func TestLinksAndCodesPagesAndPortal(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	f := a.linkFixture(t, "Glow")
	ctx := context.Background()
	owner := a.browser(t)
	owner.login("glow@brand.test", pw)
	page := "/creators/" + f.creator.ID

	resp, _ := owner.post(page, page+"/links", url.Values{"destination": {"https://shop.test/serum"}, "slug": {"maya15"}, "label": {"TikTok"}})
	if resp.StatusCode != 303 {
		t.Fatalf("create link: %d", resp.StatusCode)
	}
	_, body := owner.get(page)
	if !strings.Contains(body, "Link "+a.URL+"/maya15 created") || !strings.Contains(body, "/maya15</code>") {
		t.Fatal("link not shown on the creator page")
	}
	owner.post(page, page+"/links", url.Values{"destination": {"https://evil.test/"}})
	if _, body := owner.get(page); !strings.Contains(body, "not one of the brand&#39;s allowed domains") {
		t.Fatal("bad destination not explained")
	}
	resp, _ = owner.post(page, page+"/codes", url.Values{"discount_type": {"percent"}, "discount_value": {"15"}})
	if resp.StatusCode != 303 {
		t.Fatalf("create code: %d", resp.StatusCode)
	}
	codes, _ := a.Codes(t).ForCreator(ctx, f.brand.Brand.ID, f.creator.ID)
	if len(codes) != 1 || codes[0].DiscountValue != 1500 || codes[0].DiscountType != "percent" {
		t.Fatalf("codes: %+v", codes)
	}

	// Bulk: a second active creator gets a link and a code; Maya keeps hers.
	other, _, _ := a.Creators.New(ctx, brand.Actor{Type: "cli"}, f.brand.Brand.ID, creator.Profile{Name: ptrS("Noor"), Email: ptrS("noor@x.test"),
		Handles: map[creator.Platform]creator.HandleInput{"instagram": {Handle: "@noor.glow"}}}, creator.Active)
	resp, _ = owner.post("/creators", "/creators/issue", url.Values{"destination": {"https://shop.test/"}, "discount_type": {"percent"}, "discount_value": {"10"}})
	if resp.StatusCode != 303 {
		t.Fatalf("issue: %d", resp.StatusCode)
	}
	if _, body := owner.get("/creators"); !strings.Contains(body, "Issued 1 link(s) and 1 code(s)") {
		t.Fatal("issue result not shown")
	}
	if ls, _ := a.Links.ForCreator(ctx, f.brand.Brand.ID, other.ID); len(ls) != 1 {
		t.Fatalf("Noor has %d links", len(ls))
	}
	if cs, _ := a.Codes(t).ForCreator(ctx, f.brand.Brand.ID, other.ID); len(cs) != 1 || !strings.HasPrefix(cs[0].Code, "NOORGLOW10") {
		t.Fatalf("Noor's codes: %+v", cs)
	}
	if ls, _ := a.Links.ForCreator(ctx, f.brand.Brand.ID, f.creator.ID); len(ls) != 1 {
		t.Fatalf("Maya has %d links after the bulk issue", len(ls))
	}

	// A click, then the creator's portal shows the link, its QR code and clicks, and the code.
	noFollow(t, "GET", a.URL+"/maya15", map[string]string{"User-Agent": browserUA})
	a.drainClicks(t)
	a.Creators.RequestMagicLink(ctx, f.creator.Email)
	maya := a.browser(t)
	magic := a.magicToken(t, f.creator.Email)
	maya.post("/portal/login", magic, url.Values{})
	status, body := maya.get("/portal")
	if status != 200 || !strings.Contains(body, a.URL+"/maya15") || !strings.Contains(body, `data-copy="`+a.URL+`/maya15"`) ||
		!strings.Contains(body, "1 clicks") || !strings.Contains(body, codes[0].Code) || !strings.Contains(body, "<svg class=\"spark\"") {
		t.Fatalf("portal: %d", status)
	}
	mayaLinks, _ := a.Links.ForCreator(ctx, f.brand.Brand.ID, f.creator.ID)
	resp2, err := maya.client.Get(a.URL + "/portal/links/" + mayaLinks[0].ID + "/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 200 || resp2.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr: %d %s", resp2.StatusCode, resp2.Header.Get("Content-Type"))
	}
	// Noor's link's QR code is not Maya's to see.
	noorLinks, _ := a.Links.ForCreator(ctx, f.brand.Brand.ID, other.ID)
	if status, _ := maya.get("/portal/links/" + noorLinks[0].ID + "/qr.png"); status != http.StatusNotFound {
		t.Fatalf("another creator's QR: %d", status)
	}
	_ = link.Active
}
