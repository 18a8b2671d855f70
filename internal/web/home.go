package web

import (
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/labstack/echo/v4"
)

// home sends team members to their dashboard, a fresh install to sign-up and
// everyone else to the login page.
func (a *App) home(c echo.Context) error {
	if currentPrincipal(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/dashboard")
	}
	var n int64
	if err := a.db.WithContext(c.Request().Context()).Model(&brand.Brand{}).Limit(1).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return c.Redirect(http.StatusSeeOther, "/signup")
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}
