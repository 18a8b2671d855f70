package web

import (
	"errors"
	"net/http"

	"github.com/cloutapp/clout/internal/payout"
)

// payoutErr maps the payout package's errors, which the shared classifier
// does not know, to the API's error shape; other errors pass through
// (store.ErrNotFound is a 404, store.ErrConflict a 409, validate.Errors a
// 422 there).
func payoutErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, payout.ErrNothingToPay):
		return apiErr(http.StatusUnprocessableEntity, "nothing_to_pay", "%s", err.Error())
	case errors.Is(err, payout.ErrSameApprover):
		return apiErr(http.StatusConflict, "same_approver", "%s", err.Error())
	case errors.Is(err, payout.ErrState):
		return apiErr(http.StatusConflict, "invalid_state", "%s", err.Error())
	case errors.Is(err, payout.ErrBusy):
		return apiErr(http.StatusConflict, "busy", "%s", err.Error())
	case errors.Is(err, payout.ErrNoStripe):
		return apiErr(http.StatusConflict, "no_stripe", "%s", err.Error())
	}
	return err
}
