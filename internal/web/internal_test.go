package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/config"
	"github.com/labstack/echo/v4"
)

func testConfig(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	env["CLOUT_SECRET"] = "internal-test-secret-0123456789abcdef"
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestPanicRecoveredInto500Page(t *testing.T) {
	app, err := New(Deps{Config: testConfig(t, map[string]string{}), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e := app.Handler()
	e.GET("/boom", func(echo.Context) error { panic("kaboom") })
	e.GET("/api/v1/boom", func(echo.Context) error { panic("kaboom") })

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "Something went wrong") || strings.Contains(rec.Body.String(), "kaboom") {
		t.Fatalf("page panic: %d %s", rec.Code, rec.Body.String())
	}
	if !strings.Contains(rec.Body.String(), rec.Header().Get(echo.HeaderXRequestID)) {
		t.Fatal("500 page does not show the request id as a reference")
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/boom", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"internal"`) {
		t.Fatalf("API panic: %d %s", rec.Code, rec.Body.String())
	}
}

func TestClientIPFromTrustedProxiesOnly(t *testing.T) {
	cases := []struct {
		name, proxies, peer, xff, want string
	}{
		{"no proxies configured: header ignored", "", "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"trusted proxy: header used", "10.0.0.0/8", "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"untrusted peer: header ignored", "10.0.0.0/8", "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"loopback not trusted unless listed", "10.0.0.0/8", "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"spoofed hops before the proxy are skipped", "10.0.0.5", "10.0.0.5:5000", "1.1.1.1, 198.51.100.1", "198.51.100.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			if tc.proxies != "" {
				env["CLOUT_TRUSTED_PROXIES"] = tc.proxies
			}
			cfg := testConfig(t, env)
			e := echo.New()
			e.IPExtractor = ipExtractor(cfg.Proxies())
			var got string
			e.GET("/", func(c echo.Context) error { got = c.RealIP(); return c.NoContent(http.StatusOK) })
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.peer
			req.Header.Set("X-Forwarded-For", tc.xff)
			e.ServeHTTP(httptest.NewRecorder(), req)
			if got != tc.want {
				t.Fatalf("client IP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"": "/dashboard", "/team": "/team", "/team?x=1": "/team?x=1", "//evil.test": "/dashboard",
		"https://evil.test": "/dashboard", "/\\evil.test": "/dashboard", "/\t/evil.test": "/dashboard", "/\n/evil.test": "/dashboard",
		"/a\\b": "/dashboard", "javascript:alert(1)": "/dashboard"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStreamFailureIsNeverAWholeLookingFile: a download that fails after
// its first bytes went out ends with a broken connection, not a clean end
// of a shorter file; one that fails before is an ordinary error reply.
func TestStreamFailureIsNeverAWholeLookingFile(t *testing.T) {
	app, err := New(Deps{Config: testConfig(t, map[string]string{}), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e := app.Handler()
	// Rows that do not compress to nothing (the client asks for gzip).
	rnd := make([]byte, 50)
	if _, err := rand.Read(rnd); err != nil {
		t.Fatal(err)
	}
	row := hex.EncodeToString(rnd) + "\n"
	fail := func(after int) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
			return app.stream(c, func(w io.Writer) error {
				for i := range after {
					if _, err := io.WriteString(w, fmt.Sprint(i)+row); err != nil {
						return err
					}
				}
				if after < 0 {
					return nil
				}
				return io.ErrUnexpectedEOF // the database went away
			}, "test stream failed")
		}
	}
	e.GET("/late", fail(5000)) // 500 kB: past the 64 kB buffer
	e.GET("/early", fail(10))  // 1 kB: still buffered
	e.GET("/whole", fail(-1))  // no failure
	srv := httptest.NewServer(e)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/late")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || err == nil {
		t.Fatalf("late failure: status %d, read %d bytes, err %v; want 200 and a read error", res.StatusCode, len(body), err)
	}
	res, err = http.Get(srv.URL + "/early")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), row) ||
		strings.HasPrefix(res.Header.Get(echo.HeaderContentType), "text/csv") {
		t.Fatalf("early failure: status %d %s, body %q", res.StatusCode, res.Header.Get(echo.HeaderContentType), body)
	}
	res, err = http.Get(srv.URL + "/whole")
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || err != nil || len(body) != 0 {
		t.Fatalf("empty stream: status %d, %d bytes, err %v", res.StatusCode, len(body), err)
	}
}

// The click cookie built by hand is the one http.Cookie prints.
func TestClickCookieIsHTTPCookie(t *testing.T) {
	for _, maxAge := range []int{30 * 24 * 3600, 3600, 0, -1} {
		for _, secure := range []bool{true, false} {
			want := (&http.Cookie{Name: ClickCookie, Value: "clk_0ABCdef123", Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: secure,
				SameSite: http.SameSiteLaxMode}).String()
			if got := clickCookie("clk_0ABCdef123", maxAge, secure); got != want {
				t.Errorf("maxAge %d secure %v:\n got %s\nwant %s", maxAge, secure, got, want)
			}
		}
	}
}

// mayBeHTTPS never says no to a request echo's Scheme reads as https: over
// TLS, or from a trusted proxy with any of its scheme headers, in any form.
func TestMayBeHTTPSNeverMissesHTTPS(t *testing.T) {
	e := echo.New()
	headers := []string{echo.HeaderXForwardedProto, echo.HeaderXForwardedProtocol, echo.HeaderXForwardedSsl, echo.HeaderXUrlScheme}
	values := []string{"https", "HTTPS", "on", "wss", "http", "http, https", ""}
	var reqs []*http.Request
	plain := httptest.NewRequest("GET", "/abc1234", nil)
	plain.RemoteAddr = "127.0.0.1:5555"
	reqs = append(reqs, plain, httptest.NewRequest("GET", "https://go.test/abc1234", nil))
	for _, h := range headers {
		for _, v := range values {
			r := httptest.NewRequest("GET", "/abc1234", nil)
			r.RemoteAddr = "10.0.0.7:5555" // a private address: a trusted proxy by default
			r.Header.Set(h, v)
			reqs = append(reqs, r)
		}
	}
	https := 0
	for _, r := range reqs {
		scheme := e.NewContext(r, httptest.NewRecorder()).Scheme()
		if scheme == "https" || scheme == "wss" {
			https++
			if !mayBeHTTPS(r) {
				t.Errorf("%v %v: echo says %s, mayBeHTTPS says certainly http", r.TLS != nil, r.Header, scheme)
			}
		}
	}
	if https < 5 || mayBeHTTPS(plain) {
		t.Fatalf("%d requests read as https (want several); plain http request may be https: %v", https, mayBeHTTPS(plain))
	}
}
