package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type handleJSON struct {
	Handle       string `json:"handle"`
	AudienceSize int64  `json:"audience_size"`
}

type creatorJSON struct {
	ID               string                `json:"id"`
	Name             string                `json:"name"`
	Email            string                `json:"email"`
	Status           creator.Status        `json:"status"`
	Source           string                `json:"source"`
	Handles          map[string]handleJSON `json:"handles"`
	TotalAudience    int64                 `json:"total_audience"`
	Niche            string                `json:"niche"`
	Country          string                `json:"country"`
	Pitch            string                `json:"pitch"`
	Notes            string                `json:"notes"`
	Tags             []string              `json:"tags"`
	PayoutEmail      string                `json:"payout_email"`
	CommissionPlanID *string               `json:"commission_plan_id"`
	TermsVersion     *int                  `json:"terms_version"`
	TermsAcceptedAt  *time.Time            `json:"terms_accepted_at"`
	// StripeAccountID is the creator's Stripe Connect account, or null;
	// StripePayoutsEnabled says whether it can receive transfers.
	StripeAccountID      *string   `json:"stripe_account_id"`
	StripePayoutsEnabled bool      `json:"stripe_payouts_enabled"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
	// InviteURL is present once, in the response that invites the creator.
	InviteURL string `json:"invite_url,omitempty"`
}

func toCreatorJSON(c *creator.Creator) creatorJSON {
	hs := make(map[string]handleJSON, len(c.Handles))
	for _, h := range c.Handles {
		hs[string(h.Platform)] = handleJSON{Handle: h.Handle, AudienceSize: h.AudienceSize}
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return creatorJSON{ID: c.ID, Name: c.Name, Email: c.Email, Status: c.Status, Source: c.Source, Handles: hs,
		TotalAudience: c.TotalAudience, Niche: c.Niche, Country: c.Country, Pitch: c.Pitch, Notes: c.Notes, Tags: tags,
		PayoutEmail: c.PayoutEmail, CommissionPlanID: c.CommissionPlanID, TermsVersion: c.TermsVersion,
		TermsAcceptedAt: c.TermsAcceptedAt, StripeAccountID: c.StripeAccountID, StripePayoutsEnabled: c.StripePayoutsEnabled,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// creatorInput is the body of POST and PATCH /api/v1/creators.
type creatorInput struct {
	Name        *string                                  `json:"name"`
	Email       *string                                  `json:"email"`
	Handles     map[creator.Platform]creator.HandleInput `json:"handles"`
	Niche       *string                                  `json:"niche"`
	Country     *string                                  `json:"country"`
	Pitch       *string                                  `json:"pitch"`
	Notes       *string                                  `json:"notes"`
	Tags        *[]string                                `json:"tags"`
	PayoutEmail *string                                  `json:"payout_email"`
	Status      *creator.Status                          `json:"status"`
	Reason      string                                   `json:"reason"`
}

func (in creatorInput) profile() creator.Profile {
	return creator.Profile{Name: in.Name, Email: in.Email, Handles: in.Handles, Niche: in.Niche, Country: in.Country,
		Pitch: in.Pitch, Notes: in.Notes, Tags: in.Tags, PayoutEmail: in.PayoutEmail}
}

func (a *App) apiCreatorsCreate(c echo.Context) error {
	var in creatorInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	k := currentKey(c)
	status := creator.Active
	if in.Status != nil {
		status = *in.Status
	}
	cr, link, err := a.creators.New(c.Request().Context(), brand.KeyActor(k, c.RealIP()), k.BrandID, in.profile(), status)
	if err != nil {
		return err
	}
	out := toCreatorJSON(cr)
	out.InviteURL = link
	return c.JSON(http.StatusCreated, out)
}

func (a *App) apiCreatorsGet(c echo.Context) error {
	cr, err := a.creators.Get(c.Request().Context(), currentKey(c).BrandID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCreatorJSON(cr))
}

// creatorPatchInput is the body of PATCH /api/v1/creators/{id}: the profile
// and status fields, and the creator's own commission plan (an id, or null
// for the brand's default).
type creatorPatchInput struct {
	creatorInput
	CommissionPlanID nullable.Value[string] `json:"commission_plan_id"`
}

func (a *App) apiCreatorsPatch(c echo.Context) error {
	var in creatorPatchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	k := currentKey(c)
	ctx := c.Request().Context()
	actor := brand.KeyActor(k, c.RealIP())
	planID, err := a.checkPlanRef(ctx, k.BrandID, in.CommissionPlanID, "commission_plan_id")
	if err != nil {
		return err
	}
	cr, err := a.creators.Update(ctx, actor, k.BrandID, c.Param("id"), in.profile(), in.Status, in.Reason)
	if err != nil {
		return err
	}
	if in.CommissionPlanID.Set {
		if err := a.plans.SetCreatorPlan(ctx, actor, k.BrandID, cr.ID, planID); err != nil {
			return err
		}
		if cr, err = a.creators.Get(ctx, k.BrandID, cr.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, toCreatorJSON(cr))
}

func (a *App) apiCreatorsList(c echo.Context) error {
	q := listQuery(c)
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return apiErr(http.StatusBadRequest, "bad_request", "limit must be a whole number from 1 to %d", creator.MaxLimit)
		}
		q.Limit = n
	}
	// The total is counted on the first page only; a walk through later
	// pages does not pay for it again.
	q.NoTotal = q.Cursor != ""
	page, err := a.creators.List(c.Request().Context(), currentKey(c).BrandID, q)
	var ve validate.Errors
	if errors.As(err, &ve) {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: ve.Error(), Fields: ve}
	}
	if err != nil {
		return err
	}
	out := make([]creatorJSON, len(page.Creators))
	for i := range page.Creators {
		out[i] = toCreatorJSON(&page.Creators[i])
	}
	var next *string
	if page.Next != "" {
		next = &page.Next
	}
	var total *int64
	if page.Total >= 0 {
		total = &page.Total
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out, "next_cursor": next, "total": total})
}
