package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/testutil"
)

// TestBrowserCreatorJourney drives a creator's whole way through the program
// in one browser, with the brand owner in another (separate cookies): apply on
// the join page, get approved in bulk, log in to the portal with an emailed
// link, get retired, and find the portal closed.
func TestBrowserCreatorJourney(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	ctx := context.Background()
	const (
		ownerEmail   = "owner@amber-dune.test"
		password     = "correct horse battery"
		creatorName  = "Rosa Amber"
		creatorEmail = "rosa@amber-creator.test"
	)
	b := a.createBrand(t, "Amber Dune Goods", ownerEmail)

	// 1. The creator applies on the join page.
	cr := newChrome(t)
	joinPage := a.URL + "/join/" + b.Brand.Slug
	resp := chromeRun(t, cr, "opening the join page", chromedp.NavigateResponse(joinPage))
	if resp == nil || resp.Status != http.StatusOK {
		t.Fatalf("join page: response %+v, want 200", resp)
	}
	chromeDo(t, cr, "filling the join form",
		chromedp.WaitVisible(chromedp.CSS("form#join-form")),
		chromedp.SendKeys(chromedp.CSS(`#join-form input[name="name"]`), creatorName),
		chromedp.SendKeys(chromedp.CSS(`#join-form input[name="email"]`), creatorEmail),
		chromedp.SendKeys(chromedp.CSS(`#join-form input[name="handle_instagram"]`), "@rosa.amber"),
		chromedp.SendKeys(chromedp.CSS(`#join-form input[name="audience_instagram"]`), "4,200"),
		chromedp.SendKeys(chromedp.CSS(`#join-form input[name="niche"]`), "ceramics"),
		chromedp.SendKeys(chromedp.CSS(`#join-form textarea[name="pitch"]`), "I film slow pottery videos."),
		chromedp.Click(chromedp.CSS(`#join-form input[name="accept_terms"]`)),
		chromedp.Click(chromedp.CSS(`#join-form input[name="accept_disclosure"]`)),
	)
	for _, box := range []string{"accept_terms", "accept_disclosure"} {
		if !chromeRun(t, cr, "reading "+box, chromedp.Evaluate[bool](`document.querySelector('#join-form input[name="`+box+`"]').checked`)) {
			t.Fatalf("%s is not ticked after clicking it", box)
		}
	}
	if st := chromeClick(t, cr, `#join-form button[type="submit"]`); st != http.StatusCreated {
		t.Errorf("apply: status %d, want 201", st)
	}
	if done := chromeText(t, cr, "#join-done"); done != "Application sent" {
		t.Fatalf("#join-done = %q, want %q", done, "Application sent")
	}
	res, err := a.Creators.List(ctx, b.Brand.ID, creator.ListQuery{Search: creatorEmail})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Creators) != 1 || res.Creators[0].Status != creator.Applied {
		t.Fatalf("after applying, creators matching %s: %+v, want one applied", creatorEmail, res.Creators)
	}
	id := res.Creators[0].ID

	// 2. The owner, in a second browser (own cookies), approves in bulk.
	owner := newChrome(t)
	browserLogin(t, owner, a, ownerEmail, password)
	box := `#applications-form input[name="ids"][value="` + id + `"]`
	chromeDo(t, owner, "ticking the application",
		chromedp.Navigate(a.URL+"/creators/applications"),
		chromedp.WaitVisible(chromedp.CSS("form#applications-form")),
		chromedp.Click(chromedp.CSS(box)),
	)
	if !chromeRun(t, owner, "reading the checkbox", chromedp.Evaluate[bool](`document.querySelector('`+box+`').checked`)) {
		t.Fatal("the applicant's checkbox is not ticked after clicking it")
	}
	if st := chromeClick(t, owner, "#bulk-approve"); st != http.StatusOK {
		t.Errorf("bulk approve: final status %d", st)
	}
	if p := chromePath(t, owner, a); p != "/creators/applications" {
		t.Errorf("after approving at %s, want /creators/applications", p)
	}
	if f := chromeText(t, owner, "#flash"); !strings.Contains(f, "1 application(s) approved") {
		t.Errorf("flash after approving = %q, want 1 application(s) approved", f)
	}
	if got, err := a.Creators.Get(ctx, b.Brand.ID, id); err != nil || got.Status != creator.Active {
		t.Fatalf("after approval: %+v, %v; want active", got, err)
	}

	// 3. The creator logs in to the portal with an emailed link.
	chromeDo(t, cr, "asking for a login link",
		chromedp.Navigate(a.URL+"/portal/login"),
		chromedp.WaitVisible(chromedp.CSS("form#portal-login-form")),
		chromedp.SendKeys(chromedp.CSS(`#portal-login-form input[name="email"]`), creatorEmail),
	)
	if st := chromeClick(t, cr, `#portal-login-form button[type="submit"]`); st != http.StatusOK {
		t.Errorf("asking for a login link: status %d", st)
	}
	if sent := chromeText(t, cr, "#magic-sent"); !strings.Contains(sent, creatorEmail) {
		t.Errorf("#magic-sent = %q, want it to name %s", sent, creatorEmail)
	}
	link := a.magicToken(t, creatorEmail)
	resp = chromeRun(t, cr, "opening the login link", chromedp.NavigateResponse(a.URL+link))
	if resp == nil || resp.Status != http.StatusOK {
		t.Fatalf("login link page: response %+v, want 200", resp)
	}
	chromeDo(t, cr, "waiting for the login button", chromedp.WaitVisible(chromedp.CSS("button#magic-login")))
	if st := chromeClick(t, cr, "button#magic-login"); st != http.StatusOK {
		t.Errorf("magic login: final status %d", st)
	}
	if p := chromePath(t, cr, a); p != "/portal" {
		t.Fatalf("after the magic login at %s, want /portal", p)
	}
	if s := chromeText(t, cr, "#portal-status"); s != "active" {
		t.Errorf("#portal-status = %q, want active", s)
	}
	chromeDo(t, cr, "waiting for the links panel", chromedp.WaitVisible(chromedp.CSS("#panel-links")))

	// 4. Another login link, then the owner retires the creator.
	//
	// While logged in, GET /portal/login redirects to /portal, so the browser
	// cannot show the form. We ask through the service (what POST /portal/login
	// calls) instead of logging out with #portal-logout: the creator's portal
	// session stays open, so the end of this test also checks that retiring
	// ends a live session, not just that a logged-out browser stays out.
	if err := a.Creators.RequestMagicLink(ctx, creatorEmail); err != nil {
		t.Fatal(err)
	}
	// Read the link before retiring, in case retiring mails the creator too.
	pending := a.magicToken(t, creatorEmail)
	if pending == link {
		t.Fatal("the second login link is the spent first one")
	}

	chromeDo(t, owner, "opening the creator page",
		chromedp.Navigate(a.URL+"/creators/"+id),
		chromedp.WaitVisible(chromedp.CSS("#status-form #to-retired")),
	)
	if s := chromeText(t, owner, "#creator-status"); s != "active" {
		t.Errorf("#creator-status before retiring = %q, want active", s)
	}
	if st := chromeClick(t, owner, "#status-form #to-retired"); st != http.StatusOK {
		t.Errorf("retire: final status %d", st)
	}
	if p := chromePath(t, owner, a); p != "/creators/"+id {
		t.Errorf("after retiring at %s, want /creators/%s", p, id)
	}
	if s := chromeText(t, owner, "#creator-status"); s != "retired" {
		t.Errorf("#creator-status after retiring = %q, want retired", s)
	}
	if f := chromeText(t, owner, "#flash"); !strings.Contains(f, "is now retired") {
		t.Errorf("flash after retiring = %q", f)
	}
	if got, err := a.Creators.Get(ctx, b.Brand.ID, id); err != nil || got.Status != creator.Retired {
		t.Fatalf("after retiring: %+v, %v; want retired", got, err)
	}

	// The fresh link no longer logs the retired creator in.
	resp = chromeRun(t, cr, "opening the second login link", chromedp.NavigateResponse(a.URL+pending))
	if resp == nil || resp.Status != http.StatusOK {
		t.Fatalf("second login link page: response %+v, want 200", resp)
	}
	chromeDo(t, cr, "waiting for the login button", chromedp.WaitVisible(chromedp.CSS("button#magic-login")))
	if st := chromeClick(t, cr, "button#magic-login"); st != http.StatusForbidden {
		t.Errorf("retired creator's magic login: status %d, want 403", st)
	}
	if msg := chromeText(t, cr, "#error-message"); !strings.Contains(msg, "portal is closed to you") {
		t.Errorf("#error-message = %q, want it to say the portal is closed", msg)
	}
	chromeDo(t, cr, "opening /portal",
		chromedp.Navigate(a.URL+"/portal"),
		chromedp.WaitVisible(chromedp.CSS("form#portal-login-form")),
	)
	if p := chromePath(t, cr, a); p != "/portal/login" {
		t.Errorf("/portal after retiring at %s, want /portal/login", p)
	}
}
