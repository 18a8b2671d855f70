package web

import (
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/store"
	"github.com/labstack/echo/v4"
)

// ClickCookie carries the last click id on the brand's site visit, for the
// attribution window.
const ClickCookie = "clout_click"

// redirect is the hot path: a map lookup, a queue send and a 302. It does no
// database work and no blocking I/O.
func (a *App) redirect(c echo.Context) error {
	key := link.SlugKey(c.Param("slug"))
	var t *link.Target
	if key != "" {
		t = a.resolver.Lookup(key)
	}
	// The destination is checked again against the brand's allowed domains,
	// so no link can ever send a shopper anywhere else.
	if t == nil || !destinationAllowed(t) {
		return a.linkNotFound(c)
	}
	r := c.Request()
	now := store.Now()
	clickID := store.NewID("clk")
	target, err := link.RedirectURL(t.Destination, t.UTM, t.ClickParam, clickID)
	if err != nil {
		return a.linkNotFound(c)
	}
	ev := click.Event{ID: clickID, ClickedAt: now, BrandID: t.BrandID, CreatorID: t.CreatorID, LinkID: t.LinkID,
		VisitorHash: a.hasher.Visitor(now, c.RealIP(), r.UserAgent()), ReferrerHost: click.ReferrerHost(r.Referer()),
		Device: click.DeviceClass(r.UserAgent())}
	if click.NonHuman(r) != "" {
		ev.IsBot = true
	} else {
		ev.IsUnique = a.dedupe.Unique(ev.VisitorHash, t.LinkID, now)
	}
	a.clicks.Record(ev)
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "no-referrer-when-downgrade")
	c.SetCookie(&http.Cookie{Name: ClickCookie, Value: clickID, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.cfg.SecureCookies(), MaxAge: int((time.Duration(t.AttributionDays) * 24 * time.Hour).Seconds())})
	return c.Redirect(http.StatusFound, target)
}

func destinationAllowed(t *link.Target) bool {
	_, err := link.CheckDestination(t.Destination, t.Allowed)
	return err == nil
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
