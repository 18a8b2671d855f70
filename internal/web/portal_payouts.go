package web

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/labstack/echo/v4"
)

// portalStripe is the Stripe section of the portal's payouts page.
type portalStripe struct {
	// Available: the brand pays through Stripe (it has a Stripe key).
	Available bool
	AccountID string
	Ready     bool
	CheckedAt string
}

// portalPayout is one payout in the creator's history, with the entries it
// pays.
type portalPayout struct {
	payout.CreatorPayout
	Amount      string
	When        string
	StatusLabel string
	Destination string
	Rows        []entryRow
}

type portalPayoutsView struct {
	Page
	Balance *commission.Balance
	// NextScheduled is the brand's next scheduled payout cut-off, or "".
	NextScheduled string
	Schedule      string
	Minimum       string
	PayoutEmail   string
	Stripe        portalStripe
	Payouts       []portalPayout
	Zone          string
}

var payoutScheduleLabels = map[string]string{
	brand.ScheduleWeekly: "weekly", brand.ScheduleTwiceMonthly: "twice a month (1st and 16th)", brand.ScheduleMonthly: "monthly",
}

// payoutStatusLabels say where a payout stands, for the creator.
var payoutStatusLabels = map[string]string{
	payout.ItemPending: "on its way", payout.ItemFailed: "delayed (the brand is retrying)",
	payout.ItemSent: "sent to your Stripe account", payout.ItemPaid: "paid", payout.ItemCancelled: "cancelled",
}

// portalPayouts shows the session's creator how they get paid, what is
// coming and what was paid. Only theirs: the creator comes from the session.
func (a *App) portalPayouts(c echo.Context) error {
	ctx := c.Request().Context()
	cr := currentPortal(c).Creator
	b, err := a.brands.Get(ctx, cr.BrandID)
	if err != nil {
		return err
	}
	loc := brandLocation(b)
	v := portalPayoutsView{Page: a.page(c, "Your payouts", "portal-payouts"), Zone: loc.String(), PayoutEmail: cr.PayoutEmail,
		Schedule: payoutScheduleLabels[b.PayoutSchedule]}
	if b.PayoutMinimum > 0 {
		v.Minimum = money.Amount{Minor: b.PayoutMinimum, Currency: b.Currency}.String()
	}
	v.Stripe = portalStripe{Available: b.SecretsSet().StripeSecretKey, Ready: cr.StripePayoutsEnabled}
	if cr.StripeAccountID != nil {
		v.Stripe.AccountID = *cr.StripeAccountID
	}
	if cr.StripeCheckedAt != nil {
		v.Stripe.CheckedAt = inZone(*cr.StripeCheckedAt, loc)
	}
	if v.Balance, err = a.ledger.Balance(ctx, b, cr.ID); err != nil {
		return err
	}
	if next := a.payouts.NextScheduled(b, time.Now()); next != nil {
		v.NextScheduled = inZone(*next, loc)
	}
	ps, err := a.payouts.CreatorPayouts(ctx, b.ID, cr.ID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		pp := portalPayout{CreatorPayout: p, Amount: money.Amount{Minor: p.Amount, Currency: p.Currency}.String(),
			When: inZone(p.CreatedAt, loc), StatusLabel: payoutStatusLabels[p.Status]}
		if p.PaidAt != nil {
			pp.When = inZone(*p.PaidAt, loc)
		}
		switch p.Method {
		case payout.MethodStripe:
			pp.Destination = "Stripe account " + p.Destination
		default:
			pp.Destination = "by hand to " + p.Destination
		}
		es, err := a.payouts.ItemEntries(ctx, b.ID, p.BatchID, p.ID)
		if err != nil {
			return err
		}
		if pp.Rows, err = a.entryRows(ctx, b.ID, es, loc, nil); err != nil {
			return err
		}
		v.Payouts = append(v.Payouts, pp)
	}
	return c.Render(http.StatusOK, "portal_payouts", v)
}

// portalPayoutStatement downloads the CSV statement of one of the session's
// creator's payouts; anyone else's item is a 404.
func (a *App) portalPayoutStatement(c echo.Context) error {
	cr := currentPortal(c).Creator
	var buf bytes.Buffer
	err := a.payouts.Statement(c.Request().Context(), cr.BrandID, cr.ID, c.Param("item"), &buf)
	if errors.Is(err, store.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="payout-statement-`+c.Param("item")+`.csv"`)
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
