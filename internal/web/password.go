package web

import (
	"errors"
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type forgotView struct {
	Page
	Email  string
	Sent   bool
	Errors map[string]string
}

func (a *App) forgotForm(c echo.Context) error {
	return c.Render(http.StatusOK, "forgot", forgotView{Page: a.page(c, "Reset your password", "")})
}

func (a *App) forgot(c echo.Context) error {
	v := forgotView{Page: a.page(c, "Reset your password", ""), Email: c.FormValue("email")}
	if err := a.limitIP(c); err != nil {
		return err
	}
	err := a.brands.RequestPasswordReset(c.Request().Context(), v.Email)
	var ve validate.Errors
	if errors.As(err, &ve) {
		v.Errors = ve.Map()
		return c.Render(http.StatusUnprocessableEntity, "forgot", v)
	}
	if err != nil {
		return err
	}
	v.Sent = true
	return c.Render(http.StatusOK, "forgot", v)
}

type resetView struct {
	Page
	Token  string
	Errors map[string]string
}

func (a *App) resetForm(c echo.Context) error {
	return c.Render(http.StatusOK, "reset", resetView{Page: a.page(c, "Choose a new password", ""), Token: c.Param("token")})
}

func (a *App) reset(c echo.Context) error {
	v := resetView{Page: a.page(c, "Choose a new password", ""), Token: c.Param("token")}
	if err := a.limitIP(c); err != nil {
		return err
	}
	if c.FormValue("password") != c.FormValue("password_confirm") {
		v.Errors = map[string]string{"password_confirm": "the two passwords differ"}
		return c.Render(http.StatusUnprocessableEntity, "reset", v)
	}
	ctx := c.Request().Context()
	user, err := a.brands.ResetPassword(ctx, v.Token, c.FormValue("password"))
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		v.Errors = ve.Map()
		return c.Render(http.StatusUnprocessableEntity, "reset", v)
	case errors.Is(err, brand.ErrResetInvalid):
		setFlash(c, flashError, err.Error()+". Ask for a new one.")
		return c.Redirect(http.StatusSeeOther, "/forgot")
	case err != nil:
		return err
	}
	// The new password ended every session of the user, this browser's included.
	a.log.InfoContext(ctx, "password reset", "user_id", user.ID)
	a.clearSessionCookie(c)
	setFlash(c, flashOK, "Your password is changed. Log in with the new one.")
	return c.Redirect(http.StatusSeeOther, "/login")
}
