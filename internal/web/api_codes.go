package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type codeJSON struct {
	ID                    string     `json:"id"`
	CreatorID             string     `json:"creator_id"`
	Code                  string     `json:"code"`
	DiscountType          string     `json:"discount_type"`
	DiscountValue         int64      `json:"discount_value"`
	Currency              string     `json:"currency"`
	Active                bool       `json:"active"`
	ExpiresAt             *time.Time `json:"expires_at"`
	StripePromotionCodeID string     `json:"stripe_promotion_code_id"`
	CreatedAt             time.Time  `json:"created_at"`
}

func toCodeJSON(c *coupon.Code) codeJSON {
	return codeJSON{ID: c.ID, CreatorID: c.CreatorID, Code: c.Code, DiscountType: c.DiscountType, DiscountValue: c.DiscountValue,
		Currency: c.Currency, Active: c.Active, ExpiresAt: c.ExpiresAt, StripePromotionCodeID: c.StripePromotionCodeID,
		CreatedAt: c.CreatedAt}
}

// codeErr maps coupon errors the classifier does not know. A taken code is
// store.ErrConflict as well, so the classifier would say 409 anyway; the
// code here is more precise.
func codeErr(err error) error {
	switch {
	case errors.Is(err, coupon.ErrCodeTaken):
		return apiErr(http.StatusConflict, "conflict", "%s", err.Error())
	case errors.Is(err, coupon.ErrStripe):
		return apiErr(http.StatusBadGateway, "stripe_error", "%s", err.Error())
	}
	return err
}

// apiCodesCreate is POST /api/v1/creators/{id}/codes.
func (a *App) apiCodesCreate(c echo.Context) error {
	var in struct {
		Code          string  `json:"code"`
		DiscountType  string  `json:"discount_type"`
		DiscountValue int64   `json:"discount_value"`
		ExpiresAt     *string `json:"expires_at"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var expires *time.Time
	if in.ExpiresAt != nil && *in.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil {
			return validate.Errors{{Field: "expires_at", Message: "give the expiry as an RFC 3339 time such as 2030-01-31T23:59:59Z"}}
		}
		expires = &t
	}
	code, err := a.codes.Create(c.Request().Context(), currentKey(c).BrandID, c.Param("id"), coupon.Input{Code: in.Code,
		DiscountType: in.DiscountType, DiscountValue: in.DiscountValue, ExpiresAt: expires})
	if err != nil {
		return codeErr(err)
	}
	return c.JSON(http.StatusCreated, toCodeJSON(code))
}

// apiCodesList is GET /api/v1/creators/{id}/codes, newest first.
func (a *App) apiCodesList(c echo.Context) error {
	cs, err := a.codes.ForCreator(c.Request().Context(), currentKey(c).BrandID, c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]codeJSON, len(cs))
	for i := range cs {
		out[i] = toCodeJSON(&cs[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}
