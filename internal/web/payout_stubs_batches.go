package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

var errNotYet = echo.NewHTTPError(http.StatusNotImplemented, "not built yet")

// Placeholders until the payout batch pages and API land.
func (a *App) payoutList(c echo.Context) error              { return errNotYet }
func (a *App) payoutCreate(c echo.Context) error            { return errNotYet }
func (a *App) payoutSchedule(c echo.Context) error          { return errNotYet }
func (a *App) payoutBatchShow(c echo.Context) error         { return errNotYet }
func (a *App) payoutBatchProgress(c echo.Context) error     { return errNotYet }
func (a *App) payoutBatchApprove(c echo.Context) error      { return errNotYet }
func (a *App) payoutBatchExecute(c echo.Context) error      { return errNotYet }
func (a *App) payoutBatchCancel(c echo.Context) error       { return errNotYet }
func (a *App) payoutBatchExport(c echo.Context) error       { return errNotYet }
func (a *App) payoutItemShow(c echo.Context) error          { return errNotYet }
func (a *App) payoutItemRetry(c echo.Context) error         { return errNotYet }
func (a *App) payoutItemManual(c echo.Context) error        { return errNotYet }
func (a *App) payoutItemMarkPaid(c echo.Context) error      { return errNotYet }
func (a *App) apiPayoutBatchesList(c echo.Context) error    { return errNotYet }
func (a *App) apiPayoutBatchesCreate(c echo.Context) error  { return errNotYet }
func (a *App) apiPayoutBatchesGet(c echo.Context) error     { return errNotYet }
func (a *App) apiPayoutBatchesApprove(c echo.Context) error { return errNotYet }
func (a *App) apiPayoutBatchesExecute(c echo.Context) error { return errNotYet }
func (a *App) apiPayoutBatchesCancel(c echo.Context) error  { return errNotYet }
func (a *App) apiPayoutItemRetry(c echo.Context) error      { return errNotYet }
func (a *App) apiPayoutItemMarkPaid(c echo.Context) error   { return errNotYet }
