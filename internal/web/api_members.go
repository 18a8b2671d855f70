package web

import (
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/labstack/echo/v4"
)

type memberJSON struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Email     string     `json:"email"`
	Name      string     `json:"name"`
	Role      brand.Role `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
}

func toMemberJSON(m *brand.Member) memberJSON {
	return memberJSON{ID: m.ID, UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, CreatedAt: m.CreatedAt}
}

func (a *App) apiMembersList(c echo.Context) error {
	ms, err := a.brands.Members(c.Request().Context(), currentKey(c).BrandID)
	if err != nil {
		return err
	}
	out := make([]memberJSON, len(ms))
	for i := range ms {
		out[i] = toMemberJSON(&ms[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

func (a *App) apiMembersGet(c echo.Context) error {
	m, err := a.brands.Member(c.Request().Context(), currentKey(c).BrandID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMemberJSON(m))
}
