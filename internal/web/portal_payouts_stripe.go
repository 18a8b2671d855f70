package web

import (
	"errors"
	"net/http"

	"github.com/cloutapp/clout/internal/payout"
	"github.com/labstack/echo/v4"
)

// The portal's Stripe Connect onboarding: Stripe sends the creator back to
// returnPath when they leave its flow, and to refreshPath when the link has
// expired or was used.
const (
	portalPayoutsPath = "/portal/payouts"
	stripeReturnPath  = "/portal/payouts/stripe/return"
	stripeRefreshPath = "/portal/payouts/stripe/refresh"
)

// portalStripeFail flashes why a Stripe step did not work and goes back to
// the payouts page; other errors are the error page's.
func portalStripeFail(c echo.Context, err error) error {
	switch {
	case errors.Is(err, payout.ErrNoStripe):
		setFlash(c, flashError, "This brand does not pay through Stripe: it pays you by hand, to your payout email. Set it in your profile.")
	case errors.Is(err, payout.ErrNoAccount):
		setFlash(c, flashError, "You have no Stripe account here yet: use “Connect with Stripe” first.")
	case errors.Is(err, payout.ErrConnect):
		setFlash(c, flashError, err.Error())
	default:
		return err
	}
	return c.Redirect(http.StatusSeeOther, portalPayoutsPath)
}

// portalStripeLink sends the creator to Stripe's onboarding for their
// account, creating it first when they have none.
func (a *App) portalStripeLink(c echo.Context) error {
	ctx := c.Request().Context()
	cr := currentPortal(c).Creator
	b, err := a.brands.Get(ctx, cr.BrandID)
	if err != nil {
		return err
	}
	url, err := a.payouts.ConnectLink(ctx, b, cr.ID, a.cfg.BaseURL+stripeReturnPath, a.cfg.BaseURL+stripeRefreshPath)
	if err != nil {
		return portalStripeFail(c, err)
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// portalStripeConnect is the "Connect with Stripe" (or "Continue
// onboarding") button.
func (a *App) portalStripeConnect(c echo.Context) error { return a.portalStripeLink(c) }

// portalStripeRefreshLink is where Stripe sends a creator whose onboarding
// link expired: a fresh link for the same account. It never creates an
// account (it is a GET).
func (a *App) portalStripeRefreshLink(c echo.Context) error {
	if cr := currentPortal(c).Creator; cr.StripeAccountID == nil || *cr.StripeAccountID == "" {
		return c.Redirect(http.StatusSeeOther, portalPayoutsPath)
	}
	return a.portalStripeLink(c)
}

// portalStripeCheck asks Stripe about the creator's account and says what
// it learned.
func (a *App) portalStripeCheck(c echo.Context) error {
	ctx := c.Request().Context()
	cr := currentPortal(c).Creator
	b, err := a.brands.Get(ctx, cr.BrandID)
	if err != nil {
		return err
	}
	st, err := a.payouts.RefreshAccount(ctx, b, cr.ID)
	if err != nil {
		return portalStripeFail(c, err)
	}
	switch {
	case st.PayoutsEnabled:
		setFlash(c, flashOK, "Your Stripe account is ready: your payouts go to it.")
	case st.DetailsSubmitted:
		setFlash(c, flashOK, "Stripe has your details and is reviewing them; transfers are not enabled yet. Check again later.")
	default:
		setFlash(c, flashError, "Your Stripe account is not ready for transfers yet: continue the onboarding to finish it.")
	}
	return c.Redirect(http.StatusSeeOther, portalPayoutsPath)
}

// portalStripeReturn is where Stripe sends the creator back after onboarding.
func (a *App) portalStripeReturn(c echo.Context) error { return a.portalStripeCheck(c) }

// portalStripeStatus is the "Refresh status" button.
func (a *App) portalStripeStatus(c echo.Context) error { return a.portalStripeCheck(c) }
