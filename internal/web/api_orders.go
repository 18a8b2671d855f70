package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type orderLineJSON struct {
	SKU       string `json:"sku"`
	ProductID string `json:"product_id"`
	Title     string `json:"title"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Discount  int64  `json:"discount"`
	Net       int64  `json:"net"`
}

type adjustmentJSON struct {
	Kind       string             `json:"kind"`
	ExternalID string             `json:"external_id"`
	Amount     int64              `json:"amount"`
	OccurredAt time.Time          `json:"occurred_at"`
	Lines      []order.RefundLine `json:"lines"`
	Reason     string             `json:"reason,omitempty"`
}

type attributionJSON struct {
	Method    string         `json:"method"`
	CreatorID *string        `json:"creator_id"`
	Evidence  order.Evidence `json:"evidence"`
	Rule      string         `json:"rule"`
}

type orderJSON struct {
	ID            string           `json:"id"`
	Source        order.Source     `json:"source"`
	ExternalID    string           `json:"external_id"`
	PlacedAt      time.Time        `json:"placed_at"`
	Currency      string           `json:"currency"`
	Subtotal      int64            `json:"subtotal"`
	Discount      int64            `json:"discount"`
	Net           int64            `json:"net"`
	Shipping      int64            `json:"shipping"`
	Tax           int64            `json:"tax"`
	Refunded      int64            `json:"refunded"`
	Status        order.Status     `json:"status"`
	DiscountCodes []string         `json:"discount_codes"`
	ClickID       string           `json:"click_id"`
	CustomerHash  string           `json:"customer_hash"`
	CreatorID     *string          `json:"creator_id"`
	Attribution   attributionJSON  `json:"attribution"`
	Lines         []orderLineJSON  `json:"lines,omitempty"`
	Adjustments   []adjustmentJSON `json:"adjustments,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

func toOrderJSON(o *order.Order) orderJSON {
	out := orderJSON{ID: o.ID, Source: o.Source, ExternalID: o.ExternalID, PlacedAt: o.PlacedAt.UTC(), Currency: o.Currency,
		Subtotal: o.Subtotal, Discount: o.Discount, Net: o.Net, Shipping: o.Shipping, Tax: o.Tax, Refunded: o.Refunded,
		Status: o.Status, DiscountCodes: o.Codes, ClickID: o.ClickID, CustomerHash: o.CustomerHash, CreatorID: o.CreatorID,
		Attribution: attributionJSON{Method: o.AttributionMethod, CreatorID: o.CreatorID, Evidence: o.AttributionEvidence, Rule: o.AttributionRule},
		CreatedAt:   o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC()}
	if out.DiscountCodes == nil {
		out.DiscountCodes = []string{}
	}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, orderLineJSON{SKU: l.SKU, ProductID: l.ProductID, Title: l.Title, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Discount: l.Discount, Net: l.Net})
	}
	for _, a := range o.Adjustments {
		out.Adjustments = append(out.Adjustments, adjustmentJSON{Kind: a.Kind, ExternalID: a.ExternalID, Amount: a.Amount,
			OccurredAt: a.OccurredAt.UTC(), Lines: a.Lines, Reason: a.Reason})
	}
	return out
}

// orderErr maps order errors the classifier does not know.
func orderErr(err error) error {
	switch {
	case errors.Is(err, order.ErrAmbiguous):
		return apiErr(http.StatusConflict, "ambiguous", "%s", err.Error())
	case errors.Is(err, order.ErrNotFound):
		return apiErr(http.StatusNotFound, "not_found", "no order with this external id")
	}
	return err
}

// parseTime reads an RFC 3339 time from a field, or records why it cannot.
func parseTime(errs *validate.Errors, field, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		errs.Add(field, "must be an RFC 3339 time such as 2026-03-01T12:00:00Z")
	}
	return t
}

func (a *App) apiOrdersCreate(c echo.Context) error {
	var in struct {
		ExternalID    string   `json:"external_id"`
		PlacedAt      string   `json:"placed_at"`
		Currency      string   `json:"currency"`
		CustomerEmail string   `json:"customer_email"`
		DiscountCodes []string `json:"discount_codes"`
		ClickID       string   `json:"click_id"`
		Shipping      int64    `json:"shipping"`
		Tax           int64    `json:"tax"`
		Lines         []struct {
			SKU       string `json:"sku"`
			ProductID string `json:"product_id"`
			Title     string `json:"title"`
			Quantity  int64  `json:"quantity"`
			UnitPrice int64  `json:"unit_price"`
			Discount  int64  `json:"discount"`
		} `json:"lines"`
	}
	raw, err := decodeJSONRaw(c, &in, true)
	if err != nil {
		return err
	}
	var errs validate.Errors
	placed := parseTime(&errs, "placed_at", in.PlacedAt)
	if len(in.Lines) == 0 {
		errs.Add("lines", "an order needs at least one line")
	}
	for i, l := range in.Lines {
		if strings.TrimSpace(l.SKU) == "" {
			errs.Add(fmt.Sprintf("lines[%d].sku", i), "is required")
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	o := &order.OrderInput{ExternalID: in.ExternalID, PlacedAt: placed, Currency: in.Currency, CustomerEmail: in.CustomerEmail,
		Codes: in.DiscountCodes, ClickID: in.ClickID, Shipping: in.Shipping, Tax: in.Tax}
	for _, l := range in.Lines {
		o.Lines = append(o.Lines, order.LineInput{SKU: l.SKU, ProductID: l.ProductID, Title: l.Title, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Discount: l.Discount})
	}
	res, err := a.orders.Apply(c.Request().Context(), currentKey(c).BrandID,
		order.Event{Source: order.API, Topic: "api", Raw: raw, Order: o})
	if err != nil {
		return err
	}
	return a.orderResponse(c, res.Order, res.Created)
}

// orderResponse answers with the stored order and its details: 201 when the
// call created it, 200 when it was there already.
func (a *App) orderResponse(c echo.Context, o *order.Order, created bool) error {
	full, err := a.orders.Get(c.Request().Context(), o.BrandID, o.ID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toOrderJSON(full))
}

func (a *App) apiOrdersGet(c echo.Context) error {
	o, err := a.orders.ByExternalID(c.Request().Context(), currentKey(c).BrandID, order.Source(c.QueryParam("source")), c.Param("external_id"))
	if err != nil {
		return orderErr(err)
	}
	return c.JSON(http.StatusOK, toOrderJSON(o))
}

func (a *App) apiOrdersList(c echo.Context) error {
	var errs validate.Errors
	q := order.ListQuery{CreatorID: c.QueryParam("creator_id"), Method: c.QueryParam("method"), Status: order.Status(c.QueryParam("status")),
		Source: order.Source(c.QueryParam("source")), Cursor: c.QueryParam("cursor"),
		From: parseTime(&errs, "from", c.QueryParam("from")), To: parseTime(&errs, "to", c.QueryParam("to"))}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs.Add("limit", "a whole number from 1 to 200")
		}
		q.Limit = n
	}
	if err := errs.Err(); err != nil {
		return err
	}
	p, err := a.orders.List(c.Request().Context(), currentKey(c).BrandID, q)
	if err != nil {
		return err
	}
	out := make([]orderJSON, len(p.Orders))
	for i := range p.Orders {
		out[i] = toOrderJSON(&p.Orders[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out, "next_cursor": p.Next})
}

func (a *App) apiOrdersRefund(c echo.Context) error {
	var in struct {
		ExternalID string             `json:"external_id"`
		Amount     *int64             `json:"amount"`
		Reason     string             `json:"reason"`
		Lines      []order.RefundLine `json:"lines"`
	}
	raw, err := decodeJSONRaw(c, &in, true)
	if err != nil {
		return err
	}
	for _, l := range in.Lines {
		if l.LineExternalID != "" {
			return apiErr(http.StatusBadRequest, "unknown_field", "lines[].line_external_id is not a field this endpoint accepts; name lines by sku")
		}
	}
	ctx := c.Request().Context()
	brandID := currentKey(c).BrandID
	source := order.Source(c.QueryParam("source"))
	if source == "" {
		source = order.API
	}
	res, err := a.orders.Refund(ctx, brandID, source, c.Param("external_id"),
		order.RefundRequest{ExternalID: in.ExternalID, Amount: in.Amount, Lines: in.Lines, Reason: in.Reason, Raw: raw})
	if err != nil {
		return orderErr(err)
	}
	return a.orderResponse(c, res.Order, res.Created)
}
