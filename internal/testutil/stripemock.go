package testutil

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RequireStripeMockEnv, when 1, turns a missing stripe-mock into a failure.
const RequireStripeMockEnv = "CLOUT_REQUIRE_STRIPE_MOCK"

// StripeMock starts stripe-mock for one test and returns its base URL. It
// skips without the binary, or fails under CLOUT_REQUIRE_STRIPE_MOCK=1.
func StripeMock(t testing.TB) string {
	t.Helper()
	base, stop, err := StartStripeMock()
	if err != nil {
		SkipWithoutStripeMock(t, err)
	}
	t.Cleanup(stop)
	return base
}

// SkipWithoutStripeMock skips (or fails, under CLOUT_REQUIRE_STRIPE_MOCK=1) a
// test that needs stripe-mock when it could not be started.
func SkipWithoutStripeMock(t testing.TB, why error) {
	t.Helper()
	if os.Getenv(RequireStripeMockEnv) == "1" {
		t.Fatalf("stripe-mock is required (%s=1): %v", RequireStripeMockEnv, why)
	}
	t.Skipf("stripe-mock unavailable (go install github.com/stripe/stripe-mock@v0.203.0): %v", why)
}

// ErrNoStripeMock means the stripe-mock binary is not installed.
var ErrNoStripeMock = errors.New("stripe-mock not found in PATH or GOPATH/bin")

// StartStripeMock starts stripe-mock on free ports; stop ends it. Packages
// that need it in many tests start one in TestMain.
func StartStripeMock() (base string, stop func(), err error) {
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, _ := os.UserHomeDir()
			gopath = filepath.Join(home, "go")
		}
		candidate := filepath.Join(gopath, "bin", "stripe-mock")
		if _, serr := os.Stat(candidate); serr != nil {
			return "", nil, ErrNoStripeMock
		}
		bin = candidate
	}
	httpPort, err := freePort()
	if err != nil {
		return "", nil, err
	}
	httpsPort, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "-http-port", fmt.Sprint(httpPort), "-https-port", fmt.Sprint(httpsPort))
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting stripe-mock: %w", err)
	}
	stop = func() { cmd.Process.Kill(); cmd.Wait() }
	base = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest("GET", base+"/v1/balance", nil)
		req.SetBasicAuth("sk_test_123", "")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return base, stop, nil
		}
	}
	stop()
	return "", nil, errors.New("stripe-mock did not answer within 20s")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// StripeMockV76 puts a proxy in front of stripe-mock and returns its URL.
// stripe-go v76 pins Stripe API version 2023-10-16, where a promotion code
// names its coupon as `coupon`; stripe-mock v0.203.0 validates against a newer
// API version that wants `promotion[type]=coupon&promotion[coupon]=…` and
// refuses `coupon`. The proxy rewrites that one parameter; everything else
// reaches the mock as stripe-go sent it.
func StripeMockV76(t testing.TB, mock string) string {
	t.Helper()
	target, err := url.Parse(mock)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/promotion_codes" {
			body, _ := io.ReadAll(r.Body)
			form, err := url.ParseQuery(string(body))
			if err != nil {
				t.Errorf("promotion code form: %v", err)
			}
			if c := form.Get("coupon"); c != "" {
				form.Del("coupon")
				form.Set("promotion[type]", "coupon")
				form.Set("promotion[coupon]", c)
			}
			enc := form.Encode()
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(enc)), int64(len(enc))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
