package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/cloutapp/clout/internal/payout"
	"github.com/labstack/echo/v4"
)

// payoutBatchExport downloads a batch's manual payments as CSV: the generic
// format (?format=generic, the default) or PayPal Payouts' bulk upload file
// (?format=paypal).
func (a *App) payoutBatchExport(c echo.Context) error {
	p := currentPrincipal(c)
	format := c.QueryParam("format")
	if format == "" {
		format = payout.ExportGeneric
	}
	id := c.Param("id")
	// Buffered: an error becomes an error page, not half a file.
	var buf bytes.Buffer
	if err := a.payouts.Export(c.Request().Context(), p.Brand.ID, id, format, &buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="payout-%s-%s.csv"`, id, format))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
