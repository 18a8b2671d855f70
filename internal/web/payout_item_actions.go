package web

import (
	"errors"
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// Actions on one item of a batch being paid: retry a failed transfer, move
// a failed transfer to manual payment, mark a manual payment paid.

func (a *App) payoutItemRetry(c echo.Context) error {
	p := currentPrincipal(c)
	id, itemID := c.Param("id"), c.Param("item")
	it, err := a.payouts.Retry(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, id, itemID)
	if status, msg, ok := payoutRefusal(err); ok {
		return a.payoutBatchRefused(c, id, status, "Not retried: "+msg+".", "", "", "")
	}
	if err != nil {
		return err
	}
	a.executePayouts(c.Request().Context(), p.Brand.ID, id)
	setFlash(c, flashOK, "Retrying the transfer of "+money.Amount{Minor: it.Amount, Currency: it.Currency}.String()+".")
	return c.Redirect(http.StatusSeeOther, payoutBatchURL(id))
}

func (a *App) payoutItemManual(c echo.Context) error {
	p := currentPrincipal(c)
	id, itemID := c.Param("id"), c.Param("item")
	it, err := a.payouts.ToManual(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, id, itemID)
	if status, msg, ok := payoutRefusal(err); ok {
		return a.payoutBatchRefused(c, id, status, "Not moved to manual payment: "+msg+".", "", "", "")
	}
	if err != nil {
		return err
	}
	msg := "Moved to manual payment: pay " + money.Amount{Minor: it.Amount, Currency: it.Currency}.String()
	if it.Destination != "" {
		msg += " to " + it.Destination
	}
	setFlash(c, flashOK, msg+" outside Clout, then mark it paid with the payment's reference.")
	return c.Redirect(http.StatusSeeOther, payoutBatchURL(id))
}

func (a *App) payoutItemMarkPaid(c echo.Context) error {
	p := currentPrincipal(c)
	id, itemID := c.Param("id"), c.Param("item")
	ref := c.FormValue("reference")
	it, err := a.payouts.MarkPaid(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, id, itemID, ref)
	var ve validate.Errors
	if errors.As(err, &ve) {
		return a.payoutBatchRefused(c, id, http.StatusUnprocessableEntity, "Not marked paid: "+ve.Error()+".", itemID, ref,
			ve.Map()["reference"])
	}
	if status, msg, ok := payoutRefusal(err); ok {
		return a.payoutBatchRefused(c, id, status, "Not marked paid: "+msg+".", "", "", "")
	}
	if err != nil {
		return err
	}
	setFlash(c, flashOK, "Marked paid: "+money.Amount{Minor: it.Amount, Currency: it.Currency}.String()+", reference "+it.Reference+".")
	return c.Redirect(http.StatusSeeOther, payoutBatchURL(id))
}
