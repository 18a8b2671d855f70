package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

// stripeMock is the base URL of the stripe-mock this package's tests share;
// stripeMockErr says why there is none.
var (
	stripeMock    string
	stripeMockErr error
)

func TestMain(m *testing.M) {
	auth.BcryptCost = bcrypt.MinCost
	var stop func()
	stripeMock, stop, stripeMockErr = testutil.StartStripeMock()
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// needStripe returns stripe-mock's URL, or skips (fails under CI) without it.
func needStripe(t testing.TB) string {
	t.Helper()
	if stripeMock == "" {
		testutil.SkipWithoutStripeMock(t, stripeMockErr)
	}
	return stripeMock
}

// noStripe is a closed port: without stripe-mock, no test reaches the internet.
const noStripe = "http://127.0.0.1:1"

// testApp is a running Clout on a real database.
type testApp struct {
	*httptest.Server
	DB       *store.DB
	Brands   *brand.Service
	Creators *creator.Service
	Links    *link.Service
	Clicks   *click.Writer
	codes    *coupon.Service
	Orders   *order.Service
	Catalog  *commission.CatalogService
	Plans    *commission.Plans
	// Ledger is not running in the background in tests: call
	// Ledger.Process to bring it up to date.
	Ledger *commission.Ledger
	// Payouts does not run its background loop in tests either.
	Payouts *payout.Service
	Outbox  *mail.Outbox
	Config  *config.Config
	// Logs holds everything the app logged, at every level.
	Logs *syncBuffer
	// handler is the app's echo instance (its routes).
	handler *echo.Echo
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const testSecret = "test-secret-0123456789abcdef0123456789"

// newTestApp serves the app on db over a local listener. env adds config
// variables (e.g. CLOUT_TRUSTED_PROXIES).
func newTestApp(t testing.TB, db *store.DB, env ...string) *testApp {
	t.Helper()
	// Production: the tests check what production logs (no mail bodies).
	vars := map[string]string{"CLOUT_SECRET": testSecret, "CLOUT_DATA_DIR": t.TempDir(), "CLOUT_STRIPE_API_BASE": noStripe,
		"CLOUT_ENV": "production"}
	if stripeMock != "" {
		vars["CLOUT_STRIPE_API_BASE"] = stripeMock
	}
	for i := 0; i+1 < len(env); i += 2 {
		vars[env[i]] = env[i+1]
	}
	srv := httptest.NewUnstartedServer(nil)
	vars["CLOUT_BASE_URL"] = "http://" + srv.Listener.Addr().String()
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	var w io.Writer = logs
	if testing.Verbose() {
		w = io.MultiWriter(logs, testWriter{t})
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(context.Background(), cfg, db, log)
	if err != nil {
		t.Fatal(err)
	}
	// Runs before the database closes (cleanups run last-registered first).
	t.Cleanup(func() { a.Clicks.Drain(context.Background()) })
	handler := a.Web.Handler()
	srv.Config.Handler = handler
	srv.Start()
	t.Cleanup(srv.Close)
	return &testApp{Server: srv, DB: db, Brands: a.Brands, Creators: a.Creators, Links: a.Links, Clicks: a.Clicks, codes: a.Codes, Orders: a.Orders, Catalog: a.Catalog, Plans: a.Plans, Ledger: a.Ledger, Payouts: a.Payouts, Outbox: a.Outbox, Config: cfg, Logs: logs, handler: handler}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// createBrand makes a brand with an owner and an API key through the service.
func (a *testApp) createBrand(t testing.TB, name, email string) *brand.Created {
	t.Helper()
	c, err := a.Brands.CreateBrand(context.Background(), brand.NewBrand{Name: name, OwnerEmail: email,
		Password: "correct horse battery", Currency: "USD", WithAPIKey: true}, brand.Actor{Type: "cli", Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t      testing.TB
	app    *testApp
	client *http.Client
}

func (a *testApp) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, app: a, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// get fetches a page and returns status, body.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.client.Get(b.app.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// csrf loads a page and returns the CSRF token in its first form.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	_, body := b.get(path)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

// post submits a form (with the CSRF token of the page at from, unless
// from is empty) and returns the response.
func (b *browser) post(from, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if from != "" {
		form.Set("_csrf", b.csrf(from))
	}
	resp, err := b.client.PostForm(b.app.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// login logs in and fails the test unless it succeeds.
func (b *browser) login(email, password string) {
	b.t.Helper()
	resp, body := b.post("/login", "/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login as %s: status %d: %s", email, resp.StatusCode, body)
	}
}

// api calls the JSON API with a bearer key.
func (a *testApp) api(t testing.TB, method, path, key, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.URL+path, r)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Codes is the app's coupon service.
func (a *testApp) Codes(t testing.TB) *coupon.Service { return a.codes }

// analyst adds an analyst (read-only) to the brand's team through an
// accepted invite and returns their logged-in browser.
func (a *testApp) analyst(t testing.TB, brandID, email string) *browser {
	t.Helper()
	_, link, err := a.Brands.Invite(context.Background(), brand.Actor{Type: "cli", Label: "test"}, brand.Owner, brandID,
		email, brand.Analyst)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Brands.AcceptInvite(context.Background(), path.Base(link), "", "Ana", "analyst password 1"); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.login(email, "analyst password 1")
	return b
}
