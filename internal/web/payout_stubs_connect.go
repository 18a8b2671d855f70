package web

import "github.com/labstack/echo/v4"

// Placeholders until the Stripe Connect handlers land.
func (a *App) creatorStripeRefresh(c echo.Context) error    { return errNotYet }
func (a *App) apiCreatorStripeAccount(c echo.Context) error { return errNotYet }
func (a *App) portalStripeConnect(c echo.Context) error     { return errNotYet }
func (a *App) portalStripeRefreshLink(c echo.Context) error { return errNotYet }
func (a *App) portalStripeReturn(c echo.Context) error      { return errNotYet }
func (a *App) portalStripeStatus(c echo.Context) error      { return errNotYet }
