package main

import (
	"strings"
	"testing"
)

func TestSeedDemoCommand(t *testing.T) {
	env := map[string]string{"CLOUT_DATA_DIR": t.TempDir(), "CLOUT_LOG_LEVEL": "warn"}
	args := []string{"seed", "demo", "-creators", "4", "-days", "28", "-seed", "3"}
	code, out, errOut := runCLI(env, args...)
	if code != 0 {
		t.Fatalf("seed demo: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"http://localhost:8080/login", "owner@glowlab.example", "password", "(generated",
		"/portal/login", "/admin/outbox", "Creators    4", "Clicks", "Orders", "refunds", "Commission", "Payout      completed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Once is enough: again is refused, politely, and says how to start over.
	code, out, errOut = runCLI(env, args...)
	if code != 1 || out != "" || !strings.Contains(errOut, "already has an account") || !strings.Contains(errOut, "-reset") {
		t.Fatalf("second seed: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runCLI(env, append(args, "-reset", "-password", "correct horse battery")...)
	if code != 0 || !strings.Contains(out, "correct horse battery") || strings.Contains(out, "(generated") {
		t.Fatalf("seed demo -reset: exit %d\n%s\n%s", code, out, errOut)
	}

	for _, bad := range [][]string{
		{"seed"},
		{"seed", "brand"},
		{"seed", "demo", "-colour", "red"},
		{"seed", "demo", "-days", "7"},
		{"seed", "demo", "-password", "short", "-email", "x@y.example"},
		{"seed", "demo", "extra"},
	} {
		if code, out, errOut := runCLI(env, bad...); code != exitUsage || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and nothing on stdout", bad, code, out, errOut, exitUsage)
		}
	}
	if code, out, _ := runCLI(nil, "help"); code != 0 || !strings.Contains(out, "seed demo") {
		t.Errorf("help does not mention seed demo: %d %s", code, out)
	}
}
