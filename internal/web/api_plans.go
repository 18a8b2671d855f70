package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// planJSON is the API's view of a commission plan: its current version's
// rules, every field present.
type planJSON struct {
	ID               string                 `json:"id"`
	Name             string                 `json:"name"`
	Version          int                    `json:"version"`
	VersionID        string                 `json:"version_id"`
	Default          bool                   `json:"default"`
	TierBasis        commission.TierBasis   `json:"tier_basis"`
	TierMode         commission.TierMode    `json:"tier_mode"`
	Tiers            []commission.Tier      `json:"tiers"`
	Overrides        []commission.Override  `json:"overrides"`
	MarginCapBps     int64                  `json:"margin_cap_bps"`
	MarginFloorBps   *int64                 `json:"margin_floor_bps"`
	PerOrderBonus    int64                  `json:"per_order_bonus"`
	Milestones       []commission.Milestone `json:"milestones"`
	NewCustomersOnly bool                   `json:"new_customers_only"`
	CreatedAt        time.Time              `json:"created_at"`
	UpdatedAt        time.Time              `json:"updated_at"`
}

func toPlanJSON(p *commission.NamedPlan) planJSON {
	r := p.Rules
	out := planJSON{ID: p.ID, Name: p.Name, Version: p.Version, VersionID: p.VersionID, Default: p.Default,
		TierBasis: r.TierBasis, TierMode: r.TierMode, Tiers: r.Tiers, Overrides: r.Overrides,
		MarginCapBps: r.MarginCapBps, MarginFloorBps: r.MarginFloorBps, PerOrderBonus: r.PerOrderBonus,
		Milestones: r.Milestones, NewCustomersOnly: r.NewCustomersOnly, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if out.Tiers == nil {
		out.Tiers = []commission.Tier{}
	}
	if out.Overrides == nil {
		out.Overrides = []commission.Override{}
	}
	if out.Milestones == nil {
		out.Milestones = []commission.Milestone{}
	}
	return out
}

// planInput is the body of POST and PATCH /api/v1/commission-plans. On
// PATCH, an absent field keeps its current value.
type planInput struct {
	Name             *string                 `json:"name"`
	TierBasis        *commission.TierBasis   `json:"tier_basis"`
	TierMode         *commission.TierMode    `json:"tier_mode"`
	Tiers            *[]commission.Tier      `json:"tiers"`
	Overrides        *[]commission.Override  `json:"overrides"`
	MarginCapBps     *int64                  `json:"margin_cap_bps"`
	MarginFloorBps   nullable.Value[int64]   `json:"margin_floor_bps"`
	PerOrderBonus    *int64                  `json:"per_order_bonus"`
	Milestones       *[]commission.Milestone `json:"milestones"`
	NewCustomersOnly *bool                   `json:"new_customers_only"`
}

// apply writes the rules fields given onto r; it reports whether any was.
func (in planInput) apply(r *commission.Plan) bool {
	set := false
	if in.TierBasis != nil {
		r.TierBasis, set = *in.TierBasis, true
	}
	if in.TierMode != nil {
		r.TierMode, set = *in.TierMode, true
	}
	if in.Tiers != nil {
		r.Tiers, set = *in.Tiers, true
	}
	if in.Overrides != nil {
		r.Overrides, set = *in.Overrides, true
		if len(r.Overrides) == 0 {
			r.Overrides = nil
		}
	}
	if in.MarginCapBps != nil {
		r.MarginCapBps, set = *in.MarginCapBps, true
	}
	if in.MarginFloorBps.Set {
		r.MarginFloorBps, set = in.MarginFloorBps.V, true
	}
	if in.PerOrderBonus != nil {
		r.PerOrderBonus, set = *in.PerOrderBonus, true
	}
	if in.Milestones != nil {
		r.Milestones, set = *in.Milestones, true
		if len(r.Milestones) == 0 {
			r.Milestones = nil
		}
	}
	if in.NewCustomersOnly != nil {
		r.NewCustomersOnly, set = *in.NewCustomersOnly, true
	}
	return set
}

func (a *App) apiPlansList(c echo.Context) error {
	plans, err := a.plans.List(c.Request().Context(), currentKey(c).BrandID)
	if err != nil {
		return err
	}
	out := make([]planJSON, len(plans))
	for i := range plans {
		out[i] = toPlanJSON(&plans[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

func (a *App) apiPlansCreate(c echo.Context) error {
	var in planInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var rules commission.Plan
	in.apply(&rules)
	name := ""
	if in.Name != nil {
		name = *in.Name
	}
	k := currentKey(c)
	p, err := a.plans.Create(c.Request().Context(), brand.KeyActor(k, c.RealIP()), k.BrandID, name, rules)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toPlanJSON(p))
}

func (a *App) apiPlansGet(c echo.Context) error {
	p, err := a.plans.Get(c.Request().Context(), currentKey(c).BrandID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPlanJSON(p))
}

func (a *App) apiPlansPatch(c echo.Context) error {
	var in planInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	k := currentKey(c)
	ctx := c.Request().Context()
	cur, err := a.plans.Get(ctx, k.BrandID, c.Param("id"))
	if err != nil {
		return err
	}
	var rules *commission.Plan
	r := cur.Rules
	if in.apply(&r) {
		rules = &r
	}
	if _, err := a.plans.Update(ctx, brand.KeyActor(k, c.RealIP()), k.BrandID, cur.ID, in.Name, rules); err != nil {
		return err
	}
	p, err := a.plans.Get(ctx, k.BrandID, cur.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPlanJSON(p))
}

// checkPlanRef checks a plan id given in a field (absent or null: nothing to
// check) and returns it, "" for null. An id that is not one of the brand's
// plans is a 422 naming the field.
func (a *App) checkPlanRef(ctx context.Context, brandID string, v nullable.Value[string], field string) (string, error) {
	if !v.Set || v.V == nil {
		return "", nil
	}
	if *v.V == "" {
		return "", validate.Errors{{Field: field, Message: "give a commission plan id, or null for none"}}
	}
	if _, err := a.plans.Get(ctx, brandID, *v.V); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", validate.Errors{{Field: field, Message: "no such commission plan in this brand"}}
		}
		return "", err
	}
	return *v.V, nil
}
