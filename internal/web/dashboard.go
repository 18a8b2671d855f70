package web

import (
	"net/http"

	"github.com/cloutapp/clout/internal/creator"

	"github.com/labstack/echo/v4"
)

type dashboardView struct {
	Page
	Members      int
	ActiveKeys   int
	HasDomains   bool
	SetupDone    bool
	Creators     int64
	ActiveCount  int64
	Applications int64
}

// dashboard is the brand's home: the set-up checklist until it is done, the
// program's creators, and (as later issues land) clicks, orders and commission.
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
	counts, err := a.creators.CountByStatus(ctx, p.Brand.ID)
	if err != nil {
		return err
	}
	v := dashboardView{Page: a.page(c, "Dashboard", "dashboard"), Members: len(members), ActiveKeys: active,
		HasDomains: len(p.Brand.AllowedDomains) > 0, ActiveCount: counts[creator.Active], Applications: counts[creator.Applied]}
	for _, n := range counts {
		v.Creators += n
	}
	v.SetupDone = v.HasDomains && v.ActiveKeys > 0 && v.Members > 1
	return c.Render(http.StatusOK, "dashboard", v)
}

type accountView struct {
	Page
}

func (a *App) account(c echo.Context) error {
	return c.Render(http.StatusOK, "account", accountView{Page: a.page(c, "Your account", "account")})
}
