package web_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/web"
)

// These tests drive a real headless Chromium against the running app. They
// check what only a browser shows: that forms submit with the fields the
// templates render, that the CSRF token and the cookies work as a browser sends
// them (with Sec-Fetch-* headers), and that redirects land where they should.

// requireBrowserEnv, when set to 1, turns a missing Chromium into a failure.
const requireBrowserEnv = "CLOUT_REQUIRE_BROWSER"

// newChrome starts a fresh headless Chromium with its own profile and returns
// a tab context. The whole browser lives at most 60 s; it is closed when the
// test ends.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CLOUT_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv(requireBrowserEnv) == "1" {
			t.Fatalf("no Chromium at %s (%v) but %s=1: the browser tests must run; install chromium or set CLOUT_CHROMIUM", path, err, requireBrowserEnv)
		}
		t.Skipf("no Chromium at %s (%v); skipping the browser test (install chromium or set CLOUT_CHROMIUM)", path, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Containers often have a tiny /dev/shm.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	cctx, ccancel := chromedp.NewContext(actx)
	// Runs before the TempDir cleanup (LIFO); acancel waits for the browser to exit.
	t.Cleanup(func() {
		ccancel()
		acancel()
		cancel()
	})
	if err := chromedp.Do(cctx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return cctx
}

// stepTimeout bounds one step (a navigation, a wait for an element), so that a
// missing element fails the test with its name instead of using up the whole
// browser's time.
const stepTimeout = 15 * time.Second

// chromeDo runs the actions and fails the test on an error.
func chromeDo(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// chromeRun runs one action that returns a value and fails the test on an error.
func chromeRun[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// chromeClick clicks the element and waits until the page it leads to has loaded
// (after any redirect). It returns the HTTP status of the final document.
func chromeClick(t *testing.T, ctx context.Context, sel string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("clicking %s: %v", sel, err)
	}
	if resp == nil {
		t.Fatalf("clicking %s: no document response", sel)
	}
	return resp.Status
}

// chromePath returns the browser's current path and query on the app.
func chromePath(t *testing.T, ctx context.Context, a *testApp) string {
	t.Helper()
	loc := chromeRun(t, ctx, "reading location", chromedp.Location())
	p, ok := strings.CutPrefix(loc, a.URL)
	if !ok {
		t.Fatalf("browser left the app: at %s", loc)
	}
	return p
}

// chromeText waits for the element to be visible and returns its text.
func chromeText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	chromeDo(t, ctx, "waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return strings.TrimSpace(chromeRun(t, ctx, "reading "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// browserLogin logs in through the login form and expects the dashboard.
func browserLogin(t *testing.T, ctx context.Context, a *testApp, email, password string) {
	t.Helper()
	chromeDo(t, ctx, "opening /login",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("form#login-form")),
		chromedp.SendKeys(chromedp.CSS(`form#login-form input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form#login-form input[name="password"]`), password),
	)
	if st := chromeClick(t, ctx, `form#login-form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("login as %s: final status %d", email, st)
	}
	if p := chromePath(t, ctx, a); p != "/dashboard" {
		t.Fatalf("after login at %s, want /dashboard (login error: %q)", p, loginError(ctx))
	}
}

// loginError returns the login page's error, if any, for failure messages.
func loginError(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("login-error") || {}).textContent || ""`))
	return strings.TrimSpace(s)
}

// sessionCookie returns the browser's clout_session cookie for the app, or "".
func sessionCookie(t *testing.T, ctx context.Context, a *testApp) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{a.URL + "/"}})
	if err != nil {
		t.Fatalf("reading cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == web.SessionCookie {
			return c.Value
		}
	}
	return ""
}

func TestBrowserSignupAndLogin(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	ctx := newChrome(t)

	const (
		brandName = "Violet Harbor Goods"
		name      = "Vi Harbor"
		email     = "vi@violet-harbor.test"
		password  = "violet-harbor-2931"
	)

	// A 5-character password: the form comes back with the error and the values.
	chromeDo(t, ctx, "filling the signup form",
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.WaitVisible(chromedp.CSS("form#signup-form")),
		chromedp.SendKeys(chromedp.CSS(`#signup-form input[name="brand_name"]`), brandName),
		chromedp.SendKeys(chromedp.CSS(`#signup-form input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`#signup-form input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`#signup-form input[name="password"]`), "abc12"),
	)
	if st := chromeClick(t, ctx, `#signup-form button[type="submit"]`); st != http.StatusUnprocessableEntity {
		t.Errorf("weak password signup: status %d, want 422", st)
	}
	if p := chromePath(t, ctx, a); p != "/signup" {
		t.Fatalf("weak password signup: at %s, want to stay on /signup", p)
	}
	if msg := chromeText(t, ctx, `#signup-form label:has(input[name="password"]) .field-error`); !strings.Contains(msg, "at least 10 characters") {
		t.Errorf("password field error = %q, want it to ask for at least 10 characters", msg)
	}
	if inv := chromeRun(t, ctx, "reading aria-invalid", chromedp.Evaluate[string](
		`document.querySelector('#signup-form input[name="password"]').getAttribute("aria-invalid") || ""`)); inv != "true" {
		t.Errorf("password input aria-invalid = %q, want true", inv)
	}
	for field, want := range map[string]string{"brand_name": brandName, "name": name, "email": email, "password": ""} {
		if got := chromeRun(t, ctx, "reading "+field, chromedp.Value(chromedp.CSS(`#signup-form input[name="`+field+`"]`))); got != want {
			t.Errorf("after the failed signup, %s holds %q, want %q", field, got, want)
		}
	}
	if c := sessionCookie(t, ctx, a); c != "" {
		t.Errorf("failed signup set a session cookie")
	}

	// The same form with a strong password: the brand is created and we are in.
	chromeDo(t, ctx, "typing a strong password",
		chromedp.SendKeys(chromedp.CSS(`#signup-form input[name="password"]`), password))
	if st := chromeClick(t, ctx, `#signup-form button[type="submit"]`); st != http.StatusOK {
		t.Errorf("signup: final status %d, want 200", st)
	}
	if p := chromePath(t, ctx, a); p != "/dashboard" {
		t.Fatalf("after signup at %s, want /dashboard", p)
	}
	if h := chromeText(t, ctx, "main h1"); h != brandName {
		t.Errorf("dashboard h1 = %q, want %q", h, brandName)
	}
	if cur := chromeText(t, ctx, "#current-brand"); cur != brandName {
		t.Errorf("#current-brand = %q, want %q", cur, brandName)
	}
	if acct := chromeText(t, ctx, "#account-link"); acct != email {
		t.Errorf("#account-link = %q, want %q", acct, email)
	}
	if f := chromeText(t, ctx, "#flash"); !strings.Contains(f, "Welcome to Clout") || !strings.Contains(f, brandName) {
		t.Errorf("flash after signup = %q", f)
	}

	// Log out.
	if st := chromeClick(t, ctx, "button#logout"); st != http.StatusOK {
		t.Errorf("logout: final status %d", st)
	}
	if p := chromePath(t, ctx, a); p != "/login" {
		t.Fatalf("after logout at %s, want /login", p)
	}
	if f := chromeText(t, ctx, "#flash"); !strings.Contains(f, "logged out") {
		t.Errorf("flash after logout = %q", f)
	}
	if c := sessionCookie(t, ctx, a); c != "" {
		t.Errorf("session cookie still set after logout")
	}
	// The dashboard is closed again.
	chromeDo(t, ctx, "opening /dashboard", chromedp.Navigate(a.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("form#login-form")))
	if p := chromePath(t, ctx, a); !strings.HasPrefix(p, "/login") {
		t.Errorf("/dashboard after logout at %s, want /login", p)
	}

	// A wrong password shows the error and keeps the email.
	chromeDo(t, ctx, "filling the login form",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("form#login-form")),
		chromedp.SendKeys(chromedp.CSS(`form#login-form input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form#login-form input[name="password"]`), "violet-harbor-0000"),
	)
	if st := chromeClick(t, ctx, `form#login-form button[type="submit"]`); st != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d, want 401", st)
	}
	if p := chromePath(t, ctx, a); p != "/login" {
		t.Errorf("wrong password: at %s, want /login", p)
	}
	if e := chromeText(t, ctx, "#login-error"); !strings.Contains(e, "Wrong email or password") {
		t.Errorf("#login-error = %q", e)
	}
	if got := chromeRun(t, ctx, "reading email", chromedp.Value(chromedp.CSS(`form#login-form input[name="email"]`))); got != email {
		t.Errorf("after a wrong password the email input holds %q, want %q", got, email)
	}
	if c := sessionCookie(t, ctx, a); c != "" {
		t.Errorf("wrong password set a session cookie")
	}

	// The right password logs in.
	browserLogin(t, ctx, a, email, password)
	if h := chromeText(t, ctx, "main h1"); h != brandName {
		t.Errorf("dashboard h1 after login = %q, want %q", h, brandName)
	}
}

func TestBrowserCSRFRejected(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	ctx := newChrome(t)
	const email = "owner@csrf.test"
	c := a.createBrand(t, "Token Brand", email)
	browserLogin(t, ctx, a, email, "correct horse battery")

	for _, tc := range []struct{ name, js string }{
		{"token removed", `(() => {
			const i = document.querySelector('#settings-form input[name="_csrf"]');
			if (!i || !i.value) return false;
			i.remove();
			return true;
		})()`},
		{"token forged", `(() => {
			const i = document.querySelector('#settings-form input[name="_csrf"]');
			if (!i || !i.value) return false;
			i.value = "forged";
			return true;
		})()`},
	} {
		chromeDo(t, ctx, tc.name+": opening /settings",
			chromedp.Navigate(a.URL+"/settings"),
			chromedp.WaitVisible(chromedp.CSS("form#settings-form")),
			chromedp.SetValue(chromedp.CSS(`#settings-form input[name="name"]`), "Forged Name"),
		)
		if ok := chromeRun(t, ctx, tc.name+": tampering", chromedp.Evaluate[bool](tc.js)); !ok {
			t.Fatalf("%s: the settings form has no CSRF token to tamper with", tc.name)
		}
		if st := chromeClick(t, ctx, `#settings-form button[type="submit"]`); st != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, st)
		}
		if h := chromeText(t, ctx, "main h1"); h != "Form expired" {
			t.Errorf("%s: error page h1 = %q, want %q", tc.name, h, "Form expired")
		}
		if title := chromeRun(t, ctx, "reading title", chromedp.Title()); !strings.HasPrefix(title, "Form expired") {
			t.Errorf("%s: title = %q", tc.name, title)
		}
		if msg := chromeText(t, ctx, "#error-message"); !strings.Contains(msg, "security token") {
			t.Errorf("%s: #error-message = %q, want it to mention the security token", tc.name, msg)
		}
		b, err := a.Brands.Get(context.Background(), c.Brand.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Name != "Token Brand" {
			t.Fatalf("%s: the brand was renamed to %q without a valid CSRF token", tc.name, b.Name)
		}
	}

	// Control: the same form, untouched, saves.
	chromeDo(t, ctx, "opening /settings",
		chromedp.Navigate(a.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS("form#settings-form")),
		chromedp.SetValue(chromedp.CSS(`#settings-form input[name="name"]`), "Renamed Brand"),
	)
	if st := chromeClick(t, ctx, `#settings-form button[type="submit"]`); st != http.StatusOK {
		t.Errorf("valid settings save: final status %d", st)
	}
	if p := chromePath(t, ctx, a); p != "/settings" {
		t.Errorf("after saving at %s, want /settings", p)
	}
	if f := chromeText(t, ctx, "#flash"); !strings.Contains(f, "Settings saved") {
		t.Errorf("flash after save = %q", f)
	}
	b, err := a.Brands.Get(context.Background(), c.Brand.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "Renamed Brand" {
		t.Errorf("with a valid token the brand name is %q, want %q", b.Name, "Renamed Brand")
	}
}

func TestBrowserLogoutRevokesSession(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	ctx := newChrome(t)
	const (
		email    = "owner@revoke.test"
		password = "correct horse battery"
	)
	a.createBrand(t, "Revoke Brand", email)

	// Logout: the old cookie, put back, no longer works.
	browserLogin(t, ctx, a, email, password)
	old := sessionCookie(t, ctx, a)
	if old == "" {
		t.Fatal("no clout_session cookie after login")
	}
	if st := chromeClick(t, ctx, "button#logout"); st != http.StatusOK {
		t.Errorf("logout: final status %d", st)
	}
	if p := chromePath(t, ctx, a); p != "/login" {
		t.Fatalf("after logout at %s, want /login", p)
	}
	setCtx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(setCtx, network.SetCookie, network.SetCookieParams{Name: web.SessionCookie, Value: old,
		URL: a.URL + "/", Path: "/", HTTPOnly: ptrTo(true), SameSite: network.CookieSameSiteLax}); err != nil {
		t.Fatalf("restoring the old cookie: %v", err)
	}
	if got := sessionCookie(t, ctx, a); got != old {
		t.Fatalf("the browser did not take the restored cookie")
	}
	chromeDo(t, ctx, "opening /dashboard with the revoked cookie", chromedp.Navigate(a.URL+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS("form#login-form")))
	if p := chromePath(t, ctx, a); !strings.HasPrefix(p, "/login") {
		t.Errorf("/dashboard with a revoked session cookie at %s, want /login", p)
	}
	if got := chromeRun(t, ctx, "counting logout buttons", chromedp.Evaluate[int](`document.querySelectorAll("button#logout").length`)); got != 0 {
		t.Errorf("the login page shows a logged-in nav with a revoked cookie")
	}
	if c := sessionCookie(t, ctx, a); c != "" {
		t.Errorf("the server did not clear the revoked session cookie")
	}

	// Log out everywhere: a copy of the browser's cookie and an unrelated
	// session of the same user both stop working.
	browserLogin(t, ctx, a, email, password)
	copied := sessionCookie(t, ctx, a)
	if copied == "" {
		t.Fatal("no clout_session cookie after the second login")
	}
	other := a.browser(t)
	other.login(email, password)

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	withCookie := func() (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, a.URL+"/dashboard", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: copied})
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	if st, _ := withCookie(); st != http.StatusOK {
		t.Fatalf("GET /dashboard with the copied cookie before logging out everywhere: %d, want 200", st)
	}
	if st, _ := other.get("/dashboard"); st != http.StatusOK {
		t.Fatalf("GET /dashboard in the other session: %d, want 200", st)
	}

	chromeDo(t, ctx, "opening /account", chromedp.Navigate(a.URL+"/account"), chromedp.WaitVisible(chromedp.CSS("#logout-everywhere")))
	if st := chromeClick(t, ctx, "#logout-everywhere"); st != http.StatusOK {
		t.Errorf("logout everywhere: final status %d", st)
	}
	if p := chromePath(t, ctx, a); p != "/login" {
		t.Fatalf("after logging out everywhere at %s, want /login", p)
	}
	if f := chromeText(t, ctx, "#flash"); !strings.Contains(f, "logged out everywhere") {
		t.Errorf("flash after logging out everywhere = %q", f)
	}
	st, loc := withCookie()
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("GET /dashboard with the copied cookie after logging out everywhere: %d to %q, want 303 to /login", st, loc)
	}
	if st, _ := other.get("/dashboard"); st != http.StatusSeeOther {
		t.Errorf("GET /dashboard in the other session after logging out everywhere: %d, want 303", st)
	}
}

func ptrTo[T any](v T) *T { return &v }
