package web

import "github.com/labstack/echo/v4"

// Placeholders: the CSV import pages are being written.
func (a *App) orderImportForm(c echo.Context) error     { return echo.ErrNotFound }
func (a *App) orderImportUpload(c echo.Context) error   { return echo.ErrNotFound }
func (a *App) orderImportShow(c echo.Context) error     { return echo.ErrNotFound }
func (a *App) orderImportStart(c echo.Context) error    { return echo.ErrNotFound }
func (a *App) orderImportProgress(c echo.Context) error { return echo.ErrNotFound }
