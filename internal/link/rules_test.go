package link

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCheckSlug(t *testing.T) {
	good := []string{"abc", "Maya-Serum_2026", strings.Repeat("x", 64), "a_b", "123"}
	for _, s := range good {
		slug, key, err := CheckSlug(s)
		if err != nil || slug != s || key != strings.ToLower(s) {
			t.Errorf("CheckSlug(%q) = %q, %q, %v", s, slug, key, err)
		}
	}
	bad := []string{"", "ab", strings.Repeat("x", 65), "has space", "émoji", "a/b", "a.b", "API", "admin", "Portal", "join",
		"static", "healthz", "webhooks", "LOGIN", "a%20b", "../x"}
	for _, s := range bad {
		if _, _, err := CheckSlug(s); !errors.Is(err, ErrBadSlug) {
			t.Errorf("CheckSlug(%q) accepted", s)
		}
	}
	if r := RandomSlug(); len(r) != RandomSlugLen || SlugKey(r) == "" {
		t.Fatalf("random slug %q", r)
	}
	if SlugKey("MaYa") != "maya" || SlugKey("a/b") != "" || SlugKey("ab") != "" {
		t.Fatal("SlugKey")
	}
}

func TestCheckDestination(t *testing.T) {
	allowed := []string{"shop.com", "xn--shp-tna.de"} // the second is shöp.de
	good := map[string]string{
		"https://shop.com/serum?x=1":     "https://shop.com/serum?x=1",
		"HTTPS://SHOP.COM/Serum":         "https://shop.com/Serum",
		"https://eu.shop.com/a#frag":     "https://eu.shop.com/a#frag",
		"http://shop.com:8443/a":         "http://shop.com:8443/a",
		"https://shöp.de/x":              "https://xn--shp-tna.de/x",
		"https://xn--shp-tna.de/x":       "https://xn--shp-tna.de/x",
		"https://shop.com./trailing-dot": "https://shop.com/trailing-dot",
	}
	for in, want := range good {
		got, err := CheckDestination(in, allowed)
		if err != nil || got != want {
			t.Errorf("CheckDestination(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"https://evil.com@shop.com/", // credentials: the host is shop.com but users see evil.com
		"https://shop.com@evil.com/", // credentials: the host is evil.com
		"//evil.com/x",               // scheme-relative
		"javascript:alert(1)",        // not http(s)
		"JAVASCRIPT:alert(1)",
		"data:text/html,hi",
		"ftp://shop.com/x",
		"https://evilshop.com/",      // an allowed domain as a suffix of another
		"https://shop.com.evil.com/", // an allowed domain as a prefix of another
		"https://shop.co/",
		"https://evil.com/?next=https://shop.com",
		"https://evil.com\\@shop.com/", // backslash tricks
		"https:/\\evil.com",
		"https://sh\u043ep.com/", // Cyrillic o: another domain in punycode
		"https://127.0.0.1/",
		"https://[::1]/",
		"shop.com/serum", // no scheme
		"https://",
		"https:///path",
		" https://shop.com/",
		"https://shop.com/ x",
		"",
	}
	for _, in := range bad {
		if got, err := CheckDestination(in, allowed); !errors.Is(err, ErrBadDestination) {
			t.Errorf("CheckDestination(%q) accepted as %q", in, got)
		}
	}
	if _, err := CheckDestination("https://shop.com/", nil); err == nil || !strings.Contains(err.Error(), "no allowed domains") {
		t.Errorf("no allowed domains: %v", err)
	}
}

func TestRedirectURLMergesUTM(t *testing.T) {
	utm := UTM{Source: "clout", Medium: "affiliate", Campaign: "spring", Content: "tiktok video"}
	got, err := RedirectURL("https://shop.com/p?utm_source=newsletter&color=red&b=2#reviews", utm, "clout_click", "clk_1")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got)
	q := u.Query()
	if q.Get("utm_source") != "newsletter" || q.Get("utm_medium") != "affiliate" || q.Get("utm_campaign") != "spring" ||
		q.Get("utm_content") != "tiktok video" || q.Get("color") != "red" || q.Get("clout_click") != "clk_1" || u.Fragment != "reviews" {
		t.Fatalf("merged: %s", got)
	}
	if !strings.HasPrefix(got, "https://shop.com/p?utm_source=newsletter&color=red&b=2&") {
		t.Fatalf("the destination's own query was rewritten: %s", got)
	}
	if len(q["utm_source"]) != 1 {
		t.Fatalf("utm_source twice: %s", got)
	}
	// An empty campaign is left out; a stale click id in the destination is replaced.
	got, _ = RedirectURL("https://shop.com/?clout_click=old", UTM{Source: "clout"}, "clout_click", "clk_2")
	u, _ = url.Parse(got)
	if v := u.Query()["clout_click"]; len(v) != 1 || v[0] != "clk_2" || u.Query().Has("utm_campaign") {
		t.Fatalf("stale click id: %s", got)
	}
	// A custom click parameter name.
	got, _ = RedirectURL("https://shop.com/", UTM{}, "ref", "clk_3")
	if got != "https://shop.com/?ref=clk_3" {
		t.Fatalf("custom param: %s", got)
	}
}

func FuzzCheckSlug(f *testing.F) {
	for _, s := range []string{"abc", "API", "a-b_c", "../x", "é", strings.Repeat("z", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		slug, key, err := CheckSlug(s)
		if err != nil {
			return
		}
		if key != strings.ToLower(slug) || SlugKey(s) != key || Reserved[key] || len(s) < MinVanityLen || len(s) > MaxVanityLen {
			t.Fatalf("accepted %q as %q/%q", s, slug, key)
		}
		if strings.ContainsAny(s, "/?#%. \\") {
			t.Fatalf("accepted %q", s)
		}
	})
}

// Whatever the input, an accepted destination is http(s), has no
// credentials and its host is an allowed domain or a subdomain of one.
func FuzzCheckDestination(f *testing.F) {
	for _, s := range []string{"https://shop.com/a", "https://evil.com@shop.com", "//evil.com", "javascript:x", "https://evilshop.com",
		"https://shöp.de", "http://a.shop.com:80/?q=1#f", "https://shop.com\\@evil.com"} {
		f.Add(s)
	}
	allowed := []string{"shop.com", "xn--shp-tna.de"}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := CheckDestination(raw, allowed)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil {
			t.Fatalf("accepted %q as unparseable %q", raw, got)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || !DomainAllowed(u.Hostname(), allowed) {
			t.Fatalf("accepted %q as %q (host %q)", raw, got, u.Hostname())
		}
		// Browsers must read the same host.
		if strings.ContainsAny(got, "\\\t\r\n ") {
			t.Fatalf("accepted %q as %q", raw, got)
		}
	})
}
