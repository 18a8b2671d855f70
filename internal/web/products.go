package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cloutapp/clout/internal/commission"
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
}

const productsPageSize = 50

func (a *App) productsView(c echo.Context, f productForm, errs validate.Errors) (productsView, error) {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	v := productsView{Page: a.page(c, "Products", "products"), Q: strings.TrimSpace(c.QueryParam("q")), Form: f,
		Errors: errs.Map(), BaseURL: a.cfg.BaseURL, Currency: p.Brand.Currency}
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
