package web

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/export"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// Exports: CSV downloads of a dataset for a date range. Analysts may
// export too: every dataset is data they can already read on the pages,
// and the payouts export leaves out payment destinations (the batch's own
// payment file, for owners and admins, has them).

type exportsView struct {
	Page
	Datasets []export.Dataset
	Dataset  string
	From, To string
	Zone     string
	Error    string
}

// exportRange reads from and to dates (to inclusive) in loc: the last 30
// days by default.
func exportRange(from, to string, loc *time.Location) (time.Time, time.Time, string, string, validate.Errors) {
	return signalRange(from, to, loc)
}

func (a *App) exportsPage(c echo.Context) error {
	p := currentPrincipal(c)
	loc := brandLocation(p.Brand)
	_, _, from, to, _ := exportRange(c.QueryParam("from"), c.QueryParam("to"), loc)
	return c.Render(http.StatusOK, "exports", exportsView{Page: a.page(c, "Exports", "exports"), Datasets: export.Datasets,
		Dataset: c.QueryParam("dataset"), From: from, To: to, Zone: loc.String()})
}

// exportDownload streams the CSV the exports form asks for.
func (a *App) exportDownload(c echo.Context) error {
	p := currentPrincipal(c)
	loc := brandLocation(p.Brand)
	dataset := c.QueryParam("dataset")
	from, to, fromS, toS, errs := exportRange(c.QueryParam("from"), c.QueryParam("to"), loc)
	if len(errs) == 0 {
		if err := export.Check(dataset, from, to); err != nil {
			if !errors.As(err, &errs) {
				return err
			}
		}
	}
	if len(errs) > 0 {
		return c.Render(http.StatusUnprocessableEntity, "exports", exportsView{Page: a.page(c, "Exports", "exports"), Datasets: export.Datasets,
			Dataset: dataset, From: fromS, To: toS, Zone: loc.String(), Error: "Nothing was exported: " + errs.Error() + "."})
	}
	return a.streamExport(c, p.Brand, dataset, from, to)
}

// apiExport is GET /api/v1/exports/{dataset}.csv?from=&to= (dates in the
// brand's time zone, to inclusive; the last 30 days by default).
func (a *App) apiExport(c echo.Context) error {
	k := currentKey(c)
	b, err := a.brands.Get(c.Request().Context(), k.BrandID)
	if err != nil {
		return err
	}
	dataset, ok := strings.CutSuffix(c.Param("file"), ".csv")
	if !ok || !export.Valid(dataset) {
		return apiErr(http.StatusNotFound, "not_found", "no such export: use one of creators.csv, links.csv, clicks.csv, orders.csv, commissions.csv, payouts.csv")
	}
	from, to, _, _, errs := exportRange(c.QueryParam("from"), c.QueryParam("to"), brandLocation(b))
	if len(errs) > 0 {
		return errs
	}
	if err := export.Check(dataset, from, to); err != nil {
		return err
	}
	return a.streamExport(c, b, dataset, from, to)
}

// streamExport writes the CSV as it is read.
func (a *App) streamExport(c echo.Context, b *brand.Brand, dataset string, from, to time.Time) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, export.Filename(b, dataset, from, to)))
	h.Set("Cache-Control", "no-store")
	return a.stream(c, func(w io.Writer) error { return a.exports.Write(c.Request().Context(), b, dataset, from, to, w) },
		"export failed", "dataset", dataset, "brand_id", b.ID)
}

// stream answers 200 with what write writes, buffered. A failure before
// the first bytes went out is an ordinary error reply. After, the status
// cannot change any more: the failure is logged and the connection
// aborted, so that the client sees an incomplete download (no final chunk)
// rather than a file that looks whole.
func (a *App) stream(c echo.Context, write func(w io.Writer) error, msg string, logArgs ...any) error {
	w := bufio.NewWriterSize(c.Response(), 64<<10)
	err := write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		if !c.Response().Committed {
			c.Response().WriteHeader(http.StatusOK) // an empty body
		}
		return nil
	}
	a.log.ErrorContext(c.Request().Context(), msg, append([]any{"err", err, "sent", c.Response().Committed}, logArgs...)...)
	if !c.Response().Committed {
		for _, k := range []string{echo.HeaderContentType, echo.HeaderContentDisposition} {
			c.Response().Header().Del(k)
		}
		return err
	}
	panic(http.ErrAbortHandler)
}
