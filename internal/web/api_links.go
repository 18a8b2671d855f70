package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/link"
	"github.com/labstack/echo/v4"
)

type linkJSON struct {
	ID          string      `json:"id"`
	CreatorID   string      `json:"creator_id"`
	Slug        string      `json:"slug"`
	ShortURL    string      `json:"short_url"`
	Destination string      `json:"destination"`
	Label       string      `json:"label"`
	Status      link.Status `json:"status"`
	UTMSource   *string     `json:"utm_source"`
	UTMMedium   *string     `json:"utm_medium"`
	UTMCampaign *string     `json:"utm_campaign"`
	UTMContent  *string     `json:"utm_content"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	Stats       *link.Stats `json:"stats,omitempty"`
}

func (a *App) toLinkJSON(l *link.Link) linkJSON {
	return linkJSON{ID: l.ID, CreatorID: l.CreatorID, Slug: l.Slug, ShortURL: a.cfg.BaseURL + "/" + l.Slug,
		Destination: l.Destination, Label: l.Label, Status: l.Status, UTMSource: l.UTMSource, UTMMedium: l.UTMMedium,
		UTMCampaign: l.UTMCampaign, UTMContent: l.UTMContent, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

// linkErr maps link errors the classifier does not know.
func linkErr(err error) error {
	switch {
	case errors.Is(err, link.ErrSlugTaken):
		return apiErr(http.StatusConflict, "conflict", "%s: choose another slug", err.Error())
	case errors.Is(err, link.ErrArchived):
		return apiErr(http.StatusConflict, "conflict", "%s", err.Error())
	}
	return err
}

func (a *App) apiLinksCreate(c echo.Context) error {
	var in struct {
		Destination string  `json:"destination"`
		Slug        string  `json:"slug"`
		Label       string  `json:"label"`
		UTMSource   *string `json:"utm_source"`
		UTMMedium   *string `json:"utm_medium"`
		UTMCampaign *string `json:"utm_campaign"`
		UTMContent  *string `json:"utm_content"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	l, err := a.links.Create(c.Request().Context(), currentKey(c).BrandID, c.Param("id"), link.Input{Destination: in.Destination,
		Slug: in.Slug, Label: in.Label, UTMSource: in.UTMSource, UTMMedium: in.UTMMedium, UTMCampaign: in.UTMCampaign, UTMContent: in.UTMContent})
	if err != nil {
		return linkErr(err)
	}
	return c.JSON(http.StatusCreated, a.toLinkJSON(l))
}

func (a *App) apiLinksList(c echo.Context) error {
	k := currentKey(c)
	if _, err := a.creators.Get(c.Request().Context(), k.BrandID, c.Param("id")); err != nil {
		return err
	}
	ls, err := a.links.ForCreator(c.Request().Context(), k.BrandID, c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]linkJSON, len(ls))
	for i := range ls {
		out[i] = a.toLinkJSON(&ls[i].Link)
		out[i].Stats = &ls[i].Stats
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

func (a *App) apiLinksPatch(c echo.Context) error {
	var in struct {
		Destination *string      `json:"destination"`
		Label       *string      `json:"label"`
		Status      *link.Status `json:"status"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	l, err := a.links.Update(c.Request().Context(), currentKey(c).BrandID, c.Param("id"),
		link.Patch{Destination: in.Destination, Label: in.Label, Status: in.Status})
	if err != nil {
		return linkErr(err)
	}
	return c.JSON(http.StatusOK, a.toLinkJSON(l))
}

func (a *App) apiLinksStats(c echo.Context) error {
	st, err := a.links.Stats(c.Request().Context(), currentKey(c).BrandID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
