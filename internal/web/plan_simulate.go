package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// The plan simulator prices the brand's real orders of some months under a
// draft plan (the editor's form, not saved) and under the plans that priced
// them, per creator. The recompute preview is the same comparison for one
// saved plan's current rules on one month, before Ledger.Recompute moves the
// month's creators onto that version. Both read only; amounts are minor
// units and rates basis points, formatted with integer arithmetic.

// simRow is one creator's line (or the total) as the page shows it.
type simRow struct {
	CreatorID string
	Name      string
	Revenue   string
	Margin    string
	Current   string
	Draft     string
	Diff      string
	DiffSign  int // -1, 0 or 1: the draft costs less, the same or more
	// Effective rates of revenue and of gross margin, "12.34%", or "—"
	// when the base is zero or negative.
	CurrentOfRevenue, CurrentOfMargin string
	DraftOfRevenue, DraftOfMargin     string
}

// hiddenField carries the draft as typed from the result page to another
// simulation.
type hiddenField struct{ Name, Value string }

type planSimulateView struct {
	Page
	// Recompute: the page is the recompute preview of PlanID at Month.
	Recompute bool
	PlanID    string
	PlanName  string
	Version   int
	From, To  string
	Month     string
	Range     string // the months, for people: "2026-03" or "2026-01 to 2026-03"
	Currency  string
	Rows      []simRow
	Total     simRow
	// Ran: a simulation ran (the months were valid).
	Ran    bool
	Errors map[string]string
	Hidden []hiddenField
	Zone   string
	// Changes: some creator's commission would change.
	Changes bool
}

// ratePercent writes basis points as a percentage with two decimals:
// 1234 → "12.34%".
func ratePercent(commissionMinor, base int64) string {
	if base <= 0 {
		return "—"
	}
	return money.FormatMinor(commission.RateBps(commissionMinor, base), 2) + "%"
}

func toSimRow(l commission.SimLine, exp int) simRow {
	d := l.Draft - l.Current
	r := simRow{CreatorID: l.CreatorID, Name: l.Name, Revenue: groupedMinor(l.Revenue, exp), Margin: groupedMinor(l.Margin, exp),
		Current: groupedMinor(l.Current, exp), Draft: groupedMinor(l.Draft, exp), Diff: groupedMinor(d, exp),
		CurrentOfRevenue: ratePercent(l.Current, l.Revenue), CurrentOfMargin: ratePercent(l.Current, l.Margin),
		DraftOfRevenue: ratePercent(l.Draft, l.Revenue), DraftOfMargin: ratePercent(l.Draft, l.Margin)}
	switch {
	case d > 0:
		r.DiffSign, r.Diff = 1, "+"+r.Diff
	case d < 0:
		r.DiffSign = -1
	}
	return r
}

// fill puts a simulation into the view.
func (v *planSimulateView) fill(sim *commission.Simulation, exp int) {
	v.Ran = true
	v.Currency = sim.Currency
	v.Range = sim.Months[0]
	if n := len(sim.Months); n > 1 {
		v.Range += " to " + sim.Months[n-1]
	}
	for _, l := range sim.Creators {
		v.Rows = append(v.Rows, toSimRow(l, exp))
		if l.Draft != l.Current {
			v.Changes = true
		}
	}
	v.Total = toSimRow(sim.Total, exp)
}

// lastMonth is the calendar month before now in the brand's time zone.
func lastMonth(b *brand.Brand, now time.Time) string {
	t := now.In(commission.Location(b))
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location()).AddDate(0, -1, 0).Format("2006-01")
}

// draftFields are the posted editor fields, to simulate the same draft again.
func draftFields(c echo.Context) []hiddenField {
	params, _ := c.FormParams()
	var out []hiddenField
	for _, name := range []string{"plan_id", "name", "tier_basis", "tier_mode", "tier_from", "tier_rate", "override_kind",
		"override_key", "override_rate", "margin_cap", "margin_floor", "per_order_bonus", "milestone_threshold",
		"milestone_bonus", "new_customers_only"} {
		for _, v := range params[name] {
			out = append(out, hiddenField{Name: name, Value: v})
		}
	}
	return out
}

// planSimulate prices the editor's draft on the months from..to. An invalid
// draft shows the editor again with its errors; invalid months are shown on
// the simulation page. Both are 422s.
func (a *App) planSimulate(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	exp := brandExponent(p.Brand)
	var cur *commission.NamedPlan
	if id := strings.TrimSpace(c.FormValue("plan_id")); id != "" {
		np, err := a.plans.Get(ctx, p.Brand.ID, id)
		if err != nil {
			return err
		}
		cur = np
	}
	f, rules, errs := readPlanForm(c, exp)
	if len(errs) > 0 {
		v := planEditView{Page: a.page(c, "New commission plan", "commission-plans"), Form: f, Summary: tierSummary(rules, exp)}
		if cur != nil {
			v.Page.Title, v.ID, v.Version, v.Default = cur.Name, cur.ID, cur.Version, cur.Default
		}
		return a.renderPlanEdit(c, http.StatusUnprocessableEntity, v, errs)
	}

	name := strings.TrimSpace(f.Name)
	if name == "" {
		name = "Draft plan"
	}
	v := planSimulateView{Page: a.page(c, "Simulate "+name, "commission-plans"), PlanName: name, Hidden: draftFields(c),
		From: strings.TrimSpace(c.FormValue("from")), To: strings.TrimSpace(c.FormValue("to")),
		Currency: p.Brand.Currency, Zone: commission.Location(p.Brand).String()}
	if cur != nil {
		v.PlanID, v.Version = cur.ID, cur.Version
	}
	if v.From == "" {
		v.From = lastMonth(p.Brand, store.Now())
	}
	if v.To == "" {
		v.To = v.From
	}
	months, err := commission.Months(v.From, v.To)
	if err == nil {
		var sim *commission.Simulation
		if sim, err = a.ledger.Simulate(ctx, p.Brand, rules, months); err == nil {
			v.fill(sim, exp)
			return c.Render(http.StatusOK, "plan_simulate", v)
		}
	}
	ve, ok := err.(validate.Errors)
	if !ok {
		return err
	}
	v.Errors = ve.Map()
	return c.Render(http.StatusUnprocessableEntity, "plan_simulate", v)
}

// recomputeView is the preview of recomputing plan id's month: the plan's
// current rules against the versions that priced the month, for the
// creators the plan prices.
func (a *App) recomputeView(c echo.Context, month string) (planSimulateView, int, error) {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	np, err := a.plans.Get(ctx, p.Brand.ID, c.Param("id"))
	if err != nil {
		return planSimulateView{}, 0, err
	}
	v := planSimulateView{Page: a.page(c, "Recompute "+np.Name, "commission-plans"), Recompute: true, PlanID: np.ID,
		PlanName: np.Name, Version: np.Version, Month: month, From: month, To: month, Currency: p.Brand.Currency,
		Zone: commission.Location(p.Brand).String()}
	months, err := commission.Months(month, month)
	if err != nil {
		ve, ok := err.(validate.Errors)
		if !ok {
			return v, 0, err
		}
		// One month field: the messages of from and to are the same.
		v.Errors = map[string]string{"month": ve[0].Message}
		return v, http.StatusUnprocessableEntity, nil
	}
	sim, err := a.ledger.Simulate(ctx, p.Brand, np.Rules, months)
	if err != nil {
		return v, 0, err
	}
	if sim.Creators, err = a.pricedBy(ctx, p.Brand, np, month, sim.Creators); err != nil {
		return v, 0, err
	}
	sim.Total = commission.SimLine{Name: "Total"}
	for _, l := range sim.Creators {
		sim.Total.Revenue += l.Revenue
		sim.Total.Margin += l.Margin
		sim.Total.Current += l.Current
		sim.Total.Draft += l.Draft
	}
	v.fill(sim, brandExponent(p.Brand))
	return v, http.StatusOK, nil
}

// pricedBy keeps the lines of the creators whose month Recompute would
// move: those priced under an older version of plan np.
func (a *App) pricedBy(ctx context.Context, b *brand.Brand, np *commission.NamedPlan, month string, lines []commission.SimLine) ([]commission.SimLine, error) {
	moves, err := a.ledger.RecomputeCreators(ctx, b, np.ID, month)
	if err != nil {
		return nil, err
	}
	out := lines[:0]
	for _, l := range lines {
		if moves[l.CreatorID] {
			out = append(out, l)
		}
	}
	return out, nil
}

// planRecomputePreview shows what recomputing a month under the plan's
// current version would change, with the button that does it.
func (a *App) planRecomputePreview(c echo.Context) error {
	month := strings.TrimSpace(c.QueryParam("month"))
	if month == "" {
		month = lastMonth(currentPrincipal(c).Brand, store.Now())
	}
	v, status, err := a.recomputeView(c, month)
	if err != nil {
		return err
	}
	return c.Render(status, "plan_simulate", v)
}

// planRecompute moves the month's creator-months priced under older versions
// of the plan to its current version; the differences become new entries.
func (a *App) planRecompute(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	month := strings.TrimSpace(c.FormValue("month"))
	np, err := a.plans.Get(ctx, p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	n, err := a.ledger.Recompute(ctx, brand.UserActor(p.User, c.RealIP()), p.Brand, np.ID, month)
	if _, ok := err.(validate.Errors); ok {
		v, status, verr := a.recomputeView(c, month)
		if verr != nil {
			return verr
		}
		return c.Render(status, "plan_simulate", v)
	}
	if err != nil {
		return err
	}
	noun := "creator-months"
	if n == 1 {
		noun = "creator-month"
	}
	setFlash(c, flashOK, fmt.Sprintf("Recomputed %d %s of %s under version %d: the differences were added to the ledger.", n, noun, month, np.Version))
	return c.Redirect(http.StatusSeeOther, "/commissions")
}
