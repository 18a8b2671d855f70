package web_test

import (
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/testutil"
)

// TestEveryPageRouteIsReserved: no short link may take a path the app
// serves itself, or the page would hide it (static routes win over /:slug).
func TestEveryPageRouteIsReserved(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	for _, r := range a.handler.Routes() {
		seg, _, _ := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/")
		if seg == "" || strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*") {
			continue
		}
		if !link.Reserved[strings.ToLower(seg)] {
			t.Errorf("route %s %s: %q is not in link.Reserved, so a link could take it", r.Method, r.Path, seg)
		}
	}
}
