package web

import (
	"net/http"

	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/store"
	"github.com/labstack/echo/v4"
)

// ClickCookie carries the last click id on the brand's site visit, for the
// attribution window.
const ClickCookie = "clout_click"

// redirect is the hot path: a map lookup, a queue send and a 302. It does no
// database work and no blocking I/O; the click is classified (bot, unique)
// and its visitor hashed by the writer, off the request's path.
func (a *App) redirect(c echo.Context) error {
	key := link.SlugKey(c.Param("slug"))
	var t *link.Target
	if key != "" {
		t = a.resolver.Lookup(key)
	}
	// The destination was checked against the brand's allowed domains as
	// they are now (the cache reloads on any change), so no link can ever
	// send a shopper anywhere else.
	if t == nil || !t.DestinationAllowed {
		return a.linkNotFound(c)
	}
	r := c.Request()
	clickID := store.NewTimeID("clk")
	ua := r.UserAgent()
	a.clicks.Record(click.Event{ID: clickID, ClickedAt: store.Now(), BrandID: t.BrandID, CreatorID: t.CreatorID, LinkID: t.LinkID,
		IP: c.RealIP(), UserAgent: ua, Referer: r.Referer(), Head: r.Method == http.MethodHead, Purpose: click.Purpose(r)})
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	c.SetCookie(&http.Cookie{Name: ClickCookie, Value: clickID, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.cfg.SecureCookies(), MaxAge: t.AttributionDays * 24 * 3600})
	return c.Redirect(http.StatusFound, t.URL(clickID))
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
