package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type dashboardView struct {
	Page
	Members     int
	ActiveKeys  int
	HasDomains  bool
	SetupDone   bool
	Currency    string
	PayoutMin   string
	SecretsSetN int
}

// dashboard is the brand's home. Until creators, links and orders exist it
// shows the set-up checklist.
func (a *App) dashboard(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	members, err := a.brands.Members(ctx, p.Brand.ID)
	if err != nil {
		return err
	}
	keys, err := a.brands.APIKeys(ctx, p.Brand.ID)
	if err != nil {
		return err
	}
	active := 0
	for _, k := range keys {
		if k.RevokedAt == nil {
			active++
		}
	}
	v := dashboardView{Page: a.page(c, "Dashboard", "dashboard"), Members: len(members), ActiveKeys: active,
		HasDomains: len(p.Brand.AllowedDomains) > 0}
	v.SetupDone = v.HasDomains && v.ActiveKeys > 0 && v.Members > 1
	return c.Render(http.StatusOK, "dashboard", v)
}

type accountView struct {
	Page
}

func (a *App) account(c echo.Context) error {
	return c.Render(http.StatusOK, "account", accountView{Page: a.page(c, "Your account", "account")})
}
