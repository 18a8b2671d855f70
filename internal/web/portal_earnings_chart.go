package web

import (
	"context"
	"errors"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/report"
	"github.com/labstack/echo/v4"
)

// The creator portal's earnings page, on top of its balance and entries:
// earnings over time, what is in a payout now, the next payout, and each
// link's performance over a period.

// portalEarningsPage is the earnings page: the balance and entries
// (portalEarningsView) and the period's insights.
type portalEarningsPage struct {
	portalEarningsView
	Range rangePicker
	// Insights is nil when reports are not available.
	Insights *portalInsights
	// NextPayout is the brand's next scheduled payout cut-off in its time
	// zone, or "" without a schedule. PayoutMinimum is the smallest payout
	// ("" when there is none).
	NextPayout    string
	PayoutMinimum string
	HoldDays      int
	InPayout      string
}

type portalInsights struct {
	Charts  []Chart
	Links   []linkPerfRow
	Clicks  int64
	Orders  int64
	Revenue string
	Earned  string
	EPC     string
}

// portalEarningsExtras fills the period's insights and the payout facts.
func (a *App) portalEarningsExtras(ctx context.Context, c echo.Context, b *brand.Brand, creatorID string, base portalEarningsView, now time.Time) (portalEarningsPage, error) {
	v := portalEarningsPage{portalEarningsView: base, HoldDays: b.HoldDays}
	r, picker := parseRange(c, b, now, "/portal/earnings")
	v.Range = picker
	if next := a.payouts.NextScheduled(b, now); next != nil {
		v.NextPayout = inZone(*next, brandLocation(b))
	}
	if b.PayoutMinimum > 0 {
		v.PayoutMinimum = fmtMoney(b.PayoutMinimum, b.Currency)
	}
	if base.Balance != nil {
		v.InPayout = fmtMoney(base.Balance.InPayout, base.Balance.Currency)
	}
	e, err := a.reportService().CreatorEarnings(ctx, b, creatorID, r)
	switch {
	case errors.Is(err, report.ErrNotYet):
		return v, nil
	case err != nil:
		return v, err
	}
	currency := e.Currency
	if currency == "" {
		currency = b.Currency
	}
	in := &portalInsights{Charts: dailyCharts("portal", e.Daily, currency, true), Clicks: e.Total.HumanClicks, Orders: e.Total.Orders,
		Revenue: fmtMoney(e.Total.Revenue, currency), Earned: fmtMoney(e.Total.Commission, currency),
		EPC: moneyIf(e.Total.EarningsPerClick, currency, e.Total.Defined.EarningsPerClick)}
	for _, l := range e.Links {
		in.Links = append(in.Links, linkPerf(l, currency))
	}
	v.Insights = in
	return v, nil
}
