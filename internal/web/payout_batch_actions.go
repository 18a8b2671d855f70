package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// Approving and cancelling a batch.

// payoutRefusal is the status and message of an action the batch's state
// refuses; ok is false for any other error.
func payoutRefusal(err error) (status int, msg string, ok bool) {
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, ve.Error(), true
	case errors.Is(err, payout.ErrSameApprover), errors.Is(err, payout.ErrState), errors.Is(err, payout.ErrBusy),
		errors.Is(err, payout.ErrNoStripe), errors.Is(err, store.ErrConflict):
		return http.StatusConflict, err.Error(), true
	case errors.Is(err, payout.ErrNothingToPay):
		return http.StatusUnprocessableEntity, err.Error(), true
	}
	return 0, "", false
}

func payoutBatchURL(id string) string { return "/payouts/" + url.PathEscape(id) }

func (a *App) payoutBatchApprove(c echo.Context) error {
	p := currentPrincipal(c)
	id := c.Param("id")
	b, err := a.payouts.Approve(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand, id)
	if status, msg, ok := payoutRefusal(err); ok {
		return a.payoutBatchRefused(c, id, status, "Not approved: "+msg+".", "", "", "")
	}
	if err != nil {
		return err
	}
	setFlash(c, flashOK, fmt.Sprintf("Batch approved: %s to %d creator%s. Execute it to pay them.",
		money.Amount{Minor: b.Total, Currency: b.Currency}.String(), b.ItemCount, payoutPlural(b.ItemCount)))
	return c.Redirect(http.StatusSeeOther, payoutBatchURL(id))
}

func (a *App) payoutBatchCancel(c echo.Context) error {
	p := currentPrincipal(c)
	id := c.Param("id")
	_, err := a.payouts.Cancel(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, id)
	if status, msg, ok := payoutRefusal(err); ok {
		return a.payoutBatchRefused(c, id, status, "Not cancelled: "+msg+".", "", "", "")
	}
	if err != nil {
		return err
	}
	setFlash(c, flashOK, "Batch cancelled. Its entries are payable again and the next batch will include them.")
	return c.Redirect(http.StatusSeeOther, payoutBatchURL(id))
}
