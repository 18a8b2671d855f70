package web

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/store"
	"github.com/labstack/echo/v4"
)

// ClickCookie carries the last click id on the brand's site visit, for the
// attribution window.
const ClickCookie = "clout_click"

// shortLinks answers GET and HEAD /{slug} of an active link before echo
// routes the request (it runs as a Pre middleware): the redirect skips the
// router and the middleware chain, which it would skip or not need anyway
// (request ids, the request log, page security headers, body limits, gzip).
// Everything else, unknown slugs and paths the app itself uses included,
// goes on to the router: a slug is never looked up for a reserved first
// segment, so a link can never shadow a page.
func (a *App) shortLinks(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if a.resolver == nil || r.Method != http.MethodGet && r.Method != http.MethodHead {
			return next(c)
		}
		p := r.URL.Path
		if len(p) < 2 || p[0] != '/' || strings.IndexByte(p[1:], '/') >= 0 || r.URL.RawPath != "" {
			return next(c)
		}
		key := link.SlugKey(p[1:])
		if key == "" || link.Reserved[key] {
			return next(c)
		}
		t := a.resolver.Lookup(key)
		if t == nil || !t.DestinationAllowed {
			return next(c)
		}
		return a.serveLink(c, t)
	}
}

// redirect is the route /:slug: what shortLinks did not answer, so mostly
// a link not found. A reserved word in another letter case (/Dashboard) is
// not found either, even if a link from before the word was reserved has it.
func (a *App) redirect(c echo.Context) error {
	key := link.SlugKey(c.Param("slug"))
	var t *link.Target
	if key != "" && !link.Reserved[key] {
		t = a.resolver.Lookup(key)
	}
	// The destination was checked against the brand's allowed domains as
	// they are now (the cache reloads on any change), so no link can ever
	// send a shopper anywhere else.
	if t == nil || !t.DestinationAllowed {
		return a.linkNotFound(c)
	}
	return a.serveLink(c, t)
}

// hsts is the Strict-Transport-Security of an https redirect (as
// securityHeaders sends on pages).
var hsts = fmt.Sprintf("max-age=%d; includeSubdomains", hstsMaxAge)

// serveLink is the hot path: a queue append and a 302. It does no database
// work and no blocking I/O; the click is classified (bot, unique) and its
// visitor hashed by the writer, off the request's path. A panic is
// recovered and logged as the Recover middleware would.
func (a *App) serveLink(c echo.Context, t *link.Target) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok && errors.Is(e, http.ErrAbortHandler) {
				panic(p)
			}
			err = a.logPanic(c, fmt.Errorf("panic: %v", p), debug.Stack())
		}
	}()
	r := c.Request()
	clickID := store.NewTimeID("clk")
	a.clicks.Record(click.Event{ID: clickID, ClickedAt: store.Now(), BrandID: t.BrandID, CreatorID: t.CreatorID, LinkID: t.LinkID,
		IP: c.RealIP(), UserAgent: r.UserAgent(), Referer: r.Referer(), Head: r.Method == http.MethodHead, Purpose: click.Purpose(r)})
	h := c.Response().Header()
	// A 302 has no page to protect: nosniff, and HSTS over https.
	h["X-Content-Type-Options"] = nosniff
	if a.cfg.SecureCookies() && mayBeHTTPS(r) && c.Scheme() == "https" {
		h["Strict-Transport-Security"] = []string{hsts}
	}
	h["Cache-Control"] = noStore
	h["Set-Cookie"] = []string{clickCookie(clickID, t.AttributionDays*24*3600, a.cfg.SecureCookies())}
	return c.Redirect(http.StatusFound, t.URL(clickID))
}

// mayBeHTTPS is false when c.Scheme() is certainly "http": no TLS and none
// of the headers a proxy reports the scheme in. It saves every redirect
// over plain http echo's four header lookups.
func mayBeHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	h := r.Header
	return len(h[echo.HeaderXForwardedProto]) > 0 || len(h[echo.HeaderXForwardedProtocol]) > 0 || len(h[echo.HeaderXForwardedSsl]) > 0 ||
		len(h[echo.HeaderXUrlScheme]) > 0
}

var (
	nosniff = []string{"nosniff"}
	noStore = []string{"private, no-store"}
)

// clickCookie is the Set-Cookie value of the click id for the attribution
// window: what http.Cookie{Name: ClickCookie, Value: id, Path: "/",
// MaxAge: maxAge, HttpOnly: true, Secure: secure, SameSite: Lax} prints,
// built in one allocation.
func clickCookie(id string, maxAge int, secure bool) string {
	sec := ""
	if secure {
		sec = "; Secure"
	}
	age := "" // MaxAge 0: no attribute
	switch {
	case maxAge > 0:
		age = "; Max-Age=" + strconv.Itoa(maxAge)
	case maxAge < 0:
		age = "; Max-Age=0"
	}
	return ClickCookie + "=" + id + "; Path=/" + age + "; HttpOnly" + sec + "; SameSite=Lax"
}

type linkNotFoundView struct {
	Page
}

// linkNotFound is the friendly page for unknown, paused and archived links.
func (a *App) linkNotFound(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusNotFound)
	}
	return c.Render(http.StatusNotFound, "link_not_found", linkNotFoundView{Page: Page{Title: "Link not found"}})
}
