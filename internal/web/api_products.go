package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// productJSON is the API's view of a product. unit_cost is in minor units of
// the brand's currency, null when unknown.
type productJSON struct {
	ID        string    `json:"id"`
	SKU       string    `json:"sku"`
	ProductID string    `json:"product_id"`
	Title     string    `json:"title"`
	Category  string    `json:"category"`
	UnitCost  *int64    `json:"unit_cost"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toProductJSON(p *commission.Product) productJSON {
	return productJSON{ID: p.ID, SKU: p.SKU, ProductID: p.ProductID, Title: p.Title, Category: p.Category,
		UnitCost: p.UnitCost, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

// productErr names what was not found.
func productErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return apiErr(http.StatusNotFound, "not_found", "no product with this sku")
	}
	return err
}

func (a *App) apiProductsPut(c echo.Context) error {
	var patch commission.ProductPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	p, created, err := a.catalog.Put(c.Request().Context(), currentKey(c).BrandID, c.Param("sku"), patch)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toProductJSON(p))
}

func (a *App) apiProductsPutMany(c echo.Context) error {
	var in struct {
		Products []commission.ProductInput `json:"products"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := a.catalog.PutMany(c.Request().Context(), currentKey(c).BrandID, in.Products)
	if err != nil {
		return err
	}
	out := make([]productJSON, len(res))
	created := 0
	for i, r := range res {
		out[i] = toProductJSON(r.Product)
		if r.Created {
			created++
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out, "created": created, "updated": len(res) - created})
}

func (a *App) apiProductsGet(c echo.Context) error {
	p, err := a.catalog.Get(c.Request().Context(), currentKey(c).BrandID, c.Param("sku"))
	if err != nil {
		return productErr(err)
	}
	return c.JSON(http.StatusOK, toProductJSON(p))
}

func (a *App) apiProductsList(c echo.Context) error {
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > commission.MaxPageSize {
			return validate.Errors{{Field: "limit", Message: "a whole number from 1 to 200"}}
		}
		limit = n
	}
	items, next, err := a.catalog.List(c.Request().Context(), currentKey(c).BrandID, c.QueryParam("q"), c.QueryParam("cursor"), limit)
	if err != nil {
		return err
	}
	out := make([]productJSON, len(items))
	for i := range items {
		out[i] = toProductJSON(&items[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out, "next_cursor": next})
}
