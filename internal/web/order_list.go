package web

import "github.com/labstack/echo/v4"

// Placeholders: the orders pages are being written.
func (a *App) orderList(c echo.Context) error     { return echo.ErrNotFound }
func (a *App) orderDetail(c echo.Context) error   { return echo.ErrNotFound }
func (a *App) orderReassign(c echo.Context) error { return echo.ErrNotFound }
