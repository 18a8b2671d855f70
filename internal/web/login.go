package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/labstack/echo/v4"
)

type loginView struct {
	Page
	Email string
	Next  string
	Error string
}

func (a *App) loginForm(c echo.Context) error {
	if currentPrincipal(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/dashboard")
	}
	return c.Render(http.StatusOK, "login", loginView{Page: a.page(c, "Log in", ""), Next: c.QueryParam("next")})
}

func (a *App) login(c echo.Context) error {
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	v := loginView{Page: a.page(c, "Log in", ""), Email: email, Next: c.FormValue("next")}
	if ok, wait := a.ipLimiter.Allow("ip:" + c.RealIP()); !ok {
		return a.loginLimited(c, v, wait)
	}
	if ok, wait := a.accountLimiter.Allow("acct:" + email); !ok {
		return a.loginLimited(c, v, wait)
	}
	ctx := c.Request().Context()
	user, err := a.brands.Authenticate(ctx, email, c.FormValue("password"))
	if errors.Is(err, brand.ErrInvalidCredentials) {
		a.log.InfoContext(ctx, "login failed", "ip", c.RealIP())
		v.Error = "Wrong email or password."
		return c.Render(http.StatusUnauthorized, "login", v)
	}
	if err != nil {
		return err
	}
	brands, err := a.brands.Memberships(ctx, user.ID)
	if err != nil {
		return err
	}
	if len(brands) == 0 {
		v.Error = "Your account is not on any brand's team any more. Ask an owner to invite you again."
		return c.Render(http.StatusForbidden, "login", v)
	}
	a.accountLimiter.Reset("acct:" + email)
	if err := a.startSession(c, user.ID, brands[0].BrandID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, safeNext(v.Next))
}

// limitIP counts an attempt at a costly public form (sign-up, password
// reset, invite acceptance) against the client IP's login budget.
func (a *App) limitIP(c echo.Context) error {
	if ok, wait := a.ipLimiter.Allow("ip:" + c.RealIP()); !ok {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		return echo.NewHTTPError(http.StatusTooManyRequests,
			fmt.Sprintf("Too many attempts from your network. Try again in %d minute(s).", int(math.Ceil(wait.Minutes()))))
	}
	return nil
}

func (a *App) loginLimited(c echo.Context, v loginView, wait time.Duration) error {
	mins := int(math.Ceil(wait.Minutes()))
	c.Response().Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
	v.Error = fmt.Sprintf("Too many login attempts. Try again in %d minute(s), or reset your password.", mins)
	return c.Render(http.StatusTooManyRequests, "login", v)
}

func (a *App) logout(c echo.Context) error {
	if err := a.sessions.Revoke(c.Request().Context(), currentPrincipal(c).Session.ID); err != nil {
		return err
	}
	a.clearSessionCookie(c)
	setFlash(c, flashOK, "You are logged out.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (a *App) logoutEverywhere(c echo.Context) error {
	n, err := a.sessions.RevokeAll(c.Request().Context(), currentPrincipal(c).User.ID)
	if err != nil {
		return err
	}
	a.clearSessionCookie(c)
	setFlash(c, flashOK, fmt.Sprintf("You are logged out everywhere (%d session(s) ended).", n))
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (a *App) switchBrand(c echo.Context) error {
	p := currentPrincipal(c)
	target := c.FormValue("brand_id")
	// Only a brand the user belongs to; anything else is a 404, like any other tenant's object.
	if _, err := a.brands.Membership(c.Request().Context(), p.User.ID, target); err != nil {
		return err
	}
	if err := a.sessions.SwitchBrand(c.Request().Context(), p.Session.ID, target); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}
