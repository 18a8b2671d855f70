package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// entryJSON is a ledger entry in the API.
type entryJSON struct {
	ID              string    `json:"id"`
	CreatorID       string    `json:"creator_id"`
	OrderID         *string   `json:"order_id"`
	OrderExternalID string    `json:"order_external_id,omitempty"`
	Kind            string    `json:"kind"`
	Amount          int64     `json:"amount"`
	Currency        string    `json:"currency"`
	Status          string    `json:"status"`
	Explanation     string    `json:"explanation"`
	Reason          string    `json:"reason"`
	PayableAt       time.Time `json:"payable_at"`
	CreatedAt       time.Time `json:"created_at"`
	PlanVersionID   *string   `json:"plan_version_id"`
}

func toEntryJSON(e *commission.Entry, externalID string, now time.Time) entryJSON {
	return entryJSON{ID: e.ID, CreatorID: e.CreatorID, OrderID: e.OrderID, OrderExternalID: externalID, Kind: e.Kind,
		Amount: e.Amount, Currency: e.Currency, Status: e.Status(now), Explanation: e.Explanation, Reason: e.Reason,
		PayableAt: e.PayableAt.UTC(), CreatedAt: e.CreatedAt.UTC(), PlanVersionID: e.PlanVersionID}
}

func (a *App) apiCommissionsList(c echo.Context) error {
	ctx := c.Request().Context()
	brandID := currentKey(c).BrandID
	q := commission.EntryQuery{CreatorID: c.QueryParam("creator_id"), OrderExternalID: c.QueryParam("order_external_id"),
		Status: c.QueryParam("status"), Cursor: c.QueryParam("cursor")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return validate.Errors{{Field: "limit", Message: "a whole number from 1 to 200"}}
		}
		q.Limit = n
	}
	es, next, err := a.ledger.Entries(ctx, brandID, q)
	if err != nil {
		return err
	}
	refs, err := a.ledger.OrderRefs(ctx, brandID, es)
	if err != nil {
		return err
	}
	now := store.Now()
	out := make([]entryJSON, len(es))
	for i := range es {
		ext := ""
		if es[i].OrderID != nil {
			ext = refs[*es[i].OrderID]
		}
		out[i] = toEntryJSON(&es[i], ext, now)
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out, "next_cursor": next})
}

func (a *App) apiCreatorBalance(c echo.Context) error {
	ctx := c.Request().Context()
	brandID := currentKey(c).BrandID
	// Another brand's creator is a 404, like a creator that does not exist.
	cr, err := a.creators.Get(ctx, brandID, c.Param("id"))
	if err != nil {
		return err
	}
	b, err := a.brands.Get(ctx, brandID)
	if err != nil {
		return err
	}
	bal, err := a.ledger.Balance(ctx, b, cr.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bal)
}
