package web

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

const flashCookie = "clout_flash"

type flashKind string

const (
	flashOK    flashKind = "ok"
	flashError flashKind = "error"
)

// flash is a one-time message shown on the next page.
type flash struct {
	Kind    flashKind
	Message string
}

func setFlash(c echo.Context, kind flashKind, msg string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(string(kind) + "|" + msg)),
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60, Secure: c.Scheme() == "https"})
}

func takeFlash(c echo.Context) *flash {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Scheme() == "https"})
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(raw), "|")
	if !ok || (kind != string(flashOK) && kind != string(flashError)) {
		return nil
	}
	return &flash{Kind: flashKind(kind), Message: msg}
}
