package web

import "github.com/labstack/echo/v4"

// Placeholders until the portal payout pages land.
func (a *App) portalPayouts(c echo.Context) error         { return errNotYet }
func (a *App) portalPayoutStatement(c echo.Context) error { return errNotYet }
