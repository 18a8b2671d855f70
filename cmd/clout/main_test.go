package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/testutil"
)

// binary is the clout command, built once for the process-level tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clout-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "clout")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building clout: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func envLookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func runCLI(env map[string]string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, envLookup(env))
	return code, out.String(), errOut.String()
}

func TestBrandCreateBadInput(t *testing.T) {
	env := map[string]string{"CLOUT_DATA_DIR": t.TempDir()}
	good := []string{"brand", "create", "--name", "Acme", "--owner-email", "a@acme.test", "--password", "correct horse battery", "--currency", "USD"}
	with := func(flag, value string) []string {
		args := append([]string(nil), good...)
		for i := range args {
			if args[i] == flag {
				args[i+1] = value
			}
		}
		return args
	}
	cases := []struct {
		name     string
		args     []string
		mentions string
	}{
		{"malformed email", with("--owner-email", "not-an-email"), "email"},
		{"unknown currency", with("--currency", "DOGE"), "currency"},
		{"weak password", with("--password", "12345"), "password"},
		{"common password", with("--password", "password123"), "password"},
		{"missing name", good[:2], "--name"},
		{"unknown flag", append(append([]string(nil), good...), "--colour", "red"), "colour"},
	}
	for _, tc := range cases {
		code, out, errOut := runCLI(env, tc.args...)
		if code == 0 || out != "" || !strings.Contains(errOut, tc.mentions) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want non-zero, nothing on stdout, an error naming %s", tc.name, code, out, errOut, tc.mentions)
		}
	}
	// Nothing was created by the bad calls: the good one succeeds with that email.
	code, out, errOut := runCLI(env, good...)
	if code != 0 {
		t.Fatalf("good call: %d %s", code, errOut)
	}
	var res map[string]string
	if err := json.Unmarshal([]byte(out), &res); err != nil || res["brand_id"] == "" || !strings.HasPrefix(res["api_key"], "clout_") || len(res) != 2 {
		t.Fatalf("stdout %q is not exactly {brand_id, api_key}", out)
	}
	// The same owner email again is refused.
	if code, _, errOut := runCLI(env, good...); code == 0 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate: %d %s", code, errOut)
	}
}

func TestUsageAndBadConfig(t *testing.T) {
	if code, _, errOut := runCLI(nil, "frobnicate"); code != exitUsage || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %s", code, errOut)
	}
	if code, out, _ := runCLI(nil, "help"); code != 0 || !strings.Contains(out, "brand create") {
		t.Fatalf("help: %d", code)
	}
	code, _, errOut := runCLI(map[string]string{"CLOUT_BASE_URL": "not a url"}, "serve")
	if code == 0 || !strings.Contains(errOut, "CLOUT_BASE_URL") {
		t.Fatalf("bad config: %d %s", code, errOut)
	}
}

// server is a running clout process.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *lineBuffer
	done   chan error
}

type lineBuffer struct {
	lines chan string
	all   bytes.Buffer
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServer(t *testing.T, env []string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), append(env, "CLOUT_ADDR="+addr, "CLOUT_BASE_URL=http://"+addr)...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, stderr: &lineBuffer{lines: make(chan string, 1000)}, done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			select {
			case s.stderr.lines <- sc.Text():
			default:
			}
		}
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
	return nil
}

// waitLog waits for a log line containing want.
func (s *server) waitLog(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l := <-s.stderr.lines:
			if strings.Contains(l, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no log line containing %q", want)
		}
	}
}

// eachDBEnv runs fn with the environment of a fresh SQLite data directory,
// then of a fresh PostgreSQL schema.
func eachDBEnv(t *testing.T, fn func(t *testing.T, env []string)) {
	base := []string{"CLOUT_SECRET=process-test-secret-0123456789abcdef", "CLOUT_LOG_LEVEL=info"}
	t.Run("sqlite", func(t *testing.T) { fn(t, append(base, "CLOUT_DATA_DIR="+t.TempDir(), "DATABASE_URL=")) })
	t.Run("postgres", func(t *testing.T) {
		fn(t, append(base, "CLOUT_DATA_DIR="+t.TempDir(), "DATABASE_URL="+testutil.PostgresURL(t)))
	})
}

func apiCall(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
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

// `clout brand create` works while the server runs (SQLite included), and the
// key it prints works on the running server.
func TestBrandCreateWhileServing(t *testing.T) {
	eachDBEnv(t, func(t *testing.T, env []string) {
		s := startServer(t, env)
		// A fresh install sends visitors to the sign-up page.
		resp, err := http.Get(s.url + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/signup" || !strings.Contains(string(page), `<form method="post" action="/signup"`) {
			t.Fatalf("GET / on a fresh install: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		cmd := exec.Command(binary, "brand", "create", "--name", "Acme", "--owner-email", "owner@acme.test",
			"--password", "correct horse battery", "--currency", "JPY")
		cmd.Env = append(os.Environ(), env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("brand create: %v\n%s", err, stderr.String())
		}
		var res struct {
			BrandID string `json:"brand_id"`
			APIKey  string `json:"api_key"`
		}
		dec := json.NewDecoder(&stdout)
		if err := dec.Decode(&res); err != nil || dec.More() {
			t.Fatalf("stdout is not exactly one JSON object: %q", stdout.String())
		}
		status, body := apiCall(t, "GET", s.url+"/api/v1/brand", res.APIKey, "")
		if status != 200 || !strings.Contains(body, `"id":"`+res.BrandID+`"`) || !strings.Contains(body, `"currency":"JPY"`) {
			t.Fatalf("GET /api/v1/brand with the new key: %d %s", status, body)
		}
	})
}

// SIGTERM while a request is in flight: the request finishes, its change is
// kept, and the process exits 0.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	eachDBEnv(t, func(t *testing.T, env []string) {
		s := startServer(t, env)
		cmd := exec.Command(binary, "brand", "create", "--name", "Acme", "--owner-email", "owner@acme.test",
			"--password", "correct horse battery")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var res struct {
			APIKey string `json:"api_key"`
		}
		json.Unmarshal(out, &res)

		// Start a request and hold back its body. The server's "100 Continue"
		// shows that the handler is running and waiting for the body.
		body := `{"name": "Renamed during shutdown"}`
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "PATCH /api/v1/brand HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n",
			res.APIKey, len(body))
		br := bufio.NewReader(conn)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if line, err := br.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
			t.Fatalf("want 100 Continue, got %q %v", line, err)
		}
		br.ReadString('\n') // blank line after the interim response

		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		s.waitLog(t, "shutting down")
		// The listener closes: new connections are refused while the old request is still open.
		refused := false
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "http://"), time.Second)
			if err != nil {
				refused = true
				break
			}
			c.Close()
		}
		if !refused {
			t.Error("server still accepts new connections after SIGTERM")
		}
		select {
		case err := <-s.done:
			t.Fatalf("server exited before the in-flight request finished: %v", err)
		default:
		}
		// Finish the request; the response must arrive complete.
		if _, err := io.WriteString(conn, body); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			for len(s.stderr.lines) > 0 {
				t.Log(<-s.stderr.lines)
			}
			t.Fatalf("reading the in-flight response: %v", err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(rb), "Renamed during shutdown") {
			t.Fatalf("in-flight response: %d %s", resp.StatusCode, rb)
		}
		select {
		case err := <-s.done:
			if err != nil {
				t.Fatalf("exit: %v, want status 0", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("server did not exit after its last request")
		}
		// The change made by the in-flight request was kept.
		s2 := startServer(t, env)
		if _, b := apiCall(t, "GET", s2.url+"/api/v1/brand", res.APIKey, ""); !strings.Contains(b, "Renamed during shutdown") {
			t.Fatalf("change lost: %s", b)
		}
	})
}

func TestMigrateCommandAndNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CLOUT_DATA_DIR": dir}
	if code, _, errOut := runCLI(env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	// Pretend a newer Clout migrated this database.
	if err := markNewerSchema(filepath.Join(dir, "clout.db")); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(env, "serve")
	if code == 0 || !strings.Contains(errOut, "newer") {
		t.Fatalf("serve on a newer schema: %d %s", code, errOut)
	}
}

// SIGTERM while redirects are in flight: every redirect that was answered
// has its click in the database after the process exits.
func TestSIGTERMKeepsEveryAnsweredClick(t *testing.T) {
	eachDBEnv(t, func(t *testing.T, env []string) {
		s := startServer(t, env)
		cmd := exec.Command(binary, "brand", "create", "--name", "Acme", "--owner-email", "owner@acme.test", "--password", "correct horse battery")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var res struct {
			APIKey string `json:"api_key"`
		}
		json.Unmarshal(out, &res)
		for _, call := range []struct{ method, path, body string }{
			{"PATCH", "/api/v1/brand", `{"allowed_domains": ["shop.test"]}`},
			{"POST", "/api/v1/creators", `{"name": "Maya", "email": "maya@x.test"}`},
		} {
			if status, body := apiCall(t, call.method, s.url+call.path, res.APIKey, call.body); status >= 300 {
				t.Fatalf("%s %s: %d %s", call.method, call.path, status, body)
			}
		}
		_, body := apiCall(t, "GET", s.url+"/api/v1/creators", res.APIKey, "")
		var list struct{ Data []struct{ ID string } }
		json.Unmarshal([]byte(body), &list)
		if status, body := apiCall(t, "POST", s.url+"/api/v1/creators/"+list.Data[0].ID+"/links", res.APIKey,
			`{"destination": "https://shop.test/p", "slug": "maya"}`); status != 201 {
			t.Fatalf("link: %d %s", status, body)
		}

		// Eight clients follow the link as fast as they can; SIGTERM lands in the middle.
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		answered := make(chan string, 100000)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					req, _ := http.NewRequest("GET", s.url+"/maya", nil)
					req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone) Mobile")
					resp, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusFound {
						loc, _ := url.Parse(resp.Header.Get("Location"))
						answered <- loc.Query().Get("clout_click")
					}
				}
			}()
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(answered) < 300 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-s.done:
			if err != nil {
				t.Fatalf("exit: %v, want 0", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("server did not exit")
		}
		close(stop)
		wg.Wait()
		close(answered)
		ids := map[string]bool{}
		for id := range answered {
			ids[id] = true
		}
		if len(ids) < 300 {
			t.Fatalf("only %d redirects answered", len(ids))
		}
		stored := storedClickIDs(t, env)
		missing := 0
		for id := range ids {
			if !stored[id] {
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("%d of %d answered clicks are not in the database", missing, len(ids))
		}
		t.Logf("%d redirects answered around SIGTERM; all %d clicks stored", len(ids), len(ids))
	})
}
