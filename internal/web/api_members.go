package web

import (
	"net/http"
	"strconv"
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

type auditJSON struct {
	ID         string         `json:"id"`
	ActorType  string         `json:"actor_type"`
	ActorID    string         `json:"actor_id"`
	ActorLabel string         `json:"actor_label"`
	Action     string         `json:"action"`
	Details    map[string]any `json:"details"`
	IP         string         `json:"ip"`
	CreatedAt  time.Time      `json:"created_at"`
}

func (a *App) apiAuditLog(c echo.Context) error {
	limit, offset := 50, 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return apiErr(http.StatusBadRequest, "bad_request", "limit must be a whole number from 1 to 200")
		}
		limit = n
	}
	if v := c.QueryParam("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return apiErr(http.StatusBadRequest, "bad_request", "offset must be a whole number, 0 or more")
		}
		offset = n
	}
	es, err := a.brands.AuditLog(c.Request().Context(), currentKey(c).BrandID, limit, offset)
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(es))
	for i, e := range es {
		out[i] = auditJSON{ID: e.ID, ActorType: e.ActorType, ActorID: e.ActorID, ActorLabel: e.ActorLabel,
			Action: e.Action, Details: e.Details, IP: e.IP, CreatedAt: e.CreatedAt}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}
