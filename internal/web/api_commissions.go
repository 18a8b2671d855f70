package web

import "github.com/labstack/echo/v4"

// Placeholders: the commission API is being written.
func (a *App) apiCommissionsList(c echo.Context) error { return echo.ErrNotFound }
func (a *App) apiCreatorBalance(c echo.Context) error  { return echo.ErrNotFound }
