package web

import (
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/labstack/echo/v4"
)

type apiKeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func toKeyJSON(k *brand.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

func (a *App) apiKeysList(c echo.Context) error {
	keys, err := a.brands.APIKeys(c.Request().Context(), currentKey(c).BrandID)
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, len(keys))
	for i := range keys {
		out[i] = toKeyJSON(&keys[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

func (a *App) apiKeysGet(c echo.Context) error {
	k, err := a.brands.APIKey(c.Request().Context(), currentKey(c).BrandID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toKeyJSON(k))
}
