package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/cloutapp/clout/internal/payout"
	"github.com/labstack/echo/v4"
)

// creatorStripeRefresh is the creator page's "Refresh status" button for the
// creator's Stripe payout account.
func (a *App) creatorStripeRefresh(c echo.Context) error {
	p := currentPrincipal(c)
	id := c.Param("id")
	st, err := a.payouts.RefreshAccount(c.Request().Context(), p.Brand, id)
	switch {
	case errors.Is(err, payout.ErrNoStripe), errors.Is(err, payout.ErrNoAccount), errors.Is(err, payout.ErrConnect):
		setFlash(c, flashError, "Not refreshed: "+err.Error())
	case err != nil:
		return err
	case st.PayoutsEnabled:
		setFlash(c, flashOK, "Stripe account "+st.AccountID+" can receive transfers: payouts go to it.")
	default:
		setFlash(c, flashOK, "Stripe account "+st.AccountID+" cannot receive transfers yet (onboarding unfinished or under review): payouts go by hand to the payout email meanwhile.")
	}
	return c.Redirect(http.StatusSeeOther, "/creators/"+url.PathEscape(id))
}
