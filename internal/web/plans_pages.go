package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// The plan editor's form is typed by people: rates as percentages ("12.5"),
// amounts in the brand currency's major units ("1000.00"), and counts as
// whole numbers. They are turned into basis points and minor units exactly,
// with money.ParseMinor: no float anywhere. Errors are keyed like the API's
// fields ("tiers[1].from"), where the index is the row's position in the
// form (blank rows included), so that the page and plan_editor.js can put a
// message beside the input it is about.

// planRow is one row of the list of plans.
type planRow struct {
	ID      string
	Name    string
	Version int
	Default bool
	Summary string
}

type plansView struct {
	Page
	Rows []planRow
}

// tierRow, overrideRow and milestoneRow are editor rows as typed, with the
// errors of their fields.
type tierRow struct {
	Index            int
	From, Rate       string
	FromErr, RateErr string
}

type overrideRow struct {
	Index           int
	Kind            string // "sku" or "category"
	Key, Rate       string
	KeyErr, RateErr string
}

type milestoneRow struct {
	Index                  int
	Threshold, Bonus       string
	ThresholdErr, BonusErr string
}

// planForm is the editor's form as typed.
type planForm struct {
	Name, TierBasis, TierMode string
	Tiers                     []tierRow
	Overrides                 []overrideRow
	Cap, Floor, PerOrderBonus string
	Milestones                []milestoneRow
	NewCustomersOnly          bool
}

type planEditView struct {
	Page
	ID       string // "" for a new plan
	Version  int
	Default  bool
	Form     planForm
	Errors   map[string]string
	Summary  string
	Currency string
	Exponent int
	Action   string
}

// NextVersion is the version a saved change of rules creates.
func (v planEditView) NextVersion() int { return v.Version + 1 }

// rowsTo pads rows with blank ones up to at least min, and at least extra
// more than given.
func padTiers(rows []tierRow, min, extra int) []tierRow {
	n := max(len(rows)+extra, min)
	for len(rows) < n {
		rows = append(rows, tierRow{})
	}
	for i := range rows {
		rows[i].Index = i
	}
	return rows
}

func padOverrides(rows []overrideRow, min, extra int) []overrideRow {
	n := max(len(rows)+extra, min)
	for len(rows) < n {
		rows = append(rows, overrideRow{Kind: "sku"})
	}
	for i := range rows {
		rows[i].Index = i
	}
	return rows
}

func padMilestones(rows []milestoneRow, min, extra int) []milestoneRow {
	n := max(len(rows)+extra, min)
	for len(rows) < n {
		rows = append(rows, milestoneRow{})
	}
	for i := range rows {
		rows[i].Index = i
	}
	return rows
}

// percent writes basis points as a percentage without trailing zeros:
// 1250 → "12.5".
func percent(bps int64) string {
	s := money.FormatMinor(bps, 2)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// groupedMinor writes minor units with thousands separators: "1,000.00".
func groupedMinor(minor int64, exp int) string {
	s := money.FormatMinor(minor, exp)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasDot := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if hasDot {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// tierSummary describes a plan's tiers: "10% from 0.00, 15% from 1,000.00".
func tierSummary(r commission.Plan, exp int) string {
	parts := make([]string, 0, len(r.Tiers))
	for _, t := range r.Tiers {
		if r.TierBasis == commission.BasisOrders {
			parts = append(parts, fmt.Sprintf("%s%% from order %d", percent(t.RateBps), max(t.From, 1)))
		} else {
			parts = append(parts, fmt.Sprintf("%s%% from %s", percent(t.RateBps), groupedMinor(t.From, exp)))
		}
	}
	s := strings.Join(parts, ", ")
	if r.TierMode == commission.ModeRetroactive && len(r.Tiers) > 1 {
		s += " (retroactive)"
	}
	return s
}

func brandExponent(b *brand.Brand) int {
	cur, _ := money.LookupCurrency(b.Currency)
	return cur.Exponent
}

func (a *App) planList(c echo.Context) error {
	p := currentPrincipal(c)
	plans, err := a.plans.List(c.Request().Context(), p.Brand.ID)
	if err != nil {
		return err
	}
	exp := brandExponent(p.Brand)
	v := plansView{Page: a.page(c, "Commission plans", "commission-plans")}
	for _, pl := range plans {
		v.Rows = append(v.Rows, planRow{ID: pl.ID, Name: pl.Name, Version: pl.Version, Default: pl.Default,
			Summary: tierSummary(pl.Rules, exp)})
	}
	return c.Render(http.StatusOK, "plans", v)
}

// formFromPlan fills the editor from stored rules.
func formFromPlan(name string, r commission.Plan, exp int) planForm {
	f := planForm{Name: name, TierBasis: string(r.TierBasis), TierMode: string(r.TierMode),
		Cap: percent(r.MarginCapBps), NewCustomersOnly: r.NewCustomersOnly}
	count := r.TierBasis == commission.BasisOrders
	threshold := func(n int64) string {
		if count {
			return strconv.FormatInt(n, 10)
		}
		return money.FormatMinor(n, exp)
	}
	for _, t := range r.Tiers {
		f.Tiers = append(f.Tiers, tierRow{From: threshold(t.From), Rate: percent(t.RateBps)})
	}
	for _, o := range r.Overrides {
		row := overrideRow{Kind: "sku", Key: o.SKU, Rate: percent(o.RateBps)}
		if o.SKU == "" {
			row.Kind, row.Key = "category", o.Category
		}
		f.Overrides = append(f.Overrides, row)
	}
	if r.MarginFloorBps != nil {
		f.Floor = percent(*r.MarginFloorBps)
	}
	if r.PerOrderBonus != 0 {
		f.PerOrderBonus = money.FormatMinor(r.PerOrderBonus, exp)
	}
	for _, m := range r.Milestones {
		f.Milestones = append(f.Milestones, milestoneRow{Threshold: threshold(m.Threshold), Bonus: money.FormatMinor(m.Bonus, exp)})
	}
	return f
}

// readPlanForm reads the posted editor: the form as typed (every row, blank
// ones included, in the order of the page) and the rules it describes. The
// errors are the ones of typing (a rate that is not a percentage); the
// rules are valid only once Validate also passes.
func readPlanForm(c echo.Context, exp int) (planForm, commission.Plan, validate.Errors) {
	params, _ := c.FormParams()
	at := func(name string, i int) string {
		if vs := params[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	f := planForm{Name: params.Get("name"), TierBasis: params.Get("tier_basis"), TierMode: params.Get("tier_mode"),
		Cap: strings.TrimSpace(params.Get("margin_cap")), Floor: strings.TrimSpace(params.Get("margin_floor")),
		PerOrderBonus: strings.TrimSpace(params.Get("per_order_bonus")), NewCustomersOnly: params.Get("new_customers_only") != ""}
	r := commission.Plan{TierBasis: commission.TierBasis(f.TierBasis), TierMode: commission.TierMode(f.TierMode),
		NewCustomersOnly: f.NewCustomersOnly}
	var errs validate.Errors
	// idx maps the index of a rule (blank rows skipped) to its row in the form.
	idx := map[string][]int{}

	rate := func(field, s string) int64 {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
		bps, err := money.ParseMinor(s, 2)
		if err != nil {
			errs.Add(field, "enter a percentage such as 12.5 (at most 2 decimal places)")
		}
		return bps
	}
	amount := func(field, s string) int64 {
		minor, err := money.ParseMinor(s, exp)
		if err != nil {
			errs.Add(field, "enter an amount such as %s", money.FormatMinor(100000, exp))
		}
		return minor
	}
	count := func(field, s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			errs.Add(field, "enter a whole number of orders")
		}
		return n
	}
	threshold := amount
	if r.TierBasis == commission.BasisOrders {
		threshold = count
	}

	for i := 0; i < max(len(params["tier_from"]), len(params["tier_rate"])); i++ {
		row := tierRow{From: at("tier_from", i), Rate: at("tier_rate", i)}
		f.Tiers = append(f.Tiers, row)
		if row.From == "" && row.Rate == "" {
			continue
		}
		p := fmt.Sprintf("tiers[%d]", i)
		var t commission.Tier
		if row.From == "" && len(r.Tiers) == 0 {
			t.From = 0 // the first tier starts from 0 unless told otherwise
		} else {
			t.From = threshold(p+".from", row.From)
		}
		t.RateBps = rate(p+".rate_bps", row.Rate)
		idx["tiers"] = append(idx["tiers"], i)
		r.Tiers = append(r.Tiers, t)
	}
	for i := 0; i < max(len(params["override_key"]), len(params["override_rate"])); i++ {
		row := overrideRow{Kind: at("override_kind", i), Key: at("override_key", i), Rate: at("override_rate", i)}
		if row.Kind != "category" {
			row.Kind = "sku"
		}
		f.Overrides = append(f.Overrides, row)
		if row.Key == "" && row.Rate == "" {
			continue
		}
		o := commission.Override{RateBps: rate(fmt.Sprintf("overrides[%d].rate_bps", i), row.Rate)}
		if row.Kind == "category" {
			o.Category = row.Key
		} else {
			o.SKU = row.Key
		}
		idx["overrides"] = append(idx["overrides"], i)
		r.Overrides = append(r.Overrides, o)
	}
	for i := 0; i < max(len(params["milestone_threshold"]), len(params["milestone_bonus"])); i++ {
		row := milestoneRow{Threshold: at("milestone_threshold", i), Bonus: at("milestone_bonus", i)}
		f.Milestones = append(f.Milestones, row)
		if row.Threshold == "" && row.Bonus == "" {
			continue
		}
		p := fmt.Sprintf("milestones[%d]", i)
		m := commission.Milestone{Threshold: threshold(p+".threshold", row.Threshold), Bonus: amount(p+".bonus", row.Bonus)}
		idx["milestones"] = append(idx["milestones"], i)
		r.Milestones = append(r.Milestones, m)
	}
	if f.Cap == "" {
		errs.Add("margin_cap_bps", "enter the most of a line's gross margin commission may take, e.g. 50 (100 for the whole margin)")
	} else {
		r.MarginCapBps = rate("margin_cap_bps", f.Cap)
	}
	if f.Floor != "" {
		fl := rate("margin_floor_bps", f.Floor)
		r.MarginFloorBps = &fl
	}
	if f.PerOrderBonus != "" {
		r.PerOrderBonus = amount("per_order_bonus", f.PerOrderBonus)
	}

	// The rules' own errors, moved onto the rows of the form and worded in
	// the form's units; a field that already has a typing error keeps it.
	typed := errs.Map()
	for _, e := range r.Validate() {
		field := rowField(e.Field, idx)
		if _, dup := typed[field]; dup {
			continue
		}
		errs = append(errs, validate.FieldError{Field: field, Message: formMessage(e.Field, e.Message, r.TierBasis, exp)})
	}
	return f, r, errs
}

var ruleIndex = regexp.MustCompile(`^(tiers|overrides|milestones)\[(\d+)\](.*)$`)

// rowField turns "tiers[1].from" (the second tier given) into the field of
// its row in the form.
func rowField(field string, idx map[string][]int) string {
	m := ruleIndex.FindStringSubmatch(field)
	if m == nil {
		return field
	}
	i, _ := strconv.Atoi(m[2])
	if rows := idx[m[1]]; i < len(rows) {
		i = rows[i]
	}
	return fmt.Sprintf("%s[%d]%s", m[1], i, m[3])
}

var bpsRange = regexp.MustCompile(`between (\d+) and 10000 basis points`)
var inParens = regexp.MustCompile(`\(([^()\d]*)(-?\d+)\)`)

// formMessage words a plan error in the form's units: percentages and
// amounts instead of basis points and minor units.
func formMessage(field, msg string, basis commission.TierBasis, exp int) string {
	msg = bpsRange.ReplaceAllStringFunc(msg, func(s string) string {
		lo, _ := strconv.ParseInt(bpsRange.FindStringSubmatch(s)[1], 10, 64)
		return "between " + percent(lo) + "% and 100%"
	})
	msg = strings.ReplaceAll(msg, "(10000: commission never above the margin)", "(100: commission never above the margin)")
	switch {
	case strings.HasSuffix(field, ".rate_bps"):
		msg = inParens.ReplaceAllStringFunc(msg, func(s string) string {
			m := inParens.FindStringSubmatch(s)
			n, _ := strconv.ParseInt(m[2], 10, 64)
			return "(" + m[1] + percent(n) + "%)"
		})
	case basis != commission.BasisOrders && (strings.HasSuffix(field, ".from") || strings.HasSuffix(field, ".threshold")):
		msg = inParens.ReplaceAllStringFunc(msg, func(s string) string {
			m := inParens.FindStringSubmatch(s)
			n, _ := strconv.ParseInt(m[2], 10, 64)
			return "(" + m[1] + groupedMinor(n, exp) + ")"
		})
	}
	return msg
}

// withErrors puts the errors on the rows and pads the rows for typing.
func (f planForm) withErrors(em map[string]string) planForm {
	for i := range f.Tiers {
		f.Tiers[i].FromErr = em[fmt.Sprintf("tiers[%d].from", i)]
		f.Tiers[i].RateErr = em[fmt.Sprintf("tiers[%d].rate_bps", i)]
	}
	for i := range f.Overrides {
		p := fmt.Sprintf("overrides[%d]", i)
		f.Overrides[i].KeyErr = em[p+".sku"] + em[p+".category"]
		f.Overrides[i].RateErr = em[p+".rate_bps"]
	}
	for i := range f.Milestones {
		p := fmt.Sprintf("milestones[%d]", i)
		f.Milestones[i].ThresholdErr = em[p+".threshold"]
		f.Milestones[i].BonusErr = em[p+".bonus"]
	}
	f.Tiers = padTiers(f.Tiers, 5, 2)
	f.Overrides = padOverrides(f.Overrides, 3, 1)
	f.Milestones = padMilestones(f.Milestones, 3, 1)
	return f
}

func (a *App) renderPlanEdit(c echo.Context, status int, v planEditView, errs validate.Errors) error {
	p := currentPrincipal(c)
	v.Currency, v.Exponent = p.Brand.Currency, brandExponent(p.Brand)
	v.Errors = errs.Map()
	v.Form = v.Form.withErrors(v.Errors)
	v.Action = "/commission-plans/new"
	if v.ID != "" {
		v.Action = "/commission-plans/" + v.ID
	}
	return c.Render(status, "plan_edit", v)
}

func (a *App) planNewForm(c echo.Context) error {
	f := planForm{TierBasis: string(commission.BasisRevenue), TierMode: string(commission.ModeMarginal), Cap: "50",
		Tiers: []tierRow{{From: money.FormatMinor(0, brandExponent(currentPrincipal(c).Brand))}}}
	return a.renderPlanEdit(c, http.StatusOK, planEditView{Page: a.page(c, "New commission plan", "commission-plans"), Form: f}, nil)
}

func (a *App) planCreate(c echo.Context) error {
	p := currentPrincipal(c)
	f, rules, errs := readPlanForm(c, brandExponent(p.Brand))
	v := planEditView{Page: a.page(c, "New commission plan", "commission-plans"), Form: f}
	if len(errs) == 0 {
		np, err := a.plans.Create(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, f.Name, rules)
		if ve, ok := err.(validate.Errors); ok {
			errs = ve
		} else if err != nil {
			return err
		} else {
			setFlash(c, flashOK, "Plan "+np.Name+" saved as version 1.")
			return c.Redirect(http.StatusSeeOther, "/commission-plans/"+np.ID)
		}
	}
	v.Summary = tierSummary(rules, brandExponent(p.Brand))
	return a.renderPlanEdit(c, http.StatusUnprocessableEntity, v, errs)
}

func (a *App) planEditForm(c echo.Context) error {
	p := currentPrincipal(c)
	np, err := a.plans.Get(c.Request().Context(), p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	exp := brandExponent(p.Brand)
	v := planEditView{Page: a.page(c, np.Name, "commission-plans"), ID: np.ID, Version: np.Version, Default: np.Default,
		Form: formFromPlan(np.Name, np.Rules, exp), Summary: tierSummary(np.Rules, exp)}
	return a.renderPlanEdit(c, http.StatusOK, v, nil)
}

func (a *App) planSave(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	cur, err := a.plans.Get(ctx, p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	exp := brandExponent(p.Brand)
	f, rules, errs := readPlanForm(c, exp)
	if len(errs) == 0 {
		name := f.Name
		np, err := a.plans.Update(ctx, brand.UserActor(p.User, c.RealIP()), p.Brand.ID, cur.ID, &name, &rules)
		if ve, ok := err.(validate.Errors); ok {
			errs = ve
		} else if err != nil {
			return err
		} else {
			if np.Version != cur.Version {
				setFlash(c, flashOK, fmt.Sprintf("Plan %s saved as version %d. Orders already priced keep version %d.", np.Name, np.Version, cur.Version))
			} else {
				setFlash(c, flashOK, "Plan "+np.Name+" saved; its rules did not change, so it stays at version "+strconv.Itoa(np.Version)+".")
			}
			return c.Redirect(http.StatusSeeOther, "/commission-plans/"+np.ID)
		}
	}
	v := planEditView{Page: a.page(c, cur.Name, "commission-plans"), ID: cur.ID, Version: cur.Version, Default: cur.Default,
		Form: f, Summary: tierSummary(rules, exp)}
	return a.renderPlanEdit(c, http.StatusUnprocessableEntity, v, errs)
}

func (a *App) planMakeDefault(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	np, err := a.plans.Get(ctx, p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	if err := a.plans.SetDefault(ctx, brand.UserActor(p.User, c.RealIP()), p.Brand.ID, np.ID); err != nil {
		return err
	}
	setFlash(c, flashOK, "Plan "+np.Name+" is now the default: it prices the orders of every creator without a plan of their own.")
	return c.Redirect(http.StatusSeeOther, "/commission-plans")
}

// planCheckJSON is the answer of the live validation.
type planCheckJSON struct {
	Errors  map[string]string `json:"errors"`
	Summary string            `json:"summary"`
}

// planCheck validates the editor's form as typed, without saving:
// plan_editor.js shows the messages beside the fields.
func (a *App) planCheck(c echo.Context) error {
	exp := brandExponent(currentPrincipal(c).Brand)
	f, rules, errs := readPlanForm(c, exp)
	if strings.TrimSpace(f.Name) == "" || len(strings.TrimSpace(f.Name)) > 100 {
		errs.Add("name", "name the plan (1 to 100 characters)")
	}
	out := planCheckJSON{Errors: errs.Map(), Summary: tierSummary(rules, exp)}
	if out.Errors == nil {
		out.Errors = map[string]string{}
	}
	return c.JSON(http.StatusOK, out)
}
