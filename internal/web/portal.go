package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"
)

// PortalCookie holds a creator's portal session token.
const PortalCookie = "clout_portal"

const portalKey = "portal"

// portalContext is the creator a portal request is for: always the one the
// session names, never one from the URL or a form.
type portalContext struct {
	*creator.Portal
	BrandName string
	Programs  []creator.Membership
}

func currentPortal(c echo.Context) *portalContext {
	p, _ := c.Get(portalKey).(*portalContext)
	return p
}

func (a *App) portalRoutes(g *echo.Group) {
	pg := g.Group("/portal", a.loadPortal)
	pg.GET("/login", a.portalLoginForm)
	pg.POST("/login", a.portalLogin)
	pg.GET("/magic/:token", a.portalMagicForm)
	pg.POST("/magic/:token", a.portalMagic)
	in := pg.Group("", requirePortal)
	in.GET("", a.portalHome)
	in.GET("/links/:id/qr.png", a.portalQR)
	in.GET("/earnings", a.portalEarnings)
	in.GET("/payouts", a.portalPayouts)
	in.GET("/payouts/:item/statement.csv", a.portalPayoutStatement)
	in.POST("/payouts/stripe", a.portalStripeConnect)
	in.GET("/payouts/stripe/refresh", a.portalStripeRefreshLink)
	in.GET("/payouts/stripe/return", a.portalStripeReturn)
	in.POST("/payouts/stripe/status", a.portalStripeStatus)
	in.GET("/profile", a.portalProfileForm)
	in.POST("/profile", a.portalProfile)
	in.POST("/password", a.portalPassword)
	in.POST("/switch", a.portalSwitch)
	in.POST("/logout", a.portalLogout)
}

func (a *App) loadPortal(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(PortalCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		ctx := c.Request().Context()
		p, err := a.creators.VerifyPortal(ctx, ck.Value)
		if errors.Is(err, auth.ErrNoSession) {
			a.clearPortalCookie(c)
			return next(c)
		}
		if err != nil {
			return err
		}
		programs, err := a.creators.Memberships(ctx, p.Session.AccountID)
		if err != nil {
			return err
		}
		pc := &portalContext{Portal: p, Programs: programs}
		for _, m := range programs {
			if m.CreatorID == p.Creator.ID {
				pc.BrandName = m.BrandName
			}
		}
		c.Set(portalKey, pc)
		return next(c)
	}
}

func requirePortal(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentPortal(c) == nil {
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/portal/login")
			}
			setFlash(c, flashError, "Your portal session has ended. Log in again.")
			return c.Redirect(http.StatusSeeOther, "/portal/login")
		}
		return next(c)
	}
}

func (a *App) startPortal(c echo.Context, cr *creator.Creator) error {
	tok, sess, err := a.creators.StartSession(c.Request().Context(), cr)
	if err != nil {
		return err
	}
	a.setPortalCookie(c, tok, sess)
	return nil
}

func (a *App) setPortalCookie(c echo.Context, tok string, sess *creator.PortalSession) {
	c.SetCookie(&http.Cookie{Name: PortalCookie, Value: tok, Path: "/portal", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.cfg.SecureCookies(), Expires: sess.ExpiresAt})
}

func (a *App) clearPortalCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: PortalCookie, Value: "", Path: "/portal", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: a.cfg.SecureCookies()})
}

type portalLoginView struct {
	Page
	Email  string
	Sent   bool
	Error  string
	Errors map[string]string
}

func (a *App) portalLoginForm(c echo.Context) error {
	if currentPortal(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/portal")
	}
	return c.Render(http.StatusOK, "portal_login", portalLoginView{Page: a.page(c, "Creator portal", "")})
}

func (a *App) portalLogin(c echo.Context) error {
	v := portalLoginView{Page: a.page(c, "Creator portal", ""), Email: c.FormValue("email")}
	if ok, wait := a.ipLimiter.Allow("ip:" + c.RealIP()); !ok {
		return a.loginLimited(c, loginView{Page: v.Page, Email: v.Email}, wait)
	}
	ctx := c.Request().Context()
	// Per address too: nobody can flood a creator's inbox with login links
	// or guess at their password.
	if ok, wait := a.accountLimiter.Allow("creator:" + strings.ToLower(strings.TrimSpace(v.Email))); !ok {
		return a.loginLimited(c, loginView{Page: v.Page, Email: v.Email}, wait)
	}
	if pw := c.FormValue("password"); pw != "" {
		tok, sess, err := a.creators.LoginPassword(ctx, v.Email, pw)
		if err != nil {
			v.Error = "Wrong email or password, or no program you can enter. You can always log in with an email link instead."
			return c.Render(http.StatusUnauthorized, "portal_login", v)
		}
		a.setPortalCookie(c, tok, sess)
		return c.Redirect(http.StatusSeeOther, "/portal")
	}
	err := a.creators.RequestMagicLink(ctx, v.Email)
	var ve validate.Errors
	if errors.As(err, &ve) {
		v.Errors = ve.Map()
		return c.Render(http.StatusUnprocessableEntity, "portal_login", v)
	}
	if err != nil {
		return err
	}
	v.Sent = true
	return c.Render(http.StatusOK, "portal_login", v)
}

type portalMagicView struct {
	Page
	Token     string
	BrandName string
	Email     string
}

// portalMagicForm shows a button rather than logging in on GET: mail
// scanners that prefetch links must not spend the single-use token.
func (a *App) portalMagicForm(c echo.Context) error {
	cr, brandName, err := a.creators.MagicLinkInfo(c.Request().Context(), c.Param("token"))
	if errors.Is(err, creator.ErrTokenInvalid) {
		return echo.NewHTTPError(http.StatusNotFound, "This login link is invalid, expired or already used. Links work once, for 15 minutes: ask for a new one at /portal/login.")
	}
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "portal_magic", portalMagicView{Page: a.page(c, "Log in to "+brandName, ""), Token: c.Param("token"),
		BrandName: brandName, Email: cr.Email})
}

func (a *App) portalMagic(c echo.Context) error {
	tok, sess, err := a.creators.OpenMagicLink(c.Request().Context(), c.Param("token"))
	switch {
	case errors.Is(err, creator.ErrTokenInvalid):
		return echo.NewHTTPError(http.StatusNotFound, "This login link is invalid, expired or already used. Links work once, for 15 minutes: ask for a new one at /portal/login.")
	case errors.Is(err, creator.ErrNoPortalAccess):
		return echo.NewHTTPError(http.StatusForbidden, "This program's portal is closed to you ("+err.Error()+"). Contact the brand if you think this is a mistake.")
	case err != nil:
		return err
	}
	a.setPortalCookie(c, tok, sess)
	return c.Redirect(http.StatusSeeOther, "/portal")
}

type portalLink struct {
	link.WithStats
	ShortURL string
	Daily    []link.DailyClicks
	Bars     []bar
}

// bar is one day of a server-drawn SVG chart (no script, no inline style).
type bar struct {
	X, Y, H int
	Title   string
}

const chartHeight = 40

func bars(daily []link.DailyClicks) []bar {
	var peak int64
	for _, d := range daily {
		peak = max(peak, d.Clicks)
	}
	out := make([]bar, len(daily))
	for i, d := range daily {
		h := 1
		if peak > 0 {
			h = max(1, int(d.Clicks*chartHeight/peak))
		}
		out[i] = bar{X: i * 10, Y: chartHeight - h, H: h, Title: fmt.Sprintf("%s: %d", d.Day, d.Clicks)}
	}
	return out
}

type portalHomeView struct {
	Page
	Links []portalLink
	Codes []coupon.Code
	Days  []string
	// Balance is the creator's commission: pending, payable and paid.
	Balance *commission.Balance
}

// portalDays is how many days of clicks the portal charts.
const portalDays = 30

func (a *App) portalHome(c echo.Context) error {
	ctx := c.Request().Context()
	cr := currentPortal(c).Creator
	v := portalHomeView{Page: a.page(c, "Creator portal", "portal")}
	ls, err := a.links.ForCreator(ctx, cr.BrandID, cr.ID)
	if err != nil {
		return err
	}
	daily, days, err := a.links.Daily(ctx, cr.BrandID, cr.ID, portalDays)
	if err != nil {
		return err
	}
	v.Days = days
	for _, l := range ls {
		if l.Status == link.Archived {
			continue
		}
		pl := portalLink{WithStats: l, ShortURL: a.cfg.BaseURL + "/" + l.Slug, Daily: daily[l.ID]}
		if pl.Daily == nil {
			pl.Daily = make([]link.DailyClicks, len(days))
			for i := range days {
				pl.Daily[i].Day = days[i]
			}
		}
		pl.Bars = bars(pl.Daily)
		v.Links = append(v.Links, pl)
	}
	if v.Codes, err = a.codes.ForCreator(ctx, cr.BrandID, cr.ID); err != nil {
		return err
	}
	b, err := a.brands.Get(ctx, cr.BrandID)
	if err != nil {
		return err
	}
	if v.Balance, err = a.ledger.Balance(ctx, b, cr.ID); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "portal_home", v)
}

// portalQR draws a link's QR code. Only the session's creator's links: any
// other id is a 404.
func (a *App) portalQR(c echo.Context) error {
	cr := currentPortal(c).Creator
	l, err := a.links.Get(c.Request().Context(), cr.BrandID, c.Param("id"))
	if err != nil || l.CreatorID != cr.ID {
		return echo.ErrNotFound
	}
	png, err := qrcode.Encode(a.cfg.BaseURL+"/"+l.Slug, qrcode.Medium, 256)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=3600")
	return c.Blob(http.StatusOK, "image/png", png)
}

type portalProfileView struct {
	Page
	Name, Country, PayoutEmail string
	Handles                    []handleField
	Errors                     map[string]string
}

func (a *App) portalProfileForm(c echo.Context) error {
	cr := currentPortal(c).Creator
	return c.Render(http.StatusOK, "portal_profile", portalProfileView{Page: a.page(c, "Your profile", "portal-profile"),
		Name: cr.Name, Country: cr.Country, PayoutEmail: cr.PayoutEmail, Handles: handleFields(cr.Handles)})
}

func (a *App) portalProfile(c echo.Context) error {
	v := portalProfileView{Page: a.page(c, "Your profile", "portal-profile"), Name: c.FormValue("name"),
		Country: c.FormValue("country"), PayoutEmail: c.FormValue("payout_email")}
	fields, handles, errs := parseHandles(c)
	if len(errs) == 0 {
		_, err := a.creators.UpdateOwnProfile(c.Request().Context(), currentPortal(c).Portal,
			creator.OwnProfile{Name: &v.Name, Country: &v.Country, PayoutEmail: &v.PayoutEmail, Handles: handles})
		if !errors.As(err, &errs) && err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		v.Handles, v.Errors = withHandleErrors(fields, errs), errs.Map()
		return c.Render(http.StatusUnprocessableEntity, "portal_profile", v)
	}
	setFlash(c, flashOK, "Profile saved.")
	return c.Redirect(http.StatusSeeOther, "/portal/profile")
}

func (a *App) portalPassword(c echo.Context) error {
	err := a.creators.SetPassword(c.Request().Context(), currentPortal(c).Portal, c.FormValue("password"))
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		setFlash(c, flashError, "Password not set: "+ve.Map()["password"]+".")
	case err != nil:
		return err
	default:
		setFlash(c, flashOK, "Password set. You can now log in with it, to all your programs at once.")
	}
	return c.Redirect(http.StatusSeeOther, "/portal/profile")
}

func (a *App) portalSwitch(c echo.Context) error {
	err := a.creators.Switch(c.Request().Context(), currentPortal(c).Portal, c.FormValue("creator_id"))
	switch {
	case errors.Is(err, creator.ErrLinkSent):
		setFlash(c, flashOK, "We emailed you a login link for that program: open it to switch.")
	case errors.Is(err, creator.ErrNoPortalAccess):
		setFlash(c, flashError, err.Error()+".")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/portal")
}

func (a *App) portalLogout(c echo.Context) error {
	if err := a.creators.Logout(c.Request().Context(), currentPortal(c).Session.ID); err != nil {
		return err
	}
	a.clearPortalCookie(c)
	setFlash(c, flashOK, "You are logged out of the creator portal.")
	return c.Redirect(http.StatusSeeOther, "/portal/login")
}
