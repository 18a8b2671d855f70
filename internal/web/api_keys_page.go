package web

import (
	"errors"
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type apiKeysView struct {
	Page
	Keys    []brand.APIKey
	NewKey  string
	NewName string
	Name    string
	Errors  map[string]string
}

func (a *App) apiKeysView(c echo.Context) (apiKeysView, error) {
	keys, err := a.brands.APIKeys(c.Request().Context(), currentPrincipal(c).Brand.ID)
	return apiKeysView{Page: a.page(c, "API keys", "api-keys"), Keys: keys}, err
}

func (a *App) apiKeys(c echo.Context) error {
	v, err := a.apiKeysView(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "api_keys", v)
}

func (a *App) apiKeyCreate(c echo.Context) error {
	p := currentPrincipal(c)
	key, plain, err := a.brands.CreateAPIKey(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, c.FormValue("name"))
	var ve validate.Errors
	if errors.As(err, &ve) {
		v, verr := a.apiKeysView(c)
		if verr != nil {
			return verr
		}
		v.Name, v.Errors = c.FormValue("name"), ve.Map()
		return c.Render(http.StatusUnprocessableEntity, "api_keys", v)
	}
	if err != nil {
		return err
	}
	v, err := a.apiKeysView(c)
	if err != nil {
		return err
	}
	// Shown this once; only its hash is stored.
	v.NewKey, v.NewName = plain, key.Name
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Render(http.StatusCreated, "api_keys", v)
}

func (a *App) apiKeyRevoke(c echo.Context) error {
	p := currentPrincipal(c)
	k, err := a.brands.RevokeAPIKey(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	setFlash(c, flashOK, "API key "+k.Name+" revoked. Calls using it now get 401.")
	return c.Redirect(http.StatusSeeOther, "/settings/api-keys")
}
