package web

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDoc describes every /api/v1 endpoint; TestOpenAPICoversEveryRoute
// keeps it in step with the routes.
//
//go:embed openapi.json
var openAPIDoc []byte

func (a *App) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDoc)
}
