package web

import (
	"context"
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/labstack/echo/v4"
)

// brandJSON is the API's view of a brand. Secrets appear only as set or not.
type brandJSON struct {
	ID                    string           `json:"id"`
	Name                  string           `json:"name"`
	Slug                  string           `json:"slug"`
	Currency              string           `json:"currency"`
	CurrencyExponent      int              `json:"currency_exponent"`
	TimeZone              string           `json:"time_zone"`
	AllowedDomains        []string         `json:"allowed_domains"`
	AttributionWindowDays int              `json:"attribution_window_days"`
	HoldDays              int              `json:"hold_days"`
	PayoutMinimum         int64            `json:"payout_minimum"`
	SecretsSet            brand.SecretsSet `json:"secrets_set"`
	ProgramIntro          string           `json:"program_intro"`
	ProgramTerms          string           `json:"program_terms"`
	TermsVersion          int              `json:"terms_version"`
	AutoApproveMin        int64            `json:"auto_approve_min_audience"`
	UTMCampaign           string           `json:"utm_campaign"`
	ClickParam            string           `json:"click_param"`
	AttributionPriority   string           `json:"attribution_priority"`
	CustomerLockDays      int              `json:"customer_lock_days"`
	DefaultMarginBps      *int             `json:"default_margin_bps"`
	// TwoPersonApproval: payout batches need a second approver.
	TwoPersonApproval bool `json:"two_person_approval"`
	// PayoutSchedule drafts payout batches: none, weekly, twice_monthly, monthly.
	PayoutSchedule string `json:"payout_schedule"`
	// DefaultCommissionPlanID is the plan of every creator without their own.
	DefaultCommissionPlanID *string   `json:"default_commission_plan_id"`
	CreatedAt               time.Time `json:"created_at"`
	UpdatedAt               time.Time `json:"updated_at"`
}

func toBrandJSON(b *brand.Brand) brandJSON {
	cur, _ := money.LookupCurrency(b.Currency)
	domains := b.AllowedDomains
	if domains == nil {
		domains = []string{}
	}
	return brandJSON{ID: b.ID, Name: b.Name, Slug: b.Slug, Currency: b.Currency, CurrencyExponent: cur.Exponent,
		TimeZone: b.TimeZone, AllowedDomains: domains, AttributionWindowDays: b.AttributionWindowDays,
		HoldDays: b.HoldDays, PayoutMinimum: b.PayoutMinimum, SecretsSet: b.SecretsSet(),
		ProgramIntro: b.ProgramIntro, ProgramTerms: b.ProgramTerms, TermsVersion: b.TermsVersion, AutoApproveMin: b.AutoApproveMinAudience,
		UTMCampaign: b.UTMCampaign, ClickParam: b.ClickParam,
		AttributionPriority: b.AttributionPriority, CustomerLockDays: b.CustomerLockDays,
		DefaultMarginBps: b.DefaultMarginBps, TwoPersonApproval: b.TwoPersonApproval, PayoutSchedule: b.PayoutSchedule,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

// brandJSON is toBrandJSON with the brand's default commission plan.
func (a *App) brandJSON(ctx context.Context, b *brand.Brand) (brandJSON, error) {
	out := toBrandJSON(b)
	def, err := a.plans.DefaultID(ctx, b.ID)
	if err != nil {
		return out, err
	}
	if def != "" {
		out.DefaultCommissionPlanID = &def
	}
	return out, nil
}

func (a *App) apiBrandGet(c echo.Context) error {
	b, err := a.brands.Get(c.Request().Context(), currentKey(c).BrandID)
	if err != nil {
		return err
	}
	out, err := a.brandJSON(c.Request().Context(), b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// brandPatchInput is the body of PATCH /api/v1/brand: the settings, and the
// default commission plan (an id, or null for none).
type brandPatchInput struct {
	brand.SettingsPatch
	DefaultCommissionPlanID nullable.Value[string] `json:"default_commission_plan_id"`
}

func (a *App) apiBrandPatch(c echo.Context) error {
	var in brandPatchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	k := currentKey(c)
	ctx := c.Request().Context()
	actor := brand.KeyActor(k, c.RealIP())
	// The plan is checked first, so that an unknown plan changes nothing.
	planID, err := a.checkPlanRef(ctx, k.BrandID, in.DefaultCommissionPlanID, "default_commission_plan_id")
	if err != nil {
		return err
	}
	b, err := a.brands.UpdateSettings(ctx, actor, k.BrandID, in.SettingsPatch)
	if err != nil {
		return err
	}
	if in.DefaultCommissionPlanID.Set {
		if err := a.plans.SetDefault(ctx, actor, k.BrandID, planID); err != nil {
			return err
		}
	}
	out, err := a.brandJSON(ctx, b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
