package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// CSV import of orders: upload a file, check the guessed column mapping
// against a preview, start, watch the progress, read the report.

type orderImportFormView struct {
	Page
	MaxSize string
	MaxRows string
	Errors  map[string]string
	Recent  []order.Import
}

func (a *App) orderImportFormView(c echo.Context) (orderImportFormView, error) {
	p := currentPrincipal(c)
	recent, err := a.orders.Imports(c.Request().Context(), p.Brand.ID, 10)
	return orderImportFormView{Page: a.page(c, "Import orders", "orders"), MaxSize: "10 MiB",
		MaxRows: formatThousands(order.MaxCSVRows), Recent: recent}, err
}

func (a *App) orderImportForm(c echo.Context) error {
	v, err := a.orderImportFormView(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "order_import", v)
}

func (a *App) orderImportUpload(c echo.Context) error {
	p := currentPrincipal(c)
	data, name, errs := readUpload(c)
	var im *order.Import
	if len(errs) == 0 {
		var err error
		im, err = a.orders.CreateImport(c.Request().Context(), p.Brand.ID, p.User.Email, name, data)
		if !errors.As(err, &errs) && err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		v, err := a.orderImportFormView(c)
		if err != nil {
			return err
		}
		v.Errors = errs.Map()
		return c.Render(http.StatusUnprocessableEntity, "order_import", v)
	}
	return c.Redirect(http.StatusSeeOther, "/orders/import/"+im.ID)
}

// readUpload reads the form's file, refusing one over the import's limit.
func readUpload(c echo.Context) ([]byte, string, validate.Errors) {
	var errs validate.Errors
	fh, err := c.FormFile("file")
	if err != nil {
		errs.Add("file", "choose a CSV file to upload")
		return nil, "", errs
	}
	if fh.Size > order.MaxCSVSize {
		errs.Add("file", "the file is %d.%d MiB; the limit is 10 MiB: split it into smaller files", fh.Size>>20, (fh.Size%(1<<20))*10>>20)
		return nil, "", errs
	}
	f, err := fh.Open()
	if err != nil {
		errs.Add("file", "the upload could not be read; try again")
		return nil, "", errs
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, order.MaxCSVSize+1))
	if err != nil {
		errs.Add("file", "the upload could not be read; try again")
		return nil, "", errs
	}
	return data, fh.Filename, nil
}

// mappingField is one field's row in the mapping form.
type mappingField struct {
	order.FieldInfo
	Name    string // the select's name
	Options []mappingOption
	Error   string
}

type mappingOption struct {
	Header   string
	Selected bool
}

// sampleRow is a preview table row: the mapped fields' values.
type sampleRow struct {
	Row    int
	Cells  []string
	Errors []order.RowError
}

type orderImportShowView struct {
	Page
	Import *order.Import
	// The mapping step.
	Fields    []mappingField
	Preview   *order.Preview
	Columns   []order.FieldInfo // the mapped fields, the preview's columns
	Sample    []sampleRow
	RowErrors []order.RowError // the first problems of the whole file
	MoreRows  int              // problems left out of RowErrors
	FileError string
	CanStart  bool
	// The progress and the report.
	Running  bool
	Stalled  bool
	Percent  int
	Failures []order.ImportFailure
}

const shownRowErrors = 100

func mappingFormValue(f order.Field) string { return "map_" + string(f) }

// orderImportShowView builds the page for an import: the mapping step with
// its preview while it waits (or may be started again), else its progress
// or report.
func (a *App) orderImportShowView(c echo.Context, id string, m order.Mapping, errs validate.Errors) (orderImportShowView, error) {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	im, err := a.orders.GetImport(ctx, p.Brand.ID, id)
	if err != nil {
		return orderImportShowView{}, err
	}
	now := time.Now()
	v := orderImportShowView{Page: a.page(c, "Import "+im.Filename, "orders"), Import: im, CanStart: im.CanStart(now),
		Running: im.Status == order.ImportImporting && !im.Stalled(now), Stalled: im.Stalled(now), Failures: im.Report.Failures}
	if im.TotalOrders > 0 {
		v.Percent = im.Processed * 100 / im.TotalOrders
	}
	if !v.CanStart {
		return v, nil
	}
	if m == nil {
		m = im.Mapping
	}
	_, pv, perr := a.orders.PreviewImport(ctx, p.Brand.ID, id, m)
	if !errors.As(perr, &errs) && perr != nil {
		return v, perr
	}
	v.Preview = pv
	emsg := errs.Map()
	v.FileError = emsg["file"]
	if pv == nil {
		return v, nil
	}
	for _, fi := range order.CSVFields {
		mf := mappingField{FieldInfo: fi, Name: mappingFormValue(fi.Field), Error: emsg[string(fi.Field)]}
		seen := map[string]bool{}
		for _, h := range pv.Headers {
			if h != "" && !seen[h] {
				seen[h] = true
				mf.Options = append(mf.Options, mappingOption{Header: h, Selected: h == m[fi.Field]})
			}
		}
		v.Fields = append(v.Fields, mf)
	}
	var idx []int
	for i, fi := range order.CSVFields {
		if _, ok := pv.Columns[fi.Field]; ok {
			v.Columns = append(v.Columns, fi)
			idx = append(idx, i)
		}
	}
	for _, s := range pv.Sample {
		r := sampleRow{Row: s.Row, Errors: s.Errors}
		for _, i := range idx {
			r.Cells = append(r.Cells, s.Values[i])
		}
		v.Sample = append(v.Sample, r)
	}
	v.RowErrors = pv.Errors
	if len(v.RowErrors) > shownRowErrors {
		v.RowErrors, v.MoreRows = v.RowErrors[:shownRowErrors], len(pv.Errors)-shownRowErrors
	}
	return v, nil
}

func (a *App) orderImportShow(c echo.Context) error {
	v, err := a.orderImportShowView(c, c.Param("id"), nil, nil)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "order_import_show", v)
}

// orderImportStart checks the mapping the form sends (action=preview) or
// starts the import under it, in the background.
func (a *App) orderImportStart(c echo.Context) error {
	p := currentPrincipal(c)
	id := c.Param("id")
	m := order.Mapping{}
	for _, fi := range order.CSVFields {
		if h := c.FormValue(mappingFormValue(fi.Field)); h != "" {
			m[fi.Field] = h
		}
	}
	if c.FormValue("action") == "preview" {
		v, err := a.orderImportShowView(c, id, m, nil)
		if err != nil {
			return err
		}
		return c.Render(http.StatusOK, "order_import_show", v)
	}
	job, err := a.orders.Import(c.Request().Context(), p.Brand.ID, id, m)
	var errs validate.Errors
	switch {
	case errors.As(err, &errs):
		v, verr := a.orderImportShowView(c, id, m, errs)
		if verr != nil {
			return verr
		}
		return c.Render(http.StatusUnprocessableEntity, "order_import_show", v)
	case errors.Is(err, order.ErrImportStarted):
		setFlash(c, flashError, "This import has already started.")
		return c.Redirect(http.StatusSeeOther, "/orders/import/"+id)
	case err != nil:
		return err
	}
	// The import outlives the request; it ends on its own, done or failed.
	ctx := context.WithoutCancel(c.Request().Context())
	go func() {
		if err := job.Run(ctx); err != nil {
			a.log.Error("order import failed", "import", id, "brand", p.Brand.ID, "err", err)
		}
	}()
	return c.Redirect(http.StatusSeeOther, "/orders/import/"+id)
}

// importProgressJSON is what the progress bar polls.
type importProgressJSON struct {
	Status    order.ImportStatus `json:"status"`
	Total     int                `json:"total"`
	Processed int                `json:"processed"`
	Created   int                `json:"created"`
	Existing  int                `json:"existing"`
	Failed    int                `json:"failed"`
}

func (a *App) orderImportProgress(c echo.Context) error {
	p := currentPrincipal(c)
	im, err := a.orders.GetImport(c.Request().Context(), p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, importProgressJSON{Status: im.Status, Total: im.TotalOrders, Processed: im.Processed,
		Created: im.Created, Existing: im.Existing, Failed: im.Failed})
}
