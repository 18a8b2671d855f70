// Package link holds short links: slug rules, the destination allow-list,
// UTM merging, storage, and the in-memory resolver the redirect reads.
package link

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/cloutapp/clout/internal/store"
	"golang.org/x/net/idna"
)

// Slug rules.
const (
	RandomSlugLen = 7
	MinVanityLen  = 3
	MaxVanityLen  = 64
)

// Reserved are first path segments the app itself uses (and a few it may):
// no slug may take them, in any letter case.
var Reserved = map[string]bool{
	"api": true, "admin": true, "portal": true, "join": true, "static": true, "healthz": true, "webhooks": true,
	"login": true, "logout": true, "signup": true, "forgot": true, "reset": true, "invite": true, "creator-invite": true,
	"dashboard": true, "settings": true, "team": true, "creators": true, "account": true, "switch-brand": true,
	"logout-everywhere": true, "links": true, "codes": true, "favicon.ico": true, "robots.txt": true, "metrics": true,
	"assets": true, "www": true, "help": true, "about": true,
	"orders": true, "products": true, "commissions": true, "commission-plans": true, "payouts": true,
	"scorecards": true, "signals": true, "exports": true, "reports": true, "insights": true,
}

var (
	// ErrBadSlug: a vanity slug breaks the rules.
	ErrBadSlug = errors.New("invalid slug")
	// ErrBadDestination: a destination is not an http(s) URL on an allowed domain.
	ErrBadDestination = errors.New("invalid destination")
)

// RandomSlug returns 7 random base62 characters (crypto/rand).
func RandomSlug() string { return store.RandomString(RandomSlugLen) }

// CheckSlug validates a vanity slug: 3 to 64 letters, digits, '-' or '_',
// not a reserved word. It returns the slug as typed and its key (lower case).
func CheckSlug(s string) (slug, key string, err error) {
	if n := len(s); n < MinVanityLen || n > MaxVanityLen {
		return "", "", fmt.Errorf("%w: use %d to %d characters", ErrBadSlug, MinVanityLen, MaxVanityLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", "", fmt.Errorf("%w: only letters, digits, - and _ are allowed", ErrBadSlug)
		}
	}
	key = strings.ToLower(s)
	if Reserved[key] {
		return "", "", fmt.Errorf("%w: %q is reserved", ErrBadSlug, s)
	}
	return s, key, nil
}

// SlugKey is the lookup key of a slug from a request path: its lower case,
// or "" when it cannot be a slug at all.
func SlugKey(s string) string {
	if len(s) < MinVanityLen || len(s) > MaxVanityLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	return strings.ToLower(s)
}

// CheckDestination accepts only absolute http(s) URLs without credentials
// whose host is one of the allowed domains or a subdomain of one. Hosts are
// compared in their ASCII (punycode) form, in lower case. It returns the URL
// with its host normalised.
func CheckDestination(raw string, allowed []string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("%w: %s", ErrBadDestination, fmt.Sprintf(format, args...))
	}
	if raw == "" {
		return fail("give the page the link should open, such as https://shop.example.com/serum")
	}
	if len(raw) > 2048 {
		return fail("at most 2048 characters")
	}
	for _, r := range raw {
		if r <= 0x20 || r == 0x7f || r == '\\' {
			return fail("no spaces, control characters or backslashes")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fail("not a URL (%v)", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return fail("must start with https:// or http://")
	}
	if u.Opaque != "" || u.Host == "" {
		return fail("must be an absolute URL with a host")
	}
	if u.User != nil {
		return fail("must not contain a user name or password (an @ before the host)")
	}
	host := u.Hostname()
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return fail("must use a domain name, not an IP address")
	}
	ascii, err := idna.Lookup.ToASCII(strings.TrimSuffix(host, "."))
	if err != nil || ascii == "" {
		return fail("host %q is not a valid domain name", host)
	}
	ascii = strings.ToLower(ascii)
	if !DomainAllowed(ascii, allowed) {
		if len(allowed) == 0 {
			return fail("the brand has no allowed domains yet: add them in Settings → Links and attribution")
		}
		return fail("%s is not one of the brand's allowed domains (%s) or their subdomains", ascii, strings.Join(allowed, ", "))
	}
	u.Scheme = scheme
	if port := u.Port(); port != "" {
		u.Host = ascii + ":" + port
	} else {
		u.Host = ascii
	}
	return u.String(), nil
}

// DomainAllowed reports whether host (ASCII, lower case) is an allowed domain
// or a subdomain of one. "evilshop.com" is not a subdomain of "shop.com".
func DomainAllowed(host string, allowed []string) bool {
	for _, d := range allowed {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// UTM are the tracking parameters a redirect adds.
type UTM struct {
	Source, Medium, Campaign, Content string
}

// RedirectURL builds the URL a redirect sends a shopper to: the destination with
// the UTM parameters and the click id added, keeping every parameter the
// destination already has (its own utm_* values win) and its fragment.
func RedirectURL(dest string, utm UTM, clickParam, clickID string) (string, error) {
	u, err := url.Parse(dest)
	if err != nil {
		return "", err
	}
	have := u.Query()
	extra := url.Values{}
	add := func(k, v string) {
		if v != "" && !have.Has(k) {
			extra.Set(k, v)
		}
	}
	add("utm_source", utm.Source)
	add("utm_medium", utm.Medium)
	add("utm_campaign", utm.Campaign)
	add("utm_content", utm.Content)
	if clickParam != "" && clickID != "" {
		// The click id always reflects this click.
		have.Del(clickParam)
		extra.Set(clickParam, clickID)
		if strings.Contains(u.RawQuery, clickParam+"=") {
			u.RawQuery = have.Encode()
		}
	}
	if enc := extra.Encode(); enc != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + enc
		} else {
			u.RawQuery = enc
		}
	}
	return u.String(), nil
}
