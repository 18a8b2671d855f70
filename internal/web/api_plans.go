package web

import "github.com/labstack/echo/v4"

// Placeholders: the plan API is being written.
func (a *App) apiPlansList(c echo.Context) error   { return echo.ErrNotFound }
func (a *App) apiPlansCreate(c echo.Context) error { return echo.ErrNotFound }
func (a *App) apiPlansGet(c echo.Context) error    { return echo.ErrNotFound }
func (a *App) apiPlansPatch(c echo.Context) error  { return echo.ErrNotFound }
