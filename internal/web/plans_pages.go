package web

import "github.com/labstack/echo/v4"

// Placeholders: the plan pages are being written.
func (a *App) planList(c echo.Context) error        { return echo.ErrNotFound }
func (a *App) planNewForm(c echo.Context) error     { return echo.ErrNotFound }
func (a *App) planCreate(c echo.Context) error      { return echo.ErrNotFound }
func (a *App) planEditForm(c echo.Context) error    { return echo.ErrNotFound }
func (a *App) planSave(c echo.Context) error        { return echo.ErrNotFound }
func (a *App) planMakeDefault(c echo.Context) error { return echo.ErrNotFound }
func (a *App) planCheck(c echo.Context) error       { return echo.ErrNotFound }
