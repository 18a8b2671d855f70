package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// explain turns an expected refusal into a sentence for a flash message, or
// returns nil when err is not one (the caller then returns it).
func explain(err error) (string, bool) {
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		return ve.Error(), true
	case errors.Is(err, link.ErrSlugTaken), errors.Is(err, link.ErrArchived), errors.Is(err, coupon.ErrCodeTaken),
		errors.Is(err, coupon.ErrStripe), errors.Is(err, creator.ErrIllegalTransition):
		return err.Error(), true
	}
	return "", false
}

func (a *App) backToCreator(c echo.Context, id, okMsg string, err error) error {
	if err != nil {
		msg, ok := explain(err)
		if !ok {
			return err
		}
		setFlash(c, flashError, "Not saved: "+msg+".")
	} else {
		setFlash(c, flashOK, okMsg)
	}
	return c.Redirect(http.StatusSeeOther, "/creators/"+url.PathEscape(id))
}

func (a *App) creatorLinkCreate(c echo.Context) error {
	p := currentPrincipal(c)
	l, err := a.links.Create(c.Request().Context(), p.Brand.ID, c.Param("id"), link.Input{Destination: c.FormValue("destination"),
		Slug: c.FormValue("slug"), Label: c.FormValue("label")})
	if errors.Is(err, creator.ErrNotFound) {
		return err
	}
	msg := ""
	if l != nil {
		msg = "Link " + a.cfg.BaseURL + "/" + l.Slug + " created."
	}
	return a.backToCreator(c, c.Param("id"), msg, err)
}

func (a *App) creatorLinkStatus(c echo.Context) error {
	p := currentPrincipal(c)
	status := link.Status(c.FormValue("status"))
	l, err := a.links.Get(c.Request().Context(), p.Brand.ID, c.Param("link"))
	if err != nil {
		return err
	}
	if l.CreatorID != c.Param("id") {
		return echo.ErrNotFound
	}
	_, err = a.links.Update(c.Request().Context(), p.Brand.ID, l.ID, link.Patch{Status: &status})
	return a.backToCreator(c, c.Param("id"), fmt.Sprintf("Link /%s is now %s.", l.Slug, status), err)
}

// parseDiscount reads a discount typed in a form: a percentage such as "15"
// or "12.5" (stored in basis points) or an amount in the brand's currency.
func parseDiscount(kind, value, currency string) (int64, error) {
	value = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "%"))
	exp := 2 // percent to basis points
	if kind == coupon.Amount {
		cur, err := money.LookupCurrency(currency)
		if err != nil {
			return 0, err
		}
		exp = cur.Exponent
	}
	v, err := money.ParseMinor(value, exp)
	if err != nil {
		return 0, validate.Errors{{Field: "discount_value", Message: "enter a number such as 15 (percent) or 10.00 (amount)"}}
	}
	return v, nil
}

func (a *App) creatorCodeCreate(c echo.Context) error {
	p := currentPrincipal(c)
	kind := c.FormValue("discount_type")
	value, err := parseDiscount(kind, c.FormValue("discount_value"), p.Brand.Currency)
	var code *coupon.Code
	if err == nil {
		code, err = a.codes.Create(c.Request().Context(), p.Brand.ID, c.Param("id"), coupon.Input{Code: c.FormValue("code"),
			DiscountType: kind, DiscountValue: value})
		if errors.Is(err, coupon.ErrNotFound) && code == nil {
			if _, gerr := a.creators.Get(c.Request().Context(), p.Brand.ID, c.Param("id")); gerr != nil {
				return gerr
			}
		}
	}
	msg := ""
	if code != nil {
		msg = "Code " + code.Code + " (" + code.Discount() + ") created."
	}
	return a.backToCreator(c, c.Param("id"), msg, err)
}

// creatorsIssue gives every active creator who has none a link to the
// destination and a code with the discount.
func (a *App) creatorsIssue(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	dest, kind := c.FormValue("destination"), c.FormValue("discount_type")
	value, err := parseDiscount(kind, c.FormValue("discount_value"), p.Brand.Currency)
	if err != nil {
		msg, _ := explain(err)
		setFlash(c, flashError, "Nothing issued: "+msg+".")
		return c.Redirect(http.StatusSeeOther, "/creators")
	}
	if _, err := link.CheckDestination(strings.TrimSpace(dest), p.Brand.AllowedDomains); err != nil {
		setFlash(c, flashError, "Nothing issued: "+err.Error()+".")
		return c.Redirect(http.StatusSeeOther, "/creators")
	}
	res, err := a.issueAll(ctx, p, dest, coupon.Input{DiscountType: kind, DiscountValue: value})
	if err != nil {
		return err
	}
	setFlash(c, flashOK, res)
	return c.Redirect(http.StatusSeeOther, "/creators")
}

func (a *App) issueAll(ctx context.Context, p *principal, dest string, code coupon.Input) (string, error) {
	links, codes, failed := 0, 0, 0
	withLinks, err := a.links.CreatorsWithLinks(ctx, p.Brand.ID)
	if err != nil {
		return "", err
	}
	withCodes, err := a.codes.CreatorsWithCodes(ctx, p.Brand.ID)
	if err != nil {
		return "", err
	}
	cursor := ""
	for {
		page, err := a.creators.List(ctx, p.Brand.ID, creator.ListQuery{Status: creator.Active, Sort: creator.SortOldest, Cursor: cursor, Limit: creator.MaxLimit, NoTotal: true})
		if err != nil {
			return "", err
		}
		for _, cr := range page.Creators {
			if !withLinks[cr.ID] {
				if _, err := a.links.Create(ctx, p.Brand.ID, cr.ID, link.Input{Destination: dest, Label: "Main link"}); err != nil {
					failed++
				} else {
					links++
				}
			}
			if !withCodes[cr.ID] {
				if _, err := a.codes.Create(ctx, p.Brand.ID, cr.ID, code); err != nil {
					failed++
				} else {
					codes++
				}
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	msg := fmt.Sprintf("Issued %d link(s) and %d code(s) to active creators who had none.", links, codes)
	if failed > 0 {
		msg += fmt.Sprintf(" %d could not be issued; see each creator's page.", failed)
	}
	return msg, nil
}
