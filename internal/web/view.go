package web

import (
	"github.com/cloutapp/clout/internal/brand"
	"github.com/labstack/echo/v4"
)

// Page is what the layout needs; every page's view embeds it.
type Page struct {
	Title  string
	Nav    string
	CSRF   string
	Flash  *flash
	User   *brand.User
	Brand  *brand.Brand
	Role   brand.Role
	Brands []brand.BrandMembership
	// Portal is set on creator portal pages.
	Portal *portalContext
}

// page fills the layout's fields from the request.
func (a *App) page(c echo.Context, title, nav string) Page {
	p := Page{Title: title, Nav: nav, Flash: takeFlash(c)}
	if tok, ok := c.Get(csrfKey).(string); ok {
		p.CSRF = tok
	}
	if pr := currentPrincipal(c); pr != nil {
		p.User, p.Brand, p.Role, p.Brands = pr.User, pr.Brand, pr.Role, pr.Brands
	}
	p.Portal = currentPortal(c)
	return p
}

// CanWrite is true for owners and admins.
func (p Page) CanWrite() bool { return p.Role.CanWrite() }

// IsOwner is true for owners.
func (p Page) IsOwner() bool { return p.Role == brand.Owner }
