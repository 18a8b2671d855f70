package web

import "github.com/labstack/echo/v4"

// Placeholders: the commission pages are being written.
func (a *App) commissionList(c echo.Context) error   { return echo.ErrNotFound }
func (a *App) commissionAdjust(c echo.Context) error { return echo.ErrNotFound }
func (a *App) portalEarnings(c echo.Context) error   { return echo.ErrNotFound }
