package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/csvfile"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// productRow is one row of the products table.
type productRow struct {
	Product  commission.Product
	UnitCost string // formatted, or "unknown"
}

// productForm is the add/update form as typed.
type productForm struct {
	SKU, Title, ProductID, Category, UnitCost string
}

type productsView struct {
	Page
	Q             string
	Rows          []productRow
	NextURL       string
	Empty         bool // the brand has no product at all
	Form          productForm
	Errors        map[string]string
	DefaultMargin string // e.g. "40.00%", or "" for none
	BaseURL       string
	Currency      string
	// Import is the preview of an uploaded products file, or nil.
	Import *productImportView
	// ImportError is why an uploaded file could not be read at all.
	ImportError string
	MaxImport   string // the upload limits, e.g. "2 MiB and 1,000 products"
}

const productsPageSize = 50

func (a *App) productsView(c echo.Context, f productForm, errs validate.Errors) (productsView, error) {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	v := productsView{Page: a.page(c, "Products", "products"), Q: strings.TrimSpace(c.QueryParam("q")), Form: f,
		Errors: errs.Map(), BaseURL: a.cfg.BaseURL, Currency: p.Brand.Currency,
		MaxImport: csvfile.Size(commission.MaxProductsCSVSize) + " and " + formatThousands(commission.MaxProductsCSVRows) + " products"}
	if m := p.Brand.DefaultMarginBps; m != nil {
		v.DefaultMargin = money.FormatMinor(int64(*m), 2) + "%"
	}
	cursor := c.QueryParam("after")
	items, next, err := a.catalog.List(ctx, p.Brand.ID, v.Q, cursor, productsPageSize)
	if _, bad := err.(validate.Errors); bad {
		cursor = "" // a stale or edited link: show the first page
		items, next, err = a.catalog.List(ctx, p.Brand.ID, v.Q, "", productsPageSize)
	}
	if err != nil {
		return v, err
	}
	for _, it := range items {
		row := productRow{Product: it, UnitCost: "unknown"}
		if it.UnitCost != nil {
			row.UnitCost = money.Amount{Minor: *it.UnitCost, Currency: p.Brand.Currency}.String()
		}
		v.Rows = append(v.Rows, row)
	}
	if next != "" {
		q := url.Values{"after": {next}}
		if v.Q != "" {
			q.Set("q", v.Q)
		}
		v.NextURL = "/products?" + q.Encode()
	}
	v.Empty = len(items) == 0 && v.Q == "" && cursor == ""
	return v, nil
}

func (a *App) productList(c echo.Context) error {
	v, err := a.productsView(c, productForm{}, nil)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "products", v)
}

// productSave adds or updates one product from the form. An empty unit cost
// means unknown; the other fields are stored as typed.
func (a *App) productSave(c echo.Context) error {
	p := currentPrincipal(c)
	f := productForm{SKU: c.FormValue("sku"), Title: c.FormValue("title"), ProductID: c.FormValue("product_id"),
		Category: c.FormValue("category"), UnitCost: c.FormValue("unit_cost")}
	patch := commission.ProductPatch{Title: &f.Title, ProductID: &f.ProductID, Category: &f.Category,
		UnitCost: nullable.Null[int64]()}
	var errs validate.Errors
	if v := strings.TrimSpace(f.UnitCost); v != "" {
		cur, _ := money.LookupCurrency(p.Brand.Currency)
		if minor, err := money.ParseMinor(v, cur.Exponent); err != nil {
			errs.Add("unit_cost", "enter an amount in %s such as %s, or leave it empty when unknown", cur.Code,
				money.FormatMinor(2000*pow10(cur.Exponent)/100, cur.Exponent))
		} else {
			patch.UnitCost = nullable.Of(minor)
		}
	}
	var created bool
	if len(errs) == 0 {
		var err error
		_, created, err = a.catalog.Put(c.Request().Context(), p.Brand.ID, f.SKU, patch)
		if ve, ok := err.(validate.Errors); ok {
			errs = ve
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		v, err := a.productsView(c, f, errs)
		if err != nil {
			return err
		}
		return c.Render(http.StatusUnprocessableEntity, "products", v)
	}
	if created {
		setFlash(c, flashOK, "Product "+strings.TrimSpace(f.SKU)+" added.")
	} else {
		setFlash(c, flashOK, "Product "+strings.TrimSpace(f.SKU)+" updated.")
	}
	return c.Redirect(http.StatusSeeOther, "/products")
}

// CSV import of products: upload a file, read the preview (each row's
// problems, or what each product will become), then import it. Nothing is
// stored between the two steps: the preview page carries the file, base64
// encoded so that it comes back byte for byte, and the confirm step reads it
// again. A file is imported whole or not at all (PutMany).

// productImportRow is one product of a valid file, as the preview shows it.
// A field the file has no column for is kept as it is ("" + Keep…).
type productImportRow struct {
	Row                        int
	SKU                        string
	Title, ProductID, Category string
	UnitCost                   string // formatted, "unknown", or "" when kept
	KeepTitle, KeepProductID   bool
	KeepCategory, KeepCost     bool
	Exists                     bool // updates an existing product
}

type productImportView struct {
	Filename  string
	Content   string // the file, base64
	Rows      []productImportRow
	RowErrors []commission.RowError
	Creates   int
	Updates   int
}

// Valid is true when the file can be imported.
func (v *productImportView) Valid() bool { return len(v.RowErrors) == 0 && len(v.Rows) > 0 }

// productImportPreview reads an uploaded products file and shows what
// importing it would do, storing nothing.
func (a *App) productImportPreview(c echo.Context) error {
	data, name, errs := readProductsUpload(c)
	if len(errs) > 0 {
		return a.renderProductImportError(c, errs)
	}
	return a.renderProductImport(c, data, name)
}

// productImportConfirm imports the file a preview carried: every product or
// none. A file with problems shows its preview again.
func (a *App) productImportConfirm(c echo.Context) error {
	p := currentPrincipal(c)
	name := c.FormValue("filename")
	data, err := base64.StdEncoding.DecodeString(c.FormValue("content"))
	if err != nil || len(data) == 0 {
		return a.renderProductImportError(c, validate.Errors{{Field: "file", Message: "the preview did not send the file back; upload it again"}})
	}
	rows, rowErrs, err := commission.ParseProductsCSVRows(data, currencyExponent(p.Brand.Currency))
	var fileErrs validate.Errors
	if errors.As(err, &fileErrs) {
		return a.renderProductImportError(c, fileErrs)
	} else if err != nil {
		return err
	}
	if len(rowErrs) > 0 {
		return a.renderProductImport(c, data, name)
	}
	items := make([]commission.ProductInput, len(rows))
	for i, r := range rows {
		items[i] = r.Input
	}
	res, err := a.catalog.PutMany(c.Request().Context(), p.Brand.ID, items)
	if errors.As(err, &fileErrs) {
		// The parser checks what PutMany checks, so this is unexpected;
		// still, name the rows rather than the items.
		v, verr := a.productsView(c, productForm{}, nil)
		if verr != nil {
			return verr
		}
		v.Import = &productImportView{Filename: name, RowErrors: putManyRowErrors(fileErrs, rows)}
		return c.Render(http.StatusUnprocessableEntity, "products", v)
	} else if err != nil {
		return err
	}
	created := 0
	for _, r := range res {
		if r.Created {
			created++
		}
	}
	noun := "products"
	if len(res) == 1 {
		noun = "product"
	}
	setFlash(c, flashOK, fmt.Sprintf("Imported %d %s (%d created, %d updated).", len(res), noun, created, len(res)-created))
	return c.Redirect(http.StatusSeeOther, "/products")
}

// renderProductImport parses the file and renders its preview: 200 when it
// can be imported, 422 when it has problems.
func (a *App) renderProductImport(c echo.Context, data []byte, name string) error {
	p := currentPrincipal(c)
	rows, rowErrs, err := commission.ParseProductsCSVRows(data, currencyExponent(p.Brand.Currency))
	var fileErrs validate.Errors
	if errors.As(err, &fileErrs) {
		return a.renderProductImportError(c, fileErrs)
	} else if err != nil {
		return err
	}
	iv := &productImportView{Filename: name, RowErrors: rowErrs}
	if len(rowErrs) == 0 {
		iv.Content = base64.StdEncoding.EncodeToString(data)
		refs := make([]commission.LineRef, len(rows))
		for i, r := range rows {
			refs[i] = commission.LineRef{SKU: r.Input.SKU}
		}
		existing, err := a.catalog.Match(c.Request().Context(), p.Brand.ID, refs)
		if err != nil {
			return err
		}
		for i, r := range rows {
			row := productImportRow{Row: r.Row, SKU: r.Input.SKU, Exists: existing[i] != nil}
			row.Title, row.KeepTitle = deref(r.Input.Title)
			row.ProductID, row.KeepProductID = deref(r.Input.ProductID)
			row.Category, row.KeepCategory = deref(r.Input.Category)
			switch uc := r.Input.UnitCost; {
			case !uc.Set:
				row.KeepCost = true
			case uc.V == nil:
				row.UnitCost = "unknown"
			default:
				row.UnitCost = money.Amount{Minor: *uc.V, Currency: p.Brand.Currency}.String()
			}
			if row.Exists {
				iv.Updates++
			} else {
				iv.Creates++
			}
			iv.Rows = append(iv.Rows, row)
		}
	}
	v, err := a.productsView(c, productForm{}, nil)
	if err != nil {
		return err
	}
	v.Import = iv
	status := http.StatusOK
	if !iv.Valid() {
		status = http.StatusUnprocessableEntity
	}
	return c.Render(status, "products", v)
}

func (a *App) renderProductImportError(c echo.Context, errs validate.Errors) error {
	v, err := a.productsView(c, productForm{}, nil)
	if err != nil {
		return err
	}
	v.ImportError = errs.Map()["file"]
	if v.ImportError == "" {
		v.ImportError = errs.Error()
	}
	return c.Render(http.StatusUnprocessableEntity, "products", v)
}

// readProductsUpload reads the form's file, refusing one over the limit.
func readProductsUpload(c echo.Context) ([]byte, string, validate.Errors) {
	var errs validate.Errors
	fh, err := c.FormFile("file")
	if err != nil {
		errs.Add("file", "choose a CSV file to upload")
		return nil, "", errs
	}
	limit := int64(commission.MaxProductsCSVSize)
	if fh.Size > limit {
		errs.Add("file", "the file is %s; the limit is %s: split it into smaller files", csvfile.Size(int(fh.Size)), csvfile.Size(int(limit)))
		return nil, "", errs
	}
	f, err := fh.Open()
	if err != nil {
		errs.Add("file", "the upload could not be read; try again")
		return nil, "", errs
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		errs.Add("file", "the upload could not be read; try again")
		return nil, "", errs
	}
	return data, cleanUploadName(fh.Filename), nil
}

// cleanUploadName keeps the base name of an uploaded file, at most 200 bytes.
func cleanUploadName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return strings.ToValidUTF8(strings.TrimSpace(name), "")
}

// putManyRowErrors names PutMany's item errors (products[3].sku) by row.
func putManyRowErrors(errs validate.Errors, rows []commission.ProductCSVRow) []commission.RowError {
	var out []commission.RowError
	for _, e := range errs {
		var i int
		field := e.Field
		if n, _ := fmt.Sscanf(e.Field, "products[%d].", &i); n == 1 && i >= 0 && i < len(rows) {
			_, field, _ = strings.Cut(e.Field, "].")
			out = append(out, commission.RowError{Row: rows[i].Row, Field: field, Message: e.Message})
			continue
		}
		out = append(out, commission.RowError{Field: field, Message: e.Message})
	}
	return out
}

func currencyExponent(code string) int {
	cur, err := money.LookupCurrency(code)
	if err != nil {
		return 2
	}
	return cur.Exponent
}

func deref(s *string) (string, bool) {
	if s == nil {
		return "", true
	}
	return *s, false
}
