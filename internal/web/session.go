package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// startSession logs a user in to a brand and sets the session cookie.
func (a *App) startSession(c echo.Context, userID, brandID string) error {
	tok, sess, err := a.sessions.Create(c.Request().Context(), userID, brandID, c.RealIP(), c.Request().UserAgent())
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.cfg.SecureCookies(), Expires: sess.ExpiresAt})
	return nil
}

func (a *App) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: a.cfg.SecureCookies()})
}
