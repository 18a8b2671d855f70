package web

import (
	"errors"
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type teamView struct {
	Page
	Members     []brand.Member
	Invites     []brand.Invite
	InviteEmail string
	InviteRole  string
	InviteLink  string
	Errors      map[string]string
	Roles       []brand.Role
}

func (a *App) teamView(c echo.Context) (teamView, error) {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	members, err := a.brands.Members(ctx, p.Brand.ID)
	if err != nil {
		return teamView{}, err
	}
	invites, err := a.brands.PendingInvites(ctx, p.Brand.ID)
	if err != nil {
		return teamView{}, err
	}
	return teamView{Page: a.page(c, "Team", "team"), Members: members, Invites: invites, InviteRole: string(brand.Admin), Roles: brand.Roles}, nil
}

func (a *App) team(c echo.Context) error {
	v, err := a.teamView(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "team", v)
}

func (a *App) teamInvite(c echo.Context) error {
	p := currentPrincipal(c)
	email, role := c.FormValue("email"), c.FormValue("role")
	_, link, err := a.brands.Invite(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Role, p.Brand.ID, email, brand.Role(role))
	var ve validate.Errors
	if errors.As(err, &ve) {
		v, verr := a.teamView(c)
		if verr != nil {
			return verr
		}
		v.InviteEmail, v.InviteRole, v.Errors = email, role, ve.Map()
		return c.Render(http.StatusUnprocessableEntity, "team", v)
	}
	if err != nil {
		return err
	}
	v, err := a.teamView(c)
	if err != nil {
		return err
	}
	v.InviteLink = link
	v.Flash = &flash{Kind: flashOK, Message: "Invite sent to " + email + ". You can also copy the link below; it works once, for 7 days."}
	return c.Render(http.StatusOK, "team", v)
}

func (a *App) teamInviteRevoke(c echo.Context) error {
	p := currentPrincipal(c)
	if err := a.brands.RevokeInvite(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, c.Param("id")); err != nil {
		return err
	}
	setFlash(c, flashOK, "Invite revoked.")
	return c.Redirect(http.StatusSeeOther, "/team")
}

func (a *App) teamMemberRole(c echo.Context) error {
	p := currentPrincipal(c)
	err := a.brands.ChangeRole(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Role, p.Brand.ID, c.Param("id"), brand.Role(c.FormValue("role")))
	if err := a.teamActionResult(c, err, "Role changed."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/team")
}

func (a *App) teamMemberRemove(c echo.Context) error {
	p := currentPrincipal(c)
	err := a.brands.RemoveMember(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Role, p.Brand.ID, c.Param("id"))
	if err := a.teamActionResult(c, err, "Removed from the team."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/team")
}

// teamActionResult turns expected refusals into a flash on the team page.
func (a *App) teamActionResult(c echo.Context, err error, ok string) error {
	var ve validate.Errors
	switch {
	case err == nil:
		setFlash(c, flashOK, ok)
	case errors.Is(err, brand.ErrLastOwner), errors.Is(err, brand.ErrForbidden):
		setFlash(c, flashError, "Not changed: "+err.Error()+".")
	case errors.As(err, &ve):
		setFlash(c, flashError, "Not changed: "+ve.Error())
	default:
		return err
	}
	return nil
}
