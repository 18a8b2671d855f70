package web

import (
	"errors"
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// payoutSchedule sets the brand's payout schedule: a draft batch is then
// made at each scheduled cut-off, for an owner or admin to approve.
func (a *App) payoutSchedule(c echo.Context) error {
	p := currentPrincipal(c)
	v := c.FormValue("schedule")
	_, err := a.brands.UpdateSettings(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID,
		brand.SettingsPatch{PayoutSchedule: &v})
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		setFlash(c, flashError, "The schedule was not changed: "+ve.Error()+".")
	case err != nil:
		return err
	case v == brand.ScheduleNone:
		setFlash(c, flashOK, "Scheduled payouts are off: create batches by hand.")
	default:
		setFlash(c, flashOK, "Payout schedule saved: "+payoutScheduleLabel(v)+". Each scheduled cut-off drafts a batch for approval.")
	}
	return c.Redirect(http.StatusSeeOther, "/payouts")
}
