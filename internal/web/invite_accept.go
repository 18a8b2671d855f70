package web

import (
	"errors"
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type inviteView struct {
	Page
	Token     string
	Invite    *brand.Invite
	BrandName string
	Name      string
	Errors    map[string]string
}

func (a *App) inviteForm(c echo.Context) error {
	inv, b, err := a.brands.InviteByToken(c.Request().Context(), c.Param("token"))
	if errors.Is(err, brand.ErrInviteInvalid) {
		return echo.NewHTTPError(http.StatusNotFound, err.Error()+". Ask the brand for a new invite.")
	}
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "invite", inviteView{Page: a.page(c, "Join "+b.Name, ""), Token: c.Param("token"), Invite: inv, BrandName: b.Name})
}

func (a *App) inviteAccept(c echo.Context) error {
	if err := a.limitIP(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	token := c.Param("token")
	inv, b, err := a.brands.InviteByToken(ctx, token)
	if errors.Is(err, brand.ErrInviteInvalid) {
		return echo.NewHTTPError(http.StatusNotFound, err.Error()+". Ask the brand for a new invite.")
	}
	if err != nil {
		return err
	}
	userID := ""
	p := currentPrincipal(c)
	if p != nil {
		userID = p.User.ID
	}
	user, _, err := a.brands.AcceptInvite(ctx, token, userID, c.FormValue("name"), c.FormValue("password"))
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		return c.Render(http.StatusUnprocessableEntity, "invite", inviteView{Page: a.page(c, "Join "+b.Name, ""), Token: token,
			Invite: inv, BrandName: b.Name, Name: c.FormValue("name"), Errors: ve.Map()})
	case errors.Is(err, brand.ErrInviteOtherEmail):
		return echo.NewHTTPError(http.StatusConflict, "This invite was not accepted: "+err.Error()+".")
	case errors.Is(err, brand.ErrAlreadyMember):
		setFlash(c, flashOK, "You are already on "+b.Name+"'s team.")
	case err != nil:
		return err
	default:
		setFlash(c, flashOK, "You joined "+b.Name+" as "+string(inv.Role)+".")
	}
	if p != nil {
		if err := a.sessions.SwitchBrand(ctx, p.Session.ID, inv.BrandID); err != nil {
			return err
		}
	} else if err := a.startSession(c, user.ID, inv.BrandID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}
