package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type joinView struct {
	Page
	Brand                       *brand.Brand
	Name, Email, Niche, Country string
	Pitch                       string
	Handles                     []handleField
	AcceptTerms, AcceptDisclose bool
	Errors                      map[string]string
	Done                        *creator.Creator
	Duplicate                   bool
}

// joinForm is a brand's public application page.
func (a *App) joinForm(c echo.Context) error {
	b, err := a.brands.BySlug(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "join", joinView{Page: a.page(c, "Join "+b.Name, ""), Brand: b, Handles: handleFields(nil)})
}

func (a *App) join(c echo.Context) error {
	if err := a.limitIP(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	b, err := a.brands.BySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	v := joinView{Page: a.page(c, "Join "+b.Name, ""), Brand: b, Name: c.FormValue("name"), Email: c.FormValue("email"),
		Niche: c.FormValue("niche"), Country: c.FormValue("country"), Pitch: c.FormValue("pitch"),
		AcceptTerms: checked(c, "accept_terms"), AcceptDisclose: checked(c, "accept_disclosure")}
	fields, handles, errs := parseHandles(c)
	version, _ := strconv.Atoi(c.FormValue("terms_version"))
	if len(errs) == 0 {
		cr, err := a.creators.Apply(ctx, b.Slug, creator.Application{
			Profile:     creator.Profile{Name: &v.Name, Email: &v.Email, Niche: &v.Niche, Country: &v.Country, Pitch: &v.Pitch, Handles: handles},
			AcceptTerms: v.AcceptTerms, AcceptDisclosure: v.AcceptDisclose, TermsVersion: version})
		switch {
		case errors.Is(err, creator.ErrDuplicate):
			v.Duplicate = true
			return c.Render(http.StatusConflict, "join", v)
		case errors.As(err, &errs):
		case err != nil:
			return err
		default:
			v.Done = cr
			return c.Render(http.StatusCreated, "join", v)
		}
	}
	// A new version of the terms is shown as it is now.
	if b2, err := a.brands.BySlug(ctx, b.Slug); err == nil {
		v.Brand = b2
	}
	v.Handles, v.Errors = withHandleErrors(fields, errs), errs.Map()
	return c.Render(http.StatusUnprocessableEntity, "join", v)
}

type creatorInviteView struct {
	Page
	Creator                     *creator.Creator
	Brand                       *brand.Brand
	Token, Name                 string
	AcceptTerms, AcceptDisclose bool
	Errors                      map[string]string
}

func (a *App) creatorInviteForm(c echo.Context) error {
	cr, b, err := a.creators.InviteByToken(c.Request().Context(), c.Param("token"))
	if errors.Is(err, creator.ErrTokenInvalid) {
		return echo.NewHTTPError(http.StatusNotFound, "This invite link is invalid, expired or already used. Ask the brand for a new one.")
	}
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "creator_invite", creatorInviteView{Page: a.page(c, "Join "+b.Name, ""), Creator: cr, Brand: b,
		Token: c.Param("token"), Name: cr.Name})
}

func (a *App) creatorInviteAccept(c echo.Context) error {
	if err := a.limitIP(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	token := c.Param("token")
	cr, b, err := a.creators.InviteByToken(ctx, token)
	if errors.Is(err, creator.ErrTokenInvalid) {
		return echo.NewHTTPError(http.StatusNotFound, "This invite link is invalid, expired or already used. Ask the brand for a new one.")
	}
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("terms_version"))
	v := creatorInviteView{Page: a.page(c, "Join "+b.Name, ""), Creator: cr, Brand: b, Token: token, Name: c.FormValue("name"),
		AcceptTerms: checked(c, "accept_terms"), AcceptDisclose: checked(c, "accept_disclosure")}
	joined, err := a.creators.AcceptInvite(ctx, token, v.Name, v.AcceptTerms, v.AcceptDisclose, version)
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		if b2, err := a.brands.Get(ctx, b.ID); err == nil {
			v.Brand = b2
		}
		v.Errors = ve.Map()
		return c.Render(http.StatusUnprocessableEntity, "creator_invite", v)
	case errors.Is(err, creator.ErrTokenInvalid):
		return echo.NewHTTPError(http.StatusNotFound, "This invite link is invalid, expired or already used. Ask the brand for a new one.")
	case err != nil:
		return err
	}
	if err := a.startPortal(c, joined); err != nil {
		return err
	}
	setFlash(c, flashOK, "Welcome to "+b.Name+"'s creator program!")
	return c.Redirect(http.StatusSeeOther, "/portal")
}
