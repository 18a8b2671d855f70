package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/labstack/echo/v4"
)

// payoutAccountJSON is a creator's Stripe payout account.
type payoutAccountJSON struct {
	CreatorID      string     `json:"creator_id"`
	AccountID      string     `json:"account_id"`
	PayoutsEnabled bool       `json:"payouts_enabled"`
	CheckedAt      *time.Time `json:"checked_at"`
}

// accountErr maps the Stripe Connect errors; the rest go to payoutErr.
func accountErr(err error) error {
	switch {
	case errors.Is(err, payout.ErrConnect):
		return apiErr(http.StatusBadGateway, "stripe_error", "%s", err.Error())
	case errors.Is(err, payout.ErrNoAccount):
		return apiErr(http.StatusConflict, "no_stripe_account", "%s", err.Error())
	}
	return payoutErr(err)
}

// apiCreatorStripeAccount is POST /api/v1/creators/{id}/stripe-account: link
// an existing connected account to the creator. 201 when the account is
// newly the creator's, 200 when it already was.
func (a *App) apiCreatorStripeAccount(c echo.Context) error {
	var in struct {
		AccountID string `json:"account_id"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	k := currentKey(c)
	b, err := a.brands.Get(ctx, k.BrandID)
	if err != nil {
		return err
	}
	st, err := a.payouts.LinkAccount(ctx, brand.KeyActor(k, c.RealIP()), b, c.Param("id"), in.AccountID)
	if err != nil {
		return accountErr(err)
	}
	status := http.StatusOK
	if st.Linked {
		status = http.StatusCreated
	}
	return c.JSON(status, payoutAccountJSON{CreatorID: st.CreatorID, AccountID: st.AccountID, PayoutsEnabled: st.PayoutsEnabled,
		CheckedAt: st.CheckedAt})
}
