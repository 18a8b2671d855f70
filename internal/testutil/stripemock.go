package testutil

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
