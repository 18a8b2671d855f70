package web

import (
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type signupForm struct {
	BrandName, Name, Email, Currency, TimeZone string
}

type signupView struct {
	Page
	Form       signupForm
	Errors     map[string]string
	Currencies []money.Currency
	TimeZones  []string
}

func (a *App) signupView(c echo.Context, f signupForm, errs validate.Errors) signupView {
	return signupView{Page: a.page(c, "Create your brand", ""), Form: f, Errors: errs.Map(),
		Currencies: money.Currencies(), TimeZones: commonTimeZones}
}

func (a *App) signupForm(c echo.Context) error {
	if currentPrincipal(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/dashboard")
	}
	return c.Render(http.StatusOK, "signup", a.signupView(c, signupForm{Currency: "USD", TimeZone: "UTC"}, nil))
}

func (a *App) signup(c echo.Context) error {
	if err := a.limitIP(c); err != nil {
		return err
	}
	f := signupForm{BrandName: c.FormValue("brand_name"), Name: c.FormValue("name"), Email: c.FormValue("email"),
		Currency: c.FormValue("currency"), TimeZone: c.FormValue("time_zone")}
	created, err := a.brands.CreateBrand(c.Request().Context(), brand.NewBrand{Name: f.BrandName, OwnerName: f.Name,
		OwnerEmail: f.Email, Password: c.FormValue("password"), Currency: f.Currency, TimeZone: f.TimeZone},
		brand.Actor{IP: c.RealIP()})
	if errs, ok := err.(validate.Errors); ok {
		// The form's brand name field is brand_name.
		for i := range errs {
			if errs[i].Field == "name" {
				errs[i].Field = "brand_name"
			}
		}
		return c.Render(http.StatusUnprocessableEntity, "signup", a.signupView(c, f, errs))
	}
	if err != nil {
		return err
	}
	if err := a.startSession(c, created.Owner.ID, created.Brand.ID); err != nil {
		return err
	}
	setFlash(c, flashOK, "Welcome to Clout! Your brand "+created.Brand.Name+" is ready.")
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}

// commonTimeZones are offered in the time zone pickers; any IANA name is accepted.
var commonTimeZones = []string{
	"UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
	"America/Mexico_City", "America/Sao_Paulo", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin",
	"Europe/Madrid", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Europe/Istanbul", "Africa/Lagos",
	"Africa/Johannesburg", "Asia/Dubai", "Asia/Kuwait", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai",
	"Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Pacific/Auckland",
}
