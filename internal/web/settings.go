package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type settingsForm struct {
	Name, Currency, TimeZone, AllowedDomains, AttributionWindowDays, HoldDays, PayoutMinimum string
	ProgramIntro, ProgramTerms, AutoApproveMinAudience                                       string
	UTMCampaign, ClickParam                                                                  string
	AttributionPriority, CustomerLockDays                                                    string
	// DefaultMarginBps is in basis points; empty is none.
	DefaultMarginBps string
	// Payouts: a second approver, and the schedule that drafts batches.
	TwoPersonApproval bool
	PayoutSchedule    string
}

type settingsView struct {
	Page
	Form       settingsForm
	Errors     map[string]string
	Secrets    brand.SecretsSet
	Currencies []money.Currency
	TimeZones  []string
	BaseURL    string
}

func formFromBrand(b *brand.Brand) settingsForm {
	return settingsForm{Name: b.Name, Currency: b.Currency, TimeZone: b.TimeZone,
		AllowedDomains:        strings.Join(b.AllowedDomains, "\n"),
		AttributionWindowDays: strconv.Itoa(b.AttributionWindowDays), HoldDays: strconv.Itoa(b.HoldDays),
		PayoutMinimum: money.Amount{Minor: b.PayoutMinimum, Currency: b.Currency}.Decimal(),
		ProgramIntro:  b.ProgramIntro, ProgramTerms: b.ProgramTerms, AutoApproveMinAudience: strconv.FormatInt(b.AutoApproveMinAudience, 10),
		UTMCampaign: b.UTMCampaign, ClickParam: b.ClickParam,
		AttributionPriority: b.AttributionPriority, CustomerLockDays: strconv.Itoa(b.CustomerLockDays),
		DefaultMarginBps: optInt(b.DefaultMarginBps), TwoPersonApproval: b.TwoPersonApproval, PayoutSchedule: b.PayoutSchedule}
}

func optInt(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func (a *App) settingsView(c echo.Context, f settingsForm, errs validate.Errors) settingsView {
	p := currentPrincipal(c)
	m := errs.Map()
	// Problems with single domains (allowed_domains[2]) show under the one textarea.
	var domainErrs []string
	for _, e := range errs {
		if strings.HasPrefix(e.Field, "allowed_domains") {
			domainErrs = append(domainErrs, e.Message)
		}
	}
	if len(domainErrs) > 0 {
		m["allowed_domains"] = strings.Join(domainErrs, "; ")
	}
	return settingsView{Page: a.page(c, "Settings", "settings"), Form: f, Errors: m, Secrets: p.Brand.SecretsSet(),
		Currencies: money.Currencies(), TimeZones: commonTimeZones, BaseURL: a.cfg.BaseURL}
}

func (a *App) settingsForm(c echo.Context) error {
	return c.Render(http.StatusOK, "settings", a.settingsView(c, formFromBrand(currentPrincipal(c).Brand), nil))
}

func (a *App) settingsSave(c echo.Context) error {
	p := currentPrincipal(c)
	f := settingsForm{Name: c.FormValue("name"), Currency: c.FormValue("currency"), TimeZone: c.FormValue("time_zone"),
		AllowedDomains: c.FormValue("allowed_domains"), AttributionWindowDays: c.FormValue("attribution_window_days"),
		HoldDays: c.FormValue("hold_days"), PayoutMinimum: c.FormValue("payout_minimum"),
		ProgramIntro: c.FormValue("program_intro"), ProgramTerms: c.FormValue("program_terms"),
		AutoApproveMinAudience: c.FormValue("auto_approve_min_audience"),
		UTMCampaign:            c.FormValue("utm_campaign"), ClickParam: c.FormValue("click_param"),
		AttributionPriority: c.FormValue("attribution_priority"), CustomerLockDays: c.FormValue("customer_lock_days"),
		DefaultMarginBps: c.FormValue("default_margin_bps"), TwoPersonApproval: c.FormValue("two_person_approval") == "1",
		PayoutSchedule: c.FormValue("payout_schedule")}
	var errs validate.Errors
	patch := brand.SettingsPatch{Name: &f.Name, Currency: &f.Currency, TimeZone: &f.TimeZone}
	domains := strings.FieldsFunc(f.AllowedDomains, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' })
	patch.AllowedDomains = &domains
	patch.AttributionWindowDays = formInt(&errs, "attribution_window_days", f.AttributionWindowDays)
	patch.HoldDays = formInt(&errs, "hold_days", f.HoldDays)
	if f.AttributionPriority != "" {
		patch.AttributionPriority = &f.AttributionPriority
	}
	// An empty lock field means off.
	if strings.TrimSpace(f.CustomerLockDays) == "" {
		f.CustomerLockDays = "0"
	}
	patch.CustomerLockDays = formInt(&errs, "customer_lock_days", f.CustomerLockDays)
	// An empty default margin means none.
	if v := strings.TrimSpace(f.DefaultMarginBps); v == "" {
		patch.DefaultMarginBps = nullable.Null[int]()
	} else if n, err := strconv.Atoi(v); err != nil {
		errs.Add("default_margin_bps", "enter a whole number of basis points from 0 to 10000 (4000 = 40%%), or leave it empty for none")
	} else {
		patch.DefaultMarginBps = nullable.Of(n)
	}
	patch.ProgramIntro, patch.ProgramTerms = &f.ProgramIntro, &f.ProgramTerms
	patch.TwoPersonApproval = &f.TwoPersonApproval
	if f.PayoutSchedule != "" {
		patch.PayoutSchedule = &f.PayoutSchedule
	}
	patch.UTMCampaign, patch.ClickParam = &f.UTMCampaign, &f.ClickParam
	if v := strings.TrimSpace(strings.ReplaceAll(f.AutoApproveMinAudience, ",", "")); v == "" {
		var off int64
		patch.AutoApproveMinAudience = &off
	} else if n, err := strconv.ParseInt(v, 10, 64); err != nil {
		errs.Add("auto_approve_min_audience", "enter a whole number of followers, or 0 to review every application")
	} else {
		patch.AutoApproveMinAudience = &n
	}
	// The payout minimum is typed in the (new) currency's units, e.g. "50.00".
	if cur, err := money.LookupCurrency(f.Currency); err == nil {
		pm := strings.TrimSpace(f.PayoutMinimum)
		if pm == "" {
			pm = "0"
		}
		if minor, err := money.ParseMinor(pm, cur.Exponent); err != nil {
			errs.Add("payout_minimum", "enter an amount in %s such as %s", cur.Code, money.FormatMinor(5000*pow10(cur.Exponent)/100, cur.Exponent))
		} else {
			patch.PayoutMinimum = &minor
		}
	}
	for _, s := range []struct {
		field string
		dst   **string
	}{{"shopify_webhook_secret", &patch.ShopifyWebhookSecret}, {"stripe_webhook_secret", &patch.StripeWebhookSecret}, {"stripe_secret_key", &patch.StripeSecretKey},
		{"stripe_connect_webhook_secret", &patch.StripeConnectWebhookSecret}} {
		// Blank keeps the stored secret; the "clear" box removes it.
		if v := strings.TrimSpace(c.FormValue(s.field)); v != "" {
			*s.dst = &v
		} else if c.FormValue(s.field+"_clear") == "1" {
			empty := ""
			*s.dst = &empty
		}
	}
	if len(errs) == 0 {
		_, err := a.brands.UpdateSettings(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, patch)
		if ve, ok := err.(validate.Errors); ok {
			errs = ve
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return c.Render(http.StatusUnprocessableEntity, "settings", a.settingsView(c, f, errs))
	}
	setFlash(c, flashOK, "Settings saved.")
	return c.Redirect(http.StatusSeeOther, "/settings")
}

func formInt(errs *validate.Errors, field, raw string) *int {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil {
		errs.Add(field, "enter a whole number of days")
		return nil
	}
	return &n
}

func pow10(n int) int64 {
	p := int64(1)
	for i := 0; i < n; i++ {
		p *= 10
	}
	return p
}
